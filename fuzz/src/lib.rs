//! What the fuzz targets of wasmtime-rr share: an allocator that counts, the
//! memory oracles built on it, the checks every trace goes through, and the
//! host API target's script and model.

pub mod host_api;
pub mod memory;
pub mod traces;

/// A `wasmtime_error_t*` from the library, taken apart: its kind
/// (`WASMTIME_RR_ERROR_KIND_*`) and message. The error is freed.
pub fn take_error(error: *mut wasmtime_c_api::wasmtime_error_t) -> Option<(u32, String)> {
    if error.is_null() {
        return None;
    }
    let kind = unsafe { wasmtime_rr::ffi::errors::wasmtime_rr_error_kind(error) };
    let error = unsafe { Box::from_raw(error) };
    Some((kind, wasmtime_rr::error::message_of(&error)))
}
