//! wasmtime-rr: the whole Wasmtime 48 C API plus record/replay configuration.
//!
//! Linking this crate as a `cdylib`/`staticlib` exports every function of
//! Wasmtime's C API (from `wasmtime-c-api-impl`) and the functions below, which
//! work on the C API's own `wasm_config_t` / `wasm_engine_t` handles. Every
//! function of ours goes through [`ffi::boundary`]: panics are caught, pointers are
//! checked, and failures come back as `wasmtime_error_t*` (NULL = success),
//! classified by a stable kind ([`error`]).
//!
//! Layers, each depending only on those below it:
//! - [`ffi`]: the exported C surface (the boundary, the RR configuration,
//!   recorders and replayers, the RR-aware variants of C API functions).
//! - [`rr`]: the record/replay engine (sessions, crossings, values).
//! - [`trace`]: the trace format (header, frames, events), reader and writer.
//! - [`error`]: our error type and its stable kinds, used by every layer.
//!
//! [`tools`] (trace listing, host-less replay) sit on top of the C surface,
//! and `src/bin/wasmtime-rr.rs` on top of them.

#![allow(non_camel_case_types)]

pub mod error;
pub mod ffi;
pub mod rr;
pub mod tools;
pub mod trace;

/// Wasmtime's C API, re-exported so that every one of its functions is linked
/// into (and exported from) this library.
pub use wasmtime_c_api;
