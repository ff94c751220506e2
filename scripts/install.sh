#!/usr/bin/env bash
# Builds libwasmtime_rr in release mode (reusing target/, so it is incremental)
# and installs it like a C library (docs/install.md):
#   scripts/install.sh [PREFIX]      PREFIX defaults to /usr/local; DESTDIR is honoured
#   scripts/install.sh --uninstall   removes the files that the last install recorded
# The CMake build folder, WASMTIME_RR_BUILD_DIR (default target/cmake), keeps
# that record (install_manifest.txt).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WASMTIME_RR_BUILD_DIR:-$root/target/cmake}

# The loader finds a SONAME in its own folders (/usr/local/lib, ...) through
# its cache, so that cache is rebuilt when one of them changed, as `meson
# install` does. Other prefixes are reached through rpath or LD_LIBRARY_PATH.
refresh_loader_cache() {
  [ -z "${DESTDIR-}" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null || return 0
  local libdir loader_dirs
  libdir=$(dirname "$(grep -m 1 '/libwasmtime_rr\.so$' "$build/install_manifest.txt")")
  loader_dirs=$(ldconfig -N -X -v 2>/dev/null || true)
  if grep -qxF "$libdir" < <(cut -d: -f1 <<<"$loader_dirs"); then
    echo "-- ldconfig: $libdir is one of the loader's folders"
    ldconfig
  fi
}

if [ "${1-}" = --uninstall ]; then
  cmake --build "$build" --target uninstall
  refresh_loader_cache
  exit
fi
# Absolute, because CMake would resolve a relative prefix against the build folder.
prefix=$(realpath -m "${1:-/usr/local}")
cmake -S "$root" -B "$build" -DCMAKE_INSTALL_PREFIX="$prefix"
cmake --build "$build"
cmake --install "$build"
refresh_loader_cache
