package wasmtimerr_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// replayTwice replays a recorded session twice, each time on a fresh
// replaying engine and store, and checks that both replays observe exactly
// what was recorded without calling the host functions.
func replayTwice(t *testing.T, recorded session, sources ...func() (*wasmtimerr.Replayer, error)) {
	t.Helper()
	for round, source := range sources {
		h := &host{}
		r, err := openReplay(t, h, guestWAT, source)
		mustNil(t, fmt.Sprint("Replay, round ", round), err)
		replayed, err := script(r.store, r.linker, r.module)
		mustNil(t, fmt.Sprint("replayed script, round ", round), err)
		mustNil(t, fmt.Sprint("Finish, round ", round), r.store.Finish())
		checkSame(t, recorded, replayed)
		if h.calls != 0 {
			t.Errorf("round %d: the host functions were called %d times during replay", round, h.calls)
		}
	}
}

func TestRecordToWriterAndReplayTwice(t *testing.T) {
	settings := []struct {
		name  string
		setup func(*wasmtimerr.Recorder) error
	}{
		{"defaults", nil},
		{"validation, digest, window 1", func(r *wasmtimerr.Recorder) error {
			return firstErr(r.SetValidation(true), r.SetMemoryDigest(true), r.SetEventWindow(1))
		}},
		{"window 4096", func(r *wasmtimerr.Recorder) error { return r.SetEventWindow(4096) }},
	}
	for _, tc := range settings {
		t.Run(tc.name, func(t *testing.T) {
			var trace bytes.Buffer
			h := &host{}
			recorded := recordSession(t, h, func() (*wasmtimerr.Recorder, error) {
				return wasmtimerr.NewRecorderWriter(&trace)
			}, tc.setup)
			if trace.Len() == 0 {
				t.Fatal("the writer received no trace")
			}
			data := bytes.Clone(trace.Bytes())
			replayTwice(t, recorded, fromBytes(data), func() (*wasmtimerr.Replayer, error) {
				// One byte per Read: the library must cope with short reads.
				return wasmtimerr.NewReplayerReader(iotest.OneByteReader(bytes.NewReader(data)))
			})
			if h.calls != hostCallsPerSession {
				t.Errorf("host calls after recording and replays = %d, want %d", h.calls, hostCallsPerSession)
			}
		})
	}
}

func TestRecordToFileAndReplayTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.wrr")
	h := &host{}
	recorded := recordSession(t, h, func() (*wasmtimerr.Recorder, error) {
		return wasmtimerr.NewRecorderFile(path)
	}, nil)
	info, err := os.Stat(path)
	mustNil(t, "Stat", err)
	if info.Size() == 0 {
		t.Fatal("the trace file is empty")
	}
	fromFile := func() (*wasmtimerr.Replayer, error) { return wasmtimerr.NewReplayerFile(path) }
	replayTwice(t, recorded, fromFile, fromFile)
}

func TestRecordingsOfANondeterministicHostDiffer(t *testing.T) {
	// The host's clock and random source differ on every run, so identical
	// replays show that the trace, not the host, supplied the values.
	var a, b bytes.Buffer
	sa := recordSession(t, &host{}, writerTo(&a), nil)
	sb := recordSession(t, &host{}, writerTo(&b), nil)
	if bytes.Equal(a.Bytes(), b.Bytes()) || sameValues(sa.run[0], sb.run[0]) {
		t.Fatal("two recordings of a nondeterministic host gave the same trace or results")
	}
}

// writerTo returns a recorder constructor over a writer.
func writerTo(w io.Writer) func() (*wasmtimerr.Recorder, error) {
	return func() (*wasmtimerr.Recorder, error) { return wasmtimerr.NewRecorderWriter(w) }
}

// recordTrace records the script into memory and returns the trace.
func recordTrace(t *testing.T, setup func(*wasmtimerr.Recorder) error) []byte {
	t.Helper()
	var trace bytes.Buffer
	recordSession(t, &host{}, writerTo(&trace), setup)
	return trace.Bytes()
}

