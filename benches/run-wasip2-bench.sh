#!/usr/bin/env bash
# Builds the release library and the WASI preview 2 benchmark, then runs it:
# a component export making 13 WASI preview 2 calls, plain against recording
# against replay, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lib=target/release
mkdir -p target/bench
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror benches/wasip2_bench.c -I"$lib/include" \
  -L"$lib" -lwasmtime_rr -Wl,-rpath,"$PWD/$lib" -o target/bench/wasip2_bench
target/bench/wasip2_bench tests/guests/components/wasip2.wat target/bench
