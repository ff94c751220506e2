#!/usr/bin/env bash
# Records and replays unmodified wasmtime-py programs this project did not
# write: the examples of wasmtime-py 48.0.0's sdist, with our library
# installed into that wasmtime-py by `python -m
# wasmtime_rr.install_into_wasmtime_py` (the preload library as its
# _libwasmtime.so, libwasmtime_rr beside it under its SONAME).
#   tests/run-wasmtime-py-examples.sh PROFILE_DIR   (e.g. target/release)
# For each example that defines host functions (Func, Linker.define_func) or
# WASI: runs it unmodified with WASMTIME_RR_RECORD=trace, then with
# WASMTIME_RR_REPLAY=trace, and checks that the output is byte-identical,
# that the trace exists and that `wasmtime-rr inspect` lists host_call or
# wasi events in it. Examples without either are run the same way (outside
# the count of the criterion, listed as such); an example whose output cannot
# be identical is listed with the reason and checked for what it must print.
# Then one program written here (still only the stock wasmtime-py API) whose
# inputs change on every run, a host function returning time.time_ns() and a
# WASI guest reading clocks, random bytes, args, env, stdin and a file: the
# replay prints the recorded values, with other stdin and files in place.
# The sdist is downloaded to (or reused from) target/wasmtime-py, as
# tests/run-wasmtime-py.sh does; each run unpacks a fresh copy into
# target/wasmtime-py/examples and uses the venv target/wasmtime-py/examples-venv
# (created or reused; needs only python3 with pip). Prints "N passed, N failed";
# exits non-zero on any failure.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PROFILE_DIR   (e.g. target/release)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
repo=$(pwd)
profile=$(cd "$1" && pwd)
library=$profile/libwasmtime_rr.so
cli=$profile/wasmtime-rr
for file in "$library" "$profile/libwasmtime_rr_preload.so" "$cli"; do
  [ -f "$file" ] || { echo "error: $file not found; build it first (cargo build --release)" >&2; exit 1; }
done
start=$EPOCHREALTIME

# The sdist, as tests/run-wasmtime-py.sh gets it.
work=target/wasmtime-py
sdist="$work/wasmtime-48.0.0.tar.gz"
if [ ! -f "$sdist" ]; then
  mkdir -p "$work"
  python3 -m pip download --quiet --no-deps --no-binary :all: wasmtime==48.0.0 -d "$work"
fi
# A fresh copy of its tree each run: this script installs into it.
run="$repo/$work/examples"
rm -rf "$run"
mkdir -p "$run"
tar -xzf "$sdist" -C "$run"
tree="$run/wasmtime-48.0.0"

# A venv with this project's Python binding, for the install command.
venv="$repo/$work/examples-venv"
python=$venv/bin/python
source bindings/python/venv.sh
"$python" -c 'import wasmtime_rr' 2>/dev/null || {
  make_venv "$venv"
  "$python" -m pip install --quiet --disable-pip-version-check --no-deps -e bindings/python
}

# The install command, run from the tree's root: it finds that tree's
# wasmtime package, and the library (and the preload beside it) of PROFILE_DIR.
cd "$tree"
WASMTIME_RR_LIBRARY="$library" PYTHONPATH="$tree" "$python" -m wasmtime_rr.install_into_wasmtime_py
ls wasmtime/linux-x86_64
# The programs import only wasmtime (the tree's), never wasmtime_rr.
unset WASMTIME_RR_LIBRARY WASMTIME_RR_RECORD WASMTIME_RR_REPLAY
export PYTHONPATH="$tree"

passed=0
failed=0
out="$run/out"
mkdir -p "$out"
pass() {
  passed=$((passed + 1))
  echo "PASS $*"
}
failure() {
  failed=$((failed + 1))
  echo "FAIL $*"
}

# What each example uses, from its source: host functions or WASI.
uses() {
  local source=$1 found=()
  grep -qE '\bFunc\(|define_func|func_wrap' "$source" && found+=(host functions)
  grep -qE 'WasiConfig|define_wasi' "$source" && found+=(WASI)
  echo "${found[*]:-}"
}

