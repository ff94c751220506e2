//! Errors created by this library, their stable kinds, and the accessors that
//! let C read a kind back from a `wasmtime_error_t`.
//!
//! Every error we hand to C is an ordinary `wasmtime_error_t` (so
//! `wasmtime_error_message` and `wasmtime_error_delete` work on it) whose inner
//! `wasmtime::Error` wraps an [`RrError`]; the kind accessor finds it by downcast.

use std::fmt;
use std::ffi::CStr;
use wasmtime_c_api::wasmtime_error_t;

/// A stable classification of an error, readable from C with
/// `wasmtime_rr_error_kind`. Values never change meaning between releases.
pub type wasmtime_rr_error_kind_t = u32;

/// No error: the kind reported for a NULL error pointer (NULL means success).
pub const WASMTIME_RR_ERROR_KIND_NONE: wasmtime_rr_error_kind_t = 0;
/// An error that this library did not create: it came from Wasmtime's own C API
/// (for example `wasmtime_module_new`) and keeps Wasmtime's message.
pub const WASMTIME_RR_ERROR_KIND_WASMTIME: wasmtime_rr_error_kind_t = 1;
/// A required pointer argument was NULL.
pub const WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT: wasmtime_rr_error_kind_t = 2;
/// An argument had a value outside its documented range (an unknown enum value,
/// a misaligned pointer, ...).
pub const WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT: wasmtime_rr_error_kind_t = 3;
/// The operation needs support that this build of the library does not have
/// (for example record/replay with the `rr` Cargo feature off).
pub const WASMTIME_RR_ERROR_KIND_UNSUPPORTED: wasmtime_rr_error_kind_t = 4;
/// Wasmtime rejected the configuration (engine creation or validation failed).
/// The message is Wasmtime's own.
pub const WASMTIME_RR_ERROR_KIND_INVALID_CONFIG: wasmtime_rr_error_kind_t = 5;
/// The library panicked internally; the panic was caught at the boundary and the
/// host process keeps running. This is always a bug worth reporting.
pub const WASMTIME_RR_ERROR_KIND_PANIC: wasmtime_rr_error_kind_t = 6;
/// Reading or writing a trace failed (a file that cannot be created, a write
/// callback that reported failure, ...).
pub const WASMTIME_RR_ERROR_KIND_TRACE_IO: wasmtime_rr_error_kind_t = 7;
/// A trace is not valid: truncated, corrupted, of another format version, or
/// recorded with another major version of Wasmtime.
pub const WASMTIME_RR_ERROR_KIND_TRACE_FORMAT: wasmtime_rr_error_kind_t = 8;
/// A replay diverged from its trace: another import or export was called than
/// recorded, arguments or results or memory differ, or the trace ran out or
/// has events left. The message names the event index, what was expected and
/// what happened.
pub const WASMTIME_RR_ERROR_KIND_DIVERGENCE: wasmtime_rr_error_kind_t = 9;
/// A replay instantiated a module whose SHA-256 differs from the recorded one;
/// the message names both checksums.
pub const WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH: wasmtime_rr_error_kind_t = 10;

/// The kinds as a Rust enum, for code behind the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorKind {
    NullArgument = WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
    InvalidArgument = WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
    Unsupported = WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
    InvalidConfig = WASMTIME_RR_ERROR_KIND_INVALID_CONFIG,
    Panic = WASMTIME_RR_ERROR_KIND_PANIC,
    TraceIo = WASMTIME_RR_ERROR_KIND_TRACE_IO,
    TraceFormat = WASMTIME_RR_ERROR_KIND_TRACE_FORMAT,
    Divergence = WASMTIME_RR_ERROR_KIND_DIVERGENCE,
    ModuleMismatch = WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH,
}

/// Every kind value with its stable name, in value order: the one table that the
/// name accessor reads. NUL-terminated because C receives these pointers.
pub const KIND_NAMES: &[(wasmtime_rr_error_kind_t, &CStr)] = &[
    (WASMTIME_RR_ERROR_KIND_NONE, c"none"),
    (WASMTIME_RR_ERROR_KIND_WASMTIME, c"wasmtime"),
    (WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, c"null_argument"),
    (WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, c"invalid_argument"),
    (WASMTIME_RR_ERROR_KIND_UNSUPPORTED, c"unsupported"),
    (WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, c"invalid_config"),
    (WASMTIME_RR_ERROR_KIND_PANIC, c"panic"),
    (WASMTIME_RR_ERROR_KIND_TRACE_IO, c"trace_io"),
    (WASMTIME_RR_ERROR_KIND_TRACE_FORMAT, c"trace_format"),
    (WASMTIME_RR_ERROR_KIND_DIVERGENCE, c"divergence"),
    (WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH, c"module_mismatch"),
];

