//! The RR-aware variants of the C API's component functions: the functions a
//! host uses to compile a component, add host functions, instantiate and
//! call. Same parameters as their counterparts (porting is a rename); on a
//! store with no recorder or replayer attached they do what the stock
//! functions do, with every input checked first.

use crate::error::RrError;
use crate::ffi::boundary::{self, guard_forward};
use crate::ffi::checks;
use crate::ffi::handles::{
    self, wasmtime_component_func_callback_t, wasmtime_component_func_t, wasmtime_component_instance_t,
    wasmtime_component_resource_destructor_t, wasmtime_context_t,
};
use crate::ffi::host_api::is_rr;
use crate::rr::components::{self, ComponentHost, HostCallback};
use crate::rr::modules;
use crate::rr::wasip2;
use std::ffi::c_void;
use std::os::raw::c_char;
use wasmtime::AsContext;
use wasmtime_c_api::{
    WasmtimeStoreContextMut,
    wasm_engine_t, wasmtime_component_linker_instance_t, wasmtime_component_linker_t, wasmtime_component_resource_type_t,
    wasmtime_component_t, wasmtime_component_val_t, wasmtime_error_t,
};

/// Compiles a component and remembers the SHA-256 of its bytes for record/replay.
///
/// The RR-aware `wasmtime_component_new`: same parameters and result. When
/// the engine records or replays, the checksum is kept for the component's
/// instantiations (recorded, or checked against the trace); free such a
/// component with `wasmtime_rr_component_delete`. Otherwise it is exactly
/// `wasmtime_component_new`.
///
/// \param engine the engine to compile for.
/// \param buf the component's bytes (binary or, with the `wat` feature, text);
/// may be NULL only when `len` is 0.
/// \param len their length.
/// \param component_out receives the component (owned by the caller);
/// written only on success.
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
/// wasmtime_component_t *component = NULL;
/// wasmtime_error_t *err = wasmtime_rr_component_new(engine, bytes, size, &component);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_new(
    engine: *const wasm_engine_t,
    buf: *const u8,
    len: usize,
    component_out: *mut *mut wasmtime_component_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_component_new", || {
        let rr = is_rr(unsafe { handles::engine_ref(engine, "engine") }?);
        let bytes = unsafe { boundary::slice(buf, len, "buf") }?;
        let out = unsafe { boundary::out(component_out, "component_out") }?;
        let mut component = std::ptr::null_mut();
        let stock =
            unsafe { wasmtime_c_api::wasmtime_component_new(&*engine, bytes.as_ptr(), bytes.len(), &mut component) };
        if stock.is_none() {
            if rr {
                modules::register_component(unsafe { handles::component_ref(component, "component") }?, bytes);
            }
            out.write(component);
        }
        Ok(stock)
    })
}

/// Frees a component made by `wasmtime_rr_component_new`, and its recorded checksum.
///
/// The RR-aware `wasmtime_component_delete`. A NULL `component` is ignored.
///
/// \param component the component, consumed; may be NULL.
///
/// \return nothing.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// wasmtime_rr_component_delete(component);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_delete(component: *mut wasmtime_component_t) {
    boundary::guard_value("wasmtime_rr_component_delete", (), || {
        if let Some(component) = unsafe { boundary::owned(component) } {
            if let Ok(inner) = unsafe { handles::component_ref(&*component, "component") } {
                modules::unregister_component(inner);
            }
            wasmtime_c_api::wasmtime_component_delete(component);
        }
    })
}

