package wasmtimerr_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// guestWAT imports a clock-like host function (now), a random-like one that
// writes into guest memory (random), one with float params and results
// (sensor) and one that fails (deny).
const guestWAT = `(module
  (import "env" "now" (func $now (result i64)))
  (import "env" "random" (func $random (param i32 i32)))
  (import "env" "sensor" (func $sensor (param f32 f64) (result f32 f64)))
  (import "env" "deny" (func $deny))
  (memory (export "memory") 1)
  (func (export "run") (param $x i32) (result i64 i32 f32 f64)
    (call $random (i32.const 16) (i32.const 8))
    (i64.add (call $now) (i64.load (i32.const 16)))
    (i32.add (local.get $x) (i32.load8_u (i32.const 17)))
    (call $sensor (f32.convert_i32_s (local.get $x)) (f64.const 0.25)))
  (func (export "trap") (param i32) (result i32)
    (if (local.get 0) (then unreachable)) (i32.const 7))
  (func (export "boom") (call $deny))
  (func (export "vec") (result v128) (v128.const i64x2 1 2)))`

// otherBuildWAT is the same guest rebuilt differently: another checksum.
const otherBuildWAT = `(module
  (import "env" "now" (func $now (result i64)))
  (import "env" "random" (func $random (param i32 i32)))
  (import "env" "sensor" (func $sensor (param f32 f64) (result f32 f64)))
  (import "env" "deny" (func $deny))
  (memory (export "memory") 1)
  (func (export "trap") (param i32) (result i32) (i32.const 8)))`

// wasmOf compiles WAT to binary, failing the test on an error.
func wasmOf(t *testing.T, wat string) []byte {
	t.Helper()
	wasm, err := wasmtimerr.Wat2Wasm(wat)
	mustNil(t, "Wat2Wasm", err)
	return wasm
}

// sha256Hex is the checksum the library names in a module mismatch.
func sha256Hex(wasm []byte) string {
	sum := sha256.Sum256(wasm)
	return hex.EncodeToString(sum[:])
}

// rrEngine builds an engine in the given mode with determinism enforced.
func rrEngine(t *testing.T, mode wasmtimerr.Mode) *wasmtimerr.Engine {
	t.Helper()
	return newEngine(t, func(c *wasmtimerr.Config) error {
		return firstErr(c.SetMode(mode), c.EnforceDeterminism())
	})
}

// newModule compiles WAT for an engine, closing the module at the end of the
// test.
func newModule(t *testing.T, engine *wasmtimerr.Engine, wat string) *wasmtimerr.Module {
	t.Helper()
	module, err := wasmtimerr.NewModule(engine, wasmOf(t, wat))
	mustNil(t, "NewModule", err)
	t.Cleanup(func() { module.Close() })
	return module
}

// newStore creates a store, closing it at the end of the test.
func newStore(t *testing.T, engine *wasmtimerr.Engine) *wasmtimerr.Store {
	t.Helper()
	store, err := wasmtimerr.NewStore(engine)
	mustNil(t, "NewStore", err)
	t.Cleanup(func() { store.Close() })
	return store
}

// sensorNaN is the f32 NaN (with a payload) that sensor returns first.
const sensorNaN = 0x7fc00000

// host is the "outside world" of the guest: a clock and a random source
// whose values differ on every run. It counts its calls and logs what it
// returned, so a test can compute the results the guest must report.
type host struct {
	calls   int
	now     []int64
	random  [][]byte
	sensor  []float64
	failure error // returned by deny
}

func (h *host) fnNow(_ *wasmtimerr.Caller, _ []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
	h.calls++
	v := time.Now().UnixNano() + int64(h.calls)
	h.now = append(h.now, v)
	return []wasmtimerr.Value{wasmtimerr.ValI64(v)}, nil
}

func (h *host) fnRandom(c *wasmtimerr.Caller, args []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
	h.calls++
	b := make([]byte, args[1].I32())
	rand.Read(b)
	h.random = append(h.random, b)
	return nil, c.MemoryWrite("memory", uint64(args[0].I32()), b)
}

func (h *host) fnSensor(_ *wasmtimerr.Caller, args []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
	h.calls++
	noise := float64(time.Now().UnixNano()%1000) / 1000
	v := float64(args[0].F32())*args[1].F64() + noise
	h.sensor = append(h.sensor, v)
	nan := math.Float32frombits(sensorNaN | uint32(h.calls))
	return []wasmtimerr.Value{wasmtimerr.ValF32(nan), wasmtimerr.ValF64(v)}, nil
}

func (h *host) fnDeny(_ *wasmtimerr.Caller, _ []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
	h.calls++
	return nil, h.failure
}