impl ErrorKind {
    /// Validates a kind value that came from C, for creating an error object.
    pub fn from_raw(raw: wasmtime_rr_error_kind_t) -> Result<ErrorKind> {
        Ok(match raw {
            WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT => ErrorKind::NullArgument,
            WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT => ErrorKind::InvalidArgument,
            WASMTIME_RR_ERROR_KIND_UNSUPPORTED => ErrorKind::Unsupported,
            WASMTIME_RR_ERROR_KIND_INVALID_CONFIG => ErrorKind::InvalidConfig,
            WASMTIME_RR_ERROR_KIND_PANIC => ErrorKind::Panic,
            WASMTIME_RR_ERROR_KIND_TRACE_IO => ErrorKind::TraceIo,
            WASMTIME_RR_ERROR_KIND_TRACE_FORMAT => ErrorKind::TraceFormat,
            WASMTIME_RR_ERROR_KIND_DIVERGENCE => ErrorKind::Divergence,
            WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH => ErrorKind::ModuleMismatch,
            other => {
                return Err(RrError::invalid_argument(format!(
                    "error kind {other} ({}) cannot be created; use one of \
                     WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT .. WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH",
                    kind_name(other).to_string_lossy()
                )));
            }
        })
    }
}

/// An error created by this library: a kind and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrError {
    kind: ErrorKind,
    message: String,
    /// Whether the message is ours (the boundary prefixes it with the name of the
    /// exported function) or Wasmtime's (kept to the letter).
    ours: bool,
}

pub type Result<T, E = RrError> = std::result::Result<T, E>;

impl RrError {
    /// An error whose message this library wrote.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> RrError {
        RrError { kind, message: message.into(), ours: true }
    }

    /// An error that carries Wasmtime's own message unchanged, rendered the way
    /// `wasmtime_error_message` renders Wasmtime errors (with their causes).
    pub fn from_wasmtime(kind: ErrorKind, error: &wasmtime::Error) -> RrError {
        RrError { kind, message: format!("{error:?}"), ours: false }
    }

    pub fn null_argument(name: &str) -> RrError {
        RrError::new(ErrorKind::NullArgument, format!("argument `{name}` is NULL"))
    }

    pub fn invalid_argument(message: impl Into<String>) -> RrError {
        RrError::new(ErrorKind::InvalidArgument, message)
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Names the exported function in a message of ours, so a C user sees where
    /// the error arose; Wasmtime's messages are left exactly as Wasmtime wrote them.
    /// An error whose message is kept exactly as given (no function prefix).
    pub(crate) fn verbatim(kind: ErrorKind, message: impl Into<String>) -> RrError {
        RrError { kind, message: message.into(), ours: false }
    }

    pub(crate) fn in_function(mut self, function: &str) -> RrError {
        if self.ours {
            self.message = format!("{function}: {}", self.message);
            self.ours = false;
        }
        self
    }

    /// Hands the error to C as an owned `wasmtime_error_t*`.
    pub(crate) fn into_raw(self) -> *mut wasmtime_error_t {
        Box::into_raw(Box::new(wasmtime_error_t::from(wasmtime::Error::new(self))))
    }

    /// The reverse of `into_raw`, for Rust code that calls the exported
    /// functions (the CLI, the fuzz targets): takes ownership of an error
    /// object (NULL = success). An error Wasmtime made keeps its message and
    /// gets the kind `foreign`.
    ///
    /// # Safety
    /// `error` is NULL or an error object nothing else owns.
    pub unsafe fn check_raw(error: *mut wasmtime_error_t, foreign: ErrorKind) -> Result<()> {
        if error.is_null() {
            return Ok(());
        }
        let error = wasmtime::Error::from(*unsafe { Box::from_raw(error) });
        Err(match error.downcast_ref::<RrError>() {
            Some(ours) => ours.clone(),
            None => RrError::new(foreign, format!("{error:?}")),
        })
    }
}

/// The message of an error object, as `wasmtime_error_message` renders it.
pub fn message_of(error: &wasmtime_error_t) -> String {
    let mut message = wasmtime_c_api::wasm_byte_vec_t::default();
    wasmtime_c_api::wasmtime_error_message(error, &mut message);
    String::from_utf8_lossy(&message.take()).into_owned()
}

impl fmt::Display for RrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RrError {}

/// The kind of an error object, for the kind accessor: ours carry an
/// [`RrError`]; anything else came from Wasmtime.
pub(crate) fn kind_of(error: &wasmtime::Error) -> wasmtime_rr_error_kind_t {
    match error.downcast_ref::<RrError>() {
        Some(ours) => ours.kind as wasmtime_rr_error_kind_t,
        None => WASMTIME_RR_ERROR_KIND_WASMTIME,
    }
}

/// The name of a kind; `unknown` for a value that is not one.
pub fn kind_name(kind: wasmtime_rr_error_kind_t) -> &'static CStr {
    KIND_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(c"unknown", |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_distinct_and_unknown_values_have_a_name() {
        for (i, (kind, name)) in KIND_NAMES.iter().enumerate() {
            assert_eq!(*kind, i as u32, "table is in value order");
            assert_eq!(kind_name(*kind), *name);
        }
        assert_eq!(kind_name(KIND_NAMES.len() as u32).to_str().unwrap(), "unknown");
        assert_eq!(kind_name(u32::MAX).to_str().unwrap(), "unknown");
    }

    #[test]
    fn messages_of_ours_name_the_function_and_wasmtime_messages_stay() {
        let ours = RrError::null_argument("config").in_function("f");
        assert_eq!(ours.message(), "f: argument `config` is NULL");
        let theirs = RrError::from_wasmtime(
            ErrorKind::InvalidConfig,
            &wasmtime::format_err!("NaN canonicalization cannot be disabled"),
        )
        .in_function("f");
        assert_eq!(theirs.message(), "NaN canonicalization cannot be disabled");
    }

}
