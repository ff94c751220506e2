//! Components at the host boundary while a store records or replays:
//! instantiations, calls into component exports, and calls from a component
//! to host functions. The same session (and trace) serves core modules and
//! components.
//!
//! Values cross as component values (see `component_values`); a recording
//! writes them with their types, a replay compares what happens with them
//! and serves host functions' results without running the host.

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::calls::{Mode, close_call, mode_of, open_instantiation, refuse_reentry};
use crate::rr::component_values::{Replayed, Resources, from_c, make_resource, to_c, visit_resources};
use crate::rr::modules;
use crate::rr::session::{self, Role, Session, State, describe, divergence, next_action, role_mismatch};
use crate::trace::component::{ComponentEvent, ComponentHostCall, Encoded, put_values};
use crate::trace::event::{Event, Outcome};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::c_void;
use wasmtime::AsContextMut;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use std::borrow::Cow;
use wasmtime::component::{Component, ComponentExportIndex, Func, Instance, Linker, ResourceType, Type, Val};
use wasmtime_c_api::{WasmtimeStoreContextMut, WasmtimeStoreData, wasmtime_component_func_type_t, wasmtime_component_val_t, wasmtime_error_t};

/// A component function as the C API lays it out (`wasmtime_component_func_t`
/// in `component/func.h`): store id, instance, export index. Its padding is
/// not part of it, so the fields are read one by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ComponentFuncKey(u64, u32, u32);

const _: () = assert!(size_of::<Func>() == 24 && align_of::<Func>() == 8);

pub fn func_key(func: &Func) -> ComponentFuncKey {
    let base = (func as *const Func).cast::<u8>();
    // SAFETY: `Func` is `#[repr(C)]` with the C header's layout (Wasmtime
    // asserts it); these are its three fields.
    unsafe {
        ComponentFuncKey(base.cast::<u64>().read(), base.add(8).cast::<u32>().read(), base.add(16).cast::<u32>().read())
    }
}

/// An export of a component instance created through the RR-aware
/// instantiation.
struct ExportSlot {
    instance: u32,
    /// `function`, or `interface#function` inside an exported instance.
    name: String,
    /// Trace id, assigned when first recorded.
    id: Option<u32>,
    /// How many results the function has.
    results: usize,
}

/// What a session knows of components.
#[derive(Default)]
pub struct ComponentState {
    exports: HashMap<ComponentFuncKey, ExportSlot>,
    /// Recording: the trace id of each host function, by its serial.
    import_ids: HashMap<u64, u32>,
    /// Replaying: the host function (serial) each trace id was matched with.
    bindings: HashMap<u32, u64>,
    resources: Resources,
    /// Value buffers of recorded events, reused so recording a call does not
    /// allocate them.
    spare: Vec<Vec<u8>>,
    /// Replaying: WASI preview 2 stand-in streams that are stdout (1) or
    /// stderr (2), by handle, for echoing what the guest writes to them.
    pub stdio: HashMap<u32, u64>,
}

fn message(error: &wasmtime::Error) -> String {
    format!("{error:#}")
}

/// An instantiation through `wasmtime_rr_component_linker_instantiate`.
pub fn instantiate(
    mut context: WasmtimeStoreContextMut<'_>,
    linker: &Linker<WasmtimeStoreData>,
    component: &Component,
) -> Result<wasmtime::Result<Instance>> {
    crate::rr::stores::learn_data_offset(&mut context);
    let Mode::Session(session) = mode_of(&context) else {
        return Ok(linker.instantiate(context, component));
    };
    refuse_reentry(&session)?;
    refuse_wasi(&context, linker, component)?;
    // Missing or mistyped imports are the caller's mistake: Wasmtime's own
    // error, nothing recorded (as for modules).
    if let Err(error) = linker.instantiate_pre(component) {
        return Ok(Err(error));
    }
    let checksum = modules::component_checksum(component)?;
    {
        let mut state = session.lock()?;
        define_resources(&mut state, linker, component, context.engine())?;
        open_instantiation(&mut state, &mut context, checksum, "component")?;
    }
    let result = linker.instantiate(context.as_context_mut(), component);
    let outcome = match &result {
        Ok(instance) => {
            register(&session, &mut context, component, instance)?;
            Outcome::Returned(Vec::new())
        }
        Err(error) => Outcome::Failed(message(error)),
    };
    close_call(&session, |_| Ok(outcome))?;
    Ok(result)
}

