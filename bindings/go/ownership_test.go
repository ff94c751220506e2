package wasmtimerr_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// configNullErrors checks that every error-returning Config method, and
// NewEngine, reach the library with a NULL config.
func configNullErrors(t *testing.T, cfg *wasmtimerr.Config) {
	t.Helper()
	null := func(function string) string { return function + ": argument `config` is NULL" }
	wantError(t, cfg.SetRecording(true), wasmtimerr.ErrorKindNullArgument, null("wasm_config_record_set"))
	wantError(t, cfg.SetReplaying(true), wasmtimerr.ErrorKindNullArgument, null("wasm_config_replay_set"))
	wantError(t, cfg.SetMode(wasmtimerr.ModeNone), wasmtimerr.ErrorKindNullArgument, null("wasm_config_rr_mode_set"))
	wantError(t, cfg.EnforceDeterminism(), wasmtimerr.ErrorKindNullArgument, null("wasm_config_enforce_determinism"))
	wantError(t, cfg.Validate(), wasmtimerr.ErrorKindNullArgument, null("wasm_config_validate"))
	engine, err := wasmtimerr.NewEngine(cfg)
	if engine != nil {
		t.Error("NewEngine returned an engine for a NULL config")
	}
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, null("wasm_engine_new_checked"))
	if cfg.Ptr() != nil {
		t.Error("Ptr() of a closed or consumed config is not nil")
	}
	if err := cfg.Close(); err != nil {
		t.Errorf("Close on a closed or consumed config: %v", err)
	}
}

// wantPanic checks that f panics with the given message.
func wantPanic(t *testing.T, message string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if got := recover(); got != message {
			t.Errorf("panic = %v, want %q", got, message)
		}
	}()
	f()
}

func TestConfigConsumedOnSuccess(t *testing.T) {
	cfg := wasmtimerr.NewConfig()
	if cfg.Ptr() == nil {
		t.Fatal("a new config has no native pointer")
	}
	engine, err := wasmtimerr.NewEngine(cfg)
	mustNil(t, "NewEngine", err)
	defer engine.Close()
	configNullErrors(t, cfg)
	const suffix = " on a closed or consumed Config"
	wantPanic(t, "wasmtimerr: Config.SetCraneliftNaNCanonicalization"+suffix, func() { cfg.SetCraneliftNaNCanonicalization(true) })
	wantPanic(t, "wasmtimerr: Config.SetRelaxedSIMDDeterministic"+suffix, func() { cfg.SetRelaxedSIMDDeterministic(true) })
	wantPanic(t, "wasmtimerr: Config.SetRelaxedSIMD"+suffix, func() { cfg.SetRelaxedSIMD(true) })
	// The engine, which now owns the native config, is unaffected.
	if s := stateOf(t, engine); s.mode != wasmtimerr.ModeNone {
		t.Fatalf("engine mode = %s", s.mode)
	}
}

func TestConfigCloseTwice(t *testing.T) {
	cfg := wasmtimerr.NewConfig()
	mustNil(t, "SetRecording", cfg.SetRecording(true))
	mustNil(t, "Close", cfg.Close())
	mustNil(t, "second Close", cfg.Close())
	configNullErrors(t, cfg)
}

func TestNilConfig(t *testing.T) {
	configNullErrors(t, nil)
}

func TestEngineAfterClose(t *testing.T) {
	cfg := wasmtimerr.NewConfig()
	mustNil(t, "SetRecording", cfg.SetRecording(true))
	engine, err := wasmtimerr.NewEngine(cfg)
	mustNil(t, "NewEngine", err)
	if engine.Ptr() == nil {
		t.Fatal("a new engine has no native pointer")
	}
	mustNil(t, "Close", engine.Close())
	mustNil(t, "second Close", engine.Close())
	engineNullErrors(t, engine)
}

func TestNilEngine(t *testing.T) {
	engineNullErrors(t, nil)
}

// engineNullErrors checks that every Engine query reaches the library with a
// NULL engine and returns the zero value.
func engineNullErrors(t *testing.T, engine *wasmtimerr.Engine) {
	t.Helper()
	null := func(function string) string { return function + ": argument `engine` is NULL" }
	for _, q := range []struct {
		function string
		query    func() (bool, error)
	}{
		{"wasm_engine_is_recording", engine.IsRecording},
		{"wasm_engine_is_replaying", engine.IsReplaying},
		{"wasm_engine_nan_canonicalization", engine.NaNCanonicalization},
		{"wasm_engine_relaxed_simd_deterministic", engine.RelaxedSIMDDeterministic},
	} {
		got, err := q.query()
		if got {
			t.Errorf("%s returned true with an error", q.function)
		}
		wantError(t, err, wasmtimerr.ErrorKindNullArgument, null(q.function))
	}
	mode, err := engine.Mode()
	if mode != wasmtimerr.ModeNone {
		t.Errorf("Mode returned %s with an error", mode)
	}
	wantError(t, err, wasmtimerr.ErrorKindNullArgument, null("wasm_engine_rr_mode"))
	if engine.Ptr() != nil {
		t.Error("Ptr() of a closed engine is not nil")
	}
	mustNil(t, "Close", engine.Close())
}

// TestCleanupsFreeForgottenObjects drops configs and engines without Close
// (and some after Close) and waits until the garbage collector has reclaimed
// them all, so the binding's cleanups ran for the unclosed ones; a double
// free would crash the process.
func TestCleanupsFreeForgottenObjects(t *testing.T) {
	const n = 200
	var collected atomic.Int32
	track := func(p any) {
		switch v := p.(type) {
		case *wasmtimerr.Config:
			runtime.AddCleanup(v, func(*atomic.Int32) { collected.Add(1) }, &collected)
		case *wasmtimerr.Engine:
			runtime.AddCleanup(v, func(*atomic.Int32) { collected.Add(1) }, &collected)
		}
	}
	for i := range n {
		cfg := wasmtimerr.NewConfig()
		mustNil(t, "SetRecording", cfg.SetRecording(i%2 == 0))
		track(cfg)
		switch i % 4 {
		case 0: // forgotten config
		case 1: // closed config
			mustNil(t, "Close", cfg.Close())
		case 2: // forgotten engine (config consumed)
			engine, err := wasmtimerr.NewEngine(cfg)
			mustNil(t, "NewEngine", err)
			track(engine)
		case 3: // closed engine
			engine, err := wasmtimerr.NewEngine(cfg)
			mustNil(t, "NewEngine", err)
			track(engine)
			mustNil(t, "Close", engine.Close())
		}
	}
	want := int32(n + n/2) // every config, plus an engine for half of them
	deadline := time.Now().Add(30 * time.Second)
	for collected.Load() < want && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := collected.Load(); got != want {
		t.Fatalf("%d of %d objects collected", got, want)
	}
}
