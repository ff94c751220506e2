//! Tools built on the library: a readable listing of a trace and replay
//! without the host. The `wasmtime-rr` command and the fuzz targets call them.

pub mod inspect;
pub mod run;
pub mod standalone;
