//! Conversions between the C API's `wasmtime_val_t` and trace values, and
//! between Wasmtime types and trace signatures.

use crate::error::{ErrorKind, Result, RrError};
use crate::trace::event::{FuncRef, Kind, Signature, Value};
use crate::trace::wire::{ByteSink, Cursor, put_sleb};
use std::mem::{MaybeUninit, size_of, transmute_copy};
use wasmtime::{AsContextMut, Func, FuncType, HeapType, Val, ValRaw, ValType};
use wasmtime_c_api::{wasmtime_func_t, wasmtime_val_t, wasmtime_val_union};

/// The identity of a function handle: its bytes (store id and function
/// pointer, no padding), unique among live functions of a store.
pub type FuncKey = [u8; 16];

const _: () = {
    assert!(size_of::<Func>() == 16);
    assert!(size_of::<wasmtime_func_t>() == 16);
};

pub fn func_key(func: &Func) -> FuncKey {
    // SAFETY: both are 16 plain bytes (asserted above).
    unsafe { transmute_copy(func) }
}

pub fn kind_of(ty: &ValType) -> Result<Kind> {
    Ok(match ty {
        ValType::I32 => Kind::I32,
        ValType::I64 => Kind::I64,
        ValType::F32 => Kind::F32,
        ValType::F64 => Kind::F64,
        ValType::V128 => Kind::V128,
        ValType::Ref(r) => match r.heap_type().top() {
            HeapType::Func => Kind::FuncRef,
            HeapType::Extern => Kind::ExternRef,
            HeapType::Any => Kind::AnyRef,
            HeapType::Exn => Kind::ExnRef,
            other => {
                return Err(RrError::new(
                    ErrorKind::Unsupported,
                    format!("values of type {other} cannot be recorded"),
                ));
            }
        },
    })
}

pub fn signature_of(ty: &FuncType) -> Result<Signature> {
    Ok(Signature {
        params: ty.params().map(|t| kind_of(&t)).collect::<Result<_>>()?,
        results: ty.results().map(|t| kind_of(&t)).collect::<Result<_>>()?,
    })
}

/// The first word of a reference in the value union: its store id, zero for
/// null (true of every reference type in the C API).
fn ref_store_id(value: &wasmtime_val_t) -> u64 {
    // SAFETY: every reference variant of the union starts with a u64.
    unsafe { transmute_copy::<wasmtime_val_union, u64>(&value.of) }
}

/// Reads a C value. `name` names a non-null function reference.
pub fn from_c(value: &wasmtime_val_t, name: &mut dyn FnMut(FuncKey) -> FuncRef) -> Result<Value> {
    let kind = Kind::from_byte(value.kind)
        .map_err(|_| RrError::invalid_argument(format!("unknown value kind {}", value.kind)))?;
    // SAFETY: the union is read as the variant `kind` names.
    Ok(unsafe {
        match kind {
            Kind::I32 => Value::I32(value.of.i32),
            Kind::I64 => Value::I64(value.of.i64),
            Kind::F32 => Value::F32(value.of.f32),
            Kind::F64 => Value::F64(value.of.f64),
            Kind::V128 => Value::V128(value.of.v128),
            Kind::FuncRef if ref_store_id(value) == 0 => Value::Func(FuncRef::Null),
            Kind::FuncRef => Value::Func(name(transmute_copy(&value.of.funcref))),
            _ if ref_store_id(value) == 0 => Value::NullRef(kind),
            _ => {
                return Err(RrError::new(
                    ErrorKind::Unsupported,
                    format!("a non-null {} crossed the host boundary: host objects cannot be recorded", kind.name()),
                ));
            }
        }
    })
}

/// A C value of a numeric kind as a trace value (`None` for references).
#[inline]
pub fn number(value: &wasmtime_val_t) -> Option<Value> {
    // SAFETY: the union is read as the variant `kind` names.
    unsafe {
        Some(match value.kind {
            0 => Value::I32(value.of.i32),
            1 => Value::I64(value.of.i64),
            2 => Value::F32(value.of.f32),
            3 => Value::F64(value.of.f64),
            4 => Value::V128(value.of.v128),
            _ => return None,
        })
    }
}

