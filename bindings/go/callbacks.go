package wasmtimerr

// The Go functions the library calls back (through the C trampolines of
// shim.c). Their callback data is a cgo.Handle of a *callback, never a Go
// pointer. A panic must not unwind through the library's frames, so each one
// recovers and reports it the way its C contract allows.

// #include <wasmtime_rr.h>
import "C"

import (
	"fmt"
	"runtime/cgo"
	"sync/atomic"
	"unsafe"
)

// callback is the Go value behind a cgo.Handle handed to the library as
// callback data: a *stream (recorder or replayer) or a *hostFunc. The library
// runs its finalizer exactly once when it frees the data; when a call that
// received the data failed before taking it, the binding releases it
// instead. release is idempotent, so both paths are safe.
type callback struct {
	value    any
	handle   cgo.Handle
	released atomic.Bool
}

// newCallback wraps v in a new handle.
func newCallback(v any) *callback {
	c := &callback{value: v}
	c.handle = cgo.NewHandle(c)
	return c
}

// data is the handle as the library's callback data.
func (c *callback) data() C.uintptr_t {
	return C.uintptr_t(c.handle)
}

// release deletes the handle once.
func (c *callback) release() {
	if c.released.CompareAndSwap(false, true) {
		c.handle.Delete()
	}
}

// callbackOf returns the *callback behind callback data.
func callbackOf(h C.uintptr_t) *callback {
	return cgo.Handle(h).Value().(*callback)
}

//export wasmtimerrWrite
func wasmtimerrWrite(h C.uintptr_t, bytes *C.uint8_t, n C.size_t) C.bool {
	s := callbackOf(h).value.(*stream)
	return C.bool(s.write(unsafe.Slice((*byte)(bytes), int(n))))
}

//export wasmtimerrRead
func wasmtimerrRead(h C.uintptr_t, buffer *C.uint8_t, capacity C.size_t) C.size_t {
	s := callbackOf(h).value.(*stream)
	n, ok := s.read(unsafe.Slice((*byte)(buffer), int(capacity)))
	if !ok {
		return ^C.size_t(0) // SIZE_MAX: a failure
	}
	return C.size_t(n)
}

//export wasmtimerrRelease
func wasmtimerrRelease(h C.uintptr_t) {
	callbackOf(h).release()
}

//export wasmtimerrHostCall
func wasmtimerrHostCall(h C.uintptr_t, caller *C.wasmtime_caller_t, args *C.wasmtime_val_t, nargs C.size_t,
	results *C.wasmtime_val_t, nresults C.size_t) (trap *C.wasm_trap_t) {
	f := callbackOf(h).value.(*hostFunc)
	c := &Caller{ptr: caller}
	defer func() {
		c.ptr = nil // the caller is valid only during the call
		if r := recover(); r != nil {
			trap = newTrap(fmt.Sprintf("wasmtimerr: host function %s panicked: %v", f.name, r))
		}
	}()
	in := make([]Value, int(nargs))
	argv := unsafe.Slice(args, int(nargs))
	for i := range argv {
		in[i] = valueFrom(&argv[i])
	}
	out, err := f.fn(c, in)
	if err != nil {
		return newTrap(err.Error())
	}
	if len(out) != int(nresults) {
		return newTrap(fmt.Sprintf("wasmtimerr: host function %s returned %d values, its type has %d results",
			f.name, len(out), int(nresults)))
	}
	slots := unsafe.Slice(results, int(nresults))
	for i, v := range out {
		if v.kind != f.results[i] {
			return newTrap(fmt.Sprintf("wasmtimerr: host function %s returned %s as result %d, its type says %s",
				f.name, v, i, f.results[i]))
		}
		v.store(&slots[i])
	}
	return nil
}
