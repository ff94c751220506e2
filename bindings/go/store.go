package wasmtimerr

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Store is a Wasmtime store (wasmtime_store_t) on an Engine: the unit that
// records or replays. It is part of the binding's minimal object model for
// record/replay (Store, Module, Linker, Instance, Func, Caller): enough to
// record a session of a guest and replay it, not a replacement for
// wasmtime-go. A Store, and everything used with it, is for one goroutine at
// a time.
type Store struct {
	ptr     *C.wasmtime_store_t
	stream  *stream // the io.Writer or io.Reader of the attached session, if any
	cleanup runtime.Cleanup
}

// NewStore creates a store on engine (wasmtime_store_new). A nil or closed
// Engine is refused with ErrNullArgument.
func NewStore(engine *Engine) (*Store, error) {
	if engine.raw() == nil {
		return nil, bindingError(ErrorKindNullArgument, "NewStore: the Engine is nil or closed")
	}
	ptr := C.wasmtime_store_new(engine.ptr, nil, nil)
	runtime.KeepAlive(engine)
	s := &Store{ptr: ptr}
	s.cleanup = runtime.AddCleanup(s, deleteStore, ptr)
	return s, nil
}

// deleteStore is the cleanup of a Store that was never closed.
func deleteStore(ptr *C.wasmtime_store_t) {
	C.wasmtime_store_delete(ptr)
}

// context returns the store's context, NULL for a nil or closed Store.
func (s *Store) context() *C.wasmtime_context_t {
	if s == nil || s.ptr == nil {
		return nil
	}
	return C.wasmtime_store_context(s.ptr)
}

// usable returns the context, or an ErrNullArgument error for a nil or closed
// Store (Wasmtime's own functions would dereference NULL).
func (s *Store) usable(what string) (*C.wasmtime_context_t, error) {
	ctx := s.context()
	if ctx == nil {
		return nil, bindingError(ErrorKindNullArgument, "%s: the Store is nil or closed", what)
	}
	return ctx, nil
}

// wrap adds the writer's or reader's own error to an ErrTraceIO error of the
// attached session, so that errors.Is finds both.
func (s *Store) wrap(err error) error {
	if err == nil || s == nil || s.stream == nil || !errors.Is(err, ErrTraceIO) {
		return err
	}
	if cause := s.stream.failure(); cause != nil {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// Record starts recording the store into rec's trace (wasmtime_rr_store_record),
// writing the trace header. The store's engine must be recording
// (ErrInvalidArgument otherwise, also when a session is already attached).
// rec is taken over in every case, also on failure: afterwards it is spent.
// End the recording with Finish; closing the store first ends the trace with
// a marker saying it was cut off.
func (s *Store) Record(rec *Recorder) error {
	ptr, st := rec.take()
	err := errorFrom(C.wasmtime_rr_store_record(s.context(), ptr))
	runtime.KeepAlive(s)
	return s.attached(st, err)
}

// Replay starts replaying the store from rep's trace (wasmtime_rr_store_replay),
// reading and checking the trace header (ErrTraceFormat for one that is not a
// valid trace). The store's engine must be replaying. rep is taken over in
// every case. From now on host functions are not called: their recorded
// results, traps and memory writes are applied, and every instantiation and
// call is checked against the trace (ErrDivergence, ErrModuleMismatch).
func (s *Store) Replay(rep *Replayer) error {
	ptr, st := rep.take()
	err := errorFrom(C.wasmtime_rr_store_replay(s.context(), ptr))
	runtime.KeepAlive(s)
	return s.attached(st, err)
}

// attached notes the stream of a session that was just attached, or wraps
// the stream's own error into the attach error.
func (s *Store) attached(st *stream, err error) error {
	if err != nil {
		if st != nil && errors.Is(err, ErrTraceIO) {
			if cause := st.failure(); cause != nil {
				return fmt.Errorf("%w: %w", err, cause)
			}
		}
		return err
	}
	s.stream = st
	return nil
}

// Flush hands everything the store has recorded so far to the trace's file
// or io.Writer (wasmtime_rr_store_flush): the open frame is sealed and every
// pending frame written, so the destination then holds a valid prefix of
// the trace with every event recorded before the call. It writes nothing
// for a replaying store. With nothing attached, or from inside one of the
// session's own writer or reader calls, it returns ErrInvalidArgument; a
// failed write, ErrTraceIO (sticky, as for any call).
func (s *Store) Flush() error {
	err := s.wrap(errorFrom(C.wasmtime_rr_store_flush(s.context())))
	runtime.KeepAlive(s)
	return err
}

// Finish ends the store's recording or replay (wasmtime_rr_store_finish). A
// recording writes its end marker and last frame (then closes its file); a
// replay checks that the trace has nothing left (ErrDivergence otherwise).
// With nothing attached it returns ErrInvalidArgument. The session is
// released in every case but one: Finish called from inside one of the
// session's host functions or trace callbacks is refused with
// ErrInvalidArgument, and the session goes on. Once released, another one
// may be attached.
func (s *Store) Finish() error {
	err := s.wrap(errorFrom(C.wasmtime_rr_store_finish(s.context())))
	runtime.KeepAlive(s)
	// An invalid argument released nothing (no session, a NULL store, or a
	// refused re-entry): the stream of a session still attached stays.
	if s != nil && !errors.Is(err, ErrInvalidArgument) {
		s.stream = nil
	}
	return err
}

// Close frees the store (wasmtime_store_delete), with its instances and
// functions. A recording still attached is ended with a marker saying the
// store was dropped. Closing a closed Store does nothing. It always returns
// nil.
func (s *Store) Close() error {
	if s == nil || s.ptr == nil {
		return nil
	}
	s.cleanup.Stop()
	C.wasmtime_store_delete(s.ptr)
	s.ptr = nil
	s.stream = nil
	return nil
}

// Module is a compiled module made by NewModule (wasmtime_rr_module_new),
// which also remembers the SHA-256 of its bytes for record/replay.
type Module struct {
	ptr     *C.wasmtime_module_t
	cleanup runtime.Cleanup
}

// NewModule compiles wasm (binary) for engine (wasmtime_rr_module_new). A
// module that does not compile gives Wasmtime's error (ErrWasmtime). Use
// Wat2Wasm for the text format.
func NewModule(engine *Engine, wasm []byte) (*Module, error) {
	var data *C.uint8_t
	if len(wasm) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&wasm[0]))
	}
	var out *C.wasmtime_module_t
	err := errorFrom(C.wasmtime_rr_module_new(engine.raw(), data, C.size_t(len(wasm)), &out))
	runtime.KeepAlive(engine)
	runtime.KeepAlive(wasm)
	if err != nil {
		return nil, err
	}
	m := &Module{ptr: out}
	m.cleanup = runtime.AddCleanup(m, deleteModule, out)
	return m, nil
}

