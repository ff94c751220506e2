#!/usr/bin/env bash
# Builds the release library, the WASI benchmark guests and the benchmark,
# makes a 64 MiB data file, then runs benches/wasi_bench.c.
# Results go to stdout; traces are written under target/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lib=target/release
out=target/bench
mkdir -p "$out/wasi-data"
bash tests/guests/wasi/build.sh target/wasi-guests >/dev/null
[ -f "$out/wasi-data/big.bin" ] || head -c $((64 << 20)) /dev/urandom > "$out/wasi-data/big.bin"
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror benches/wasi_bench.c -I"$lib/include" \
  -L"$lib" -lwasmtime_rr -Wl,-rpath,"$PWD/$lib" -o "$out/wasi_bench"
"$out/wasi_bench" target/wasi-guests "$out/wasi-data" "$out"
