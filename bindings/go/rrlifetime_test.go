package wasmtimerr_test

import (
	"bytes"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// TestCleanupsReleaseCallbacks forgets recorders, replayers, stores, linkers
// and modules without closing them and waits until the Go values behind
// their callbacks (writers, readers, host functions) are collected: that
// happens only when the binding's cleanup freed the native object, the
// library ran the callback's finalizer and the binding released its
// cgo.Handle.
func TestCleanupsReleaseCallbacks(t *testing.T) {
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	plain := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	var collected atomic.Int32
	track := func(p any) {
		switch v := p.(type) {
		case *bytes.Buffer:
			runtime.AddCleanup(v, func(*atomic.Int32) { collected.Add(1) }, &collected)
		case *bytes.Reader:
			runtime.AddCleanup(v, func(*atomic.Int32) { collected.Add(1) }, &collected)
		case *host:
			runtime.AddCleanup(v, func(*atomic.Int32) { collected.Add(1) }, &collected)
		case *wasmtimerr.Module:
			runtime.AddCleanup(v, func(*atomic.Int32) { collected.Add(1) }, &collected)
		default:
			panic(fmt.Sprintf("cannot track %T", p))
		}
	}
	const rounds = 20
	for range rounds {
		forgetRecorder(t, track)
		forgetReplayer(t, track)
		forgetRecordingStore(t, engine, track)
		forgetLinker(t, plain, track)
		forgetStoreWithFunc(t, plain, track)
		forgetModule(t, engine, track)
	}
	const want = rounds * 6
	deadline := time.Now().Add(30 * time.Second)
	for collected.Load() < want && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := collected.Load(); got != want {
		t.Fatalf("%d of %d callback values collected", got, want)
	}
}

func forgetRecorder(t *testing.T, track func(any)) {
	w := &bytes.Buffer{}
	track(w)
	_, err := wasmtimerr.NewRecorderWriter(w)
	mustNil(t, "NewRecorderWriter", err)
}

func forgetReplayer(t *testing.T, track func(any)) {
	r := bytes.NewReader([]byte("trace"))
	track(r)
	_, err := wasmtimerr.NewReplayerReader(r)
	mustNil(t, "NewReplayerReader", err)
}

func forgetRecordingStore(t *testing.T, engine *wasmtimerr.Engine, track func(any)) {
	w := &bytes.Buffer{}
	track(w)
	store, err := wasmtimerr.NewStore(engine)
	mustNil(t, "NewStore", err)
	recorder, err := wasmtimerr.NewRecorderWriter(w)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "Record", store.Record(recorder))
}

func forgetLinker(t *testing.T, engine *wasmtimerr.Engine, track func(any)) {
	h := &host{}
	track(h)
	linker, err := wasmtimerr.NewLinker(engine)
	mustNil(t, "NewLinker", err)
	mustNil(t, "DefineFunc", linker.DefineFunc("env", "now", nil, kinds(i64), h.fnNow))
}

func forgetStoreWithFunc(t *testing.T, engine *wasmtimerr.Engine, track func(any)) {
	h := &host{}
	track(h)
	store, err := wasmtimerr.NewStore(engine)
	mustNil(t, "NewStore", err)
	_, err = wasmtimerr.NewFunc(store, nil, kinds(i64), h.fnNow)
	mustNil(t, "NewFunc", err)
}

func forgetModule(t *testing.T, engine *wasmtimerr.Engine, track func(any)) {
	module, err := wasmtimerr.NewModule(engine, wasmOf(t, guestWAT))
	mustNil(t, "NewModule", err)
	track(module)
}

// TestParallelSessions records and replays independent sessions on many
// goroutines at once.
func TestParallelSessions(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			var trace bytes.Buffer
			recorded := recordSession(t, &host{}, writerTo(&trace), func(r *wasmtimerr.Recorder) error {
				return r.SetEventWindow(uint32(1 + i))
			})
			replayTwice(t, recorded, fromBytes(trace.Bytes()), fromBytes(trace.Bytes()))
		})
	}
}

// TestStoreMovesBetweenThreads records on one OS thread, calls the guest
// (and so the Go writer and host functions) on another, and finishes on a
// third: a store is for one goroutine at a time, not for one thread.
func TestStoreMovesBetweenThreads(t *testing.T) {
	onOtherThread := func(f func() error) error {
		done := make(chan error)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			done <- f()
		}()
		return <-done
	}
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	h := &host{}
	linker := h.linker(t, engine)
	module := newModule(t, engine, guestWAT)
	store := newStore(t, engine)
	var trace bytes.Buffer
	recorder, err := wasmtimerr.NewRecorderWriter(&trace)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "SetEventWindow", recorder.SetEventWindow(1))
	mustNil(t, "Record", onOtherThread(func() error { return store.Record(recorder) }))
	var recorded session
	mustNil(t, "script", onOtherThread(func() (err error) {
		recorded, err = script(store, linker, module)
		return err
	}))
	mustNil(t, "Finish", onOtherThread(store.Finish))
	checkRecorded(t, recorded, h)
	replayTwice(t, recorded, fromBytes(trace.Bytes()))
}
