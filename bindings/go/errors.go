package wasmtimerr

// #include <stdlib.h>
// #include <wasmtime_rr.h>
import "C"

import (
	"fmt"
	"unsafe"
)

// ErrorKind is the stable classification of an error (wasmtime_rr_error_kind_t).
type ErrorKind uint32

// The error kinds, with the values of the WASMTIME_RR_ERROR_KIND_* macros.
const (
	// ErrorKindNone is the kind of no error (a NULL error pointer).
	ErrorKindNone ErrorKind = C.WASMTIME_RR_ERROR_KIND_NONE
	// ErrorKindWasmtime is an error made by Wasmtime's own C API.
	ErrorKindWasmtime ErrorKind = C.WASMTIME_RR_ERROR_KIND_WASMTIME
	// ErrorKindNullArgument means a required pointer was NULL, for example a
	// closed or consumed Config or a closed Engine.
	ErrorKindNullArgument ErrorKind = C.WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT
	// ErrorKindInvalidArgument means an argument was out of range, for example
	// an unknown Mode or a message that is not valid UTF-8.
	ErrorKindInvalidArgument ErrorKind = C.WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT
	// ErrorKindUnsupported means the library lacks the needed support, for
	// example record/replay when CompiledIn reports false.
	ErrorKindUnsupported ErrorKind = C.WASMTIME_RR_ERROR_KIND_UNSUPPORTED
	// ErrorKindInvalidConfig means Wasmtime rejected the configuration; the
	// message is Wasmtime's own.
	ErrorKindInvalidConfig ErrorKind = C.WASMTIME_RR_ERROR_KIND_INVALID_CONFIG
	// ErrorKindPanic means the library caught an internal panic (a bug).
	ErrorKindPanic ErrorKind = C.WASMTIME_RR_ERROR_KIND_PANIC
	// ErrorKindTraceIO means reading or writing a trace failed: a file that
	// cannot be created or opened, an io.Writer or io.Reader that failed.
	ErrorKindTraceIO ErrorKind = C.WASMTIME_RR_ERROR_KIND_TRACE_IO
	// ErrorKindTraceFormat means a trace is not valid: truncated, corrupted,
	// of another format version or recorded with another major version of
	// Wasmtime.
	ErrorKindTraceFormat ErrorKind = C.WASMTIME_RR_ERROR_KIND_TRACE_FORMAT
	// ErrorKindDivergence means a replay diverged from its trace (another
	// call, other arguments, results or memory, or a trace that ran out or
	// has events left); the message names the event index.
	ErrorKindDivergence ErrorKind = C.WASMTIME_RR_ERROR_KIND_DIVERGENCE
	// ErrorKindModuleMismatch means a replay instantiated a module whose
	// SHA-256 differs from the recorded one; the message names both.
	ErrorKindModuleMismatch ErrorKind = C.WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH
)

// String returns the library's stable name of the kind
// (wasmtime_rr_error_kind_name), such as "invalid_config", or "unknown".
func (k ErrorKind) String() string {
	return C.GoString(C.wasmtime_rr_error_kind_name(C.wasmtime_rr_error_kind_t(k)))
}

// Error is an error reported by the library: its kind and its message.
type Error struct {
	// Kind is the stable classification (wasmtime_rr_error_kind).
	Kind ErrorKind
	// Message is the library's message (wasmtime_error_message), unchanged.
	Message string
}

// Error returns the message exactly as the library wrote it.
func (e *Error) Error() string {
	return e.Message
}

// Is reports whether target is the sentinel error of e's kind, so that
// errors.Is(err, ErrInvalidConfig) holds for every error of that kind.
func (e *Error) Is(target error) bool {
	return int(e.Kind) < len(sentinels) && sentinels[e.Kind] != nil && target == error(sentinels[e.Kind])
}

// Sentinel errors, one per kind, for errors.Is. Each one's message is the
// kind's name.
var (
	// ErrWasmtime matches errors of kind ErrorKindWasmtime.
	ErrWasmtime = sentinel(ErrorKindWasmtime)
	// ErrNullArgument matches errors of kind ErrorKindNullArgument.
	ErrNullArgument = sentinel(ErrorKindNullArgument)
	// ErrInvalidArgument matches errors of kind ErrorKindInvalidArgument.
	ErrInvalidArgument = sentinel(ErrorKindInvalidArgument)
	// ErrUnsupported matches errors of kind ErrorKindUnsupported.
	ErrUnsupported = sentinel(ErrorKindUnsupported)
	// ErrInvalidConfig matches errors of kind ErrorKindInvalidConfig.
	ErrInvalidConfig = sentinel(ErrorKindInvalidConfig)
	// ErrPanic matches errors of kind ErrorKindPanic.
	ErrPanic = sentinel(ErrorKindPanic)
	// ErrTraceIO matches errors of kind ErrorKindTraceIO.
	ErrTraceIO = sentinel(ErrorKindTraceIO)
	// ErrTraceFormat matches errors of kind ErrorKindTraceFormat.
	ErrTraceFormat = sentinel(ErrorKindTraceFormat)
	// ErrDivergence matches errors of kind ErrorKindDivergence.
	ErrDivergence = sentinel(ErrorKindDivergence)
	// ErrModuleMismatch matches errors of kind ErrorKindModuleMismatch.
	ErrModuleMismatch = sentinel(ErrorKindModuleMismatch)
)

