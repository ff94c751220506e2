//! What happens at the host boundary while a store records or replays:
//! instantiations, calls into guest exports, calls from the guest to host
//! functions, and host writes into guest memory.
//!
//! Recording writes one event per crossing. Replaying reads the next event,
//! checks that the same crossing happens (a mismatch is a divergence naming
//! the event index, the expectation and what happened), and, for host
//! functions, applies the recorded results, trap and memory writes instead of
//! running the host.

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::modules;
use crate::rr::session::{self, ExportSlot, HostName, Replayer, Role, Session, State, divergence};
use crate::trace::event::{
    EndStatus, Event, FuncRef, HOST_RETURN_TAG, HostCall, Kind, MemoryWrite, Outcome, Signature, Value, Values, get_value, put_value,
};
use crate::trace::wire;
use crate::rr::values::{self, FuncKey, func_key};
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use wasmtime::{AsContext, AsContextMut, Extern, Func, Instance, Memory};
use wasmtime_c_api::{
    WasmtimeStoreContextMut, wasm_trap_t, wasmtime_caller_t, wasmtime_error_t, wasmtime_func_callback_t,
    wasmtime_module_t, wasmtime_val_t,
};

/// Reads the next crossing from a replay (definitions are absorbed by the reader).
pub(crate) fn next_action(replayer: &mut Replayer) -> Result<(u64, Event)> {
    if let Some(peeked) = replayer.peeked.take() {
        return Ok(peeked);
    }
    loop {
        let index = replayer.reader.event_index();
        match replayer.reader.next()? {
            Some(Event::DefineImport { .. } | Event::DefineExport { .. }) => continue,
            Some(event) => return Ok((index, event)),
            None => return Err(divergence(index, "the trace has ended, but the program goes on")),
        }
    }
}

/// Peeks at the next crossing without consuming it.
pub fn peek_action(replayer: &mut Replayer) -> Result<&Event> {
    if replayer.peeked.is_none() {
        replayer.peeked = Some(next_action(replayer)?);
    }
    Ok(&replayer.peeked.as_ref().expect("just filled").1)
}

/// A replay that is over must have nothing left but the end marker.
pub fn expect_end(replayer: &mut Replayer, failure: Option<RrError>) -> Result<()> {
    if let Some(failure) = failure {
        return Err(failure);
    }
    match next_action(replayer)? {
        (_, Event::End { .. }) => Ok(()),
        (index, event) => Err(divergence(index, format!("the replay finished, but the trace has more: {}", describe(replayer, &event)))),
    }
}

/// A readable one-line description of an event, with names resolved.
pub fn describe(replayer: &Replayer, event: &Event) -> String {
    let codec = replayer.reader.codec();
    match event {
        Event::Instantiate { checksum } => format!("instantiation of a module with sha256 {}", modules::hex(checksum)),
        Event::ExportCall { export, args } => match codec.exports.get(*export as usize) {
            Some((instance, name, _)) => format!("call of export `{name}` of instance #{instance} with {}", Values(args)),
            None => format!("call of export #{export}"),
        },
        Event::HostCall(call) => match codec.imports.get(call.import as usize) {
            Some((module, name, _)) => format!("call of host function `{module}.{name}`"),
            None => format!("call of import #{}", call.import),
        },
        Event::MemoryWrite(w) => format!("host write of {} bytes at {} into memory #{}", w.bytes.len(), w.offset, w.memory),
        Event::Return(outcome) => format!("return that {outcome}"),
        Event::Wasi(call) => format!("the WASI call {call}"),
        Event::End { status: EndStatus::Finished, .. } => "the end of the trace".to_string(),
        Event::End { status: EndStatus::StoreDropped, .. } => {
            "the end of the trace, which is INCOMPLETE: the recording's store was freed before the recording was finished"
                .to_string()
        }
        Event::DefineImport { .. } | Event::DefineExport { .. } => "a definition".to_string(),
    }
}

fn role_mismatch(index: u64, replayer: &Replayer, event: &Event, happened: &str) -> RrError {
    divergence(index, format!("expected {}, but {happened}", describe(replayer, event)))
}