# Examples whose output cannot be byte-identical, with the reason and the
# lines the replay does not print.
declare -A differs=(
  [hello.py]="its only output is printed by its host function say_hello, and a replay does not call host functions (their results come from the trace: here none)"
)
declare -A missing=([hello.py]="Hello from Python!")

echo
echo "examples of wasmtime-py 48.0.0 (examples/*.py), run unmodified from $tree:"
for source in examples/*.py; do
  name=$(basename "$source")
  used=$(uses "$source")
  trace="$out/$name.wrr"
  kind="uses $used"
  [ -n "$used" ] || kind="uses no host function and no WASI: outside the criterion, checked all the same"
  "$python" "$source" >"$out/$name.live" 2>&1 || { failure "$name: live run exited $? ($kind)"; continue; }
  if ! WASMTIME_RR_RECORD="$trace" "$python" "$source" >"$out/$name.rec" 2>&1; then
    failure "$name: recording exited non-zero: $(tail -3 "$out/$name.rec")"
    continue
  fi
  if ! WASMTIME_RR_REPLAY="$trace" "$python" "$source" >"$out/$name.rep" 2>&1; then
    failure "$name: replay exited non-zero: $(tail -3 "$out/$name.rep")"
    continue
  fi
  [ -s "$trace" ] || { failure "$name: no trace file"; continue; }
  "$cli" inspect "$trace" >"$out/$name.inspect" || { failure "$name: wasmtime-rr inspect failed"; continue; }
  events=$(grep -cE '^#[0-9]+ (host call|wasi) ' "$out/$name.inspect" || true)
  if [ -n "$used" ] && [ "$events" -eq 0 ]; then
    failure "$name: $kind, but the trace lists no host_call or wasi event"
    continue
  fi
  cmp -s "$out/$name.live" "$out/$name.rec" || { failure "$name: the recording's output differs from a live run"; continue; }
  detail="$kind; $(grep -cE '^#[0-9]+ ' "$out/$name.inspect") events, $events host_call/wasi; $(wc -c <"$out/$name.rec") bytes of output"
  if [ -n "${differs[$name]:-}" ]; then
    # Not identical by design: the replay prints the recording without the
    # host function's lines.
    if { grep -vxF "${missing[$name]}" "$out/$name.rec" || true; } | cmp -s - "$out/$name.rep"; then
      pass "$name: $detail; replay output = the recording without \"${missing[$name]}\" (expected: ${differs[$name]})"
    else
      failure "$name: the replay's output is not the recording without \"${missing[$name]}\""
      diff "$out/$name.rec" "$out/$name.rep" | head -10 || true
    fi
  elif cmp -s "$out/$name.rec" "$out/$name.rep"; then
    pass "$name: $detail; replay output byte-identical"
  else
    failure "$name: $detail; the replay's output differs:"
    diff "$out/$name.rec" "$out/$name.rep" | head -10 || true
  fi
done

# Inputs that change on every run come from the trace: an unmodified
# wasmtime-py program written here (stock API only) with a host function
# returning time.time_ns() and a WASI guest (tests/guests/wasi/guest.c)
# reading both clocks, random bytes, args, env, stdin and a preopened file.
echo
echo "nondeterministic inputs (time.time_ns() host function, WASI clocks/random/stdin/file), replayed from the trace:"
bash "$repo/tests/guests/wasi/build.sh" "$repo/target/wasi-guests" >/dev/null
cat >"$out/inputs.py" <<'EOF'
import sys, time
from wasmtime import Engine, ExitTrap, FuncType, Linker, Module, Store, ValType, WasiConfig

engine = Engine()
linker = Linker(engine)
linker.define_func("host", "now", FuncType([], [ValType.i64()]), time.time_ns)
linker.define_wasi()
clock = Module(engine, """(module (import "host" "now" (func $now (result i64)))
                                  (func (export "now") (result i64) (call $now)))""")
store = Store(engine)
print("host time.time_ns():", linker.instantiate(store, clock).exports(store)["now"](store), flush=True)

folder = sys.argv[2]
wasi = WasiConfig()
wasi.argv = ["guest", "alpha", "beta"]
wasi.env = [("GUEST_NAME", "examples")]
wasi.stdin_file = folder + "/stdin.txt"
wasi.preopen_dir(folder + "/data", "/data")
wasi.inherit_stdout()
wasi.inherit_stderr()
store = Store(engine)
store.set_wasi(wasi)
start = linker.instantiate(store, Module.from_file(engine, sys.argv[1])).exports(store)["_start"]
try:
    start(store)
except ExitTrap as exit:
    print("guest exit code:", exit.code, flush=True)
EOF
inputs() { # FILE_TEXT STDIN_TEXT
  rm -rf "$out/in"
  mkdir -p "$out/in/data"
  printf '%s' "$1" >"$out/in/data/${3:-input.txt}"
  printf '%s' "$2" >"$out/in/stdin.txt"
}
guest="$repo/target/wasi-guests/guest-c.wasm"
inputs 'hello file\n' 'line one\nline two\n'
"$python" "$out/inputs.py" "$guest" "$out/in" >"$out/inputs.live1" 2>&1
"$python" "$out/inputs.py" "$guest" "$out/in" >"$out/inputs.live2" 2>&1
WASMTIME_RR_RECORD="$out/inputs.wrr" "$python" "$out/inputs.py" "$guest" "$out/in" >"$out/inputs.rec" 2>&1
# The replay reads no input: other contents (the program still opens the
# stdin file and the folder to configure WASI, so they must exist).
inputs 'other contents\n' 'other stdin\n' other.txt
WASMTIME_RR_REPLAY="$out/inputs.wrr" "$python" "$out/inputs.py" "$guest" "$out/in" >"$out/inputs.rep" 2>&1 || true
sed 's/^/  recorded: /' "$out/inputs.rec"
changing='^(host time\.time_ns\(\)|realtime_ns|monotonic_ns|random):'
varying=$(grep -E "$changing" "$out/inputs.live1" | wc -l)
# Each of those values differs from one live run to the next ...
if [ "$varying" -eq 4 ] && [ -z "$(comm -12 <(grep -E "$changing" "$out/inputs.live1" | sort) <(grep -E "$changing" "$out/inputs.live2" | sort))" ] &&
  [ -z "$(comm -12 <(grep -E "$changing" "$out/inputs.live2" | sort) <(grep -E "$changing" "$out/inputs.rec" | sort))" ]; then
  pass "inputs.py: host time, realtime_ns, monotonic_ns and random differ in each of two live runs and the recording"
else
  failure "inputs.py: expected 4 values that change from run to run (host time, both clocks, random), got:"
  cat "$out/inputs.live1" "$out/inputs.live2"
fi
# ... and the replay, with other stdin and files, prints the recorded ones.
"$cli" inspect "$out/inputs.wrr.1" >"$out/inputs.inspect" 2>&1 || true
if cmp -s "$out/inputs.rec" "$out/inputs.rep" && grep -qx 'stdin: line one\\nline two\\n' "$out/inputs.rep" &&
  grep -qx 'file: hello file\\n' "$out/inputs.rep" && grep -qx 'guest exit code: 7' "$out/inputs.rep" &&
  "$cli" inspect "$out/inputs.wrr" | grep -qE '^#[0-9]+ host call host\.now -> \(i64:[0-9]+\)$' &&
  grep -qE '^#[0-9]+ wasi clock_time_get\(realtime' "$out/inputs.inspect" &&
  grep -qE '^#[0-9]+ wasi random_get' "$out/inputs.inspect"; then
  pass "inputs.py: the replay (other stdin, other files) printed the recorded host time, clocks, random bytes, stdin and file, byte-identical; traces $(basename "$out/inputs.wrr") (host call) and $(basename "$out/inputs.wrr.1") (WASI: $(grep -cE '^#[0-9]+ wasi ' "$out/inputs.inspect") calls)"
else
  failure "inputs.py: the replay did not print the recorded values:"
  diff "$out/inputs.rec" "$out/inputs.rep" | head -20 || true
fi

# Components through wasmtime-py's own component API (wasmtime.component),
# unmodified: the preload interposes the stock component functions too.
echo
echo "components (wasmtime.component: Linker.root().add_func, Func.__call__), switched on from the environment:"
cat >"$out/component.py" <<'EOF'
import sys, time
from wasmtime import Engine, Store
from wasmtime.component import Component, Linker

engine = Engine()
linker = Linker(engine)
with linker.root() as root:
    root.add_func("greet", lambda store, name: [ord(c) for c in name] + [time.time_ns() % 1000000007])
    root.add_func("host", lambda store, x: x)
    def fail(store):
        raise RuntimeError("disk on fire")
    root.add_func("fail", fail)
with open(sys.argv[1]) as source:
    component = Component(engine, source.read())
store = Store(engine)
instance = linker.instantiate(store, component)
api = instance.get_export_index(store, "api")
greet = instance.get_func(store, instance.get_export_index(store, "greet", api))
for name in ["ab", "\u00e9"]:
    print("greet", repr(name), "->", greet(store, name), flush=True)
try:
    instance.get_func(store, instance.get_export_index(store, "fail", api))(store)
    print("fail returned", flush=True)
except Exception:
    print("fail raised", flush=True)
EOF
# Runs $out/NAME.py with ARG twice live, once recorded, once replayed (the
# recording), and lists the trace: $out/NAME.{live1,live2,rec,rep,inspect}.
live_record_replay() {
  local name=$1 arg=$2
  "$python" "$out/$name.py" "$arg" >"$out/$name.live1" 2>&1
  "$python" "$out/$name.py" "$arg" >"$out/$name.live2" 2>&1
  WASMTIME_RR_RECORD="$out/$name.wrr" "$python" "$out/$name.py" "$arg" >"$out/$name.rec" 2>&1
  WASMTIME_RR_REPLAY="$out/$name.wrr" "$python" "$out/$name.py" "$arg" >"$out/$name.rep" 2>&1 || true
  sed 's/^/  recorded: /' "$out/$name.rec"
  "$cli" inspect "$out/$name.wrr" >"$out/$name.inspect" 2>&1 || true
}
# Whether NAME's live runs differ from each other and from the recording,
# and its replay printed the recording byte for byte.
replayed_as_recorded() {
  ! cmp -s "$out/$1.live1" "$out/$1.live2" && ! cmp -s "$out/$1.live2" "$out/$1.rec" && cmp -s "$out/$1.rec" "$out/$1.rep"
}
# What NAME printed live, recorded and replayed, and the start of its trace listing.
show_runs() {
  cat "$out/$1.live1" "$out/$1.rec" "$out/$1.rep" | head -20
  head -30 "$out/$1.inspect"
}
live_record_replay component "$repo/tests/guests/components/values.wat"
if replayed_as_recorded component && grep -qx 'fail raised' "$out/component.rep" &&
  grep -qE "^greet 'ab' -> \[97, 98, [0-9]+\]$" "$out/component.rep" &&
  grep -qE '^#[0-9]+ component host call greet(\("ab"\))? -> \(\[97, 98, [0-9]+\]\)$' "$out/component.inspect" &&
  grep -qE '^#[0-9]+ component host call fail(\(\))? failed: ' "$out/component.inspect"; then
  pass "component.py: host results (time.time_ns()) differ run to run; the replay printed the recorded ones byte-identical, host functions not called; $(grep -cE '^#[0-9]+ component host call' "$out/component.inspect") component host calls in the trace"
else
  failure "component.py: the component recording or its replay is not as expected:"
  show_runs component
fi

# WASI preview 2 in an unmodified wasmtime-py program: Linker.add_wasip2 and
# Store.set_wasi are interposed too.
echo
echo "WASI preview 2 (wasmtime.component: Linker.add_wasip2, Store.set_wasi), switched on from the environment:"
cat >"$out/wasip2.py" <<'EOF'
import sys
from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Linker

engine = Engine()
linker = Linker(engine)
linker.add_wasip2()
store = Store(engine)
wasi = WasiConfig()
wasi.inherit_stdout()
store.set_wasi(wasi)
with open(sys.argv[1]) as source:
    component = Component(engine, source.read())
instance = linker.instantiate(store, component)
sample = instance.get_func(store, instance.get_export_index(store, "sample"))
print("sample ->", sample(store), flush=True)
EOF
live_record_replay wasip2 "$repo/tests/guests/components/wasip2.wat"
if replayed_as_recorded wasip2 && [ "$(head -n 1 "$out/wasip2.rep")" = tick ] &&
  grep -qE '^sample -> [0-9]+$' "$out/wasip2.rep" &&
  grep -qE '^#[0-9]+ wasip2 wasi:random/random#get-random-u64\(\) -> [0-9]+$' "$out/wasip2.inspect"; then
  pass "wasip2.py: the clock and random result differs run to run; the replay printed the recorded one and the guest's recorded stdout, byte-identical; $(grep -c ' wasip2 ' "$out/wasip2.inspect") WASI preview 2 calls in the trace"
else
  failure "wasip2.py: the WASI preview 2 recording or its replay is not as expected:"
  show_runs wasip2
fi

# Host resources in an unmodified wasmtime-py program: LinkerInstance.add_resource
# and ResourceHost values, the destructor recorded and served.
echo
echo "host resources (wasmtime.component: add_resource, ResourceHost), switched on from the environment:"
cat >"$out/resources.py" <<'EOF'
import sys, time
from wasmtime import Engine, Store
from wasmtime.component import Component, Linker, ResourceHost, ResourceType

engine = Engine()
linker = Linker(engine)
values = {}
def make(store, start):
    values[5] = start + time.time_ns() % 1000003
    return ResourceHost.own(5, 7)
def bump(store, counter):
    rep = counter.to_host(store).rep
    values[rep] += 1
    return values[rep]
def destroy(store, rep):
    print("destructor ran for rep", rep, flush=True)
with linker.root() as root:
    root.add_resource("counter", ResourceType.host(7), destroy)
    root.add_func("[constructor]counter", make)
    root.add_func("[method]counter.bump", bump)
with open(sys.argv[1]) as source:
    component = Component(engine, source.read())
store = Store(engine)
instance = linker.instantiate(store, component)
run = instance.get_func(store, instance.get_export_index(store, "run"))
print("run(3) ->", run(store, 3), flush=True)
EOF
live_record_replay resources "$repo/tests/guests/components/counter.wat"
if ! cmp -s "$out/resources.live1" "$out/resources.live2" && grep -qx 'destructor ran for rep 5' "$out/resources.rec" &&
  grep -qE '^run\(3\) -> [0-9]+$' "$out/resources.rep" && ! grep -q destructor "$out/resources.rep" &&
  [ "$(grep '^run' "$out/resources.rec")" = "$(grep '^run' "$out/resources.rep")" ] &&
  grep -qE '^#[0-9]+ component host call \[constructor\]counter(\(100\))? -> \(own#0\(host type 7, rep 5\)\)$' "$out/resources.inspect" &&
  grep -qE '^#[0-9]+ component host call \[resource-drop\]counter(\(5\))? -> \(\)$' "$out/resources.inspect"; then
  pass "resources.py: the counter's start (time.time_ns()) differs run to run; the replay printed the recorded result, made the host's counter again from the trace and ran no destructor"
else
  failure "resources.py: the host resources recording or its replay is not as expected:"
  show_runs resources
fi

took=$(awk -v start="$start" -v end="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", end - start }')
echo
echo "$passed passed, $failed failed ($took)"
[ "$failed" -eq 0 ]
