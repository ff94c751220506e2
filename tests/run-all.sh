#!/usr/bin/env bash
# The one test command (README): every test of the project, in order.
# Each suite's own output shows its assertions; the last line counts suites.
set -uo pipefail
cd "$(dirname "$0")/.."

# What the suites need besides the Rust toolchain (apt packages, pytest,
# cargo-fuzz, nightly Rust with rust-src); quick when everything is already there.
bash scripts/setup-test-deps.sh || {
  echo "tests/run-all.sh: installing the test dependencies failed (scripts/setup-test-deps.sh, see above); no suite was run" >&2
  exit 1
}

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

# The C and C++ demos print the same lines.
check_demo() {
  local output
  output=$("$1") || return 1
  echo "$output"
  grep -qxF 'rejected config: error [invalid_config]: NaN canonicalization cannot be disabled when determinism is enforced' <<<"$output" &&
    grep -qxF 'engine: mode=recording nan_canonicalization=on relaxed_simd_deterministic=on' <<<"$output" &&
    grep -qxF 'mix(6, 7.0) = 42' <<<"$output"
}

# The CLI's usage and error exits, besides what the showcase covers.
cli_exits() {
  local cli=target/release/wasmtime-rr rc
  "$cli" >/dev/null 2>&1; rc=$?
  [ "$rc" = 2 ] || { echo "usage exit $rc, expected 2"; return 1; }
  printf 'not a trace' > target/rr-demo/junk.wrr
  "$cli" inspect target/rr-demo/junk.wrr 2>target/rr-demo/junk.err; rc=$?
  [ "$rc" = 1 ] && grep -qF 'error [trace_format]: not a wasmtime-rr trace (bad magic bytes)' target/rr-demo/junk.err ||
    { echo "inspect of junk: exit $rc, $(cat target/rr-demo/junk.err)"; return 1; }
  head -c 40 target/rr-demo/session.wrr > target/rr-demo/cut.wrr
  "$cli" inspect target/rr-demo/cut.wrr >/dev/null 2>target/rr-demo/cut.err; rc=$?
  [ "$rc" = 1 ] && grep -qF 'error [trace_format]: truncated trace' target/rr-demo/cut.err ||
    { echo "inspect of a cut trace: exit $rc, $(cat target/rr-demo/cut.err)"; return 1; }
  "$cli" inspect target/rr-demo/session.wrr | grep -qx '#0 instantiate module sha256 [0-9a-f]\{64\}' ||
    { echo "inspect does not list the instantiation"; return 1; }
  echo "CLI exit codes and messages: ok"
}

# The showcase: record once, replay twice (C) and with the CLI, then a module
# mismatch and a tampered trace; checks the messages, not just exit codes.
check_rr_demo() {
  local output
  output=$(examples/rr/run.sh 2>&1) || { echo "$output"; return 1; }
  echo "$output"
  grep -qx 'replay matched the recording; host functions called: 0' <<<"$output" &&
    grep -qx 'replay matched the recording: 13 events' <<<"$output" &&
    grep -q 'error \[module_mismatch\]: .*the trace instantiates a module with sha256 [0-9a-f]\{64\}, but this module has sha256 [0-9a-f]\{64\}' <<<"$output" &&
    grep -q 'error \[divergence\]: .*replay diverged at event #8: the call was recorded as it returned' <<<"$output"
}