/// The resource types `component` imports that the linker defines as host
/// types (`wasmtime_component_resource_type_new_host`), with their numbers.
fn host_resources(linker: &Linker<WasmtimeStoreData>, component: &Component, engine: &wasmtime::Engine) -> Vec<(String, u32)> {
    // Missing imports: instantiating says so (nothing recorded).
    let Ok(ty) = linker.substituted_component_type(component) else { return Vec::new() };
    let mut found = Vec::new();
    for (name, import) in ty.imports(engine) {
        match &import.ty {
            ComponentItem::Resource(resource) => found.extend(host_type_number(resource).map(|n| (name.to_string(), n))),
            ComponentItem::ComponentInstance(instance) => {
                for (inner, export) in instance.exports(engine) {
                    if let ComponentItem::Resource(resource) = &export.ty {
                        found.extend(host_type_number(resource).map(|n| (format!("{name}#{inner}"), n)));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The number of a host resource type made by
/// `wasmtime_component_resource_type_new_host`. Wasmtime 48 keeps the number
/// private but shows it in the type's `Debug` form,
/// `ResourceType { kind: HostDynamic(7) }`; a test pins that form.
pub fn host_type_number(ty: &ResourceType) -> Option<u32> {
    let shown = format!("{ty:?}");
    let number = shown.split_once("HostDynamic(")?.1.split_once(')')?.0;
    number.parse().ok()
}

/// Records the host resource types an instantiation needs that the trace
/// does not have yet (only a recording looks them up: a replay reads them).
fn define_resources(
    state: &mut State,
    linker: &Linker<WasmtimeStoreData>,
    component: &Component,
    engine: &wasmtime::Engine,
) -> Result<()> {
    let Role::Record(recorder) = &mut state.role else { return Ok(()) };
    let mut recorded = Ok(());
    for (name, ty) in host_resources(linker, component, engine) {
        if !recorder.writer.codec().component_resources.iter().any(|(n, t)| *n == name && *t == ty) {
            recorded = recorder.writer.record(&Event::Component(ComponentEvent::DefineResource { name, ty }));
            if recorded.is_err() {
                break;
            }
        }
    }
    recorded.map_err(|e| state.fail(e))
}

/// A component that imports WASI preview 2 is recorded only if the linker
/// serves it with the RR-aware definitions (`rr::wasip2`): the stock ones
/// would run unrecorded, and its replay would differ silently.
fn refuse_wasi(context: &WasmtimeStoreContextMut<'_>, linker: &Linker<WasmtimeStoreData>, component: &Component) -> Result<()> {
    let engine = context.engine();
    let ty = component.component_type();
    let Some(name) = ty.imports(engine).map(|(name, _)| name).find(|name| name.starts_with("wasi:")) else {
        return Ok(());
    };
    if !crate::rr::wasip2::is_prepared(linker) {
        return Err(RrError::new(
            ErrorKind::Unsupported,
            format!(
                "the component imports `{name}`, but the linker's WASI preview 2 was not added with \
                 wasmtime_rr_component_linker_add_wasip2: its calls would run unrecorded"
            ),
        ));
    }
    if !crate::rr::wasi::context::with(crate::rr::stores::key_of(context), |ctx| ctx.is_some()) {
        return Err(RrError::invalid_argument(format!(
            "the component imports `{name}`, but the store has no WASI context: give it one with \
             wasmtime_rr_context_set_wasi (wasmtime_context_set_wasi keeps it where a recording cannot see it)"
        )));
    }
    Ok(())
}

/// Gives a new instance its ordinal and learns its exported functions, at
/// the top level and inside exported instances.
fn register(session: &Session, context: &mut WasmtimeStoreContextMut<'_>, component: &Component, instance: &Instance) -> Result<()> {
    let engine = context.engine().clone();
    let mut found = Vec::new();
    for (name, export) in component.component_type().exports(&engine) {
        collect(&mut found, context, instance, None, name, &export.ty, &engine);
    }
    let counts: Vec<usize> = found.iter().map(|(_, func)| func.ty(&*context).results().len()).collect();
    let mut state = session.lock()?;
    let ordinal = state.instances;
    state.instances += 1;
    for ((name, func), results) in found.into_iter().zip(counts) {
        state.components.exports.insert(func_key(&func), ExportSlot { instance: ordinal, name, id: None, results });
    }
    Ok(())
}

fn collect(
    found: &mut Vec<(String, Func)>,
    store: &mut WasmtimeStoreContextMut<'_>,
    instance: &Instance,
    parent: Option<(&ComponentExportIndex, &str)>,
    name: &str,
    item: &ComponentItem,
    engine: &wasmtime::Engine,
) {
    let path = parent.map_or(name.to_string(), |(_, p)| format!("{p}#{name}"));
    let Some(index) = instance.get_export_index(store.as_context_mut(), parent.map(|(i, _)| i), name) else { return };
    match item {
        ComponentItem::ComponentFunc(_) => {
            if let Some(func) = instance.get_func(store.as_context_mut(), &index) {
                found.push((path, func));
            }
        }
        ComponentItem::ComponentInstance(inner) => {
            for (inner_name, export) in inner.exports(engine) {
                collect(found, store, instance, Some((&index, &path)), inner_name, &export.ty, engine);
            }
        }
        _ => {}
    }
}

fn not_an_rr_export() -> RrError {
    RrError::invalid_argument(
        "the function is not an export of a component instance created with \
         wasmtime_rr_component_linker_instantiate in this store",
    )
}

fn trace_values(values: &[Val], resources: &mut Resources, spare: &mut Vec<Vec<u8>>) -> Result<Encoded> {
    let mut out = spare.pop().unwrap_or_else(|| Vec::with_capacity(64));
    out.clear();
    put_values(&mut out, values, resources)?;
    Ok(Encoded(out))
}

/// Keeps an event's value buffers for the next events.
fn recycle(spare: &mut Vec<Vec<u8>>, event: Event) {
    let mut keep = |encoded: Encoded| {
        if spare.len() < 8 {
            spare.push(encoded.0);
        }
    };
    match event {
        Event::Component(ComponentEvent::Call { args, .. }) => keep(args),
        Event::Component(ComponentEvent::Returned(values)) => keep(values),
        Event::Component(ComponentEvent::HostCall(call)) => {
            call.args.into_iter().for_each(&mut keep);
            call.outcome.into_iter().for_each(keep);
        }
        _ => {}
    }
}

/// A call into a component export through `wasmtime_rr_component_func_call`,
/// for `results_len` results. `plain_results` tells the function's result
/// count on a store without a session (checking that the function is the
/// store's); with one, the function must be an export the session knows,
/// which says both.
pub fn call(
    mut context: WasmtimeStoreContextMut<'_>,
    func: &Func,
    args: &[Val],
    results_len: usize,
    plain_results: impl FnOnce(&mut WasmtimeStoreContextMut<'_>) -> Result<usize>,
) -> Result<wasmtime::Result<Vec<Val>>> {
    let Mode::Session(session) = mode_of(&context) else {
        check_results(plain_results(&mut context)?, results_len)?;
        let mut results = vec![Val::Bool(false); results_len];
        return Ok(func.call(context, args, &mut results).map(|()| results));
    };
    refuse_reentry(&session)?;
    let args = {
        let mut state = session.lock()?;
        state.check_failure()?;
        let args = given_resources(&mut state, &mut context, func, args).map_err(|e| state.fail(e))?;
        let opened = open_call(&mut state, func_key(func), &args, results_len);
        opened.map_err(|e| state.fail(e))?;
        args
    };
    let mut results = vec![Val::Bool(false); results_len];
    let result = func.call(context.as_context_mut(), &args, &mut results);
    close(&session, &result, &results)?;
    Ok(result.map(|()| results))
}

/// The arguments of an export call, with the resources the host made and
/// gives (an `own` parameter) put back as equal ones the session knows how to
/// make again (`Resources::adopt_made`). A resource the host lends (a
/// `borrow` parameter) stays the host's own handle: it is numbered, not
/// made again.
fn given_resources<'a>(
    state: &mut State,
    context: &mut WasmtimeStoreContextMut<'_>,
    func: &Func,
    args: &'a [Val],
) -> Result<Cow<'a, [Val]>> {
    if !args.iter().any(|a| matches!(a, Val::Resource(_))) {
        return Ok(Cow::Borrowed(args));
    }
    // Only an export of this store may be asked its type.
    if !state.components.exports.contains_key(&func_key(func)) {
        return Err(not_an_rr_export());
    }
    let mut given = args.to_vec();
    for (value, (_, ty)) in given.iter_mut().zip(func.ty(&*context).params()) {
        if matches!(ty, Type::Own(_)) {
            state.components.resources.adopt_made(context, std::slice::from_mut(value))?;
        }
    }
    Ok(Cow::Owned(given))
}

fn check_results(expected: usize, results_len: usize) -> Result<()> {
    match expected == results_len {
        true => Ok(()),
        false => Err(RrError::invalid_argument(format!(
            "the function has {expected} results, but `results` has room for {results_len}"
        ))),
    }
}

fn open_call(state: &mut State, key: ComponentFuncKey, args: &[Val], results_len: usize) -> Result<()> {
    let State { role, components, .. } = state;
    let ComponentState { exports, resources, spare, .. } = components;
    let slot = exports.get_mut(&key).ok_or_else(not_an_rr_export)?;
    check_results(slot.results, results_len)?;
    let args = trace_values(args, resources, spare)?;
    match role {
        Role::Record(recorder) => {
            let export = match slot.id {
                Some(id) => id,
                None => {
                    let id = recorder.writer.codec().component_exports.len() as u32;
                    let name = slot.name.clone();
                    recorder.writer.record(&Event::Component(ComponentEvent::DefineExport { id, instance: slot.instance, name }))?;
                    slot.id = Some(id);
                    id
                }
            };
            let event = Event::Component(ComponentEvent::Call { export, args });
            recorder.writer.record(&event)?;
            recycle(spare, event);
            Ok(())
        }
        Role::Replay(replayer) => match next_action(replayer)? {
            (index, Event::Component(ComponentEvent::Call { export, args: recorded })) => {
                let (instance, name) = &replayer.reader.codec().component_exports[export as usize];
                if (*instance, name) != (slot.instance, &slot.name) {
                    return Err(divergence(
                        index,
                        format!(
                            "expected a call of component export `{name}` of instance #{instance}, but the program calls \
                             `{}` of instance #{}",
                            slot.name, slot.instance
                        ),
                    ));
                }
                if recorded != args {
                    return Err(divergence(
                        index,
                        format!(
                            "component export `{name}` was called with {recorded} in the recording, but with {args} now"
                        ),
                    ));
                }
                Ok(())
            }
            (index, event) => {
                Err(role_mismatch(index, replayer, &event, &format!("the program calls component export `{}`", slot.name)))
            }
        },
        Role::Closed => Ok(()),
    }
}

/// Records (or checks) how a call into a component export ended.
fn close(session: &Session, result: &wasmtime::Result<()>, results: &[Val]) -> Result<()> {
    let mut state = session.lock()?;
    state.check_failure()?;
    let closed = (|| {
        let State { role, components, .. } = &mut *state;
        let event = match result {
            Ok(()) => Event::Component(ComponentEvent::Returned(trace_values(
                results,
                &mut components.resources,
                &mut components.spare,
            )?)),
            Err(error) => Event::Return(Outcome::Failed(message(error))),
        };
        match role {
            Role::Record(recorder) => {
                let failed = result.is_err();
                recorder.writer.record(&event)?;
                recycle(&mut components.spare, event);
                match failed || recorder.flush_each_call {
                    true => recorder.writer.flush(),
                    false => Ok(()),
                }
            }
            Role::Replay(replayer) => {
                let (index, recorded) = next_action(replayer)?;
                if recorded == event {
                    return Ok(());
                }
                let (expected, actual) = (describe(replayer, &recorded), describe(replayer, &event));
                Err(divergence(index, format!("expected {expected}, but the call ended with {actual}")))
            }
            Role::Closed => Ok(()),
        }
    })();
    closed.map_err(|e| state.fail(e))
}

/// The C API's `wasmtime_component_func_callback_t`.
pub type ComponentCallback = extern "C" fn(
    *mut c_void,
    WasmtimeStoreContextMut<'_>,
    &wasmtime_component_func_type_t,
    *mut wasmtime_component_val_t,
    usize,
    *mut wasmtime_component_val_t,
    usize,
) -> Option<Box<wasmtime_error_t>>;

/// The C API's `wasmtime_component_resource_destructor_t`.
pub type ResourceDestructor = extern "C" fn(*mut c_void, WasmtimeStoreContextMut<'_>, u32) -> Option<Box<wasmtime_error_t>>;

/// What a host definition runs.
#[derive(Clone, Copy)]
pub enum HostCallback {
    /// A function (`wasmtime_rr_component_linker_instance_add_func`).
    Func(ComponentCallback),
    /// A resource type's destructor
    /// (`wasmtime_rr_component_linker_instance_add_resource`), recorded as a
    /// call of `[resource-drop]name` with the resource's `rep`.
    Destructor(ResourceDestructor),
}

/// A host function added through `wasmtime_rr_component_linker_instance_add_func`,
/// or a host resource type's destructor.
pub struct ComponentHost {
    callback: HostCallback,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
    /// Its name in the linker instance; the trace names it so.
    name: String,
    /// Unique for the process's lifetime: tells two definitions of one name apart.
    serial: u64,
}

// SAFETY: `data` is the host's, documented to be usable from the threads
// that use the store.
unsafe impl Send for ComponentHost {}
unsafe impl Sync for ComponentHost {}

impl Drop for ComponentHost {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            finalizer(self.data);
        }
    }
}

/// Drops the borrows a served host call was passed, as the host did when
/// it ran (it must: Wasmtime fails a call that leaves a borrow behind).
fn drop_borrows(mut ctx: WasmtimeStoreContextMut<'_>, args: &[Val]) -> wasmtime::Result<()> {
    let scalar = |v: &Val| !matches!(v, Val::Resource(_) | Val::List(_) | Val::FixedLengthList(_) | Val::Tuple(_) | Val::Record(_) | Val::Variant(..) | Val::Option(_) | Val::Result(_) | Val::Map(_));
    if args.iter().all(scalar) {
        return Ok(());
    }
    let mut borrows = Vec::new();
    let mut args = args.to_vec();
    let _ = visit_resources(&mut args, &mut |resource| {
        if !resource.owned() {
            borrows.push(*resource);
        }
        Ok(())
    });
    borrows.into_iter().try_for_each(|borrow| borrow.resource_drop(ctx.as_context_mut()))
}

fn to_wasmtime(error: RrError) -> wasmtime::Error {
    wasmtime::Error::new(error)
}

impl ComponentHost {
    pub fn new(
        callback: HostCallback,
        data: *mut c_void,
        finalizer: Option<extern "C" fn(*mut c_void)>,
        name: String,
    ) -> ComponentHost {
        static SERIALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let serial = SERIALS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ComponentHost { callback, data, finalizer, name, serial }
    }

    /// What Wasmtime runs for each call of the function.
    pub fn call(&self, ctx: WasmtimeStoreContextMut<'_>, ty: ComponentFunc, args: &[Val], rets: &mut [Val]) -> wasmtime::Result<()> {
        self.cross(ctx, args, rets, |ctx, rets| self.invoke(ctx, ty, args, rets))
    }

    /// What Wasmtime runs when the guest drops a resource of the type:
    /// `rep` is what the host gave `wasmtime_component_resource_host_new`.
    pub fn destroy(&self, ctx: WasmtimeStoreContextMut<'_>, rep: u32) -> wasmtime::Result<()> {
        let HostCallback::Destructor(destructor) = self.callback else { unreachable!("a destructor's definition") };
        self.cross(ctx, &[Val::U32(rep)], &mut [], |ctx, _| match destructor(self.data, ctx, rep) {
            Some(error) => Err(wasmtime::Error::from(*error)),
            None => Ok(()),
        })
    }

    /// A crossing to the host: run (`invoke`) and recorded, served from the
    /// trace, or just run.
    fn cross(
        &self,
        mut ctx: WasmtimeStoreContextMut<'_>,
        args: &[Val],
        rets: &mut [Val],
        invoke: impl FnOnce(WasmtimeStoreContextMut<'_>, &mut [Val]) -> wasmtime::Result<()>,
    ) -> wasmtime::Result<()> {
        let Some(session) = session::lookup(session::key_of(&ctx)) else {
            return invoke(ctx, rets);
        };
        if session.is_recording() {
            let result = session::in_host_call(&session, || invoke(ctx.as_context_mut(), rets));
            let mut state = session.lock_live().map_err(to_wasmtime)?;
            let recorded = match &result {
                Ok(()) => state.components.resources.adopt_made(&mut ctx, rets),
                Err(_) => Ok(()),
            };
            let recorded = recorded.and_then(|()| self.record(&mut state, session.validation(), args, &result, rets));
            recorded.map_err(|e| to_wasmtime(state.fail(e)))?;
            return result;
        }
        let mut state = session.lock_live().map_err(to_wasmtime)?;
        match self.serve(&mut state, ctx.as_context_mut(), args, rets) {
            Ok(Ok(())) => {
                drop(state);
                drop_borrows(ctx, args)
            }
            Ok(Err(message)) => Err(wasmtime::format_err!("{message}")),
            Err(e) => Err(to_wasmtime(state.fail(e))),
        }
    }

    /// Runs the host's callback with C values, checking what it writes
    /// before anything is built from it.
    fn invoke(&self, ctx: WasmtimeStoreContextMut<'_>, ty: ComponentFunc, args: &[Val], rets: &mut [Val]) -> wasmtime::Result<()> {
        let HostCallback::Func(callback) = self.callback else { unreachable!("a function's definition") };
        let mut c_args = args.iter().map(to_c).collect::<Result<Vec<_>>>().map_err(to_wasmtime)?;
        let mut c_rets = vec![wasmtime_component_val_t::Bool(false); rets.len()];
        let ty = wasmtime_component_func_type_t::from(ty);
        let error = callback(self.data, ctx, &ty, c_args.as_mut_ptr(), c_args.len(), c_rets.as_mut_ptr(), c_rets.len());
        if let Some(error) = error {
            return Err(wasmtime::Error::from(*error));
        }
        for (i, (slot, c)) in rets.iter_mut().zip(&c_rets).enumerate() {
            match unsafe { from_c(c, || format!("result #{i} of host function `{}`", self.name)) } {
                Ok(value) => *slot = value,
                Err(error) => {
                    // What the host wrote is not trusted to be freed: the
                    // buffer is, its values are not.
                    unsafe { c_rets.set_len(0) };
                    return Err(to_wasmtime(error));
                }
            }
        }
        Ok(())
    }

    fn record(&self, state: &mut State, validation: bool, args: &[Val], result: &wasmtime::Result<()>, rets: &[Val]) -> Result<()> {
        let State { role: Role::Record(recorder), components, .. } = state else { return Ok(()) };
        let import = match components.import_ids.get(&self.serial) {
            Some(id) => *id,
            None => {
                let id = recorder.writer.codec().component_imports.len() as u32;
                recorder.writer.record(&Event::Component(ComponentEvent::DefineImport { id, name: self.name.clone() }))?;
                components.import_ids.insert(self.serial, id);
                id
            }
        };
        let ComponentState { resources, spare, .. } = components;
        let args = match validation {
            true => Some(trace_values(args, resources, spare)?),
            false => None,
        };
        let outcome = match result {
            Ok(()) => Ok(trace_values(rets, resources, spare)?),
            Err(error) => Err(message(error)),
        };
        let event = Event::Component(ComponentEvent::HostCall(ComponentHostCall { import, args, outcome }));
        recorder.writer.record(&event)?;
        recycle(spare, event);
        Ok(())
    }

    /// Serves a call from the trace: `Ok(Err(message))` is the host's
    /// recorded error.
    fn serve(
        &self,
        state: &mut State,
        mut ctx: WasmtimeStoreContextMut<'_>,
        args: &[Val],
        rets: &mut [Val],
    ) -> Result<std::result::Result<(), String>> {
        let State { role: Role::Replay(replayer), components, .. } = state else { return Ok(Ok(())) };
        let (index, event) = next_action(replayer)?;
        let Event::Component(ComponentEvent::HostCall(call)) = event else {
            return Err(role_mismatch(index, replayer, &event, &format!("the guest calls host function `{}`", self.name)));
        };
        let recorded = &replayer.reader.codec().component_imports[call.import as usize];
        if *recorded != self.name {
            return Err(divergence(
                index,
                format!("expected a call of component host function `{recorded}`, but the guest calls `{}`", self.name),
            ));
        }
        match components.bindings.entry(call.import) {
            Entry::Occupied(bound) if *bound.get() != self.serial => {
                return Err(divergence(
                    index,
                    format!("the guest calls another definition of host function `{recorded}` than in the recording"),
                ));
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(slot) => {
                slot.insert(self.serial);
            }
        }
        if let Some(recorded_args) = &call.args {
            let actual = trace_values(args, &mut components.resources, &mut components.spare)?;
            if *recorded_args != actual {
                return Err(divergence(
                    index,
                    format!(
                        "host function `{recorded}` was called with {recorded_args} in the recording, but with {actual} now"
                    ),
                ));
            }
        }
        let outcome = match call.outcome {
            Ok(encoded) => {
                let make = &mut |owned, rep, ty| make_resource(ctx.as_context_mut(), owned, rep, ty);
                let mut replayed = Replayed::results(&mut components.resources, make);
                Ok(encoded.decode(&mut replayed).map_err(|e| divergence(index, e.message()))?)
            }
            Err(message) => Err(message),
        };
        match outcome {
            Ok(values) if values.len() != rets.len() => Err(divergence(
                index,
                format!("host function `{recorded}` returned {} values in the recording, but has {} results now", values.len(), rets.len()),
            )),
            Ok(values) => {
                for (slot, value) in rets.iter_mut().zip(values) {
                    *slot = value;
                }
                Ok(Ok(()))
            }
            Err(message) => Ok(Err(message)),
        }
    }
}

/// The arguments a trace recorded for an export call, as this replay's
/// values: its resources, and those the host made, made again in `store`.
pub fn replay_args(session: &Session, mut store: WasmtimeStoreContextMut<'_>, values: &Encoded) -> Result<Vec<Val>> {
    let mut state = session.lock()?;
    let make = &mut |owned, rep, ty| make_resource(store.as_context_mut(), owned, rep, ty);
    values.decode(&mut Replayed::args(&mut state.components.resources, make))
}

/// Values as the trace shows them, resources by this session's numbers.
pub fn show_values(session: &Session, values: &[Val]) -> Result<String> {
    let mut state = session.lock()?;
    Ok(Encoded::of(values, &mut state.components.resources)?.to_string())
}

/// Reads the arguments a host passes to an export call.
///
/// # Safety
/// `args` must point to `len` readable values (or be anything if `len` is 0).
pub unsafe fn read_args(args: &[wasmtime_component_val_t]) -> Result<Vec<Val>> {
    args.iter().enumerate().map(|(i, a)| unsafe { from_c(a, || format!("argument #{i}")) }).collect()
}

/// Refuses a component-model async value before a stock conversion would
/// panic on it.
pub fn results_for_c(results: &[Val]) -> Result<Vec<wasmtime_component_val_t>> {
    results.iter().map(to_c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_type_numbers_are_read_from_wasmtime_48() {
        assert_eq!(host_type_number(&ResourceType::host_dynamic(7)), Some(7));
        assert_eq!(host_type_number(&ResourceType::host_dynamic(u32::MAX)), Some(u32::MAX));
        assert_eq!(host_type_number(&ResourceType::host::<u8>()), None);
    }
}
