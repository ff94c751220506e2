#!/usr/bin/env bash
# The one test command (README): every test of the project, in order.
# Each suite's own output shows its assertions; the last line counts suites.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
suite() {
  local name=$1
  shift
  echo
  echo "################ $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "!!!!!!!!!!!!!!!! FAILED: $name"
  fi
}

check_demo() {
  local output
  output=$(examples/run-demo.sh) || return 1
  echo "$output"
  grep -qxF 'rejected config: error [invalid_config]: NaN canonicalization cannot be disabled when determinism is enforced' <<<"$output" &&
    grep -qxF 'engine: mode=recording nan_canonicalization=on relaxed_simd_deterministic=on' <<<"$output" &&
    grep -qxF 'mix(6, 7.0) = 42' <<<"$output"
}

no_rr_rust_tests() {
  # Debug profile: its own output folder, so the release library stays the
  # record/replay one.
  cargo build --no-default-features --features full &&
    cargo test --no-default-features --features full
}

suite "build (release)" cargo build --release
suite "Rust tests: unit, header drift, exported symbols, version" cargo test --release
suite "C and C++ tests, record/replay on" tests/run-c-tests.sh target/release 1
suite "C demo" check_demo
suite "wasmtime-py 48.0.0 test suite against libwasmtime_rr" tests/run-wasmtime-py.sh target/release
suite "Rust tests, record/replay compiled out" no_rr_rust_tests
suite "C and C++ tests, record/replay compiled out" tests/run-c-tests.sh target/debug 0

echo
if [ "$failed" -ne 0 ]; then
  printf 'failed suite: %s\n' "${failures[@]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
