#!/usr/bin/env bash
# Builds the WASI preview-1 test guests from source into OUTDIR:
#   guest-c.wasm        guest.c          (clang + wasi-libc)
#   guest-c-other.wasm  guest.c          with -DOTHER_BUILD: a second, different
#                                        module (only its stderr line differs)
#   guest-go.wasm       go/              (GOOS=wasip1 GOARCH=wasm, Go >= 1.21)
#   clock_bench.wasm    clock_bench.c    1,000,000 monotonic clock readings
#   read_bench.wasm     read_bench.c     reads /data/big.bin in 64 KiB chunks
# A wasm newer than its sources (and this script) is left as it is. The tools
# are not installed here: scripts/setup-test-deps.sh does that.
#   usage: tests/guests/wasi/build.sh OUTDIR
set -euo pipefail

die() { echo "build.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

# Debian's clang 14 finds wasi-libc (/usr/include/wasm32-wasi,
# /usr/lib/wasm32-wasi) and the wasm32 builtins by itself: no --sysroot.
# Debian's wasi-libc carries DWARF, which --strip-debug drops (the name
# section stays, for backtraces): four fifths of each C module.
CLANG=${CLANG:-clang}
CFLAGS=(--target=wasm32-wasi -O2 -Wall -Wextra -Wl,--strip-debug)

# Whether $1 is missing or older than any of the other files.
stale() {
  local target=$1 dep
  shift
  [ -e "$target" ] || return 0
  for dep in "$@" "$src/build.sh"; do
    [ "$dep" -nt "$target" ] && return 0
  done
  return 1
}

clang_checked=
check_clang() {
  [ -z "$clang_checked" ] || return 0
  command -v "$CLANG" >/dev/null ||
    die "$CLANG not found: the C guests need clang, lld, wasi-libc and libclang-rt-14-dev-wasm32 (bash scripts/setup-test-deps.sh installs them)"
  command -v wasm-ld >/dev/null || command -v wasm-ld-14 >/dev/null ||
    die "wasm-ld not found: install lld (bash scripts/setup-test-deps.sh installs it)"
  echo '#include <stdio.h>' | "$CLANG" --target=wasm32-wasi -E -x c - >/dev/null 2>&1 ||
    die "$CLANG cannot find wasi-libc: install wasi-libc (bash scripts/setup-test-deps.sh installs it)"
  clang_checked=1
}

go_checked=
check_go() {
  [ -z "$go_checked" ] || return 0
  command -v go >/dev/null ||
    die "go not found: the Go guest needs Go 1.21 or later (GOOS=wasip1)"
  local version minor
  version=$(go env GOVERSION)
  minor=$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$version")
  [ -n "$minor" ] && [ "$minor" -ge 21 ] ||
    die "$version is too old: GOOS=wasip1 needs Go 1.21 or later"
  go_checked=1
}

# build_c NAME SOURCE [EXTRA CFLAGS...]
build_c() {
  local name=$1 source=$2
  shift 2
  local target=$out/$name.wasm
  if ! stale "$target" "$src/$source"; then
    echo "build.sh: $name.wasm is up to date"
    return
  fi
  check_clang
  local start
  start=$(date +%s%N)
  # Built beside the target and moved, so a failed build leaves no fresh file.
  "$CLANG" "${CFLAGS[@]}" "$@" -o "$target.tmp" "$src/$source" ||
    { rm -f "$target.tmp"; die "building $name.wasm failed"; }
  mv "$target.tmp" "$target"
  echo "build.sh: built $name.wasm ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
}

build_go() {
  local target=$out/guest-go.wasm
  if ! stale "$target" "$src/go/main.go" "$src/go/go.mod"; then
    echo "build.sh: guest-go.wasm is up to date"
    return
  fi
  check_go
  local start
  start=$(date +%s%N)
  # No dependencies, so nothing is fetched: GOPROXY=off makes sure of it, and
  # GOTOOLCHAIN=local keeps go from downloading another toolchain.
  # -buildvcs=false: no git stamp, so the module depends on the sources only.
  (cd "$src/go" &&
    GOOS=wasip1 GOARCH=wasm GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod \
      go build -trimpath -buildvcs=false -o "$target.tmp" .) ||
    { rm -f "$target.tmp"; die "building guest-go.wasm failed"; }
  mv "$target.tmp" "$target"
  echo "build.sh: built guest-go.wasm ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
}

build_c guest-c guest.c
build_c guest-c-other guest.c -DOTHER_BUILD
build_c clock_bench clock_bench.c
build_c read_bench read_bench.c
build_go
