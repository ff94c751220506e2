package wasmtimerr

// #include "shim.h"
import "C"

import (
	"math"
	"strconv"
)

// ValKind is the type of a WebAssembly value. The binding carries the four
// number types; other kinds (v128, references) are refused with
// ErrUnsupported.
type ValKind uint8

// The value kinds, with the values of WASMTIME_I32 .. WASMTIME_F64 (equal to
// WASM_I32 .. WASM_F64).
const (
	KindI32 ValKind = C.WASMTIME_I32
	KindI64 ValKind = C.WASMTIME_I64
	KindF32 ValKind = C.WASMTIME_F32
	KindF64 ValKind = C.WASMTIME_F64
)

// String returns "i32", "i64", "f32", "f64", the name of another Wasmtime
// value kind ("v128", "funcref", ...), or "ValKind(n)".
func (k ValKind) String() string {
	switch k {
	case KindI32:
		return "i32"
	case KindI64:
		return "i64"
	case KindF32:
		return "f32"
	case KindF64:
		return "f64"
	case C.WASMTIME_V128:
		return "v128"
	case C.WASMTIME_FUNCREF:
		return "funcref"
	case C.WASMTIME_EXTERNREF:
		return "externref"
	case C.WASMTIME_ANYREF:
		return "anyref"
	case C.WASMTIME_EXNREF:
		return "exnref"
	default:
		return "ValKind(" + strconv.Itoa(int(k)) + ")"
	}
}

// supported reports whether the binding can carry values of kind k.
func (k ValKind) supported() bool {
	return k <= KindF64
}

// Value is a WebAssembly number value: its kind and its bits. Floats keep
// their exact bits (NaN payloads included), so values compare with == bit for
// bit. The zero Value is i32 0.
type Value struct {
	kind ValKind
	bits uint64
}

// ValI32 returns an i32 value.
func ValI32(v int32) Value { return Value{KindI32, uint64(uint32(v))} }

// ValI64 returns an i64 value.
func ValI64(v int64) Value { return Value{KindI64, uint64(v)} }

// ValF32 returns an f32 value.
func ValF32(v float32) Value { return Value{KindF32, uint64(math.Float32bits(v))} }

// ValF64 returns an f64 value.
func ValF64(v float64) Value { return Value{KindF64, math.Float64bits(v)} }

// Kind returns the value's kind.
func (v Value) Kind() ValKind { return v.kind }

// Bits returns the value's bits: an i32 or f32 in the low 32 bits.
func (v Value) Bits() uint64 { return v.bits }

// I32 returns the value of an i32; it panics for another kind.
func (v Value) I32() int32 { v.must(KindI32); return int32(uint32(v.bits)) }

// I64 returns the value of an i64; it panics for another kind.
func (v Value) I64() int64 { v.must(KindI64); return int64(v.bits) }

// F32 returns the value of an f32; it panics for another kind.
func (v Value) F32() float32 { v.must(KindF32); return math.Float32frombits(uint32(v.bits)) }

// F64 returns the value of an f64; it panics for another kind.
func (v Value) F64() float64 { v.must(KindF64); return math.Float64frombits(v.bits) }

func (v Value) must(kind ValKind) {
	if v.kind != kind {
		panic("wasmtimerr: Value." + kind.String() + " of a " + v.kind.String() + " value")
	}
}

// String returns the value as the library's messages write it, such as
// "i32:5" or "f64:0.5".
func (v Value) String() string {
	switch v.kind {
	case KindI32:
		return "i32:" + strconv.FormatInt(int64(v.I32()), 10)
	case KindI64:
		return "i64:" + strconv.FormatInt(v.I64(), 10)
	case KindF32:
		return "f32:" + strconv.FormatFloat(float64(v.F32()), 'g', -1, 32)
	case KindF64:
		return "f64:" + strconv.FormatFloat(v.F64(), 'g', -1, 64)
	default:
		return v.kind.String() + ":0x" + strconv.FormatUint(v.bits, 16)
	}
}

// valueFrom reads a wasmtime_val_t of a number kind.
func valueFrom(val *C.wasmtime_val_t) Value {
	return Value{ValKind(val.kind), uint64(C.wasmtimerr_val_bits(val))}
}

// store writes v into a wasmtime_val_t.
func (v Value) store(val *C.wasmtime_val_t) {
	C.wasmtimerr_val_set(val, C.uint8_t(v.kind), C.uint64_t(v.bits))
}

// kindBytes returns kinds as the bytes wasmtimerr_functype takes, or an
// ErrUnsupported error naming the first kind the binding cannot carry.
func kindBytes(what string, kinds []ValKind) ([]C.uint8_t, error) {
	out := make([]C.uint8_t, len(kinds))
	for i, k := range kinds {
		if !k.supported() {
			return nil, bindingError(ErrorKindUnsupported, "%s %d has kind %s; the binding carries i32, i64, f32 and f64 only", what, i, k)
		}
		out[i] = C.uint8_t(k)
	}
	return out, nil
}