/// Names a function reference as the trace does: an export of a known
/// instance by its trace id (defined on first use while recording, looked up
/// in the trace's definitions while replaying), anything else as unnamed.
fn name_func(state: &mut State, key: FuncKey) -> FuncRef {
    let Some(slot) = state.exports.get(&key) else { return FuncRef::Unnamed };
    let id = match &state.role {
        Role::Replay(replayer) => replayer
            .reader
            .codec()
            .exports
            .iter()
            .position(|(instance, name, _)| *instance == slot.instance && *name == slot.name)
            .map(|id| id as u32),
        _ => ensure_export_id(state, key).ok(),
    };
    id.map_or(FuncRef::Unnamed, FuncRef::Export)
}

/// The trace id of an export, defining it in a recording on first use.
fn ensure_export_id(state: &mut State, key: FuncKey) -> Result<u32> {
    let State { role, exports, .. } = state;
    let slot = exports.get_mut(&key).ok_or_else(not_an_rr_export)?;
    if let Some(id) = slot.id {
        return Ok(id);
    }
    let Role::Record(recorder) = role else {
        return Err(RrError::new(ErrorKind::Unsupported, "export ids are assigned while recording"));
    };
    let id = recorder.writer.codec().exports.len() as u32;
    recorder.writer.record(&Event::DefineExport {
        id,
        instance: slot.instance,
        name: slot.name.clone(),
        signature: slot.signature.clone(),
    })?;
    slot.id = Some(id);
    Ok(id)
}

fn not_an_rr_export() -> RrError {
    RrError::invalid_argument(
        "the function is not an export of an instance created with wasmtime_rr_instance_new or \
         wasmtime_rr_linker_instantiate in this store",
    )
}

/// Reads C values into trace values.
///
/// # Safety
/// `values` must point to `len` initialized values (or be anything if `len` is 0).
unsafe fn read_values(state: &mut State, values: *const wasmtime_val_t, len: usize) -> Result<Vec<Value>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let slice = unsafe { std::slice::from_raw_parts(values, len) };
    slice.iter().map(|v| values::from_c(v, &mut |key| name_func(state, key))).collect()
}

/// Makes a C value from a trace value, finding named functions in this store.
pub fn make_value(state: &State, value: &Value) -> Result<wasmtime_val_t> {
    values::to_c(value, &mut |name| match name {
        FuncRef::Null => Ok(None),
        FuncRef::Export(id) => export_func(state, id)
            .ok_or_else(|| RrError::new(ErrorKind::Divergence, format!("recorded function reference export #{id} is unknown here"))),
        other => Err(RrError::new(ErrorKind::Unsupported, format!("cannot replay function reference {other:?}"))),
    })
}

/// The function a trace's export id names in this store.
fn export_func(state: &State, id: u32) -> Option<Option<Func>> {
    let (instance, name) = match &state.role {
        Role::Replay(replayer) => {
            let (instance, name, _) = replayer.reader.codec().exports.get(id as usize)?;
            (*instance, name.clone())
        }
        _ => return state.exports.values().find(|slot| slot.id == Some(id)).map(|slot| Some(slot.func)),
    };
    state.exports.values().find(|slot| slot.instance == instance && slot.name == name).map(|slot| Some(slot.func))
}

/// The message and code of a trap, as Wasmtime renders them.
pub fn trap_outcome(trap: &wasm_trap_t) -> Outcome {
    let mut message = wasmtime_c_api::wasm_byte_vec_t::default();
    wasmtime_c_api::wasm_trap_message(trap, &mut message);
    let mut bytes = message.take();
    if bytes.last() == Some(&0) {
        bytes.pop();
    }
    let mut code = 0u8;
    let has_code = wasmtime_c_api::wasmtime_trap_code(trap, &mut code);
    Outcome::Trapped { code: has_code.then_some(code), message: String::from_utf8_lossy(&bytes).into_owned() }
}

fn new_trap(message: &str) -> Box<wasm_trap_t> {
    unsafe { wasmtime_c_api::wasmtime_trap_new(message.as_ptr(), message.len()) }
}

/// The outcome of a stock call: error object, or trap, or success.
fn outcome_of(error: &Option<Box<wasmtime_error_t>>, trap: *mut wasm_trap_t, returned: impl FnOnce() -> Result<Vec<Value>>) -> Result<Outcome> {
    Ok(match (error, unsafe { trap.as_ref() }) {
        (Some(error), _) => Outcome::Failed(crate::error::message_of(error)),
        (None, Some(trap)) => trap_outcome(trap),
        (None, None) => Outcome::Returned(returned()?),
    })
}

