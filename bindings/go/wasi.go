package wasmtimerr

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"runtime"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// WasiConfig is the configuration of a WASI preview-1 context
// (wasi_config_t): arguments, environment, stdio, preopened folders, and
// the library's deterministic random source and clocks. Create it with
// NewWasiConfig, hand it to Store.SetWasi (which consumes it on success) or
// Close it. Like a Config, it is for one goroutine at a time.
//
// The library's own setters (SetRandomSeed, SetWallClock, SetMonotonicClock)
// pass the native pointer as it is: on a closed or consumed WasiConfig (or a
// nil *WasiConfig) that is NULL, and the library answers with an
// ErrNullArgument error. Wasmtime's own wasi_config_* setters would
// dereference NULL, so for them the binding returns an ErrNullArgument error
// of its own instead of calling them.
type WasiConfig struct {
	ptr     *C.wasi_config_t
	cleanup runtime.Cleanup
}

// NewWasiConfig returns an empty WASI configuration (wasi_config_new): no
// arguments, no environment variables, empty stdin, stdout and stderr
// discarded, no preopened folder, the host's clocks and random source.
func NewWasiConfig() *WasiConfig {
	w := &WasiConfig{ptr: C.wasi_config_new()}
	w.cleanup = runtime.AddCleanup(w, deleteWasiConfig, w.ptr)
	return w
}

// deleteWasiConfig is the cleanup of a WasiConfig never consumed nor closed.
func deleteWasiConfig(ptr *C.wasi_config_t) {
	C.wasi_config_delete(ptr)
}

// raw returns the native pointer, NULL for a nil, closed or consumed
// WasiConfig.
func (w *WasiConfig) raw() *C.wasi_config_t {
	if w == nil {
		return nil
	}
	return w.ptr
}

// call runs one of the library's setters on the configuration.
func (w *WasiConfig) call(f func(*C.wasi_config_t) *C.wasmtime_error_t) error {
	err := errorFrom(f(w.raw()))
	runtime.KeepAlive(w)
	return err
}

// stock runs one of Wasmtime's own setters, which would dereference NULL: on a
// nil, closed or consumed WasiConfig it returns an ErrNullArgument error
// naming the method instead.
func (w *WasiConfig) stock(method string, f func(*C.wasi_config_t) error) error {
	ptr := w.raw()
	if ptr == nil {
		return bindingError(ErrorKindNullArgument, "WasiConfig.%s: the WasiConfig is nil, closed or consumed", method)
	}
	err := f(ptr)
	runtime.KeepAlive(w)
	return err
}

// cStringArray copies strings into a C array of C strings for Wasmtime's
// setters, which read them as NUL-terminated UTF-8. A string with a NUL byte
// or invalid UTF-8 is refused with ErrInvalidArgument before anything is
// allocated. The array always has room for one pointer, so it is never NULL.
func cStringArray(method, what string, ss []string) (**C.char, func(), error) {
	for i, s := range ss {
		if j := strings.IndexByte(s, 0); j >= 0 {
			return nil, nil, bindingError(ErrorKindInvalidArgument, "WasiConfig.%s: %s %d %q contains a NUL byte at offset %d",
				method, what, i, s, j)
		}
		if !utf8.ValidString(s) {
			return nil, nil, bindingError(ErrorKindInvalidArgument, "WasiConfig.%s: %s %d %q is not valid UTF-8", method, what, i, s)
		}
	}
	n := max(len(ss), 1)
	base := (**C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	array := unsafe.Slice(base, n)
	for i, s := range ss {
		array[i] = C.CString(s)
	}
	free := func() {
		for _, p := range array {
			C.free(unsafe.Pointer(p)) // free(NULL) for the spare slot
		}
		C.free(unsafe.Pointer(base))
	}
	return base, free, nil
}

// SetArgv adds args to the guest's arguments (wasi_config_set_argv); the
// first one is the program name (argv[0]). Wasmtime appends: a second call
// adds to the arguments of the first. An argument that is not valid UTF-8 or
// contains a NUL byte is refused with ErrInvalidArgument, and none is added.
func (w *WasiConfig) SetArgv(args []string) error {
	return w.stock("SetArgv", func(p *C.wasi_config_t) error {
		argv, free, err := cStringArray("SetArgv", "argument", args)
		if err != nil {
			return err
		}
		defer free()
		if !C.wasi_config_set_argv(p, C.size_t(len(args)), argv) {
			return bindingError(ErrorKindInvalidArgument, "WasiConfig.SetArgv: wasi_config_set_argv refused the arguments")
		}
		return nil
	})
}

// InheritArgv gives the guest this process's arguments
// (wasi_config_inherit_argv).
func (w *WasiConfig) InheritArgv() error {
	return w.stock("InheritArgv", func(p *C.wasi_config_t) error {
		C.wasi_config_inherit_argv(p)
		return nil
	})
}

// SetEnv adds environment variables, names[i]=values[i]
// (wasi_config_set_env); like SetArgv, a second call adds to the first.
// Lists of different lengths, and strings that are not valid UTF-8 or contain
// a NUL byte, are refused with ErrInvalidArgument.
func (w *WasiConfig) SetEnv(names, values []string) error {
	return w.stock("SetEnv", func(p *C.wasi_config_t) error {
		if len(names) != len(values) {
			return bindingError(ErrorKindInvalidArgument, "WasiConfig.SetEnv: %d names but %d values", len(names), len(values))
		}
		cnames, freeNames, err := cStringArray("SetEnv", "name", names)
		if err != nil {
			return err
		}
		defer freeNames()
		cvalues, freeValues, err := cStringArray("SetEnv", "value", values)
		if err != nil {
			return err
		}
		defer freeValues()
		if !C.wasi_config_set_env(p, C.size_t(len(names)), cnames, cvalues) {
			return bindingError(ErrorKindInvalidArgument, "WasiConfig.SetEnv: wasi_config_set_env refused the variables")
		}
		return nil
	})
}

// InheritEnv gives the guest this process's environment
// (wasi_config_inherit_env).
func (w *WasiConfig) InheritEnv() error {
	return w.stock("InheritEnv", func(p *C.wasi_config_t) error {
		C.wasi_config_inherit_env(p)
		return nil
	})
}

// pathCall runs a Wasmtime setter that takes a path and reports failure as
// false; the failure becomes an ErrInvalidArgument error naming the path.
func (w *WasiConfig) pathCall(method, path, failure string, f func(*C.wasi_config_t, *C.char) C.bool) error {
	return w.stock(method, func(p *C.wasi_config_t) error {
		cpath, err := cString("path", path)
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cpath))
		if !f(p, cpath) {
			return bindingError(ErrorKindInvalidArgument, "WasiConfig.%s: %s %q", method, failure, path)
		}
		return nil
	})
}

