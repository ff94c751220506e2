#!/usr/bin/env bash
# Install tests (docs/install.md). Installs with the documented command,
# scripts/install.sh, into a temporary prefix, then uses the install the way
# another project would: -I, -L and rpath come from the prefix (through
# pkg-config or the CMake package), never from the source tree.
#   1. layout: versioned library and its links, archive, headers, .pc, CMake package
#   2. versions: Cargo.toml = header = .pc = CMake package = SONAME = runtime
#   3. a C host built with pkg-config, shared and --static
#   4. a C++ host built with find_package, shared and static imported targets
#   5. the Python binding and the Go package pointed at the installed library
#   6. uninstall leaves no file; a DESTDIR install lands under DESTDIR/prefix only
# Prints every check and exits non-zero if any failed. Needs cargo, cmake, cc,
# c++, pkg-config, readelf (binutils), python3 and go.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wasmtime-rr-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS
passed=0
failed=0

section() {
  printf '\n== %s\n' "$*"
  section_started=$SECONDS
}
took() { echo "   ($((SECONDS - section_started))s)"; }

# check WHAT COMMAND...: runs COMMAND and counts and prints the outcome.
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
    passed=$((passed + 1))
  else
    echo "FAILED: $what"
    failed=$((failed + 1))
  fi
}

# logged NAME COMMAND...: runs COMMAND quietly; shows its output only if it fails.
logged() {
  local log=$work/$1.log
  shift
  "$@" >"$log" 2>&1 || { sed 's/^/    | /' "$log"; return 1; }
}

finish() {
  printf '\ninstall tests: %d passed, %d failed (%ds)\n' "$passed" "$failed" "$((SECONDS - started))"
  exit $((failed > 0))
}

missing=()
for tool in cargo cmake cc c++ pkg-config readelf python3 go; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "missing tools: ${missing[*]}" >&2
  exit 1
fi

# What everything must agree with, and the SONAME rule (cargo-c's) of build.rs.
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
IFS=. read -r major minor _ <<<"$version"
if [ "$major" = 0 ]; then soname=libwasmtime_rr.so.0.$minor; else soname=libwasmtime_rr.so.$major; fi
realname=libwasmtime_rr.so.$version
staged=${CARGO_TARGET_DIR:-$root/target}/release/include
echo "Cargo.toml version $version: expecting $realname with SONAME $soname"

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
needs() { needed "$1" | grep -qxF "$2"; }
needs_no_libwasmtime_rr() { [ -f "$1" ] && ! needed "$1" | grep -q '^libwasmtime_rr'; }
no_rpath_into_source_tree() { [ -f "$1" ] && ! readelf -d "$1" | grep -E 'R(UN)?PATH' | grep -qF "$root"; }
soname_of() { readelf -d "$1" | sed -n 's/.*Library soname: \[\(.*\)\]$/\1/p'; }
files_below() { (cd "$1" && find . ! -type d | sort); }

# run_host NAME COMMAND...: runs a host program, shows its output and checks
# that it passed and saw Cargo.toml's version at run time.
run_host() {
  local name=$1 output status
  shift
  output=$("$@" 2>&1)
  status=$?
  sed 's/^/    | /' <<<"$output"
  check "$name passes its checks" test "$status" -eq 0
  check "$name: the runtime version is $version" grep -qxF "wasmtime_rr_version() = $version" <<<"$output"
}

# The one place the install is made from; later sections use only the prefix.
install_with() { WASMTIME_RR_BUILD_DIR=$work/build "$root/scripts/install.sh" "$@"; }

prefix=$work/prefix
lib=$prefix/lib
section "install: scripts/install.sh $prefix (cargo build --release, cmake install)"
if ! logged install install_with "$prefix"; then
  check "scripts/install.sh $prefix" false
  finish
fi
grep -E 'native-static-libs|Finished' "$work/install.log" | sed 's/^/    | /'
echo "   installed $(grep -c 'Installing:' "$work/install.log") files"
took

