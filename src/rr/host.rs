//! Host functions defined through the RR-aware functions: the callback
//! Wasmtime runs for each of them, and the recording and replay of a call.
//!
//! Every such function is defined with Wasmtime's raw calling convention
//! (the C API's `_unchecked` definitions): arguments and results are
//! `ValRaw`s in one buffer. A replay writes the recorded results straight
//! into that buffer and a recording encodes them straight from it, so the
//! C API's conversion of every value to and from `Val` and `wasmtime_val_t`
//! is paid only when the host's own callback takes C values, and is never
//! paid on replay, when the host's callback does not run.

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::calls::{
    export_func, memory_digest, new_trap, raw_values, trap_outcome, write_into,
};
use crate::rr::session::{self, HostName, Role, Session, State, divergence, next_action, role_mismatch};
use crate::rr::stores::key_of;
use crate::rr::values;
use crate::trace::event::{
    Event, FuncRef, HOST_RETURN_TAG, HostCall, Kind, Outcome, Signature, Value, Values,
};
use crate::trace::wire::{self, ByteSink};
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::{AsContextMut, ValRaw};
use wasmtime_c_api::{
    WasmtimeStoreContextMut, wasm_trap_t, wasmtime_caller_t, wasmtime_func_callback_t,
    wasmtime_func_unchecked_callback_t, wasmtime_val_t,
};

/// The host's callback, in the calling convention it was defined with.
#[derive(Clone, Copy)]
pub enum Callback {
    /// `wasmtime_func_callback_t`: C values in, C values out.
    Checked(wasmtime_func_callback_t),
    /// `wasmtime_func_unchecked_callback_t`: raw values, in place.
    Unchecked(wasmtime_func_unchecked_callback_t),
}

/// A host function made through the RR-aware definitions.
pub struct HostFn {
    callback: Callback,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
    pub name: Arc<HostName>,
    pub signature: Signature,
    /// Whether its engine records or replays (else no store of it can have
    /// a session, and calls skip the lookup).
    rr: bool,
    /// Whether every result is a number: the fast paths apply.
    numeric: bool,
    /// The trace id this function has in the recording it was last recorded
    /// in, as `session serial << 24 | id` (0: none): spares the per-call map
    /// lookup. A definition shared by several stores just misses the cache.
    recorded_id: AtomicU64,
}

// SAFETY: `data` is the host's, documented to be usable from the threads
// that use the store.
unsafe impl Send for HostFn {}
unsafe impl Sync for HostFn {}

fn is_number(kind: &Kind) -> bool {
    matches!(kind, Kind::I32 | Kind::I64 | Kind::F32 | Kind::F64 | Kind::V128)
}

impl HostFn {
    pub fn new(
        callback: Callback,
        data: *mut c_void,
        finalizer: Option<extern "C" fn(*mut c_void)>,
        name: Arc<HostName>,
        signature: Signature,
        rr: bool,
    ) -> HostFn {
        let numeric = signature.results.iter().all(is_number);
        HostFn { callback, data, finalizer, name, signature, rr, numeric, recorded_id: Default::default() }
    }

