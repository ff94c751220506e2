// Package capitest gives the binding's tests what Go test files cannot reach
// themselves (cgo is not allowed in _test.go files): the header's version
// macro and an error object made by Wasmtime's own C API.
package capitest

// #include <stdlib.h>
// #include <wasmtime_rr.h>
import "C"

import "unsafe"

// HeaderVersion returns the WASMTIME_RR_VERSION macro of wasmtime_rr.h.
func HeaderVersion() string {
	return C.WASMTIME_RR_VERSION
}

// WasmtimeError returns a new wasmtime_error_t* made by Wasmtime's own
// wasmtime_error_new; the caller owns it.
func WasmtimeError(message string) unsafe.Pointer {
	cmessage := C.CString(message)
	defer C.free(unsafe.Pointer(cmessage))
	return unsafe.Pointer(C.wasmtime_error_new(cmessage))
}