section "layout"
check "lib/$realname is the library file" test -f "$lib/$realname" -a ! -L "$lib/$realname"
check "lib/$soname -> $realname" test "$(readlink "$lib/$soname")" = "$realname"
check "lib/libwasmtime_rr.so -> $soname" test "$(readlink "$lib/libwasmtime_rr.so")" = "$soname"
check "lib/libwasmtime_rr.a" test -f "$lib/libwasmtime_rr.a"
check "bin/wasmtime-rr runs (usage)" "$prefix/bin/wasmtime-rr" --help
for header in wasmtime_rr.h wasmtime_rr.hh wasm.h wasi.h wasmtime.h wasm.hh wasmtime.hh doc-wasm.h wasmtime/conf.h; do
  check "include/$header" test -f "$prefix/include/$header"
done
check "include/ is exactly the staged $staged" diff -r "$staged" "$prefix/include"
check "lib/pkgconfig/wasmtime-rr.pc" test -f "$lib/pkgconfig/wasmtime-rr.pc"
for file in wasmtime-rrConfig.cmake wasmtime-rrConfigVersion.cmake wasmtime-rrTargets.cmake; do
  check "lib/cmake/wasmtime-rr/$file" test -f "$lib/cmake/wasmtime-rr/$file"
done
installed_files=$(files_below "$prefix")

section "versions agree with Cargo.toml ($version)"
export PKG_CONFIG_PATH=$lib/pkgconfig
unset LD_LIBRARY_PATH
header_version=$(sed -n 's/^#define WASMTIME_RR_VERSION "\(.*\)"$/\1/p' "$prefix/include/wasmtime_rr.h")
check "header WASMTIME_RR_VERSION = \"$header_version\"" test "$header_version" = "$version"
check ".pc Version: $(pkg-config --modversion wasmtime-rr)" test "$(pkg-config --modversion wasmtime-rr)" = "$version"
check "SONAME of lib/$realname: $(soname_of "$lib/$realname")" test "$(soname_of "$lib/$realname")" = "$soname"
# Fresh by now, so this only replays rustc's report of the install's build.
native_libs=$(cd "$root" && cargo rustc --release --lib --color never -- --print native-static-libs 2>&1 |
  sed -n 's/.*native-static-libs: //p')
check ".pc Libs.private is rustc's native-static-libs ($native_libs)" \
  test "$(sed -n 's/^Libs.private: //p' "$lib/pkgconfig/wasmtime-rr.pc")" = "$native_libs"
echo "   (the runtime version is checked by every host below)"

section "C host with pkg-config: shared library"
cflags=$(pkg-config --cflags wasmtime-rr)
libdir=$(pkg-config --variable=libdir wasmtime-rr)
strict=(-std=c11 -Wall -Wextra -Werror)
echo "   cc host.c $cflags $(pkg-config --libs wasmtime-rr) -Wl,-rpath,$libdir"
# $cflags and pkg-config's output unquoted: they are lists of flags.
check "builds" logged cc-shared cc "${strict[@]}" "$root/tests/install/host.c" $cflags \
  $(pkg-config --libs wasmtime-rr) -Wl,-rpath,"$libdir" -o "$work/host-shared"
check "NEEDED $soname" needs "$work/host-shared" "$soname"
run_host "C host (shared)" "$work/host-shared"

section "C host with pkg-config --static: static archive"
# -lwasmtime_rr would pick the .so beside the archive, so the archive is named.
static_libs=$(pkg-config --static --libs wasmtime-rr | sed 's/-lwasmtime_rr\b/-l:libwasmtime_rr.a/')
echo "   cc host.c $cflags $static_libs"
check "builds" logged cc-static cc "${strict[@]}" "$root/tests/install/host.c" $cflags $static_libs \
  -o "$work/host-static"
check "no NEEDED libwasmtime_rr (NEEDED: $(needed "$work/host-static" | tr '\n' ' '))" \
  needs_no_libwasmtime_rr "$work/host-static"
run_host "C host (static)" "$work/host-static"
took