/// Records (or checks, replaying) how a call into the guest ended. The
/// outcome is computed after a replay has read past the definitions that
/// precede the recorded return, since naming its values may need them.
fn close_call(session: &Session, outcome: impl FnOnce(&mut State) -> Result<Outcome>) -> Result<()> {
    let mut state = session.lock()?;
    state.check_failure()?;
    let result = (|| match &mut state.role {
        Role::Record(_) => {
            let outcome = outcome(&mut state)?;
            let Role::Record(recorder) = &mut state.role else { unreachable!("role checked above") };
            // A guest that trapped or failed may take the host down next:
            // what led there goes to the destination now.
            let crashed = !matches!(outcome, Outcome::Returned(_));
            recorder.writer.record(&Event::Return(outcome))?;
            match crashed {
                true => recorder.writer.flush(),
                false => Ok(()),
            }
        }
        Role::Replay(replayer) => {
            let (index, event) = next_action(replayer)?;
            let expected = describe(replayer, &event);
            let actual = outcome(&mut state)?;
            match event {
                Event::Return(recorded) if recorded == actual => Ok(()),
                Event::Return(recorded) => {
                    Err(divergence(index, format!("the call was recorded as it {recorded}, but it {actual}")))
                }
                _ => Err(divergence(index, format!("expected {expected}, but the call {actual}"))),
            }
        }
        Role::Closed => Ok(()),
    })();
    result.map_err(|e| state.fail(e))
}

/// What an RR-aware function needs to know about the store it is given.
pub enum Mode {
    /// No session: forward to the stock function.
    Plain,
    Session(Arc<Session>),
}

pub fn mode_of(context: &WasmtimeStoreContextMut<'_>) -> Mode {
    match session::lookup(session::key_of(context)) {
        Some(session) => Mode::Session(session),
        None => Mode::Plain,
    }
}

fn refuse_reentry(session: &Session) -> Result<()> {
    if session.in_host_call() {
        return Err(RrError::new(
            ErrorKind::Unsupported,
            "calling into the guest from inside a host function is not supported while recording or replaying",
        ));
    }
    Ok(())
}

