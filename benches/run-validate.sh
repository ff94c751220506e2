#!/usr/bin/env bash
# Builds the release library and the validation benchmark, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
out=target/release
mkdir -p "$out/benches-c"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror benches/validate.c -I"$out/include" \
  -L"$out" -lwasmtime_rr -Wl,-rpath,"$PWD/$out" -o "$out/benches-c/validate"
"$out/benches-c/validate"
