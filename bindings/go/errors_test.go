package wasmtimerr_test

import (
	"errors"
	"fmt"
	"testing"

	wasmtimerr "wasmtime-rr/bindings/go"
	"wasmtime-rr/bindings/go/internal/capitest"
)

func TestVersionMatchesHeader(t *testing.T) {
	if got, want := wasmtimerr.Version(), capitest.HeaderVersion(); got != want || got == "" {
		t.Fatalf("Version() = %q, header WASMTIME_RR_VERSION = %q", got, want)
	}
}

func TestCompiledIn(t *testing.T) {
	if !wasmtimerr.CompiledIn() {
		t.Fatal("CompiledIn() = false, want true for this build of the library")
	}
}

func TestErrorKindString(t *testing.T) {
	for kind, want := range map[wasmtimerr.ErrorKind]string{
		wasmtimerr.ErrorKindNone:            "none",
		wasmtimerr.ErrorKindWasmtime:        "wasmtime",
		wasmtimerr.ErrorKindNullArgument:    "null_argument",
		wasmtimerr.ErrorKindInvalidArgument: "invalid_argument",
		wasmtimerr.ErrorKindUnsupported:     "unsupported",
		wasmtimerr.ErrorKindInvalidConfig:   "invalid_config",
		wasmtimerr.ErrorKindPanic:           "panic",
		wasmtimerr.ErrorKindTraceIO:         "trace_io",
		wasmtimerr.ErrorKindTraceFormat:     "trace_format",
		wasmtimerr.ErrorKindDivergence:      "divergence",
		wasmtimerr.ErrorKindModuleMismatch:  "module_mismatch",
		11:                                  "unknown",
		0xFFFFFFFF:                          "unknown",
	} {
		if got := kind.String(); got != want {
			t.Errorf("ErrorKind(%d).String() = %q, want %q", uint32(kind), got, want)
		}
	}
}

func TestErrorKindValues(t *testing.T) {
	kinds := []wasmtimerr.ErrorKind{
		wasmtimerr.ErrorKindNone, wasmtimerr.ErrorKindWasmtime, wasmtimerr.ErrorKindNullArgument,
		wasmtimerr.ErrorKindInvalidArgument, wasmtimerr.ErrorKindUnsupported,
		wasmtimerr.ErrorKindInvalidConfig, wasmtimerr.ErrorKindPanic, wasmtimerr.ErrorKindTraceIO,
		wasmtimerr.ErrorKindTraceFormat, wasmtimerr.ErrorKindDivergence, wasmtimerr.ErrorKindModuleMismatch,
	}
	for want, kind := range kinds {
		if uint32(kind) != uint32(want) {
			t.Errorf("%s = %d, want %d", kind, uint32(kind), want)
		}
	}
}

func TestSentinels(t *testing.T) {
	for _, s := range allSentinels {
		wantError(t, s.sentinel, s.kind, s.kind.String())
	}
}

func TestErrorIsMatchesOnlySentinels(t *testing.T) {
	a := &wasmtimerr.Error{Kind: wasmtimerr.ErrorKindPanic, Message: "a"}
	b := &wasmtimerr.Error{Kind: wasmtimerr.ErrorKindPanic, Message: "b"}
	if errors.Is(a, b) {
		t.Error("errors.Is matched two distinct errors of one kind; only sentinels should match")
	}
	if !errors.Is(a, a) {
		t.Error("errors.Is(a, a) = false")
	}
	none := &wasmtimerr.Error{Kind: wasmtimerr.ErrorKindNone, Message: "none"}
	unknown := &wasmtimerr.Error{Kind: 99, Message: "unknown"}
	for _, s := range allSentinels {
		if errors.Is(none, s.sentinel) || errors.Is(unknown, s.sentinel) {
			t.Errorf("an error of kind none or 99 matched the %s sentinel", s.kind)
		}
	}
}

func TestNewErrorEveryCreatableKind(t *testing.T) {
	for _, kind := range []wasmtimerr.ErrorKind{
		wasmtimerr.ErrorKindNullArgument, wasmtimerr.ErrorKindInvalidArgument,
		wasmtimerr.ErrorKindUnsupported, wasmtimerr.ErrorKindInvalidConfig, wasmtimerr.ErrorKindPanic,
		wasmtimerr.ErrorKindTraceIO, wasmtimerr.ErrorKindTraceFormat, wasmtimerr.ErrorKindDivergence,
		wasmtimerr.ErrorKindModuleMismatch,
	} {
		t.Run(kind.String(), func(t *testing.T) {
			message := "made by the test: " + kind.String() + " ünïcödé"
			made, err := wasmtimerr.NewError(kind, message)
			mustNil(t, "NewError", err)
			wantError(t, made, kind, message)
			wrapped := fmt.Errorf("context: %w", made)
			wantError(t, errors.Unwrap(wrapped), kind, message)
			var e *wasmtimerr.Error
			if !errors.As(wrapped, &e) || e.Message != message || !errors.Is(wrapped, sentinelOf(kind)) {
				t.Errorf("wrapped error lost its kind or message: %v", wrapped)
			}
		})
	}
}

func sentinelOf(kind wasmtimerr.ErrorKind) error {
	for _, s := range allSentinels {
		if s.kind == kind {
			return s.sentinel
		}
	}
	return nil
}

func TestNewErrorEmptyMessage(t *testing.T) {
	made, err := wasmtimerr.NewError(wasmtimerr.ErrorKindUnsupported, "")
	mustNil(t, "NewError", err)
	wantError(t, made, wasmtimerr.ErrorKindUnsupported, "")
}

func TestNewErrorRejectsKinds(t *testing.T) {
	for _, kind := range []wasmtimerr.ErrorKind{wasmtimerr.ErrorKindNone, wasmtimerr.ErrorKindWasmtime, 11, 0xFFFFFFFF} {
		made, err := wasmtimerr.NewError(kind, "x")
		if made != nil {
			t.Errorf("NewError(%d) made %v", uint32(kind), made)
		}
		wantError(t, err, wasmtimerr.ErrorKindInvalidArgument, fmt.Sprintf(
			"wasmtime_rr_error_new: error kind %d (%s) cannot be created; use one of "+
				"WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT .. WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH", uint32(kind), kind))
	}
}

func TestNewErrorRejectsInvalidUTF8(t *testing.T) {
	made, err := wasmtimerr.NewError(wasmtimerr.ErrorKindPanic, "abc\xff\xfe")
	if made != nil {
		t.Errorf("NewError made %v from invalid UTF-8", made)
	}
	wantError(t, err, wasmtimerr.ErrorKindInvalidArgument,
		"wasmtime_rr_error_new: argument `message` is not valid UTF-8 (invalid byte at offset 3)")
}

func TestErrorFromPtrWasmtimeKind(t *testing.T) {
	err := wasmtimerr.ErrorFromPtr(capitest.WasmtimeError("made by wasmtime_error_new"))
	wantError(t, err, wasmtimerr.ErrorKindWasmtime, "made by wasmtime_error_new")
	if err := wasmtimerr.ErrorFromPtr(nil); err != nil {
		t.Fatalf("ErrorFromPtr(nil) = %v, want nil", err)
	}
}
