#!/usr/bin/env bash
# Builds the release library and the shadow-memory benchmark, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lib=target/release
mkdir -p target/bench
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror benches/shadow_bench.c -I"$lib/include" \
  -L"$lib" -lwasmtime_rr -Wl,-rpath,"$PWD/$lib" -o target/bench/shadow_bench
target/bench/shadow_bench target/bench
