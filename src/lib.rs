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
//! - [`trace`]: the trace format (header, frames, events), reader and writer.
//! - [`session`]: the recording or replay attached to one store.
//! - [`calls`]: what happens at the host boundary while recording or replaying.
//! - [`values`]: C values and Wasmtime types as trace values and signatures.
//! - [`modules`]: SHA-256 checksums of modules, for instantiation events.
//! - [`sinks`]: recorders and replayers (trace destinations and sources).
//! - [`host_api`]: the RR-aware variants of Wasmtime C API functions.
//! - [`inspect`]: a readable listing of a trace (`wasmtime-rr inspect`).
//! - [`standalone`]: replay with only the module (`wasmtime-rr replay`).

#![allow(non_camel_case_types)]

pub mod boundary;
pub mod calls;
pub mod config;
pub mod engine;
pub mod error;
pub mod handles;
pub mod host_api;
pub mod inspect;
pub mod modules;
pub mod session;
pub mod sinks;
pub mod standalone;
pub mod trace;
pub mod values;
pub mod version;

/// Wasmtime's C API, re-exported so that every one of its functions is linked
/// into (and exported from) this library.
pub use wasmtime_c_api;