# `wasmtime-rr run` and a WASI replay by the CLI: the guest's exit status,
# output, the recording replayed after its folder is gone, a module that is
# not a WASI command, --help of every subcommand, usage errors.
cli_wasi() {
  local cli=target/release/wasmtime-rr tmp rc
  tmp=$(mktemp -d)
  bash tests/guests/wasi/build.sh target/wasi-guests >/dev/null || return 1
  mkdir "$tmp/data" && printf 'hello file\n' >"$tmp/data/input.txt"
  printf 'from stdin\n' | "$cli" run --record "$tmp/t.wrr" --dir "$tmp/data::/data" --env GUEST_NAME=cli -- \
    target/wasi-guests/guest-c.wasm one two >"$tmp/out" 2>"$tmp/err"; rc=$?
  [ "$rc" = 7 ] || { echo "run: exit $rc, expected the guest's 7"; cat "$tmp/err"; return 1; }
  grep -qx 'args: one two' "$tmp/out" && grep -qx 'env: cli' "$tmp/out" && grep -qx 'file: hello file\\n' "$tmp/out" &&
    grep -qx 'stdin: from stdin\\n' "$tmp/out" || { echo "run: unexpected output"; cat "$tmp/out"; return 1; }
  rm -rf "$tmp/data"
  "$cli" replay target/wasi-guests/guest-c.wasm "$tmp/t.wrr" </dev/null >"$tmp/rout" 2>"$tmp/rerr"; rc=$?
  [ "$rc" = 7 ] && cmp -s "$tmp/out" "$tmp/rout" && grep -qx 'guest: done, exiting with 7' "$tmp/rerr" &&
    grep -q '^wasmtime-rr: replay matched the recording: [0-9]* events, exit status 7$' "$tmp/rerr" ||
    { echo "replay: exit $rc"; cat "$tmp/rerr"; return 1; }
  "$cli" inspect "$tmp/t.wrr" >"$tmp/listing" &&
    grep -q '^#[0-9]* wasi fd_read(0, 1 iovec) = 0 -> 11 bytes "from stdin\\n"$' "$tmp/listing" &&
    grep -q '^#[0-9]* wasi clock_time_get(realtime, 1) = 0 -> [0-9]*$' "$tmp/listing" &&
    grep -q '^  clock_time_get  *[0-9]' "$tmp/listing" || { echo "inspect: no WASI lines"; return 1; }
  "$cli" run tests/guests/replay_guest.wat >/dev/null 2>"$tmp/err"; rc=$?
  printf '(module (func (export "f")))' >"$tmp/lib.wat"
  "$cli" run "$tmp/lib.wat" 2>"$tmp/err"; rc=$?
  [ "$rc" = 1 ] && grep -q 'is not a WASI command: it exports no `_start` function' "$tmp/err" ||
    { echo "run of a library: exit $rc, $(cat "$tmp/err")"; return 1; }
  for sub in run replay inspect; do
    "$cli" "$sub" --help >"$tmp/help" && grep -q "^usage: wasmtime-rr $sub" "$tmp/help" ||
      { echo "$sub --help"; return 1; }
  done
  "$cli" run --dir 2>/dev/null; rc=$?
  [ "$rc" = 2 ] || { echo "usage error exit $rc"; return 1; }
  "$cli" inspect a b 2>/dev/null; rc=$?
  [ "$rc" = 2 ] || { echo "usage error exit $rc"; return 1; }
  rm -rf "$tmp"
  echo "wasmtime-rr run/replay/inspect of a WASI program: ok"
}

