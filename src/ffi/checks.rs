//! Checks of the Wasmtime objects a host passes, made before any stock C API
//! function sees them: a stock `extern "C"` function that panics cannot
//! unwind, so it aborts the host.
//!
//! Wasmtime itself panics on an object used with the wrong store and on a
//! handle that names nothing; as its Rust API is documented to, and before it
//! changes anything. [`foreign`] runs such Rust calls and turns those panics
//! into `invalid_argument` errors, without the panic message on stderr (the
//! host made the mistake and gets the error). Everything else is checked by
//! value: kinds from C, argument counts and types, engines.

use crate::error::{Result, RrError};
use crate::rr::values;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use wasmtime::{AsContext, Engine, Extern, Func, FuncType, Memory};
use wasmtime_c_api::{WasmtimeStoreContextMut, wasmtime_extern_t, wasmtime_val_t};

thread_local! {
    /// Set while `foreign` runs: a panic there is the host's mistake.
    static EXPECTED: Cell<bool> = const { Cell::new(false) };
}

fn quiet_expected_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXPECTED.get() {
                previous(info);
            }
        }));
    });
}

/// Runs Rust API calls on objects a host passed; a panic (wrong store, a
/// handle that names nothing) becomes an `invalid_argument` error about `what`.
pub(crate) fn foreign<R>(what: &str, body: impl FnOnce() -> R) -> Result<R> {
    quiet_expected_panics();
    let outer = EXPECTED.replace(true);
    let result = catch_unwind(AssertUnwindSafe(body));
    EXPECTED.set(outer);
    result.map_err(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        RrError::invalid_argument(format!("{what} is not an object of this store ({why})"))
    })
}

/// Two objects must come from the same engine.
pub(crate) fn same_engine(a: &Engine, b: &Engine, what: &str) -> Result<()> {
    match Engine::same(a, b) {
        true => Ok(()),
        false => Err(RrError::invalid_argument(format!("{what} belong to different engines"))),
    }
}

/// The store id a C handle starts with (a zero id names no store).
pub(crate) fn store_id_of<T>(handle: &T) -> u64 {
    const { assert!(size_of::<T>() >= 8) };
    // SAFETY: every store-owned handle of the C API starts with its u64 store id.
    unsafe { std::ptr::read_unaligned((handle as *const T).cast::<u64>()) }
}

/// A function handle of this store; its type.
pub(crate) fn func_type(context: &WasmtimeStoreContextMut<'_>, func: *const Func, name: &str) -> Result<(Func, FuncType)> {
    let func = unsafe { crate::ffi::boundary::arg(func, name) }?;
    if store_id_of(func) == 0 {
        return Err(RrError::invalid_argument(format!("`{name}` is not a function handle (its store id is 0)")));
    }
    let ty = foreign(&format!("`{name}`"), || func.ty(context.as_context()))?;
    Ok((*func, ty))
}

/// A memory handle of this store.
pub(crate) fn memory(context: &WasmtimeStoreContextMut<'_>, memory: *const Memory, name: &str) -> Result<Memory> {
    let memory = unsafe { crate::ffi::boundary::arg(memory, name) }?;
    if store_id_of(memory) == 0 {
        return Err(RrError::invalid_argument(format!("`{name}` is not a memory handle (its store id is 0)")));
    }
    foreign(&format!("`{name}`"), || memory.data_size(context.as_context()))?;
    Ok(*memory)
}

/// Values given to a function of type `ty` (the function is of this store):
/// the right count, known kinds of the right types, references of this store.
pub(crate) fn call_values(func: &Func, ty: &FuncType, args: &[wasmtime_val_t], nresults: usize) -> Result<()> {
    if args.len() != ty.params().len() {
        return Err(RrError::invalid_argument(format!(
            "the function takes {} arguments, {} were given",
            ty.params().len(),
            args.len()
        )));
    }
    if nresults != ty.results().len() {
        return Err(RrError::invalid_argument(format!(
            "the function returns {} results, room for {nresults} was given",
            ty.results().len()
        )));
    }
    let store = store_id_of(func);
    for (i, (arg, param)) in args.iter().zip(ty.params()).enumerate() {
        let expected = values::kind_of(&param)? as u8;
        if arg.kind > crate::trace::event::Kind::ExnRef as u8 {
            return Err(RrError::invalid_argument(format!("argument #{i} has the unknown value kind {}", arg.kind)));
        }
        if arg.kind != expected {
            let name = |kind: u8| crate::trace::event::Kind::from_byte(kind).map_or("?", |k| k.name());
            return Err(RrError::invalid_argument(format!(
                "argument #{i} is an {} (kind {}), the function takes an {} (kind {expected})",
                name(arg.kind),
                arg.kind,
                name(expected)
            )));
        }
        let is_ref = arg.kind >= crate::trace::event::Kind::FuncRef as u8;
        // SAFETY: every reference variant of the value union starts with its store id.
        let ref_store = unsafe { std::ptr::read_unaligned(&arg.of as *const _ as *const u64) };
        if is_ref && ref_store != 0 && ref_store != store {
            return Err(RrError::invalid_argument(format!("argument #{i} is a reference of another store")));
        }
    }
    Ok(())
}

/// Imports given to an instantiation: known kinds, objects of this store.
pub(crate) fn externs(context: &WasmtimeStoreContextMut<'_>, items: &[wasmtime_extern_t]) -> Result<Vec<Extern>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if item.kind > wasmtime_c_api::WASMTIME_EXTERN_TAG {
                return Err(RrError::invalid_argument(format!("import #{i} has the unknown extern kind {}", item.kind)));
            }
            if item.kind == wasmtime_c_api::WASMTIME_EXTERN_SHAREDMEMORY {
                // A pointer to a shared memory (engine-wide, not a store's):
                // only NULL and misalignment can be seen without using it.
                let shared = store_id_of(&item.of) as *const usize;
                unsafe { crate::ffi::boundary::arg(shared, &format!("import #{i} (a shared memory)")) }?;
            } else if store_id_of(&item.of) == 0 {
                return Err(RrError::invalid_argument(format!("import #{i} is not an object handle (its store id is 0)")));
            }
            // SAFETY: the kind is one `to_extern` knows.
            let found = unsafe { item.to_extern() };
            foreign(&format!("import #{i}"), || found.ty(context.as_context()))?;
            Ok(found)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn expected_panics_become_errors_and_others_stay_panics() {
        let error = foreign("`x`", || panic!("object used with the wrong store")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert_eq!(error.message(), "`x` is not an object of this store (object used with the wrong store)");
        assert_eq!(foreign("`x`", || 5).unwrap(), 5);
        assert!(!EXPECTED.get(), "the flag is restored");
    }
}
