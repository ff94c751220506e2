#!/usr/bin/env bash
# Checks the Go binding and its example; exits non-zero on any failure.
#   gofmt, go vet, go test, go test -race (default build: the repository's
#   target/release), the wasmtimerr_pkgconfig build given CGO flags, then
#   builds and runs examples/go and checks its output (the configuration
#   demo's lines exactly, then a recorded and a replayed result that match,
#   then a WASI guest recorded and replayed with echo), and its wasi
#   subcommand on the real C guest of tests/guests/wasi.
# Needs Go and a C compiler, and for the WASI guests clang, lld and wasi-libc
# (scripts/setup-test-deps.sh); builds the library with cargo only if it is
# missing.
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
demo_status=0
"$tmp/go-demo" >"$tmp/demo.out" 2>"$tmp/demo.err" || demo_status=$?
output=$(cat "$tmp/demo.out")
echo "$output"
cat "$tmp/demo.err" >&2
[ "$demo_status" -eq 0 ] || { echo "examples/go exited with $demo_status"; exit 1; }
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
  echo "wasi: recorded: now=0xH random=0xH (exit status 3, trace M bytes)"
  echo "wasi: recorded stderr: guest: exiting with 3"
  echo "wasi: replaying with echo, no WASI context:"
  echo "now=0xH random=0xH"
  echo "wasi: replayed: exit status 3, trace consumed"
  echo "(and on stderr, the echo of the replay: guest: exiting with 3)"
  exit 1
}
[ -n "$version" ] || fail "no WASMTIME_RR_VERSION in the header"
[ "${#lines[@]}" -eq 13 ] || fail "${#lines[@]} lines, want 13"
[ "$(printf '%s\n' "${lines[@]:0:5}")" = "$(printf '%s\n' "${expected[@]}")" ] || fail "in the first 5 lines"
# The recorded value comes from the host's clock and random bytes, so it
# differs between runs; the replay must reproduce it without the host.
[[ ${lines[5]} =~ ^recorded:\ roll\(\)\ =\ ([0-9]+)\ \(host\ functions\ called\ 2\ times,\ trace\ [1-9][0-9]*\ bytes\)$ ]] ||
  fail "in line 6"
recorded=${BASH_REMATCH[1]}
[ "${lines[6]}" = "replayed: roll() = $recorded (host functions called 0 times)" ] || fail "in line 7"
[ "${lines[7]}" = "replay matches recording: true" ] || fail "in line 8"
# The WASI guest's clock and random bytes differ between runs; the replay,
# with echo, prints the recorded line again (the guest's own stdout), and its
# stderr line on stderr.
[[ ${lines[8]} =~ ^wasi:\ recorded:\ (now=0x[0-9a-f]{16}\ random=0x[0-9a-f]{16})\ \(exit\ status\ 3,\ trace\ [1-9][0-9]*\ bytes\)$ ]] ||
  fail "in line 9"
guest_line=${BASH_REMATCH[1]}
[ "${lines[9]}" = "wasi: recorded stderr: guest: exiting with 3" ] || fail "in line 10"
[ "${lines[10]}" = "wasi: replaying with echo, no WASI context:" ] || fail "in line 11"
[ "${lines[11]}" = "$guest_line" ] || fail "in line 12 (the echo of the replay)"
[ "${lines[12]}" = "wasi: replayed: exit status 3, trace consumed" ] || fail "in line 13"
[ "$(cat "$tmp/demo.err")" = "guest: exiting with 3" ] || fail "on stderr"

step "examples/go: go-demo wasi on tests/guests/wasi's C guest"
guests=$repo/target/wasi-guests
bash "$repo/tests/guests/wasi/build.sh" "$guests"
mkdir "$tmp/data"
printf 'hello file\n' >"$tmp/data/input.txt"
printf 'line one\nline two\n' >"$tmp/stdin"
demo_status=0
"$tmp/go-demo" wasi -stdin "$tmp/stdin" -dir "$tmp/data::/data" -env GUEST_NAME=rr "$guests/guest-c.wasm" alpha beta \
  >"$tmp/wasi.out" 2>"$tmp/wasi.err" || demo_status=$?
cat "$tmp/wasi.out"
cat "$tmp/wasi.err" >&2
[ "$demo_status" -eq 0 ] || { echo "go-demo wasi exited with $demo_status"; exit 1; }
mapfile -t lines <"$tmp/wasi.out"
wasi_fail() {
  echo "go-demo wasi output differs: $*; expected: a 'wasi: recorded ...' line, the guest's 9-line report, a"
  echo "'wasi: replaying ...' line, the same report again, 'wasi: replayed: exit status 7, trace consumed';"
  echo "and the guest's stderr line twice on stderr"
  exit 1
}
[ "${#lines[@]}" -eq 21 ] || wasi_fail "${#lines[@]} lines, want 21"
[[ ${lines[0]} =~ ^wasi:\ recorded\ .*/guest-c\.wasm:\ exit\ status\ 7,\ trace\ [1-9][0-9]*\ bytes\;\ its\ stdout:$ ]] ||
  wasi_fail "in line 1"
[ "${lines[1]}" = "args: alpha beta" ] && [ "${lines[2]}" = "env: rr" ] &&
  [ "${lines[6]}" = 'stdin: line one\nline two\n' ] && [ "${lines[7]}" = 'file: hello file\n' ] ||
  wasi_fail "in the recorded report"
[ "${lines[10]}" = "wasi: replaying with echo, without the guest's files, stdin or WASI context:" ] ||
  wasi_fail "in line 11"
[ "$(printf '%s\n' "${lines[@]:1:9}")" = "$(printf '%s\n' "${lines[@]:11:9}")" ] ||
  wasi_fail "the replay's report is not the recorded one"
[ "${lines[20]}" = "wasi: replayed: exit status 7, trace consumed" ] || wasi_fail "in line 21"
[ "$(cat "$tmp/wasi.err")" = "$(printf 'guest: done, exiting with 7\nguest: done, exiting with 7')" ] ||
  wasi_fail "on stderr"

step "all Go checks passed"
