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
use crate::rr::calls::{describe, memory_digest, next_action};
use crate::rr::session::{self, Role, Session, divergence};
use crate::rr::stores::key_of;
use crate::trace::event::Event;
use crate::trace::wasi::{FUNCS, MAX_RAW, MODULE, WasiCall, WasiOutcome, records_text};
use outputs::Args;
use std::mem::MaybeUninit;
use wasmtime::{AsContextMut, Caller, Extern, FuncType, Linker, Memory, ValRaw, ValType};
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
        let key = key_of(&caller.as_context_mut());
        session::with(key, |session| match session {
            Some(session) if session.is_recording() => record(session, id, &mut caller, &args),
            Some(session) => replay(session, id, &mut caller, &args),
            None => run(id, &mut caller, &args),
        })
    }))
    .unwrap_or_else(|_| Err(wasmtime::format_err!("wasmtime-rr: internal panic in WASI function {}", spec.name)))?;
    if spec.returns_errno() {
        raw[0] = MaybeUninit::new(ValRaw::i32(errno));
    }
    Ok(())
}

fn no_context() -> wasmtime::Error {
    wasmtime::Error::new(RrError::new(
        ErrorKind::InvalidArgument,
        "the store has no WASI context: give it one with wasmtime_rr_context_set_wasi \
         (wasmtime_context_set_wasi keeps it where the RR-aware WASI functions cannot use it)",
    ))
}

fn unshared_memory(caller: &mut Ctx<'_>) -> wasmtime::Result<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        Some(Extern::SharedMemory(_)) => Err(wasmtime::Error::new(RrError::new(
            ErrorKind::Unsupported,
            "WASI calls of a guest whose memory is shared cannot be recorded or replayed",
        ))),
        _ => wasmtime::bail!("missing required memory export"),
    }
}

/// Runs the real function with the store's WASI context.
fn run_real(id: u8, ctx: &mut WasiP1Ctx, caller: &mut Ctx<'_>, args: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1;
    ctx.set_hostcall_fuel(caller.as_context_mut().hostcall_fuel());
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => dispatch::call(id, ctx, &mut GuestMemory::Unshared(memory.data_mut(caller)), args),
        Some(Extern::SharedMemory(memory)) => dispatch::call(id, ctx, &mut GuestMemory::Shared(memory.data()), args),
        _ => wasmtime::bail!("missing required memory export"),
    }
}

/// A call on a store with nothing attached: the real function, nothing else.
fn run(id: u8, caller: &mut Ctx<'_>, args: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    let key = key_of(&caller.as_context_mut());
    context::with(key, |ctx| run_real(id, ctx.ok_or_else(no_context)?, caller, args))
}

/// Scratch memory for asking a context what it would give a guest.
fn ask(ctx: &mut WasiP1Ctx, id: &str, scratch: &mut [u8], args: &[u64]) -> wasmtime::Result<()> {
    let mut raw = [0u64; MAX_RAW];
    raw[..args.len()].copy_from_slice(args);
    let id = crate::trace::wasi::id_of(id).expect("a preview-1 function");
    match dispatch::call(id, ctx, &mut GuestMemory::Unshared(scratch), &raw)? {
        0 => Ok(()),
        errno => wasmtime::bail!("errno {errno}"),
    }
}

/// The string buffer `args_get` (or `environ_get`) fills from this context.
fn strings_of(ctx: &mut WasiP1Ctx, sizes: &str, get: &str) -> wasmtime::Result<Vec<u8>> {
    let mut counts = [0u8; 8];
    ask(ctx, sizes, &mut counts, &[0, 4])?;
    let count = u64::from(u32::from_le_bytes(counts[..4].try_into().expect("4 bytes")));
    let len = u64::from(u32::from_le_bytes(counts[4..].try_into().expect("4 bytes")));
    let mut scratch = vec![0u8; usize::try_from(count * 4 + len)?];
    ask(ctx, get, &mut scratch, &[0, count * 4])?;
    Ok(scratch.split_off((count * 4) as usize))
}