    /// Makes the `env` of a definition; freed by [`host_fn_finalizer`].
    pub fn into_env(self) -> *mut c_void {
        Box::into_raw(Box::new(self)).cast()
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

    fn describe(&self) -> String {
        self.name.0.get().map_or("a host function".to_string(), |(m, n)| format!("host function `{m}.{n}`"))
    }

    /// Runs the host's callback on the raw arguments, leaving raw results.
    ///
    /// # Safety
    /// `raw` holds the function's arguments (and room for its results).
    #[inline]
    unsafe fn invoke(&self, caller: *mut wasmtime_caller_t, raw: &mut [ValRaw]) -> Option<Box<wasm_trap_t>> {
        match self.callback {
            Callback::Unchecked(callback) => callback(self.data, caller, raw.as_mut_ptr(), raw.len()),
            Callback::Checked(callback) => unsafe { self.invoke_checked(callback, caller, raw) },
        }
    }

    /// The checked convention: C values built from the raw arguments, the
    /// results' kinds checked (a wrong kind would make the C API's own
    /// conversion panic, an abort) and turned back into raw values.
    unsafe fn invoke_checked(
        &self,
        callback: wasmtime_func_callback_t,
        caller: *mut wasmtime_caller_t,
        raw: &mut [ValRaw],
    ) -> Option<Box<wasm_trap_t>> {
        let (params, results) = (&self.signature.params, &self.signature.results);
        let mut stack = [const { MaybeUninit::<wasmtime_val_t>::uninit() }; 16];
        let mut heap = Vec::new();
        let vals: &mut [MaybeUninit<wasmtime_val_t>] = match params.len() + results.len() {
            n if n <= stack.len() => &mut stack[..n],
            n => {
                heap.resize_with(n, MaybeUninit::uninit);
                &mut heap
            }
        };
        {
            let mut store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
            for (i, kind) in params.iter().enumerate() {
                vals[i].write(unsafe { values::raw_to_c(store.as_context_mut(), raw[i], *kind) });
            }
        }
        for slot in &mut vals[params.len()..] {
            slot.write(wasmtime_val_t { kind: wasmtime_c_api::WASMTIME_I32, of: wasmtime_c_api::wasmtime_val_union { i32: 0 } });
        }
        // SAFETY: every slot was written above.
        let vals = unsafe { &mut *(vals as *mut [MaybeUninit<wasmtime_val_t>] as *mut [wasmtime_val_t]) };
        let (args, outs) = vals.split_at_mut(params.len());
        let trap = callback(self.data, caller, args.as_ptr(), args.len(), outs.as_mut_ptr(), outs.len());
        let trap = trap.or_else(|| {
            let wrong = outs.iter().zip(results).enumerate().find(|(_, (v, k))| v.kind != **k as u8);
            if let Some((i, (value, kind))) = wrong {
                let message = format!(
                    "{} returned a value of kind {} as result #{i}, whose type is {}",
                    self.describe(),
                    value.kind,
                    kind.name()
                );
                return Some(new_trap(&message));
            }
            let mut store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
            for (i, value) in outs.iter().enumerate() {
                match unsafe { values::c_to_raw(store.as_context_mut(), value) } {
                    Ok(converted) => raw[i] = converted,
                    Err(error) => return Some(new_trap(error.message())),
                }
            }
            None
        });
        // The C values may own references: released here.
        unsafe { std::ptr::drop_in_place(vals) };
        trap
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

/// The raw callback Wasmtime runs for every RR-aware host function.
pub extern "C" fn host_trampoline(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t,
    raw: *mut ValRaw,
    len: usize,
) -> Option<Box<wasm_trap_t>> {
    // Wasmtime calls this from Rust code that cannot unwind through C.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        let host = &*env.cast::<HostFn>();
        let raw = std::slice::from_raw_parts_mut(raw, len);
        if !host.rr {
            return host.invoke(caller, raw);
        }
        let key = key_of(&wasmtime_c_api::wasmtime_caller_context(&mut *caller));
        match session::current(key).as_deref() {
            None => host.invoke(caller, raw),
            Some(session) if session.is_recording() => record(session, host, caller, raw),
            Some(session) => replay(session, host, caller, raw),
        }
    }));
    outcome.unwrap_or_else(|_| Some(new_trap("wasmtime-rr: internal panic in a host function trampoline")))
}

/// The trap a host function returns when recording or replaying it failed;
/// the failure stays on the session (sticky) unless the session is busy.
fn failure_trap(session: &Session, error: RrError) -> Box<wasm_trap_t> {
    match session.lock() {
        Ok(mut state) => new_trap(state.fail(error).message()),
        Err(_) => new_trap(error.message()),
    }
}

fn host_name(host: &HostFn) -> Result<(&str, &str)> {
    host.name.0.get().map(|(m, n)| (m.as_str(), n.as_str())).ok_or_else(|| {
        RrError::new(
            ErrorKind::Unsupported,
            "a host function made by wasmtime_rr_func_new ran before an RR-aware instantiation imported it",
        )
    })
}

