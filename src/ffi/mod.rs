//! The exported C surface: every `extern "C"` function of this library lives
//! here, each a thin shell that goes through [`boundary`] (panic caught,
//! pointers checked, kinds validated, result converted) and hands plain Rust
//! to the record/replay engine ([`crate::rr`]) or to Wasmtime.

pub mod boundary;
pub(crate) mod checks;
pub mod components;
pub mod config;
pub mod engine;
pub mod env;
pub mod errors;
pub mod handles;
pub mod host_api;
pub mod sinks;
pub mod version;
pub mod wasi;
