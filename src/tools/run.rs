//! `wasmtime-rr run`: runs a WASI command module the way `wasmtime run`
//! does (stdio inherited, the guest's exit status becomes the process's),
//! recording it when asked. Built on the C surface, like a C host would be.

use crate::error::{ErrorKind, Result, RrError};
use crate::ffi::config::{RrMode, build_engine, enforce_determinism, set_mode};
use crate::ffi::{handles, host_api, sinks, wasi};
use crate::rr::stores::key_of;
use std::mem::MaybeUninit;
use std::path::PathBuf;
use wasmtime::{AsContextMut, Extern, Instance};
use wasmtime_c_api as capi;
use wasmtime_wasi::FsPerms;

/// What to run and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Record the run into this trace file.
    pub record: Option<PathBuf>,
    /// Host folders preopened as guest folders: (host, guest).
    pub dirs: Vec<(PathBuf, String)>,
    /// Environment variables the guest sees.
    pub env: Vec<(String, String)>,
    /// The module file.
    pub module: PathBuf,
    /// The guest's arguments after its name.
    pub args: Vec<String>,
}

fn checked(error: *mut capi::wasmtime_error_t) -> Result<()> {
    // SAFETY: our functions return NULL or an error object the caller owns.
    unsafe { RrError::check_raw(error, ErrorKind::InvalidArgument) }
}

/// Frees what the C API handed out, in reverse order, however the run ends.
#[derive(Default)]
struct Owned {
    engine: Option<Box<capi::wasm_engine_t>>,
    module: Option<*mut capi::wasmtime_module_t>,
    linker: Option<Box<capi::wasmtime_linker_t>>,
    store: Option<Box<capi::wasmtime_store_t>>,
}

impl Drop for Owned {
    fn drop(&mut self) {
        drop(self.store.take());
        drop(self.linker.take());
        if let Some(module) = self.module.take() {
            unsafe { host_api::wasmtime_rr_module_delete(module) };
        }
        drop(self.engine.take());
    }
}

/// Runs the module's `_start` and returns the guest's exit status (0 when
/// `_start` returns). A trap is an error whose message Wasmtime wrote.
pub fn run(options: &RunOptions) -> Result<i32> {
    let module_path = options.module.display().to_string();
    let wasm = super::read_module(&module_path)?;
    let mut config = wasmtime::Config::new();
    if options.record.is_some() {
        set_mode(&mut config, RrMode::Recording)?;
        enforce_determinism(&mut config);
    }
    let mut owned = Owned::default();
    let engine_ptr = handles::engine_into_raw(build_engine(&config)?);
    let engine = owned.engine.insert(unsafe { Box::from_raw(engine_ptr) });
    let mut module = std::ptr::null_mut();
    checked(unsafe { host_api::wasmtime_rr_module_new(&**engine, wasm.as_ptr(), wasm.len(), &mut module) })?;
    owned.module = Some(module);
    check_command(unsafe { &*module }, &module_path)?;
    let linker = owned.linker.insert(capi::wasmtime_linker_new(engine));
    checked(unsafe { wasi::wasmtime_rr_linker_define_wasi(&mut **linker) })?;
    let store = owned.store.insert(capi::wasmtime_store_new(engine, std::ptr::null_mut(), None));
    let mut context = capi::wasmtime_store_context(store);
    let context_ptr = key_of(&context) as *mut handles::wasmtime_context_t;

    let wasi_config = Box::into_raw(capi::wasi_config_new());
    let built = configure(wasi_config, options, &module_path)
        .and_then(|()| checked(unsafe { wasi::wasmtime_rr_context_set_wasi(context_ptr, wasi_config) }));
    if let Err(error) = built {
        capi::wasi_config_delete(unsafe { Box::from_raw(wasi_config) });
        return Err(error);
    }
    if let Some(trace) = &options.record {
        let path = std::ffi::CString::new(trace.as_os_str().as_encoded_bytes())
            .map_err(|_| RrError::invalid_argument("the trace path contains a NUL byte"))?;
        let mut recorder = std::ptr::null_mut();
        checked(unsafe { sinks::wasmtime_rr_recorder_new_file(path.as_ptr(), &mut recorder) })?;
        checked(unsafe { sinks::wasmtime_rr_store_record(context_ptr, recorder) })?;
    }

    let mut instance = MaybeUninit::<Instance>::uninit();
    let mut trap = std::ptr::null_mut();
    checked(unsafe {
        host_api::wasmtime_rr_linker_instantiate(&**linker, context_ptr, module, instance.as_mut_ptr(), &mut trap)
    })?;
    if !trap.is_null() {
        let trap = unsafe { Box::from_raw(trap) };
        return Err(RrError::new(ErrorKind::Unsupported, format!("the module trapped while starting: {}", trap_text(&trap))));
    }
    let instance = unsafe { instance.assume_init() };
    let start = instance
        .get_export(context.as_context_mut(), "_start")
        .and_then(Extern::into_func)
        .ok_or_else(|| not_a_command(&module_path))?;
    let mut trap = std::ptr::null_mut();
    let error = unsafe { host_api::wasmtime_rr_func_call(context_ptr, &start, std::ptr::null(), 0, std::ptr::null_mut(), 0, &mut trap) };
    let status = if !error.is_null() {
        let error = wasmtime::Error::from(*unsafe { Box::from_raw(error) });
        match error.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => exit.0,
            None => return Err(finish_after(context_ptr, options, error_of(&error))),
        }
    } else if !trap.is_null() {
        let trap = unsafe { Box::from_raw(trap) };
        let message = format!("the guest trapped: {}", trap_text(&trap));
        return Err(finish_after(context_ptr, options, RrError::new(ErrorKind::Unsupported, message)));
    } else {
        0
    };
    if options.record.is_some() {
        checked(unsafe { sinks::wasmtime_rr_store_finish(context_ptr) })?;
    }
    Ok(status)
}