// deleteModule is the cleanup of a Module that was never closed.
func deleteModule(ptr *C.wasmtime_module_t) {
	C.wasmtime_rr_module_delete(ptr)
}

func (m *Module) raw() *C.wasmtime_module_t {
	if m == nil {
		return nil
	}
	return m.ptr
}

// Close frees the module and its recorded checksum (wasmtime_rr_module_delete).
// Instances made from it are unaffected. Closing a closed Module does
// nothing. It always returns nil.
func (m *Module) Close() error {
	if m.raw() == nil {
		return nil
	}
	m.cleanup.Stop()
	C.wasmtime_rr_module_delete(m.ptr)
	m.ptr = nil
	return nil
}

// Wat2Wasm converts the WebAssembly text format to binary
// (wasmtime_wat2wasm); a syntax error is Wasmtime's error (ErrWasmtime).
func Wat2Wasm(wat string) ([]byte, error) {
	cwat := C.CString(wat)
	defer C.free(unsafe.Pointer(cwat))
	var out C.wasm_byte_vec_t
	if err := errorFrom(C.wasmtime_wat2wasm(cwat, C.size_t(len(wat)), &out)); err != nil {
		return nil, err
	}
	defer C.wasm_byte_vec_delete(&out)
	return C.GoBytes(unsafe.Pointer(out.data), C.int(out.size)), nil
}

// HostFunc is a host function implemented in Go. args have the kinds of the
// function's params; it returns values of the kinds of its results, or an
// error, which becomes a trap of the guest with the error's message. While
// the store replays, host functions are not called: the recorded results are
// used instead. The Caller is valid only during the call.
type HostFunc func(caller *Caller, args []Value) ([]Value, error)

// hostFunc is a HostFunc with its type, behind a callback handle.
type hostFunc struct {
	name    string
	results []ValKind
	fn      HostFunc
}

// functype builds a wasm_functype_t (owned by the caller) from kinds the
// binding carries.
func functype(params, results []ValKind) (*C.wasm_functype_t, error) {
	p, err := kindBytes("param", params)
	if err != nil {
		return nil, err
	}
	r, err := kindBytes("result", results)
	if err != nil {
		return nil, err
	}
	var pp, rp *C.uint8_t
	if len(p) > 0 {
		pp = &p[0]
	}
	if len(r) > 0 {
		rp = &r[0]
	}
	return C.wasmtimerr_functype(pp, C.size_t(len(p)), rp, C.size_t(len(r))), nil
}

