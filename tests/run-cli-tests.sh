#!/usr/bin/env bash
# The trace tooling of the wasmtime-rr command (target/release/wasmtime-rr):
# `inspect --json` (JSON Lines, docs/inspect-json.md) and `inspect --summary`
# on a recorded WASI program and on a host-function trace, checked against
# what the guests printed and against each other; `replay --verbose`;
# `--help` of every subcommand; usage errors; damaged traces; progress on
# stderr only when stderr is a terminal (under `script`, when it works).
#   usage: tests/run-cli-tests.sh
set -uo pipefail
cd "$(dirname "$0")/.."

cli=target/release/wasmtime-rr
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAILED: $1"; }
# check DESCRIPTION COMMAND...: the command's success is the check.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

[ -x "$cli" ] || cargo build --release --quiet || { echo "cannot build $cli" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- the traces: a WASI program recorded here, and the showcase's host calls
bash tests/guests/wasi/build.sh target/wasi-guests >/dev/null || { echo "building the WASI guests failed" >&2; exit 1; }
guest=target/wasi-guests/guest-c.wasm
mkdir "$tmp/data" && printf 'hello file\n' >"$tmp/data/input.txt"
printf 'from stdin\n' | "$cli" run --record "$tmp/wasi.wrr" --dir "$tmp/data::/data" --env GUEST_NAME=cli -- \
  "$guest" one two >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ "$rc" = 7 ] || { echo "recording the WASI guest: exit $rc, expected 7" >&2; cat "$tmp/run.err" >&2; exit 1; }
demo=target/rr-demo
if [ ! -f "$demo/session.wrr" ] || [ ! -f "$demo/guest.wasm" ] || [ ! -f "$demo/recorded.txt" ]; then
  examples/rr/run.sh >/dev/null 2>&1 || { echo "examples/rr/run.sh failed" >&2; exit 1; }
fi
host=$demo/session.wrr

# ---- inspect --json
"$cli" inspect "$tmp/wasi.wrr" >"$tmp/wasi.txt" || bad "inspect of the WASI trace"
"$cli" inspect --json "$tmp/wasi.wrr" >"$tmp/wasi.jsonl" 2>"$tmp/json.err"
check "inspect --json of the WASI trace exits 0, nothing on stderr" test "$?" = 0 -a ! -s "$tmp/json.err"
"$cli" inspect --json "$host" >"$tmp/host.jsonl" || bad "inspect --json of the host-call trace"
"$cli" inspect "$host" >"$tmp/host.txt" || bad "inspect of the host-call trace"
check "every --json line parses (json.loads)" \
  sh -c "cat '$tmp/wasi.jsonl' '$tmp/host.jsonl' | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"

# ---- inspect --summary
"$cli" inspect --summary "$tmp/wasi.wrr" >"$tmp/wasi.summary" || bad "inspect --summary of the WASI trace"
"$cli" inspect --summary "$host" >"$tmp/host.summary" || bad "inspect --summary of the host-call trace"

# Checks of the JSON and the summaries, field by field (one line per check).
cat >"$tmp/check.py" <<'PY'
import hashlib, json, re, sys

tmp, guest, demo = sys.argv[1:4]
results = []

def check(what, condition):
    results.append(bool(condition))
    print(("ok: " if condition else "FAILED: ") + what)

def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f]

def integer(v):
    # 64-bit integers are numbers up to 2^53 - 1, decimal strings above.
    return int(v)

def listed(path):
    # `#N text` lines of the plain listing (a return message may go on over lines).
    with open(path) as f:
        return [l.rstrip("\n") for l in f if re.match(r"#\d+ ", l)]

def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()

def summary_rows(path):
    rows = {}
    for line in read(path).splitlines():
        m = re.match(r"^\s*(\d+\.\d\d)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)(?:\s+(\S+))?$", line)
        if m:
            percent, events, size, data, errors, kind, name = m.groups()
            rows[(kind, name)] = (float(percent), int(events), int(size), int(data), int(errors))
    return rows