/// The (sizes, get) pair of functions behind a strings output.
fn strings_source(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "args_get" | "args_sizes_get" => Some(("args_sizes_get", "args_get")),
        "environ_get" | "environ_sizes_get" => Some(("environ_sizes_get", "environ_get")),
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

fn record(session: &Session, id: u8, caller: &mut Ctx<'_>, raw: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    let spec = &FUNCS[usize::from(id)];
    let args = Args { id, spec, raw };
    let memory = unshared_memory(caller)?;
    let paths = args.paths(memory.data(&*caller));
    let key = key_of(&caller.as_context_mut());
    let scratch = std::mem::take(&mut session.lock().wasi_scratch);
    let (result, outcome) = context::with(key, |ctx| -> wasmtime::Result<_> {
        let ctx = ctx.ok_or_else(no_context)?;
        let result = run_real(id, ctx, caller, raw);
        let outcome = match outcome_of(&result) {
            Some(outcome) => outcome,
            None => {
                let strings_len = || -> outputs::Access<u64> {
                    let (sizes, get) = strings_source(spec.name).ok_or("no strings output")?;
                    strings_of(ctx, sizes, get).map(|s| s.len() as u64).map_err(|e| e.to_string())
                };
                let read = args.read_outputs(memory.data(&*caller), strings_len, scratch);
                WasiOutcome::Done(read.map_err(|what| {
                    wasmtime::Error::new(RrError::new(
                        ErrorKind::InvalidArgument,
                        format!("recording {} failed: its outputs cannot be read: {what}", spec.name),
                    ))
                })?)
            }
        };
        Ok((result, outcome))
    })?;
    let mut state = session.lock();
    state.check_failure()?;
    let settings = match &state.role {
        Role::Record(recorder) => *recorder.writer.settings(),
        _ => return result,
    };
    let digest = settings.digest.then(|| memory_digest(&state, &caller.as_context_mut()));
    let call = WasiCall {
        func: id,
        inputs: args.inputs(),
        paths,
        raw: settings.validation.then_some(*raw),
        outcome,
        digest,
    };
    let event = Event::Wasi(call);
    let Role::Record(recorder) = &mut state.role else { unreachable!("checked above") };
    let recorded = recorder.writer.record(&event);
    if let Event::Wasi(WasiCall { outcome: WasiOutcome::Done(outputs), .. }) = event {
        state.wasi_scratch = outputs.data;
    }
    recorded.map_err(|e| wasmtime::Error::new(state.fail(e)))?;
    result
}

fn replay(session: &Session, id: u8, caller: &mut Ctx<'_>, raw: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    let mut state = session.lock();
    state.check_failure()?;
    if !matches!(state.role, Role::Replay(_)) {
        drop(state);
        return run(id, caller, raw);
    }
    let replayed = (|| -> Result<Replayed> {
        let Role::Replay(replayer) = &mut state.role else { unreachable!("checked above") };
        let spec = &FUNCS[usize::from(id)];
        let args = Args { id, spec, raw };
        let memory = unshared_memory(caller).map_err(|e| RrError::new(ErrorKind::Unsupported, e.to_string()))?;
        let (index, event) = next_action(replayer)?;
        let call = match event {
            Event::Wasi(call) => call,
            other => {
                return Err(divergence(index, format!(
                    "expected {}, but the guest calls WASI function {}", describe(replayer, &other), spec.name
                )));
            }
        };
        let now = WasiCall {
            func: id,
            inputs: args.inputs(),
            paths: args.paths(memory.data(&*caller)),
            raw: call.raw.map(|_| *raw),
            outcome: call.outcome.clone(),
            digest: call.digest,
        };
        if now != call {
            return Err(divergence(index, format!("the trace has the WASI call {call}, but the guest calls {now}")));
        }
        check_configured_strings(index, caller, spec.name, &call)?;
        let echo = replayer.echo;
        if let WasiOutcome::Done(outputs) = &call.outcome {
            let mem = memory.data_mut(&mut *caller);
            if let Some(text) = &outputs.text {
                let sent = args.written_text(mem, text.len()).map_err(|what| divergence(index, what))?;
                if &sent != text {
                    let first = sent.iter().zip(text).position(|(a, b)| a != b).unwrap_or(0);
                    return Err(divergence(index, format!(
                        "the guest writes other bytes to {} than recorded (first difference at byte {first})",
                        if args.inputs()[0] == 1 { "stdout" } else { "stderr" }
                    )));
                }
                if echo {
                    echo_text(args.inputs()[0], text);
                }
            }
            args.write_outputs(mem, outputs)
                .map_err(|what| divergence(index, format!("{} cannot take its recorded outputs: {what}", spec.name)))?;
        }
        if let Some(recorded) = call.digest {
            let now = memory_digest(&state, &caller.as_context_mut());
            if now != recorded {
                return Err(divergence(index, format!(
                    "guest memory after WASI call {} has digest {now:016x}, the recording had {recorded:016x}", spec.name
                )));
            }
        }
        Ok(match call.outcome {
            WasiOutcome::Done(outputs) => {
                state.wasi_scratch = outputs.data;
                Replayed::Errno(0)
            }
            WasiOutcome::Errno(errno) => Replayed::Errno(i32::from(errno)),
            WasiOutcome::Exit(status) => Replayed::Exit(status as i32),
            WasiOutcome::Trap(message) => Replayed::Trap(message),
        })
    })();
    match replayed {
        Ok(Replayed::Errno(errno)) => Ok(errno),
        Ok(Replayed::Exit(status)) => Err(wasmtime::Error::new(I32Exit(status))),
        Ok(Replayed::Trap(message)) => Err(wasmtime::Error::msg(message)),
        Err(error) => Err(wasmtime::Error::new(state.fail(error))),
    }
}

enum Replayed {
    Errno(i32),
    Exit(i32),
    Trap(String),
}

/// A replaying host that configured arguments or environment variables must
/// have configured the recorded ones; they are configuration, not input
/// from the outside world, so comparing them has no effect.
fn check_configured_strings(index: u64, caller: &mut Ctx<'_>, name: &str, call: &WasiCall) -> Result<()> {
    let Some((sizes, get)) = strings_source(name) else { return Ok(()) };
    let WasiOutcome::Done(recorded) = &call.outcome else { return Ok(()) };
    let key = key_of(&caller.as_context_mut());
    let live = context::with(key, |ctx| ctx.map(|ctx| strings_of(ctx, sizes, get)));
    let Some(Ok(live)) = live else { return Ok(()) };
    let what = if sizes.starts_with("args") { "arguments" } else { "environment" };
    let differs = match name {
        "args_sizes_get" | "environ_sizes_get" => {
            let count = live.iter().filter(|b| **b == 0).count() as u64;
            recorded.words != [count, live.len() as u64]
        }
        _ => recorded.data != live,
    };
    if differs {
        let show = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace('\0', " ").trim_end().to_string();
        let recorded_text = match name {
            "args_get" | "environ_get" => format!(": recorded \"{}\"", show(&recorded.data)),
            _ => String::new(),
        };
        return Err(divergence(index, format!(
            "the replaying host configured other {what} than the recording had{recorded_text}, now \"{}\"",
            show(&live)
        )));
    }
    Ok(())
}

fn echo_text(fd: u64, text: &[u8]) {
    use std::io::Write;
    // Echo is best effort: a closed stdout must not end the replay.
    let _ = match fd {
        1 => std::io::stdout().write_all(text),
        _ => std::io::stderr().write_all(text),
    };
}

/// Whether an `fd_write` to this descriptor is echoed (stdout, stderr).
pub fn is_echoed(func: u8, fd: u64) -> bool {
    records_text(func, fd)
}
