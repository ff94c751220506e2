#!/usr/bin/env bash
# Builds the library (release) and the C++ demo, then runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
out=target/release
mkdir -p "$out/examples-cpp"
c++ -std=c++17 -Wall -Wextra -Werror examples/cpp/demo.cpp -I"$out/include" \
  -L"$out" -lwasmtime_rr -Wl,-rpath,"$PWD/$out" -o "$out/examples-cpp/demo"
"$out/examples-cpp/demo"
