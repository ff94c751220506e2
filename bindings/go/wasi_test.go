package wasmtimerr_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// TestWasiRecordReplay records the C and the Go guest with files, stdin, a
// preopened folder, arguments and an environment variable, deletes the
// folder and stdin, and replays each one in child processes: twice with
// echo (once with the recorded arguments and environment configured, once
// with no WASI context at all), which must print exactly what the recording
// printed and exit with 7, and once without echo, which must print nothing.
func TestWasiRecordReplay(t *testing.T) {
	for _, guest := range []string{"guest-c.wasm", "guest-go.wasm"} {
		t.Run(guest, func(t *testing.T) {
			rec := recordGuest(t, guest)
			spec := helperSpec{Wasm: wasiGuest(t, guest), Trace: rec.trace}
			for _, replay := range []struct {
				name string
				echo bool
				wasi bool
			}{
				{"echo, recorded argv and env", true, true},
				{"echo, no WASI context", true, false},
				{"no echo", false, false},
			} {
				spec.Echo, spec.Wasi = replay.echo, replay.wasi
				spec.Argv, spec.Env = guestArgv, [][]string{{"GUEST_NAME", "rr"}}
				stdout, stderr, res := replayInChild(t, spec)
				if !res.Exited || res.Code != guestExit || res.RunError != "" || res.Finish != "" {
					t.Errorf("%s: exited %v with %d, run error %q, Finish error %q; want exit %d and no error",
						replay.name, res.Exited, res.Code, res.RunError, res.Finish, guestExit)
				}
				wantOut, wantErr := rec.stdout, rec.stderr
				if !replay.echo {
					wantOut, wantErr = nil, nil
				}
				if !bytes.Equal(stdout, wantOut) {
					t.Errorf("%s: stdout\n%s\nwant\n%s", replay.name, stdout, wantOut)
				}
				if !bytes.Equal(stderr, wantErr) {
					t.Errorf("%s: stderr %q, want %q", replay.name, stderr, wantErr)
				}
			}
		})
	}
}

// replayGuest replays a recording in this process without echo, with the
// module in wasm and the WASI context cfg (nil for none), and returns the
// run's and Finish's errors.
func replayGuest(t *testing.T, wasm, trace []byte, cfg *wasmtimerr.WasiConfig) (run, finish error) {
	t.Helper()
	engine, err := wasiEngine(wasmtimerr.ModeReplaying)
	mustNil(t, "replaying engine", err)
	defer engine.Close()
	return wasiSession(engine, wasm, func(s *wasmtimerr.Store) error {
		replayer, err := wasmtimerr.NewReplayerBytes(trace)
		if err != nil {
			return err
		}
		return s.Replay(replayer)
	}, cfg)
}

