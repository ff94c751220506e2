// Package wasmtimerr is the Go binding of libwasmtime_rr: the record/replay
// (RR) configuration of Wasmtime 48 engines and record/replay itself, with
// every failure reported as a Go error value instead of a crash.
//
// The configuration functions map those of include/wasmtime_rr.h one to one
// and add no logic of their own: the library decides what is valid, and its
// error objects become *Error values (a kind and the library's message) that
// work with errors.Is and errors.As.
//
// Recording and replaying need stores, modules, host functions and calls, so
// the package has a minimal object model for exactly that: Store, Module,
// Linker, Instance, Func, Caller and Value (i32, i64, f32, f64), on the
// library's RR-aware functions, and WASI preview 1 (WasiConfig,
// Linker.DefineWasi, Store.SetWasi, Replayer.SetEcho, ExitError). It is not a
// replacement for wasmtime-go; for anything else call Wasmtime's C API
// through cgo on Engine.Ptr.
//
// A Config and an Engine own a native object. Close frees it; a finalizer
// frees one that was never closed. A successful NewEngine consumes its Config.
// A Config or an Engine must not be used from several goroutines while one of
// them calls a setter, NewEngine or Close; concurrent Engine queries are fine.
// The record/replay objects follow the same rules; a Store, and everything
// used with it, is for one goroutine at a time.
package wasmtimerr

// #include <wasmtime_rr.h>
import "C"

import "strconv"

// Version returns the version of the loaded library (wasmtime_rr_version),
// such as "0.1.0".
func Version() string {
	return C.GoString(C.wasmtime_rr_version())
}

// CompiledIn reports whether record/replay support is compiled into the
// loaded library (wasmtime_rr_compiled_in). Without it, selecting recording or
// replaying fails with ErrUnsupported.
func CompiledIn() bool {
	return bool(C.wasmtime_rr_compiled_in())
}

// Mode is a record/replay mode (wasmtime_rr_mode_t).
type Mode uint32

// The record/replay modes, with the values of the WASMTIME_RR_MODE_* macros.
const (
	// ModeNone means the engine neither records nor replays (the default).
	ModeNone Mode = C.WASMTIME_RR_MODE_NONE
	// ModeRecording means the engine records; Wasmtime enforces determinism.
	ModeRecording Mode = C.WASMTIME_RR_MODE_RECORDING
	// ModeReplaying means the engine replays a recording; Wasmtime enforces
	// determinism.
	ModeReplaying Mode = C.WASMTIME_RR_MODE_REPLAYING
)

// String returns "none", "recording" or "replaying", or "Mode(n)" for a value
// that is not a mode.
func (m Mode) String() string {
	switch m {
	case ModeNone:
		return "none"
	case ModeRecording:
		return "recording"
	case ModeReplaying:
		return "replaying"
	default:
		return "Mode(" + strconv.FormatUint(uint64(m), 10) + ")"
	}
}
