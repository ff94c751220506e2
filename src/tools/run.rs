//! `wasmtime-rr run`: runs a WASI command module the way `wasmtime run`
//! does (stdio inherited, the guest's exit status becomes the process's),
//! recording it when asked. Built on the C surface, like a C host would be.

use crate::error::{ErrorKind, Result, RrError};
use crate::ffi::config::{RrMode, build_engine, enforce_determinism, set_mode};
use crate::ffi::{components, handles, host_api, sinks, wasi};
use crate::rr::stores::key_of;
use std::mem::MaybeUninit;
use std::path::PathBuf;
use super::Program;
use wasmtime::component;
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
    component: Option<*mut capi::wasmtime_component_t>,
    linker: Option<Box<capi::wasmtime_linker_t>>,
    /// Boxed: the RR-aware WASI preview 2 knows a prepared linker by address.
    component_linker: Option<Box<capi::wasmtime_component_linker_t>>,
    store: Option<Box<capi::wasmtime_store_t>>,
}

impl Drop for Owned {
    fn drop(&mut self) {
        drop(self.store.take());
        drop(self.linker.take());
        drop(self.component_linker.take());
        if let Some(module) = self.module.take() {
            unsafe { host_api::wasmtime_rr_module_delete(module) };
        }
        if let Some(component) = self.component.take() {
            unsafe { components::wasmtime_rr_component_delete(component) };
        }
        drop(self.engine.take());
    }
}

/// Runs a WASI command, a core module's `_start` or a component's
/// `wasi:cli/run` export, and returns the guest's exit status (0 when it
/// returns normally, 1 when `run` returns an error). A trap is an error whose
/// message Wasmtime wrote.
pub fn run(options: &RunOptions) -> Result<i32> {
    let path = options.module.display().to_string();
    let mut owned = Owned::default();
    match super::read_program(&path)? {
        Program::Module(wasm) => run_module(&mut owned, options, &wasm, &path),
        Program::Component(bytes) => run_component(&mut owned, options, &bytes, &path),
    }
}

/// A recording engine when the run is recorded, a plain one otherwise.
fn engine<'a>(owned: &'a mut Owned, options: &RunOptions) -> Result<&'a capi::wasm_engine_t> {
    let mut config = wasmtime::Config::new();
    if options.record.is_some() {
        set_mode(&mut config, RrMode::Recording)?;
        enforce_determinism(&mut config);
    }
    let engine_ptr = handles::engine_into_raw(build_engine(&config)?);
    Ok(owned.engine.insert(unsafe { Box::from_raw(engine_ptr) }))
}

/// The store's WASI context (stdio inherited, the options' arguments,
/// environment and folders), and its recorder when the run is recorded.
fn prepare_store(context: *mut handles::wasmtime_context_t, options: &RunOptions, path: &str) -> Result<()> {
    let wasi_config = Box::into_raw(capi::wasi_config_new());
    let built = configure(wasi_config, options, path)
        .and_then(|()| checked(unsafe { wasi::wasmtime_rr_context_set_wasi(context, wasi_config) }));
    if let Err(error) = built {
        capi::wasi_config_delete(unsafe { Box::from_raw(wasi_config) });
        return Err(error);
    }
    if let Some(trace) = &options.record {
        let path = std::ffi::CString::new(trace.as_os_str().as_encoded_bytes())
            .map_err(|_| RrError::invalid_argument("the trace path contains a NUL byte"))?;
        let mut recorder = std::ptr::null_mut();
        checked(unsafe { sinks::wasmtime_rr_recorder_new_file(path.as_ptr(), &mut recorder) })?;
        checked(unsafe { sinks::wasmtime_rr_store_record(context, recorder) })?;
    }
    Ok(())
}

/// A guest's exit status, when `error` is its `exit`.
fn exit_status(error: &wasmtime::Error) -> Option<i32> {
    error.downcast_ref::<wasmtime_wasi::I32Exit>().map(|exit| exit.0)
}

/// Ends the recording when there is one, and returns the status.
fn finish(context: *mut handles::wasmtime_context_t, options: &RunOptions, status: i32) -> Result<i32> {
    if options.record.is_some() {
        checked(unsafe { sinks::wasmtime_rr_store_finish(context) })?;
    }
    Ok(status)
}