func TestReplayAnotherModuleBuild(t *testing.T) {
	trace := recordTrace(t, nil)
	h := &host{}
	r, err := openReplay(t, h, otherBuildWAT, fromBytes(trace))
	mustNil(t, "Replay", err)
	recorded, built := sha256Hex(wasmOf(t, guestWAT)), sha256Hex(wasmOf(t, otherBuildWAT))
	if recorded == built {
		t.Fatal("the two builds have the same checksum")
	}
	mismatch := "replay diverged at event #0: the trace instantiates a module with sha256 " + recorded +
		", but this module has sha256 " + built
	_, err = r.linker.Instantiate(r.store, r.module)
	wantError(t, err, wasmtimerr.ErrorKindModuleMismatch, "wasmtime_rr_linker_instantiate: "+mismatch)
	if !errors.Is(err, wasmtimerr.ErrModuleMismatch) {
		t.Fatal("errors.Is(err, ErrModuleMismatch) = false")
	}
	// The session stays failed: Finish reports the same.
	wantError(t, r.store.Finish(), wasmtimerr.ErrorKindModuleMismatch, "wasmtime_rr_store_finish: "+mismatch)
	if h.calls != 0 {
		t.Errorf("host called %d times", h.calls)
	}
}

// The script's events (docs/trace-format.md): #0 instantiate, #1 its return,
// #2 define export run, #3 the first call of run, then its host calls with
// their import definitions (#4-#9) and return (#10); the second run (#11-#15),
// trap(1) (#16-#18), trap(0) (#19-#20) and boom (#21-#25); the end marker
// comes after 26 events.

func TestReplayDivergences(t *testing.T) {
	trace := recordTrace(t, func(r *wasmtimerr.Recorder) error { return r.SetValidation(true) })
	cases := []struct {
		name    string
		act     func(r replaying, instance *wasmtimerr.Instance) error
		message string
	}{
		{"another export", func(r replaying, instance *wasmtimerr.Instance) error {
			_, err := instance.Call(r.store, "trap", wasmtimerr.ValI32(0))
			return err
		}, "wasmtime_rr_func_call: replay diverged at event #3: expected a call of export `run` of instance #0, " +
			"but the program calls `trap` of instance #0"},
		{"other arguments", func(r replaying, instance *wasmtimerr.Instance) error {
			_, err := instance.Call(r.store, "run", wasmtimerr.ValI32(6))
			return err
		}, "wasmtime_rr_func_call: replay diverged at event #3: export `run` was called with (i32:5), but now with (i32:6)"},
		{"stopping early", func(r replaying, _ *wasmtimerr.Instance) error {
			return r.store.Finish()
		}, "wasmtime_rr_store_finish: replay diverged at event #3: the replay finished, but the trace has more: " +
			"call of export `run` of instance #0 with (i32:5)"},
		{"going past the end", func(r replaying, instance *wasmtimerr.Instance) error {
			var s session
			mustNil(t, "the whole script", s.calls(r.store, instance))
			_, err := r.linker.Instantiate(r.store, r.module)
			return err
		}, "wasmtime_rr_linker_instantiate: replay diverged at event #"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &host{}
			r, err := openReplay(t, h, guestWAT, fromBytes(trace))
			mustNil(t, "Replay", err)
			instance, err := r.linker.Instantiate(r.store, r.module)
			mustNil(t, "Instantiate", err)
			err = tc.act(r, instance)
			wantErrorPrefix(t, err, wasmtimerr.ErrorKindDivergence, tc.message)
			if !errors.Is(err, wasmtimerr.ErrDivergence) {
				t.Fatal("errors.Is(err, ErrDivergence) = false")
			}
			if tc.name != "stopping early" {
				// Sticky: Finish reports the same divergence.
				wantErrorPrefix(t, r.store.Finish(), wasmtimerr.ErrorKindDivergence,
					"wasmtime_rr_store_finish: replay diverged at event #")
			}
			if h.calls != 0 {
				t.Errorf("host called %d times", h.calls)
			}
		})
	}
}

