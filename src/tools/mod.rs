//! Tools built on the library: a readable listing of a trace and replay
//! without the host. The `wasmtime-rr` command and the fuzz targets call them.

pub mod inspect;
pub mod run;
pub mod standalone;

use crate::error::{ErrorKind, Result, RrError};

/// Reads a module file for the command line: the binary format, or the text
/// format (converted as `wasmtime_wat2wasm` does).
pub fn read_module(path: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .map_err(|e| RrError::new(ErrorKind::TraceIo, format!("cannot read module {path}: {e}")))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let mut wasm = wasmtime_c_api::wasm_byte_vec_t::default();
    let error = unsafe { wasmtime_c_api::wasmtime_wat2wasm(bytes.as_ptr(), bytes.len(), &mut wasm) };
    match error {
        None => Ok(wasm.take()),
        Some(error) => Err(RrError::new(
            ErrorKind::InvalidArgument,
            format!("{path} is neither a WebAssembly binary nor valid text: {}", crate::error::message_of(&error)),
        )),
    }
}
