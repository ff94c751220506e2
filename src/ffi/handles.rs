//! Views of the C API's own handle types as the Wasmtime values they wrap.
//!
//! `wasm_config_t`, `wasm_engine_t` and `wasmtime_error_t` are `#[repr(C)]`
//! structs with a single field (`Config`, `Engine`, `wasmtime::Error`) that
//! wasmtime-c-api-impl keeps `pub(crate)`. A `#[repr(C)]` struct places its first
//! field at offset 0, so a pointer to the handle is a pointer to the value; the
//! assertions below make the build fail if a future version changes that.
//! Working on the very handles the C API hands out is what lets our functions
//! accept a config from `wasm_config_new` and return an engine that every other
//! C API function accepts.

use crate::ffi::boundary;
use crate::error::Result;
use std::mem::{align_of, size_of};
use wasmtime::{Config, Engine};
use wasmtime_c_api::{
    WasmtimeStoreContextMut, wasi_config_t, wasm_config_t, wasm_engine_t, wasmtime_error_t, wasmtime_linker_t,
};
use wasmtime_wasi::WasiCtxBuilder;

/// The C API's `wasmtime_context_t`, opaque: a pointer to it is a store
/// context (`WasmtimeStoreContextMut`) passed by value.
#[repr(C)]
pub struct wasmtime_context_t {
    _opaque: [u8; 0],
}

/// The C API's `wasmtime_func_t`: Wasmtime's `Func`, passed by pointer.
pub type wasmtime_func_t = wasmtime::Func;
/// The C API's `wasmtime_memory_t`: Wasmtime's `Memory`.
pub type wasmtime_memory_t = wasmtime::Memory;
/// The C API's `wasmtime_instance_t`: Wasmtime's `Instance`.
pub type wasmtime_instance_t = wasmtime::Instance;

/// The C API's `wasmtime_func_callback_t`, nullable so a NULL callback from C
/// is an error rather than undefined behaviour.
pub type wasmtime_func_callback_t = Option<
    extern "C" fn(
        *mut std::ffi::c_void,
        *mut wasmtime_c_api::wasmtime_caller_t,
        *const wasmtime_c_api::wasmtime_val_t,
        usize,
        *mut wasmtime_c_api::wasmtime_val_t,
        usize,
    ) -> Option<Box<wasmtime_c_api::wasm_trap_t>>,
>;

/// The C API's `wasmtime_func_unchecked_callback_t`, nullable so a NULL
/// callback from C is an error rather than undefined behaviour.
pub type wasmtime_func_unchecked_callback_t = Option<
    extern "C" fn(
        *mut std::ffi::c_void,
        *mut wasmtime_c_api::wasmtime_caller_t,
        *mut wasmtime::ValRaw,
        usize,
    ) -> Option<Box<wasmtime_c_api::wasm_trap_t>>,
>;

/// The C API's `wasmtime_val_raw_t`: Wasmtime's `ValRaw`.
pub type wasmtime_val_raw_t = wasmtime::ValRaw;

pub(crate) type CLinker = wasmtime::Linker<wasmtime_c_api::WasmtimeStoreData>;
/// What `wasmtime_component_linker_t` wraps (`#[repr(transparent)]`).
pub(crate) type CComponentLinker = wasmtime::component::Linker<wasmtime_c_api::WasmtimeStoreData>;
/// What `wasmtime_component_linker_instance_t` wraps (`#[repr(transparent)]`).
pub(crate) type CLinkerInstance<'a> = wasmtime::component::LinkerInstance<'a, wasmtime_c_api::WasmtimeStoreData>;
/// The C API's `wasmtime_component_func_callback_t`, nullable so a NULL
/// callback from C is an error rather than undefined behaviour.
pub type wasmtime_component_func_callback_t = Option<crate::rr::components::ComponentCallback>;
/// The C API's `wasmtime_component_resource_destructor_t`, nullable so a
/// NULL destructor from C is an error rather than undefined behaviour.
pub type wasmtime_component_resource_destructor_t = Option<crate::rr::components::ResourceDestructor>;
/// The C API's `wasmtime_component_func_t`: Wasmtime's component `Func`.
pub type wasmtime_component_func_t = wasmtime::component::Func;
/// The C API's `wasmtime_component_instance_t`: Wasmtime's component `Instance`.
pub type wasmtime_component_instance_t = wasmtime::component::Instance;

