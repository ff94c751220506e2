package wasmtimerr_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// countingWriter keeps every Write apart; when reenter is set, each Write
// first calls it (a writer calling back into the library).
type countingWriter struct {
	writes  [][]byte
	fail    error // returned from the write after the first okWrites
	ok      int
	reenter func()
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.reenter != nil {
		w.reenter()
	}
	if w.fail != nil && len(w.writes) >= w.ok {
		return 0, w.fail
	}
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func (w *countingWriter) trace() []byte { return bytes.Join(w.writes, nil) }

// runCalls calls run(x) for each x and returns the results.
func runCalls(t *testing.T, store *wasmtimerr.Store, instance *wasmtimerr.Instance, xs ...int32) [][]wasmtimerr.Value {
	t.Helper()
	var all [][]wasmtimerr.Value
	for _, x := range xs {
		results, err := instance.Call(store, "run", wasmtimerr.ValI32(x))
		mustNil(t, fmt.Sprint("run ", x), err)
		all = append(all, results)
	}
	return all
}

// replayRuns replays a trace of an instantiation and run calls, and returns
// the replayed results and the error of Finish.
func replayRuns(t *testing.T, trace []byte, xs ...int32) ([][]wasmtimerr.Value, error) {
	t.Helper()
	h := &host{}
	r, err := openReplay(t, h, guestWAT, fromBytes(trace))
	mustNil(t, "Replay", err)
	instance, err := r.linker.Instantiate(r.store, r.module)
	mustNil(t, "replayed Instantiate", err)
	replayed := runCalls(t, r.store, instance, xs...)
	mustNil(t, "Flush of a replaying store", r.store.Flush()) // nothing to do
	if h.calls != 0 {
		t.Errorf("the host was called %d times during the replay", h.calls)
	}
	return replayed, r.store.Finish()
}

func sameRuns(t *testing.T, got, want [][]wasmtimerr.Value) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d runs, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameValues(got[i], want[i]) {
			t.Errorf("run %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// TestBatchedWrites: with default settings a writer sees only the header
// until 64 KiB accumulate, a call traps or fails, the last hand-over is over
// 100 ms old as a frame is sealed, or the host flushes or finishes. What
// Flush handed over is a valid prefix of the trace: it replays every call
// made before it.
func TestBatchedWrites(t *testing.T) {
	var w *countingWriter
	var store *wasmtimerr.Store
	var instance *wasmtimerr.Instance
	var returned [][]wasmtimerr.Value
	for attempt := 0; ; attempt++ {
		engine := rrEngine(t, wasmtimerr.ModeRecording)
		module := newModule(t, engine, guestWAT)
		linker := (&host{}).linker(t, engine)
		store = newStore(t, engine)
		w = &countingWriter{}
		recorder, err := wasmtimerr.NewRecorderWriter(w)
		mustNil(t, "NewRecorderWriter", err)
		mustNil(t, "SetEventWindow", recorder.SetEventWindow(1))
		started := time.Now()
		mustNil(t, "Record", store.Record(recorder))
		instance, err = linker.Instantiate(store, module)
		mustNil(t, "Instantiate", err)
		returned = runCalls(t, store, instance, 0, 1, 2, 3, 4)
		if time.Since(started) < 100*time.Millisecond {
			break
		}
		// Too slow: the 100 ms rule may have handed frames over. Again.
		mustNil(t, "Finish", store.Finish())
		if attempt == 4 {
			t.Fatal("five recordings of five calls each took 100 ms or more")
		}
	}
	if len(w.writes) != 1 {
		t.Fatalf("%d writes before Flush, want 1 (the header)", len(w.writes))
	}
	mustNil(t, "Flush", store.Flush())
	if len(w.writes) != 2 {
		t.Fatalf("%d writes after Flush, want 2", len(w.writes))
	}
	prefix := w.trace()
	mustNil(t, "second Flush", store.Flush())
	if len(w.writes) != 2 {
		t.Fatalf("%d writes after a Flush with nothing new, want 2", len(w.writes))
	}

	replayed, err := replayRuns(t, prefix, 0, 1, 2, 3, 4)
	sameRuns(t, replayed, returned)
	wantErrorPrefix(t, err, wasmtimerr.ErrorKindTraceFormat, "wasmtime_rr_store_finish: truncated trace")

	returned = append(returned, runCalls(t, store, instance, 5, 6, 7)...)
	mustNil(t, "Finish", store.Finish())
	if len(w.writes) != 3 {
		t.Fatalf("%d writes after Finish, want 3", len(w.writes))
	}
	replayed, err = replayRuns(t, w.trace(), 0, 1, 2, 3, 4, 5, 6, 7)
	sameRuns(t, replayed, returned)
	mustNil(t, "Finish of the whole replay", err)
	wantError(t, store.Flush(), wasmtimerr.ErrorKindInvalidArgument,
		"wasmtime_rr_store_flush: this store has no recorder or replayer attached")
}

// TestTrapHandsTheBatchOver: a call that ends with a trap hands the pending
// frames over; a Flush whose write fails is an ErrTraceIO error that wraps
// the writer's error, and the failure is sticky.
func TestTrapHandsTheBatchOver(t *testing.T) {
	diskFull := errors.New("disk full")
	w := &countingWriter{fail: diskFull, ok: 2}
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	module := newModule(t, engine, guestWAT)
	linker := (&host{}).linker(t, engine)
	store := newStore(t, engine)
	recorder, err := wasmtimerr.NewRecorderWriter(w)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "Record", store.Record(recorder))
	instance, err := linker.Instantiate(store, module)
	mustNil(t, "Instantiate", err)
	_, err = instance.Call(store, "trap", wasmtimerr.ValI32(0))
	mustNil(t, "trap(0)", err)
	if len(w.writes) != 1 {
		t.Fatalf("%d writes, want 1 (the header)", len(w.writes))
	}
	_, err = instance.Call(store, "trap", wasmtimerr.ValI32(1))
	var trap *wasmtimerr.Trap
	if !errors.As(err, &trap) {
		t.Fatalf("trap(1): got %v, want a *Trap", err)
	}
	if len(w.writes) != 2 {
		t.Fatalf("%d writes after a trap, want 2", len(w.writes))
	}
	_, err = instance.Call(store, "trap", wasmtimerr.ValI32(0))
	mustNil(t, "trap(0)", err)
	checkTraceIO(t, store.Flush(), "wasmtime_rr_store_flush: the trace write callback reported a failure: disk full", diskFull)
	checkTraceIO(t, store.Flush(), "wasmtime_rr_store_flush: the trace write callback reported a failure: disk full", diskFull)
	checkTraceIO(t, store.Finish(), "wasmtime_rr_store_finish: the trace write callback reported a failure: disk full", diskFull)
}

// TestCallerMistakeLeavesRecordingUsable: Instance.Call with the wrong
// arity or kinds while recording is an ErrInvalidArgument error that records
// nothing; later calls and Finish succeed, and the trace replays.
func TestCallerMistakeLeavesRecordingUsable(t *testing.T) {
	var trace bytes.Buffer
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	module := newModule(t, engine, guestWAT)
	linker := (&host{}).linker(t, engine)
	store := newStore(t, engine)
	recorder, err := wasmtimerr.NewRecorderWriter(&trace)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "Record", store.Record(recorder))
	instance, err := linker.Instantiate(store, module)
	mustNil(t, "Instantiate", err)
	_, err = instance.Call(store, "run")
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_call: the function takes 1 arguments, 0 were given")
	_, err = instance.Call(store, "run", wasmtimerr.ValI32(1), wasmtimerr.ValI32(2))
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_call: the function takes 1 arguments, 2 were given")
	_, err = instance.Call(store, "run", wasmtimerr.ValF64(1))
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_func_call: argument #0 is an f64 (kind 3), the function takes an i32 (kind 0)")
	returned := runCalls(t, store, instance, 3)
	mustNil(t, "Finish", store.Finish())
	replayed, err := replayRuns(t, trace.Bytes(), 3)
	mustNil(t, "Finish of the replay", err)
	sameRuns(t, replayed, returned)
}

// reentered is what the library says to a call from inside one of the
// store's own trace callbacks.
const reentered = "this store's recording or replay is in the middle of another operation"

// TestReentryIsRefused: a writer or reader calling the library back for its
// own store gets ErrInvalidArgument, and so does Finish from inside a host
// function; the session goes on, and the recording replays.
func TestReentryIsRefused(t *testing.T) {
	var refused []error
	var store *wasmtimerr.Store
	w := &countingWriter{}
	reenter := func(s **wasmtimerr.Store) func() {
		return func() {
			for _, call := range []func() error{(*s).Flush, (*s).Finish} {
				if err := call(); err != nil {
					refused = append(refused, err)
				} else {
					refused = append(refused, errors.New("a re-entrant call succeeded"))
				}
			}
		}
	}
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	module := newModule(t, engine, guestWAT)
	h := &host{failure: errors.New("host says no")}
	store = newStore(t, engine)
	// The guest's imports, with a clock that tries to finish the recording.
	var finishedInside error
	finishing, err := wasmtimerr.NewLinker(engine)
	mustNil(t, "NewLinker", err)
	t.Cleanup(func() { finishing.Close() })
	mustNil(t, "DefineFunc now", finishing.DefineFunc("env", "now", nil, kinds(i64),
		func(c *wasmtimerr.Caller, args []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
			finishedInside = store.Finish()
			return h.fnNow(c, args)
		}))
	mustNil(t, "DefineFunc random", finishing.DefineFunc("env", "random", kinds(i32, i32), nil, h.fnRandom))
	mustNil(t, "DefineFunc sensor", finishing.DefineFunc("env", "sensor", kinds(f32, f64), kinds(f32, f64), h.fnSensor))
	mustNil(t, "DefineFunc deny", finishing.DefineFunc("env", "deny", nil, nil, h.fnDeny))
	recorder, err := wasmtimerr.NewRecorderWriter(w)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "SetEventWindow", recorder.SetEventWindow(1))
	mustNil(t, "SetFlushBytes", recorder.SetFlushBytes(0))
	mustNil(t, "Record", store.Record(recorder))
	w.reenter = reenter(&store)
	instance, err := finishing.Instantiate(store, module)
	mustNil(t, "Instantiate", err)
	returned := runCalls(t, store, instance, 3)
	wantError(t, finishedInside, wasmtimerr.ErrorKindInvalidArgument,
		"wasmtime_rr_store_finish: a recording or replay cannot be finished from inside one of its host functions")
	if len(refused) < 4 {
		t.Fatalf("%d re-entrant calls, want at least 4", len(refused))
	}
	for _, err := range refused {
		if !errors.Is(err, wasmtimerr.ErrInvalidArgument) || !strings.Contains(err.Error(), reentered) {
			t.Fatalf("a re-entrant call from the writer: got %v, want ErrInvalidArgument %q", err, reentered)
		}
	}
	w.reenter = nil
	mustNil(t, "Finish", store.Finish()) // the recording went on and ends well

	// Replayed from a reader that tries the same, a few bytes at a time.
	refused = nil
	source := bytes.NewReader(w.trace())
	var replayStore *wasmtimerr.Store
	rh := &host{}
	r, err := openReplay(t, rh, guestWAT, func() (*wasmtimerr.Replayer, error) {
		return wasmtimerr.NewReplayerReader(&reenteringReader{r: source, reenter: func() {
			if replayStore != nil {
				reenter(&replayStore)()
			}
		}})
	})
	mustNil(t, "Replay", err)
	replayStore = r.store
	replayedInstance, err := r.linker.Instantiate(r.store, r.module)
	mustNil(t, "replayed Instantiate", err)
	sameRuns(t, runCalls(t, r.store, replayedInstance, 3), returned)
	if len(refused) == 0 {
		t.Fatal("the reader was not called after the header")
	}
	for _, err := range refused {
		if !errors.Is(err, wasmtimerr.ErrInvalidArgument) || !strings.Contains(err.Error(), reentered) {
			t.Fatalf("a re-entrant call from the reader: got %v, want ErrInvalidArgument %q", err, reentered)
		}
	}
	replayStore = nil
	mustNil(t, "Finish of the replay", r.store.Finish())
	if rh.calls != 0 {
		t.Errorf("the host was called %d times during the replay", rh.calls)
	}
}

// reenteringReader reads at most 16 bytes at a time, calling reenter first.
type reenteringReader struct {
	r       io.Reader
	reenter func()
}

func (r *reenteringReader) Read(p []byte) (int, error) {
	r.reenter()
	if len(p) > 16 {
		p = p[:16]
	}
	return r.r.Read(p)
}
