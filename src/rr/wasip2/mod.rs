//! WASI preview 2 under record/replay.
//!
//! [`define`] gives a component linker the interfaces of `wasi:cli/command`
//! (what the stock `wasmtime_component_linker_add_wasip2` adds), with every
//! function through which the outside world reaches the guest wrapped:
//! clocks, random, environment, exit, stdio streams and pollables, terminal
//! queries, preopens and the filesystem. Each wrapper calls wasmtime-wasi's
//! own implementation:
//! - on a store with nothing attached it is that implementation;
//! - while recording it runs it and records the call: the function, the
//!   arguments that shape the result (lengths, paths, bytes written,
//!   handles) and the result, error code, trap or exit;
//! - while replaying it runs nothing that reads the outside world: it checks
//!   the call against the trace and returns the recorded result. Resources
//!   the host made (streams, terminals, pollables, descriptors) are made
//!   again as inert stand-ins, in the same order, so the guest's handles
//!   are the same numbers; a replay checks that they are.
//!
//! What is not wrapped cannot reach the outside world: sockets need the
//! network from `instance-network` (refused while recording or replaying),
//! and `subscribe` and most `drop`s only move resources in the guest's
//! table, which a replay repeats.
//!
//! Calls are `ComponentEvent::Wasi` events (`trace::wasip2`); the values are
//! [`values::W`]s. The interfaces are in [`interfaces`] and [`filesystem`].

mod filesystem;
mod interfaces;
mod values;

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::session::{self, Role, Session, State, divergence, next_action, role_mismatch};
use crate::rr::wasi::context;
use crate::trace::component::{ComponentEvent, Encoded};
use crate::trace::event::Event;
use crate::trace::wasip2::{FUNCS, P2Outcome, WasiP2Call};
use std::sync::Arc;
use values::{Made, Recordable, Streamed, W, Wire, single};
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_c_api::WasmtimeStoreData;
use wasmtime_wasi::cli::WasiCliCtxView;
use wasmtime_wasi::clocks::WasiClocksCtxView;
use wasmtime_wasi::p2::bindings::sync::io::{poll, streams};
use wasmtime_wasi::p2::bindings::{cli, clocks, random, sockets};
use wasmtime_wasi::p2::{InputStream, OutputStream, Pollable, StreamError, StreamResult};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsCtxView};
use wasmtime_wasi::{I32Exit, WasiCtxView, WasiView};
use wasmtime_wasi_io::bindings::wasi::io::error;
use wasmtime_wasi_io::bytes::Bytes;

