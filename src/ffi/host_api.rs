//! The RR-aware variants of Wasmtime C API functions. Each takes the same
//! parameters as its counterpart (porting a host is a rename) and returns a
//! `wasmtime_error_t*`. On a store with no recorder or replayer attached they
//! forward to the stock function; see `calls` for what they do otherwise.

use crate::ffi::boundary::{self, guard, guard_forward};
use crate::ffi::checks;
use crate::rr::calls::{self, CallValues};
use crate::rr::host::{Callback, HostFn, host_fn_finalizer, host_trampoline};
use crate::error::{Result, RrError};
use crate::ffi::handles::{
    self, CLinker, wasmtime_context_t, wasmtime_func_callback_t, wasmtime_func_t, wasmtime_func_unchecked_callback_t,
    wasmtime_instance_t, wasmtime_memory_t, wasmtime_val_raw_t,
};
use crate::rr::modules;
use crate::rr::session::{self, HostName};
use crate::trace::event::Signature;
use crate::rr::values;
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::sync::{Arc, OnceLock};
use wasmtime::{AsContext, Engine, Extern};
use wasmtime_c_api::{
    WasmtimeStoreContextMut, wasm_engine_t, wasm_functype_t, wasm_trap_t, wasmtime_error_t, wasmtime_extern_t,
    wasmtime_linker_t, wasmtime_module_t, wasmtime_val_t,
};
use std::os::raw::c_char;

pub(crate) fn is_rr(engine: &Engine) -> bool {
    engine.is_recording() || engine.is_replaying()
}

/// The value types of a C function type, as the trace records them.
fn signature(ty: &wasm_functype_t) -> Result<Signature> {
    let kinds = |types: &wasmtime_c_api::wasm_valtype_vec_t| -> Result<Vec<_>> {
        types.as_slice().iter().flatten().map(|t| values::kind_of(t)).collect()
    };
    Ok(Signature {
        params: kinds(wasmtime_c_api::wasm_functype_params(ty))?,
        results: kinds(wasmtime_c_api::wasm_functype_results(ty))?,
    })
}

/// A copy of a function type that belongs to no engine yet. The C API binds
/// a `wasm_functype_t` to the first engine it is used with and panics
/// (aborting the host) when a later definition uses it with another; a host
/// may well reuse one type across engines, so every definition gets a copy.
fn fresh_type(ty: &wasm_functype_t) -> Box<wasm_functype_t> {
    let mut params = wasmtime_c_api::wasm_valtype_vec_t::default();
    let mut results = wasmtime_c_api::wasm_valtype_vec_t::default();
    wasmtime_c_api::wasm_valtype_vec_copy(&mut params, wasmtime_c_api::wasm_functype_params(ty));
    wasmtime_c_api::wasm_valtype_vec_copy(&mut results, wasmtime_c_api::wasm_functype_results(ty));
    wasmtime_c_api::wasm_functype_new(&mut params, &mut results)
}

/// Creates a host function in a store, through the library's trampoline on
/// every engine (it checks the results a checked callback writes); named by
/// the import an RR-aware instantiation gives it.
fn new_host_func(
    context: WasmtimeStoreContextMut<'_>,
    ty: &wasm_functype_t,
    callback: Callback,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
) -> Result<wasmtime_func_t> {
    let rr = is_rr(context.as_context().engine());
    let session = match rr {
        false => None,
        true => Some(session::lookup(session::key_of(&context)).ok_or_else(|| {
            RrError::invalid_argument(
                "attach a recorder or replayer to the store (wasmtime_rr_store_record / wasmtime_rr_store_replay) \
                 before creating host functions",
            )
        })?),
    };
    let name = Arc::new(HostName::default());
    let env = HostFn::new(callback, data, finalizer, name.clone(), signature(ty)?, rr).into_env();
    let mut func = MaybeUninit::uninit();
    unsafe {
        wasmtime_c_api::wasmtime_func_new_unchecked(
            context,
            &fresh_type(ty),
            host_trampoline,
            env,
            Some(host_fn_finalizer),
            &mut *func.as_mut_ptr(),
        )
    };
    let func = unsafe { func.assume_init() };
    if let Some(session) = session {
        session.lock()?.host_funcs.insert(values::func_key(&func), name);
    }
    Ok(func)
}