/// Instantiates a component through a component linker, recorded or replayed.
///
/// The RR-aware `wasmtime_component_linker_instantiate`: same parameters and
/// result. While the store records, the instantiation is recorded with the
/// component's SHA-256, and the instance's exported functions (at the top
/// level and inside exported instances, named `interface#function`) become
/// callable with `wasmtime_rr_component_func_call`. While it replays, the
/// trace must have the same instantiation next. Imports the linker cannot
/// satisfy fail with Wasmtime's own error and are not recorded.
///
/// \param linker the component linker.
/// \param context the store.
/// \param component the component, from `wasmtime_rr_component_new` when the
/// engine records or replays.
/// \param instance_out receives the instance; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for objects of different
/// engines or a component whose checksum is unknown,
/// `WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH` when a replay's trace
/// instantiates another component, `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when
/// it expects something else, and Wasmtime's own errors (kind
/// `WASMTIME_RR_ERROR_KIND_WASMTIME`).
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_component_instance_t instance;
/// wasmtime_error_t *err = wasmtime_rr_component_linker_instantiate(linker, context, component, &instance);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_linker_instantiate(
    linker: *const wasmtime_component_linker_t,
    context: *mut wasmtime_context_t,
    component: *const wasmtime_component_t,
    instance_out: *mut wasmtime_component_instance_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_component_linker_instantiate", || {
        let linker = unsafe { handles::component_linker_ref(linker) }?;
        let context = unsafe { handles::context(context, "context") }?;
        let component = unsafe { handles::component_ref(component, "component") }?;
        checks::same_engine(linker.engine(), context.as_context().engine(), "the linker and the store")?;
        checks::same_engine(component.engine(), context.as_context().engine(), "the component and the store")?;
        let out = unsafe { boundary::out(instance_out, "instance_out") }?;
        Ok(match components::instantiate(context, linker, component)? {
            Ok(instance) => {
                out.write(instance);
                None
            }
            Err(error) => Some(Box::new(wasmtime_error_t::from(error))),
        })
    })
}

/// Adds a host function to a component linker instance, recorded or replayed.
///
/// The RR-aware `wasmtime_component_linker_instance_add_func`: same
/// parameters and result. On a store that records, each call's results (or
/// error) are recorded, and its arguments too with validation on; on a store
/// that replays, `callback` is never called: the recorded results are given
/// to the guest, and the call must be the one the trace has next (same
/// function name; same arguments with validation). The trace names the
/// function by `name` (not by the linker instance's path). A component value
/// the callback writes is checked before use: an invalid `char`, a string
/// that is not UTF-8 or a NULL pointer fails the call with an error, never a
/// crash. A resource the host makes (`wasmtime_component_resource_host_new`
/// and `_to_any`) and returns is recorded with its `rep` and type number,
/// and a replay makes it again.
///
/// \param linker_instance the linker instance (from
/// `wasmtime_component_linker_root` or `_add_instance`).
/// \param name the function's name (UTF-8), `name_len` bytes.
/// \param name_len its length.
/// \param callback the host function.
/// \param data passed to `callback` and `finalizer`.
/// \param finalizer called with `data` when the definition is freed (may be
/// NULL).
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a name that is not UTF-8,
/// and Wasmtime's own error for a name already defined. As with the stock
/// function, `finalizer` is called when the definition fails after `data`
/// was taken (Wasmtime's own error), not when an argument is refused.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_component_linker_instance_add_func(root, "now", 3, now, NULL, NULL);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_linker_instance_add_func(
    linker_instance: *mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    callback: wasmtime_component_func_callback_t,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_component_linker_instance_add_func", || {
        let instance = unsafe { handles::linker_instance_mut(linker_instance) }?;
        let name = unsafe { utf8_name(name, name_len) }?;
        let callback = callback.ok_or_else(|| RrError::null_argument("callback"))?;
        let host = ComponentHost::new(HostCallback::Func(callback), data, finalizer, name.to_string());
        let defined = instance.func_new(name, move |ctx, ty, args, rets| host.call(ctx, ty, args, rets));
        Ok(defined.err().map(|error| Box::new(wasmtime_error_t::from(error))))
    })
}