func TestReplayPastTheEndMessage(t *testing.T) {
	trace := recordTrace(t, nil)
	r, err := openReplay(t, &host{}, guestWAT, fromBytes(trace))
	mustNil(t, "Replay", err)
	_, err = script(r.store, r.linker, r.module)
	mustNil(t, "script", err)
	_, err = r.linker.Instantiate(r.store, r.module)
	wantError(t, err, wasmtimerr.ErrorKindDivergence, "wasmtime_rr_linker_instantiate: replay diverged at event #26: "+
		"expected the end of the trace, but the program instantiates a module")
}

func TestBadTraces(t *testing.T) {
	trace := recordTrace(t, func(r *wasmtimerr.Recorder) error { return r.SetEventWindow(4) })

	t.Run("truncated", func(t *testing.T) {
		for cut := 0; cut < len(trace); cut += 1 + len(trace)/40 {
			h := &host{}
			r, err := openReplay(t, h, guestWAT, fromBytes(trace[:cut]))
			if err == nil {
				script(r.store, r.linker, r.module) // fails somewhere; Finish reports it
				err = r.store.Finish()
			}
			var e *wasmtimerr.Error
			if !errors.Is(err, wasmtimerr.ErrTraceFormat) || !errors.As(err, &e) {
				t.Fatalf("cut at %d of %d: got %v, want ErrTraceFormat", cut, len(trace), err)
			}
			if h.calls != 0 {
				t.Fatalf("cut at %d: host called %d times", cut, h.calls)
			}
		}
	})

	t.Run("empty", func(t *testing.T) {
		_, err := openReplay(t, &host{}, guestWAT, fromBytes(nil))
		wantError(t, err, wasmtimerr.ErrorKindTraceFormat, "wasmtime_rr_store_replay: truncated trace: it ends inside the header")
	})

	t.Run("corrupted frame", func(t *testing.T) {
		// A byte of the first frame's events: the instantiation reads it.
		corrupt := bytes.Clone(trace)
		corrupt[firstEventOffset(trace)+1] ^= 0x40
		r, err := openReplay(t, &host{}, guestWAT, fromBytes(corrupt))
		mustNil(t, "Replay", err)
		_, err = script(r.store, r.linker, r.module)
		wantErrorPrefix(t, err, wasmtimerr.ErrorKindTraceFormat,
			"wasmtime_rr_linker_instantiate: corrupted trace: checksum mismatch in frame #0 ")
		wantErrorPrefix(t, r.store.Finish(), wasmtimerr.ErrorKindTraceFormat,
			"wasmtime_rr_store_finish: corrupted trace: checksum mismatch in frame #0 ")
	})

	t.Run("corrupted last frame", func(t *testing.T) {
		// The last frame holds the end marker: every call replays, and Finish
		// finds the damage (here in the frame's CRC, the last 4 bytes).
		corrupt := bytes.Clone(trace)
		corrupt[len(corrupt)-3] ^= 0x40
		h := &host{}
		r, err := openReplay(t, h, guestWAT, fromBytes(corrupt))
		mustNil(t, "Replay", err)
		_, err = script(r.store, r.linker, r.module)
		mustNil(t, "script", err)
		wantErrorPrefix(t, r.store.Finish(), wasmtimerr.ErrorKindTraceFormat,
			"wasmtime_rr_store_finish: corrupted trace: checksum mismatch in frame #")
		if h.calls != 0 {
			t.Errorf("host called %d times", h.calls)
		}
	})

	t.Run("unsupported format version", func(t *testing.T) {
		if trace[8] != 2 {
			t.Fatalf("format version %d written, want 2", trace[8])
		}
		future := bytes.Clone(trace)
		future[8] = 3
		_, err := openReplay(t, &host{}, guestWAT, fromBytes(future))
		wantError(t, err, wasmtimerr.ErrorKindTraceFormat,
			"wasmtime_rr_store_replay: trace format version 3 is not supported (this library reads versions 1 to 2)")
	})

	t.Run("not a trace", func(t *testing.T) {
		junk := bytes.Clone(trace)
		copy(junk, "not a trace")
		_, err := openReplay(t, &host{}, guestWAT, fromBytes(junk))
		wantError(t, err, wasmtimerr.ErrorKindTraceFormat, "wasmtime_rr_store_replay: not a wasmtime-rr trace (bad magic bytes)")
	})
}

