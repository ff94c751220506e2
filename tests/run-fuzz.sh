#!/usr/bin/env bash
# The fuzz targets (fuzz/, cargo-fuzz layout), built on stable Rust without a
# sanitizer (`-s none`) and run for a short while each from the committed
# corpus, then the wasmtime-rr CLI over every trace input they kept.
#   tests/run-fuzz.sh [SECONDS_PER_TARGET]      (default 60, or $FUZZ_SECONDS)
# Run longer with `cd fuzz && cargo fuzz run -s none TARGET` (README, Fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-60}}
root=$PWD
work=$root/target/fuzz-run
rm -rf "$work"
mkdir -p "$work"

cargo fuzz --version >/dev/null 2>&1 ||
  { echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked (.ci/run does)"; exit 1; }
echo "== build the fuzz targets (cargo fuzz build -s none: coverage instrumentation, debug assertions)"
(cd fuzz && cargo fuzz build -s none)
host=$(rustc -vV | sed -n 's/^host: //p')
bin=$root/fuzz/target/$host/release

# Fresh seeds from this run of the test suite: tests/run-c-tests.sh records
# the guest under several settings into target/release/c-tests/seeds.
fresh=$root/target/release/c-tests/seeds
[ -d "$fresh" ] && [ -n "$(ls -A "$fresh")" ] ||
  { echo "no seeds from the test suite in $fresh (run tests/run-c-tests.sh target/release 1 first)"; exit 1; }

status=0
for target in config trace_bytes trace_mutate; do
  corpora=("$root/fuzz/corpus/$target")
  [ "$target" = config ] || corpora+=("$fresh")
  mkdir -p "$work/$target"
  echo "== fuzz $target for ${seconds}s (new inputs go to $work/$target)"
  rc=0
  (cd "$work" && "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$target-" "$work/$target" "${corpora[@]}") \
    >"$work/$target.log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
  crashes=$(find "$work" -maxdepth 1 -name "$target-*" | wc -l)
  echo "$target: ${runs:-0} executions in ${seconds}s, exit $rc, crash/timeout/oom files: $crashes"
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
  for command in inspect replay; do
    args=("$file")
    [ "$command" = inspect ] || args=("$work/guest.wasm" "$file")
    rc=0
    timeout 20 "$cli" "$command" "${args[@]}" >/dev/null 2>"$work/cli.err" || rc=$?
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