// Linker defines host functions by name and instantiates modules with them
// (wasmtime_linker_t).
type Linker struct {
	ptr     *C.wasmtime_linker_t
	cleanup runtime.Cleanup
}

// NewLinker creates a linker for engine (wasmtime_linker_new). A nil or
// closed Engine is refused with ErrNullArgument.
func NewLinker(engine *Engine) (*Linker, error) {
	if engine.raw() == nil {
		return nil, bindingError(ErrorKindNullArgument, "NewLinker: the Engine is nil or closed")
	}
	ptr := C.wasmtime_linker_new(engine.ptr)
	runtime.KeepAlive(engine)
	l := &Linker{ptr: ptr}
	l.cleanup = runtime.AddCleanup(l, deleteLinker, ptr)
	return l, nil
}

// deleteLinker is the cleanup of a Linker that was never closed.
func deleteLinker(ptr *C.wasmtime_linker_t) {
	C.wasmtime_linker_delete(ptr)
}

func (l *Linker) raw() *C.wasmtime_linker_t {
	if l == nil {
		return nil
	}
	return l.ptr
}

// DefineFunc defines the host function module.name with the given type
// (wasmtime_rr_linker_define_func). While a store records, calls run fn and
// are recorded under that name; while it replays, fn is not called. Kinds
// other than i32, i64, f32 and f64 are refused with ErrUnsupported; a
// duplicate name is Wasmtime's error.
func (l *Linker) DefineFunc(module, name string, params, results []ValKind, fn HostFunc) error {
	if fn == nil {
		return bindingError(ErrorKindNullArgument, "DefineFunc: the host function %s.%s is nil", module, name)
	}
	ty, err := functype(params, results)
	if err != nil {
		return err
	}
	defer C.wasm_functype_delete(ty)
	cmodule, cname := C.CString(module), C.CString(name)
	defer C.free(unsafe.Pointer(cmodule))
	defer C.free(unsafe.Pointer(cname))
	cb := newCallback(&hostFunc{name: module + "." + name, results: append([]ValKind(nil), results...), fn: fn})
	err = errorFrom(C.wasmtimerr_linker_define_go(l.raw(), cmodule, C.size_t(len(module)), cname, C.size_t(len(name)), ty, cb.data()))
	runtime.KeepAlive(l)
	if err != nil {
		cb.release() // whether or not the library ran the finalizer already
	}
	return err
}

// Instantiate instantiates module in store with the linker's definitions
// (wasmtime_rr_linker_instantiate): recorded, or checked against the trace
// (ErrModuleMismatch names both checksums when the module differs). A trap
// of the start function is a *Trap.
func (l *Linker) Instantiate(store *Store, module *Module) (*Instance, error) {
	var inst C.wasmtime_instance_t
	var trap *C.wasm_trap_t
	err := errorFrom(C.wasmtime_rr_linker_instantiate(l.raw(), store.context(), module.raw(), &inst, &trap))
	runtime.KeepAlive(l)
	runtime.KeepAlive(store)
	runtime.KeepAlive(module)
	return instanceFrom(store, inst, trap, err)
}

// Close frees the linker (wasmtime_linker_delete). Host functions stay alive
// in the stores that instantiated with them. Closing a closed Linker does
// nothing. It always returns nil.
func (l *Linker) Close() error {
	if l.raw() == nil {
		return nil
	}
	l.cleanup.Stop()
	C.wasmtime_linker_delete(l.ptr)
	l.ptr = nil
	return nil
}

// Func is a host function made by NewFunc in one store, for InstantiateWith.
type Func struct {
	fn    C.wasmtime_func_t
	store *Store
}

// NewFunc creates a host function in store (wasmtime_rr_func_new), for
// InstantiateWith, which names it after the import it satisfies. When the
// store's engine records or replays, a Recorder or Replayer must be attached
// first (ErrInvalidArgument otherwise). The function lives as long as the
// store.
func NewFunc(store *Store, params, results []ValKind, fn HostFunc) (*Func, error) {
	if fn == nil {
		return nil, bindingError(ErrorKindNullArgument, "NewFunc: the host function is nil")
	}
	ty, err := functype(params, results)
	if err != nil {
		return nil, err
	}
	defer C.wasm_functype_delete(ty)
	cb := newCallback(&hostFunc{name: "(made by NewFunc)", results: append([]ValKind(nil), results...), fn: fn})
	var made C.wasmtime_func_t
	err = errorFrom(C.wasmtimerr_func_new_go(store.context(), ty, cb.data(), &made))
	runtime.KeepAlive(store)
	if err != nil {
		cb.release() // the library does not run the finalizer on failure
		return nil, err
	}
	return &Func{fn: made, store: store}, nil
}