fn run_module(owned: &mut Owned, options: &RunOptions, wasm: &[u8], module_path: &str) -> Result<i32> {
    let engine = engine(owned, options)? as *const capi::wasm_engine_t;
    let mut module = std::ptr::null_mut();
    checked(unsafe { host_api::wasmtime_rr_module_new(engine, wasm.as_ptr(), wasm.len(), &mut module) })?;
    owned.module = Some(module);
    check_command(unsafe { &*module }, module_path)?;
    let linker = owned.linker.insert(capi::wasmtime_linker_new(unsafe { &*engine }));
    checked(unsafe { wasi::wasmtime_rr_linker_define_wasi(&mut **linker) })?;
    let store = owned.store.insert(capi::wasmtime_store_new(unsafe { &*engine }, std::ptr::null_mut(), None));
    let mut context = capi::wasmtime_store_context(store);
    let context_ptr = key_of(&context) as *mut handles::wasmtime_context_t;
    prepare_store(context_ptr, options, module_path)?;

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
        .ok_or_else(|| not_a_command(module_path))?;
    let mut trap = std::ptr::null_mut();
    let error = unsafe { host_api::wasmtime_rr_func_call(context_ptr, &start, std::ptr::null(), 0, std::ptr::null_mut(), 0, &mut trap) };
    let status = if !error.is_null() {
        let error = wasmtime::Error::from(*unsafe { Box::from_raw(error) });
        match exit_status(&error) {
            Some(status) => status,
            None => return Err(finish_after(context_ptr, options, error_of(&error))),
        }
    } else if !trap.is_null() {
        let trap = unsafe { Box::from_raw(trap) };
        let message = format!("the guest trapped: {}", trap_text(&trap));
        return Err(finish_after(context_ptr, options, RrError::new(ErrorKind::Unsupported, message)));
    } else {
        0
    };
    finish(context_ptr, options, status)
}

/// The interface of a WASI preview 2 command's entry point, any 0.2 version.
pub(crate) const RUN_INTERFACE: &str = "wasi:cli/run@0.2.";

fn run_component(owned: &mut Owned, options: &RunOptions, bytes: &[u8], path: &str) -> Result<i32> {
    let engine = engine(owned, options)? as *const capi::wasm_engine_t;
    let mut component = std::ptr::null_mut();
    checked(unsafe { components::wasmtime_rr_component_new(engine, bytes.as_ptr(), bytes.len(), &mut component) })?;
    owned.component = Some(component);
    let compiled = unsafe { handles::component_ref(component, "component") }?;
    let interface = compiled
        .component_type()
        .exports(compiled.engine())
        .map(|(name, _)| name.to_string())
        .find(|name| name.starts_with(RUN_INTERFACE))
        .ok_or_else(|| not_a_command_component(path))?;
    let linker = owned.component_linker.insert(capi::wasmtime_component_linker_new(unsafe { &*engine }));
    checked(unsafe { components::wasmtime_rr_component_linker_add_wasip2(&mut **linker) })?;
    let store = owned.store.insert(capi::wasmtime_store_new(unsafe { &*engine }, std::ptr::null_mut(), None));
    let mut context = capi::wasmtime_store_context(store);
    let context_ptr = key_of(&context) as *mut handles::wasmtime_context_t;
    prepare_store(context_ptr, options, path)?;

    let mut instance = MaybeUninit::<component::Instance>::uninit();
    checked(unsafe {
        components::wasmtime_rr_component_linker_instantiate(&**linker, context_ptr, component, instance.as_mut_ptr().cast())
    })?;
    let instance = unsafe { instance.assume_init() };
    let run = instance
        .get_export_index(context.as_context_mut(), None, &interface)
        .and_then(|parent| instance.get_export_index(context.as_context_mut(), Some(&parent), "run"))
        .and_then(|index| instance.get_func(context.as_context_mut(), index))
        .ok_or_else(|| not_a_command_component(path))?;
    let mut result = capi::wasmtime_component_val_t::default();
    let error = unsafe {
        components::wasmtime_rr_component_func_call(&run, context_ptr, std::ptr::null(), 0, &mut result, 1)
    };
    let status = if !error.is_null() {
        let error = wasmtime::Error::from(*unsafe { Box::from_raw(error) });
        match exit_status(&error) {
            Some(status) => status,
            None => return Err(finish_after(context_ptr, options, error_of(&error))),
        }
    } else {
        match component::Val::from(&result) {
            component::Val::Result(Ok(_)) => 0,
            _ => 1,
        }
    };
    finish(context_ptr, options, status)
}

fn not_a_command_component(path: &str) -> RrError {
    RrError::invalid_argument(format!(
        "{path} is not a WASI command component: it exports no `wasi:cli/run@0.2` interface with a `run` function"
    ))
}

/// Ends a recording after the guest failed (the trap is recorded too), and
/// returns the failure.
fn finish_after(context: *mut handles::wasmtime_context_t, options: &RunOptions, failure: RrError) -> RrError {
    finish(context, options, 0).err().unwrap_or(failure)
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