/// An instantiation through the RR-aware functions. `run` performs the stock
/// instantiation; `imports` lists the (module, name, extern) the module gets,
/// to name host functions made by `wasmtime_rr_func_new`.
pub fn instantiate(
    mut context: WasmtimeStoreContextMut<'_>,
    module: &wasmtime_module_t,
    imports: Vec<(String, String, Extern)>,
    instance_out: &mut Instance,
    trap_out: &mut *mut wasm_trap_t,
    run: impl FnOnce(WasmtimeStoreContextMut<'_>, &mut Instance, &mut *mut wasm_trap_t) -> Option<Box<wasmtime_error_t>>,
) -> Result<Option<Box<wasmtime_error_t>>> {
    let Mode::Session(session) = mode_of(&context) else {
        return Ok(run(context, instance_out, trap_out));
    };
    refuse_reentry(&session)?;
    let checksum = modules::checksum(module)?;
    {
        let mut state = session.lock()?;
        state.check_failure()?;
        let opened = match &mut state.role {
            Role::Record(recorder) => recorder.writer.record(&Event::Instantiate { checksum }),
            Role::Replay(replayer) => match next_action(replayer)? {
                (_, Event::Instantiate { checksum: recorded }) if recorded == checksum => Ok(()),
                (index, Event::Instantiate { checksum: recorded }) => Err(RrError::new(
                    ErrorKind::ModuleMismatch,
                    format!(
                        "replay diverged at event #{index}: the trace instantiates a module with sha256 {}, \
                         but this module has sha256 {}",
                        modules::hex(&recorded),
                        modules::hex(&checksum)
                    ),
                )),
                (index, event) => Err(role_mismatch(index, replayer, &event, "the program instantiates a module")),
            },
            Role::Closed => Ok(()),
        };
        opened.map_err(|e| state.fail(e))?;
        name_host_functions(&mut state, &imports);
    }
    let mut instance = MaybeUninit::<Instance>::uninit();
    *trap_out = std::ptr::null_mut();
    // SAFETY: `run` writes the instance when it returns no error and no trap.
    let error = run(context.as_context_mut(), unsafe { &mut *instance.as_mut_ptr() }, trap_out);
    let finished = (|| {
        let outcome = outcome_of(&error, *trap_out, || Ok(Vec::new()))?;
        if matches!(outcome, Outcome::Returned(_)) {
            let instance = unsafe { instance.assume_init() };
            register_instance(&session, &mut context, &instance)?;
            *instance_out = instance;
        }
        close_call(&session, |_| Ok(outcome))
    })();
    if let Err(e) = finished {
        // The caller gets our error instead: no trap goes with it.
        release_outputs(trap_out, None);
        return Err(e);
    }
    Ok(error)
}

fn name_host_functions(state: &mut State, imports: &[(String, String, Extern)]) {
    for (module, name, item) in imports {
        if let Extern::Func(func) = item {
            if let Some(host) = state.host_funcs.get(&func_key(func)) {
                let _ = host.0.set((module.clone(), name.clone()));
            }
        }
    }
}

/// Gives a new instance its ordinal and learns its exported functions and memories.
fn register_instance(session: &Session, context: &mut WasmtimeStoreContextMut<'_>, instance: &Instance) -> Result<()> {
    let exports: Vec<(String, Extern)> =
        instance.exports(context.as_context_mut()).map(|e| (e.name().to_string(), e.into_extern())).collect();
    let mut state = session.lock()?;
    let ordinal = state.instances;
    state.instances += 1;
    for (name, item) in exports {
        match item {
            Extern::Func(func) => {
                let signature = values::signature_of(&func.ty(context.as_context()))?;
                let slot = ExportSlot { func, instance: ordinal, name, signature, id: None };
                state.exports.insert(func_key(&func), slot);
            }
            Extern::Memory(memory) => state.memories.push(memory),
            _ => {}
        }
    }
    Ok(())
}

/// A call into a guest export through `wasmtime_rr_func_call`.
///
/// # Safety
/// The pointers follow `wasmtime_func_call`'s contract.
#[allow(clippy::too_many_arguments)]
pub unsafe fn call(
    mut context: WasmtimeStoreContextMut<'_>,
    func: &Func,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut MaybeUninit<wasmtime_val_t>,
    nresults: usize,
    trap_out: &mut *mut wasm_trap_t,
) -> Result<Option<Box<wasmtime_error_t>>> {
    let stock = |context: WasmtimeStoreContextMut<'_>, trap_out: &mut *mut wasm_trap_t| unsafe {
        wasmtime_c_api::wasmtime_func_call(context, func, args, nargs, results, nresults, trap_out)
    };
    let Mode::Session(session) = mode_of(&context) else {
        return Ok(stock(context, trap_out));
    };
    refuse_reentry(&session)?;
    {
        let mut state = session.lock()?;
        state.check_failure()?;
        let key = func_key(func);
        let slot = state.exports.get(&key).ok_or_else(not_an_rr_export)?;
        let (instance, name) = (slot.instance, slot.name.clone());
        let arguments = unsafe { read_values(&mut state, args, nargs) }?;
        let opened = match &mut state.role {
            Role::Record(_) => ensure_export_id(&mut state, key).and_then(|export| match &mut state.role {
                Role::Record(recorder) => recorder.writer.record(&Event::ExportCall { export, args: arguments }),
                _ => unreachable!("role checked above"),
            }),
            Role::Replay(replayer) => match next_action(replayer)? {
                (index, Event::ExportCall { export, args: recorded }) => {
                    let (rec_instance, rec_name, _) = replayer.reader.codec().exports[export as usize].clone();
                    if (rec_instance, &rec_name) != (instance, &name) {
                        Err(divergence(index, format!(
                            "expected a call of export `{rec_name}` of instance #{rec_instance}, but the program calls `{name}` of instance #{instance}"
                        )))
                    } else if recorded != arguments {
                        Err(divergence(index, format!(
                            "export `{name}` was called with {}, but now with {}", Values(&recorded), Values(&arguments)
                        )))
                    } else {
                        Ok(())
                    }
                }
                (index, event) => Err(role_mismatch(index, replayer, &event, &format!("the program calls export `{name}`"))),
            },
            Role::Closed => Ok(()),
        };
        opened.map_err(|e| state.fail(e))?;
    }
    *trap_out = std::ptr::null_mut();
    let error = stock(context.as_context_mut(), trap_out);
    let trap = *trap_out;
    let finished = close_call(&session, |state| {
        outcome_of(&error, trap, || unsafe { read_values(state, results.cast::<wasmtime_val_t>(), nresults) })
    });
    if let Err(e) = finished {
        // The caller gets our error instead: release what the call produced.
        // Results were written only if the stock call returned neither an
        // error nor a trap.
        let succeeded = error.is_none() && trap_out.is_null();
        drop(error);
        release_outputs(trap_out, succeeded.then_some((results, nresults)));
        return Err(e);
    }
    Ok(error)
}