func TestTraceIOErrors(t *testing.T) {
	t.Run("unwritable path", func(t *testing.T) {
		recorder, err := wasmtimerr.NewRecorderFile("/nonexistent-dir/trace.wrr")
		if recorder != nil {
			t.Error("NewRecorderFile returned a recorder with an error")
		}
		wantError(t, err, wasmtimerr.ErrorKindTraceIO, "wasmtime_rr_recorder_new_file: cannot create trace file "+
			"/nonexistent-dir/trace.wrr: No such file or directory (os error 2)")
		dir := t.TempDir() // a directory is not a writable file
		_, err = wasmtimerr.NewRecorderFile(dir)
		wantErrorPrefix(t, err, wasmtimerr.ErrorKindTraceIO, "wasmtime_rr_recorder_new_file: cannot create trace file "+dir+": ")
	})

	t.Run("missing file", func(t *testing.T) {
		replayer, err := wasmtimerr.NewReplayerFile("/nonexistent-dir/trace.wrr")
		if replayer != nil {
			t.Error("NewReplayerFile returned a replayer with an error")
		}
		wantError(t, err, wasmtimerr.ErrorKindTraceIO, "wasmtime_rr_replayer_new_file: cannot open trace file "+
			"/nonexistent-dir/trace.wrr: No such file or directory (os error 2)")
	})

	t.Run("NUL in path", func(t *testing.T) {
		_, err := wasmtimerr.NewRecorderFile("a\x00b")
		wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, `wasmtimerr: path "a\x00b" contains a NUL byte at offset 1`)
		_, err = wasmtimerr.NewReplayerFile("a\x00b")
		wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, `wasmtimerr: path "a\x00b" contains a NUL byte at offset 1`)
	})

	diskFull := errors.New("disk full")
	writerCases := []struct {
		name    string
		w       io.Writer
		window  uint32
		at      string // "record" or "instantiate"
		message string
		cause   error
	}{
		{"fails at the header", &failingWriter{err: diskFull}, 16, "record",
			"wasmtime_rr_store_record: the trace write callback reported a failure: disk full", diskFull},
		{"fails after the header", &failingWriter{okWrites: 1, err: diskFull}, 1, "instantiate",
			"wasmtime_rr_linker_instantiate: the trace write callback reported a failure: disk full", diskFull},
		{"short write", &failingWriter{short: true}, 16, "record",
			"wasmtime_rr_store_record: the trace write callback reported a failure: short write", io.ErrShortWrite},
		{"panics", &failingWriter{panics: true}, 16, "record",
			"wasmtime_rr_store_record: the trace write callback reported a failure: io.Writer panicked: boom", nil},
	}
	for _, tc := range writerCases {
		t.Run("writer "+tc.name, func(t *testing.T) {
			engine := rrEngine(t, wasmtimerr.ModeRecording)
			module := newModule(t, engine, guestWAT)
			h := &host{}
			linker := h.linker(t, engine)
			store := newStore(t, engine)
			recorder, err := wasmtimerr.NewRecorderWriter(tc.w)
			mustNil(t, "NewRecorderWriter", err)
			mustNil(t, "SetEventWindow", recorder.SetEventWindow(tc.window))
			// Every frame is handed over as soon as it is sealed, so the
			// writer's failure comes from the call that sealed it.
			mustNil(t, "SetFlushBytes", recorder.SetFlushBytes(0))
			err = store.Record(recorder)
			if tc.at == "instantiate" {
				mustNil(t, "Record", err)
				_, err = linker.Instantiate(store, module)
			}
			checkTraceIO(t, err, tc.message, tc.cause)
			if tc.at == "instantiate" {
				// The failure is sticky; Finish reports it and releases the session.
				checkTraceIO(t, store.Finish(), "wasmtime_rr_store_finish: the trace write callback reported a failure: disk full", tc.cause)
			}
			wantError(t, store.Finish(), wasmtimerr.ErrorKindInvalidArgument,
				"wasmtime_rr_store_finish: this store has no recorder or replayer attached")
		})
	}

	network := errors.New("connection reset")
	t.Run("reader fails at once", func(t *testing.T) {
		_, err := openReplay(t, &host{}, guestWAT, func() (*wasmtimerr.Replayer, error) {
			return wasmtimerr.NewReplayerReader(iotest.ErrReader(network))
		})
		checkTraceIO(t, err, "wasmtime_rr_store_replay: reading the trace failed: the trace read callback reported a failure: connection reset", network)
	})

	trace := recordTrace(t, func(r *wasmtimerr.Recorder) error { return r.SetEventWindow(1) })
	t.Run("reader fails midway", func(t *testing.T) {
		r, err := openReplay(t, &host{}, guestWAT, func() (*wasmtimerr.Replayer, error) {
			return wasmtimerr.NewReplayerReader(io.MultiReader(bytes.NewReader(trace[:len(trace)/2]), iotest.ErrReader(network)))
		})
		mustNil(t, "Replay", err)
		_, err = script(r.store, r.linker, r.module)
		checkTraceIO(t, err, "wasmtime_rr_func_call: reading the trace failed: the trace read callback reported a failure: connection reset", network)
	})
	t.Run("reader returns data with an error", func(t *testing.T) {
		r, err := openReplay(t, &host{}, guestWAT, func() (*wasmtimerr.Replayer, error) {
			return wasmtimerr.NewReplayerReader(&dataErrReader{data: trace, err: network})
		})
		mustNil(t, "Replay", err)
		// The data is used; the error is reported at the next read, when the
		// replay asks for more than the trace had.
		_, err = script(r.store, r.linker, r.module)
		mustNil(t, "script", err)
		checkTraceIO(t, r.store.Finish(), "wasmtime_rr_store_finish: reading the trace failed: the trace read callback reported a failure: connection reset", network)
	})
	t.Run("reader makes no progress", func(t *testing.T) {
		_, err := openReplay(t, &host{}, guestWAT, func() (*wasmtimerr.Replayer, error) {
			return wasmtimerr.NewReplayerReader(emptyReader{})
		})
		checkTraceIO(t, err, "wasmtime_rr_store_replay: reading the trace failed: the trace read callback reported a failure: multiple Read calls return no data or error", io.ErrNoProgress)
	})
}

