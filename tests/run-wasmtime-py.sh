#!/usr/bin/env bash
# Runs wasmtime-py 48.0.0's own test suite (from its PyPI sdist) against our
# library in place of the official libwasmtime, installed with
# `python -m wasmtime_rr.install_into_wasmtime_py` (the preload library as
# _libwasmtime.so, libwasmtime_rr beside it). Recipe: ../shared/design/real-clients.md.
#   tests/run-wasmtime-py.sh PROFILE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
library=$(cd "$1" && pwd)/libwasmtime_rr.so
work=target/wasmtime-py
tree="$work/wasmtime-48.0.0"
if [ ! -d "$tree" ]; then
  mkdir -p "$work"
  python3 -m pip download --quiet --no-deps --no-binary :all: wasmtime==48.0.0 -d "$work"
  tar -xzf "$work/wasmtime-48.0.0.tar.gz" -C "$work"
fi
# wasmtime-py loads wasmtime/linux-x86_64/_libwasmtime.so by absolute path:
# the install command puts the preload library there and libwasmtime_rr
# beside it under its SONAME, as a user installs it. With no
# WASMTIME_RR_RECORD/REPLAY set, every interposed name forwards to the stock
# function: the suite runs the whole C API of libwasmtime_rr through it.
rm -rf "$tree/wasmtime/linux-x86_64"
cd "$tree"
unset WASMTIME_RR_RECORD WASMTIME_RR_REPLAY
WASMTIME_RR_LIBRARY="$library" PYTHONPATH="$OLDPWD/bindings/python/src:$PWD" \
  python3 -m wasmtime_rr.install_into_wasmtime_py
# The suite's default addopts add a mypy run unrelated to the library; one
# test preopens the relative folder `wasmtime`, so run from the tree's root.
python3 -m pytest -p no:cacheprovider -o addopts=--doctest-modules --ignore=ci -q