/// Adds a host resource type whose destructor is recorded and replayed.
///
/// The RR-aware `wasmtime_component_linker_instance_add_resource`: same
/// parameters and result. The guest drops a resource of the type (an `own`
/// handle the host made with `wasmtime_component_resource_host_new` and
/// `_to_any`, or any of the type) by calling the destructor with the
/// resource's `rep`. While the store records, each such call is recorded as
/// a call of host function `[resource-drop]name` with the `rep` as its
/// argument (kept with validation) and the destructor's outcome (an error
/// message is kept); while it replays, the destructor is not called: the
/// trace must have that call next (with the same `rep`, with validation),
/// and the recorded outcome is returned. Resources the host makes and
/// gives the guest (results of a host function added with
/// `wasmtime_rr_component_linker_instance_add_func`, `own` arguments of
/// `wasmtime_rr_component_func_call`) are recorded with their `rep` and
/// type number, and a replay makes them again, so a replay runs no host code
/// for them; a resource the host lends (a `borrow` parameter) stays the
/// host's and is checked by handle number. The type's number is recorded
/// before each instantiation, for `wasmtime-rr replay`. On a store that
/// neither records nor replays the destructor is simply called.
///
/// \param linker_instance the linker instance (from
/// `wasmtime_component_linker_root` or `_add_instance`).
/// \param name the resource type's name (UTF-8), `name_len` bytes.
/// \param name_len its length.
/// \param ty the resource type (`wasmtime_component_resource_type_new_host`);
/// borrowed.
/// \param destructor called with `data`, the store and the resource's `rep`
/// when the guest drops one; returns NULL or an error (which traps the guest).
/// \param data passed to `destructor` and `finalizer`.
/// \param finalizer called with `data` when the definition is freed (may be
/// NULL).
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a name that is not UTF-8,
/// and Wasmtime's own error for a name already defined. As with
/// `wasmtime_rr_component_linker_instance_add_func`, `finalizer` is called
/// when the definition fails after `data` was taken (Wasmtime's own error),
/// not when an argument is refused.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_component_resource_type_t *ty = wasmtime_component_resource_type_new_host(1);
/// wasmtime_error_t *err = wasmtime_rr_component_linker_instance_add_resource(api, "counter", 7, ty, drop_counter, NULL, NULL);
/// wasmtime_component_resource_type_delete(ty);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_linker_instance_add_resource(
    linker_instance: *mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    ty: *const wasmtime_component_resource_type_t,
    destructor: wasmtime_component_resource_destructor_t,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_component_linker_instance_add_resource", || {
        unsafe { boundary::arg(linker_instance, "linker_instance") }?;
        let name = unsafe { utf8_name(name, name_len) }?;
        let ty = unsafe { boundary::arg(ty, "ty") }?;
        let destructor = destructor.ok_or_else(|| RrError::null_argument("destructor"))?;
        let host = Box::new(ComponentHost::new(HostCallback::Destructor(destructor), data, finalizer, format!("[resource-drop]{name}")));
        // The stock function, checked arguments only, with the recording
        // destructor in place of the host's (the host's runs inside it).
        let host = Box::into_raw(host).cast::<c_void>();
        let stock = unsafe {
            wasmtime_c_api::wasmtime_component_linker_instance_add_resource(
                &mut *linker_instance,
                name.as_ptr(),
                name.len(),
                ty,
                recorded_destructor,
                host,
                Some(drop_destructor),
            )
        };
        Ok(stock)
    })
}

/// The destructor Wasmtime calls: the host's, through the session.
extern "C" fn recorded_destructor(
    host: *mut c_void,
    ctx: WasmtimeStoreContextMut<'_>,
    rep: u32,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: `host` is the box made in _add_resource, alive until `drop_destructor`.
    let host = unsafe { &*host.cast::<ComponentHost>() };
    host.destroy(ctx, rep).err().map(|error| Box::new(wasmtime_error_t::from(error)))
}

extern "C" fn drop_destructor(host: *mut c_void) {
    // SAFETY: made by Box::into_raw in _add_resource; Wasmtime calls this once.
    drop(unsafe { Box::from_raw(host.cast::<ComponentHost>()) });
}