// sentinels maps a kind to its sentinel error; ErrorKindNone has none.
var sentinels = [...]*Error{
	ErrorKindWasmtime:        ErrWasmtime,
	ErrorKindNullArgument:    ErrNullArgument,
	ErrorKindInvalidArgument: ErrInvalidArgument,
	ErrorKindUnsupported:     ErrUnsupported,
	ErrorKindInvalidConfig:   ErrInvalidConfig,
	ErrorKindPanic:           ErrPanic,
	ErrorKindTraceIO:         ErrTraceIO,
	ErrorKindTraceFormat:     ErrTraceFormat,
	ErrorKindDivergence:      ErrDivergence,
	ErrorKindModuleMismatch:  ErrModuleMismatch,
}

// sentinel makes the sentinel error of a kind; its message is the kind name.
func sentinel(kind ErrorKind) *Error {
	return &Error{Kind: kind, Message: kind.String()}
}

// bindingError is an error detected by this package itself, before or instead
// of a library call (a closed Store, a value kind the binding cannot carry,
// ...). Its message starts with "wasmtimerr: " so it cannot be mistaken for
// one of the library's.
func bindingError(kind ErrorKind, format string, args ...any) error {
	return &Error{Kind: kind, Message: "wasmtimerr: " + fmt.Sprintf(format, args...)}
}

// errorFrom turns an error object returned by the library into an *Error and
// frees the object; NULL (success) gives nil.
func errorFrom(raw *C.wasmtime_error_t) error {
	if raw == nil {
		return nil
	}
	defer C.wasmtime_error_delete(raw)
	var message C.wasm_name_t
	C.wasmtime_error_message(raw, &message)
	defer C.wasm_byte_vec_delete(&message)
	e := &Error{
		Kind:    ErrorKind(C.wasmtime_rr_error_kind(raw)),
		Message: C.GoStringN(message.data, C.int(message.size)),
	}
	var status C.int
	if C.wasmtime_error_exit_status(raw, &status) {
		return &ExitError{Code: int32(status), Err: e}
	}
	return e
}

// ExitError is the error of a guest that ended itself with WASI's proc_exit
// (or a C or Go main returning), as a call or an instantiation returns it:
// Code is the exit status that wasmtime_error_exit_status reads, 0 included.
// A replay returns the recorded status. It wraps the *Error of the library's
// error object (Wasmtime's, of kind ErrorKindWasmtime), so errors.As finds
// both it and the *Error, and errors.Is(err, ErrWasmtime) holds:
//
//	var exit *wasmtimerr.ExitError
//	if errors.As(err, &exit) {
//		os.Exit(int(exit.Code))
//	}
type ExitError struct {
	// Code is the guest's exit status.
	Code int32
	// Err is the library's error, with Wasmtime's message (such as "Exited
	// with i32 exit status 7").
	Err *Error
}

// Error returns the library's message.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Message
}

// Unwrap returns the library's *Error.
func (e *ExitError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// ErrorFromPtr takes ownership of a wasmtime_error_t* returned by any function
// of Wasmtime's C API (called through cgo on Engine.Ptr or Config.Ptr), reads
// its kind and message into an *Error and frees it. A nil pointer (success)
// gives nil.
func ErrorFromPtr(ptr unsafe.Pointer) error {
	return errorFrom((*C.wasmtime_error_t)(ptr))
}

// NewError creates an error object of the given kind with the library
// (wasmtime_rr_error_new) and returns it as an *Error. The kinds from
// ErrorKindNullArgument to ErrorKindModuleMismatch can be created. The
// message bytes reach the library as they are: a string that is not valid
// UTF-8 is rejected by the library, as is a kind that cannot be created
// (ErrorKindNone, ErrorKindWasmtime, unknown values). The message is passed as a C string, so
// it ends at its first NUL byte. The first result is the created error;
// the second says why none could be created.
func NewError(kind ErrorKind, message string) (error, error) {
	cmessage := C.CString(message)
	defer C.free(unsafe.Pointer(cmessage))
	var made *C.wasmtime_error_t
	if err := errorFrom(C.wasmtime_rr_error_new(C.wasmtime_rr_error_kind_t(kind), cmessage, &made)); err != nil {
		return nil, err
	}
	return errorFrom(made), nil
}