def expected_rows(lines):
    """The summary rows the JSON lines imply."""
    rows = {}
    open_call = None
    for e in lines[1:]:
        kind = e["kind"]
        if kind == "wasi":
            key = ("wasi", e["function"])
            error = e["outcome"] in ("errno", "trap")
        elif kind == "host_call":
            key = ("host_call", e["module"] + "." + e["name"])
            error = e["outcome"] == "trapped"
        elif kind == "export_call":
            key = ("export_call", e["name"])
            error = False
        else:
            key = (kind, "-")
            error = False
        if kind in ("export_call", "instantiate"):
            open_call = key
        row = rows.setdefault(key, [0, 0, 0, 0])
        row[0] += 1
        row[1] += e["bytes"]
        row[2] += e.get("data_bytes", 0)
        row[3] += int(error)
        if kind == "return":
            if e["outcome"] != "returned" and open_call:
                rows.setdefault(open_call, [0, 0, 0, 0])[3] += 1
            open_call = None
    return rows

def common(name, lines, listing):
    head = lines[0]
    check(f"{name}: the first line is the header (schema 1, format 2)",
          head["kind"] == "header" and head["schema"] == 1 and head["format_version"] == 2
          and isinstance(head["validation"], bool) and head["window"] >= 1)
    events = lines[1:]
    check(f"{name}: one line per event, plus the header ({len(lines)} lines, {len(listing)} events listed)",
          len(events) == len(listing) and len(events) >= 2)
    check(f"{name}: indices 0, 1, 2, ... in order", [e["index"] for e in events] == list(range(len(events))))
    check(f"{name}: every event has kind and encoded bytes",
          all(isinstance(e["kind"], str) and isinstance(e["bytes"], int) and e["bytes"] > 0 for e in events))
    end = events[-1]
    check(f"{name}: the last line is the end marker, counting the events before it",
          end["kind"] == "end" and end["status"] == "finished" and end["events"] == len(events) - 1)
    check(f"{name}: kinds follow the listing line by line",
          all(l.split(" ")[0] == "#%d" % e["index"] for l, e in zip(listing, events)))

def summary(name, lines, path):
    rows = summary_rows(path)
    want = expected_rows(lines)
    total = rows.pop(("total", None), None)
    got = {k: v[1:] for k, v in rows.items()}
    check(f"{name}: --summary rows (events, bytes, data bytes, errors) match the --json lines",
          got == {k: tuple(v) for k, v in want.items()})
    n = len(lines) - 1
    check(f"{name}: --summary total: 100.00% of {n} events and their bytes",
          total is not None and total[0] == 100.0 and total[1] == n
          and total[2] == sum(e["bytes"] for e in lines[1:]))
    check(f"{name}: --summary percentages are events / all events",
          all(abs(v[0] - round(100.0 * v[1] / n, 2)) < 0.006 for v in rows.values()))
    return rows

# ---- the WASI program
lines = load(f"{tmp}/wasi.jsonl")
common("WASI", lines, listed(f"{tmp}/wasi.txt"))
events = lines[1:]
wasi = [e for e in events if e["kind"] == "wasi"]
out = read(f"{tmp}/run.out", "rb")
err = read(f"{tmp}/run.err", "rb")
printed = dict(l.split(": ", 1) for l in out.decode().splitlines() if ": " in l)
check("WASI: instantiate carries the module's SHA-256",
      events[0]["kind"] == "instantiate"
      and events[0]["sha256"] == hashlib.sha256(read(guest, "rb")).hexdigest())
clocks = [e for e in wasi if e["function"] == "clock_time_get"]
check("WASI: 4 clock_time_get lines (1 realtime, 3 monotonic)",
      len(clocks) == 4 and [c["args"][0] for c in clocks] == [0, 1, 1, 1])
check("WASI: the realtime reading is the one the guest printed",
      clocks[0]["outputs"][0]["output"] == "time"
      and integer(clocks[0]["outputs"][0]["value"]) == int(printed["realtime_ns"]))
check("WASI: the first monotonic reading is the one the guest printed",
      integer(clocks[1]["outputs"][0]["value"]) == int(printed["monotonic_ns"]))
check("WASI: a reading above 2^53 is a decimal string",
      isinstance(clocks[0]["outputs"][0]["value"], str) or int(printed["realtime_ns"]) < 2**53)