# The WASI guests (C and Go) as WASI preview 2 command components (wasm-tools
# with Wasmtime's command adapter): `wasmtime-rr run` records each through the
# RR-aware WASI preview 2; the CLI replays it with its folder gone, no stdin.
cli_wasip2() {
  local cli=target/release/wasmtime-rr guests=target/adapted-guests tmp rc guest
  bash tests/guests/components/adapted/build.sh "$guests" || return 1
  for guest in guest-c guest-go; do
    tmp=$(mktemp -d)
    mkdir "$tmp/data" && printf 'hello file\n' >"$tmp/data/input.txt" && printf 'x' >"$tmp/data/second.txt"
    printf 'from stdin\n' | "$cli" run --record "$tmp/t.wrr" --dir "$tmp/data::/data" --env GUEST_NAME=p2 -- \
      "$guests/$guest.component.wasm" one two >"$tmp/out" 2>"$tmp/err"; rc=$?
    # The adapter maps proc_exit(7) to wasi:cli/exit's exit(err): status 1.
    [ "$rc" = 1 ] && grep -qx 'guest: done, exiting with 7' "$tmp/err" ||
      { echo "$guest run: exit $rc, expected 1"; cat "$tmp/err"; return 1; }
    grep -qx 'args: one two' "$tmp/out" && grep -qx 'env: p2' "$tmp/out" && grep -qx 'file: hello file\\n' "$tmp/out" &&
      grep -qx 'stdin: from stdin\\n' "$tmp/out" && grep -qE '^dir: (input.txt,second.txt|second.txt,input.txt)$' "$tmp/out" &&
      grep -qx 'slept_ms_at_least_20: yes' "$tmp/out" || { echo "$guest run: unexpected output"; cat "$tmp/out"; return 1; }
    rm -rf "$tmp/data"
    "$cli" replay "$guests/$guest.component.wasm" "$tmp/t.wrr" </dev/null >"$tmp/rout" 2>"$tmp/rerr"; rc=$?
    [ "$rc" = 1 ] && cmp -s "$tmp/out" "$tmp/rout" && grep -qx 'guest: done, exiting with 7' "$tmp/rerr" &&
      grep -q '^wasmtime-rr: replay matched the recording: [0-9]* events, exit status 1$' "$tmp/rerr" ||
      { echo "$guest replay: exit $rc"; diff "$tmp/out" "$tmp/rout"; cat "$tmp/rerr"; return 1; }
    "$cli" inspect "$tmp/t.wrr" >"$tmp/listing" || { echo "$guest inspect failed"; return 1; }
    for expected in \
      "wasip2 wasi:cli/environment#get-arguments() -> [\"$guest.component.wasm\", \"one\", \"two\"]" \
      'wasip2 wasi:io/streams#[method]input-stream.blocking-read(' \
      ' -> ok(b"from stdin\n")' \
      'wasip2 wasi:random/random#get-random-bytes(' \
      'wasip2 wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry(' \
      'wasip2 wasi:io/poll#poll(' \
      'wasip2 wasi:cli/exit#exit(err) exit 1'; do
      grep -qF -- "$expected" "$tmp/listing" || { echo "$guest inspect lacks: $expected"; grep wasip2 "$tmp/listing"; return 1; }
    done
    rm -rf "$tmp"
    echo "$guest.component.wasm: run, replay, inspect: ok"
  done
  tmp=$(mktemp -d)
  "$cli" run tests/guests/components/values.wat 2>"$tmp/err"; rc=$?
  [ "$rc" = 1 ] && grep -q 'is not a WASI command component: it exports no `wasi:cli/run@0.2` interface' "$tmp/err" ||
    { echo "run of a library component: exit $rc, $(cat "$tmp/err")"; return 1; }
  rm -rf "$tmp"
  echo "wasmtime-rr run/replay/inspect of WASI preview 2 command components: ok"
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
suite "misuse matrix: every function of wasmtime_rr.h with NULL, misaligned, foreign and out-of-range arguments" \
  tests/run-matrix.sh target/release
suite "C demo" check_demo examples/run-demo.sh
suite "C++ demo" check_demo examples/cpp/run.sh
suite "record/replay showcase (C host and the wasmtime-rr CLI)" check_rr_demo
suite "wasmtime-rr CLI exits" cli_exits
suite "wasmtime-rr run and replay of a WASI program" cli_wasi
suite "wasmtime-rr run and replay of WASI preview 2 command components (C and Go guests, wasm-tools, adapter)" cli_wasip2
suite "wasmtime-rr trace tooling: inspect --json/--summary, replay --verbose, --help, usage errors, progress" tests/run-cli-tests.sh
suite "C++ WASI example (record, replay with echo, divergence)" examples/cpp/run-wasi.sh
suite "unmodified C host recorded and replayed from the environment (LD_PRELOAD)" tests/run-env-tests.sh target/release
suite "fuzz targets, ${FUZZ_SECONDS:-60}s each (cargo-fuzz, nightly, ASan), and the CLI over their inputs" tests/run-fuzz.sh
suite "ThreadSanitizer in the library too (nightly, -Zbuild-std): C thread test" tests/run-tsan.sh
suite "Python binding (ctypes, with wasmtime-py)" bindings/python/run-tests.sh target/release
suite "Python wheel: built, tagged, installed into a fresh venv" bindings/python/test-wheel.sh target/release
suite "Go binding (cgo, go vet, -race)" bindings/go/run-tests.sh
suite "wasmtime-go v44 examples, unmodified, recorded and replayed from the environment (LD_PRELOAD)" tests/run-wasmtime-go-examples.sh target/release
suite "install into a prefix: pkg-config, CMake, SONAME, bindings" tests/run-install-tests.sh
suite "wasmtime-py 48.0.0 test suite against libwasmtime_rr" tests/run-wasmtime-py.sh target/release
suite "wasmtime-py 48.0.0 examples, unmodified, recorded and replayed (WASMTIME_RR_RECORD/REPLAY)" tests/run-wasmtime-py-examples.sh target/release
suite "Rust tests, record/replay compiled out" no_rr_rust_tests
suite "C and C++ tests, record/replay compiled out" tests/run-c-tests.sh target/debug 0

echo
if [ "$failed" -ne 0 ]; then
  printf 'failed suite: %s\n' "${failures[@]}"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