/// Numbers of the recorded functions: indices in [`FUNCS`].
mod func {
    pub(super) const WALL_NOW: u16 = 0;
    pub(super) const WALL_RESOLUTION: u16 = 1;
    pub(super) const MONOTONIC_NOW: u16 = 2;
    pub(super) const MONOTONIC_RESOLUTION: u16 = 3;
    pub(super) const RANDOM_BYTES: u16 = 4;
    pub(super) const RANDOM_U64: u16 = 5;
    pub(super) const INSECURE_BYTES: u16 = 6;
    pub(super) const INSECURE_U64: u16 = 7;
    pub(super) const INSECURE_SEED: u16 = 8;
    pub(super) const ENVIRONMENT: u16 = 9;
    pub(super) const ARGUMENTS: u16 = 10;
    pub(super) const INITIAL_CWD: u16 = 11;
    pub(super) const EXIT: u16 = 12;
    pub(super) const EXIT_WITH_CODE: u16 = 13;
    pub(super) const STDIN: u16 = 14;
    pub(super) const STDOUT: u16 = 15;
    pub(super) const STDERR: u16 = 16;
    pub(super) const TERMINAL_STDIN: u16 = 17;
    pub(super) const TERMINAL_STDOUT: u16 = 18;
    pub(super) const TERMINAL_STDERR: u16 = 19;
    pub(super) const ERROR_DEBUG_STRING: u16 = 20;
    pub(super) const POLL: u16 = 21;
    pub(super) const POLLABLE_READY: u16 = 22;
    pub(super) const POLLABLE_BLOCK: u16 = 23;
    pub(super) const READ: u16 = 24;
    pub(super) const BLOCKING_READ: u16 = 25;
    pub(super) const SKIP: u16 = 26;
    pub(super) const BLOCKING_SKIP: u16 = 27;
    pub(super) const CHECK_WRITE: u16 = 28;
    pub(super) const WRITE: u16 = 29;
    pub(super) const BLOCKING_WRITE_AND_FLUSH: u16 = 30;
    pub(super) const FLUSH: u16 = 31;
    pub(super) const BLOCKING_FLUSH: u16 = 32;
    pub(super) const WRITE_ZEROES: u16 = 33;
    pub(super) const BLOCKING_WRITE_ZEROES_AND_FLUSH: u16 = 34;
    pub(super) const SPLICE: u16 = 35;
    pub(super) const BLOCKING_SPLICE: u16 = 36;
    pub(super) const PREOPENS: u16 = 37;
    pub(super) const FILESYSTEM_ERROR_CODE: u16 = 38;
    pub(super) const READ_VIA_STREAM: u16 = 39;
    pub(super) const WRITE_VIA_STREAM: u16 = 40;
    pub(super) const APPEND_VIA_STREAM: u16 = 41;
    pub(super) const ADVISE: u16 = 42;
    pub(super) const SYNC_DATA: u16 = 43;
    pub(super) const GET_FLAGS: u16 = 44;
    pub(super) const GET_TYPE: u16 = 45;
    pub(super) const SET_SIZE: u16 = 46;
    pub(super) const SET_TIMES: u16 = 47;
    pub(super) const READ_AT: u16 = 48;
    pub(super) const WRITE_AT: u16 = 49;
    pub(super) const READ_DIRECTORY: u16 = 50;
    pub(super) const SYNC: u16 = 51;
    pub(super) const CREATE_DIRECTORY_AT: u16 = 52;
    pub(super) const STAT: u16 = 53;
    pub(super) const STAT_AT: u16 = 54;
    pub(super) const SET_TIMES_AT: u16 = 55;
    pub(super) const LINK_AT: u16 = 56;
    pub(super) const OPEN_AT: u16 = 57;
    pub(super) const READLINK_AT: u16 = 58;
    pub(super) const REMOVE_DIRECTORY_AT: u16 = 59;
    pub(super) const RENAME_AT: u16 = 60;
    pub(super) const SYMLINK_AT: u16 = 61;
    pub(super) const UNLINK_FILE_AT: u16 = 62;
    pub(super) const IS_SAME_OBJECT: u16 = 63;
    pub(super) const METADATA_HASH: u16 = 64;
    pub(super) const METADATA_HASH_AT: u16 = 65;
    pub(super) const READ_DIRECTORY_ENTRY: u16 = 66;
}

/// The bindings' view of a store: its WASI context and its key (to find the
/// session).
pub struct P2<'a> {
    view: WasiCtxView<'a>,
    key: Option<usize>,
}

struct Recorded;
impl HasData for Recorded {
    type Data<'a> = P2<'a>;
}

/// The store's WASI context: the one `wasmtime_rr_context_set_wasi` gave it,
/// else the stock one (`wasmtime_context_set_wasi`), as the stock bindings
/// would use.
fn ctx_of(data: &mut WasmtimeStoreData) -> WasiCtxView<'_> {
    // Two steps: the borrow checker cannot see that the first borrow ends
    // when it finds nothing.
    let data: *mut WasmtimeStoreData = data;
    // SAFETY: `data` is the live store's, used by this thread for this call.
    match unsafe { context::for_data(&mut *data) } {
        Some(ctx) => ctx.ctx(),
        None => unsafe { &mut *data }.ctx(),
    }
}

fn recorded(data: &mut WasmtimeStoreData) -> P2<'_> {
    let key = crate::rr::stores::key_of_data(data);
    P2 { view: ctx_of(data), key }
}

fn sockets_of(data: &mut WasmtimeStoreData) -> WasiSocketsCtxView<'_> {
    let view = ctx_of(data);
    WasiSocketsCtxView { ctx: view.ctx.sockets(), table: view.table }
}

