#!/usr/bin/env bash
# Turns the WASI preview-1 guests (tests/guests/wasi: guest.c with clang +
# wasi-libc, go/ with GOOS=wasip1) into WASI preview 2 command components with
# wasm-tools and Wasmtime 48's command adapter:
#   tests/guests/components/adapted/build.sh OUT_DIR
#     OUT_DIR/guest-c.wasm            the core module (tests/guests/wasi/build.sh)
#     OUT_DIR/adapter.wasm            the adapter (this folder's crate writes it)
#     OUT_DIR/guest-c.component.wasm  `wasm-tools component new --adapt`, validated
#     OUT_DIR/guest-go.component.wasm the same for the Go guest
# WASM_TOOLS names the wasm-tools binary (tests/run-c-tests.sh installs one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
wasm_tools=${WASM_TOOLS:-wasm-tools}
command -v "$wasm_tools" >/dev/null || { echo "build.sh: wasm-tools is missing (tests/run-c-tests.sh installs it)" >&2; exit 1; }

bash "$here/../../wasi/build.sh" "$out" >/dev/null
cargo run --quiet --locked --manifest-path "$here/Cargo.toml" --target-dir "$out/adapter-target" -- "$out/adapter.wasm"
for guest in guest-c guest-go; do
  "$wasm_tools" component new "$out/$guest.wasm" --adapt "wasi_snapshot_preview1=$out/adapter.wasm" \
    -o "$out/$guest.component.wasm"
  "$wasm_tools" validate "$out/$guest.component.wasm"
done
