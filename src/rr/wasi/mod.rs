//! WASI preview 1 under record/replay.
//!
//! [`define`] gives a linker the 46 functions of `wasi_snapshot_preview1`,
//! each a thin wrapper around wasmtime-wasi's own implementation:
//! - on a store with nothing attached it runs the real function, like the
//!   stock definitions;
//! - while recording it runs the real function and records the call: what
//!   the trace keeps of its arguments (descriptors, sizes, flags, paths), its
//!   errno, exit or trap, and everything it wrote into guest memory (clock
//!   readings, random bytes, file and stdin contents, metadata, directory
//!   entries, poll events), plus the bytes `fd_write` sent to stdout or
//!   stderr;
//! - while replaying it runs nothing: it checks the call against the trace
//!   and writes the recorded outputs at the pointers the guest passes now,
//!   so no file is opened, no clock or random source read, no stdin consumed
//!   and nothing printed (unless the replayer echoes recorded output).
//!
//! The call table and the event layout are the trace's
//! ([`crate::trace::wasi`]); this module adds running and applying them.

pub mod context;
mod dispatch;
mod outputs;

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::calls::memory_digest;
use crate::rr::session::{describe, next_action};
use crate::rr::session::{self, Role, Session, divergence};
use crate::rr::stores::key_of;
use crate::trace::event::Event;
use crate::trace::wasi::{
    ARGS_GET, ARGS_SIZES_GET, ENVIRON_GET, ENVIRON_SIZES_GET, FUNCS, MAX_PARAMS, MAX_RAW, MODULE, NumbersCall, Outputs, WasiCall, WasiFn,
    WasiOutcome, records_text,
};
use std::cell::Cell;
use outputs::Args;
use std::mem::MaybeUninit;
use wasmtime::{AsContextMut, Caller, Extern, FuncType, Linker, Memory, Module, ModuleExport, ValRaw, ValType};
use wasmtime_c_api::WasmtimeStoreData;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;
use wiggle::GuestMemory;

type Ctx<'a> = Caller<'a, WasmtimeStoreData>;

/// Defines the RR-aware preview-1 functions in a linker.
pub fn define(linker: &mut Linker<WasmtimeStoreData>) -> wasmtime::Result<()> {
    for (id, spec) in FUNCS.iter().enumerate() {
        let id = id as u8;
        let params = (0..spec.raw_len()).map(|i| if spec.raw_is_i64(i) { ValType::I64 } else { ValType::I32 });
        let results = spec.returns_errno().then_some(ValType::I32);
        let ty = FuncType::new(linker.engine(), params, results);
        // SAFETY: `handle` reads exactly the parameters of `ty` and writes its
        // one result, as `func_new_unchecked` requires.
        unsafe { linker.func_new_unchecked(MODULE, spec.name, ty, move |caller, raw| handle(id, caller, raw)) }?;
    }
    Ok(())
}

/// The calling instance's memory, looked up once per call (by name, as the
/// stock definitions do).
enum GuestMem {
    Plain(Memory),
    Shared(wasmtime::SharedMemory),
}

fn guest_memory(caller: &mut Ctx<'_>) -> wasmtime::Result<GuestMem> {
    // Wasmtime gives an export found by index only to an instance of the
    // module the index was taken from, so a stale entry just misses.
    let known = MEMORY_EXPORTS.with(Cell::get);
    let found = known.iter().flatten().find_map(|(_, export)| caller.get_module_export(export));
    match found.or_else(|| caller.get_export("memory")) {
        Some(Extern::Memory(memory)) => Ok(GuestMem::Plain(memory)),
        Some(Extern::SharedMemory(memory)) => Ok(GuestMem::Shared(memory)),
        _ => wasmtime::bail!("missing required memory export"),
    }
}

thread_local! {
    /// Where the `memory` export sits in the modules this thread instantiated
    /// last through the RR-aware functions (most recent first), keyed by
    /// their code's address: a WASI call from one of them finds its memory
    /// without hashing the name, about a third of a clock reading's cost.
    static MEMORY_EXPORTS: Cell<[Option<(usize, ModuleExport)>; 4]> = const { Cell::new([None; 4]) };
}

