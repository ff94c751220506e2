#!/usr/bin/env bash
# Tests the Python binding against one build of the library, then runs the
# Python examples (demo.py, wasi_record_replay.py) and checks their output.
#   bindings/python/run-tests.sh PROFILE_DIR
# PROFILE_DIR (relative to the repository root, or absolute) holds a
# libwasmtime_rr.so built with record/replay, such as target/release.
# Needs only python3 with pip; installs this package (editable) with its test
# extra (pytest, wasmtime-py 48.0.0) into the venv target/py-venv (created or
# reused), and installs the library into that venv's wasmtime-py. Exits
# non-zero on failure. The wheel has its own test: test-wheel.sh.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PROFILE_DIR   (e.g. target/release)" >&2
  exit 2
fi
cd "$(dirname "$0")/../.."
library="$(cd "$1" && pwd)/libwasmtime_rr.so"
if [ ! -f "$library" ]; then
  echo "error: $library not found; build it first (cargo build --release)" >&2
  exit 1
fi

venv=target/py-venv
python="$venv/bin/python"
source bindings/python/venv.sh
"$python" -m pip --version >/dev/null 2>&1 || make_venv "$venv"
pip=("$python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" -e 'bindings/python[test]'   # pytest, wasmtime-py 48.0.0

export WASMTIME_RR_LIBRARY="$library"
"$python" -m wasmtime_rr.install_into_wasmtime_py
"$python" -m pytest -p no:cacheprovider -q -rfE bindings/python/tests

status=0
# check NAME OUTPUT LINES: OUTPUT has each line of ${expected[@]}, a line
# matching each of ${patterns[@]} (whose values change from run to run: a
# version, a clock, random bytes), and LINES lines in all.
check() {
  local name=$1 output=$2 lines=$3 line pattern
  for line in "${expected[@]}"; do
    grep -qxF -- "$line" <<<"$output" || {
      echo "$name: missing line: $line" >&2
      status=1
    }
  done
  for pattern in "${patterns[@]}"; do
    grep -qxE -- "$pattern" <<<"$output" || {
      echo "$name: no line matches: $pattern" >&2
      status=1
    }
  done
  [ "$(wc -l <<<"$output")" -eq "$lines" ] || {
    echo "$name: expected $lines lines" >&2
    status=1
  }
}

echo
echo "examples/python/demo.py:"
output=$("$python" examples/python/demo.py)
echo "$output"
expected=(
  "rejected config: InvalidConfigError [invalid_config]: NaN canonicalization cannot be disabled when determinism is enforced"
  "engine: mode=recording nan_canonicalization=on relaxed_simd_deterministic=on"
  "mix(6, 7.0) = 42"
  "replay matches the recording: yes"
)
patterns=(
  "wasmtime-rr [0-9]+\.[0-9]+\.[0-9]+, record/replay compiled in: yes"
  "recorded: token\(\) = -?[0-9]+ \(2 host calls, trace of [0-9]+ bytes\)"
  "replayed: token\(\) = -?[0-9]+ \(0 host calls\)"
)
check demo "$output" 7

# The WASI example records guest-c.wasm and replays it with echo: its stdout
# is its own lines around the guest's report echoed by the replay, its stderr
# the guest's stderr line, echoed.
echo
echo "examples/python/wasi_record_replay.py:"
bash tests/guests/wasi/build.sh target/wasi-guests >/dev/null
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
output=$("$python" examples/python/wasi_record_replay.py target/wasi-guests/guest-c.wasm 2>"$errors") || {
  echo "$output"
  cat "$errors" >&2
  echo "wasi_record_replay: failed" >&2
  exit 1
}
echo "$output"
cat "$errors"
expected=(
  "replaying with echo, the inputs deleted:"
  "args: alpha beta"
  "env: rr"
  'stdin: line one\nline two\n'
  'file: hello file\n'
  "dir: input.txt"
  "slept_ms_at_least_20: yes"
)
stdout_bytes=$(sed -n 's/^recorded guest-c\.wasm: exit 7, \([0-9]*\) bytes of stdout, .*/\1/p' <<<"$output")
patterns=(
  "recorded guest-c\.wasm: exit 7, [0-9]+ bytes of stdout, 28 bytes of stderr, trace of [0-9]+ bytes"
  "realtime_ns: [0-9]+"
  "monotonic_ns: [0-9]+"
  "random: [0-9a-f]{32}"
  "replay matched: exit 7, ${stdout_bytes:-NONE} bytes of stdout"
)
check wasi_record_replay "$output" 12
[ "$(cat "$errors")" = "guest: done, exiting with 7" ] || {
  echo "wasi_record_replay: stderr is not the guest's echoed line" >&2
  status=1
}
exit "$status"