/// Defines a host function in a linker, through the library's trampoline on
/// every engine; named `module.name` in traces.
#[allow(clippy::too_many_arguments)]
unsafe fn define_host_func(
    linker: *mut wasmtime_linker_t,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: *const wasm_functype_t,
    callback: Callback,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
) -> Result<Option<Box<wasmtime_error_t>>> {
    let rr = is_rr(unsafe { handles::linker_engine(linker) }?);
    let module_bytes = unsafe { boundary::slice(module.cast::<u8>(), module_len, "module") }?;
    let name_bytes = unsafe { boundary::slice(name.cast::<u8>(), name_len, "name") }?;
    let import = (utf8(module_bytes, "module")?.to_string(), utf8(name_bytes, "name")?.to_string());
    let ty = unsafe { boundary::arg(ty, "ty") }?;
    let named = Arc::new(HostName(OnceLock::from(import)));
    let env = HostFn::new(callback, data, finalizer, named, signature(ty)?, rr).into_env();
    Ok(unsafe {
        wasmtime_c_api::wasmtime_linker_define_func_unchecked(
            &mut *linker,
            module.cast(),
            module_len,
            name.cast(),
            name_len,
            &fresh_type(ty),
            host_trampoline,
            env,
            Some(host_fn_finalizer),
        )
    })
}

fn utf8<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| RrError::invalid_argument(format!("argument `{name}` is not valid UTF-8")))
}

/// Compiles a module and remembers the SHA-256 of its bytes for record/replay.
///
/// The RR-aware `wasmtime_module_new`: same parameters and result. When the
/// engine records or replays, the checksum is kept for the module's
/// instantiations (recorded, or checked against the trace); free such a
/// module with `wasmtime_rr_module_delete`, which also forgets the checksum
/// (`wasmtime_module_delete` leaves the entry, and the module's code, alive).
/// Otherwise it is exactly `wasmtime_module_new`.
///
/// \param engine the engine to compile for.
/// \param wasm the module's bytes; may be NULL only when `len` is 0.
/// \param len their length.
/// \param module_out receives the module (owned by the caller); written only
/// on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
/// with Wasmtime's own error (kind `WASMTIME_RR_ERROR_KIND_WASMTIME`) when the
/// bytes do not compile.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_module_t *module = NULL;
/// wasmtime_error_t *err = wasmtime_rr_module_new(engine, wasm.data, wasm.size, &module);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_module_new(
    engine: *const wasm_engine_t,
    wasm: *const u8,
    len: usize,
    module_out: *mut *mut wasmtime_module_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_module_new", || {
        let rr = is_rr(unsafe { handles::engine_ref(engine, "engine") }?);
        let bytes = unsafe { boundary::slice(wasm, len, "wasm") }?;
        let out = unsafe { boundary::out(module_out, "module_out") }?;
        let mut module = std::ptr::null_mut();
        let stock = unsafe { wasmtime_c_api::wasmtime_module_new(&*engine, bytes.as_ptr(), bytes.len(), &mut module) };
        if stock.is_none() {
            if rr {
                modules::register(unsafe { &*module }, bytes);
            }
            out.write(module);
        }
        Ok(stock)
    })
}

/// Frees a module made by `wasmtime_rr_module_new`, and its recorded checksum.
///
/// The RR-aware `wasmtime_module_delete`. A NULL `module` is ignored.
///
/// \param module the module, consumed; may be NULL.
///
/// \return nothing.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// wasmtime_rr_module_delete(module);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_module_delete(module: *mut wasmtime_module_t) {
    boundary::guard_value("wasmtime_rr_module_delete", (), || {
        if let Some(module) = unsafe { boundary::owned(module) } {
            modules::unregister(&module);
            wasmtime_c_api::wasmtime_module_delete(module);
        }
    })
}

