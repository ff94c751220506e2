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
use crate::rr::session::{
    self, ExportSlot, Role, Session, State, describe, divergence, next_action, peek_action, role_mismatch,
};
use crate::trace::event::{
    Event, FuncRef, Kind, MemoryWrite, Outcome, Value, Values,
};
use crate::rr::values::{self, FuncKey, func_key};
use std::mem::MaybeUninit;
use std::sync::Arc;
use wasmtime::{AsContext, AsContextMut, Extern, Func, Instance, Memory, ValRaw};
use wasmtime_c_api::{
    WasmtimeStoreContextMut, wasm_trap_t, wasmtime_error_t,
    wasmtime_module_t, wasmtime_val_t,
};

/// Names a function reference as the trace does: an export of a known
/// instance by its trace id (defined on first use while recording, looked up
/// in the trace's definitions while replaying), anything else as unnamed.
pub(crate) fn name_func(state: &mut State, key: FuncKey) -> FuncRef {
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
pub(crate) fn export_func(state: &State, id: u32) -> Option<Option<Func>> {
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

pub(crate) fn new_trap(message: &str) -> Box<wasm_trap_t> {
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

/// Control passes from the guest to the host (a call into the guest
/// returned): with shadow memory, memory is copied.
fn host_turn_starts(session: &Session, store: &WasmtimeStoreContextMut<'_>) -> Result<()> {
    if session.shadow() && session.is_recording() {
        let mut state = session.lock()?;
        let State { shadow: Some(shadow), memories, .. } = &mut *state else { return Ok(()) };
        shadow.start_turn(memories, store);
    }
    Ok(())
}

/// The host asks for the address of a memory's bytes (it may write through
/// it): with shadow memory, the copy it is compared against is taken now.
pub fn memory_address_taken(context: &WasmtimeStoreContextMut<'_>) -> Result<()> {
    let Mode::Session(session) = mode_of(context) else { return Ok(()) };
    if session.shadow() && session.is_recording() {
        let mut state = session.lock()?;
        if let State { shadow: Some(shadow), memories, .. } = &mut *state {
            shadow.address_taken(memories, context);
        }
    }
    Ok(())
}

/// Control passes from the host to the guest (a call into the guest
/// starts): with shadow memory, what the host wrote meanwhile is recorded as
/// memory writes, or, replaying, the recorded ones are applied.
fn host_turn_ends(state: &mut State, store: &mut WasmtimeStoreContextMut<'_>) -> Result<()> {
    match state {
        State { shadow: Some(shadow), memories, role: Role::Record(recorder), .. } => {
            for write in shadow.changes(memories, &*store) {
                recorder.writer.record(&Event::MemoryWrite(write))?;
            }
            Ok(())
        }
        State { shadow: Some(_), role: Role::Replay(replayer), memories, .. } => {
            while let Event::MemoryWrite(_) = peek_action(replayer)? {
                let Some((index, Event::MemoryWrite(write))) = replayer.peeked.take() else { unreachable!("just peeked") };
                write_into(memories, store, &write).map_err(|e| divergence(index, e.message()))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Records (or checks, replaying) how a call into the guest ended. The
/// outcome is computed after a replay has read past the definitions that
/// precede the recorded return, since naming its values may need them.
pub(crate) fn close_call(session: &Session, outcome: impl FnOnce(&mut State) -> Result<Outcome>) -> Result<()> {
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
            match crashed || recorder.flush_each_call {
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

pub(crate) fn refuse_reentry(session: &Session) -> Result<()> {
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
    linkable: impl FnOnce(&WasmtimeStoreContextMut<'_>) -> wasmtime::Result<()>,
    run: impl FnOnce(WasmtimeStoreContextMut<'_>, &mut Instance, &mut *mut wasm_trap_t) -> Option<Box<wasmtime_error_t>>,
) -> Result<Option<Box<wasmtime_error_t>>> {
    let Mode::Session(session) = mode_of(&context) else {
        return Ok(run(context, instance_out, trap_out));
    };
    refuse_reentry(&session)?;
    // Imports that cannot satisfy the module are the caller's mistake: refused
    // with Wasmtime's own error before anything is recorded, so a replay of
    // the same program without the mistake still matches.
    if let Err(error) = linkable(&context) {
        return Ok(Some(Box::new(wasmtime_error_t::from(error))));
    }
    let checksum = modules::checksum(module)?;
    {
        let mut state = session.lock()?;
        open_instantiation(&mut state, &mut context, checksum, "module")?;
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
        close_call(&session, |_| Ok(outcome))?;
        host_turn_starts(&session, &context)
    })();
    if let Err(e) = finished {
        // The caller gets our error instead: no trap goes with it.
        release_outputs(trap_out, None);
        return Err(e);
    }
    Ok(error)
}

/// Records (or, replaying, checks) that an instantiation of the module or
/// component with this checksum starts; `what` names it in a mismatch.
pub(crate) fn open_instantiation(
    state: &mut State,
    context: &mut WasmtimeStoreContextMut<'_>,
    checksum: [u8; 32],
    what: &str,
) -> Result<()> {
    state.check_failure()?;
    host_turn_ends(state, context).map_err(|e| state.fail(e))?;
    let opened = match &mut state.role {
        Role::Record(recorder) => recorder.writer.record(&Event::Instantiate { checksum }),
        Role::Replay(replayer) => match next_action(replayer)? {
            (_, Event::Instantiate { checksum: recorded }) if recorded == checksum => Ok(()),
            (index, Event::Instantiate { checksum: recorded }) => Err(RrError::new(
                ErrorKind::ModuleMismatch,
                format!(
                    "replay diverged at event #{index}: the trace instantiates a {what} with sha256 {}, \
                     but this {what} has sha256 {}",
                    modules::hex(&recorded),
                    modules::hex(&checksum)
                ),
            )),
            (index, event) => Err(role_mismatch(index, replayer, &event, &format!("the program instantiates a {what}"))),
        },
        Role::Closed => Ok(()),
    };
    opened.map_err(|e| state.fail(e))
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

/// The values of a call into the guest, as the host gives them.
pub enum CallValues<'a> {
    /// `wasmtime_func_call`: C values in, C values out.
    C {
        args: *const wasmtime_val_t,
        nargs: usize,
        results: *mut MaybeUninit<wasmtime_val_t>,
        nresults: usize,
    },
    /// `wasmtime_func_call_unchecked`: raw values, results over arguments.
    Raw(&'a mut [ValRaw]),
}

/// Raw values of known kinds as trace values.
///
/// # Safety
/// Each raw value must hold a value of its kind of this store.
pub(crate) unsafe fn raw_values(
    state: &mut State,
    mut store: WasmtimeStoreContextMut<'_>,
    raw: &[ValRaw],
    kinds: &[Kind],
) -> Result<Vec<Value>> {
    raw.iter()
        .zip(kinds)
        .map(|(raw, kind)| unsafe { values::raw_to_value(store.as_context_mut(), *raw, *kind, &mut |key| name_func(state, key)) })
        .collect()
}

/// A call into a guest export through `wasmtime_rr_func_call` or
/// `wasmtime_rr_func_call_unchecked`.
///
/// # Safety
/// The values follow the stock function's contract.
pub unsafe fn call(
    mut context: WasmtimeStoreContextMut<'_>,
    func: &Func,
    mut values: CallValues<'_>,
    trap_out: &mut *mut wasm_trap_t,
) -> Result<Option<Box<wasmtime_error_t>>> {
    let stock = |context: WasmtimeStoreContextMut<'_>, values: &mut CallValues<'_>, trap_out: &mut *mut wasm_trap_t| unsafe {
        match values {
            CallValues::C { args, nargs, results, nresults } => {
                wasmtime_c_api::wasmtime_func_call(context, func, *args, *nargs, *results, *nresults, trap_out)
            }
            CallValues::Raw(raw) => {
                wasmtime_c_api::wasmtime_func_call_unchecked(context, func, raw.as_mut_ptr(), raw.len(), trap_out)
            }
        }
    };
    let Mode::Session(session) = mode_of(&context) else {
        return Ok(stock(context, &mut values, trap_out));
    };
    refuse_reentry(&session)?;
    let signature = {
        let mut state = session.lock()?;
        state.check_failure()?;
        let key = func_key(func);
        let slot = state.exports.get(&key).ok_or_else(not_an_rr_export)?;
        let (instance, name, signature) = (slot.instance, slot.name.clone(), slot.signature.clone());
        host_turn_ends(&mut state, &mut context).map_err(|e| state.fail(e))?;
        let arguments = match &values {
            CallValues::C { args, nargs, .. } => unsafe { read_values(&mut state, *args, *nargs) },
            CallValues::Raw(raw) => {
                let params = &raw[..signature.params.len()];
                unsafe { raw_values(&mut state, context.as_context_mut(), params, &signature.params) }
            }
        }?;
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
        signature
    };
    *trap_out = std::ptr::null_mut();
    let error = stock(context.as_context_mut(), &mut values, trap_out);
    let trap = *trap_out;
    let finished = close_call(&session, |state| {
        outcome_of(&error, trap, || match &values {
            CallValues::C { results, nresults, .. } => unsafe { read_values(state, results.cast::<wasmtime_val_t>(), *nresults) },
            CallValues::Raw(raw) => {
                let results = &raw[..signature.results.len()];
                unsafe { raw_values(state, context.as_context_mut(), results, &signature.results) }
            }
        })
    })
    .and_then(|()| host_turn_starts(&session, &context));
    if let Err(e) = finished {
        // The caller gets our error instead: release what the call produced.
        // Results were written only if the stock call returned neither an
        // error nor a trap; raw results own nothing.
        let succeeded = error.is_none() && trap_out.is_null();
        drop(error);
        let results = match values {
            CallValues::C { results, nresults, .. } if succeeded => Some((results, nresults)),
            _ => None,
        };
        release_outputs(trap_out, results);
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

/// Applies a recorded host write to the memory it names.
pub(crate) fn write_into(memories: &[Memory], context: &mut WasmtimeStoreContextMut<'_>, write: &MemoryWrite) -> Result<()> {
    let memory = memories
        .get(write.memory as usize)
        .ok_or_else(|| RrError::new(ErrorKind::Divergence, format!("recorded write into memory #{} that does not exist here", write.memory)))?;
    copy_into(memory, context, write.offset, &write.bytes)
}

fn copy_into(memory: &Memory, context: &mut WasmtimeStoreContextMut<'_>, offset: u64, bytes: &[u8]) -> Result<()> {
    let range = write_range(memory, context, offset, bytes.len())?;
    memory.data_mut(context.as_context_mut())[range].copy_from_slice(bytes);
    Ok(())
}

/// Where a write of `len` bytes at `offset` lands, or why it cannot.
fn write_range(
    memory: &Memory,
    context: &WasmtimeStoreContextMut<'_>,
    offset: u64,
    len: usize,
) -> Result<std::ops::Range<usize>> {
    let size = memory.data_size(context);
    usize::try_from(offset)
        .ok()
        .and_then(|start| start.checked_add(len).map(|end| start..end))
        .filter(|range| range.end <= size)
        .ok_or_else(|| {
            RrError::invalid_argument(format!("a write of {len} bytes at offset {offset} does not fit a memory of {size} bytes"))
        })
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
    // A write that cannot land is refused before the trace sees it: recorded
    // nothing, consumed nothing.
    write_range(memory, &context, offset, bytes.len())?;
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