const _: () = {
    assert!(size_of::<wasm_config_t>() == size_of::<Config>());
    assert!(align_of::<wasm_config_t>() == align_of::<Config>());
    assert!(size_of::<wasm_engine_t>() == size_of::<Engine>());
    assert!(align_of::<wasm_engine_t>() == align_of::<Engine>());
    assert!(size_of::<wasmtime_error_t>() == size_of::<wasmtime::Error>());
    assert!(size_of::<wasmtime_linker_t>() == size_of::<CLinker>());
    assert!(align_of::<wasmtime_linker_t>() == align_of::<CLinker>());
    assert!(size_of::<WasmtimeStoreContextMut<'static>>() == size_of::<usize>());
    assert!(align_of::<wasmtime_error_t>() == align_of::<wasmtime::Error>());
    assert!(size_of::<wasmtime_c_api::wasmtime_module_t>() == size_of::<wasmtime::Module>());
    assert!(align_of::<wasmtime_c_api::wasmtime_module_t>() == align_of::<wasmtime::Module>());
    assert!(size_of::<wasmtime_c_api::wasmtime_component_t>() == size_of::<wasmtime::component::Component>());
    assert!(size_of::<wasmtime_c_api::wasmtime_component_linker_t>() == size_of::<CComponentLinker>());
    assert!(align_of::<wasmtime_c_api::wasmtime_component_linker_t>() == align_of::<CComponentLinker>());
    assert!(size_of::<wasmtime_c_api::wasmtime_component_linker_instance_t<'static>>() == size_of::<CLinkerInstance<'static>>());
    assert!(size_of::<wasi_config_t>() == size_of::<WasiCtxBuilder>());
    assert!(align_of::<wasi_config_t>() == align_of::<WasiCtxBuilder>());
};

/// # Safety
/// A non-NULL `config` must come from the C API and be live, unaliased.
pub(crate) unsafe fn config_mut<'a>(config: *mut wasm_config_t, name: &str) -> Result<&'a mut Config> {
    unsafe { boundary::arg_mut(config.cast::<Config>(), name) }
}

/// # Safety
/// A non-NULL `config` must come from the C API and be live.
pub unsafe fn config_ref<'a>(config: *const wasm_config_t, name: &str) -> Result<&'a Config> {
    unsafe { boundary::arg(config.cast::<Config>(), name) }
}

/// # Safety
/// A non-NULL `engine` must come from the C API and be live.
pub(crate) unsafe fn engine_ref<'a>(engine: *const wasm_engine_t, name: &str) -> Result<&'a Engine> {
    unsafe { boundary::arg(engine.cast::<Engine>(), name) }
}

/// # Safety
/// A non-NULL `error` must come from the C API or this library and be live.
pub(crate) unsafe fn error_ref<'a>(error: *const wasmtime_error_t) -> Result<&'a wasmtime::Error> {
    unsafe { boundary::arg(error.cast::<wasmtime::Error>(), "error") }
}

/// Hands an engine to C as a `wasm_engine_t*` that `wasm_engine_delete` frees.
pub fn engine_into_raw(engine: Engine) -> *mut wasm_engine_t {
    // Same size and alignment (asserted above), so the allocation made for an
    // `Engine` is the one `wasm_engine_delete` expects to free.
    Box::into_raw(Box::new(engine)).cast::<wasm_engine_t>()
}

/// Frees a config the way `wasm_config_delete` does.
///
/// # Safety
/// `config` must be a live, non-NULL config from the C API; it is gone after.
pub(crate) unsafe fn config_delete(config: *mut wasm_config_t) {
    wasmtime_c_api::wasm_config_delete(unsafe { Box::from_raw(config) });
}

/// # Safety
/// A non-NULL `context` must be a live store context from the C API.
pub(crate) unsafe fn context<'a>(context: *mut wasmtime_context_t, name: &str) -> Result<WasmtimeStoreContextMut<'a>> {
    // A context points to a store, which is pointer-aligned.
    unsafe { boundary::arg(context.cast::<usize>(), name) }?;
    // SAFETY: a store context is passed to and from C as this very pointer.
    Ok(unsafe { std::mem::transmute::<*mut wasmtime_context_t, WasmtimeStoreContextMut<'a>>(context) })
}

/// `wasmtime_module_t` has one field, the `Module` (a struct of one field
/// has that field's layout; asserted above).
///
/// # Safety
/// A non-NULL `module` must be a live module from the C API.
pub(crate) unsafe fn module_ref<'a>(
    module: *const wasmtime_c_api::wasmtime_module_t,
    name: &str,
) -> Result<(&'a wasmtime_c_api::wasmtime_module_t, &'a wasmtime::Module)> {
    let inner = unsafe { boundary::arg(module.cast::<wasmtime::Module>(), name) }?;
    Ok((unsafe { &*module }, inner))
}

/// `wasi_config_t` is `#[repr(C)]` with one field, the `WasiCtxBuilder`.
///
/// # Safety
/// A non-NULL `config` must come from the C API and be live, unaliased.
pub(crate) unsafe fn wasi_config_mut<'a>(config: *mut wasi_config_t, name: &str) -> Result<&'a mut WasiCtxBuilder> {
    unsafe { boundary::arg_mut(config.cast::<WasiCtxBuilder>(), name) }
}

/// # Safety
/// A non-NULL `linker` must be a live linker from the C API, unaliased.
pub(crate) unsafe fn linker_mut<'a>(linker: *mut wasmtime_linker_t) -> Result<&'a mut CLinker> {
    unsafe { boundary::arg_mut(linker.cast::<CLinker>(), "linker") }
}

/// # Safety
/// A non-NULL `linker` must be a live linker from the C API.
pub(crate) unsafe fn linker_engine<'a>(linker: *const wasmtime_linker_t) -> Result<&'a Engine> {
    Ok(unsafe { linker_ref(linker) }?.engine())
}

/// # Safety
/// A non-NULL `linker` must be a live linker from the C API.
pub(crate) unsafe fn linker_ref<'a>(linker: *const wasmtime_linker_t) -> Result<&'a CLinker> {
    unsafe { boundary::arg(linker.cast::<CLinker>(), "linker") }
}

/// `wasmtime_component_t` is `#[repr(transparent)]` around a `Component`.
///
/// # Safety
/// A non-NULL `component` must be a live component from the C API.
pub(crate) unsafe fn component_ref<'a>(
    component: *const wasmtime_c_api::wasmtime_component_t,
    name: &str,
) -> Result<&'a wasmtime::component::Component> {
    unsafe { boundary::arg(component.cast::<wasmtime::component::Component>(), name) }
}

/// # Safety
/// A non-NULL `linker` must be a live component linker from the C API.
pub(crate) unsafe fn component_linker_ref<'a>(
    linker: *const wasmtime_c_api::wasmtime_component_linker_t,
) -> Result<&'a CComponentLinker> {
    unsafe { boundary::arg(linker.cast::<CComponentLinker>(), "linker") }
}

/// # Safety
/// A non-NULL `linker` must be a live component linker from the C API, unaliased.
pub(crate) unsafe fn component_linker_mut<'a>(
    linker: *mut wasmtime_c_api::wasmtime_component_linker_t,
) -> Result<&'a mut CComponentLinker> {
    unsafe { boundary::arg_mut(linker.cast::<CComponentLinker>(), "linker") }
}

/// # Safety
/// A non-NULL `instance` must be a live linker instance from the C API, unaliased.
pub(crate) unsafe fn linker_instance_mut<'a>(
    instance: *mut wasmtime_c_api::wasmtime_component_linker_instance_t<'a>,
) -> Result<&'a mut CLinkerInstance<'a>> {
    unsafe { boundary::arg_mut(instance.cast::<CLinkerInstance<'a>>(), "linker_instance") }
}