// checkTraceIO checks an ErrTraceIO error whose message is the library's plus
// the Go writer's or reader's error, which errors.Is also finds.
func checkTraceIO(t *testing.T, err error, message string, cause error) {
	t.Helper()
	if err == nil || err.Error() != message {
		t.Fatalf("got %q, want %q", err, message)
	}
	if !errors.Is(err, wasmtimerr.ErrTraceIO) {
		t.Errorf("errors.Is(%q, ErrTraceIO) = false", err)
	}
	for _, s := range allSentinels {
		if s.kind != wasmtimerr.ErrorKindTraceIO && errors.Is(err, s.sentinel) {
			t.Errorf("errors.Is(%q, %s) = true", err, s.kind)
		}
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Errorf("errors.Is(%q, %q) = false", err, cause)
	}
	var e *wasmtimerr.Error
	if !errors.As(err, &e) || e.Kind != wasmtimerr.ErrorKindTraceIO {
		t.Errorf("errors.As(%q, *Error) gives %v", err, e)
	}
}

// failingWriter accepts okWrites writes, then fails with err, writes short or
// panics.
type failingWriter struct {
	okWrites int
	err      error
	short    bool
	panics   bool
}

func (w *failingWriter) Write(p []byte) (int, error) {
	switch {
	case w.okWrites > 0:
		w.okWrites--
		return len(p), nil
	case w.panics:
		panic("boom")
	case w.short:
		return len(p) / 2, nil
	default:
		return 0, w.err
	}
}