var (
	i32, i64, f32, f64 = wasmtimerr.KindI32, wasmtimerr.KindI64, wasmtimerr.KindF32, wasmtimerr.KindF64
	kinds              = func(k ...wasmtimerr.ValKind) []wasmtimerr.ValKind { return k }
)

// linker defines the host's functions for the guest's imports.
func (h *host) linker(t *testing.T, engine *wasmtimerr.Engine) *wasmtimerr.Linker {
	t.Helper()
	if h.failure == nil {
		h.failure = errors.New("host says no")
	}
	linker, err := wasmtimerr.NewLinker(engine)
	mustNil(t, "NewLinker", err)
	t.Cleanup(func() { linker.Close() })
	mustNil(t, "DefineFunc now", linker.DefineFunc("env", "now", nil, kinds(i64), h.fnNow))
	mustNil(t, "DefineFunc random", linker.DefineFunc("env", "random", kinds(i32, i32), nil, h.fnRandom))
	mustNil(t, "DefineFunc sensor", linker.DefineFunc("env", "sensor", kinds(f32, f64), kinds(f32, f64), h.fnSensor))
	mustNil(t, "DefineFunc deny", linker.DefineFunc("env", "deny", nil, nil, h.fnDeny))
	return linker
}

// session is what the host program observed: every result, trap and error.
type session struct {
	run       [2][]wasmtimerr.Value
	trap      string
	trapCode  wasmtimerr.TrapCode
	hasCode   bool
	seven     []wasmtimerr.Value
	boom      string
	boomKind  wasmtimerr.ErrorKind
	instanced bool
}

// runArgs are the arguments of the two calls of run.
var runArgs = [2]int32{5, -1}

// script is the host program, the same while recording and replaying: it
// instantiates the guest and calls its exports. It stops at the first
// unexpected error and returns it.
func script(store *wasmtimerr.Store, linker *wasmtimerr.Linker, module *wasmtimerr.Module) (session, error) {
	var s session
	instance, err := linker.Instantiate(store, module)
	if err != nil {
		return s, err
	}
	s.instanced = true
	return s, s.calls(store, instance)
}

// calls makes the script's export calls on an instance.
func (s *session) calls(store *wasmtimerr.Store, instance *wasmtimerr.Instance) error {
	for i, x := range runArgs {
		results, err := instance.Call(store, "run", wasmtimerr.ValI32(x))
		if err != nil {
			return err
		}
		s.run[i] = results
	}
	_, err := instance.Call(store, "trap", wasmtimerr.ValI32(1))
	var trap *wasmtimerr.Trap
	if !errors.As(err, &trap) {
		return err
	}
	s.trap = trap.Message
	s.trapCode, s.hasCode = trap.Code()
	if s.seven, err = instance.Call(store, "trap", wasmtimerr.ValI32(0)); err != nil {
		return err
	}
	_, err = instance.Call(store, "boom")
	var boom *wasmtimerr.Error
	if !errors.As(err, &boom) {
		return errors.Join(errors.New("boom did not fail with an *Error"), err)
	}
	s.boom, s.boomKind = boom.Message, boom.Kind
	return nil
}

// hostCallsPerSession is how often one script calls host functions: run
// calls random, now and sensor, twice; boom calls deny once.
const hostCallsPerSession = 7

// checkRecorded checks the recorded session against what the host returned.
func checkRecorded(t *testing.T, s session, h *host) {
	t.Helper()
	if h.calls != hostCallsPerSession || len(h.now) != 2 || len(h.random) != 2 || len(h.sensor) != 2 {
		t.Fatalf("host calls = %d (now %d, random %d, sensor %d), want %d", h.calls, len(h.now), len(h.random),
			len(h.sensor), hostCallsPerSession)
	}
	for i, x := range runArgs {
		want := []wasmtimerr.Value{
			wasmtimerr.ValI64(h.now[i] + int64(binary.LittleEndian.Uint64(h.random[i]))),
			wasmtimerr.ValI32(x + int32(h.random[i][1])),
			wasmtimerr.ValF32(math.Float32frombits(sensorNaN | uint32(3*i+3))),
			wasmtimerr.ValF64(h.sensor[i]),
		}
		if !sameValues(s.run[i], want) {
			t.Errorf("run(%d) = %v, want %v", x, s.run[i], want)
		}
	}
	if !s.hasCode || s.trapCode != wasmtimerr.TrapUnreachableCodeReached ||
		!strings.HasSuffix(s.trap, "wasm trap: wasm `unreachable` instruction executed") {
		t.Errorf("trap(1) = code %d (%v), %q", s.trapCode, s.hasCode, s.trap)
	}
	if !sameValues(s.seven, []wasmtimerr.Value{wasmtimerr.ValI32(7)}) {
		t.Errorf("trap(0) = %v, want [i32:7]", s.seven)
	}
	if s.boomKind != wasmtimerr.ErrorKindWasmtime || !strings.HasSuffix(s.boom, "Caused by:\n    host says no\n") {
		t.Errorf("boom = [%s] %q", s.boomKind, s.boom)
	}
}

