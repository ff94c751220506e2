package wasmtimerr_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	wasmtimerr "wasmtime-rr/bindings/go"
)

func TestRecorderSettings(t *testing.T) {
	recorder, err := wasmtimerr.NewRecorderWriter(&bytes.Buffer{})
	mustNil(t, "NewRecorderWriter", err)
	defer recorder.Close()
	wantError(t, recorder.SetEventWindow(0), wasmtimerr.ErrorKindInvalidArgument,
		"wasmtime_rr_recorder_event_window_set: the event window must hold at least one event")
	mustNil(t, "SetEventWindow(1)", recorder.SetEventWindow(1))
	mustNil(t, "SetEventWindow(max)", recorder.SetEventWindow(math.MaxUint32))
	mustNil(t, "SetValidation", recorder.SetValidation(true))
	mustNil(t, "SetMemoryDigest", recorder.SetMemoryDigest(true))
	mustNil(t, "SetFlushBytes(0)", recorder.SetFlushBytes(0))
	mustNil(t, "SetFlushBytes(max)", recorder.SetFlushBytes(^uint(0)))

	mustNil(t, "Close", recorder.Close())
	mustNil(t, "second Close", recorder.Close())
	recorderNullErrors(t, recorder)
	recorderNullErrors(t, nil)
}

// recorderNullErrors checks that the setters of a closed, attached or nil
// recorder reach the library with NULL.
func recorderNullErrors(t *testing.T, recorder *wasmtimerr.Recorder) {
	t.Helper()
	null := func(function string) string { return function + ": argument `recorder` is NULL" }
	wantError(t, recorder.SetValidation(true), wasmtimerr.ErrorKindNullArgument, null("wasmtime_rr_recorder_validation_set"))
	wantError(t, recorder.SetEventWindow(1), wasmtimerr.ErrorKindNullArgument, null("wasmtime_rr_recorder_event_window_set"))
	wantError(t, recorder.SetMemoryDigest(true), wasmtimerr.ErrorKindNullArgument, null("wasmtime_rr_recorder_memory_digest_set"))
	wantError(t, recorder.SetFlushBytes(0), wasmtimerr.ErrorKindNullArgument, null("wasmtime_rr_recorder_flush_bytes_set"))
	mustNil(t, "Close", recorder.Close())
}

func TestNilStreams(t *testing.T) {
	_, err := wasmtimerr.NewRecorderWriter(nil)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtimerr: NewRecorderWriter: the io.Writer is nil")
	_, err = wasmtimerr.NewReplayerReader(nil)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtimerr: NewReplayerReader: the io.Reader is nil")
}

