//! wasmtime-rr: the whole Wasmtime 48 C API plus record/replay configuration.
//!
//! Linking this crate as a `cdylib`/`staticlib` exports every function of
//! Wasmtime's C API (from `wasmtime-c-api-impl`) and the functions below, which
//! work on the C API's own `wasm_config_t` / `wasm_engine_t` handles. Every
//! function of ours goes through [`boundary`]: panics are caught, pointers are
//! checked, and failures come back as `wasmtime_error_t*` (NULL = success),
//! classified by a stable kind ([`error`]).
//!
//! Modules:
//! - [`boundary`]: the C boundary (panic catching, pointer checks, results).
//! - [`handles`]: the C API's handle types viewed as Wasmtime values.
//! - [`error`]: our error type, its kinds and the kind accessors.
//! - [`config`]: record/replay mode, determinism, validation.
//! - [`engine`]: checked engine creation and engine queries.
//! - [`version`]: library version and compiled-in support.

#![allow(non_camel_case_types)]

pub mod boundary;
pub mod config;
pub mod engine;
pub mod error;
pub mod handles;
pub mod version;

/// Wasmtime's C API, re-exported so that every one of its functions is linked
/// into (and exported from) this library.
pub use wasmtime_c_api;
