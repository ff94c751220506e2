#!/usr/bin/env bash
# Turns the WASI preview-1 C guest (tests/guests/wasi/guest.c, clang +
# wasi-libc) into a WASI preview 2 command component with wasm-tools and
# Wasmtime 48's command adapter:
#   tests/guests/components/adapted/build.sh OUT_DIR
#     OUT_DIR/guest-c.wasm            the core module (tests/guests/wasi/build.sh)
#     OUT_DIR/adapter.wasm            the adapter (this folder's crate writes it)
#     OUT_DIR/guest-c.component.wasm  `wasm-tools component new --adapt`, validated
# WASM_TOOLS names the wasm-tools binary (tests/run-c-tests.sh installs one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
wasm_tools=${WASM_TOOLS:-wasm-tools}
command -v "$wasm_tools" >/dev/null || { echo "build.sh: wasm-tools is missing (tests/run-c-tests.sh installs it)" >&2; exit 1; }

bash "$here/../../wasi/build.sh" "$out" >/dev/null
cargo run --quiet --locked --manifest-path "$here/Cargo.toml" --target-dir "$out/adapter-target" -- "$out/adapter.wasm"
"$wasm_tools" component new "$out/guest-c.wasm" --adapt "wasi_snapshot_preview1=$out/adapter.wasm" \
  -o "$out/guest-c.component.wasm"
"$wasm_tools" validate "$out/guest-c.component.wasm"