section "C++ host with find_package(wasmtime-rr), CMAKE_PREFIX_PATH=$prefix"
cpp=$work/cpp
check "configures" logged cpp-configure cmake -S "$root/tests/install/cpp" -B "$cpp" -DCMAKE_PREFIX_PATH="$prefix"
check "finds wasmtime-rr $version in $lib/cmake/wasmtime-rr" \
  grep -qxF -- "-- found wasmtime-rr $version in $lib/cmake/wasmtime-rr" "$work/cpp-configure.log"
check "builds host_shared and host_static" logged cpp-build cmake --build "$cpp"
check "host_shared: NEEDED $soname" needs "$cpp/host_shared" "$soname"
check "host_static: no NEEDED libwasmtime_rr" needs_no_libwasmtime_rr "$cpp/host_static"
for host in host_shared host_static; do
  check "$host: no rpath into the source tree" no_rpath_into_source_tree "$cpp/$host"
  run_host "C++ $host" "$cpp/$host"
done
took

section "Python binding with WASMTIME_RR_LIBRARY=$lib/libwasmtime_rr.so"
check "bindings/python/src/wasmtime_rr imports and checks out" env PYTHONDONTWRITEBYTECODE=1 \
  PYTHONPATH="$root/bindings/python/src" WASMTIME_RR_LIBRARY="$lib/libwasmtime_rr.so" \
  python3 "$root/tests/install/check_python.py" "$version" "$prefix"
took

section "Go package with -tags wasmtimerr_pkgconfig, PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
# `go build` then run (rather than `go run`) so that the binary can be inspected.
# tests/install/go rather than examples/go: the example's own cgo code is built
# against the repository's build output whatever the tags. A build cache of its
# own, because Go's does not notice a changed pkg-config answer or header
# (golang/go#24544, #24355) and would link an earlier run's prefix.
check "tests/install/go builds" logged go-build env GOCACHE="$work/go-cache" \
  bash -c 'cd "$1/tests/install/go" && go build -tags wasmtimerr_pkgconfig -o "$2" .' _ "$root" "$work/go-check"
check "NEEDED $soname" needs "$work/go-check" "$soname"
check "no rpath into the source tree" no_rpath_into_source_tree "$work/go-check"
run_host "Go program" env LD_LIBRARY_PATH="$lib" "$work/go-check" "$version"
took

section "install guard, uninstall"
check "cmake --install --prefix elsewhere is refused (the .pc names the configured prefix)" \
  bash -c '! cmake --install "$1" --prefix "$2" >/dev/null 2>&1 && [ ! -e "$2" ]' _ "$work/build" "$work/elsewhere"
check "scripts/install.sh --uninstall" logged uninstall install_with --uninstall
check "no file is left in the prefix" test -z "$(files_below "$prefix")"
find "$prefix" -depth -type d -empty -delete
check "nor any folder once the empty ones are removed" test ! -e "$prefix"

section "DESTDIR install"
stage=$work/stage
dest_prefix=/opt/wasmtime-rr-install-test-$$
check "$dest_prefix does not exist yet" test ! -e "$dest_prefix"
DESTDIR=$stage check "DESTDIR=$stage scripts/install.sh $dest_prefix" logged destdir-install install_with "$dest_prefix"
check "the same files land under DESTDIR$dest_prefix" test "$(files_below "$stage$dest_prefix")" = "$installed_files"
check "and nowhere else under DESTDIR" test "$(files_below "$stage" | wc -l)" = "$(wc -l <<<"$installed_files")"
check "nothing is written to $dest_prefix itself" test ! -e "$dest_prefix"
check "the .pc names $dest_prefix, not DESTDIR" grep -qxF "prefix=$dest_prefix" "$stage$dest_prefix/lib/pkgconfig/wasmtime-rr.pc"
DESTDIR=$stage check "DESTDIR=$stage scripts/install.sh --uninstall" logged destdir-uninstall install_with --uninstall
check "no file is left under DESTDIR" test -z "$(files_below "$stage")"
took

finish