/// Defines WASI preview 2 (synchronous) in a component linker, recorded and
/// replayed.
pub fn define(linker: &mut Linker<WasmtimeStoreData>) -> wasmtime::Result<()> {
    type T = WasmtimeStoreData;
    let l = linker;
    use wasmtime_wasi::p2::bindings::filesystem::preopens;
    clocks::wall_clock::add_to_linker::<T, Recorded>(l, recorded)?;
    clocks::monotonic_clock::add_to_linker::<T, Recorded>(l, recorded)?;
    preopens::add_to_linker::<T, Recorded>(l, recorded)?;
    random::random::add_to_linker::<T, Recorded>(l, recorded)?;
    random::insecure::add_to_linker::<T, Recorded>(l, recorded)?;
    random::insecure_seed::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::exit::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::environment::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::stdin::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::stdout::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::stderr::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::terminal_input::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::terminal_output::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::terminal_stdin::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::terminal_stdout::add_to_linker::<T, Recorded>(l, recorded)?;
    cli::terminal_stderr::add_to_linker::<T, Recorded>(l, recorded)?;
    sockets::tcp_create_socket::add_to_linker::<T, WasiSockets>(l, sockets_of)?;
    sockets::instance_network::add_to_linker::<T, Recorded>(l, recorded)?;
    sockets::network::add_to_linker::<T, WasiSockets>(l, &Default::default(), sockets_of)?;
    sockets::ip_name_lookup::add_to_linker::<T, WasiSockets>(l, sockets_of)?;
    error::add_to_linker::<T, Recorded>(l, recorded)?;
    poll::add_to_linker::<T, Recorded>(l, recorded)?;
    streams::add_to_linker::<T, Recorded>(l, recorded)?;
    use wasmtime_wasi::p2::bindings::sync as blocking;
    blocking::filesystem::types::add_to_linker::<T, Recorded>(l, recorded)?;
    blocking::sockets::tcp::add_to_linker::<T, WasiSockets>(l, sockets_of)?;
    blocking::sockets::udp::add_to_linker::<T, WasiSockets>(l, sockets_of)?;
    blocking::sockets::udp_create_socket::add_to_linker::<T, WasiSockets>(l, sockets_of)?;
    Ok(())
}

/// The linkers [`define`] prepared, by address.
static PREPARED: std::sync::Mutex<std::collections::BTreeSet<usize>> = std::sync::Mutex::new(std::collections::BTreeSet::new());

fn prepared_set() -> std::sync::MutexGuard<'static, std::collections::BTreeSet<usize>> {
    // Nothing panics under this lock; a poisoned set is still whole.
    PREPARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Notes that `define` prepared this linker.
pub fn prepared(linker: &Linker<WasmtimeStoreData>) {
    prepared_set().insert(std::ptr::from_ref(linker) as usize);
}

/// Whether `define` prepared this linker (rather than the stock
/// `wasmtime_component_linker_add_wasip2`, whose calls would go unrecorded).
/// Linkers are known by address: the C API does not say when one is freed,
/// so a new linker at a freed one's address counts as prepared.
pub fn is_prepared(linker: &Linker<WasmtimeStoreData>) -> bool {
    prepared_set().contains(&(std::ptr::from_ref(linker) as usize))
}

fn to_wasmtime(error: RrError) -> wasmtime::Error {
    wasmtime::Error::new(error)
}

/// The handle of a resource the guest passes, as recorded.
fn borrowed<T>(resource: &Resource<T>) -> W {
    W::Handle(resource.owned(), resource.rep())
}

/// Resources a replay makes where the recording's host made streams,
/// terminals or timers: they hold nothing, and nothing reads them (every
/// call on them is served from the trace).
struct StandIn;

#[wasmtime_wasi_io::async_trait]
impl Pollable for StandIn {
    async fn ready(&mut self) {}
}

impl InputStream for StandIn {
    fn read(&mut self, _: usize) -> StreamResult<Bytes> {
        Err(StreamError::trap("a replay's stand-in stream was read"))
    }
}

#[wasmtime_wasi_io::async_trait]
impl OutputStream for StandIn {
    fn write(&mut self, _: Bytes) -> StreamResult<()> {
        Err(StreamError::trap("a replay's stand-in stream was written"))
    }
    fn flush(&mut self) -> StreamResult<()> {
        Err(StreamError::trap("a replay's stand-in stream was flushed"))
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Err(StreamError::trap("a replay's stand-in stream was written"))
    }
}