/// A name from C: present and UTF-8.
///
/// # Safety
/// A non-NULL `name` must point to `len` readable bytes.
unsafe fn utf8_name<'a>(name: *const c_char, len: usize) -> crate::error::Result<&'a str> {
    let bytes = unsafe { boundary::slice(name.cast::<u8>(), len, "name") }?;
    std::str::from_utf8(bytes)
        .map_err(|e| RrError::invalid_argument(format!("argument `name` is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to())))
}

/// Adds WASI preview 2 to a component linker, recorded and replayed.
///
/// The RR-aware `wasmtime_component_linker_add_wasip2`: same parameter and
/// result. On an engine that neither records nor replays it is exactly the
/// stock function. On an engine that records or replays it adds the same
/// interfaces (`wasi:cli/command`'s imports, synchronous), each function
/// through which the outside world reaches the guest wrapped around
/// Wasmtime's own implementation: wall and monotonic clocks, random and
/// insecure random, the insecure seed, environment, arguments and initial
/// directory, exit, stdin/stdout/stderr streams (read, write, flush, skip,
/// splice, check-write), pollables (`poll`, `ready`, `block`), stream error
/// texts, terminal queries, preopens and the filesystem (every method of
/// descriptors and directory entry streams: open, read, write, stat,
/// directories, links, renames, metadata hashes...). On a store with a
/// recorder attached every such call is recorded with its arguments (paths,
/// offsets, lengths, flags, bytes written, handles) and its result, error
/// code, trap or exit. On a replaying store none of them reads the outside
/// world: each call is checked against the trace (another function or other
/// arguments, such as other bytes written to stdout or another path, are a
/// `WASMTIME_RR_ERROR_KIND_DIVERGENCE` naming the event and the function)
/// and the recorded result is returned; the streams, descriptors and timers
/// the guest gets are stand-ins with the recorded handle numbers, no file is
/// opened, and nothing is printed unless the replayer echoes
/// (`wasmtime_rr_replayer_echo_set`). The store's WASI context is the one
/// `wasmtime_rr_context_set_wasi` gave it (or the stock one). The network
/// cannot be recorded: while recording or replaying `instance-network` traps
/// with `unsupported`.
/// A store that records or replays instantiates a component importing a
/// `wasi:` interface only through a linker this function prepared.
///
/// \param linker the component linker.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL linker and
/// with Wasmtime's own error when WASI is already defined.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_component_linker_add_wasip2(linker);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_linker_add_wasip2(linker: *mut wasmtime_component_linker_t) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_component_linker_add_wasip2", || {
        let inner = unsafe { handles::component_linker_mut(linker) }?;
        if !is_rr(inner.engine()) {
            return Ok(unsafe { wasmtime_c_api::wasmtime_component_linker_add_wasip2(&mut *linker) });
        }
        match wasip2::define(inner) {
            Ok(()) => {
                wasip2::prepared(inner);
                Ok(None)
            }
            Err(error) => Ok(Some(Box::new(wasmtime_error_t::from(error)))),
        }
    })
}

/// Calls a component export, recording or replaying the call.
///
/// The RR-aware `wasmtime_component_func_call`: same parameters and result.
/// The arguments are checked before use (kinds, `char`s, UTF-8, pointers),
/// and the results are written into `results` without reading what was
/// there. While the store records, the call's arguments and its results (as
/// component values, every type, NaN bits included) or its failure are
/// recorded; while it replays, the trace must have the same call next, with
/// the same arguments, and the call must end the same way.
///
/// \param func the export, from an instance made by
/// `wasmtime_rr_component_linker_instantiate` when the store records or
/// replays.
/// \param context the store.
/// \param args the arguments; borrowed; may be NULL only when `args_len` is 0.
/// \param args_len their number.
/// \param results receives the results, owned by the caller (free each with
/// `wasmtime_component_val_delete`); written only on success.
/// \param results_len room in `results`: the function's result count.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a function of another store
/// or a malformed argument value, `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when a
/// replay sees another call or outcome than the trace, and Wasmtime's own
/// errors (kind `WASMTIME_RR_ERROR_KIND_WASMTIME`) for a trap or mistyped
/// arguments.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_component_val_t arg = {.kind = WASMTIME_COMPONENT_U32, .of.u32 = 7}, result;
/// wasmtime_error_t *err = wasmtime_rr_component_func_call(&func, context, &arg, 1, &result, 1);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_component_func_call(
    func: *const wasmtime_component_func_t,
    context: *mut wasmtime_context_t,
    args: *const wasmtime_component_val_t,
    args_len: usize,
    results: *mut wasmtime_component_val_t,
    results_len: usize,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_component_func_call", || {
        let func = unsafe { boundary::arg(func, "func") }?;
        let context = unsafe { handles::context(context, "context") }?;
        if checks::store_id_of(func) == 0 {
            return Err(RrError::invalid_argument("`func` is not a component function handle (its store id is 0)"));
        }
        let c_args = unsafe { boundary::slice(args, args_len, "args") }?;
        let args = unsafe { components::read_args(c_args) }?;
        if results_len > 0 {
            unsafe { boundary::arg(results, "results") }?;
        }
        let plain_results = |context: &mut WasmtimeStoreContextMut<'_>| {
            Ok(checks::foreign("`func`", || func.ty(&*context))?.results().len())
        };
        Ok(match components::call(context, func, &args, results_len, plain_results)? {
            Ok(values) => {
                for (i, value) in components::results_for_c(&values)?.into_iter().enumerate() {
                    unsafe { results.add(i).write(value) };
                }
                None
            }
            Err(error) => Some(Box::new(wasmtime_error_t::from(error))),
        })
    })
}