// sameValues compares values kind and bits (so NaNs compare too).
func sameValues(a, b []wasmtimerr.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkSame checks that a replay observed exactly what was recorded.
func checkSame(t *testing.T, recorded, replayed session) {
	t.Helper()
	for i := range recorded.run {
		if !sameValues(recorded.run[i], replayed.run[i]) {
			t.Errorf("run(%d): recorded %v, replayed %v", runArgs[i], recorded.run[i], replayed.run[i])
		}
	}
	if recorded.trap != replayed.trap || recorded.trapCode != replayed.trapCode || recorded.hasCode != replayed.hasCode {
		t.Errorf("trap: recorded %d %q, replayed %d %q", recorded.trapCode, recorded.trap, replayed.trapCode, replayed.trap)
	}
	if !sameValues(recorded.seven, replayed.seven) {
		t.Errorf("trap(0): recorded %v, replayed %v", recorded.seven, replayed.seven)
	}
	if recorded.boom != replayed.boom || recorded.boomKind != replayed.boomKind {
		t.Errorf("boom: recorded [%s] %q, replayed [%s] %q", recorded.boomKind, recorded.boom, replayed.boomKind, replayed.boom)
	}
}

// recordSession records the script with a recorder made by newRecorder and
// configured by setup, and returns what it observed.
func recordSession(t *testing.T, h *host, newRecorder func() (*wasmtimerr.Recorder, error),
	setup func(*wasmtimerr.Recorder) error) session {
	t.Helper()
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	module := newModule(t, engine, guestWAT)
	linker := h.linker(t, engine)
	store := newStore(t, engine)
	recorder, err := newRecorder()
	mustNil(t, "new recorder", err)
	if setup != nil {
		mustNil(t, "recorder setup", setup(recorder))
	}
	mustNil(t, "Record", store.Record(recorder))
	seen, err := script(store, linker, module)
	mustNil(t, "recorded script", err)
	mustNil(t, "Finish", store.Finish())
	checkRecorded(t, seen, h)
	return seen
}

// replaying is a fresh replaying engine and store with the guest built from
// wat, and a replayer attached.
type replaying struct {
	store  *wasmtimerr.Store
	linker *wasmtimerr.Linker
	module *wasmtimerr.Module
}

// openReplay attaches a replayer made by newReplayer to a fresh store of a
// fresh replaying engine; it returns the error of Replay.
func openReplay(t *testing.T, h *host, wat string, newReplayer func() (*wasmtimerr.Replayer, error)) (replaying, error) {
	t.Helper()
	engine := rrEngine(t, wasmtimerr.ModeReplaying)
	r := replaying{module: newModule(t, engine, wat), linker: h.linker(t, engine), store: newStore(t, engine)}
	replayer, err := newReplayer()
	mustNil(t, "new replayer", err)
	return r, r.store.Replay(replayer)
}

// firstEventOffset is where the first frame's events start in a trace: after
// the header (magic 8, format version 1, the Wasmtime version string with
// its 1-byte length, flags 1, event window 1, CRC 4) and the frame's 5-byte
// padded length.
func firstEventOffset(trace []byte) int {
	return 8 + 1 + 1 + int(trace[9]) + 1 + 1 + 4 + 5
}

// fromBytes returns a replayer constructor over a trace in memory.
func fromBytes(trace []byte) func() (*wasmtimerr.Replayer, error) {
	return func() (*wasmtimerr.Replayer, error) { return wasmtimerr.NewReplayerBytes(trace) }
}

// wantErrorPrefix checks an error's kind, sentinel and message prefix.
func wantErrorPrefix(t *testing.T, err error, kind wasmtimerr.ErrorKind, prefix string) {
	t.Helper()
	var e *wasmtimerr.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want [%s] %q...", err, err, kind, prefix)
	}
	if e.Kind != kind || !strings.HasPrefix(e.Message, prefix) {
		t.Fatalf("got [%s] %q, want [%s] %q...", e.Kind, e.Message, kind, prefix)
	}
	for _, s := range allSentinels {
		if got := errors.Is(err, s.sentinel); got != (s.kind == kind) {
			t.Errorf("errors.Is(%q, %s sentinel) = %v", e.Message, s.kind, got)
		}
	}
}