/// Notes where a module about to be instantiated exports its memory.
pub fn note_module(module: &Module) {
    let Some(export) = module.get_export_index("memory") else { return };
    let key = module.image_range().start as usize;
    MEMORY_EXPORTS.with(|known| {
        let mut list = known.get();
        let at = list.iter().position(|entry| entry.is_some_and(|(k, _)| k == key)).unwrap_or(list.len() - 1);
        list[..=at].rotate_right(1);
        list[0] = Some((key, export));
        known.set(list);
    });
}

impl GuestMem {
    /// The memory as record/replay needs it: not shared.
    fn unshared(&self) -> Result<Memory> {
        match self {
            GuestMem::Plain(memory) => Ok(*memory),
            GuestMem::Shared(_) => Err(RrError::new(
                ErrorKind::Unsupported,
                "WASI calls of a guest whose memory is shared cannot be recorded or replayed",
            )),
        }
    }
}

fn handle(id: u8, mut caller: Ctx<'_>, raw: &mut [MaybeUninit<ValRaw>]) -> wasmtime::Result<()> {
    let spec = &FUNCS[usize::from(id)];
    let mut args = [0u64; MAX_RAW];
    for (i, slot) in args[..spec.raw_len()].iter_mut().enumerate() {
        // SAFETY: Wasmtime initialized every parameter of the function's type.
        let value = unsafe { raw[i].assume_init() };
        *slot = if spec.raw_is_i64(i) { value.get_i64() as u64 } else { u64::from(value.get_u32()) };
    }
    // A panic must not unwind through Wasmtime into a C caller.
    let errno = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let memory = guest_memory(&mut caller)?;
        let key = key_of(&caller.as_context_mut());
        match session::current(key).as_deref() {
            Some(session) if session.is_recording() => record(session, id, &mut caller, memory, &args),
            Some(session) => replay(session, id, &mut caller, memory, &args),
            None => run(id, &mut caller, &memory, &args),
        }
    }))
    .unwrap_or_else(|_| Err(wasmtime::format_err!("wasmtime-rr: internal panic in WASI function {}", spec.name)))?;
    if spec.returns_errno() {
        raw[0] = MaybeUninit::new(ValRaw::i32(errno));
    }
    Ok(())
}

/// Recording a call whose outputs lie outside guest memory fails.
fn unreadable(spec: &WasiFn, what: String) -> wasmtime::Error {
    wasmtime::Error::new(RrError::new(
        ErrorKind::InvalidArgument,
        format!("recording {} failed: its outputs cannot be read: {what}", spec.name),
    ))
}

fn no_context() -> wasmtime::Error {
    wasmtime::Error::new(RrError::new(
        ErrorKind::InvalidArgument,
        "the store has no WASI context: give it one with wasmtime_rr_context_set_wasi \
         (wasmtime_context_set_wasi keeps it where the RR-aware WASI functions cannot use it)",
    ))
}

/// Runs the real function with the store's WASI context.
fn run_real(id: u8, ctx: &mut WasiP1Ctx, caller: &mut Ctx<'_>, memory: &GuestMem, args: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    match memory {
        GuestMem::Plain(memory) => run_real_then(id, ctx, caller, *memory, args, |_, _| ()).0,
        GuestMem::Shared(memory) => {
            set_fuel(ctx, caller);
            dispatch::call(id, ctx, &mut GuestMemory::Shared(memory.data()), args)
        }
    }
}

/// Runs the real function on an unshared memory, then `read` on its result
/// and that memory (looked up once for both).
fn run_real_then<T>(
    id: u8,
    ctx: &mut WasiP1Ctx,
    caller: &mut Ctx<'_>,
    memory: Memory,
    args: &[u64; MAX_RAW],
    read: impl FnOnce(&wasmtime::Result<i32>, &[u8]) -> T,
) -> (wasmtime::Result<i32>, T) {
    set_fuel(ctx, caller);
    let mut guest = GuestMemory::Unshared(memory.data_mut(caller));
    let result = dispatch::call(id, ctx, &mut guest, args);
    let after = match guest {
        GuestMemory::Unshared(mem) => read(&result, mem),
        GuestMemory::Shared(_) => unreachable!("made unshared above"),
    };
    (result, after)
}

fn set_fuel(ctx: &mut WasiP1Ctx, caller: &mut Ctx<'_>) {
    use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1;
    ctx.set_hostcall_fuel(caller.as_context_mut().hostcall_fuel());
}