// SetStdinFile makes the file at path the guest's stdin
// (wasi_config_set_stdin_file). The file is opened now: one that cannot be
// opened is an ErrInvalidArgument error.
func (w *WasiConfig) SetStdinFile(path string) error {
	return w.pathCall("SetStdinFile", path, "cannot open", func(p *C.wasi_config_t, c *C.char) C.bool {
		return C.wasi_config_set_stdin_file(p, c)
	})
}

// SetStdinBytes makes a copy of data the guest's stdin
// (wasi_config_set_stdin_bytes).
func (w *WasiConfig) SetStdinBytes(data []byte) error {
	return w.stock("SetStdinBytes", func(p *C.wasi_config_t) error {
		var vec C.wasm_byte_vec_t
		if len(data) == 0 {
			C.wasm_byte_vec_new_empty(&vec)
		} else {
			C.wasm_byte_vec_new(&vec, C.size_t(len(data)), (*C.wasm_byte_t)(unsafe.Pointer(&data[0])))
		}
		runtime.KeepAlive(data)
		C.wasi_config_set_stdin_bytes(p, &vec) // takes the bytes over
		return nil
	})
}

// InheritStdin gives the guest this process's stdin
// (wasi_config_inherit_stdin).
func (w *WasiConfig) InheritStdin() error {
	return w.stock("InheritStdin", func(p *C.wasi_config_t) error {
		C.wasi_config_inherit_stdin(p)
		return nil
	})
}

// SetStdoutFile writes the guest's stdout to the file at path
// (wasi_config_set_stdout_file). The file is created or truncated now: one
// that cannot be is an ErrInvalidArgument error.
func (w *WasiConfig) SetStdoutFile(path string) error {
	return w.pathCall("SetStdoutFile", path, "cannot create", func(p *C.wasi_config_t, c *C.char) C.bool {
		return C.wasi_config_set_stdout_file(p, c)
	})
}

// InheritStdout writes the guest's stdout to this process's file descriptor
// 1 (wasi_config_inherit_stdout), past Go's os.Stdout.
func (w *WasiConfig) InheritStdout() error {
	return w.stock("InheritStdout", func(p *C.wasi_config_t) error {
		C.wasi_config_inherit_stdout(p)
		return nil
	})
}

// SetStderrFile writes the guest's stderr to the file at path
// (wasi_config_set_stderr_file), created or truncated now.
func (w *WasiConfig) SetStderrFile(path string) error {
	return w.pathCall("SetStderrFile", path, "cannot create", func(p *C.wasi_config_t, c *C.char) C.bool {
		return C.wasi_config_set_stderr_file(p, c)
	})
}

// InheritStderr writes the guest's stderr to this process's file descriptor
// 2 (wasi_config_inherit_stderr).
func (w *WasiConfig) InheritStderr() error {
	return w.stock("InheritStderr", func(p *C.wasi_config_t) error {
		C.wasi_config_inherit_stderr(p)
		return nil
	})
}