// InstantiateWith instantiates module in store with imports, functions in
// the module's import order (wasmtime_rr_instance_new); it is the
// Linker-less way, and supports function imports only. Each Func must belong
// to store (ErrInvalidArgument otherwise).
func InstantiateWith(store *Store, module *Module, imports []*Func) (*Instance, error) {
	funcs := make([]C.wasmtime_func_t, len(imports))
	for i, f := range imports {
		if f == nil || f.store != store {
			return nil, bindingError(ErrorKindInvalidArgument, "InstantiateWith: import %d is nil or belongs to another Store", i)
		}
		funcs[i] = f.fn
	}
	var fp *C.wasmtime_func_t
	if len(funcs) > 0 {
		fp = &funcs[0]
	}
	var inst C.wasmtime_instance_t
	var trap *C.wasm_trap_t
	err := errorFrom(C.wasmtimerr_instance_new_funcs(store.context(), module.raw(), fp, C.size_t(len(funcs)), &inst, &trap))
	runtime.KeepAlive(store)
	runtime.KeepAlive(module)
	return instanceFrom(store, inst, trap, err)
}

// Instance is an instance of a module in one store (wasmtime_instance_t).
type Instance struct {
	inst  C.wasmtime_instance_t
	store *Store
}

func instanceFrom(store *Store, inst C.wasmtime_instance_t, trap *C.wasm_trap_t, err error) (*Instance, error) {
	if err != nil {
		return nil, store.wrap(err)
	}
	if trap != nil {
		return nil, trapFrom(trap)
	}
	return &Instance{inst: inst, store: store}, nil
}

