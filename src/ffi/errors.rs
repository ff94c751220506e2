//! The exported accessors of error kinds: read a kind back from any
//! `wasmtime_error_t`, name a kind, make an error of a kind.

use crate::error::{
    ErrorKind, RrError, WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, WASMTIME_RR_ERROR_KIND_NONE,
    WASMTIME_RR_ERROR_KIND_PANIC, kind_name, kind_of,
    wasmtime_rr_error_kind_t,
};
use crate::ffi::{boundary, handles};
use std::os::raw::c_char;
use wasmtime_c_api::wasmtime_error_t;

/// Returns the stable kind of an error object.
///
/// Works on every `wasmtime_error_t`: errors created by this library report
/// their `WASMTIME_RR_ERROR_KIND_*` value; errors created by Wasmtime's own C
/// API report `WASMTIME_RR_ERROR_KIND_WASMTIME`. Bindings use this to pick an
/// exception or error type without parsing messages.
///
/// \param error the error to classify; borrowed, not freed. May be NULL.
///
/// \return the kind; `WASMTIME_RR_ERROR_KIND_NONE` when `error` is NULL (a
/// NULL error means success throughout this API), and
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when it is misaligned (no error
/// object of any kind).
///
/// Cannot fail. Cannot abort: a panic inside is caught and reported as
/// `WASMTIME_RR_ERROR_KIND_PANIC`.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasm_config_rr_mode_set(config, 42);
/// if (wasmtime_rr_error_kind(err) == WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT) { ... }
/// wasmtime_error_delete(err);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_error_kind(
    error: *const wasmtime_error_t,
) -> wasmtime_rr_error_kind_t {
    boundary::guard_value("wasmtime_rr_error_kind", WASMTIME_RR_ERROR_KIND_PANIC, || {
        if error.is_null() {
            return WASMTIME_RR_ERROR_KIND_NONE;
        }
        match unsafe { handles::error_ref(error) } {
            Ok(error) => kind_of(error),
            // Not NULL (success) and not an error object: say so.
            Err(_) => WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
        }
    })
}

/// Returns the stable name of an error kind, such as `"invalid_config"`.
///
/// \param kind any value; unknown values are allowed.
///
/// \return a static NUL-terminated string owned by the library (never free it):
/// one of `"none"`, `"wasmtime"`, `"null_argument"`, `"invalid_argument"`,
/// `"unsupported"`, `"invalid_config"`, `"panic"`, `"trace_io"`,
/// `"trace_format"`, `"divergence"`, `"module_mismatch"`, or `"unknown"` for a
/// value that is not a kind.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// printf("%s\n", wasmtime_rr_error_kind_name(wasmtime_rr_error_kind(err)));
/// \endcode
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_rr_error_kind_name(kind: wasmtime_rr_error_kind_t) -> *const c_char {
    boundary::guard_value("wasmtime_rr_error_kind_name", c"unknown".as_ptr(), || {
        kind_name(kind).as_ptr()
    })
}

/// Creates an error object of a given kind, for host code and tests.
///
/// Lets a host function or a binding produce an error that reads back with
/// `wasmtime_rr_error_kind` like one of ours (Wasmtime's `wasmtime_error_new`
/// makes errors of kind `WASMTIME_RR_ERROR_KIND_WASMTIME`). The message is kept
/// exactly as given.
///
/// \param kind one of the `WASMTIME_RR_ERROR_KIND_*` values other than
/// `WASMTIME_RR_ERROR_KIND_NONE` and `WASMTIME_RR_ERROR_KIND_WASMTIME`.
/// \param message a NUL-terminated UTF-8 message; borrowed (copied).
/// \param error_out receives the new error, owned by the caller (free it with
/// `wasmtime_error_delete`); written only on success.
///
/// \return NULL on success, or an error (owned by the caller) saying why no
/// error object could be made.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `message` or
/// `error_out` is NULL, and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when
/// `kind` is not a creatable kind or `message` is not valid UTF-8.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *made = NULL;
/// if (wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "bad flag", &made) == NULL) { ... }
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_error_new(
    kind: wasmtime_rr_error_kind_t,
    message: *const c_char,
    error_out: *mut *mut wasmtime_error_t,
) -> *mut wasmtime_error_t {
    boundary::guard("wasmtime_rr_error_new", || {
        let kind = ErrorKind::from_raw(kind)?;
        let message = unsafe { boundary::c_str(message, "message") }?;
        let out = unsafe { boundary::out(error_out, "error_out") }?;
        // Kept verbatim: not "ours" in the sense of getting a function prefix.
        out.write(RrError::verbatim(kind, message).into_raw());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::WASMTIME_RR_ERROR_KIND_UNSUPPORTED;

    #[test]
    fn kind_survives_the_trip_through_wasmtime_error() {
        let raw = RrError::new(ErrorKind::Unsupported, "x").into_raw();
        let kind = unsafe { wasmtime_rr_error_kind(raw) };
        assert_eq!(kind, WASMTIME_RR_ERROR_KIND_UNSUPPORTED);
        wasmtime_c_api::wasmtime_error_delete(unsafe { Box::from_raw(raw) });
        assert_eq!(unsafe { wasmtime_rr_error_kind(std::ptr::null()) }, WASMTIME_RR_ERROR_KIND_NONE);
    }
}