/// Creates a host function whose calls are recorded or replayed.
///
/// The RR-aware `wasmtime_func_new`: same parameters; returns an error object
/// instead of nothing. While the store records, each call from the guest runs
/// `callback` and records its results (or trap) and the memory writes it made
/// through `wasmtime_rr_memory_write`. While it replays, `callback` is never
/// called: the recorded results, trap and writes are applied. The function's
/// name in the trace is the import it is given to by
/// `wasmtime_rr_instance_new` or `wasmtime_rr_linker_instantiate`. Without a
/// recording or replaying engine it is exactly `wasmtime_func_new`.
///
/// \param context the store; when its engine records or replays, a recorder
/// or replayer must already be attached.
/// \param type the function type; borrowed.
/// \param callback the host function.
/// \param env passed to `callback` and `finalizer`.
/// \param finalizer called with `env` when the function is freed (may be NULL).
/// \param ret receives the function; written only on success.
///
/// \return NULL on success, or an error owned by the caller (then `finalizer`
/// is not called).
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the store records or replays
/// but has nothing attached, and `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for a
/// type whose values cannot be recorded.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_func_t clock;
/// wasmtime_error_t *err = wasmtime_rr_func_new(context, clock_type, host_clock, NULL, NULL, &clock);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_func_new(
    context: *mut wasmtime_context_t,
    r#type: *const wasm_functype_t,
    callback: wasmtime_func_callback_t,
    env: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
    ret: *mut wasmtime_func_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_func_new", || {
        let context = unsafe { handles::context(context, "context") }?;
        let ty = unsafe { boundary::arg(r#type, "type") }?;
        let callback = callback.ok_or_else(|| RrError::null_argument("callback"))?;
        let out = unsafe { boundary::out(ret, "ret") }?;
        out.write(new_host_func(context, ty, Callback::Checked(callback), env, finalizer)?);
        Ok(())
    })
}

/// Defines a host function in a linker whose calls are recorded or replayed.
///
/// The RR-aware `wasmtime_linker_define_func`: same parameters and result.
/// The function is named `module.name` in the trace. While a store records,
/// calls run `callback` and are recorded; while it replays, `callback` is
/// never called (see `wasmtime_rr_func_new`). When the linker's engine
/// neither records nor replays it is exactly `wasmtime_linker_define_func`.
///
/// \param linker the linker.
/// \param module the import module name (UTF-8), `module_len` bytes.
/// \param module_len its length.
/// \param name the import name (UTF-8), `name_len` bytes.
/// \param name_len its length.
/// \param ty the function type; borrowed.
/// \param cb the host function.
/// \param data passed to `cb` and `finalizer`.
/// \param finalizer called with `data` when the definition is freed (may be
/// NULL).
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for names that are not UTF-8,
/// `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for a type whose values cannot be
/// recorded, and Wasmtime's own error (for example a duplicate definition).
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_linker_define_func(linker, "env", 3, "now", 3, now_type, host_now, NULL, NULL);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_linker_define_func(
    linker: *mut wasmtime_linker_t,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: *const wasm_functype_t,
    cb: wasmtime_func_callback_t,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_linker_define_func", || {
        let cb = cb.ok_or_else(|| RrError::null_argument("cb"))?;
        unsafe { define_host_func(linker, module, module_len, name, name_len, ty, Callback::Checked(cb), data, finalizer) }
    })
}

/// The (module, name) of each import of a module, in order.
fn import_names(module: &wasmtime_module_t) -> Vec<(String, String)> {
    let mut imports = wasmtime_c_api::wasm_importtype_vec_t::default();
    wasmtime_c_api::wasmtime_module_imports(module, &mut imports);
    let text = |name: &wasmtime_c_api::wasm_name_t| String::from_utf8_lossy(name.as_slice()).into_owned();
    let names = imports
        .as_slice()
        .iter()
        .flatten()
        .map(|i| (text(wasmtime_c_api::wasm_importtype_module(i)), text(wasmtime_c_api::wasm_importtype_name(i))))
        .collect();
    wasmtime_c_api::wasm_importtype_vec_delete(&mut imports);
    names
}