// TestWasiReplayDivergence replays a recording of the C guest with another
// build of it, other arguments, another environment and damaged traces.
func TestWasiReplayDivergence(t *testing.T) {
	rec := recordGuest(t, "guest-c.wasm")
	wasm := readWasm(t, "guest-c.wasm")
	trace, err := os.ReadFile(rec.trace)
	mustNil(t, "reading the trace", err)

	t.Run("as recorded", func(t *testing.T) {
		run, finish := replayGuest(t, wasm, trace, guestWasi(t, guestArgv, "rr", nil))
		if code := exitCode(t, "replay", run); code != guestExit {
			t.Fatalf("exit status %d, want %d", code, guestExit)
		}
		if !errors.Is(run, wasmtimerr.ErrWasmtime) || !strings.Contains(run.Error(), "Exited with i32 exit status 7") {
			t.Errorf("replayed exit: %v", run)
		}
		mustNil(t, "Finish", finish)
	})

	t.Run("another build", func(t *testing.T) {
		other := readWasm(t, "guest-c-other.wasm")
		run, finish := replayGuest(t, other, trace, nil)
		wantErrorPrefix(t, run, wasmtimerr.ErrorKindModuleMismatch, "wasmtime_rr_linker_instantiate: ")
		if want := "the trace instantiates a module with sha256 " + sha256Hex(wasm) + ", but this module has sha256 " +
			sha256Hex(other); !strings.Contains(run.Error(), want) {
			t.Errorf("mismatch message %q does not say %q", run, want)
		}
		if !errors.Is(finish, wasmtimerr.ErrModuleMismatch) {
			t.Errorf("Finish after the mismatch: %v", finish)
		}
	})

	t.Run("other arguments", func(t *testing.T) {
		run, finish := replayGuest(t, wasm, trace, guestWasi(t, []string{"guest", "alpha", "gamma"}, "rr", nil))
		wantErrorPrefix(t, run, wasmtimerr.ErrorKindDivergence, "wasmtime_rr_func_call: replay diverged at event #")
		if want := `: the replaying host configured other arguments than the recording had: recorded 3 strings of 17 bytes, ` +
			`now "guest alpha gamma"`; !strings.HasSuffix(run.Error(), want) {
			t.Errorf("divergence message %q does not end with %q", run, want)
		}
		// The divergence is sticky.
		wantErrorPrefix(t, finish, wasmtimerr.ErrorKindDivergence, "wasmtime_rr_store_finish: replay diverged at event #")
	})

	t.Run("other environment", func(t *testing.T) {
		run, finish := replayGuest(t, wasm, trace, guestWasi(t, guestArgv, "someone else", nil))
		wantErrorPrefix(t, run, wasmtimerr.ErrorKindDivergence, "wasmtime_rr_func_call: replay diverged at event #")
		if !strings.Contains(run.Error(), "environment") {
			t.Errorf("divergence message %q does not name the environment", run)
		}
		wantErrorPrefix(t, finish, wasmtimerr.ErrorKindDivergence, "wasmtime_rr_store_finish: ")
	})

	t.Run("tampered trace", func(t *testing.T) {
		// A byte of the first frame's events: the instantiation reads it.
		tampered := bytes.Clone(trace)
		tampered[firstEventOffset(trace)+1] ^= 0x5a
		run, finish := replayGuest(t, wasm, tampered, nil)
		wantErrorPrefix(t, run, wasmtimerr.ErrorKindTraceFormat,
			"wasmtime_rr_linker_instantiate: corrupted trace: checksum mismatch in frame #0 ")
		wantErrorPrefix(t, finish, wasmtimerr.ErrorKindTraceFormat, "wasmtime_rr_store_finish: corrupted trace: ")
		// The last frame's CRC (its last 4 bytes): that frame holds the end
		// marker, so the guest's calls replay (it exits with its status), and
		// Finish finds the damage.
		tampered = bytes.Clone(trace)
		tampered[len(trace)-3] ^= 0x5a
		run, finish = replayGuest(t, wasm, tampered, nil)
		if code := exitCode(t, "replay", run); code != guestExit {
			t.Fatalf("exit status %d, want %d", code, guestExit)
		}
		wantErrorPrefix(t, finish, wasmtimerr.ErrorKindTraceFormat,
			"wasmtime_rr_store_finish: corrupted trace: checksum mismatch in frame #")
		run, _ = replayGuest(t, wasm, trace[:len(trace)*2/3], nil)
		wantErrorPrefix(t, run, wasmtimerr.ErrorKindTraceFormat, "")
	})
}

// runPlain runs the C guest on an engine that neither records nor replays,
// with a deterministic random source and clocks, stdin from bytes and stdout
// to a file, and returns its stdout.
func runPlain(t *testing.T, seed uint64) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustNil(t, "Mkdir", os.Mkdir(data, 0o755))
	mustNil(t, "WriteFile", os.WriteFile(filepath.Join(data, "input.txt"), []byte("fixed\n"), 0o644))
	stdout := filepath.Join(dir, "stdout")
	cfg := guestWasi(t, []string{"guest", "one"}, "plain", func(c *wasmtimerr.WasiConfig) error {
		return errors.Join(c.SetRandomSeed(seed), c.SetWallClock(1_700_000_000_000_000_000, 1_000),
			c.SetMonotonicClock(5_000, 250), c.SetStdinBytes([]byte("in\n")), c.SetStdoutFile(stdout),
			c.PreopenDir(data, "/data", false))
	})
	engine, err := wasiEngine(wasmtimerr.ModeNone)
	mustNil(t, "engine", err)
	defer engine.Close()
	run, finish := wasiSession(engine, readWasm(t, "guest-c.wasm"), nil, cfg)
	if code := exitCode(t, "plain run", run); code != guestExit {
		t.Fatalf("exit status %d, want %d", code, guestExit)
	}
	mustNil(t, "Finish (nothing attached)", finish)
	out, err := os.ReadFile(stdout)
	mustNil(t, "reading stdout", err)
	return string(out)
}