// dataErrReader returns all its data together with an error, as io.Reader
// allows.
type dataErrReader struct {
	data []byte
	err  error
}

func (r *dataErrReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	if len(r.data) == 0 {
		return n, r.err
	}
	return n, nil
}

// emptyReader never returns data nor an error.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// acceptFirst accepts its first n writes and fails every later one.
type acceptFirst struct {
	n        int
	writes   int
	accepted bytes.Buffer
	err      error
}

func (w *acceptFirst) Write(p []byte) (int, error) {
	if w.writes == w.n {
		return 0, w.err
	}
	w.writes++
	return w.accepted.Write(p)
}

// TestAcknowledgedPrefixReplaysUpToTheWriteFailure: the writer refuses its
// 31st write (one event per write: window 1, and flush bytes 0 hand every
// frame over as soon as it is sealed). The recording reports the failure from
// the call whose events could not be written and again from Finish; what
// the writer accepted replays: every call that returned gives the same
// results, then the replay stops with "truncated trace".
func TestAcknowledgedPrefixReplaysUpToTheWriteFailure(t *testing.T) {
	w := &acceptFirst{n: 30, err: errors.New("disk full")}
	h := &host{}
	engine := rrEngine(t, wasmtimerr.ModeRecording)
	module := newModule(t, engine, guestWAT)
	linker := h.linker(t, engine)
	store := newStore(t, engine)
	recorder, err := wasmtimerr.NewRecorderWriter(w)
	mustNil(t, "NewRecorderWriter", err)
	mustNil(t, "SetEventWindow", recorder.SetEventWindow(1))
	mustNil(t, "SetFlushBytes", recorder.SetFlushBytes(0))
	mustNil(t, "Record", store.Record(recorder))
	instance, err := linker.Instantiate(store, module)
	mustNil(t, "Instantiate", err)
	var returned [][]wasmtimerr.Value
	for x := int32(0); x < 100 && err == nil; x++ {
		var results []wasmtimerr.Value
		if results, err = instance.Call(store, "run", wasmtimerr.ValI32(x)); err == nil {
			returned = append(returned, results)
		}
	}
	checkTraceIO(t, err, "wasmtime_rr_func_call: the trace write callback reported a failure: disk full", w.err)
	checkTraceIO(t, store.Finish(), "wasmtime_rr_store_finish: the trace write callback reported a failure: disk full", w.err)
	if len(returned) == 0 || w.writes != 30 {
		t.Fatalf("%d calls returned, %d writes accepted; want some calls and 30 writes", len(returned), w.writes)
	}

	replayHost := &host{}
	r, err := openReplay(t, replayHost, guestWAT, fromBytes(w.accepted.Bytes()))
	mustNil(t, "Replay", err)
	replayed, err := r.linker.Instantiate(r.store, r.module)
	mustNil(t, "replayed Instantiate", err)
	for x, want := range returned {
		got, err := replayed.Call(r.store, "run", wasmtimerr.ValI32(int32(x)))
		mustNil(t, fmt.Sprint("replayed run ", x), err)
		if !sameValues(got, want) {
			t.Fatalf("replayed run %d = %v, recorded %v", x, got, want)
		}
	}
	_, err = replayed.Call(r.store, "run", wasmtimerr.ValI32(int32(len(returned))))
	wantErrorPrefix(t, err, wasmtimerr.ErrorKindTraceFormat, "wasmtime_rr_func_call: truncated trace")
	if replayHost.calls != 0 {
		t.Errorf("the host was called %d times during the replay", replayHost.calls)
	}
}