unsafe fn record(session: &Session, host: &HostFn, caller: *mut wasmtime_caller_t, raw: &mut [ValRaw]) -> Option<Box<wasm_trap_t>> {
    if session.validation() || session.shadow() || !host.numeric {
        return unsafe { record_in_full(session, host, caller, raw) };
    }
    // The hot path: nothing to read before the call, numbers to encode after.
    let trap = session::in_host_call(session, || unsafe { host.invoke(caller, raw) });
    if trap.is_none() {
        let results = &raw[..host.signature.results.len()];
        if let Some(recorded) = record_plain_return(session, host, results) {
            return recorded.err().map(|error| failure_trap(session, error));
        }
    }
    unsafe { finish_record(session, host, caller, None, raw, trap) }
}

/// Records a host call whose trace keeps its arguments or memory writes, or
/// whose results are not all numbers.
#[inline(never)]
unsafe fn record_in_full(session: &Session, host: &HostFn, caller: *mut wasmtime_caller_t, raw: &mut [ValRaw]) -> Option<Box<wasm_trap_t>> {
    // Arguments are read before the results overwrite them, when the trace
    // keeps them.
    let args = match session.validation() {
        false => None,
        true => {
            let params = &raw[..host.signature.params.len()];
            let store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
            let read = session.lock().and_then(|mut state| unsafe { raw_values(&mut state, store, params, &host.signature.params) });
            match read {
                Ok(args) => Some(args),
                Err(error) => return Some(failure_trap(session, error)),
            }
        }
    };
    if session.shadow() {
        // The host's raw writes during the call are captured (see shadow.rs).
        let store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
        if let Err(error) = session.lock().map(|mut state| {
            let State { shadow, memories, .. } = &mut *state;
            shadow.get_or_insert_default().start_turn(memories, store);
        }) {
            return Some(failure_trap(session, error));
        }
    }
    let trap = session::in_host_call(session, || unsafe { host.invoke(caller, raw) });
    if session.shadow() {
        let store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
        let captured = session.lock().map(|mut state| {
            let State { shadow, memories, pending_writes, .. } = &mut *state;
            let changes = shadow.get_or_insert_default().changes(memories, &store);
            pending_writes.extend(changes);
        });
        if let Err(error) = captured {
            return Some(failure_trap(session, error));
        }
    }
    unsafe { finish_record(session, host, caller, args, raw, trap) }
}

/// Records a call that returned (`trap` or the results in `raw`); what the
/// host gets back: its trap, or the recording's failure as one.
unsafe fn finish_record(
    session: &Session,
    host: &HostFn,
    caller: *mut wasmtime_caller_t,
    args: Option<Vec<Value>>,
    raw: &[ValRaw],
    trap: Option<Box<wasm_trap_t>>,
) -> Option<Box<wasm_trap_t>> {
    let results = &raw[..host.signature.results.len()];
    match unsafe { record_host_call(session, host, caller, args, results, trap.as_deref()) } {
        Ok(()) => trap,
        Err(error) => Some(failure_trap(session, error)),
    }
}

/// Records the numbers a function already defined in this trace returned,
/// encoded straight from the raw results; `None` when that does not apply
/// (the session failed or is busy, the function is new to the trace, memory
/// writes or a digest go with the return), and nothing was recorded.
#[inline]
fn record_plain_return(session: &Session, host: &HostFn, results: &[ValRaw]) -> Option<Result<()>> {
    let mut state = session.lock().ok()?;
    let State { role: Role::Record(recorder), failure: None, pending_writes, .. } = &mut *state else { return None };
    let import = host.cached_id(session.serial)?;
    if !pending_writes.is_empty() || recorder.writer.settings().digest {
        return None;
    }
    let kinds = &host.signature.results;
    Some(recorder.writer.record_reserved(max_plain_return(kinds.len()), |out| encode_plain_return(out, import, results, kinds)))
}

/// The most bytes a host return of numbers takes: tag, import id, values.
fn max_plain_return(results: usize) -> usize {
    1 + 5 + 16 * results
}

/// Encodes a host return of numbers straight from the raw results, as the
/// codec encodes `Event::HostCall` with those values and nothing else kept
/// (a unit test holds the two to the same bytes).
#[inline]
fn encode_plain_return(out: &mut wire::Reserved<'_>, import: u32, results: &[ValRaw], kinds: &[Kind]) {
    out.push_byte(HOST_RETURN_TAG);
    wire::put_uleb(out, u64::from(import));
    for (raw, kind) in results.iter().zip(kinds) {
        values::put_raw_number(out, *raw, *kind);
    }
}