// TestWasiDeterministic runs the guest twice with the same seed and virtual
// clocks (same output) and once with another seed (another random line).
func TestWasiDeterministic(t *testing.T) {
	first, second, other := runPlain(t, 42), runPlain(t, 42), runPlain(t, 43)
	if first != second {
		t.Fatalf("same seed and clocks, different output:\n%s\n%s", first, second)
	}
	a := checkReport(t, first, "one", "plain", "in\n", "fixed\n")
	b := checkReport(t, other, "one", "plain", "in\n", "fixed\n")
	if a["realtime_ns"] != "1700000000000000000" || a["monotonic_ns"] != "5000" {
		t.Errorf("clocks read realtime %s, monotonic %s; want 1700000000000000000 and 5000", a["realtime_ns"], a["monotonic_ns"])
	}
	if a["random"] == b["random"] {
		t.Errorf("seeds 42 and 43 gave the same random bytes %s", a["random"])
	}
	for key, value := range a {
		if key != "random" && b[key] != value {
			t.Errorf("another seed changed %s: %q, then %q", key, value, b[key])
		}
	}
}

// wasiNullErrors checks that Wasmtime's own setters refuse a nil,
// closed or consumed WasiConfig with the binding's error, and the library's
// setters with the library's.
func wasiNullErrors(t *testing.T, cfg *wasmtimerr.WasiConfig) {
	t.Helper()
	stock := func(method string) string {
		return "wasmtimerr: WasiConfig." + method + ": the WasiConfig is nil, closed or consumed"
	}
	for _, c := range []struct {
		method string
		err    error
	}{
		{"SetArgv", cfg.SetArgv([]string{"a"})},
		{"InheritArgv", cfg.InheritArgv()},
		{"SetEnv", cfg.SetEnv(nil, nil)},
		{"InheritEnv", cfg.InheritEnv()},
		{"SetStdinFile", cfg.SetStdinFile("/dev/null")},
		{"SetStdinBytes", cfg.SetStdinBytes([]byte("x"))},
		{"InheritStdin", cfg.InheritStdin()},
		{"SetStdoutFile", cfg.SetStdoutFile("/dev/null")},
		{"InheritStdout", cfg.InheritStdout()},
		{"SetStderrFile", cfg.SetStderrFile("/dev/null")},
		{"InheritStderr", cfg.InheritStderr()},
		{"PreopenDir", cfg.PreopenDir(".", "/", false)},
	} {
		wantError(t, c.err, wasmtimerr.ErrorKindNullArgument, stock(c.method))
	}
	null := func(function string) string { return function + ": argument `config` is NULL" }
	wantError(t, cfg.SetRandomSeed(1), wasmtimerr.ErrorKindNullArgument, null("wasi_config_random_seed_set"))
	wantError(t, cfg.SetWallClock(1, 1), wasmtimerr.ErrorKindNullArgument, null("wasi_config_wall_clock_set"))
	wantError(t, cfg.SetMonotonicClock(1, 1), wasmtimerr.ErrorKindNullArgument, null("wasi_config_monotonic_clock_set"))
	if cfg.Ptr() != nil {
		t.Error("Ptr() of a nil, closed or consumed WasiConfig is not nil")
	}
	mustNil(t, "Close", cfg.Close())
}

