#!/usr/bin/env bash
# Builds the release library and the component benchmark, then runs it:
# a component host call with a string argument and a list result, plain
# against recording against replay, in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lib=target/release
mkdir -p target/bench
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror benches/component_bench.c -I"$lib/include" \
  -L"$lib" -lwasmtime_rr -Wl,-rpath,"$PWD/$lib" -o target/bench/component_bench
target/bench/component_bench tests/guests/components/values.wat target/bench