#[inline(never)]
unsafe fn record_host_call(
    session: &Session,
    host: &HostFn,
    caller: *mut wasmtime_caller_t,
    args: Option<Vec<Value>>,
    results: &[ValRaw],
    trap: Option<&wasm_trap_t>,
) -> Result<()> {
    let mut state = session.lock_live()?;
    let settings = match &state.role {
        Role::Record(recorder) => *recorder.writer.settings(),
        _ => return Ok(()),
    };
    let mut store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
    let outcome = match trap {
        Some(trap) => match trap_outcome(trap) {
            Outcome::Trapped { message, .. } => Err(message),
            _ => unreachable!("a trap's outcome is a trap"),
        },
        None => Ok(unsafe { raw_values(&mut state, store.as_context_mut(), results, &host.signature.results) }?),
    };
    let digest = settings.digest.then(|| memory_digest(&state, &store));
    let writes = std::mem::take(&mut state.pending_writes);
    let Role::Record(recorder) = &mut state.role else { unreachable!("checked above") };
    let key = Arc::as_ptr(&host.name) as usize;
    let import = match host.cached_id(session.serial).or_else(|| recorder.imports.get(&key).copied()) {
        Some(id) => id,
        None => {
            let (module, name) = host_name(host)?;
            let id = recorder.writer.codec().imports.len() as u32;
            let signature = host.signature.clone();
            recorder.writer.record(&Event::DefineImport { id, module: module.into(), name: name.into(), signature })?;
            recorder.imports.insert(key, id);
            id
        }
    };
    host.cache_id(session.serial, import);
    recorder.writer.record(&Event::HostCall(HostCall { import, args, outcome, writes, digest }))
}

unsafe fn replay(session: &Session, host: &HostFn, caller: *mut wasmtime_caller_t, raw: &mut [ValRaw]) -> Option<Box<wasm_trap_t>> {
    match replay_plain(session, host, raw) {
        Some(Ok(())) => return None,
        Some(Err(error)) => return Some(failure_trap(session, error)),
        None => {}
    }
    let store = unsafe { wasmtime_c_api::wasmtime_caller_context(&mut *caller) };
    match unsafe { replay_host_call(session, host, store, raw) } {
        Ok(None) => None,
        Ok(Some(message)) => Some(new_trap(&message)),
        Err(error) => Some(failure_trap(session, error)),
    }
}

/// The hot path of a replayed call: numbers returned by a function already
/// matched to its trace id, decoded straight into `raw`. `None` when it does
/// not apply (nothing consumed): the full path then serves the call or says
/// why it cannot.
#[inline]
fn replay_plain(session: &Session, host: &HostFn, raw: &mut [ValRaw]) -> Option<Result<()>> {
    if !host.numeric {
        return None;
    }
    let mut state = session.lock().ok()?;
    let State { role: Role::Replay(replayer), failure: None, .. } = &mut *state else { return None };
    if replayer.peeked.is_some() {
        return None;
    }
    match replay_plain_return(replayer, host, session.serial, raw) {
        Ok(true) => Some(Ok(())),
        Ok(false) => None,
        Err(error) => Some(Err(error)),
    }
}

/// Serves a host call from the trace: the recorded results (written into
/// `raw`), trap and memory writes; the host's callback does not run.
#[inline(never)]
unsafe fn replay_host_call(
    session: &Session,
    host: &HostFn,
    mut store: WasmtimeStoreContextMut<'_>,
    raw: &mut [ValRaw],
) -> Result<Option<String>> {
    let (module, name) = host_name(host)?;
    let mut state = session.lock()?;
    state.check_failure()?;
    let Role::Replay(replayer) = &mut state.role else { return Ok(None) };
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
        let params = &raw[..host.signature.params.len()];
        let now = unsafe { raw_values(&mut state, store.as_context_mut(), params, &host.signature.params) }?;
        if &now != recorded {
            return Err(divergence(index, format!(
                "host function `{module}.{name}` was called with {}, but now with {}", Values(recorded), Values(&now)
            )));
        }
    }
    for write in &call.writes {
        write_into(&state.memories, &mut store, write).map_err(|e| divergence(index, e.message()))?;
    }
    if let Some(recorded) = call.digest {
        let now = memory_digest(&state, &store);
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
            if values.len() != host.signature.results.len() {
                return Err(divergence(index, "recorded result count differs from the function's"));
            }
            for (i, value) in values.iter().enumerate() {
                raw[i] = values::value_to_raw(store.as_context_mut(), value, &mut |name| resolve(&state, name))?;
            }
            if let Role::Replay(replayer) = &mut state.role {
                replayer.reader.recycle(values);
            }
            Ok(None)
        }
    }
}