// Call calls the instance's function export name with args
// (wasmtime_instance_export_get, wasmtime_rr_func_call) and returns its
// results. While recording, the call, its results and the host calls it
// makes are recorded; while replaying, the call must be the next one in the
// trace with the same arguments (ErrDivergence otherwise) and its results
// equal the recorded ones bit for bit. A trap of the guest is returned as a
// *Trap; a host function's error comes back as Wasmtime's error
// (ErrWasmtime) with the host's message. store must be the instance's store.
// args must match the export's parameters in number and kinds: the library
// checks them before any call, in every mode, and returns ErrInvalidArgument
// ("the function takes 1 arguments, 0 were given", "argument #0 is an i64
// (kind 1), the function takes an i32 (kind 0)"); such a mistake records
// nothing and leaves a recording going.
//
// Wasmtime's C API cannot tell a function's result types without aborting
// on v128 and reference types, so a result the binding cannot carry is found
// only after the call: it is then dropped and the call returns an
// ErrUnsupported error, although it ran (and was recorded).
func (i *Instance) Call(store *Store, name string, args ...Value) ([]Value, error) {
	if i == nil || store != i.store {
		return nil, bindingError(ErrorKindInvalidArgument, "Call: the Instance is nil or belongs to another Store")
	}
	ctx, err := store.usable("Call")
	if err != nil {
		return nil, err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	inst := i.inst
	var fn C.wasmtime_func_t
	var nresults C.size_t
	switch C.wasmtimerr_export_func(ctx, &inst, cname, C.size_t(len(name)), &fn, &nresults) {
	case 0:
		return nil, bindingError(ErrorKindInvalidArgument, "Call: the instance has no export %q", name)
	case 2:
		return nil, bindingError(ErrorKindInvalidArgument, "Call: the export %q is not a function", name)
	}
	in := make([]C.wasmtime_val_t, len(args)+1) // never empty: &in[0] is valid
	for j, a := range args {
		a.store(&in[j])
	}
	out := make([]C.wasmtime_val_t, int(nresults)+1)
	var trap *C.wasm_trap_t
	err = errorFrom(C.wasmtime_rr_func_call(ctx, &fn, &in[0], C.size_t(len(args)), &out[0], nresults, &trap))
	runtime.KeepAlive(store)
	if err != nil {
		return nil, store.wrap(err)
	}
	if trap != nil {
		return nil, trapFrom(trap)
	}
	results := make([]Value, int(nresults))
	err = nil
	for j := range results {
		results[j] = valueFrom(&out[j])
		if kind := ValKind(out[j].kind); !kind.supported() && err == nil {
			err = bindingError(ErrorKindUnsupported, "Call: %q returned a %s as result %d; the binding carries i32, i64, "+
				"f32 and f64 only (the call ran, its results are dropped)", name, kind, j)
		}
		C.wasmtime_val_unroot(&out[j])
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// Caller is the context of a host function call: the calling instance's
// exports. It is valid only until the host function returns.
type Caller struct {
	ptr *C.wasmtime_caller_t
}

// MemoryWrite writes data at offset into the calling instance's exported
// memory named memory (wasmtime_caller_export_get, wasmtime_caller_context,
// wasmtime_rr_memory_write). Host functions must write guest memory this way
// for the write to be recorded, and re-applied on replay. A range that does
// not fit the memory is ErrInvalidArgument and writes nothing.
func (c *Caller) MemoryWrite(memory string, offset uint64, data []byte) error {
	if c == nil || c.ptr == nil {
		return bindingError(ErrorKindInvalidArgument, "MemoryWrite: the Caller is used after its host function returned")
	}
	cname := C.CString(memory)
	defer C.free(unsafe.Pointer(cname))
	var bytes *C.uint8_t
	if len(data) > 0 {
		bytes = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	var status C.int
	err := errorFrom(C.wasmtimerr_caller_memory_write(c.ptr, cname, C.size_t(len(memory)), C.uint64_t(offset), bytes, C.size_t(len(data)), &status))
	runtime.KeepAlive(data)
	switch status {
	case 1:
		return bindingError(ErrorKindInvalidArgument, "MemoryWrite: the caller has no export %q", memory)
	case 2:
		return bindingError(ErrorKindInvalidArgument, "MemoryWrite: the export %q is not a memory", memory)
	}
	return err
}

// TrapCode is the reason of a trap (wasmtime_trap_code_t); see
// wasmtime/trap.h for all values.
type TrapCode uint8

// The trap codes of core WebAssembly.
const (
	TrapStackOverflow          TrapCode = C.WASMTIME_TRAP_CODE_STACK_OVERFLOW
	TrapMemoryOutOfBounds      TrapCode = C.WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS
	TrapHeapMisaligned         TrapCode = C.WASMTIME_TRAP_CODE_HEAP_MISALIGNED
	TrapTableOutOfBounds       TrapCode = C.WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS
	TrapIndirectCallToNull     TrapCode = C.WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL
	TrapBadSignature           TrapCode = C.WASMTIME_TRAP_CODE_BAD_SIGNATURE
	TrapIntegerOverflow        TrapCode = C.WASMTIME_TRAP_CODE_INTEGER_OVERFLOW
	TrapIntegerDivisionByZero  TrapCode = C.WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO
	TrapBadConversionToInteger TrapCode = C.WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER
	TrapUnreachableCodeReached TrapCode = C.WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED
	TrapInterrupt              TrapCode = C.WASMTIME_TRAP_CODE_INTERRUPT
	TrapOutOfFuel              TrapCode = C.WASMTIME_TRAP_CODE_OUT_OF_FUEL
)

// Trap is a WebAssembly trap (wasm_trap_t), returned as an error by Call and
// instantiation.
type Trap struct {
	// Message is Wasmtime's description of the trap (wasm_trap_message),
	// without its trailing newline.
	Message string
	code    TrapCode
	hasCode bool
}

// Error returns the trap's message.
func (t *Trap) Error() string { return t.Message }

// Code returns the trap's code (wasmtime_trap_code), or false when the trap
// has none (one made from a message).
func (t *Trap) Code() (TrapCode, bool) { return t.code, t.hasCode }

// trapFrom reads a trap into a *Trap and frees it.
func trapFrom(trap *C.wasm_trap_t) *Trap {
	defer C.wasm_trap_delete(trap)
	var message C.wasm_message_t
	C.wasm_trap_message(trap, &message)
	defer C.wasm_byte_vec_delete(&message)
	// The message is NUL-terminated and ends with a newline; neither belongs
	// in a Go error string.
	text := strings.TrimRight(C.GoStringN(message.data, C.int(message.size)), "\x00\n")
	var code C.wasmtime_trap_code_t
	has := bool(C.wasmtime_trap_code(trap, &code))
	return &Trap{Message: text, code: TrapCode(code), hasCode: has}
}

// newTrap makes a trap with a message (wasmtime_trap_new), for a host
// function's error.
func newTrap(message string) *C.wasm_trap_t {
	cmessage := C.CString(message)
	defer C.free(unsafe.Pointer(cmessage))
	return C.wasmtime_trap_new(cmessage, C.size_t(len(message)))
}
