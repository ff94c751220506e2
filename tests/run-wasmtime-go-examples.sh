#!/usr/bin/env bash
# Unmodified Go programs this project did not write, recorded and replayed
# through the preload library:
#   tests/run-wasmtime-go-examples.sh [PROFILE_DIR]   (default target/release)
#
# 1. Fetches wasmtime-go v44.0.0 from the Go module proxy into a module cache
#    under target/wasmtime-go-examples, copies the module to a writable place
#    and changes one thing in it: wasi.go's PreopenDir, because Wasmtime 48's
#    wasi_config_preopen_dir takes `bool fs_mutable` where wasmtime-go v44
#    passes dir/file permissions (and the WASMTIME_WASI_*_PERMS constants do
#    not exist). Its cgo directives are kept: `-lwasmtime` finds a link
#    libwasmtime.so -> libwasmtime_rr.so first (CGO_LDFLAGS come before the
#    package's own -L), so the test binary needs libwasmtime_rr.so.0.1
#    dynamically (checked with ldd) and LD_PRELOAD can interpose.
# 2. Runs every Example of its example_test.go, one test process per
#    Example, three ways: plain, WASMTIME_RR_RECORD=trace and
#    WASMTIME_RR_REPLAY=trace (both with LD_PRELOAD=libwasmtime_rr_preload.so),
#    and compares each with its expectation (below). `wasmtime-rr inspect`
#    must list the host calls and WASI calls of the Examples that have them.
# 3. A Go program written here against the stock wasmtime-go API (a host
#    function returning time.Now().UnixNano(), a WAT guest reading WASI clocks
#    and random bytes and returning them, the C WASI guest of tests/guests/wasi
#    with args, env, stdin and a preopened /data) prints the same values on
#    replay as recorded, although its inputs changed in between.
#
# Prints "N passed, N failed"; exits 1 if any check failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
profile_dir=$(cd "${1:-target/release}" && pwd)
preload="$profile_dir/libwasmtime_rr_preload.so"
cli="$profile_dir/wasmtime-rr"
for f in "$preload" "$cli" "$profile_dir/libwasmtime_rr.so" "$profile_dir/include/wasi.h"; do
  [ -e "$f" ] || { echo "no $f: build first (cargo build --release)"; exit 1; }
done
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
work=$repo/target/wasmtime-go-examples
export GOMODCACHE=$work/gomodcache GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=1
version=v44.0.0
module=github.com/bytecodealliance/wasmtime-go/v44

passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { # check NAME COMMAND...
  if "${@:2}"; then ok "$1"; else bad "$1"; fi
}

rm -rf "$work/src" "$work/lib" "$work/traces" "$work/out" "$work/nondet"
mkdir -p "$work/lib" "$work/traces" "$work/out"

echo "== fetching $module@$version"
moddir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$moddir" ] || { echo "go mod download gave no module directory"; exit 1; }
cp -r "$moddir" "$work/src"
chmod -R u+w "$work/src"

echo "== the change to wasi.go (Wasmtime 48's wasi_config_preopen_dir)"
patch --no-backup-if-mismatch -d "$work/src" -p1 <<'EOF'
--- a/wasi.go
+++ b/wasi.go
@@ -155,17 +155,17 @@
 type WasiFilePerms uint8
 
 const (
-	DIR_READ   WasiDirPerms  = C.WASMTIME_WASI_DIR_PERMS_READ
-	DIR_WRITE  WasiDirPerms  = C.WASMTIME_WASI_DIR_PERMS_WRITE
-	FILE_READ  WasiFilePerms = C.WASMTIME_WASI_FILE_PERMS_READ
-	FILE_WRITE WasiFilePerms = C.WASMTIME_WASI_FILE_PERMS_WRITE
+	DIR_READ   WasiDirPerms  = 1
+	DIR_WRITE  WasiDirPerms  = 2
+	FILE_READ  WasiFilePerms = 1
+	FILE_WRITE WasiFilePerms = 2
 )
 
 func (c *WasiConfig) PreopenDir(path, guestPath string, dirPerms WasiDirPerms, filePerms WasiFilePerms) error {
 	pathC := C.CString(path)
 	guestPathC := C.CString(guestPath)
 	ok := C.wasi_config_preopen_dir(c.ptr(), pathC, guestPathC,
-		C.wasi_dir_perms(dirPerms), C.wasi_file_perms(filePerms))
+		C.bool(dirPerms&DIR_WRITE != 0 || filePerms&FILE_WRITE != 0))
 	runtime.KeepAlive(c)
 	C.free(unsafe.Pointer(pathC))
 	C.free(unsafe.Pointer(guestPathC))