reads = [e for e in wasi if e["function"] == "fd_read"]
check("WASI: fd_read of stdin carries its bytes, in hex",
      reads and reads[0]["args"][:2] == [0, 1] and reads[0]["outputs"][0]["output"] == "scatter"
      and bytes.fromhex(reads[0]["outputs"][0]["data"]) == b"from stdin\n"
      and reads[0]["outputs"][0]["length"] == 11 and reads[0]["data_bytes"] == 11)
check("WASI: fd_read of the file carries its bytes",
      any(bytes.fromhex(r["outputs"][0]["data"]) == b"hello file\n" and r["args"][0] != 0 for r in reads))
check("WASI: path_open shows its path as a string",
      any(e["function"] == "path_open" and e["args"][2] == "input.txt" and e["outcome"] == "done" for e in wasi))
randoms = [e for e in wasi if e["function"] == "random_get"]
check("WASI: random_get's bytes are the ones the guest printed",
      len(randoms) == 1 and randoms[0]["outputs"][0]["data"] == printed["random"])
args = [e for e in wasi if e["function"] == "args_get"]
check("WASI: args_get's strings", args and bytes.fromhex(args[0]["outputs"][0]["data"]) == b"guest-c.wasm\0one\0two\0")
written = lambda fd: b"".join(bytes.fromhex(e["written"]) for e in wasi if e["function"] == "fd_write" and e["args"][0] == fd)
check("WASI: the fd_write lines to stdout add up to the guest's stdout", written(1) == out)
check("WASI: the fd_write lines to stderr add up to the guest's stderr", written(2) == err)
check("WASI: a failed call shows its errno",
      any(e["outcome"] == "errno" and e["errno"] > 0 and "outputs" not in e for e in wasi))
exits = [e for e in wasi if e["function"] == "proc_exit"]
check("WASI: proc_exit(7)", len(exits) == 1 and exits[0]["outcome"] == "exit" and exits[0]["exit_status"] == 7
      and exits[0]["args"] == [7])
check("WASI: no validation metadata: pointers are null, no raw parameters",
      all("raw" not in e for e in wasi) and clocks[0]["args"][2] is None)
rows = summary("WASI", lines, f"{tmp}/wasi.summary")
check("WASI: --summary rows for known functions",
      rows.get(("wasi", "clock_time_get"), (0, 0))[1] == 4 and rows.get(("wasi", "proc_exit"), (0, 0))[1] == 1
      and rows.get(("wasi", "random_get"), (0, 0))[1] == 1 and rows.get(("wasi", "poll_oneoff"), (0, 0))[1] == 1
      and rows.get(("export_call", "_start"), (0, 0))[1] == 1)