func TestAttachment(t *testing.T) {
	t.Run("non-recording engine", func(t *testing.T) {
		for _, mode := range []wasmtimerr.Mode{wasmtimerr.ModeNone, wasmtimerr.ModeReplaying} {
			store := newStore(t, rrEngine(t, mode))
			var sink bytes.Buffer
			recorder, err := wasmtimerr.NewRecorderWriter(&sink)
			mustNil(t, "NewRecorderWriter", err)
			wantError(t, store.Record(recorder), wasmtimerr.ErrorKindInvalidArgument,
				"wasmtime_rr_store_record: the store's engine is not recording "+
					"(build it from a config with wasm_config_record_set(config, true))")
			// The recorder was taken over anyway: it is spent.
			recorderNullErrors(t, recorder)
			if sink.Len() != 0 {
				t.Errorf("a refused recorder wrote %d bytes", sink.Len())
			}
		}
	})

	t.Run("non-replaying engine", func(t *testing.T) {
		store := newStore(t, rrEngine(t, wasmtimerr.ModeRecording))
		replayer, err := wasmtimerr.NewReplayerBytes([]byte("anything"))
		mustNil(t, "NewReplayerBytes", err)
		wantError(t, store.Replay(replayer), wasmtimerr.ErrorKindInvalidArgument,
			"wasmtime_rr_store_replay: the store's engine is not replaying "+
				"(build it from a config with wasm_config_replay_set(config, true))")
		mustNil(t, "Close of a spent replayer", replayer.Close())
		wantError(t, store.Replay(replayer), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_store_replay: argument `replayer` is NULL")
	})

	t.Run("Finish and Flush with nothing attached", func(t *testing.T) {
		for _, mode := range []wasmtimerr.Mode{wasmtimerr.ModeNone, wasmtimerr.ModeRecording, wasmtimerr.ModeReplaying} {
			store := newStore(t, rrEngine(t, mode))
			wantError(t, store.Finish(), wasmtimerr.ErrorKindInvalidArgument,
				"wasmtime_rr_store_finish: this store has no recorder or replayer attached")
			wantError(t, store.Flush(), wasmtimerr.ErrorKindInvalidArgument,
				"wasmtime_rr_store_flush: this store has no recorder or replayer attached")
		}
	})

	t.Run("twice", func(t *testing.T) {
		store := newStore(t, rrEngine(t, wasmtimerr.ModeRecording))
		first, err := wasmtimerr.NewRecorderWriter(&bytes.Buffer{})
		mustNil(t, "NewRecorderWriter", err)
		second, err := wasmtimerr.NewRecorderWriter(&bytes.Buffer{})
		mustNil(t, "NewRecorderWriter", err)
		mustNil(t, "Record", store.Record(first))
		wantError(t, store.Record(second), wasmtimerr.ErrorKindInvalidArgument,
			"wasmtime_rr_store_record: this store already has a recorder or replayer attached")
		wantError(t, store.Record(first), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_store_record: argument `recorder` is NULL")
		mustNil(t, "Finish", store.Finish())
		// Finished: another session may be attached.
		third, err := wasmtimerr.NewRecorderWriter(&bytes.Buffer{})
		mustNil(t, "NewRecorderWriter", err)
		mustNil(t, "Record after Finish", store.Record(third))
		mustNil(t, "Finish", store.Finish())
	})

	t.Run("nil and closed store", func(t *testing.T) {
		store := newStore(t, rrEngine(t, wasmtimerr.ModeRecording))
		mustNil(t, "Close", store.Close())
		mustNil(t, "second Close", store.Close())
		for _, s := range []*wasmtimerr.Store{store, nil} {
			recorder, err := wasmtimerr.NewRecorderWriter(&bytes.Buffer{})
			mustNil(t, "NewRecorderWriter", err)
			wantError(t, s.Record(recorder), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_store_record: argument `context` is NULL")
			recorderNullErrors(t, recorder) // taken over even so
			replayer, err := wasmtimerr.NewReplayerBytes(nil)
			mustNil(t, "NewReplayerBytes", err)
			wantError(t, s.Replay(replayer), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_store_replay: argument `context` is NULL")
			wantError(t, s.Finish(), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_store_finish: argument `context` is NULL")
			wantError(t, s.Flush(), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_store_flush: argument `context` is NULL")
		}
	})

	t.Run("store closed while recording", func(t *testing.T) {
		engine := rrEngine(t, wasmtimerr.ModeRecording)
		h := &host{}
		linker := h.linker(t, engine)
		module := newModule(t, engine, guestWAT)
		store, err := wasmtimerr.NewStore(engine)
		mustNil(t, "NewStore", err)
		var trace bytes.Buffer
		recorder, err := wasmtimerr.NewRecorderWriter(&trace)
		mustNil(t, "NewRecorderWriter", err)
		mustNil(t, "Record", store.Record(recorder))
		_, err = linker.Instantiate(store, module)
		mustNil(t, "Instantiate", err)
		header := trace.Len()
		mustNil(t, "Close", store.Close())
		// The trace was closed with an end marker: status 1 (store dropped),
		// after 2 events, then the frame's CRC.
		end := trace.Bytes()[trace.Len()-4-3 : trace.Len()-4]
		if trace.Len() <= header || !bytes.Equal(end, []byte{0, 1, 2}) {
			t.Fatalf("after Close: %d bytes (header %d), end marker % x", trace.Len(), header, end)
		}
	})
}

func TestFileRecorderAndReplayerClose(t *testing.T) {
	path := t.TempDir() + "/unused.wrr"
	recorder, err := wasmtimerr.NewRecorderFile(path)
	mustNil(t, "NewRecorderFile", err)
	mustNil(t, "Close", recorder.Close())
	replayer, err := wasmtimerr.NewReplayerFile(path) // created (empty) by the recorder
	mustNil(t, "NewReplayerFile", err)
	mustNil(t, "Close", replayer.Close())
	mustNil(t, "second Close", replayer.Close())
	var nilReplayer *wasmtimerr.Replayer
	mustNil(t, "Close of nil", nilReplayer.Close())
	reader, err := wasmtimerr.NewReplayerReader(strings.NewReader("unused"))
	mustNil(t, "NewReplayerReader", err)
	mustNil(t, "Close", reader.Close())
}

// TestInstantiateWith records and replays through NewFunc and
// InstantiateWith (wasmtime_rr_func_new, wasmtime_rr_instance_new) instead
// of a Linker.
func TestInstantiateWith(t *testing.T) {
	wasm := wasmOf(t, `(module
	  (import "env" "now" (func $now (result i64)))
	  (import "env" "random" (func $random (param i32 i32)))
	  (memory (export "memory") 1)
	  (func (export "roll") (result i64)
	    (call $random (i32.const 0) (i32.const 8))
	    (i64.xor (call $now) (i64.load (i32.const 0)))))`)
	session := func(store *wasmtimerr.Store, engine *wasmtimerr.Engine, h *host) []wasmtimerr.Value {
		t.Helper()
		now, err := wasmtimerr.NewFunc(store, nil, kinds(i64), h.fnNow)
		mustNil(t, "NewFunc now", err)
		random, err := wasmtimerr.NewFunc(store, kinds(i32, i32), nil, h.fnRandom)
		mustNil(t, "NewFunc random", err)
		module, err := wasmtimerr.NewModule(engine, wasm)
		mustNil(t, "NewModule", err)
		defer module.Close()
		instance, err := wasmtimerr.InstantiateWith(store, module, []*wasmtimerr.Func{now, random})
		mustNil(t, "InstantiateWith", err)
		results, err := instance.Call(store, "roll")
		mustNil(t, "Call", err)
		return results
	}

	engine := rrEngine(t, wasmtimerr.ModeRecording)
	store := newStore(t, engine)
	var trace bytes.Buffer
	recorder, err := wasmtimerr.NewRecorderWriter(&trace)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "Record", store.Record(recorder))
	h := &host{}
	recorded := session(store, engine, h)
	mustNil(t, "Finish", store.Finish())
	want := h.now[0] ^ int64(le64(h.random[0]))
	if h.calls != 2 || len(recorded) != 1 || recorded[0] != wasmtimerr.ValI64(want) {
		t.Fatalf("recorded %v after %d host calls, want [i64:%d] after 2", recorded, h.calls, want)
	}
	for round := range 2 {
		engine := rrEngine(t, wasmtimerr.ModeReplaying)
		store := newStore(t, engine)
		replayer, err := wasmtimerr.NewReplayerBytes(trace.Bytes())
		mustNil(t, "NewReplayerBytes", err)
		mustNil(t, "Replay", store.Replay(replayer))
		h := &host{}
		replayed := session(store, engine, h)
		mustNil(t, "Finish", store.Finish())
		if !sameValues(replayed, recorded) || h.calls != 0 {
			t.Fatalf("round %d: replayed %v with %d host calls, recorded %v", round, replayed, h.calls, recorded)
		}
	}
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func TestNewFuncNeedsAttachedSession(t *testing.T) {
	store := newStore(t, rrEngine(t, wasmtimerr.ModeRecording))
	f, err := wasmtimerr.NewFunc(store, nil, nil, (&host{}).fnDeny)
	if f != nil {
		t.Error("NewFunc returned a function with an error")
	}
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_new: attach a recorder or replayer to the store "+
		"(wasmtime_rr_store_record / wasmtime_rr_store_replay) before creating host functions")
	_, err = wasmtimerr.NewFunc(nil, nil, nil, (&host{}).fnDeny)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_func_new: argument `context` is NULL")
	_, err = wasmtimerr.NewFunc(store, nil, nil, nil)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtimerr: NewFunc: the host function is nil")
	_, err = wasmtimerr.NewFunc(store, []wasmtimerr.ValKind{4}, nil, (&host{}).fnDeny)
	wantError(t, err, wasmtimerr.ErrorKindUnsupported, "wasmtimerr: param 0 has kind v128; the binding carries i32, i64, f32 and f64 only")
}

// TestPlainEngine uses the object model without record/replay: the RR-aware
// functions are then the stock ones and host functions run every time.
func TestPlainEngine(t *testing.T) {
	engine := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	h := &host{}
	linker := h.linker(t, engine)
	module := newModule(t, engine, guestWAT)
	store := newStore(t, engine)
	for range 2 {
		seen, err := script(store, linker, module)
		mustNil(t, "script", err)
		checkRecorded(t, seen, h)
		h.calls, h.now, h.random, h.sensor = 0, nil, nil, nil
	}
}

func TestHostFunctionMisbehaving(t *testing.T) {
	engine := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	linker, err := wasmtimerr.NewLinker(engine)
	mustNil(t, "NewLinker", err)
	defer linker.Close()
	var kept *wasmtimerr.Caller
	define := func(name string, params, results []wasmtimerr.ValKind, fn wasmtimerr.HostFunc) {
		t.Helper()
		mustNil(t, "DefineFunc "+name, linker.DefineFunc("env", name, params, results, fn))
	}
	define("count", nil, kinds(i32), func(*wasmtimerr.Caller, []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
		return nil, nil
	})
	define("kind", nil, kinds(i32), func(*wasmtimerr.Caller, []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
		return []wasmtimerr.Value{wasmtimerr.ValF64(1)}, nil
	})
	define("panics", nil, nil, func(*wasmtimerr.Caller, []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
		panic("oops")
	})
	define("keep", nil, nil, func(c *wasmtimerr.Caller, _ []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
		kept = c
		return nil, nil
	})
	define("write", kinds(i32, i32), kinds(i32), func(c *wasmtimerr.Caller, args []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
		var name string
		switch args[0].I32() {
		case 0:
			name = "memory"
		case 1:
			name = "nothing"
		default:
			name = "count"
		}
		err := c.MemoryWrite(name, uint64(args[1].I32()), []byte("abcdef"))
		if err != nil {
			return nil, err
		}
		return []wasmtimerr.Value{wasmtimerr.ValI32(1)}, nil
	})
	wantError(t, linker.DefineFunc("env", "count", nil, kinds(i32), func(*wasmtimerr.Caller, []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
		return nil, nil
	}), wasmtimerr.ErrorKindWasmtime, "import of `env::count` defined twice")
	wantError(t, linker.DefineFunc("env", "nil", nil, nil, nil), wasmtimerr.ErrorKindNullArgument,
		"wasmtimerr: DefineFunc: the host function env.nil is nil")
	wantError(t, linker.DefineFunc("env", "v128", nil, []wasmtimerr.ValKind{4}, (&host{}).fnDeny), wasmtimerr.ErrorKindUnsupported,
		"wasmtimerr: result 0 has kind v128; the binding carries i32, i64, f32 and f64 only")

	module := newModule(t, engine, `(module
	  (import "env" "count" (func $count (result i32)))
	  (import "env" "kind" (func $kind (result i32)))
	  (import "env" "panics" (func $panics))
	  (import "env" "keep" (func $keep))
	  (import "env" "write" (func $write (param i32 i32) (result i32)))
	  (memory (export "memory") 1)
	  (func (export "count") (result i32) (call $count))
	  (func (export "kind") (result i32) (call $kind))
	  (func (export "panics") (call $panics))
	  (func (export "keep") (call $keep))
	  (func (export "write") (param i32 i32) (result i32) (call $write (local.get 0) (local.get 1)))
	  (func (export "peek") (param i32) (result i64) (i64.load (local.get 0)))
	  (func (export "vec") (result v128) (v128.const i64x2 1 2)))`)
	store := newStore(t, engine)
	instance, err := linker.Instantiate(store, module)
	mustNil(t, "Instantiate", err)

	wantTrap := func(name string, message string, args ...wasmtimerr.Value) {
		t.Helper()
		_, err := instance.Call(store, name, args...)
		var e *wasmtimerr.Error
		if !errors.As(err, &e) || e.Kind != wasmtimerr.ErrorKindWasmtime || !strings.Contains(e.Message, "Caused by:\n    "+message+"\n") {
			t.Errorf("%s: got %q, want Wasmtime's error caused by %q", name, err, message)
		}
	}
	wantTrap("count", "wasmtimerr: host function env.count returned 0 values, its type has 1 results")
	wantTrap("kind", "wasmtimerr: host function env.kind returned f64:1 as result 0, its type says i32")
	wantTrap("panics", "wasmtimerr: host function env.panics panicked: oops")
	wantTrap("write", "wasmtimerr: MemoryWrite: the caller has no export \"nothing\"", wasmtimerr.ValI32(1), wasmtimerr.ValI32(0))
	wantTrap("write", "wasmtimerr: MemoryWrite: the export \"count\" is not a memory", wasmtimerr.ValI32(2), wasmtimerr.ValI32(0))
	wantTrap("write", "wasmtime_rr_memory_write: a write of 6 bytes at offset 65531 does not fit a memory of 65536 bytes",
		wasmtimerr.ValI32(0), wasmtimerr.ValI32(65531))

	results, err := instance.Call(store, "write", wasmtimerr.ValI32(0), wasmtimerr.ValI32(65530))
	mustNil(t, "write", err)
	peek, err := instance.Call(store, "peek", wasmtimerr.ValI32(65528))
	mustNil(t, "peek", err)
	if !sameValues(results, []wasmtimerr.Value{wasmtimerr.ValI32(1)}) || peek[0].I64() != int64(le64([]byte("\x00\x00abcdef"))) {
		t.Errorf("write = %v, memory = %#x", results, peek[0].I64())
	}

	_, err = instance.Call(store, "keep")
	mustNil(t, "keep", err)
	wantError(t, kept.MemoryWrite("memory", 0, []byte{1}), wasmtimerr.ErrorKindInvalidArgument,
		"wasmtimerr: MemoryWrite: the Caller is used after its host function returned")

	_, err = instance.Call(store, "vec")
	wantError(t, err, wasmtimerr.ErrorKindUnsupported, `wasmtimerr: Call: "vec" returned a v128 as result 0; the binding `+
		`carries i32, i64, f32 and f64 only (the call ran, its results are dropped)`)
	_, err = instance.Call(store, "missing")
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, `wasmtimerr: Call: the instance has no export "missing"`)
	_, err = instance.Call(store, "memory")
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, `wasmtimerr: Call: the export "memory" is not a function`)
	// The library checks arguments before any call, also with nothing attached.
	_, err = instance.Call(store, "peek", wasmtimerr.ValI64(1))
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_call: argument #0 is an i64 (kind 1), the function takes an i32 (kind 0)")
	_, err = instance.Call(store, "peek")
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_call: the function takes 1 arguments, 0 were given")
	_, err = instance.Call(store, "count", wasmtimerr.ValI32(1))
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_call: the function takes 0 arguments, 1 were given")
	other := newStore(t, engine)
	_, err = instance.Call(other, "count")
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtimerr: Call: the Instance is nil or belongs to another Store")
	mustNil(t, "Close", store.Close())
	_, err = instance.Call(store, "count")
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtimerr: Call: the Store is nil or closed")
}

func TestTrapFromStartFunction(t *testing.T) {
	engine := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	module := newModule(t, engine, `(module (func $start unreachable) (start $start))`)
	store := newStore(t, engine)
	_, err := wasmtimerr.InstantiateWith(store, module, nil)
	var trap *wasmtimerr.Trap
	if !errors.As(err, &trap) {
		t.Fatalf("got %v, want a *Trap", err)
	}
	if code, ok := trap.Code(); !ok || code != wasmtimerr.TrapUnreachableCodeReached || trap.Error() != trap.Message ||
		!strings.HasSuffix(trap.Message, "wasm trap: wasm `unreachable` instruction executed") {
		t.Fatalf("trap code %d (%v), message %q", code, ok, trap.Message)
	}
	linker, err := wasmtimerr.NewLinker(engine)
	mustNil(t, "NewLinker", err)
	defer linker.Close()
	_, err = linker.Instantiate(store, module)
	if !errors.As(err, &trap) {
		t.Fatalf("Linker.Instantiate: got %v, want a *Trap", err)
	}
}

func TestObjectModelErrors(t *testing.T) {
	engine := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	_, err := wasmtimerr.Wat2Wasm("(module")
	wantErrorPrefix(t, err, wasmtimerr.ErrorKindWasmtime, "expected `)`")
	_, err = wasmtimerr.NewModule(engine, []byte{0, 1, 2})
	wantErrorPrefix(t, err, wasmtimerr.ErrorKindWasmtime, "")
	_, err = wasmtimerr.NewModule(engine, nil)
	wantErrorPrefix(t, err, wasmtimerr.ErrorKindWasmtime, "")
	closed := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	mustNil(t, "Close", closed.Close())
	_, err = wasmtimerr.NewModule(closed, wasmOf(t, "(module)"))
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_module_new: argument `engine` is NULL")
	_, err = wasmtimerr.NewStore(closed)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtimerr: NewStore: the Engine is nil or closed")
	_, err = wasmtimerr.NewLinker(nil)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtimerr: NewLinker: the Engine is nil or closed")

	module := newModule(t, engine, `(module (import "env" "f" (func)))`)
	mustNil(t, "Close", module.Close())
	mustNil(t, "second Close", module.Close())
	store := newStore(t, engine)
	linker, err := wasmtimerr.NewLinker(engine)
	mustNil(t, "NewLinker", err)
	_, err = linker.Instantiate(store, module)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_linker_instantiate: argument `module` is NULL")
	_, err = wasmtimerr.InstantiateWith(store, module, nil)
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_instance_new: argument `module` is NULL")
	mustNil(t, "Close", linker.Close())
	mustNil(t, "second Close", linker.Close())
	wantErrorPrefix(t, linker.DefineFunc("env", "f", nil, nil, (&host{}).fnDeny), wasmtimerr.ErrorKindNullArgument,
		"wasmtime_rr_linker_define_func: argument `linker` is NULL")

	// A duplicate definition on a recording engine's linker: Wasmtime's error,
	// and the host function's handle is released once (by the library's
	// finalizer or by the binding, never both).
	recording, err := wasmtimerr.NewLinker(rrEngine(t, wasmtimerr.ModeRecording))
	mustNil(t, "NewLinker", err)
	defer recording.Close()
	mustNil(t, "DefineFunc", recording.DefineFunc("env", "f", nil, nil, (&host{}).fnDeny))
	wantError(t, recording.DefineFunc("env", "f", nil, nil, (&host{}).fnDeny), wasmtimerr.ErrorKindWasmtime,
		"import of `env::f` defined twice")

	foreign, err := wasmtimerr.NewFunc(newStore(t, engine), nil, nil, (&host{}).fnDeny)
	mustNil(t, "NewFunc", err)
	_, err = wasmtimerr.InstantiateWith(store, newModule(t, engine, `(module (import "env" "f" (func)))`), []*wasmtimerr.Func{foreign})
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtimerr: InstantiateWith: import 0 is nil or belongs to another Store")
}

func TestValues(t *testing.T) {
	nan := math.Float32frombits(0x7fc00001)
	cases := []struct {
		v    wasmtimerr.Value
		kind wasmtimerr.ValKind
		bits uint64
		text string
	}{
		{wasmtimerr.ValI32(-1), wasmtimerr.KindI32, 0xffffffff, "i32:-1"},
		{wasmtimerr.ValI64(-2), wasmtimerr.KindI64, 0xfffffffffffffffe, "i64:-2"},
		{wasmtimerr.ValF32(1.5), wasmtimerr.KindF32, 0x3fc00000, "f32:1.5"},
		{wasmtimerr.ValF32(nan), wasmtimerr.KindF32, 0x7fc00001, "f32:NaN"},
		{wasmtimerr.ValF64(math.Copysign(0, -1)), wasmtimerr.KindF64, 1 << 63, "f64:-0"},
		{wasmtimerr.Value{}, wasmtimerr.KindI32, 0, "i32:0"},
	}
	for _, tc := range cases {
		if tc.v.Kind() != tc.kind || tc.v.Bits() != tc.bits || tc.v.String() != tc.text {
			t.Errorf("%v: kind %s bits %#x, want %s %#x %q", tc.v, tc.v.Kind(), tc.v.Bits(), tc.kind, tc.bits, tc.text)
		}
	}
	if wasmtimerr.ValI32(7).I32() != 7 || wasmtimerr.ValI64(-7).I64() != -7 || wasmtimerr.ValF32(0.5).F32() != 0.5 ||
		wasmtimerr.ValF64(0.25).F64() != 0.25 {
		t.Error("accessors do not return what the constructors got")
	}
	if wasmtimerr.KindI32 != 0 || wasmtimerr.KindI64 != 1 || wasmtimerr.KindF32 != 2 || wasmtimerr.KindF64 != 3 ||
		wasmtimerr.ValKind(4).String() != "v128" || wasmtimerr.ValKind(9).String() != "ValKind(9)" {
		t.Error("value kinds differ from WASMTIME_I32 .. WASMTIME_F64")
	}
	wantPanic(t, "wasmtimerr: Value.i64 of a i32 value", func() { wasmtimerr.ValI32(1).I64() })
	wantPanic(t, "wasmtimerr: Value.f32 of a f64 value", func() { wasmtimerr.ValF64(1).F32() })
}
