//! The one boundary every exported function goes through.
//!
//! An exported function is a thin shell: it names itself and hands a closure of
//! plain Rust to [`guard`] (for functions that report errors) or [`guard_value`]
//! (for the few that cannot fail). The boundary catches panics, so no input can
//! unwind into C or abort the host, and converts the closure's `Result` into the
//! C convention: NULL on success, an owned `wasmtime_error_t*` on failure.
//! Pointer arguments are checked with [`arg`], [`arg_mut`] and [`out`] before
//! the body dereferences them.

use crate::error::{ErrorKind, Result, RrError};
use std::any::Any;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use wasmtime_c_api::wasmtime_error_t;

/// Runs the body of an exported fallible function.
///
/// `function` is the exported name, used in messages of ours and in the
/// message of a caught panic.
pub(crate) fn guard(
    function: &'static str,
    body: impl FnOnce() -> Result<()>,
) -> *mut wasmtime_error_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ptr::null_mut(),
        Ok(Err(error)) => error.in_function(function).into_raw(),
        Err(payload) => panic_error(payload).in_function(function).into_raw(),
    }
}

/// Runs the body of an exported function that forwards to a stock C API
/// function: a `wasmtime_error_t` the stock function returns is handed to the
/// caller unchanged (kind `WASMTIME`), errors of ours are converted.
pub(crate) fn guard_forward(
    function: &'static str,
    body: impl FnOnce() -> Result<Option<Box<wasmtime_error_t>>>,
) -> *mut wasmtime_error_t {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(stock)) => stock.map_or(ptr::null_mut(), Box::into_raw),
        Ok(Err(error)) => error.in_function(function).into_raw(),
        Err(payload) => panic_error(payload).in_function(function).into_raw(),
    }
}

/// Runs the body of an exported function that cannot fail; a panic (a bug)
/// yields `on_panic` instead of unwinding into C.
pub(crate) fn guard_value<T>(function: &'static str, on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        // Nothing to return the message in: say it once on stderr, like Rust's
        // own panic hook already did, and carry on.
        eprintln!("{}", panic_error(payload).in_function(function));
        on_panic
    })
}

fn panic_error(payload: Box<dyn Any + Send>) -> RrError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-string payload".to_string());
    RrError::new(
        ErrorKind::Panic,
        format!("internal panic caught at the C boundary (please report it): {what}"),
    )
}

/// Checks a pointer that must be non-NULL and aligned.
fn check<T>(ptr: *const T, name: &str) -> Result<()> {
    if ptr.is_null() {
        return Err(RrError::null_argument(name));
    }
    if !ptr.is_aligned() {
        return Err(RrError::invalid_argument(format!(
            "argument `{name}` is not aligned to {} bytes",
            align_of::<T>()
        )));
    }
    Ok(())
}

/// Borrows an input pointer.
///
/// # Safety
/// A non-NULL `ptr` must point to a live `T` for `'a`.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    check(ptr, name)?;
    Ok(unsafe { &*ptr })
}

/// Borrows an input pointer mutably.
///
/// # Safety
/// A non-NULL `ptr` must point to a live `T`, not aliased, for `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    check(ptr, name)?;
    Ok(unsafe { &mut *ptr })
}

/// Borrows a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// A non-NULL `ptr` must point to a NUL-terminated string live for `'a`.
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(RrError::null_argument(name));
    }
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|e| {
        RrError::invalid_argument(format!(
            "argument `{name}` is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// Borrows an array argument; NULL is accepted only for an empty array.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` initialized elements live for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, name: &str) -> Result<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    check(ptr, name)?;
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Takes back an object a deleter was given: `None` for NULL, and for a
/// misaligned pointer, which cannot be an object of ours (a deleter cannot
/// report it; leaking is better than a crash).
///
/// # Safety
/// A non-NULL, aligned `ptr` must be an owned object from `Box::into_raw`.
pub(crate) unsafe fn owned<T>(ptr: *mut T) -> Option<Box<T>> {
    check(ptr, "object").ok()?;
    Some(unsafe { Box::from_raw(ptr) })
}

/// An output location, checked up front but written only once the function
/// has succeeded (so a failed call leaves the caller's variable untouched).
pub(crate) struct Out<T> {
    ptr: *mut T,
}

impl<T> Out<T> {
    /// Writes the result. Call it last, after everything that can fail.
    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-NULL and aligned in `out`; the caller vouched
        // that it is writable. `write` does not read or drop what was there,
        // which may be uninitialized.
        unsafe { self.ptr.write(value) }
    }
}

/// Checks an output pointer.
///
/// # Safety
/// A non-NULL `ptr` must be valid for writing a `T` until the call returns.
pub(crate) unsafe fn out<T>(ptr: *mut T, name: &str) -> Result<Out<T>> {
    check(ptr, name)?;
    Ok(Out { ptr })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{WASMTIME_RR_ERROR_KIND_PANIC, kind_of};

    fn take(raw: *mut wasmtime_error_t) -> wasmtime::Error {
        assert!(!raw.is_null());
        wasmtime::Error::from(*unsafe { Box::from_raw(raw) })
    }

    #[test]
    fn success_is_null() {
        assert!(guard("f", || Ok(())).is_null());
    }

    #[test]
    fn panics_become_panic_errors() {
        let error = take(guard("wasm_thing", || panic!("boom {}", 7)));
        assert_eq!(kind_of(&error), WASMTIME_RR_ERROR_KIND_PANIC);
        let text = error.to_string();
        assert!(text.starts_with("wasm_thing: internal panic"), "{text}");
        assert!(text.ends_with("boom 7"), "{text}");
        assert_eq!(guard_value("g", 5, || -> i32 { panic!("x") }), 5);
    }

    #[test]
    fn pointers_are_checked() {
        let e = unsafe { arg::<u64>(ptr::null(), "p") }.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NullArgument);
        let words = [0u64; 2];
        let misaligned = (words.as_ptr() as *const u8).wrapping_add(1) as *const u64;
        let e = unsafe { arg::<u64>(misaligned, "p") }.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.message(), "argument `p` is not aligned to 8 bytes");
        let mut slot = 1u32;
        let o = unsafe { out(&mut slot as *mut u32, "o") }.unwrap();
        o.write(9);
        assert_eq!(slot, 9);
    }
}