// TestWasiMisuse checks the errors of misused WASI objects: nil, closed and
// consumed receivers, bad arguments, and failed SetWasi calls leaving the
// configuration with the caller.
func TestWasiMisuse(t *testing.T) {
	t.Run("nil and closed WasiConfig", func(t *testing.T) {
		wasiNullErrors(t, nil)
		cfg := wasmtimerr.NewWasiConfig()
		if cfg.Ptr() == nil {
			t.Fatal("a new WasiConfig has no native pointer")
		}
		mustNil(t, "Close", cfg.Close())
		mustNil(t, "second Close", cfg.Close())
		wasiNullErrors(t, cfg)
	})

	t.Run("consumed WasiConfig", func(t *testing.T) {
		store := newStore(t, newEngine(t, func(*wasmtimerr.Config) error { return nil }))
		cfg := wasmtimerr.NewWasiConfig()
		mustNil(t, "SetWasi", store.SetWasi(cfg))
		wasiNullErrors(t, cfg)
		// A consumed config is NULL for SetWasi too.
		wantError(t, store.SetWasi(cfg), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_context_set_wasi: argument `wasi` is NULL")
		wantError(t, store.SetWasi(nil), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_context_set_wasi: argument `wasi` is NULL")
	})

	t.Run("SetWasi failing keeps the WasiConfig", func(t *testing.T) {
		engine := rrEngine(t, wasmtimerr.ModeRecording)
		cfg := wasmtimerr.NewWasiConfig()
		defer cfg.Close()
		mustNil(t, "SetArgv", cfg.SetArgv([]string{"x"}))
		var nilStore *wasmtimerr.Store
		wantError(t, nilStore.SetWasi(cfg), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_context_set_wasi: argument `context` is NULL")
		closed := newStore(t, engine)
		mustNil(t, "Close", closed.Close())
		wantError(t, closed.SetWasi(cfg), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_context_set_wasi: argument `context` is NULL")
		if cfg.Ptr() == nil {
			t.Fatal("a failed SetWasi consumed the WasiConfig")
		}
		mustNil(t, "SetRandomSeed after the failures", cfg.SetRandomSeed(7))
		mustNil(t, "SetWasi on a live store", newStore(t, engine).SetWasi(cfg))
		if cfg.Ptr() != nil {
			t.Fatal("SetWasi did not consume the WasiConfig")
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		cfg := wasmtimerr.NewWasiConfig()
		defer cfg.Close()
		wantError(t, cfg.SetArgv([]string{"ok", "a\x00b"}), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.SetArgv: argument 1 "a\x00b" contains a NUL byte at offset 1`)
		wantError(t, cfg.SetArgv([]string{"\xff"}), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.SetArgv: argument 0 "\xff" is not valid UTF-8`)
		wantError(t, cfg.SetEnv([]string{"A", "B"}, []string{"1"}), wasmtimerr.ErrorKindInvalidArgument,
			"wasmtimerr: WasiConfig.SetEnv: 2 names but 1 values")
		wantError(t, cfg.SetEnv([]string{"A"}, []string{"\xfe"}), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.SetEnv: value 0 "\xfe" is not valid UTF-8`)
		missing := filepath.Join(t.TempDir(), "missing")
		wantError(t, cfg.SetStdinFile(missing), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.SetStdinFile: cannot open "`+missing+`"`)
		wantError(t, cfg.SetStdoutFile(filepath.Join(missing, "out")), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.SetStdoutFile: cannot create "`+filepath.Join(missing, "out")+`"`)
		wantError(t, cfg.SetStderrFile(filepath.Join(missing, "err")), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.SetStderrFile: cannot create "`+filepath.Join(missing, "err")+`"`)
		wantError(t, cfg.PreopenDir(missing, "/data", false), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: WasiConfig.PreopenDir: cannot preopen "`+missing+`" as "/data"`)
		wantError(t, cfg.SetStdinFile("a\x00"), wasmtimerr.ErrorKindInvalidArgument,
			`wasmtimerr: path "a\x00" contains a NUL byte at offset 1`)
		wantError(t, cfg.SetWallClock(0, 1_000_000_000_000_001), wasmtimerr.ErrorKindInvalidArgument,
			"wasi_config_wall_clock_set: a step of 1000000000000001 ns is more than 1,000,000 seconds per reading")
		wantErrorPrefix(t, cfg.SetMonotonicClock(0, 1<<63), wasmtimerr.ErrorKindInvalidArgument,
			"wasi_config_monotonic_clock_set: a step of 9223372036854775808 ns")
		mustNil(t, "largest step", cfg.SetMonotonicClock(0, 1_000_000_000_000_000))
		// Nothing was refused half-way: the config still works.
		mustNil(t, "SetArgv", cfg.SetArgv([]string{"fine"}))
		mustNil(t, "SetEnv", cfg.SetEnv(nil, nil))
		mustNil(t, "SetStdinBytes(nil)", cfg.SetStdinBytes(nil))
	})

	t.Run("linker and replayer", func(t *testing.T) {
		var nilLinker *wasmtimerr.Linker
		wantError(t, nilLinker.DefineWasi(), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_linker_define_wasi: argument `linker` is NULL")
		for _, mode := range []wasmtimerr.Mode{wasmtimerr.ModeNone, wasmtimerr.ModeRecording, wasmtimerr.ModeReplaying} {
			linker, err := wasmtimerr.NewLinker(rrEngine(t, mode))
			mustNil(t, "NewLinker", err)
			mustNil(t, "DefineWasi", linker.DefineWasi())
			wantError(t, linker.DefineWasi(), wasmtimerr.ErrorKindWasmtime, "import of `wasi_snapshot_preview1::args_get` defined twice")
			mustNil(t, "Close", linker.Close())
			wantError(t, linker.DefineWasi(), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_linker_define_wasi: argument `linker` is NULL")
		}
		null := "wasmtime_rr_replayer_echo_set: argument `replayer` is NULL"
		var nilReplayer *wasmtimerr.Replayer
		wantError(t, nilReplayer.SetEcho(true), wasmtimerr.ErrorKindNullArgument, null)
		replayer, err := wasmtimerr.NewReplayerBytes([]byte("not a trace"))
		mustNil(t, "NewReplayerBytes", err)
		mustNil(t, "SetEcho", replayer.SetEcho(true))
		mustNil(t, "SetEcho(false)", replayer.SetEcho(false))
		wantErrorPrefix(t, newStore(t, rrEngine(t, wasmtimerr.ModeReplaying)).Replay(replayer), wasmtimerr.ErrorKindTraceFormat, "")
		wantError(t, replayer.SetEcho(true), wasmtimerr.ErrorKindNullArgument, null) // spent
	})

	t.Run("ExitError", func(t *testing.T) {
		var zero wasmtimerr.ExitError
		if zero.Error() != "exit status 0" || zero.Unwrap() != nil {
			t.Errorf("zero ExitError: %q, %v", zero.Error(), zero.Unwrap())
		}
		// A guest's exit, wrapped: errors.As finds both the ExitError and
		// the library's *Error, and the kind is Wasmtime's.
		dir := t.TempDir()
		mustNil(t, "Mkdir", os.Mkdir(filepath.Join(dir, "data"), 0o755))
		mustNil(t, "WriteFile", os.WriteFile(filepath.Join(dir, "data", "input.txt"), nil, 0o644))
		engine, err := wasiEngine(wasmtimerr.ModeNone)
		mustNil(t, "engine", err)
		defer engine.Close()
		run, _ := wasiSession(engine, readWasm(t, "guest-c.wasm"), nil, guestWasi(t, guestArgv, "rr",
			func(c *wasmtimerr.WasiConfig) error { return c.PreopenDir(filepath.Join(dir, "data"), "/data", false) }))
		wrapped := errors.Join(errors.New("context"), run)
		var exit *wasmtimerr.ExitError
		var e *wasmtimerr.Error
		if !errors.As(wrapped, &exit) || exit.Code != guestExit || !errors.As(wrapped, &e) || e != exit.Err ||
			e.Kind != wasmtimerr.ErrorKindWasmtime || !errors.Is(wrapped, wasmtimerr.ErrWasmtime) ||
			!strings.Contains(run.Error(), "Exited with i32 exit status 7") {
			t.Errorf("guest exit: %v (%T)", run, run)
		}
	})
}

// TestWasiConfigCleanups forgets WasiConfigs (fresh, closed and consumed)
// and waits until the collector reclaimed them all: the cleanup of an
// unclosed one frees it, and a double free would crash.
func TestWasiConfigCleanups(t *testing.T) {
	engine := newEngine(t, func(*wasmtimerr.Config) error { return nil })
	const n = 60
	var collected atomic.Int32
	for i := range n {
		cfg := wasmtimerr.NewWasiConfig()
		mustNil(t, "SetArgv", cfg.SetArgv([]string{"guest", "x"}))
		mustNil(t, "SetRandomSeed", cfg.SetRandomSeed(uint64(i)))
		runtime.AddCleanup(cfg, func(*atomic.Int32) { collected.Add(1) }, &collected)
		switch i % 3 {
		case 1:
			mustNil(t, "Close", cfg.Close())
		case 2:
			store, err := wasmtimerr.NewStore(engine)
			mustNil(t, "NewStore", err)
			mustNil(t, "SetWasi", store.SetWasi(cfg))
			mustNil(t, "Close", store.Close())
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for collected.Load() < n && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := collected.Load(); got != n {
		t.Fatalf("%d of %d WasiConfigs collected", got, n)
	}
}