/// Instantiates a module, recording or replaying the instantiation.
///
/// The RR-aware `wasmtime_instance_new`: same parameters and result. While
/// recording, the instantiation is recorded with the SHA-256 of the module's
/// bytes (the module must come from `wasmtime_rr_module_new`), and the
/// instance's exports become callable through `wasmtime_rr_func_call`. While
/// replaying, a module whose checksum differs from the recorded one is a
/// `WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH` error naming both checksums.
/// Host functions from `wasmtime_rr_func_new` among `imports` take the
/// import's name. Without a recorder or replayer it is exactly
/// `wasmtime_instance_new`.
///
/// \param store the store.
/// \param module the module; borrowed.
/// \param imports the imports, in the module's import order.
/// \param nimports their count.
/// \param instance receives the instance; written only on success.
/// \param trap_ptr receives a trap from the start function (owned by the
/// caller), else NULL.
///
/// \return NULL on success (check `*trap_ptr`), or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a module not made by
/// `wasmtime_rr_module_new` (when recording or replaying),
/// `WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH`, `WASMTIME_RR_ERROR_KIND_DIVERGENCE`,
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO`, and Wasmtime's own errors.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_instance_t instance;
/// wasm_trap_t *trap = NULL;
/// wasmtime_error_t *err = wasmtime_rr_instance_new(context, module, imports, 2, &instance, &trap);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_instance_new(
    store: *mut wasmtime_context_t,
    module: *const wasmtime_module_t,
    imports: *const wasmtime_extern_t,
    nimports: usize,
    instance: *mut wasmtime_instance_t,
    trap_ptr: *mut *mut wasm_trap_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_instance_new", || {
        let context = unsafe { handles::context(store, "store") }?;
        let (module, compiled) = unsafe { handles::module_ref(module, "module") }?;
        checks::same_engine(compiled.engine(), context.as_context().engine(), "the module and the store")?;
        let items = unsafe { boundary::slice(imports, nimports, "imports") }?;
        let instance = unsafe { boundary::arg_mut(instance, "instance") }?;
        let trap_ptr = unsafe { boundary::arg_mut(trap_ptr, "trap_ptr") }?;
        let externs = checks::externs(&context, items)?;
        let names = import_names(module);
        let expected = names.len();
        let named: Vec<_> = names.into_iter().zip(externs).map(|((m, n), item)| (m, n, item)).collect();
        let given = named.clone();
        let linkable = |context: &WasmtimeStoreContextMut<'_>| imports_match(context, compiled, &given, expected, nimports);
        crate::rr::wasi::note_module(compiled);
        calls::instantiate(context, module, named, instance, trap_ptr, linkable, |context, instance, trap| unsafe {
            wasmtime_c_api::wasmtime_instance_new(context, module, imports, nimports, instance, trap)
        })
    })
}

/// Instantiates a module with a linker, recording or replaying it.
///
/// The RR-aware `wasmtime_linker_instantiate`: same parameters and result;
/// otherwise as `wasmtime_rr_instance_new`.
///
/// \param linker the linker; borrowed.
/// \param store the store.
/// \param module the module; borrowed.
/// \param instance receives the instance; written only on success.
/// \param trap_ptr receives a trap from the start function, else NULL.
///
/// \return NULL on success (check `*trap_ptr`), or an error owned by the caller.
///
/// Fails with the errors of `wasmtime_rr_instance_new`, plus Wasmtime's own errors for
/// imports the linker cannot satisfy.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_linker_instantiate(
    linker: *const wasmtime_linker_t,
    store: *mut wasmtime_context_t,
    module: *const wasmtime_module_t,
    instance: *mut wasmtime_instance_t,
    trap_ptr: *mut *mut wasm_trap_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_linker_instantiate", || {
        let view = unsafe { handles::linker_ref(linker) }?;
        let engine = view.engine();
        let linker = unsafe { &*linker };
        let mut context = unsafe { handles::context(store, "store") }?;
        checks::same_engine(engine, context.as_context().engine(), "the linker and the store")?;
        let (module, compiled) = unsafe { handles::module_ref(module, "module") }?;
        checks::same_engine(compiled.engine(), context.as_context().engine(), "the module and the store")?;
        let instance = unsafe { boundary::arg_mut(instance, "instance") }?;
        let trap_ptr = unsafe { boundary::arg_mut(trap_ptr, "trap_ptr") }?;
        let named = linked_imports(linker, &mut context, module);
        let linkable = |_: &WasmtimeStoreContextMut<'_>| view.instantiate_pre(compiled).map(drop);
        crate::rr::wasi::note_module(compiled);
        calls::instantiate(context, module, named, instance, trap_ptr, linkable, |context, instance, trap| {
            wasmtime_c_api::wasmtime_linker_instantiate(linker, context, module, instance, trap)
        })
    })
}

/// Wasmtime's own type check of positional imports against a module, without
/// instantiating: the imports go into a scratch linker and `instantiate_pre`
/// checks them. A module importing one name twice cannot be expressed in a
/// linker, so it is left to the instantiation itself.
fn imports_match(
    context: &WasmtimeStoreContextMut<'_>,
    module: &wasmtime::Module,
    named: &[(String, String, Extern)],
    expected: usize,
    given: usize,
) -> wasmtime::Result<()> {
    if given != expected {
        wasmtime::bail!("expected {expected} imports, found {given}");
    }
    let mut seen = std::collections::HashSet::new();
    if !named.iter().all(|(m, n, _)| seen.insert((m, n))) {
        return Ok(());
    }
    let mut linker = CLinker::new(module.engine());
    for (m, n, item) in named {
        linker.define(context, m, n, item.clone())?;
    }
    linker.instantiate_pre(module).map(drop)
}

/// What the linker provides for each import of a module.
fn linked_imports(
    linker: &wasmtime_linker_t,
    context: &mut WasmtimeStoreContextMut<'_>,
    module: &wasmtime_module_t,
) -> Vec<(String, String, Extern)> {
    use wasmtime::AsContextMut;
    let mut found = Vec::new();
    for (m, n) in import_names(module) {
        let mut item = MaybeUninit::<wasmtime_extern_t>::uninit();
        let ok = unsafe {
            wasmtime_c_api::wasmtime_linker_get(
                linker,
                context.as_context_mut(),
                m.as_ptr(),
                m.len(),
                n.as_ptr(),
                n.len(),
                &mut item,
            )
        };
        if ok {
            let item = unsafe { item.assume_init() };
            found.push((m, n, unsafe { item.to_extern() }));
            unsafe { wasmtime_c_api::wasmtime_extern_delete(&mut std::mem::ManuallyDrop::new(item)) };
        }
    }
    found
}

/// Calls a guest export, recording or replaying the call.
///
/// The RR-aware `wasmtime_func_call`: same parameters and result. `func` must
/// be an export of an instance created with `wasmtime_rr_instance_new` or
/// `wasmtime_rr_linker_instantiate` in this store. While recording, the call
/// (export and arguments) and its results or trap are recorded, with every
/// host-function call the guest makes meanwhile. While replaying, the call
/// must be the next one in the trace with the same arguments; the guest runs,
/// its host calls are served from the trace, and its results must equal the
/// recorded ones bit for bit, otherwise the call returns a
/// `WASMTIME_RR_ERROR_KIND_DIVERGENCE` error. Calling into the guest from
/// inside a host function is refused while recording or replaying. Without a
/// recorder or replayer it is exactly `wasmtime_func_call`.
///
/// \param store the store.
/// \param func the export; borrowed.
/// \param args the arguments (NULL only when `nargs` is 0).
/// \param nargs their count.
/// \param results receives `nresults` results on success without a trap.
/// \param nresults their count.
/// \param trap_ret receives a trap (owned by the caller), else NULL.
///
/// \return NULL on success (check `*trap_ret`), or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a function that is not such
/// an export, `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for re-entry from a host
/// function or values that cannot be recorded,
/// `WASMTIME_RR_ERROR_KIND_DIVERGENCE`, `WASMTIME_RR_ERROR_KIND_TRACE_FORMAT`,
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO`, and Wasmtime's own errors.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_val_t result;
/// wasm_trap_t *trap = NULL;
/// wasmtime_error_t *err = wasmtime_rr_func_call(context, &run, NULL, 0, &result, 1, &trap);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_func_call(
    store: *mut wasmtime_context_t,
    func: *const wasmtime_func_t,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
    trap_ret: *mut *mut wasm_trap_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_func_call", || {
        let context = unsafe { handles::context(store, "store") }?;
        let (func, ty) = checks::func_type(&context, func, "func")?;
        let values = unsafe { boundary::slice(args, nargs, "args") }?;
        if nresults > 0 {
            unsafe { boundary::arg_mut(results, "results") }?;
        }
        let trap_ret = unsafe { boundary::arg_mut(trap_ret, "trap_ret") }?;
        checks::call_values(&func, &ty, values, nresults)?;
        let values = CallValues::C { args, nargs, results: results.cast(), nresults };
        unsafe { calls::call(context, &func, values, trap_ret) }
    })
}

/// Creates a host function of the raw calling convention, recorded or replayed.
///
/// The RR-aware `wasmtime_func_new_unchecked`: same parameters; returns an
/// error object instead of nothing. `callback` receives the arguments in
/// `args_and_results` and writes its results there, as
/// `wasmtime_func_unchecked_callback_t` says; the values must be of the
/// function's type (the library cannot check raw values, as Wasmtime does
/// not). Recording and replay are as for `wasmtime_rr_func_new`; while
/// replaying, `callback` is never called and the recorded results are written
/// into the buffer directly. This is the fastest way to define a host
/// function with this library.
///
/// \param context the store; when its engine records or replays, a recorder
/// or replayer must already be attached.
/// \param type the function type; borrowed.
/// \param callback the host function.
/// \param env passed to `callback` and `finalizer`.
/// \param finalizer called with `env` when the function is freed (may be NULL).
/// \param ret receives the function; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with the errors of `wasmtime_rr_func_new`.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_func_t clock;
/// wasmtime_error_t *err = wasmtime_rr_func_new_unchecked(context, clock_type, raw_clock, NULL, NULL, &clock);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_func_new_unchecked(
    context: *mut wasmtime_context_t,
    r#type: *const wasm_functype_t,
    callback: wasmtime_func_unchecked_callback_t,
    env: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
    ret: *mut wasmtime_func_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_func_new_unchecked", || {
        let context = unsafe { handles::context(context, "context") }?;
        let ty = unsafe { boundary::arg(r#type, "type") }?;
        let callback = callback.ok_or_else(|| RrError::null_argument("callback"))?;
        let out = unsafe { boundary::out(ret, "ret") }?;
        out.write(new_host_func(context, ty, Callback::Unchecked(callback), env, finalizer)?);
        Ok(())
    })
}

/// Defines a raw-convention host function in a linker, recorded or replayed.
///
/// The RR-aware `wasmtime_linker_define_func_unchecked`: same parameters and
/// result; otherwise as `wasmtime_rr_linker_define_func` (the function is
/// named `module.name` in the trace) with the callback of
/// `wasmtime_rr_func_new_unchecked`.
///
/// \param linker the linker.
/// \param module the import module name (UTF-8), `module_len` bytes.
/// \param module_len its length.
/// \param name the import name (UTF-8), `name_len` bytes.
/// \param name_len its length.
/// \param ty the function type; borrowed.
/// \param cb the host function.
/// \param data passed to `cb` and `finalizer`.
/// \param finalizer called with `data` when the definition is freed (may be
/// NULL).
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with the errors of `wasmtime_rr_linker_define_func`.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_linker_define_func_unchecked(linker, "env", 3, "now", 3, now_type, raw_now, NULL, NULL);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_linker_define_func_unchecked(
    linker: *mut wasmtime_linker_t,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: *const wasm_functype_t,
    cb: wasmtime_func_unchecked_callback_t,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_linker_define_func_unchecked", || {
        let cb = cb.ok_or_else(|| RrError::null_argument("cb"))?;
        unsafe { define_host_func(linker, module, module_len, name, name_len, ty, Callback::Unchecked(cb), data, finalizer) }
    })
}

/// Calls a guest export with raw values, recording or replaying the call.
///
/// The RR-aware `wasmtime_func_call_unchecked`: same parameters and result.
/// The arguments are in `args_and_results`, and the results are written over
/// them; the buffer must hold at least as many values as the function has
/// parameters and results, and the values must be of the function's types
/// (raw values cannot be checked: that is the contract of the unchecked
/// convention). The function, the store and the buffer's length are checked.
/// Recording and replay are as for `wasmtime_rr_func_call`.
///
/// \param store the store.
/// \param func the export; borrowed.
/// \param args_and_results the arguments, then the results.
/// \param args_and_results_len the buffer's length in values.
/// \param trap_ret receives a trap (owned by the caller), else NULL.
///
/// \return NULL on success (check `*trap_ret`), or an error owned by the caller.
///
/// Fails with the errors of `wasmtime_rr_func_call`, and with
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a buffer too short.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_val_raw_t buffer[1] = {{.i32 = 6}};
/// wasmtime_error_t *err = wasmtime_rr_func_call_unchecked(context, &run, buffer, 1, &trap);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_func_call_unchecked(
    store: *mut wasmtime_context_t,
    func: *const wasmtime_func_t,
    args_and_results: *mut wasmtime_val_raw_t,
    args_and_results_len: usize,
    trap_ret: *mut *mut wasm_trap_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_func_call_unchecked", || {
        let context = unsafe { handles::context(store, "store") }?;
        let (func, ty) = checks::func_type(&context, func, "func")?;
        let needed = ty.params().len().max(ty.results().len());
        if args_and_results_len < needed {
            return Err(RrError::invalid_argument(format!(
                "the function needs room for {needed} values, the buffer holds {args_and_results_len}"
            )));
        }
        let buffer = match needed {
            0 => &mut [][..],
            _ => {
                unsafe { boundary::arg_mut(args_and_results, "args_and_results") }?;
                unsafe { std::slice::from_raw_parts_mut(args_and_results, args_and_results_len) }
            }
        };
        let trap_ret = unsafe { boundary::arg_mut(trap_ret, "trap_ret") }?;
        unsafe { calls::call(context, &func, CallValues::Raw(buffer), trap_ret) }
    })
}

/// Writes bytes into guest memory, recording or replaying the write.
///
/// Host functions must write into guest memory through this function for
/// the write to be recorded (and re-applied on replay). Outside a host
/// function the write is recorded as its own event and checked on replay.
/// Without a recorder or replayer it is a bounds-checked copy.
///
/// \param store the store (from `wasmtime_caller_context` inside a host
/// function).
/// \param memory the memory: an export of an instance created through the
/// RR-aware functions (when recording or replaying); borrowed.
/// \param offset where to write.
/// \param data the bytes (NULL only when `len` is 0).
/// \param len their count.
///
/// \return NULL on success, or an error owned by the caller; nothing is
/// written on failure.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the range does not fit the
/// memory or the memory is unknown to the recording,
/// `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when a replayed write differs, and
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO`.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_memory_write(context, &memory, ptr, random_bytes, 16);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_memory_write(
    store: *mut wasmtime_context_t,
    memory: *const wasmtime_memory_t,
    offset: u64,
    data: *const u8,
    len: usize,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_memory_write", || {
        let context = unsafe { handles::context(store, "store") }?;
        let memory = &checks::memory(&context, memory, "memory")?;
        let bytes = unsafe { boundary::slice(data, len, "data") }?;
        calls::memory_write(context, memory, offset, bytes)
    })
}

/// Gives the address of a memory's bytes, for a host that may write through it.
///
/// The RR-aware `wasmtime_memory_data`: the same address, and, on a store
/// recording with shadow memory (`wasmtime_rr_recorder_shadow_memory_set`),
/// a note that the host may now write guest memory directly. From a host's
/// first call of this function on, shadow memory copies and compares memory
/// only in the host turns (host function calls, and the time between calls
/// into the guest) in which the host asked for an address, so turns that
/// never touch memory cost nothing. The preload library puts every
/// `wasmtime_memory_data` call of an unmodified host here. A host that keeps
/// an address from an earlier turn and writes through it later is not seen;
/// the memory-digest setting reports that as a divergence at replay.
///
/// \param store the store.
/// \param memory the memory; borrowed.
/// \param data receives the address of the memory's first byte (valid until
/// the memory grows).
///
/// \return NULL on success, or an error owned by the caller; `*data` is
/// written only on success.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a memory of another store.
///
/// Never aborts.
///
/// Example:
/// \code
/// uint8_t *base;
/// wasmtime_error_t *err = wasmtime_rr_memory_data(context, &memory, &base);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_memory_data(
    store: *mut wasmtime_context_t,
    memory: *const wasmtime_memory_t,
    data: *mut *mut u8,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_memory_data", || {
        let mut context = unsafe { handles::context(store, "store") }?;
        let memory = checks::memory(&context, memory, "memory")?;
        let data = unsafe { boundary::out(data, "data") }?;
        // The address matters more than the note: a store busy in another
        // operation (a trace callback asking) still gets it, and a write
        // through it then shows as a memory-digest divergence at replay.
        let _ = calls::memory_address_taken(&context);
        data.write(memory.data_ptr(&mut context));
        Ok(())
    })
}