EOF
(cd "$work/src" && diff -u "$moddir/wasi.go" wasi.go | sed 's/^/  /') || true

# The stock names wasmtime-go calls that the preload interposes (for the log).
echo "== stock C functions wasmtime-go $version calls that libwasmtime_rr_preload.so interposes:"
interposed=$(nm -D --defined-only "$preload" | awk '$2 == "T" && $3 ~ /^wasm/ {print $3}' | sort -u)
called=$(grep -ho '\bwasm[a-z_]*(' "$work/src"/*.go "$work/src"/*.c | tr -d '(' | sort -u)
echo "  $(comm -12 <(echo "$interposed") <(echo "$called") | tr '\n' ' ')"

echo "== building the test binary against libwasmtime_rr (not wasmtime-go's bundled libwasmtime.a)"
ln -s "$profile_dir/libwasmtime_rr.so" "$work/lib/libwasmtime.so"
export CGO_CFLAGS="-I$profile_dir/include"
export CGO_LDFLAGS="-L$work/lib -Wl,-rpath,$profile_dir"
(cd "$work/src" && go test -c -o "$work/wasmtime-go.test" .)
check "the test binary loads libwasmtime_rr.so.0.1 dynamically" \
  bash -c "ldd '$work/wasmtime-go.test' | grep -q 'libwasmtime_rr.so.0.1 => $profile_dir/'"
check "the test binary has no Wasmtime of its own (wasm_engine_new is undefined in it)" \
  bash -c "nm -D --undefined-only '$work/wasmtime-go.test' | grep -qw wasm_engine_new"

examples=$(sed -n 's/^func \(Example[A-Za-z0-9_]*\)() {$/\1/p' "$work/src"/*_test.go)

# Expectations that are not "the Example passes": EXAMPLE.MODE -> what must
# happen instead (checked, never skipped).
#  - A replay does not call host functions (the trace gives their results), so
#    what a host function prints is not printed on replay; the Output check
#    then fails with exactly the output that does not come from one.
#  - ExampleWasiConfig reads the guest's stdout back from the file WASI wrote
#    it to; a replay echoes the recorded bytes to the process's stdout
#    instead, so the file is empty.
#  - ExampleModule_serialize instantiates a module made by
#    wasmtime_module_deserialize: there are no wasm bytes whose checksum the
#    library could record, so the RR variant of wasmtime_instance_new refuses
#    it (record and replay).
#  - ExampleVal_Externref passes a host object (externref) into the guest:
#    host objects cannot be recorded, the recording call fails; its trace then
#    ends early and the replay says so.
declare -A expect_got expect_error
expect_got[Example_hello.replay]=""                  # "Hello from Go!" is printed by the host function
expect_got[Example_storedata.replay]=""              # "Hello request N" is printed by the host function
expect_got[ExampleWasiConfig.replay]=""              # "hello world" goes to the process's stdout (echo)
expect_error[ExampleModule_serialize.record]="wasmtime_rr_instance_new: the module's checksum is unknown"
expect_error[ExampleModule_serialize.replay]="wasmtime_rr_instance_new: the module's checksum is unknown"
expect_error[ExampleVal_Externref.record]="wasmtime_rr_func_call: a non-null externref crossed the host boundary"
expect_error[ExampleVal_Externref.replay]="wasmtime_rr_func_call: truncated trace"
# What wasmtime-rr inspect must show for the Examples with host functions or WASI.
declare -A expect_events
expect_events[ExampleConfig_multi]="host call .f -> (i64:4, i32:2)"
expect_events[Example_hello]="host call .hello -> ()"
expect_events[Example_storedata]="host call session.get_request_id -> (i32:N)"
expect_events[ExampleWasiConfig]='wasi fd_write(1, 1 iovec) = 0 -> 12, wrote "hello world\n"'

declare -A output_ok=([plain]=0 [record]=0 [replay]=0)
total=0
run_example() { # run_example EXAMPLE MODE
  local e=$1 mode=$2 out="$work/out/$1.$2" rc=0
  local env=()
  case $mode in
    record) env=(LD_PRELOAD="$preload" WASMTIME_RR_RECORD="$work/traces/$e.wrr") ;;
    replay) env=(LD_PRELOAD="$preload" WASMTIME_RR_REPLAY="$work/traces/$e.wrr") ;;
  esac
  (cd "$work/src" && env "${env[@]}" "$work/wasmtime-go.test" -test.run "^$e\$" -test.v -test.count=1) \
    >"$out" 2>&1 || rc=$?
  if [ $rc -eq 0 ] && grep -q "^--- PASS: $e " "$out"; then
    output_ok[$mode]=$((output_ok[$mode] + 1))
  fi
  if [ -n "${expect_error[$e.$mode]+x}" ]; then
    if [ $rc -ne 0 ] && grep -qF "${expect_error[$e.$mode]}" "$out"; then
      ok "$e $mode: fails as expected: $(grep -F "${expect_error[$e.$mode]}" "$out" | head -1 | cut -c21-)"
    else
      bad "$e $mode: expected the error '${expect_error[$e.$mode]}' (output in $out)"
      sed 's/^/  | /' "$out"
    fi
  elif [ -n "${expect_got[$e.$mode]+x}" ]; then
    # The Output check fails, and what it got is exactly the expected text.
    local got
    got=$(sed -n '/^got:$/,/^want:$/p' "$out" | sed '1d;$d')
    if grep -q "^--- FAIL: $e " "$out" && [ "$got" = "${expect_got[$e.$mode]}" ]; then
      ok "$e $mode: host-side output absent as expected (got: '${got}')"
    else
      bad "$e $mode: expected the Output check to get '${expect_got[$e.$mode]}' (output in $out)"
      sed 's/^/  | /' "$out"
    fi
  elif [ $rc -eq 0 ] && grep -q "^--- PASS: $e " "$out"; then
    ok "$e $mode: Output check passed"
  else
    bad "$e $mode (exit $rc, output in $out)"
    sed 's/^/  | /' "$out"
  fi
}

for e in $examples; do
  total=$((total + 1))
  echo "== $e"
  run_example "$e" plain
  run_example "$e" record
  if [ -z "${expect_error[$e.record]+x}" ]; then
    check "$e record: the trace exists" test -s "$work/traces/$e.wrr"
  fi
  run_example "$e" replay
done
check "ExampleWasiConfig replay: the recorded 'hello world' was echoed on the process's stdout" \
  grep -qx "hello world" "$work/out/ExampleWasiConfig.replay"
check "Example_storedata record: one trace per store (5 stores: TRACE, TRACE.1 .. TRACE.4)" \
  bash -c "ls '$work/traces/Example_storedata.wrr' '$work/traces/Example_storedata.wrr.'{1,2,3,4} >/dev/null && ! ls '$work/traces/Example_storedata.wrr.5' 2>/dev/null"

# inspect: the events are listed. A Go program ends with exit_group, not
# libc's exit, so no atexit handler finishes the traces of stores that were
# never freed (wasmtime-go frees stores in finalizers): inspect lists every
# event, then reports the missing end marker and exits 1. Anything else on
# stderr is a failure.
inspect_ok() { # inspect_ok TRACE EXPECTED_LINE
  local out rc=0
  out=$("$cli" inspect "$1" 2>"$1.inspect.err") || rc=$?
  grep -qF -- "$2" <<<"$out" || { echo "  no '$2' in: $out"; return 1; }
  if [ $rc -ne 0 ]; then
    grep -q 'without an end marker' "$1.inspect.err" || { cat "$1.inspect.err"; return 1; }
  fi
}
for e in "${!expect_events[@]}"; do
  if [ "$e" = Example_storedata ]; then
    for i in "" .1 .2 .3 .4; do
      n=${i#.}
      check "inspect $e.wrr$i lists the host calls" inspect_ok "$work/traces/$e.wrr$i" "${expect_events[$e]/N/${n:-0}}"
    done
  else
    check "inspect $e.wrr lists the host or WASI calls" inspect_ok "$work/traces/$e.wrr" "${expect_events[$e]}"
  fi
done

# ---------------------------------------------------------------------------
# Nondeterministic inputs come from the trace: a program using only the stock
# wasmtime-go API.
echo "== nondeterministic inputs: an unmodified wasmtime-go program"
guests="$repo/target/wasi-guests"
bash tests/guests/wasi/build.sh "$guests" >/dev/null
mkdir -p "$work/nondet"
cat >"$work/nondet/go.mod" <<EOF
module nondet

go 1.22

require $module $version

replace $module => $work/src
EOF
cp "$work/src/go.sum" "$work/nondet/go.sum"
cat >"$work/nondet/main.go" <<'EOF'
// Uses wasmtime-go only: knows nothing of record/replay.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v44"
)

const clocks = `(module
  (import "host" "now" (func $now (result i64)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "host_now") (result i64) (call $now))
  (func (export "realtime") (result i64)
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 16)))
    (i64.load (i32.const 16)))
  (func (export "monotonic") (result i64)
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 16)))
    (i64.load (i32.const 16)))
  (func (export "random") (result i64)
    (drop (call $random (i32.const 24) (i32.const 8)))
    (i64.load (i32.const 24))))`

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func main() {
	guest, stdin, dir := os.Args[1], os.Args[2], os.Args[3]
	engine := wasmtime.NewEngine()
	linker := wasmtime.NewLinker(engine)
	check(linker.DefineWasi())
	hostCalls := 0
	check(linker.FuncWrap("host", "now", func() int64 {
		hostCalls++
		return time.Now().UnixNano()
	}))

	// Store 1: the host function and WASI clocks/random, read by a WAT guest
	// and returned to the host.
	store := wasmtime.NewStore(engine)
	store.SetWasi(wasmtime.NewWasiConfig())
	wasm, err := wasmtime.Wat2Wasm(clocks)
	check(err)
	module, err := wasmtime.NewModule(engine, wasm)
	check(err)
	instance, err := linker.Instantiate(store, module)
	check(err)
	for _, name := range []string{"host_now", "realtime", "monotonic", "random", "host_now"} {
		v, err := instance.GetFunc(store, name).Call(store)
		check(err)
		fmt.Printf("%s: %d\n", name, v.(int64))
	}
	fmt.Fprintf(os.Stderr, "host function calls: %d\n", hostCalls)

	// Store 2: the C WASI guest with args, env, stdin and a preopened folder;
	// it prints its report on the inherited stdout.
	store2 := wasmtime.NewStore(engine)
	wasi := wasmtime.NewWasiConfig()
	wasi.SetArgv([]string{"guest", "alpha", "beta"})
	wasi.SetEnv([]string{"GUEST_NAME"}, []string{"go-host"})
	check(wasi.SetStdinFile(stdin))
	check(wasi.PreopenDir(dir, "/data", wasmtime.DIR_READ, wasmtime.FILE_READ))
	wasi.InheritStdout()
	wasi.InheritStderr()
	store2.SetWasi(wasi)
	bytes, err := os.ReadFile(guest)
	check(err)
	module2, err := wasmtime.NewModule(engine, bytes)
	check(err)
	instance2, err := linker.Instantiate(store2, module2)
	check(err)
	_, err = instance2.GetFunc(store2, "_start").Call(store2)
	var werr *wasmtime.Error
	if errors.As(err, &werr) {
		if status, ok := werr.ExitStatus(); ok {
			fmt.Printf("guest exit status: %d\n", status)
			return
		}
	}
	check(err)
	fmt.Println("guest returned")
}
EOF
(cd "$work/nondet" && go build -o nondet .)
nd=$work/nondet
inputs() { # inputs WORD: stdin and /data/input.txt with WORD in them
  rm -rf "$nd/data" && mkdir "$nd/data"
  printf '%s stdin\n' "$1" >"$nd/stdin"
  printf '%s file\n' "$1" >"$nd/data/input.txt"
  touch "$nd/data/$1"
}
nondet() { # nondet OUT [ENV...]
  local out=$1; shift
  (cd "$nd" && env "$@" LD_PRELOAD="$preload" ./nondet "$guests/guest-c.wasm" "$nd/stdin" "$nd/data") \
    >"$out" 2>"$out.err" || echo "exit $?" >>"$out"
}
inputs first
nondet "$nd/plain1.out"
inputs second
nondet "$nd/plain2.out"
check "nondet: the program's inputs differ from run to run" bash -c "! cmp -s '$nd/plain1.out' '$nd/plain2.out'"
check "nondet: without the switch no trace is written" bash -c "! ls '$nd'/*.wrr* 2>/dev/null"
inputs recorded
nondet "$nd/record.out" WASMTIME_RR_RECORD="$nd/session.wrr"
check "nondet: recording wrote one trace per store" test -s "$nd/session.wrr" -a -s "$nd/session.wrr.1"
check "nondet: the recorded run ran the guest to its exit" grep -qx "guest exit status: 7" "$nd/record.out"
check "nondet: the recorded run read stdin and the folder" \
  bash -c "grep -qx 'stdin: recorded stdin\\\\n' '$nd/record.out' && grep -qx 'dir: .*recorded.*' '$nd/record.out'"
check "nondet: the host function ran twice while recording" grep -qx "host function calls: 2" "$nd/record.out.err"
sleep 0.1
inputs replayed
nondet "$nd/replay1.out" WASMTIME_RR_REPLAY="$nd/session.wrr"
rm -rf "$nd/data" "$nd/stdin"
: >"$nd/stdin" && mkdir "$nd/data" # present (wasmtime-go insists) but empty
nondet "$nd/replay2.out" WASMTIME_RR_REPLAY="$nd/session.wrr"
check "nondet: replay 1 printed exactly the recorded values" cmp "$nd/record.out" "$nd/replay1.out"
check "nondet: replay 2 (stdin and folder emptied) printed them too" cmp "$nd/record.out" "$nd/replay2.out"
check "nondet: the host function was not called on replay" grep -qx "host function calls: 0" "$nd/replay1.out.err"
check "nondet: host_now, WASI realtime and random differ between plain runs" \
  bash -c "for k in host_now realtime random; do [ \"\$(grep -m1 ^\$k: '$nd/plain1.out')\" != \"\$(grep -m1 ^\$k: '$nd/plain2.out')\" ] || exit 1; done"
check "nondet: inspect lists the host call and the WASI clock and random reads" \
  bash -c "out=\$('$cli' inspect '$nd/session.wrr' 2>/dev/null); grep -q 'host call host.now -> (i64:' <<<\"\$out\" && grep -q 'wasi clock_time_get(realtime' <<<\"\$out\" && grep -q 'wasi random_get' <<<\"\$out\""
echo "   recorded:"; sed 's/^/     /' "$nd/record.out"

echo
echo "Examples ($total): Output checks passed plain ${output_ok[plain]}/$total, record ${output_ok[record]}/$total, replay ${output_ok[replay]}/$total (the others as expected above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