/// A call on a store with nothing attached: the real function, nothing else.
fn run(id: u8, caller: &mut Ctx<'_>, memory: &GuestMem, args: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    let key = key_of(&caller.as_context_mut());
    context::with(key, |ctx| run_real(id, ctx.ok_or_else(no_context)?, caller, memory, args))
}

/// Asks a context what a function would give a guest, in scratch memory.
fn ask(ctx: &mut WasiP1Ctx, id: u8, scratch: &mut [u8], args: &[u64]) -> wasmtime::Result<()> {
    let mut raw = [0u64; MAX_RAW];
    raw[..args.len()].copy_from_slice(args);
    match dispatch::call(id, ctx, &mut GuestMemory::Unshared(scratch), &raw)? {
        0 => Ok(()),
        errno => wasmtime::bail!("errno {errno}"),
    }
}

/// The string buffer `args_get` (or `environ_get`) fills from this context.
fn strings_of(ctx: &mut WasiP1Ctx, (sizes, get): (u8, u8)) -> wasmtime::Result<Vec<u8>> {
    let mut counts = [0u8; 8];
    ask(ctx, sizes, &mut counts, &[0, 4])?;
    let count = u64::from(u32::from_le_bytes(counts[..4].try_into().expect("4 bytes")));
    let len = u64::from(u32::from_le_bytes(counts[4..].try_into().expect("4 bytes")));
    let mut scratch = vec![0u8; usize::try_from(count * 4 + len)?];
    ask(ctx, get, &mut scratch, &[0, count * 4])?;
    Ok(scratch.split_off((count * 4) as usize))
}

/// The (sizes, get) pair of functions behind a strings output.
fn strings_source(id: u8) -> Option<(u8, u8)> {
    match id {
        ARGS_GET | ARGS_SIZES_GET => Some((ARGS_SIZES_GET, ARGS_GET)),
        ENVIRON_GET | ENVIRON_SIZES_GET => Some((ENVIRON_SIZES_GET, ENVIRON_GET)),
        _ => None,
    }
}

fn outcome_of(result: &wasmtime::Result<i32>) -> Option<WasiOutcome> {
    match result {
        Ok(0) => None,
        Ok(errno) => Some(WasiOutcome::Errno(*errno as u16)),
        Err(error) => Some(match error.downcast_ref::<I32Exit>() {
            Some(exit) => WasiOutcome::Exit(exit.0 as u32),
            None => WasiOutcome::Trap(format!("{error}")),
        }),
    }
}