/// The function a recorded reference names in this store.
fn resolve(state: &State, name: FuncRef) -> Result<Option<wasmtime::Func>> {
    match name {
        FuncRef::Null => Ok(None),
        FuncRef::Export(id) => export_func(state, id)
            .ok_or_else(|| RrError::new(ErrorKind::Divergence, format!("recorded function reference export #{id} is unknown here"))),
        other => Err(RrError::new(ErrorKind::Unsupported, format!("cannot replay function reference {other:?}"))),
    }
}

/// The fast path of `replay_host_call` for numbers returned by a function
/// already matched to its trace id: decoded straight into the raw buffer.
/// `false` when it does not apply (nothing consumed).
fn replay_plain_return(replayer: &mut session::Replayer, host: &HostFn, serial: u64, raw: &mut [ValRaw]) -> Result<bool> {
    let expected = host.cached_id(serial);
    let taken = replayer.reader.next_host_return(|import, kinds, cursor| {
        if expected != Some(import) || kinds.len() != host.signature.results.len() {
            return Ok(false);
        }
        for (slot, kind) in raw.iter_mut().zip(kinds) {
            *slot = values::get_raw_number(cursor, *kind)?.ok_or_else(|| crate::trace::wire::malformed("a number was expected"))?;
        }
        Ok(true)
    })?;
    Ok(taken.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::event::Codec;

    /// The fast path writes exactly what the codec writes for the same call.
    #[test]
    fn plain_returns_encode_as_the_codec_does() {
        let kinds = vec![Kind::I32, Kind::I64, Kind::F32, Kind::F64, Kind::V128];
        let signature = Signature { params: vec![], results: kinds.clone() };
        let mut codec = Codec::default();
        let define = Event::DefineImport { id: 0, module: "m".into(), name: "f".into(), signature };
        codec.encode(&define, &mut Vec::new()).unwrap();
        let samples: [[ValRaw; 5]; 4] = [
            [ValRaw::i32(0), ValRaw::i64(0), ValRaw::f32(0), ValRaw::f64(0), ValRaw::v128(0)],
            [ValRaw::i32(-1), ValRaw::i64(-1), ValRaw::f32(u32::MAX), ValRaw::f64(u64::MAX), ValRaw::v128(u128::MAX)],
            [ValRaw::i32(i32::MIN), ValRaw::i64(i64::MIN), ValRaw::f32(0x7fc0_0000), ValRaw::f64(1), ValRaw::v128(1 << 100)],
            [ValRaw::i32(0x1234_5678), ValRaw::i64(i64::MAX), ValRaw::f32(1), ValRaw::f64(0x7ff8 << 48), ValRaw::v128(7)],
        ];
        for results in samples {
            let values = results.iter().zip(&kinds).map(|(raw, kind)| values::raw_number(*raw, *kind).unwrap()).collect();
            let call = HostCall { import: 0, args: None, outcome: Ok(values), writes: vec![], digest: None };
            let mut expected = Vec::new();
            codec.encode(&Event::HostCall(call), &mut expected).unwrap();
            let mut fast = Vec::with_capacity(max_plain_return(kinds.len()));
            let mut out = wire::Reserved::new(fast.spare_capacity_mut());
            encode_plain_return(&mut out, 0, &results, &kinds);
            let written = out.len();
            unsafe { fast.set_len(written) };
            assert_eq!(fast, expected, "{results:?}");
        }
    }
}