text = read(f"{tmp}/wasi.summary")
mono = [integer(c["outputs"][0]["value"]) for c in clocks if c["args"][0] == 1]
span = mono[-1] - mono[0]
check("WASI: --summary time span of the monotonic clock: first, last, last - first",
      re.search(r"^  monotonic\s+3\s+%d\s+%d\s+%d\.%09d s$" % (mono[0], mono[-1], span // 10**9, span % 10**9), text, re.M))
check("WASI: --summary time span of the realtime clock (one reading)",
      re.search(r"^  realtime\s+1\s+%s\s+%s\s+0\.000000000 s$" % (printed["realtime_ns"], printed["realtime_ns"]), text, re.M))

# ---- the host-call trace (examples/rr: env.now_ns and env.random, twice)
lines = load(f"{tmp}/host.jsonl")
common("host calls", lines, listed(f"{tmp}/host.txt"))
events = lines[1:]
first = read(f"{demo}/recorded.txt").splitlines()[0]  # report v1: time=N random=HEX
time_printed, random_printed = re.search(r"time=(\d+) random=([0-9a-f]+)", first).groups()
check("host calls: instantiate carries the module's SHA-256",
      events[0]["sha256"] == hashlib.sha256(read(f"{demo}/guest.wasm", "rb")).hexdigest())
imports = {e["id"]: e for e in events if e["kind"] == "define_import"}
check("host calls: define_import lines with their signatures",
      imports[0]["module"] == "env" and imports[0]["name"] == "now_ns" and imports[0]["params"] == []
      and imports[0]["results"] == ["i64"] and imports[1]["name"] == "random" and imports[1]["params"] == ["i32", "i32"])
calls = [e for e in events if e["kind"] == "export_call"]
check("host calls: export_call report(i32 8), twice",
      len(calls) == 2 and all(c["name"] == "report" and c["instance"] == 0 and c["args"] == [{"type": "i32", "value": 8}] for c in calls))
now = [e for e in events if e["kind"] == "host_call" and e["name"] == "now_ns"]
check("host calls: env.now_ns returns the i64 the host printed",
      len(now) == 2 and now[0]["outcome"] == "returned" and now[0]["results"][0]["type"] == "i64"
      and integer(now[0]["results"][0]["value"]) == int(time_printed) and "args" not in now[0])
rand = [e for e in events if e["kind"] == "host_call" and e["name"] == "random"]
check("host calls: env.random's memory write carries the bytes the host printed",
      len(rand) == 2 and rand[0]["writes"][0]["memory"] == 0 and rand[0]["writes"][0]["length"] == 8
      and rand[0]["writes"][0]["data"] == random_printed and rand[0]["data_bytes"] == 8)
returns = [e for e in events if e["kind"] == "return"]
check("host calls: returns with typed results",
      returns[0]["results"] == [] and [r["type"] for r in returns[1]["results"]] == ["i32", "i32", "i32"]
      and all(r["outcome"] == "returned" for r in returns))
rows = summary("host calls", lines, f"{tmp}/host.summary")
check("host calls: --summary rows env.now_ns 2, env.random 2 (16 data bytes), report 2",
      rows.get(("host_call", "env.now_ns"), (0, 0))[1] == 2 and rows.get(("host_call", "env.random"), (0, 0, 0, 0))[1::2] == (2, 16)
      and rows.get(("export_call", "report"), (0, 0))[1] == 2)
check("host calls: --summary says the trace has no time stamps",
      "time span: no time stamps in the trace" in read(f"{tmp}/host.summary"))

sys.exit(0 if all(results) else 1)
PY
python3 "$tmp/check.py" "$tmp" "$guest" "$demo" >"$tmp/check.out" 2>&1
rc=$?
cat "$tmp/check.out"
passed=$((passed + $(grep -c '^ok: ' "$tmp/check.out")))
failed=$((failed + $(grep -c '^FAILED: ' "$tmp/check.out")))
[ "$rc" = 0 ] || grep -q '^FAILED: ' "$tmp/check.out" || bad "the JSON checks did not run to their end (python3 exit $rc)"

# ---- replay --verbose: every event listed on stderr, in the inspect form
listing() { grep -E '^#[0-9]+ ' "$1"; }
"$cli" replay --verbose "$guest" "$tmp/wasi.wrr" </dev/null >"$tmp/v.out" 2>"$tmp/v.err"
rc=$?
check "replay --verbose of the WASI trace: exit 7, the recorded stdout" test "$rc" = 7 -a -s "$tmp/v.out"
check "replay --verbose: stdout is the recording's, byte for byte" cmp -s "$tmp/v.out" "$tmp/run.out"
check "replay --verbose: every event index, in order, as inspect lists it" \
  cmp -s <(listing "$tmp/v.err") <(listing "$tmp/wasi.txt")
check "replay --verbose: the usual last line and the guest's stderr too" \
  sh -c "grep -q '^wasmtime-rr: replay matched the recording: [0-9]* events, exit status 7$' '$tmp/v.err' &&
         grep -qx 'guest: done, exiting with 7' '$tmp/v.err'"
check "replay --verbose lists each event as it is replayed: the guest's stderr line comes right after the fd_write that wrote it, before proc_exit" \
  sh -c "grep -B1 -x 'guest: done, exiting with 7' '$tmp/v.err' | head -1 | grep -q '^#[0-9]* wasi fd_write(2, ' &&
         grep -A1 -x 'guest: done, exiting with 7' '$tmp/v.err' | tail -1 | grep -q '^#[0-9]* wasi proc_exit(7)'"
"$cli" replay -v "$demo/guest.wasm" "$host" >"$tmp/hv.out" 2>"$tmp/hv.err"
rc=$?
"$cli" replay "$demo/guest.wasm" "$host" >"$tmp/h.out" 2>"$tmp/h.err"
check "replay -v of the host-call trace: exit 0, the same stdout as without -v" \
  sh -c "[ $rc = 0 ] && cmp -s '$tmp/hv.out' '$tmp/h.out' && [ ! -s '$tmp/h.err' ]"
check "replay -v: every event index, in order, as inspect lists it" \
  cmp -s <(listing "$tmp/hv.err") <(listing "$tmp/host.txt")
if [ -f "$demo/tampered.wrr" ]; then
  "$cli" replay --verbose "$demo/guest.wasm" "$demo/tampered.wrr" >/dev/null 2>"$tmp/tv.err"
  rc=$?
  check "replay --verbose of a tampered trace: exit 1, events listed up to the divergence (#8), then the error" \
    sh -c "[ $rc = 1 ] && [ \"\$(grep -E '^#[0-9]+ ' '$tmp/tv.err' | tail -1 | cut -d' ' -f1)\" = '#8' ] &&
           grep -q 'error \[divergence\]: replay diverged at event #8' '$tmp/tv.err' &&
           [ \"\$(tail -1 '$tmp/tv.err' | cut -c1-18)\" = 'error [divergence]' ]"
fi

printf 'not a trace' >"$tmp/junk.wrr"
"$cli" replay "$demo/guest.wasm" "$tmp/junk.wrr" >/dev/null 2>"$tmp/junk.err"
"$cli" replay --verbose "$demo/guest.wasm" "$tmp/junk.wrr" >/dev/null 2>"$tmp/junk-v.err"
rc=$?
check "replay --verbose of junk: exit 1, the same error as without it, nothing listed" \
  sh -c "[ $rc = 1 ] && cmp -s '$tmp/junk.err' '$tmp/junk-v.err' && grep -q 'not a wasmtime-rr trace' '$tmp/junk.err'"

# ---- a damaged trace: the lines so far, then the error, exit 1
head -c 300 "$tmp/wasi.wrr" >"$tmp/cut.wrr"
"$cli" inspect --json "$tmp/cut.wrr" >"$tmp/cut.jsonl" 2>"$tmp/cut.err"
rc=$?
check "inspect --json of a cut trace: exit 1, 'truncated trace' on stderr, the lines before it parse" \
  sh -c "[ $rc = 1 ] && grep -q '^error \[trace_format\]: truncated trace' '$tmp/cut.err' &&
         [ \$(wc -l <'$tmp/cut.jsonl') -gt 2 ] && python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <'$tmp/cut.jsonl'"
"$cli" inspect --summary "$tmp/cut.wrr" >"$tmp/cut.summary" 2>"$tmp/cut.err"
rc=$?
check "inspect --summary of a cut trace: exit 1, a table of the events before the damage" \
  sh -c "[ $rc = 1 ] && grep -q 'the trace is damaged after them' '$tmp/cut.summary' && grep -q ' total$' '$tmp/cut.summary' &&
         grep -q '^error \[trace_format\]: truncated trace' '$tmp/cut.err'"

# ---- --help of every subcommand (exit 0, its usage with its options), usage errors (exit 2)
for sub in run replay inspect; do
  for flag in --help -h; do
    "$cli" "$sub" "$flag" >"$tmp/help" 2>&1
    rc=$?
    check "$sub $flag: exit 0, 'usage: wasmtime-rr $sub' first" \
      sh -c "[ $rc = 0 ] && head -1 '$tmp/help' | grep -q '^usage: wasmtime-rr $sub '"
  done
  "$cli" help "$sub" >"$tmp/help2"
  check "help $sub: exit 0, the same text as $sub --help" cmp -s "$tmp/help" "$tmp/help2"
done
check "replay's usage has --verbose; inspect's has --json and --summary" \
  sh -c "'$cli' replay --help | head -1 | grep -qF '[--verbose]' && '$cli' inspect --help | head -1 | grep -qF '[--json | --summary]' &&
         '$cli' inspect --help | grep -q -- '--json' && '$cli' inspect --help | grep -q -- '--summary'"
for args in help -h --help; do
  "$cli" $args >"$tmp/help" 2>&1
  rc=$?
  check "wasmtime-rr $args: exit 0, the usage of every subcommand" \
    sh -c "[ $rc = 0 ] && grep -q 'wasmtime-rr run ' '$tmp/help' && grep -qF 'wasmtime-rr replay [--verbose]' '$tmp/help' &&
           grep -qF 'wasmtime-rr inspect [--json | --summary]' '$tmp/help'"
done
usage_error() {
  "$cli" "$@" >"$tmp/usage.out" 2>"$tmp/usage.err"
  local rc=$?
  check "usage error exits 2 with the usage on stderr: wasmtime-rr $*" \
    sh -c "[ $rc = 2 ] && [ ! -s '$tmp/usage.out' ] && grep -q '^usage: wasmtime-rr' '$tmp/usage.err'"
}
usage_error
usage_error frobnicate
usage_error help frobnicate
usage_error inspect
usage_error inspect a b
usage_error inspect --frob "$host"
usage_error inspect --json --summary "$host"
usage_error replay "$demo/guest.wasm"
usage_error replay --verbose "$demo/guest.wasm"
usage_error replay --frob "$demo/guest.wasm" "$host"
usage_error run
usage_error run --dir
usage_error run --frob "$guest"
# After the module, --help is the guest's argument.
printf 'x' | "$cli" run --dir "$tmp/data::/data" "$guest" --help >"$tmp/run-help.out" 2>/dev/null
rc=$?
check "run MODULE --help passes --help to the guest" sh -c "[ $rc = 7 ] && grep -qx 'args: --help' '$tmp/run-help.out'"

# ---- progress: stderr only, and only to a terminal. A FIFO that pauses
# for 1.5 s in the middle of the trace makes the run long enough to report.
slow_trace() {
  rm -f "$tmp/fifo" && mkfifo "$tmp/fifo"
  (head -c 400 "$tmp/wasi.wrr"; sleep 1.5; tail -c +401 "$tmp/wasi.wrr") >"$tmp/fifo" &
}
slow_trace
"$cli" inspect "$tmp/fifo" >/dev/null 2>"$tmp/p.err"
wait
check "inspect into a file: no progress on stderr (it is not a terminal)" test ! -s "$tmp/p.err"
slow_trace
"$cli" replay "$guest" "$tmp/fifo" >/dev/null 2>"$tmp/p.err"
wait
check "replay: no progress on stderr when it is not a terminal" \
  sh -c "! grep -q '^\.\.\. ' '$tmp/p.err' && grep -q '^wasmtime-rr: replay matched' '$tmp/p.err'"
slow_trace
"$cli" replay --verbose "$guest" "$tmp/fifo" >/dev/null 2>"$tmp/p.err"
wait
check "replay --verbose of a trace in a pipe (read once, into memory): every event listed, no progress" \
  bash -c "cmp -s <(grep -E '^#[0-9]+ ' '$tmp/p.err') <(grep -E '^#[0-9]+ ' '$tmp/wasi.txt') && ! grep -q '^\.\.\. ' '$tmp/p.err'"
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
  slow_trace
  script -qec "'$cli' inspect '$tmp/fifo' >/dev/null" /dev/null >"$tmp/tty.out" 2>&1
  wait
  check "inspect with stderr a terminal (script): progress lines '... N events'" grep -q '^\.\.\. [0-9]* events' "$tmp/tty.out"
  slow_trace
  script -qec "'$cli' replay '$guest' '$tmp/fifo' >/dev/null" /dev/null >"$tmp/tty.out" 2>&1
  wait
  check "replay with stderr a terminal (script): progress while the guest runs ('... N bytes of the trace read')" \
    grep -q '^\.\.\. [0-9]* bytes of the trace read' "$tmp/tty.out"
  slow_trace
  script -qec "'$cli' replay --verbose '$guest' '$tmp/fifo' >/dev/null" /dev/null >"$tmp/tty.out" 2>&1
  wait
  check "replay --verbose to a terminal: the listing, no progress lines" \
    sh -c "! grep -q '^\.\.\. ' '$tmp/tty.out' && grep -q '^#0 instantiate' '$tmp/tty.out'"
else
  echo "(script(1) is missing or cannot open a terminal: the progress-to-a-terminal checks are skipped)"
fi

echo
echo "wasmtime-rr CLI tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
