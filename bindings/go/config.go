package wasmtimerr

// #include <wasmtime_rr.h>
import "C"

import (
	"runtime"
	"unsafe"
)

// Config is a Wasmtime engine configuration (wasm_config_t). Create it with
// NewConfig, pass it to NewEngine (which consumes it on success) or Close it.
//
// Methods that return an error pass the config's native pointer to the
// library as it is: on a closed or consumed Config (or a nil *Config) that is
// NULL, and the library answers with an ErrNullArgument error.
type Config struct {
	ptr     *C.wasm_config_t
	cleanup runtime.Cleanup
}

// NewConfig returns a new config with Wasmtime's defaults (wasm_config_new).
func NewConfig() *Config {
	c := &Config{ptr: C.wasm_config_new()}
	c.cleanup = runtime.AddCleanup(c, deleteConfig, c.ptr)
	return c
}

// deleteConfig is the cleanup of a Config that was never closed.
func deleteConfig(ptr *C.wasm_config_t) {
	C.wasm_config_delete(ptr)
}

// raw returns the native pointer, NULL for a nil, closed or consumed Config.
func (c *Config) raw() *C.wasm_config_t {
	if c == nil {
		return nil
	}
	return c.ptr
}

// call runs one library function on the config and converts its result.
func (c *Config) call(f func(*C.wasm_config_t) *C.wasmtime_error_t) error {
	err := errorFrom(f(c.raw()))
	runtime.KeepAlive(c)
	return err
}

// set runs one of Wasmtime's own setters, which have no error result and
// would dereference NULL: on a nil, closed or consumed Config it panics
// instead, naming the method.
func (c *Config) set(method string, f func(*C.wasm_config_t)) {
	ptr := c.raw()
	if ptr == nil {
		panic("wasmtimerr: Config." + method + " on a closed or consumed Config")
	}
	f(ptr)
	runtime.KeepAlive(c)
}

// SetRecording selects recording (true, replacing replaying) or turns
// record/replay off whichever mode was selected (false)
// (wasm_config_record_set).
func (c *Config) SetRecording(enable bool) error {
	return c.call(func(p *C.wasm_config_t) *C.wasmtime_error_t {
		return C.wasm_config_record_set(p, C.bool(enable))
	})
}

// SetReplaying selects replaying (true, replacing recording) or turns
// record/replay off whichever mode was selected (false)
// (wasm_config_replay_set).
func (c *Config) SetReplaying(enable bool) error {
	return c.call(func(p *C.wasm_config_t) *C.wasmtime_error_t {
		return C.wasm_config_replay_set(p, C.bool(enable))
	})
}

// SetMode sets the record/replay mode (wasm_config_rr_mode_set). The value is
// passed through unchecked: the library rejects one that is not a Mode
// constant with ErrInvalidArgument.
func (c *Config) SetMode(mode Mode) error {
	return c.call(func(p *C.wasm_config_t) *C.wasmtime_error_t {
		return C.wasm_config_rr_mode_set(p, C.wasmtime_rr_mode_t(mode))
	})
}

// EnforceDeterminism explicitly turns on NaN canonicalization and
// deterministic relaxed SIMD, the settings record/replay requires
// (wasm_config_enforce_determinism). Later opt-outs still win.
func (c *Config) EnforceDeterminism() error {
	return c.call(func(p *C.wasm_config_t) *C.wasmtime_error_t {
		return C.wasm_config_enforce_determinism(p)
	})
}

// Validate reports what NewEngine would report for this config, without
// consuming it (wasm_config_validate): nil, or an ErrInvalidConfig error with
// Wasmtime's message. It costs one engine creation.
func (c *Config) Validate() error {
	return c.call(func(p *C.wasm_config_t) *C.wasmtime_error_t {
		return C.wasm_config_validate(p)
	})
}

// SetCraneliftNaNCanonicalization sets Wasmtime's NaN canonicalization
// (wasmtime_config_cranelift_nan_canonicalization_set). Disabling it makes a
// recording or replaying config invalid. It panics on a closed or consumed
// Config.
func (c *Config) SetCraneliftNaNCanonicalization(enable bool) {
	c.set("SetCraneliftNaNCanonicalization", func(p *C.wasm_config_t) {
		C.wasmtime_config_cranelift_nan_canonicalization_set(p, C.bool(enable))
	})
}

// SetRelaxedSIMDDeterministic sets Wasmtime's deterministic relaxed SIMD
// (wasmtime_config_wasm_relaxed_simd_deterministic_set). Disabling it makes a
// recording or replaying config invalid. It panics on a closed or consumed
// Config.
func (c *Config) SetRelaxedSIMDDeterministic(enable bool) {
	c.set("SetRelaxedSIMDDeterministic", func(p *C.wasm_config_t) {
		C.wasmtime_config_wasm_relaxed_simd_deterministic_set(p, C.bool(enable))
	})
}

// SetRelaxedSIMD enables or disables the relaxed SIMD proposal
// (wasmtime_config_wasm_relaxed_simd_set). It panics on a closed or consumed
// Config.
func (c *Config) SetRelaxedSIMD(enable bool) {
	c.set("SetRelaxedSIMD", func(p *C.wasm_config_t) {
		C.wasmtime_config_wasm_relaxed_simd_set(p, C.bool(enable))
	})
}

// Ptr returns the native wasm_config_t* for calling Wasmtime's C API through
// cgo, or nil once the Config is closed or consumed. The Config keeps
// ownership; keep it alive (runtime.KeepAlive) while the pointer is in use.
func (c *Config) Ptr() unsafe.Pointer {
	return unsafe.Pointer(c.raw())
}

// Close frees the config (wasm_config_delete). Closing a closed or consumed
// Config does nothing. It always returns nil.
func (c *Config) Close() error {
	if c.raw() == nil {
		return nil
	}
	c.cleanup.Stop()
	C.wasm_config_delete(c.ptr)
	c.ptr = nil
	return nil
}

// consumed records that the library took ownership of the native config.
func (c *Config) consumed() {
	c.cleanup.Stop()
	c.ptr = nil
}
