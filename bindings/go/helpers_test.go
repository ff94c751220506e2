package wasmtimerr_test

import (
	"errors"
	"testing"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// allSentinels lists every sentinel error with its kind, in kind order.
var allSentinels = []struct {
	kind     wasmtimerr.ErrorKind
	sentinel error
}{
	{wasmtimerr.ErrorKindWasmtime, wasmtimerr.ErrWasmtime},
	{wasmtimerr.ErrorKindNullArgument, wasmtimerr.ErrNullArgument},
	{wasmtimerr.ErrorKindInvalidArgument, wasmtimerr.ErrInvalidArgument},
	{wasmtimerr.ErrorKindUnsupported, wasmtimerr.ErrUnsupported},
	{wasmtimerr.ErrorKindInvalidConfig, wasmtimerr.ErrInvalidConfig},
	{wasmtimerr.ErrorKindPanic, wasmtimerr.ErrPanic},
	{wasmtimerr.ErrorKindTraceIO, wasmtimerr.ErrTraceIO},
	{wasmtimerr.ErrorKindTraceFormat, wasmtimerr.ErrTraceFormat},
	{wasmtimerr.ErrorKindDivergence, wasmtimerr.ErrDivergence},
	{wasmtimerr.ErrorKindModuleMismatch, wasmtimerr.ErrModuleMismatch},
}

// wantError checks that err is an *Error of the given kind and message, that
// errors.As finds it, and that errors.Is matches its kind's sentinel and no
// other.
func wantError(t *testing.T, err error, kind wasmtimerr.ErrorKind, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want [%s] %q", kind, message)
	}
	var e *wasmtimerr.Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(%T %v, *Error) = false", err, err)
	}
	if e.Kind != kind || e.Message != message || err.Error() != message {
		t.Fatalf("got [%s] %q (Error() %q), want [%s] %q", e.Kind, e.Message, err.Error(), kind, message)
	}
	for _, s := range allSentinels {
		if got := errors.Is(err, s.sentinel); got != (s.kind == kind) {
			t.Errorf("errors.Is(%q, %s sentinel) = %v, want %v", message, s.kind, got, s.kind == kind)
		}
	}
}

// mustNil fails the test at once when err is not nil.
func mustNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// newEngine builds an engine from a config prepared by setup, closing the
// engine at the end of the test.
func newEngine(t *testing.T, setup func(*wasmtimerr.Config) error) *wasmtimerr.Engine {
	t.Helper()
	cfg := wasmtimerr.NewConfig()
	t.Cleanup(func() { cfg.Close() })
	mustNil(t, "setup", setup(cfg))
	engine, err := wasmtimerr.NewEngine(cfg)
	mustNil(t, "NewEngine", err)
	t.Cleanup(func() { engine.Close() })
	return engine
}

// engineState is everything an engine reports.
type engineState struct {
	recording, replaying, nan, simd bool
	mode                            wasmtimerr.Mode
}

// stateOf queries every property of an engine, failing on any error.
func stateOf(t *testing.T, engine *wasmtimerr.Engine) engineState {
	t.Helper()
	var s engineState
	var err error
	s.recording, err = engine.IsRecording()
	mustNil(t, "IsRecording", err)
	s.replaying, err = engine.IsReplaying()
	mustNil(t, "IsReplaying", err)
	s.mode, err = engine.Mode()
	mustNil(t, "Mode", err)
	s.nan, err = engine.NaNCanonicalization()
	mustNil(t, "NaNCanonicalization", err)
	s.simd, err = engine.RelaxedSIMDDeterministic()
	mustNil(t, "RelaxedSIMDDeterministic", err)
	return s
}