thread_local! {
    /// Reused buffer for the outputs of a WASI call being recorded.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

fn record(session: &Session, id: u8, caller: &mut Ctx<'_>, memory: GuestMem, raw: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    let spec = &FUNCS[usize::from(id)];
    let args = Args { id, spec, raw };
    let unshared = memory.unshared()?;
    let paths = match spec.has_path() {
        true => args.paths(unshared.data(&*caller)),
        false => Vec::new(),
    };
    let key = key_of(&caller.as_context_mut());
    // The call's inputs, for either event; a numbers-only call's words go
    // straight into the event to record.
    let mut numbers = NumbersCall { func: id, inputs: [0; MAX_PARAMS], words: [0; 2] };
    args.inputs_into(&mut numbers.inputs);
    // The outcome; `None`: errno 0 with the words in `numbers`. (Results
    // are written out, not returned: moving them whole after piecewise
    // stores stalls.)
    let mut outcome = None;
    let result = context::with(key, |ctx| -> wasmtime::Result<_> {
        let ctx = ctx.ok_or_else(no_context)?;
        // What a numbers-only call wrote is read from the memory it ran on.
        let words = |result: &wasmtime::Result<i32>, mem: &[u8]| match spec.numbers_only() && matches!(result, Ok(0)) {
            true => args.read_words(mem, &mut numbers.words).map(|()| true),
            false => Ok(false),
        };
        let (result, words) = run_real_then(id, ctx, caller, unshared, raw, words);
        outcome = match (outcome_of(&result), words) {
            (Some(outcome), _) => Some(outcome),
            (None, Ok(true)) => None,
            (None, Err(what)) => return Err(unreadable(spec, what)),
            (None, Ok(false)) => {
                let strings_len = || -> outputs::Access<u64> {
                    let source = strings_source(id).ok_or("no strings output")?;
                    strings_of(ctx, source).map(|s| s.len() as u64).map_err(|e| e.to_string())
                };
                let read = args.read_outputs(unshared.data(&*caller), strings_len, SCRATCH.with(Cell::take));
                Some(WasiOutcome::Done(read.map_err(|what| unreadable(spec, what))?))
            }
        };
        Ok(result)
    })?;
    let mut state = session.lock()?;
    state.check_failure()?;
    let settings = match &state.role {
        Role::Record(recorder) => *recorder.writer.settings(),
        _ => return result,
    };
    let recorded = match outcome {
        // The commonest calls (clock readings) in the commonest trace: no
        // `Event` built.
        None if !settings.validation && !settings.digest => {
            let Role::Record(recorder) = &mut state.role else { unreachable!("checked above") };
            recorder.writer.record_wasi_numbers(&numbers)
        }
        outcome => {
            let outcome = outcome.unwrap_or_else(|| WasiOutcome::Done(Outputs { words: numbers.words, ..Outputs::default() }));
            let digest = settings.digest.then(|| memory_digest(&state, &caller.as_context_mut()));
            let raw = settings.validation.then(|| Box::new(*raw));
            let event = Event::Wasi(WasiCall { func: id, inputs: numbers.inputs, paths, raw, outcome, digest });
            let Role::Record(recorder) = &mut state.role else { unreachable!("checked above") };
            let recorded = recorder.writer.record(&event);
            if let Event::Wasi(WasiCall { outcome: WasiOutcome::Done(outputs), .. }) = event
                && outputs.data.capacity() != 0
            {
                SCRATCH.with(|scratch| scratch.set(outputs.data));
            }
            recorded
        }
    };
    recorded.map_err(|e| wasmtime::Error::new(state.fail(e)))?;
    result
}

/// Whether the guest makes the recorded call now: the same function and
/// arguments as far as the trace keeps them.
fn is_recorded_call(call: &WasiCall, args: &Args<'_>, mem: &[u8]) -> bool {
    let inputs = args.inputs();
    call.func == args.id
        && (0..args.spec.params.len()).all(|i| call.inputs[i] == inputs[i])
        && (!args.spec.has_path() || call.paths == args.paths(mem))
        && call.raw.as_deref().is_none_or(|raw| raw == args.raw)
}

fn replay(session: &Session, id: u8, caller: &mut Ctx<'_>, memory: GuestMem, raw: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    let mut state = session.lock()?;
    state.check_failure()?;
    if !matches!(state.role, Role::Replay(_)) {
        drop(state);
        return run(id, caller, &memory, raw);
    }
    let spec = &FUNCS[usize::from(id)];
    let args = Args { id, spec, raw };
    // The commonest calls (clock readings): no `WasiCall` built.
    if let (Role::Replay(replayer), GuestMem::Plain(memory)) = (&mut state.role, &memory)
        && replayer.peeked.is_none()
        && spec.numbers_only()
        && strings_source(id).is_none()
    {
        match replayer.reader.next_wasi_numbers(|index, call| apply_numbers(index, call, &args, caller, *memory)) {
            Ok(Some(Ok(()))) => return Ok(0),
            Ok(None) => {}
            Ok(Some(Err(error))) | Err(error) => return Err(wasmtime::Error::new(state.fail(error))),
        }
    }
    let replayed = (|| -> Result<(Replayed, Option<(u64, u64)>)> {
        let memory = memory.unshared()?;
        let Role::Replay(replayer) = &mut state.role else { unreachable!("checked above") };
        let echo = replayer.echo;
        let mut apply = |index: u64, call: &WasiCall| apply_call(index, call, &args, caller, memory, echo);
        let fast = match replayer.peeked {
            None => replayer.reader.next_wasi(&mut apply)?,
            Some(_) => None,
        };
        match fast {
            Some(applied) => applied,
            None => match next_action(replayer)? {
                (index, Event::Wasi(call)) => apply(index, &call),
                (index, other) => Err(divergence(index, format!(
                    "expected {}, but the guest calls WASI function {}", describe(replayer, &other), spec.name
                ))),
            },
        }
    })();
    let replayed = replayed.and_then(|(replayed, digest)| {
        if let Some((index, recorded)) = digest {
            let now = memory_digest(&state, &caller.as_context_mut());
            if now != recorded {
                return Err(divergence(index, format!(
                    "guest memory after WASI call {} has digest {now:016x}, the recording had {recorded:016x}", spec.name
                )));
            }
        }
        Ok(replayed)
    });
    match replayed {
        Ok(Replayed::Errno(errno)) => Ok(errno),
        Ok(Replayed::Exit(status)) => Err(wasmtime::Error::new(I32Exit(status))),
        Ok(Replayed::Trap(message)) => Err(wasmtime::Error::msg(message)),
        Err(error) => Err(wasmtime::Error::new(state.fail(error))),
    }
}

/// How a replayed call returns to the guest.
enum Replayed {
    Errno(i32),
    Exit(i32),
    Trap(String),
}

/// Checks a recorded call against the guest's and applies its outcome:
/// outputs written where the guest asks. Returns the outcome and the
/// recorded memory digest to compare (with the event index).
fn apply_call(
    index: u64,
    call: &WasiCall,
    args: &Args<'_>,
    caller: &mut Ctx<'_>,
    memory: Memory,
    echo: bool,
) -> Result<(Replayed, Option<(u64, u64)>)> {
    if !is_recorded_call(call, args, memory.data(&*caller)) {
        return Err(other_call(index, call, args, memory.data(&*caller)));
    }
    if let Some(source) = strings_source(args.id) {
        check_configured_strings(index, caller, source, call)?;
    }
    let replayed = match &call.outcome {
        WasiOutcome::Done(outputs) => {
            let mem = memory.data_mut(&mut *caller);
            if let Some(text) = &outputs.text {
                check_text(index, args, mem, text)?;
                if echo {
                    echo_text(args.inputs()[0], text);
                }
            }
            args.write_outputs(mem, outputs).map_err(|what| no_room(index, args, what))?;
            Replayed::Errno(0)
        }
        WasiOutcome::Errno(errno) => Replayed::Errno(i32::from(*errno)),
        WasiOutcome::Exit(status) => Replayed::Exit(*status as i32),
        WasiOutcome::Trap(message) => Replayed::Trap(message.clone()),
    };
    Ok((replayed, call.digest.map(|digest| (index, digest))))
}

/// [`apply_call`] for a numbers-only call (a clock reading) of a guest with
/// unshared memory, with no `WasiCall` built unless the guest diverges; the
/// outcome is errno 0.
fn apply_numbers(index: u64, call: &NumbersCall, args: &Args<'_>, caller: &mut Ctx<'_>, memory: Memory) -> Result<()> {
    if call.func != args.id || (0..args.spec.params.len()).any(|i| call.inputs[i] != args.input(i)) {
        return Err(other_call(index, &WasiCall::from(call), args, memory.data(&*caller)));
    }
    args.write_words(memory.data_mut(&mut *caller), &call.words).map_err(|what| no_room(index, args, what))
}

/// The divergence of a guest that makes another WASI call than `recorded`.
fn other_call(index: u64, recorded: &WasiCall, args: &Args<'_>, mem: &[u8]) -> RrError {
    let now = WasiCall {
        func: args.id,
        inputs: args.inputs(),
        paths: args.paths(mem),
        raw: recorded.raw.as_ref().map(|_| Box::new(*args.raw)),
        outcome: recorded.outcome.clone(),
        digest: recorded.digest,
    };
    divergence(index, format!("the trace has the WASI call {recorded}, but the guest calls {now}"))
}

/// The divergence of a guest whose memory cannot take a call's recorded outputs.
fn no_room(index: u64, args: &Args<'_>, what: String) -> RrError {
    divergence(index, format!("{} cannot take its recorded outputs: {what}", args.spec.name))
}

/// The bytes an `fd_write` sends to stdout or stderr must be the recorded ones.
fn check_text(index: u64, args: &Args<'_>, mem: &[u8], text: &[u8]) -> Result<()> {
    let sent = args.written_text(mem, text.len()).map_err(|what| divergence(index, what))?;
    if sent == text {
        return Ok(());
    }
    let first = sent.iter().zip(text).position(|(a, b)| a != b).unwrap_or(0);
    let stream = if args.inputs()[0] == 1 { "stdout" } else { "stderr" };
    Err(divergence(index, format!(
        "the guest writes other bytes to {stream} than recorded (first difference at byte {first}: \
         recorded {:?}, now {:?})",
        String::from_utf8_lossy(&text[first..(first + 24).min(text.len())]),
        String::from_utf8_lossy(&sent[first..(first + 24).min(sent.len())])
    )))
}

/// A replaying host that configured arguments or environment variables must
/// have configured the recorded ones; they are configuration, not input
/// from the outside world, so comparing them has no effect.
fn check_configured_strings(index: u64, caller: &mut Ctx<'_>, source: (u8, u8), call: &WasiCall) -> Result<()> {
    let WasiOutcome::Done(recorded) = &call.outcome else { return Ok(()) };
    let key = key_of(&caller.as_context_mut());
    let live = context::with(key, |ctx| ctx.map(|ctx| strings_of(ctx, source)));
    let Some(Ok(live)) = live else { return Ok(()) };
    let what = if source.0 == ARGS_SIZES_GET { "arguments" } else { "environment" };
    let sizes_only = call.func == source.0;
    let differs = match sizes_only {
        true => {
            let count = live.iter().filter(|b| **b == 0).count() as u64;
            recorded.words != [count, live.len() as u64]
        }
        false => recorded.data != live,
    };
    if differs {
        let show = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace('\0', " ").trim_end().to_string();
        let recorded_text = match sizes_only {
            true => format!("{} strings of {} bytes", recorded.words[0], recorded.words[1]),
            false => format!("\"{}\"", show(&recorded.data)),
        };
        return Err(divergence(index, format!(
            "the replaying host configured other {what} than the recording had: recorded {recorded_text}, now \"{}\"",
            show(&live)
        )));
    }
    Ok(())
}

pub(crate) fn echo_text(fd: u64, text: &[u8]) {
    use std::io::Write;
    // Echo is best effort: a closed stdout must not end the replay. Flushed
    // at once: in a C or Go host nothing flushes Rust's stdout buffer later.
    let _ = match fd {
        1 => {
            let mut out = std::io::stdout().lock();
            out.write_all(text).and_then(|()| out.flush())
        }
        _ => std::io::stderr().write_all(text),
    };
}

/// Whether an `fd_write` to this descriptor is echoed (stdout, stderr).
pub fn is_echoed(func: u8, fd: u64) -> bool {
    records_text(func, fd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Instance, Store};

    fn module(engine: &Engine, pages: u32) -> Module {
        Module::new(engine, format!("(module (memory (export \"memory\") {pages}))")).unwrap()
    }

    #[test]
    fn memory_exports_are_kept_most_recent_first_and_miss_other_modules() {
        let engine = Engine::default();
        let modules: Vec<Module> = (1..=5).map(|pages| module(&engine, pages)).collect();
        let keys: Vec<usize> = modules.iter().map(|m| m.image_range().start as usize).collect();
        let listed = || MEMORY_EXPORTS.with(Cell::get).map(|entry| entry.map(|(key, _)| key));
        modules.iter().for_each(note_module);
        assert_eq!(listed(), [Some(keys[4]), Some(keys[3]), Some(keys[2]), Some(keys[1])], "the oldest is dropped");
        note_module(&modules[2]);
        assert_eq!(listed(), [Some(keys[2]), Some(keys[4]), Some(keys[3]), Some(keys[1])], "moved up, not repeated");
        note_module(&Module::new(&engine, "(module)").unwrap());
        assert_eq!(listed()[0], Some(keys[2]), "a module without a memory export is not noted");

        // What the cache relies on: Wasmtime gives an export found by index
        // only to an instance of the module the index came from.
        let mut store = Store::new(&engine, ());
        let first = Instance::new(&mut store, &modules[0], &[]).unwrap();
        let second = Instance::new(&mut store, &modules[1], &[]).unwrap();
        let export = modules[0].get_export_index("memory").unwrap();
        let memory = first.get_module_export(&mut store, &export).and_then(Extern::into_memory).unwrap();
        assert_eq!(memory.size(&store), 1);
        assert!(second.get_module_export(&mut store, &export).is_none());
    }
}
