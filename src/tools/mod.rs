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

/// What `wasmtime-rr replay` is given.
pub enum Program {
    /// A core module, in the binary format.
    Module(Vec<u8>),
    /// A component, as the file holds it (binary or text): its trace's
    /// checksum is taken over the bytes the host gave to
    /// `wasmtime_rr_component_new`.
    Component(Vec<u8>),
}

/// Reads a module or component file for the command line.
pub fn read_program(path: &str) -> Result<Program> {
    let binary = read_module(path)?;
    if !is_component(&binary) {
        return Ok(Program::Module(binary));
    }
    let raw = std::fs::read(path)
        .map_err(|e| RrError::new(ErrorKind::TraceIo, format!("cannot read component {path}: {e}")))?;
    Ok(Program::Component(raw))
}

/// Whether binary wasm is a component: its preamble's layer field is 1.
fn is_component(wasm: &[u8]) -> bool {
    wasm.len() >= 8 && wasm.starts_with(b"\0asm") && wasm[6..8] == [1, 0]
}