/// Ends a recording after the guest failed (the trap is recorded too), and
/// returns the failure.
fn finish_after(context: *mut handles::wasmtime_context_t, options: &RunOptions, failure: RrError) -> RrError {
    if options.record.is_some() {
        if let Err(error) = checked(unsafe { sinks::wasmtime_rr_store_finish(context) }) {
            return error;
        }
    }
    failure
}

fn error_of(error: &wasmtime::Error) -> RrError {
    match error.downcast_ref::<RrError>() {
        Some(ours) => ours.clone(),
        None => RrError::from_wasmtime(ErrorKind::Unsupported, error),
    }
}

fn trap_text(trap: &capi::wasm_trap_t) -> String {
    match crate::rr::calls::trap_outcome(trap) {
        crate::trace::event::Outcome::Trapped { message, .. } => message,
        other => other.to_string(),
    }
}

fn not_a_command(module: &str) -> RrError {
    RrError::invalid_argument(format!(
        "{module} is not a WASI command: it exports no `_start` function (a reactor or library module \
         is run by a host that calls its exports)"
    ))
}

/// A WASI command exports `_start`, a function without parameters or results.
fn check_command(module: &capi::wasmtime_module_t, path: &str) -> Result<()> {
    let mut exports = capi::wasm_exporttype_vec_t::default();
    capi::wasmtime_module_exports(module, &mut exports);
    let start = exports.as_slice().iter().flatten().any(|e| {
        capi::wasm_exporttype_name(e).as_slice() == b"_start"
            && capi::wasm_externtype_as_functype_const(capi::wasm_exporttype_type(e)).is_some_and(|ty| {
                capi::wasm_functype_params(ty).as_slice().is_empty() && capi::wasm_functype_results(ty).as_slice().is_empty()
            })
    });
    capi::wasm_exporttype_vec_delete(&mut exports);
    if start { Ok(()) } else { Err(not_a_command(path)) }
}

/// Inherited stdio, the module's file name as `argv[0]`, the arguments,
/// environment variables and folders.
fn configure(config: *mut capi::wasi_config_t, options: &RunOptions, module: &str) -> Result<()> {
    let builder = unsafe { handles::wasi_config_mut(config, "config") }?;
    builder.inherit_stdio();
    let name = options.module.file_name().map_or(module.to_string(), |n| n.to_string_lossy().into_owned());
    builder.arg(&name);
    builder.args(&options.args);
    for (name, value) in &options.env {
        builder.env(name, value);
    }
    for (host, guest) in &options.dirs {
        builder.preopened_dir(host, guest, FsPerms::ReadWrite).map_err(|e| {
            RrError::new(ErrorKind::TraceIo, format!("cannot open folder {} for the guest: {e}", host.display()))
        })?;
    }
    Ok(())
}
