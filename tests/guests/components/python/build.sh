#!/usr/bin/env bash
# Builds the Python guest component with componentize-py (installed by
# scripts/setup-test-deps.sh):
#   tests/guests/components/python/build.sh OUT_DIR   -> OUT_DIR/app.wasm
# The component is a WASI preview 2 program (the Python runtime imports
# wasi:cli, wasi:filesystem, wasi:clocks, wasi:random, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
if [ -f "$out/app.wasm" ] && [ "$out/app.wasm" -nt "$here/app.py" ] && [ "$out/app.wasm" -nt "$here/world.wit" ]; then
  exit 0
fi
cpy=${COMPONENTIZE_PY:-componentize-py}
command -v "$cpy" >/dev/null || { echo "componentize-py is missing (scripts/setup-test-deps.sh installs it)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/wit"
cp "$here/world.wit" "$work/wit/"
cp "$here/app.py" "$work/"
(cd "$work" && "$cpy" -d wit -w greeter componentize app -o "$out/app.wasm")