// PreopenDir gives the guest the host folder hostPath under the name
// guestPath (wasi_config_preopen_dir); mutable allows the guest to change
// what is in it, else it can only read. The folder is opened now: one that
// cannot be opened is an ErrInvalidArgument error.
func (w *WasiConfig) PreopenDir(hostPath, guestPath string, mutable bool) error {
	return w.stock("PreopenDir", func(p *C.wasi_config_t) error {
		chost, err := cString("host path", hostPath)
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(chost))
		cguest, err := cString("guest path", guestPath)
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cguest))
		if !C.wasi_config_preopen_dir(p, chost, cguest, C.bool(mutable)) {
			return bindingError(ErrorKindInvalidArgument, "WasiConfig.PreopenDir: cannot preopen %q as %q", hostPath, guestPath)
		}
		return nil
	})
}

// SetRandomSeed makes the guest's random source deterministic
// (wasi_config_random_seed_set): the same seed gives the same bytes on every
// run. A recording records whatever the source gives.
func (w *WasiConfig) SetRandomSeed(seed uint64) error {
	return w.call(func(p *C.wasi_config_t) *C.wasmtime_error_t {
		return C.wasi_config_random_seed_set(p, C.uint64_t(seed))
	})
}

// SetWallClock gives the guest a virtual real-time clock
// (wasi_config_wall_clock_set): its first reading is startNs nanoseconds
// since the Unix epoch and each reading advances it by stepNs. A step above
// 10^15 ns is refused with ErrInvalidArgument.
func (w *WasiConfig) SetWallClock(startNs, stepNs uint64) error {
	return w.call(func(p *C.wasi_config_t) *C.wasmtime_error_t {
		return C.wasi_config_wall_clock_set(p, C.uint64_t(startNs), C.uint64_t(stepNs))
	})
}

// SetMonotonicClock gives the guest a virtual monotonic clock
// (wasi_config_monotonic_clock_set), as SetWallClock. A guest that sleeps
// still waits for real time, but reads the same times.
func (w *WasiConfig) SetMonotonicClock(startNs, stepNs uint64) error {
	return w.call(func(p *C.wasi_config_t) *C.wasmtime_error_t {
		return C.wasi_config_monotonic_clock_set(p, C.uint64_t(startNs), C.uint64_t(stepNs))
	})
}

// Ptr returns the native wasi_config_t* for calling Wasmtime's C API through
// cgo, or nil once the WasiConfig is closed or consumed. The WasiConfig keeps
// ownership; keep it alive (runtime.KeepAlive) while the pointer is in use.
func (w *WasiConfig) Ptr() unsafe.Pointer {
	return unsafe.Pointer(w.raw())
}

// Close frees the configuration (wasi_config_delete). Closing a closed or
// consumed WasiConfig does nothing. It always returns nil.
func (w *WasiConfig) Close() error {
	if w.raw() == nil {
		return nil
	}
	w.cleanup.Stop()
	C.wasi_config_delete(w.ptr)
	w.ptr = nil
	return nil
}

// consumed records that the library took ownership of the native config.
func (w *WasiConfig) consumed() {
	w.cleanup.Stop()
	w.ptr = nil
}

// SetWasi gives the store its WASI context (wasmtime_rr_context_set_wasi),
// for the WASI functions of Linker.DefineWasi. On success cfg is consumed:
// later calls on it reach the library with NULL (or give ErrNullArgument).
// On failure cfg is unchanged and still the caller's. A second call replaces
// the context.
//
// A replaying store needs no WASI context: its WASI calls are served from the
// trace, so no file, folder, clock or stdin of cfg is used. When it has one,
// its arguments and environment must be the recorded ones; others make the
// replay fail with ErrDivergence.
func (s *Store) SetWasi(cfg *WasiConfig) error {
	err := errorFrom(C.wasmtime_rr_context_set_wasi(s.context(), cfg.raw()))
	runtime.KeepAlive(s)
	runtime.KeepAlive(cfg)
	if err != nil {
		return s.wrap(err)
	}
	cfg.consumed()
	return nil
}

// DefineWasi defines the 46 functions of WASI preview 1
// (wasi_snapshot_preview1) in the linker (wasmtime_rr_linker_define_wasi).
// When the engine records or replays, they are recorded or replayed: while a
// store replays, no WASI function runs (nothing is read, opened or printed;
// see Replayer.SetEcho) and each call is checked against the trace
// (ErrDivergence). Otherwise they are Wasmtime's own. The store's WASI
// context must come from Store.SetWasi. A name already defined is Wasmtime's
// error.
func (l *Linker) DefineWasi() error {
	err := errorFrom(C.wasmtime_rr_linker_define_wasi(l.raw()))
	runtime.KeepAlive(l)
	return err
}

// SetEcho chooses whether a replay writes the guest's recorded stdout and
// stderr bytes (wasmtime_rr_replayer_echo_set). A replay performs no WASI
// call, so by default it prints nothing; with echo on, the recorded bytes go
// to this process's file descriptors 1 and 2 as they are replayed (written by
// the library, past Go's os.Stdout and os.Stderr). Default false. Call it
// before Store.Replay.
func (r *Replayer) SetEcho(enable bool) error {
	err := errorFrom(C.wasmtime_rr_replayer_echo_set(r.raw(), C.bool(enable)))
	runtime.KeepAlive(r)
	return err
}
