//! What this build of the library is: its version and whether record/replay
//! support is compiled in. The header carries the same version as
//! `WASMTIME_RR_VERSION*` macros, written by `build.rs` from `Cargo.toml`.

use crate::ffi::boundary;
use std::os::raw::c_char;

/// The crate version as a NUL-terminated C string.
const VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(version) => version,
    Err(_) => panic!("crate version contains a NUL byte"),
};

/// Returns the version of this library, such as `"0.1.0"`.
///
/// Compare it with the `WASMTIME_RR_VERSION` macro to detect a host compiled
/// against one version's header but running with another version's library.
///
/// \return a static NUL-terminated string owned by the library (never free it).
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// if (strcmp(wasmtime_rr_version(), WASMTIME_RR_VERSION) != 0) { ... }
/// \endcode
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_rr_version() -> *const c_char {
    boundary::guard_value("wasmtime_rr_version", VERSION.as_ptr(), || VERSION.as_ptr())
}

/// Reports whether record/replay support is compiled into this library.
///
/// When it is not (the crate was built without its `rr` Cargo feature),
/// selecting recording or replaying fails with
/// `WASMTIME_RR_ERROR_KIND_UNSUPPORTED`; everything else works.
///
/// \return `true` when Wasmtime's record/replay support is present.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// if (!wasmtime_rr_compiled_in()) { puts("no record/replay in this build"); }
/// \endcode
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_rr_compiled_in() -> bool {
    boundary::guard_value("wasmtime_rr_compiled_in", false, || cfg!(feature = "rr"))
}
