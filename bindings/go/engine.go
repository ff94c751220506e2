package wasmtimerr

// #include <wasmtime_rr.h>
import "C"

import (
	"runtime"
	"unsafe"
)

// Engine is a Wasmtime engine (wasm_engine_t) built by NewEngine. Its queries
// may run from several goroutines at once; Close must not overlap them.
//
// Queries pass the engine's native pointer to the library as it is: on a
// closed Engine (or a nil *Engine) that is NULL, and the library answers with
// an ErrNullArgument error.
type Engine struct {
	ptr     *C.wasm_engine_t
	cleanup runtime.Cleanup
}

// NewEngine builds an engine from cfg with the checked constructor
// (wasm_engine_new_checked). On success cfg is consumed: its native config now
// belongs to the engine and later calls on cfg reach the library with NULL.
// On failure (for example ErrInvalidConfig with Wasmtime's message) cfg is
// unchanged and still owned by the caller, who may fix it and retry.
func NewEngine(cfg *Config) (*Engine, error) {
	var out *C.wasm_engine_t
	err := errorFrom(C.wasm_engine_new_checked(cfg.raw(), &out))
	runtime.KeepAlive(cfg)
	if err != nil {
		return nil, err
	}
	cfg.consumed()
	e := &Engine{ptr: out}
	e.cleanup = runtime.AddCleanup(e, deleteEngine, out)
	return e, nil
}

// deleteEngine is the cleanup of an Engine that was never closed.
func deleteEngine(ptr *C.wasm_engine_t) {
	C.wasm_engine_delete(ptr)
}

// raw returns the native pointer, NULL for a nil or closed Engine.
func (e *Engine) raw() *C.wasm_engine_t {
	if e == nil {
		return nil
	}
	return e.ptr
}

// query runs one library query on the engine and converts its result; the
// output is the zero value on error.
func query[T any](e *Engine, f func(*C.wasm_engine_t, *T) *C.wasmtime_error_t) (T, error) {
	var out T
	err := errorFrom(f(e.raw(), &out))
	runtime.KeepAlive(e)
	return out, err
}

// boolQuery runs one of the library's bool queries on the engine.
func (e *Engine) boolQuery(f func(*C.wasm_engine_t, *C.bool) *C.wasmtime_error_t) (bool, error) {
	out, err := query(e, f)
	return bool(out), err
}

// IsRecording reports whether the engine records (wasm_engine_is_recording).
func (e *Engine) IsRecording() (bool, error) {
	return e.boolQuery(func(p *C.wasm_engine_t, out *C.bool) *C.wasmtime_error_t {
		return C.wasm_engine_is_recording(p, out)
	})
}

// IsReplaying reports whether the engine replays (wasm_engine_is_replaying).
func (e *Engine) IsReplaying() (bool, error) {
	return e.boolQuery(func(p *C.wasm_engine_t, out *C.bool) *C.wasmtime_error_t {
		return C.wasm_engine_is_replaying(p, out)
	})
}

// Mode reports the record/replay mode the engine was built with
// (wasm_engine_rr_mode).
func (e *Engine) Mode() (Mode, error) {
	out, err := query(e, func(p *C.wasm_engine_t, out *C.wasmtime_rr_mode_t) *C.wasmtime_error_t {
		return C.wasm_engine_rr_mode(p, out)
	})
	return Mode(out), err
}

// NaNCanonicalization reports the engine's effective NaN canonicalization
// (wasm_engine_nan_canonicalization). A recording engine whose config left the
// setting at its default reports false.
func (e *Engine) NaNCanonicalization() (bool, error) {
	return e.boolQuery(func(p *C.wasm_engine_t, out *C.bool) *C.wasmtime_error_t {
		return C.wasm_engine_nan_canonicalization(p, out)
	})
}

// RelaxedSIMDDeterministic reports whether the engine runs relaxed SIMD
// deterministically (wasm_engine_relaxed_simd_deterministic). A recording
// engine whose config left the setting at its default reports false.
func (e *Engine) RelaxedSIMDDeterministic() (bool, error) {
	return e.boolQuery(func(p *C.wasm_engine_t, out *C.bool) *C.wasmtime_error_t {
		return C.wasm_engine_relaxed_simd_deterministic(p, out)
	})
}

// Ptr returns the native wasm_engine_t* for calling Wasmtime's C API through
// cgo (modules, stores, ...), or nil once the Engine is closed. The Engine
// keeps ownership; keep it alive (runtime.KeepAlive) while the pointer is in
// use.
func (e *Engine) Ptr() unsafe.Pointer {
	return unsafe.Pointer(e.raw())
}

// Close frees the engine (wasm_engine_delete). Closing a closed Engine does
// nothing. It always returns nil.
func (e *Engine) Close() error {
	if e.raw() == nil {
		return nil
	}
	e.cleanup.Stop()
	C.wasm_engine_delete(e.ptr)
	e.ptr = nil
	return nil
}