enum Mode {
    Plain,
    Record(Arc<Session>),
    Replay(Arc<Session>),
}

impl P2<'_> {
    fn mode(&self) -> Mode {
        match self.key.and_then(session::lookup) {
            None => Mode::Plain,
            Some(session) if session.is_recording() => Mode::Record(session),
            Some(session) => Mode::Replay(session),
        }
    }

    fn table(&mut self) -> &mut ResourceTable {
        self.view.table
    }

    fn clocks(&mut self) -> WasiClocksCtxView<'_> {
        WasiClocksCtxView { ctx: self.view.ctx.clocks(), table: self.view.table }
    }

    fn cli(&mut self) -> WasiCliCtxView<'_> {
        WasiCliCtxView { ctx: self.view.ctx.cli(), table: self.view.table }
    }

    fn random(&mut self) -> &mut wasmtime_wasi::random::WasiRandomCtx {
        self.view.ctx.random()
    }

    /// A call whose result the trace holds as is.
    fn call<R: Wire>(&mut self, func: u16, args: &[W], real: impl FnOnce(&mut Self) -> wasmtime::Result<R>) -> wasmtime::Result<R> {
        self.call_with(func, args, real, |_, recorded| Ok(recorded))
    }

    /// A call whose replay does more than return the recorded result
    /// (`replay` gets it and gives the guest's; an `Err` is a divergence).
    fn call_with<R: Wire, Out>(
        &mut self,
        func: u16,
        args: &[W],
        real: impl FnOnce(&mut Self) -> wasmtime::Result<Out>,
        replay: impl FnOnce(&mut Self, R) -> std::result::Result<Out, String>,
    ) -> wasmtime::Result<Out>
    where
        Out: Recordable<R>,
    {
        match self.mode() {
            Mode::Plain => real(self),
            Mode::Record(session) => {
                let result = real(self);
                let mut state = session.lock_live().map_err(to_wasmtime)?;
                let recorded = record(&mut state, func, args, &result);
                recorded.map_err(|e| to_wasmtime(state.fail(e)))?;
                result
            }
            Mode::Replay(session) => {
                let mut state = session.lock_live().map_err(to_wasmtime)?;
                let (index, outcome) = serve(&mut state, func, args).map_err(|e| to_wasmtime(state.fail(e)))?;
                let result = match outcome {
                    P2Outcome::Returned(values) => values,
                    P2Outcome::Trapped(message) => return Err(wasmtime::format_err!("{message}")),
                    P2Outcome::Exited(status) => return Err(wasmtime::Error::new(I32Exit(status as i32))),
                };
                let name = FUNCS[usize::from(func)];
                let value = single(&result)
                    .and_then(|w| R::from_w(w).ok_or_else(|| format!("the recorded result {} does not fit", result.single_text())))
                    .and_then(|value| replay(self, value));
                value.map_err(|message| to_wasmtime(state.fail(divergence(index, format!("WASI function `{name}`: {message}")))))
            }
        }
    }

    /// A stream operation: its stream error is part of its result, a trap
    /// its outcome.
    fn stream<T: Wire>(&mut self, func: u16, args: &[W], real: impl FnOnce(&mut Self) -> StreamResult<T>) -> StreamResult<T> {
        let result = self.call::<Streamed<T>>(func, args, |p2| match real(p2) {
            Ok(value) => Ok(Streamed::Done(value)),
            Err(StreamError::Closed) => Ok(Streamed::Closed),
            Err(StreamError::LastOperationFailed(error)) => Ok(Streamed::Failed(format!("{error:#}"))),
            Err(StreamError::Trap(error)) => Err(error),
        });
        match result {
            Ok(Streamed::Done(value)) => Ok(value),
            Ok(Streamed::Closed) => Err(StreamError::Closed),
            Ok(Streamed::Failed(message)) => Err(StreamError::LastOperationFailed(wasmtime::format_err!("{message}"))),
            Err(error) => Err(StreamError::Trap(error)),
        }
    }

    /// A call that makes a resource: a replay pushes a stand-in.
    fn make<T: Send + 'static>(
        &mut self,
        func: u16,
        real: impl FnOnce(&mut Self) -> wasmtime::Result<Resource<T>>,
        stand_in: impl FnOnce() -> T,
    ) -> wasmtime::Result<Resource<T>> {
        self.call_with::<Made, _>(func, &[], real, |p2, Made(rep)| p2.stand_in(rep, stand_in()))
    }

    /// Pushes a stand-in where the recording had resource `rep`.
    fn stand_in<T: Send + 'static>(&mut self, rep: u32, value: T) -> std::result::Result<Resource<T>, String> {
        let made = self.table().push(value).map_err(|e| e.to_string())?;
        match made.rep() == rep {
            true => Ok(made),
            false => Err(format!("the recording's host made resource #{rep}, this replay #{}", made.rep())),
        }
    }
}