/// The Wasmtime type a trace kind stands for (references: their nullable
/// top type, which every reference of the kind converts with).
fn valtype(kind: Kind) -> ValType {
    match kind {
        Kind::I32 => ValType::I32,
        Kind::I64 => ValType::I64,
        Kind::F32 => ValType::F32,
        Kind::F64 => ValType::F64,
        Kind::V128 => ValType::V128,
        Kind::FuncRef => ValType::FUNCREF,
        Kind::ExternRef => ValType::EXTERNREF,
        Kind::AnyRef => ValType::ANYREF,
        Kind::ExnRef => ValType::EXNREF,
    }
}

/// A raw value of a numeric kind as a trace value (`None` for references).
#[inline]
pub fn raw_number(raw: ValRaw, kind: Kind) -> Option<Value> {
    Some(match kind {
        Kind::I32 => Value::I32(raw.get_i32()),
        Kind::I64 => Value::I64(raw.get_i64()),
        Kind::F32 => Value::F32(raw.get_f32()),
        Kind::F64 => Value::F64(raw.get_f64()),
        Kind::V128 => Value::V128(raw.get_v128().to_le_bytes()),
        _ => return None,
    })
}

/// Encodes a raw value of a numeric kind as `put_value` encodes the same
/// number, without making a `Value` (the recording's hot path; a unit test
/// in host.rs holds the two to the same bytes). Tested in order of how
/// common the types are: no jump table.
#[inline(always)]
pub fn put_raw_number(out: &mut impl ByteSink, raw: ValRaw, kind: Kind) {
    if kind == Kind::I32 {
        put_sleb(out, i64::from(raw.get_i32()));
    } else if kind == Kind::I64 {
        put_sleb(out, raw.get_i64());
    } else if kind == Kind::F64 {
        out.push_bytes(&raw.get_f64().to_le_bytes());
    } else if kind == Kind::F32 {
        out.push_bytes(&raw.get_f32().to_le_bytes());
    } else {
        // Callers pass numbers only: this is a v128.
        out.push_bytes(&raw.get_v128().to_le_bytes());
    }
}

/// Decodes a number of a known type straight into a raw value, as
/// `get_value` reads it (the replay's hot path); `None` for references.
#[inline]
pub fn get_raw_number(cursor: &mut Cursor<'_>, kind: Kind) -> Result<Option<ValRaw>> {
    // The most common type first, apart from the rest.
    if kind == Kind::I32 {
        return Ok(Some(ValRaw::i32(cursor.sleb32()?)));
    }
    Ok(Some(match kind {
        Kind::I64 => ValRaw::i64(cursor.sleb()?),
        Kind::F32 => ValRaw::f32(u32::from_le_bytes(cursor.array()?)),
        Kind::F64 => ValRaw::f64(u64::from_le_bytes(cursor.array()?)),
        Kind::V128 => ValRaw::v128(u128::from_le_bytes(cursor.array()?)),
        _ => return Ok(None),
    }))
}

/// A numeric trace value as a raw value (`None` for references).
#[inline]
pub fn number_raw(value: &Value) -> Option<ValRaw> {
    Some(match value {
        Value::I32(v) => ValRaw::i32(*v),
        Value::I64(v) => ValRaw::i64(*v),
        Value::F32(bits) => ValRaw::f32(*bits),
        Value::F64(bits) => ValRaw::f64(*bits),
        Value::V128(bytes) => ValRaw::v128(u128::from_le_bytes(*bytes)),
        _ => return None,
    })
}

/// A raw value of a known kind as a trace value; `name` names a non-null
/// function reference.
///
/// # Safety
/// `raw` must hold a value of `kind` of the store `store`.
pub unsafe fn raw_to_value(
    store: impl AsContextMut,
    raw: ValRaw,
    kind: Kind,
    name: &mut dyn FnMut(FuncKey) -> FuncRef,
) -> Result<Value> {
    if let Some(value) = raw_number(raw, kind) {
        return Ok(value);
    }
    Ok(match kind {
        Kind::FuncRef => match unsafe { Func::from_raw(store, raw.get_funcref()) } {
            None => Value::Func(FuncRef::Null),
            Some(func) => Value::Func(name(func_key(&func))),
        },
        _ if raw.get_anyref() == 0 => Value::NullRef(kind),
        _ => {
            return Err(RrError::new(
                ErrorKind::Unsupported,
                format!("a non-null {} crossed the host boundary: host objects cannot be recorded", kind.name()),
            ));
        }
    })
}

