#!/usr/bin/env bash
# Runs wasmtime-py 48.0.0's own test suite (from its PyPI sdist) against our
# library in place of the official libwasmtime. Recipe: ../shared/design/real-clients.md.
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
# wasmtime-py loads wasmtime/linux-x86_64/_libwasmtime.so by absolute path.
mkdir -p "$tree/wasmtime/linux-x86_64"
cp "$library" "$tree/wasmtime/linux-x86_64/_libwasmtime.so"
cd "$tree"
# The suite's default addopts add a mypy run unrelated to the library; one
# test preopens the relative folder `wasmtime`, so run from the tree's root.
python3 -m pytest -p no:cacheprovider -o addopts=--doctest-modules --ignore=ci -q
