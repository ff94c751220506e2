#!/usr/bin/env bash
# The fuzz targets (fuzz/, cargo-fuzz layout), built once with AddressSanitizer
# by nightly Rust (`cargo +nightly fuzz build`: ASan, coverage instrumentation,
# debug assertions), run for a short while each from the committed corpus,
# then the wasmtime-rr CLI over every trace input they kept.
#   tests/run-fuzz.sh [SECONDS_PER_TARGET]      (default 60, or $FUZZ_SECONDS)
# Run longer with `cd fuzz && cargo +nightly fuzz run TARGET` (README, Fuzzing).
# Only the fuzz build uses nightly Rust (sanitizers are nightly-only); the
# library and everything else build on stable.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-60}}
root=$PWD
work=$root/target/fuzz-run
rm -rf "$work"
mkdir -p "$work"
targets=(config trace_bytes trace_mutate host_api)

cargo fuzz --version >/dev/null 2>&1 ||
  { echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked (scripts/setup-test-deps.sh does)"; exit 1; }
cargo +nightly --version >/dev/null 2>&1 ||
  { echo "the fuzz targets build with AddressSanitizer, which needs nightly Rust:"
    echo "  rustup toolchain install nightly --profile minimal --component rust-src (scripts/setup-test-deps.sh does)"; exit 1; }
echo "== build the fuzz targets: cargo +nightly fuzz build ($(cargo +nightly --version | cut -d' ' -f2); AddressSanitizer, coverage, debug assertions)"
started=$SECONDS
(cd fuzz && cargo +nightly fuzz build --sanitizer address)
echo "built in $((SECONDS - started)) s"
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin=$root/fuzz/target/$host/release

# Fresh seeds from this run of the test suite: tests/run-c-tests.sh records
# the guest under several settings into target/release/c-tests/seeds.
fresh=$root/target/release/c-tests/seeds
[ -d "$fresh" ] && [ -n "$(ls -A "$fresh")" ] ||
  { echo "no seeds from the test suite in $fresh (run tests/run-c-tests.sh target/release 1 first)"; exit 1; }

status=0
for target in "${targets[@]}"; do
  corpora=("$root/fuzz/corpus/$target")
  case $target in trace_bytes | trace_mutate) corpora+=("$fresh") ;; esac
  mkdir -p "$work/$target"
  echo "== fuzz $target for ${seconds}s (new inputs go to $work/$target)"
  rc=0
  # A deadlock is a timeout (-timeout=10); ASan's leak check runs after each
  # input that freed fewer blocks than it allocated (libFuzzer's -detect_leaks).
  (cd "$work" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin/$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$target-" "$work/$target" "${corpora[@]}") \
    >"$work/$target.log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  crashes=$(find "$work" -maxdepth 1 -name "$target-*" | wc -l)
  coverage=$(grep -o 'cov: [0-9]*' "$work/$target.log" | tail -n 1 | cut -d' ' -f2 || true)
  echo "$target: ${runs:-0} executions in ${seconds}s ($(( ${runs:-0} / seconds ))/s), coverage ${coverage:-?} edges, exit $rc, crash/timeout/oom files: $crashes"
  find "$work" -maxdepth 1 -name "$target-*" -printf '  %p\n'

  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$runs" ] || [ "$runs" -lt 100 ]; then
    status=1
    grep -v '^#[0-9]' "$work/$target.log" | tail -n 40
  fi
done

# The CLI itself on the trace inputs: exit 0 (replay matched / listed) or 1
# (error message), never a crash, a panic exit (101) or a hang.
echo "== wasmtime-rr inspect and replay over the trace corpora"
[ -x target/rr-demo/rr_demo ] || examples/rr/run.sh >/dev/null
target/rr-demo/rr_demo wasm tests/guests/replay_guest.wat "$work/guest.wasm" >/dev/null
cli=target/release/wasmtime-rr

echo "== a recording whose store was freed unfinished (made by tests/c/test_replay.c): the CLI says so"
dropped=$fresh/replay_guest-store-dropped.trace
"$cli" inspect "$dropped" >"$work/dropped.txt"
grep 'end:' "$work/dropped.txt"
grep -q '^#[0-9]* end: INCOMPLETE, the store was freed before the recording was finished ([0-9]* events)$' \
  "$work/dropped.txt" || { echo "inspect does not say INCOMPLETE"; status=1; }
"$cli" replay "$work/guest.wasm" "$dropped" | tee "$work/dropped-replay.txt" | tail -n 1
grep -q '^replay matched the recording: [0-9]* events (the recording was cut off: its store was freed unfinished)$' \
  "$work/dropped-replay.txt" || { echo "replay does not say the recording was cut off"; status=1; }

checked=0
for file in "$work/trace_bytes"/* fuzz/corpus/trace_bytes/* "$fresh"/*; do
  for command in inspect replay component; do
    case $command in
      inspect) args=(inspect "$file") ;;
      replay) args=(replay "$work/guest.wasm" "$file") ;;
      component) args=(replay tests/guests/components/values.wat "$file") ;;
    esac
    rc=0
    timeout 20 "$cli" "${args[@]}" >/dev/null 2>"$work/cli.err" || rc=$?
    if [ "$rc" -gt 1 ]; then
      echo "wasmtime-rr $command $file: exit $rc"
      tail -n 5 "$work/cli.err"
      status=1
    fi
    checked=$((checked + 1))
  done
done
echo "wasmtime-rr runs over trace inputs: $checked, each exited 0 or 1"
exit "$status"