/// A trace value as a raw value; `resolve` finds the function a named
/// reference stands for.
pub fn value_to_raw(
    mut store: impl AsContextMut,
    value: &Value,
    resolve: &mut dyn FnMut(FuncRef) -> Result<Option<Func>>,
) -> Result<ValRaw> {
    if let Some(raw) = number_raw(value) {
        return Ok(raw);
    }
    Ok(match value {
        Value::Func(name) => match resolve(*name)? {
            Some(func) => ValRaw::funcref(func.to_raw(store.as_context_mut())),
            None => ValRaw::funcref(std::ptr::null_mut()),
        },
        // The null reference of every GC reference type is 0.
        _ => ValRaw::anyref(0),
    })
}

/// A raw value of a known kind as a C value, for a host callback: numbers
/// directly, references through Wasmtime's own conversions.
///
/// # Safety
/// `raw` must hold a value of `kind` of the store `store`.
pub unsafe fn raw_to_c(mut store: impl AsContextMut, raw: ValRaw, kind: Kind) -> wasmtime_val_t {
    let of = match kind {
        Kind::I32 => wasmtime_val_union { i32: raw.get_i32() },
        Kind::I64 => wasmtime_val_union { i64: raw.get_i64() },
        Kind::F32 => wasmtime_val_union { f32: raw.get_f32() },
        Kind::F64 => wasmtime_val_union { f64: raw.get_f64() },
        Kind::V128 => wasmtime_val_union { v128: raw.get_v128().to_le_bytes() },
        _ => {
            let val = unsafe { Val::from_raw(store.as_context_mut(), raw, valtype(kind)) };
            return wasmtime_val_t::from_val_unscoped(store, val);
        }
    };
    wasmtime_val_t { kind: kind as u8, of }
}

/// A C value a host callback returned as a raw value, its kind already
/// checked against the function's type.
///
/// # Safety
/// `value`'s references must be live.
pub unsafe fn c_to_raw(mut store: impl AsContextMut, value: &wasmtime_val_t) -> Result<ValRaw> {
    if let Some(number) = number(value) {
        return Ok(number_raw(&number).expect("a number"));
    }
    let val = unsafe { value.to_val_unscoped(store.as_context_mut()) };
    val.to_raw(store).map_err(|e| RrError::from_wasmtime(ErrorKind::InvalidArgument, &e))
}

/// Makes a C value. `resolve` finds the function a named reference stands for.
pub fn to_c(value: &Value, resolve: &mut dyn FnMut(FuncRef) -> Result<Option<Func>>) -> Result<wasmtime_val_t> {
    let of = match value {
        Value::I32(v) => wasmtime_val_union { i32: *v },
        Value::I64(v) => wasmtime_val_union { i64: *v },
        Value::F32(bits) => wasmtime_val_union { f32: *bits },
        Value::F64(bits) => wasmtime_val_union { f64: *bits },
        Value::V128(bytes) => wasmtime_val_union { v128: *bytes },
        Value::Func(name) => wasmtime_val_union { funcref: wasmtime_func_t::from(resolve(*name)?) },
        // SAFETY: all-zero is the null reference of every reference type.
        Value::NullRef(_) => unsafe { MaybeUninit::zeroed().assume_init() },
    };
    Ok(wasmtime_val_t { kind: value.kind() as u8, of })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: Value) -> Value {
        let c = to_c(&value, &mut |_| Ok(None)).unwrap();
        from_c(&c, &mut |_| FuncRef::Unnamed).unwrap()
    }

    #[test]
    fn numbers_and_null_refs_round_trip_bit_for_bit() {
        for value in [
            Value::I32(i32::MIN),
            Value::I64(-1),
            Value::F32(0x7fc0_0001),
            Value::F64(0x8000_0000_0000_0000),
            Value::V128([0xab; 16]),
            Value::Func(FuncRef::Null),
            Value::NullRef(Kind::ExternRef),
            Value::NullRef(Kind::AnyRef),
        ] {
            assert_eq!(round_trip(value), value);
        }
    }

    #[test]
    fn unknown_kinds_are_invalid_arguments() {
        let bogus = wasmtime_val_t { kind: 42, of: wasmtime_val_union { i32: 0 } };
        let e = from_c(&bogus, &mut |_| FuncRef::Unnamed).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        std::mem::forget(bogus);
    }
}
