#!/usr/bin/env bash
# Builds the library (release) and the C demo, then runs the demo.
# The demo compiles with one -I and links with one -L into the build output,
# where build.rs staged wasmtime_rr.h beside Wasmtime's own headers.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
out=target/release
mkdir -p "$out/examples-c"
cc -std=c11 -Wall -Wextra -Werror examples/demo.c -I"$out/include" \
  -L"$out" -lwasmtime_rr -Wl,-rpath,"$PWD/$out" -o "$out/examples-c/demo"
"$out/examples-c/demo"
