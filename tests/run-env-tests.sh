#!/usr/bin/env bash
# An unmodified C host (tests/env/plain_host.c: stock C API only) recorded and
# replayed through the environment switch and the preload library:
#   tests/run-env-tests.sh [PROFILE_DIR]   (default target/release)
# Checks: without the switch nothing is written; recorded and replayed output
# are identical although the host's inputs (time, pid, raw-pointer writes) and
# the WASI guest's (clocks, random, stdin, a file) differ per run; the replay
# needs neither stdin nor the preopened folder; a tampered trace is a
# divergence, never a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
profile_dir=$(cd "${1:-target/release}" && pwd)
preload="$profile_dir/libwasmtime_rr_preload.so"
[ -f "$preload" ] || { echo "no $preload: build first (cargo build --release)"; exit 1; }
guests="$profile_dir/../wasi-guests"
bash tests/guests/wasi/build.sh "$guests" >/dev/null
work=$(mktemp -d)
trap "rm -rf \"\$work\"" EXIT

passed=0 failed=0
check() { # check NAME COMMAND...
  if "${@:2}"; then passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi
}

cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -isystem "$profile_dir/include" tests/env/plain_host.c \
  -o "$work/plain_host" -L"$profile_dir" -lwasmtime_rr -Wl,-rpath,"$profile_dir"
check "the host names no wasmtime_rr_ function" bash -c "! nm -D --undefined-only '$work/plain_host' | grep -q wasmtime_rr_"

mkdir "$work/data"
printf 'hello file\n' > "$work/data/input.txt"
run() { # run OUT [ENV...]: the host with the C guest, stdin from a pipe
  local out=$1; shift
  printf 'line one\nline two\n' | env "$@" LD_PRELOAD="$preload" "$work/plain_host" "$guests/guest-c.wasm" "$work/data" \
    >"$out" 2>"$out.err" || echo "exit $?" >>"$out"
}

run "$work/plain.out"
check "without the switch no trace is written" bash -c "! ls '$work'/*.wrr* 2>/dev/null"
run "$work/plain2.out"
check "the host's inputs differ from run to run" bash -c "! cmp -s '$work/plain.out' '$work/plain2.out'"

run "$work/record.out" WASMTIME_RR_RECORD="$work/session.wrr"
check "recording wrote one trace per store" test -s "$work/session.wrr" -a -s "$work/session.wrr.1"
check "the recorded run printed the guest's exit" grep -q "guest exit status" "$work/record.out"

rm -rf "$work/data"
printf 'other input\n' > "$work/stdin"
replay() { # replay OUT TRACE
  env WASMTIME_RR_REPLAY="$2" LD_PRELOAD="$preload" "$work/plain_host" "$guests/guest-c.wasm" "$work/data" \
    <"$work/stdin" >"$1" 2>"$1.err" || echo "exit $?" >>"$1"
}
replay "$work/replay1.out" "$work/session.wrr"
replay "$work/replay2.out" "$work/session.wrr"
check "replay 1 printed what the recording printed" cmp "$work/record.out" "$work/replay1.out"
check "replay 2 printed the same" cmp "$work/record.out" "$work/replay2.out"
check "the guest's stderr was echoed on replay" bash -c "grep -v '^wasmtime-rr' '$work/record.out.err' | cmp - <(grep -v '^wasmtime-rr\|^cannot open' '$work/replay1.out.err')"
check "the folder stayed deleted" test ! -e "$work/data"

# A byte of the host store's trace flipped near its end: a divergence or a
# format error reported by the library, never a signal.
cp "$work/session.wrr" "$work/tampered.wrr"
size=$(stat -c %s "$work/tampered.wrr")
printf '\xff' | dd of="$work/tampered.wrr" bs=1 seek=$((size - 3)) conv=notrunc status=none
set +e
env WASMTIME_RR_REPLAY="$work/tampered.wrr" LD_PRELOAD="$preload" "$work/plain_host" >"$work/t.out" 2>"$work/t.err"
rc=$?
set -e
check "a tampered trace exits without a signal (rc $rc)" test "$rc" -lt 128
check "a tampered trace is reported" grep -Eqi "divergence|trace|corrupt|checksum" "$work/t.err"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