fn release_outputs(trap_out: &mut *mut wasm_trap_t, results: Option<(*mut MaybeUninit<wasmtime_val_t>, usize)>) {
    if !trap_out.is_null() {
        drop(unsafe { Box::from_raw(*trap_out) });
        *trap_out = std::ptr::null_mut();
    } else if let Some((results, n)) = results {
        for i in 0..n {
            unsafe { (*results.add(i)).assume_init_drop() };
        }
    }
}

/// A host function made through the RR-aware definitions.
pub struct HostFn {
    pub callback: wasmtime_func_callback_t,
    pub data: *mut c_void,
    pub finalizer: Option<extern "C" fn(*mut c_void)>,
    pub name: Arc<HostName>,
    pub signature: Signature,
    /// Whether its engine records or replays (else no store of it can have
    /// a session, and calls skip the lookup).
    pub rr: bool,
    /// The trace id this function has in the recording it was last recorded
    /// in, as `session serial << 24 | id` (0: none): spares the per-call map
    /// lookup. A definition shared by several stores just misses the cache.
    pub recorded_id: std::sync::atomic::AtomicU64,
}

impl HostFn {
    pub fn new(
        callback: wasmtime_func_callback_t,
        data: *mut c_void,
        finalizer: Option<extern "C" fn(*mut c_void)>,
        name: Arc<HostName>,
        signature: Signature,
        rr: bool,
    ) -> HostFn {
        HostFn { callback, data, finalizer, name, signature, rr, recorded_id: Default::default() }
    }

    fn cached_id(&self, serial: u64) -> Option<u32> {
        let packed = self.recorded_id.load(Ordering::Relaxed);
        (packed != 0 && packed >> 24 == serial).then_some((packed & 0xff_ffff) as u32)
    }

    fn cache_id(&self, serial: u64, id: u32) {
        if id <= 0xff_ffff && serial < (1 << 40) {
            self.recorded_id.store(serial << 24 | u64::from(id), Ordering::Relaxed);
        }
    }
}

impl Drop for HostFn {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            finalizer(self.data);
        }
    }
}

/// Frees a `HostFn` when Wasmtime drops the function.
pub extern "C" fn host_fn_finalizer(env: *mut c_void) {
    drop(unsafe { Box::from_raw(env.cast::<HostFn>()) });
}

/// The callback Wasmtime calls for every RR-aware host function.
pub extern "C" fn host_trampoline(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
) -> Option<Box<wasm_trap_t>> {
    // Wasmtime calls this from Rust code that cannot unwind through C.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        let host = &*env.cast::<HostFn>();
        let context = wasmtime_c_api::wasmtime_caller_context(&mut *caller);
        // Results of the wrong kind would make the C API's conversion panic
        // (an abort): they become a trap, recorded as such.
        let run = || {
            let trap = (host.callback)(host.data, caller, args, nargs, results, nresults);
            trap.or_else(|| wrong_results(host, results, nresults).map(|message| new_trap(&message)))
        };
        if !host.rr {
            return run();
        }
        session::with(session::key_of(&context), |session| {
            let Some(session) = session else {
                return run();
            };
            if session.is_recording() {
                let trap = session::in_host_call(session, run);
                let context = wasmtime_c_api::wasmtime_caller_context(&mut *caller);
                match record_host_call(session, host, context, args, nargs, results, nresults, trap.as_deref()) {
                    Ok(()) => trap,
                    Err(error) => Some(failure_trap(session, error)),
                }
            } else {
                match replay_host_call(session, host, context, args, nargs, results, nresults) {
                    Ok(None) => None,
                    Ok(Some(message)) => Some(new_trap(&message)),
                    Err(error) => Some(failure_trap(session, error)),
                }
            }
        })
    }));
    outcome.unwrap_or_else(|_| Some(new_trap("wasmtime-rr: internal panic in a host function trampoline")))
}

