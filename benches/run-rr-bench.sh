#!/usr/bin/env bash
# Builds the release library and the record/replay benchmark, then runs it.
# Results go to stdout; traces are written under target/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lib=target/release
mkdir -p target/bench
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror benches/rr_bench.c -I"$lib/include" \
  -L"$lib" -lwasmtime_rr -Wl,-rpath,"$PWD/$lib" -o target/bench/rr_bench
target/bench/rr_bench target/bench