fn record<Out: Recordable<R>, R>(state: &mut State, func: u16, args: &[W], result: &wasmtime::Result<Out>) -> Result<()> {
    let Role::Record(recorder) = &mut state.role else { return Ok(()) };
    let outcome = match result {
        Ok(value) => P2Outcome::Returned(Encoded::of(&[value.recorded()], &mut ())?),
        Err(error) => match error.downcast_ref::<I32Exit>() {
            Some(exit) => P2Outcome::Exited(exit.0 as u32),
            None => P2Outcome::Trapped(format!("{error:#}")),
        },
    };
    let call = WasiP2Call { func, args: Encoded::of(args, &mut ())?, outcome };
    recorder.writer.record(&Event::Component(ComponentEvent::Wasi(call)))
}

/// The recorded outcome of this call, after checking that the trace has
/// this call here.
fn serve(state: &mut State, func: u16, args: &[W]) -> Result<(u64, P2Outcome)> {
    let name = FUNCS[usize::from(func)];
    let State { role: Role::Replay(replayer), components, .. } = state else {
        return Err(RrError::new(ErrorKind::InvalidArgument, "the store is not replaying"));
    };
    let (index, event) = next_action(replayer)?;
    let Event::Component(ComponentEvent::Wasi(call)) = event else {
        return Err(role_mismatch(index, replayer, &event, &format!("the guest calls WASI function `{name}`")));
    };
    if call.func != func {
        return Err(divergence(
            index,
            format!("expected a call of WASI function `{}`, but the guest calls `{name}`", call.name()),
        ));
    }
    let actual = Encoded::of(args, &mut ())?;
    if call.args != actual {
        return Err(divergence(
            index,
            format!("WASI function `{name}` was called with {} in the recording, but with {actual} now", call.args),
        ));
    }
    if replayer.echo
        && matches!(func, func::WRITE | func::BLOCKING_WRITE_AND_FLUSH)
        && let [W::Handle(_, rep), W::Bytes(bytes)] = args
        && let Some(fd) = components.stdio.get(rep)
    {
        crate::rr::wasi::echo_text(*fd, bytes);
    }
    Ok((index, call.outcome))
}

/// Notes (replaying) that stand-in `rep` is stdout or stderr, so writes to
/// it are echoed when the replayer echoes; `None` forgets it (dropped).
fn note_stdio(p2: &P2<'_>, rep: u32, fd: Option<u64>) {
    if let Mode::Replay(session) = p2.mode()
        && let Ok(mut state) = session.lock()
    {
        match fd {
            Some(fd) => state.components.stdio.insert(rep, fd),
            None => state.components.stdio.remove(&rep),
        };
    }
}

fn unsupported_trap(what: &str) -> wasmtime::Error {
    to_wasmtime(RrError::new(ErrorKind::Unsupported, what.to_string()))
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_function_has_its_number() {
        assert_eq!(FUNCS.len(), usize::from(func::READ_DIRECTORY_ENTRY) + 1);
        assert_eq!(FUNCS[usize::from(func::OPEN_AT)], "wasi:filesystem/types#[method]descriptor.open-at");
        assert_eq!(FUNCS[usize::from(func::READ_AT)], "wasi:filesystem/types#[method]descriptor.read");
        assert_eq!(FUNCS[usize::from(func::BLOCKING_WRITE_AND_FLUSH)], "wasi:io/streams#[method]output-stream.blocking-write-and-flush");
        assert_eq!(FUNCS[usize::from(func::TERMINAL_STDERR)], "wasi:cli/terminal-stderr#get-terminal-stderr");
    }
}
