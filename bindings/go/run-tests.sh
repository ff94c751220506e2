#!/usr/bin/env bash
# Checks the Go binding and its example; exits non-zero on any failure.
#   gofmt, go vet, go test, go test -race (default build: the repository's
#   target/release), the wasmtimerr_pkgconfig build given CGO flags, then
#   builds and runs examples/go and checks its output (the configuration
#   demo's lines exactly, then a recorded and a replayed result that match).
# Needs Go and a C compiler; builds the library with cargo only if it is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lib=$repo/target/release
export CGO_ENABLED=1

step() { printf '\n==== %s\n' "$*"; }

# The library's SONAME is libwasmtime_rr.so.0.1: programs load it through the
# symlink of that name next to libwasmtime_rr.so.
if [ ! -e "$lib/libwasmtime_rr.so" ] || [ ! -e "$lib/libwasmtime_rr.so.0.1" ] || [ ! -e "$lib/include/wasmtime.h" ]; then
  step "library missing: cargo build --release"
  (cd "$repo" && cargo build --release)
fi

for module in "$here" "$repo/examples/go"; do
  step "gofmt -l $module"
  unformatted=$(gofmt -l "$module")
  if [ -n "$unformatted" ]; then
    printf 'not gofmt-clean:\n%s\n' "$unformatted"
    exit 1
  fi
done

cd "$here"
step "go vet ./..."
go vet ./...
step "go test -count=1 ./..."
go test -count=1 ./...
step "go test -race -count=1 ./..."
go test -race -count=1 ./...

# The installed-library build: -tags wasmtimerr_pkgconfig uses
# `#cgo pkg-config: wasmtime-rr`. No .pc file exists yet, so a pkg-config that
# prints nothing stands in and CGO_CFLAGS/CGO_LDFLAGS give the flags.
step "go vet + go test -tags wasmtimerr_pkgconfig (flags from CGO_CFLAGS/CGO_LDFLAGS)"
PKG_CONFIG=true \
  CGO_CFLAGS="-I$repo/include -I$lib/include" \
  CGO_LDFLAGS="-L$lib -lwasmtime_rr -Wl,-rpath,$lib" \
  sh -c 'go vet -tags wasmtimerr_pkgconfig ./... && go test -tags wasmtimerr_pkgconfig -count=1 ./...'

step "examples/go: go vet, go build, run"
cd "$repo/examples/go"
go vet ./...
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/go-demo" .
output=$("$tmp/go-demo")
echo "$output"
version=$(sed -n 's/^#define WASMTIME_RR_VERSION "\(.*\)"$/\1/p' "$repo/include/wasmtime_rr.h")
expected=(
  "wasmtime-rr $version (header $version), record/replay compiled in: yes"
  "rejected config: error [invalid_config]: NaN canonicalization cannot be disabled when determinism is enforced"
  "errors.Is(err, ErrInvalidConfig): true"
  "engine: mode=recording nan_canonicalization=on relaxed_simd_deterministic=on"
  "mix(6, 7.0) = 42"
)
mapfile -t lines <<<"$output"
fail() {
  echo "examples/go output differs: $*; expected:"
  printf '%s\n' "${expected[@]}"
  echo "recorded: roll() = N (host functions called 2 times, trace M bytes)"
  echo "replayed: roll() = N (host functions called 0 times)"
  echo "replay matches recording: true"
  exit 1
}
[ -n "$version" ] || fail "no WASMTIME_RR_VERSION in the header"
[ "${#lines[@]}" -eq 8 ] || fail "${#lines[@]} lines, want 8"
[ "$(printf '%s\n' "${lines[@]:0:5}")" = "$(printf '%s\n' "${expected[@]}")" ] || fail "in the first 5 lines"
# The recorded value comes from the host's clock and random bytes, so it
# differs between runs; the replay must reproduce it without the host.
[[ ${lines[5]} =~ ^recorded:\ roll\(\)\ =\ ([0-9]+)\ \(host\ functions\ called\ 2\ times,\ trace\ [1-9][0-9]*\ bytes\)$ ]] ||
  fail "in line 6"
recorded=${BASH_REMATCH[1]}
[ "${lines[6]}" = "replayed: roll() = $recorded (host functions called 0 times)" ] || fail "in line 7"
[ "${lines[7]}" = "replay matches recording: true" ] || fail "in line 8"

step "all Go checks passed"