/// Why the results a host function wrote do not fit its type, if they do not.
fn wrong_results(host: &HostFn, results: *const wasmtime_val_t, nresults: usize) -> Option<String> {
    let results = unsafe { std::slice::from_raw_parts(results, nresults) };
    let (i, (value, kind)) = results.iter().zip(&host.signature.results).enumerate().find(|(_, (v, k))| v.kind != **k as u8)?;
    let name = host.name.0.get().map_or("a host function".to_string(), |(m, n)| format!("host function `{m}.{n}`"));
    Some(format!(
        "{name} returned a value of kind {} as result #{i}, whose type is {}",
        value.kind,
        kind.name()
    ))
}

/// The trap a host function returns when recording or replaying it failed;
/// the failure stays on the session (sticky) unless the session is busy.
fn failure_trap(session: &Session, error: RrError) -> Box<wasm_trap_t> {
    match session.lock() {
        Ok(mut state) => new_trap(state.fail(error).message()),
        Err(_) => new_trap(error.message()),
    }
}

fn host_name(host: &HostFn) -> Result<(String, String)> {
    host.name.0.get().cloned().ok_or_else(|| {
        RrError::new(
            ErrorKind::Unsupported,
            "a host function made by wasmtime_rr_func_new ran before an RR-aware instantiation imported it",
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn record_host_call(
    session: &Session,
    host: &HostFn,
    context: WasmtimeStoreContextMut<'_>,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *const wasmtime_val_t,
    nresults: usize,
    trap: Option<&wasm_trap_t>,
) -> Result<()> {
    let mut state = session.lock()?;
    state.check_failure()?;
    let settings = match &state.role {
        Role::Record(recorder) => *recorder.writer.settings(),
        _ => return Ok(()),
    };
    // The fast path: a plain numeric return of a function already defined in
    // this trace is encoded straight from the C values.
    let plain = !settings.validation && !settings.digest && trap.is_none() && state.pending_writes.is_empty();
    let numeric = host.signature.results.iter().all(|k| matches!(k, Kind::I32 | Kind::I64 | Kind::F32 | Kind::F64 | Kind::V128));
    if let (true, true, Some(import), Role::Record(recorder)) = (plain, numeric, host.cached_id(session.serial), &mut state.role) {
        let results = unsafe { std::slice::from_raw_parts(results, nresults) };
        let mut read = [Value::I32(0); 8];
        if results.len() <= read.len() && results.iter().zip(&host.signature.results).all(|(v, k)| v.kind == *k as u8) {
            for (slot, value) in read.iter_mut().zip(results) {
                *slot = values::from_c(value, &mut |_| FuncRef::Unnamed)?;
            }
            return recorder.writer.record_encoded(|out| {
                out.push(HOST_RETURN_TAG);
                wire::put_uleb(out, u64::from(import));
                read[..results.len()].iter().for_each(|v| put_value(out, v));
            });
        }
    }
    let args = match settings.validation {
        true => Some(unsafe { read_values(&mut state, args, nargs) }?),
        false => None,
    };
    let outcome = match trap {
        Some(trap) => match trap_outcome(trap) {
            Outcome::Trapped { message, .. } => Err(message),
            _ => unreachable!("a trap's outcome is a trap"),
        },
        None => {
            let mut values = std::mem::take(&mut state.scratch);
            values.clear();
            for i in 0..nresults {
                values.push(values::from_c(unsafe { &*results.add(i) }, &mut |key| name_func(&mut state, key))?);
            }
            Ok(values)
        }
    };
    let digest = settings.digest.then(|| memory_digest(&state, &context));
    let writes = std::mem::take(&mut state.pending_writes);
    let Role::Record(recorder) = &mut state.role else { unreachable!("checked above") };
    let key = Arc::as_ptr(&host.name) as usize;
    let import = match host.cached_id(session.serial).or_else(|| recorder.imports.get(&key).copied()) {
        Some(id) => id,
        None => {
            let (module, name) = host_name(host)?;
            let id = recorder.writer.codec().imports.len() as u32;
            let signature = host.signature.clone();
            recorder.writer.record(&Event::DefineImport { id, module, name, signature })?;
            recorder.imports.insert(key, id);
            id
        }
    };
    host.cache_id(session.serial, import);
    let event = Event::HostCall(HostCall { import, args, outcome, writes, digest });
    let recorded = recorder.writer.record(&event);
    // Keep the value buffer for the next call.
    if let Event::HostCall(HostCall { outcome: Ok(values), .. }) = event {
        state.scratch = values;
    }
    recorded
}

#[allow(clippy::too_many_arguments)]
unsafe fn replay_host_call(
    session: &Session,
    host: &HostFn,
    mut context: WasmtimeStoreContextMut<'_>,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
) -> Result<Option<String>> {
    let name_cell = host.name.0.get();
    let (module, name) = match name_cell {
        Some((module, name)) => (module.as_str(), name.as_str()),
        None => return Err(host_name(host).unwrap_err()),
    };
    let mut state = session.lock()?;
    state.check_failure()?;
    let Role::Replay(replayer) = &mut state.role else { return Ok(None) };
    if replayer.peeked.is_none() && replay_plain_return(replayer, host, session.serial, results, nresults)? {
        return Ok(None);
    }
    let (index, call) = match next_action(replayer)? {
        (index, Event::HostCall(call)) => (index, call),
        (index, event) => {
            return Err(role_mismatch(index, replayer, &event, &format!("the guest calls host function `{module}.{name}`")));
        }
    };
    // Names are compared once per (definition, trace id) pair; later calls
    // hit the cache.
    if host.cached_id(session.serial) != Some(call.import) {
        let (rec_module, rec_name, rec_signature) = &replayer.reader.codec().imports[call.import as usize];
        if (rec_module.as_str(), rec_name.as_str()) != (module, name) || *rec_signature != host.signature {
            return Err(divergence(index, format!(
                "expected a call of host function `{rec_module}.{rec_name}`, but the guest calls `{module}.{name}`"
            )));
        }
        host.cache_id(session.serial, call.import);
    }
    if let Some(recorded) = &call.args {
        let now = unsafe { read_values(&mut state, args, nargs) }?;
        if &now != recorded {
            return Err(divergence(index, format!(
                "host function `{module}.{name}` was called with {}, but now with {}", Values(recorded), Values(&now)
            )));
        }
    }
    for write in &call.writes {
        apply_write(&state, &mut context, write).map_err(|e| divergence(index, e.message()))?;
    }
    if let Some(recorded) = call.digest {
        let now = memory_digest(&state, &context);
        if now != recorded {
            return Err(divergence(index, format!(
                "guest memory after host function `{module}.{name}` has digest {now:016x}, the recording had {recorded:016x} \
                 (did the host write into memory without wasmtime_rr_memory_write?)"
            )));
        }
    }
    match call.outcome {
        Err(message) => Ok(Some(message)),
        Ok(values) => {
            if values.len() != nresults {
                return Err(divergence(index, "recorded result count differs from the function's"));
            }
            for (i, value) in values.iter().enumerate() {
                let made = make_value(&state, value)?;
                unsafe { *results.add(i) = made };
            }
            if let Role::Replay(replayer) = &mut state.role {
                replayer.reader.recycle(values);
            }
            Ok(None)
        }
    }
}

/// The fast path of `replay_host_call` for a plain numeric host return of a
/// function already matched to its trace id: results are decoded straight
/// into the C array. `false` when it does not apply (nothing consumed).
fn replay_plain_return(
    replayer: &mut Replayer,
    host: &HostFn,
    serial: u64,
    results: *mut wasmtime_val_t,
    nresults: usize,
) -> Result<bool> {
    let taken = replayer.reader.next_host_return(|import, kinds, cursor| {
        let numeric = kinds.iter().all(|k| matches!(k, Kind::I32 | Kind::I64 | Kind::F32 | Kind::F64 | Kind::V128));
        if host.cached_id(serial) != Some(import) || kinds.len() != nresults || !numeric {
            return Ok(false);
        }
        for (i, kind) in kinds.iter().enumerate() {
            let value = get_value(cursor, *kind)?;
            let made = values::to_c(&value, &mut |_| Ok(None))?;
            unsafe { *results.add(i) = made };
        }
        Ok(true)
    })?;
    Ok(taken.is_some())
}

fn apply_write(state: &State, context: &mut WasmtimeStoreContextMut<'_>, write: &MemoryWrite) -> Result<()> {
    let memory = state
        .memories
        .get(write.memory as usize)
        .ok_or_else(|| RrError::new(ErrorKind::Divergence, format!("recorded write into memory #{} that does not exist here", write.memory)))?;
    copy_into(memory, context, write.offset, &write.bytes)
}

fn copy_into(memory: &Memory, context: &mut WasmtimeStoreContextMut<'_>, offset: u64, bytes: &[u8]) -> Result<()> {
    let data = memory.data_mut(context.as_context_mut());
    let size = data.len();
    let range = usize::try_from(offset)
        .ok()
        .and_then(|start| start.checked_add(bytes.len()).map(|end| start..end))
        .filter(|range| range.end <= size)
        .ok_or_else(|| {
            RrError::invalid_argument(format!(
                "a write of {} bytes at offset {offset} does not fit a memory of {size} bytes",
                bytes.len()
            ))
        })?;
    data[range].copy_from_slice(bytes);
    Ok(())
}

/// A digest of every known memory: a word-at-a-time multiply-rotate hash,
/// enough to notice a change (not meant to resist an adversary).
pub(crate) fn memory_digest(state: &State, context: &WasmtimeStoreContextMut<'_>) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut hash = 0u64;
    let mut mix = |word: u64| hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
    for memory in &state.memories {
        let data = memory.data(context.as_context());
        mix(data.len() as u64);
        let mut words = data.chunks_exact(8);
        for word in &mut words {
            mix(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        for byte in words.remainder() {
            mix(u64::from(*byte));
        }
    }
    hash
}

/// Most bytes of host writes one event records (a host call's writes, or one
/// write outside host calls): well below the largest trace frame.
pub(crate) const MAX_RECORDED_WRITES: u64 = 1 << 31;

/// A host write into guest memory through `wasmtime_rr_memory_write`.
pub fn memory_write(mut context: WasmtimeStoreContextMut<'_>, memory: &Memory, offset: u64, bytes: &[u8]) -> Result<()> {
    let Mode::Session(session) = mode_of(&context) else {
        return copy_into(memory, &mut context, offset, bytes);
    };
    let mut state = session.lock()?;
    state.check_failure()?;
    let index = state.memory_index(memory, &context).ok_or_else(|| {
        RrError::invalid_argument(
            "the memory is not an export of an instance created with the RR-aware functions in this store",
        )
    })?;
    let in_host_call = session.in_host_call();
    if matches!(state.role, Role::Record(_)) {
        // One event must fit one trace frame: refused here, before anything
        // is written, the recording goes on.
        let pending: usize = match in_host_call {
            true => state.pending_writes.iter().map(|w| w.bytes.len()).sum(),
            false => 0,
        };
        if (pending + bytes.len()) as u64 > MAX_RECORDED_WRITES {
            return Err(RrError::invalid_argument(format!(
                "a host write of {} bytes ({pending} more already written in this host call) is more than one \
                 event can record ({MAX_RECORDED_WRITES} bytes); write less at a time",
                bytes.len()
            )));
        }
    }
    let write = MemoryWrite { memory: index, offset, bytes: bytes.to_vec() };
    let logged = match &mut state.role {
        Role::Record(_) if in_host_call => {
            copy_into(memory, &mut context, offset, bytes)?;
            state.pending_writes.push(write);
            return Ok(());
        }
        Role::Record(recorder) => {
            copy_into(memory, &mut context, offset, bytes)?;
            recorder.writer.record(&Event::MemoryWrite(write))
        }
        Role::Replay(replayer) => match next_action(replayer)? {
            (_, Event::MemoryWrite(recorded)) if recorded == write => copy_into(memory, &mut context, offset, bytes),
            (at, Event::MemoryWrite(recorded))
                if (recorded.memory, recorded.offset, recorded.bytes.len()) == (index, offset, bytes.len()) =>
            {
                let first = recorded.bytes.iter().zip(bytes).position(|(a, b)| a != b).unwrap_or(0);
                Err(divergence(at, format!(
                    "the host writes {} bytes at {offset} into memory #{index} as recorded, but other bytes \
                     (the first difference is at byte {first}: recorded 0x{:02x}, now 0x{:02x})",
                    bytes.len(), recorded.bytes[first], bytes[first]
                )))
            }
            (at, event) => Err(role_mismatch(at, replayer, &event, &format!(
                "the host writes {} bytes at {offset} into memory #{index}", bytes.len()
            ))),
        },
        Role::Closed => copy_into(memory, &mut context, offset, bytes),
    };
    logged.map_err(|e| state.fail(e))
}
