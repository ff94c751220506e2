//! WASI preview 2 under record/replay.
//!
//! [`define`] gives a component linker the interfaces of `wasi:cli/command`
//! (what the stock `wasmtime_component_linker_add_wasip2` adds), with every
//! function through which the outside world reaches the guest wrapped:
//! clocks, random, environment, exit, stdio streams and pollables, terminal
//! queries and preopens. Each wrapper calls wasmtime-wasi's own
//! implementation:
//! - on a store with nothing attached it is that implementation;
//! - while recording it runs it and records the call: the function, the
//!   arguments that shape the result (lengths, bytes written, handles) and
//!   the result, trap or exit;
//! - while replaying it runs nothing that reads the outside world: it checks
//!   the call against the trace and returns the recorded result. Resources
//!   the host made (streams, terminals, pollables) are made again as inert
//!   stand-ins, in the same order, so the guest's handles are the same
//!   numbers; a replay checks that they are.
//!
//! What is not wrapped cannot reach the outside world in a recording: the
//! filesystem's descriptors come only from preopens (refused while recording
//! or replaying, see [`preopens_refused`]), sockets need the network from
//! `instance-network` (refused too), and `subscribe` and `drop` only move
//! resources in the guest's table, which a replay repeats.
//!
//! Calls are `ComponentEvent::Wasi` events (`trace::wasip2`).

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::session::{self, Role, Session, State, divergence, next_action, role_mismatch};
use crate::rr::wasi::context;
use crate::trace::component::{Build, ComponentEvent, Encode, Encoded, Node, Shape, View};
use crate::trace::event::Event;
use crate::trace::wasip2::{FUNCS, P2Outcome, WasiP2Call};
use crate::trace::wire::malformed;
use std::sync::Arc;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use wasmtime_c_api::WasmtimeStoreData;
use wasmtime_wasi::cli::WasiCliCtxView;
use wasmtime_wasi::clocks::WasiClocksCtxView;
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemCtxView};
use wasmtime_wasi::p2::bindings::sync::io::{poll, streams};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sockets};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, InputStream, OutputStream, Pollable, StreamError, StreamResult};
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

fn filesystem_of(data: &mut WasmtimeStoreData) -> WasiFilesystemCtxView<'_> {
    let view = ctx_of(data);
    WasiFilesystemCtxView { ctx: view.ctx.filesystem(), table: view.table }
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
    clocks::wall_clock::add_to_linker::<T, Recorded>(l, recorded)?;
    clocks::monotonic_clock::add_to_linker::<T, Recorded>(l, recorded)?;
    filesystem::preopens::add_to_linker::<T, Recorded>(l, recorded)?;
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
    blocking::filesystem::types::add_to_linker::<T, WasiFilesystem>(l, filesystem_of)?;
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

/// A value as the trace keeps WASI preview 2's arguments and results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum W {
    Bool(bool),
    U8(u8),
    U32(u32),
    U64(u64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<W>),
    Tuple(Vec<W>),
    Record(Vec<(String, W)>),
    Option(Option<Box<W>>),
    Result(bool, Option<Box<W>>),
    Variant(String, Option<Box<W>>),
    /// A resource handle (its number in the guest's table): owned or borrowed.
    Handle(bool, u32),
}

impl Encode for W {
    type Numbering = ();
    fn view(&self, _: &mut ()) -> Result<View<'_, W>> {
        Ok(match self {
            W::Bool(v) => Shape::Bool(*v),
            W::U8(v) => Shape::U8(*v),
            W::U32(v) => Shape::U32(*v),
            W::U64(v) => Shape::U64(*v),
            W::Str(s) => Shape::String(s),
            W::Bytes(b) => Shape::Bytes(b),
            W::List(items) => Shape::List(items),
            W::Tuple(items) => Shape::Tuple(items),
            W::Record(fields) => Shape::Record(fields),
            W::Option(v) => Shape::Option(v.as_deref()),
            W::Result(ok, v) => Shape::Result(*ok, v.as_deref()),
            W::Variant(case, v) => Shape::Variant(case, v.as_deref()),
            W::Handle(owned, rep) => Shape::Resource { owned: *owned, handle: *rep },
        })
    }
}

/// Builds [`W`]s from a trace.
struct Decode;

impl Build for Decode {
    type Out = W;
    fn make(&mut self, node: Node<'_, W>) -> Result<W> {
        let boxed = |v: Option<W>| v.map(Box::new);
        Ok(match node {
            Shape::Bool(v) => W::Bool(v),
            Shape::U8(v) => W::U8(v),
            Shape::U32(v) => W::U32(v),
            Shape::U64(v) => W::U64(v),
            Shape::String(s) => W::Str(s.to_string()),
            Shape::Bytes(b) => W::Bytes(b.to_vec()),
            Shape::List(items) => W::List(items),
            Shape::Tuple(items) => W::Tuple(items),
            Shape::Record(fields) => W::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect()),
            Shape::Option(v) => W::Option(boxed(v)),
            Shape::Result(ok, v) => W::Result(ok, boxed(v)),
            Shape::Variant(case, v) => W::Variant(case.to_string(), boxed(v)),
            Shape::Resource { owned, handle } => W::Handle(owned, handle),
            _ => return Err(malformed("a value of a type no WASI preview 2 function returns")),
        })
    }
}

/// A Rust value of a WASI function's signature, as the trace keeps it.
trait Wire: Sized {
    fn to_w(&self) -> W;
    /// `None`: the recorded value does not have this type.
    fn from_w(w: W) -> Option<Self>;
}

impl Wire for () {
    fn to_w(&self) -> W {
        W::Tuple(Vec::new())
    }
    fn from_w(w: W) -> Option<()> {
        matches!(w, W::Tuple(ref items) if items.is_empty()).then_some(())
    }
}

impl Wire for bool {
    fn to_w(&self) -> W {
        W::Bool(*self)
    }
    fn from_w(w: W) -> Option<bool> {
        match w {
            W::Bool(v) => Some(v),
            _ => None,
        }
    }
}

impl Wire for u64 {
    fn to_w(&self) -> W {
        W::U64(*self)
    }
    fn from_w(w: W) -> Option<u64> {
        match w {
            W::U64(v) => Some(v),
            _ => None,
        }
    }
}

impl Wire for String {
    fn to_w(&self) -> W {
        W::Str(self.clone())
    }
    fn from_w(w: W) -> Option<String> {
        match w {
            W::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Wire for Vec<u8> {
    fn to_w(&self) -> W {
        W::Bytes(self.clone())
    }
    fn from_w(w: W) -> Option<Vec<u8>> {
        match w {
            W::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl Wire for Vec<u32> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(|v| W::U32(*v)).collect())
    }
    fn from_w(w: W) -> Option<Vec<u32>> {
        list(w, |item| match item {
            W::U32(v) => Some(v),
            _ => None,
        })
    }
}

impl Wire for Vec<String> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(Wire::to_w).collect())
    }
    fn from_w(w: W) -> Option<Vec<String>> {
        list(w, String::from_w)
    }
}

impl Wire for Vec<(String, String)> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(|(k, v)| W::Tuple(vec![k.to_w(), v.to_w()])).collect())
    }
    fn from_w(w: W) -> Option<Vec<(String, String)>> {
        list(w, |item| match item {
            W::Tuple(pair) => {
                let [k, v]: [W; 2] = pair.try_into().ok()?;
                Some((String::from_w(k)?, String::from_w(v)?))
            }
            _ => None,
        })
    }
}

impl Wire for Option<String> {
    fn to_w(&self) -> W {
        W::Option(self.as_ref().map(|s| Box::new(s.to_w())))
    }
    fn from_w(w: W) -> Option<Option<String>> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(s)) => Some(Some(String::from_w(*s)?)),
            _ => None,
        }
    }
}

impl Wire for (u64, u64) {
    fn to_w(&self) -> W {
        W::Tuple(vec![W::U64(self.0), W::U64(self.1)])
    }
    fn from_w(w: W) -> Option<(u64, u64)> {
        match w {
            W::Tuple(pair) => {
                let [a, b]: [W; 2] = pair.try_into().ok()?;
                Some((u64::from_w(a)?, u64::from_w(b)?))
            }
            _ => None,
        }
    }
}

impl Wire for clocks::wall_clock::Datetime {
    fn to_w(&self) -> W {
        W::Record(vec![("seconds".into(), W::U64(self.seconds)), ("nanoseconds".into(), W::U32(self.nanoseconds))])
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Record(fields) => match <[(String, W); 2]>::try_from(fields).ok()? {
                [(s, W::U64(seconds)), (n, W::U32(nanoseconds))] if s == "seconds" && n == "nanoseconds" => {
                    Some(clocks::wall_clock::Datetime { seconds, nanoseconds })
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// A resource a host function made: recorded as its handle number; a
/// replay makes a stand-in and checks that it got the same number.
struct Made(u32);

impl Wire for Made {
    fn to_w(&self) -> W {
        W::Handle(true, self.0)
    }
    fn from_w(w: W) -> Option<Made> {
        match w {
            W::Handle(true, rep) => Some(Made(rep)),
            _ => None,
        }
    }
}

impl Wire for Option<Made> {
    fn to_w(&self) -> W {
        W::Option(self.as_ref().map(|m| Box::new(m.to_w())))
    }
    fn from_w(w: W) -> Option<Option<Made>> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(m)) => Some(Some(Made::from_w(*m)?)),
            _ => None,
        }
    }
}

/// What a stream operation returns, as the trace keeps it (a trap is the
/// event's outcome instead).
enum Streamed<T> {
    Done(T),
    Closed,
    Failed(String),
}

impl<T: Wire> Wire for Streamed<T> {
    fn to_w(&self) -> W {
        match self {
            Streamed::Done(v) => W::Result(true, Some(Box::new(v.to_w()))),
            Streamed::Closed => W::Result(false, Some(Box::new(W::Variant("closed".into(), None)))),
            Streamed::Failed(message) => W::Result(
                false,
                Some(Box::new(W::Variant("last-operation-failed".into(), Some(Box::new(W::Str(message.clone())))))),
            ),
        }
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Result(true, Some(v)) => Some(Streamed::Done(T::from_w(*v)?)),
            W::Result(false, Some(e)) => match *e {
                W::Variant(case, None) if case == "closed" => Some(Streamed::Closed),
                W::Variant(case, Some(m)) if case == "last-operation-failed" => Some(Streamed::Failed(String::from_w(*m)?)),
                _ => None,
            },
            _ => None,
        }
    }
}

fn list<T>(w: W, item: impl Fn(W) -> Option<T>) -> Option<Vec<T>> {
    match w {
        W::List(items) => items.into_iter().map(item).collect(),
        _ => None,
    }
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
                let mut state = session.lock().map_err(to_wasmtime)?;
                state.check_failure().map_err(to_wasmtime)?;
                let recorded = record(&mut state, func, args, &result);
                recorded.map_err(|e| to_wasmtime(state.fail(e)))?;
                result
            }
            Mode::Replay(session) => {
                let mut state = session.lock().map_err(to_wasmtime)?;
                state.check_failure().map_err(to_wasmtime)?;
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

/// What a wrapped function returns, and what of it the trace keeps.
trait Recordable<R> {
    fn recorded(&self) -> W;
}

impl<R: Wire> Recordable<R> for R {
    fn recorded(&self) -> W {
        self.to_w()
    }
}

impl<T> Recordable<Made> for Resource<T> {
    fn recorded(&self) -> W {
        Made(self.rep()).to_w()
    }
}

impl<T> Recordable<Option<Made>> for Option<Resource<T>> {
    fn recorded(&self) -> W {
        self.as_ref().map(|r| Made(r.rep())).to_w()
    }
}

fn single(values: &Encoded) -> std::result::Result<W, String> {
    match values.decode(&mut Decode) {
        Ok(mut values) if values.len() == 1 => Ok(values.remove(0)),
        Ok(values) => Err(format!("the trace has {} results where there is one", values.len())),
        Err(error) => Err(error.message().to_string()),
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

/// Why preopened directories are refused while recording or replaying.
pub fn preopens_refused() -> &'static str {
    "WASI preview 2 filesystem access (preopened directories) is not recorded: a component store that records or \
     replays must have no preopened directories"
}

impl clocks::wall_clock::Host for P2<'_> {
    fn now(&mut self) -> wasmtime::Result<clocks::wall_clock::Datetime> {
        self.call(func::WALL_NOW, &[], |p2| clocks::wall_clock::Host::now(&mut p2.clocks()))
    }
    fn resolution(&mut self) -> wasmtime::Result<clocks::wall_clock::Datetime> {
        self.call(func::WALL_RESOLUTION, &[], |p2| clocks::wall_clock::Host::resolution(&mut p2.clocks()))
    }
}

impl clocks::monotonic_clock::Host for P2<'_> {
    fn now(&mut self) -> wasmtime::Result<u64> {
        self.call(func::MONOTONIC_NOW, &[], |p2| clocks::monotonic_clock::Host::now(&mut p2.clocks()))
    }
    fn resolution(&mut self) -> wasmtime::Result<u64> {
        self.call(func::MONOTONIC_RESOLUTION, &[], |p2| clocks::monotonic_clock::Host::resolution(&mut p2.clocks()))
    }
    fn subscribe_instant(&mut self, when: u64) -> wasmtime::Result<Resource<DynPollable>> {
        match self.mode() {
            Mode::Replay(_) => self.timer(),
            _ => clocks::monotonic_clock::Host::subscribe_instant(&mut self.clocks(), when),
        }
    }
    fn subscribe_duration(&mut self, duration: u64) -> wasmtime::Result<Resource<DynPollable>> {
        match self.mode() {
            Mode::Replay(_) => self.timer(),
            _ => clocks::monotonic_clock::Host::subscribe_duration(&mut self.clocks(), duration),
        }
    }
}

impl P2<'_> {
    /// A replay's timer: the same two table entries as the real one (the
    /// timer and its pollable); when it fires is served by `poll`.
    fn timer(&mut self) -> wasmtime::Result<Resource<DynPollable>> {
        let timer = self.table().push(StandIn)?;
        wasmtime_wasi::p2::subscribe(self.table(), timer)
    }
}

impl random::random::Host for P2<'_> {
    fn get_random_bytes(&mut self, len: u64) -> wasmtime::Result<Vec<u8>> {
        self.call(func::RANDOM_BYTES, &[W::U64(len)], |p2| random::random::Host::get_random_bytes(p2.random(), len))
    }
    fn get_random_u64(&mut self) -> wasmtime::Result<u64> {
        self.call(func::RANDOM_U64, &[], |p2| random::random::Host::get_random_u64(p2.random()))
    }
}

impl random::insecure::Host for P2<'_> {
    fn get_insecure_random_bytes(&mut self, len: u64) -> wasmtime::Result<Vec<u8>> {
        self.call(func::INSECURE_BYTES, &[W::U64(len)], |p2| {
            random::insecure::Host::get_insecure_random_bytes(p2.random(), len)
        })
    }
    fn get_insecure_random_u64(&mut self) -> wasmtime::Result<u64> {
        self.call(func::INSECURE_U64, &[], |p2| random::insecure::Host::get_insecure_random_u64(p2.random()))
    }
}

impl random::insecure_seed::Host for P2<'_> {
    fn insecure_seed(&mut self) -> wasmtime::Result<(u64, u64)> {
        self.call(func::INSECURE_SEED, &[], |p2| random::insecure_seed::Host::insecure_seed(p2.random()))
    }
}

impl cli::environment::Host for P2<'_> {
    fn get_environment(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        self.call(func::ENVIRONMENT, &[], |p2| cli::environment::Host::get_environment(&mut p2.cli()))
    }
    fn get_arguments(&mut self) -> wasmtime::Result<Vec<String>> {
        self.call(func::ARGUMENTS, &[], |p2| cli::environment::Host::get_arguments(&mut p2.cli()))
    }
    fn initial_cwd(&mut self) -> wasmtime::Result<Option<String>> {
        self.call(func::INITIAL_CWD, &[], |p2| cli::environment::Host::initial_cwd(&mut p2.cli()))
    }
}

impl cli::exit::Host for P2<'_> {
    fn exit(&mut self, status: std::result::Result<(), ()>) -> wasmtime::Result<()> {
        let arg = W::Result(status.is_ok(), None);
        self.call(func::EXIT, &[arg], |p2| cli::exit::Host::exit(&mut p2.cli(), status))
    }
    fn exit_with_code(&mut self, code: u8) -> wasmtime::Result<()> {
        self.call(func::EXIT_WITH_CODE, &[W::U8(code)], |p2| cli::exit::Host::exit_with_code(&mut p2.cli(), code))
    }
}

impl cli::stdin::Host for P2<'_> {
    fn get_stdin(&mut self) -> wasmtime::Result<Resource<DynInputStream>> {
        self.make(func::STDIN, |p2| cli::stdin::Host::get_stdin(&mut p2.cli()), || Box::new(StandIn) as DynInputStream)
    }
}

impl cli::stdout::Host for P2<'_> {
    fn get_stdout(&mut self) -> wasmtime::Result<Resource<DynOutputStream>> {
        let stream = self.make(func::STDOUT, |p2| cli::stdout::Host::get_stdout(&mut p2.cli()), || {
            Box::new(StandIn) as DynOutputStream
        })?;
        note_stdio(self, stream.rep(), Some(1));
        Ok(stream)
    }
}

impl cli::stderr::Host for P2<'_> {
    fn get_stderr(&mut self) -> wasmtime::Result<Resource<DynOutputStream>> {
        let stream = self.make(func::STDERR, |p2| cli::stderr::Host::get_stderr(&mut p2.cli()), || {
            Box::new(StandIn) as DynOutputStream
        })?;
        note_stdio(self, stream.rep(), Some(2));
        Ok(stream)
    }
}

impl cli::terminal_input::Host for P2<'_> {}
impl cli::terminal_input::HostTerminalInput for P2<'_> {
    fn drop(&mut self, terminal: Resource<cli::terminal_input::TerminalInput>) -> wasmtime::Result<()> {
        cli::terminal_input::HostTerminalInput::drop(&mut self.cli(), terminal)
    }
}

impl cli::terminal_output::Host for P2<'_> {}
impl cli::terminal_output::HostTerminalOutput for P2<'_> {
    fn drop(&mut self, terminal: Resource<cli::terminal_output::TerminalOutput>) -> wasmtime::Result<()> {
        cli::terminal_output::HostTerminalOutput::drop(&mut self.cli(), terminal)
    }
}

impl P2<'_> {
    /// A terminal query: whether stdio is a terminal is the outside world's.
    fn terminal<T: Send + 'static>(
        &mut self,
        func: u16,
        real: impl FnOnce(&mut Self) -> wasmtime::Result<Option<Resource<T>>>,
        stand_in: impl FnOnce() -> T,
    ) -> wasmtime::Result<Option<Resource<T>>> {
        self.call_with::<Option<Made>, _>(func, &[], real, |p2, made| match made {
            None => Ok(None),
            Some(Made(rep)) => p2.stand_in(rep, stand_in()).map(Some),
        })
    }
}

impl cli::terminal_stdin::Host for P2<'_> {
    fn get_terminal_stdin(&mut self) -> wasmtime::Result<Option<Resource<cli::terminal_input::TerminalInput>>> {
        self.terminal(
            func::TERMINAL_STDIN,
            |p2| cli::terminal_stdin::Host::get_terminal_stdin(&mut p2.cli()),
            || cli::terminal_input::TerminalInput,
        )
    }
}

impl cli::terminal_stdout::Host for P2<'_> {
    fn get_terminal_stdout(&mut self) -> wasmtime::Result<Option<Resource<cli::terminal_output::TerminalOutput>>> {
        self.terminal(
            func::TERMINAL_STDOUT,
            |p2| cli::terminal_stdout::Host::get_terminal_stdout(&mut p2.cli()),
            || cli::terminal_output::TerminalOutput,
        )
    }
}

impl cli::terminal_stderr::Host for P2<'_> {
    fn get_terminal_stderr(&mut self) -> wasmtime::Result<Option<Resource<cli::terminal_output::TerminalOutput>>> {
        self.terminal(
            func::TERMINAL_STDERR,
            |p2| cli::terminal_stderr::Host::get_terminal_stderr(&mut p2.cli()),
            || cli::terminal_output::TerminalOutput,
        )
    }
}

impl filesystem::preopens::Host for P2<'_> {
    fn get_directories(
        &mut self,
    ) -> wasmtime::Result<Vec<(Resource<wasmtime_wasi::filesystem::Descriptor>, String)>> {
        let real = |p2: &mut Self| {
            let view = &mut WasiFilesystemCtxView { ctx: p2.view.ctx.filesystem(), table: p2.view.table };
            filesystem::preopens::Host::get_directories(view)
        };
        if let Mode::Plain = self.mode() {
            return real(self);
        }
        // Only the empty list is ever recorded: a directory would open the
        // filesystem to the guest, unrecorded.
        self.call_with::<Vec<String>, _>(
            func::PREOPENS,
            &[],
            |p2| match real(p2)? {
                directories if directories.is_empty() => Ok(Vec::new()),
                _ => Err(unsupported_trap(preopens_refused())),
            },
            |_, recorded| match recorded.is_empty() {
                true => Ok(Vec::new()),
                false => Err("the trace has preopened directories, which a replay cannot serve".to_string()),
            },
        )
    }
}

impl<T> Recordable<Vec<String>> for Vec<(Resource<T>, String)> {
    fn recorded(&self) -> W {
        self.iter().map(|(_, name)| name.clone()).collect::<Vec<_>>().to_w()
    }
}

impl sockets::instance_network::Host for P2<'_> {
    fn instance_network(&mut self) -> wasmtime::Result<Resource<wasmtime_wasi::p2::Network>> {
        match self.mode() {
            Mode::Plain => {
                let view = &mut WasiSocketsCtxView { ctx: self.view.ctx.sockets(), table: self.view.table };
                sockets::instance_network::Host::instance_network(view)
            }
            _ => Err(unsupported_trap(
                "WASI preview 2 sockets are not recorded: a component that records or replays cannot have the network",
            )),
        }
    }
}

impl error::Host for P2<'_> {}
impl error::HostError for P2<'_> {
    fn to_debug_string(&mut self, err: Resource<wasmtime_wasi_io::streams::Error>) -> wasmtime::Result<String> {
        let arg = borrowed(&err);
        self.call(func::ERROR_DEBUG_STRING, &[arg], |p2| error::HostError::to_debug_string(p2.table(), err))
    }
    fn drop(&mut self, err: Resource<wasmtime_wasi_io::streams::Error>) -> wasmtime::Result<()> {
        error::HostError::drop(self.table(), err)
    }
}

fn handles(pollables: &[Resource<DynPollable>]) -> W {
    W::List(pollables.iter().map(borrowed).collect())
}

impl poll::Host for P2<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        let arg = handles(&pollables);
        self.call(func::POLL, &[arg], |p2| poll::Host::poll(p2.table(), pollables))
    }
}

impl poll::HostPollable for P2<'_> {
    fn ready(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<bool> {
        let arg = borrowed(&pollable);
        self.call(func::POLLABLE_READY, &[arg], |p2| poll::HostPollable::ready(p2.table(), pollable))
    }
    fn block(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        let arg = borrowed(&pollable);
        self.call(func::POLLABLE_BLOCK, &[arg], |p2| poll::HostPollable::block(p2.table(), pollable))
    }
    fn drop(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        poll::HostPollable::drop(self.table(), pollable)
    }
}

impl streams::Host for P2<'_> {
    fn convert_stream_error(&mut self, err: StreamError) -> wasmtime::Result<streams::StreamError> {
        streams::Host::convert_stream_error(self.table(), err)
    }
}

impl streams::HostInputStream for P2<'_> {
    fn drop(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<()> {
        streams::HostInputStream::drop(self.table(), stream)
    }
    fn read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::READ, &args, |p2| streams::HostInputStream::read(p2.table(), stream, len))
    }
    fn blocking_read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::BLOCKING_READ, &args, |p2| streams::HostInputStream::blocking_read(p2.table(), stream, len))
    }
    fn skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::SKIP, &args, |p2| streams::HostInputStream::skip(p2.table(), stream, len))
    }
    fn blocking_skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::BLOCKING_SKIP, &args, |p2| streams::HostInputStream::blocking_skip(p2.table(), stream, len))
    }
    fn subscribe(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<Resource<DynPollable>> {
        streams::HostInputStream::subscribe(self.table(), stream)
    }
}

impl streams::HostOutputStream for P2<'_> {
    fn drop(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<()> {
        note_stdio(self, stream.rep(), None);
        streams::HostOutputStream::drop(self.table(), stream)
    }
    fn check_write(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<u64> {
        let args = [borrowed(&stream)];
        self.stream(func::CHECK_WRITE, &args, |p2| streams::HostOutputStream::check_write(p2.table(), stream))
    }
    fn write(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        let args = [borrowed(&stream), W::Bytes(bytes.clone())];
        self.stream(func::WRITE, &args, |p2| streams::HostOutputStream::write(p2.table(), stream, bytes))
    }
    fn blocking_write_and_flush(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        let args = [borrowed(&stream), W::Bytes(bytes.clone())];
        self.stream(func::BLOCKING_WRITE_AND_FLUSH, &args, |p2| {
            streams::HostOutputStream::blocking_write_and_flush(p2.table(), stream, bytes)
        })
    }
    fn flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        let args = [borrowed(&stream)];
        self.stream(func::FLUSH, &args, |p2| streams::HostOutputStream::flush(p2.table(), stream))
    }
    fn blocking_flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        let args = [borrowed(&stream)];
        self.stream(func::BLOCKING_FLUSH, &args, |p2| streams::HostOutputStream::blocking_flush(p2.table(), stream))
    }
    fn write_zeroes(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::WRITE_ZEROES, &args, |p2| streams::HostOutputStream::write_zeroes(p2.table(), stream, len))
    }
    fn blocking_write_zeroes_and_flush(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::BLOCKING_WRITE_ZEROES_AND_FLUSH, &args, |p2| {
            streams::HostOutputStream::blocking_write_zeroes_and_flush(p2.table(), stream, len)
        })
    }
    fn splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&dst), borrowed(&src), W::U64(len)];
        self.stream(func::SPLICE, &args, |p2| streams::HostOutputStream::splice(p2.table(), dst, src, len))
    }
    fn blocking_splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&dst), borrowed(&src), W::U64(len)];
        self.stream(func::BLOCKING_SPLICE, &args, |p2| {
            streams::HostOutputStream::blocking_splice(p2.table(), dst, src, len)
        })
    }
    fn subscribe(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<Resource<DynPollable>> {
        streams::HostOutputStream::subscribe(self.table(), stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_function_has_its_number() {
        assert_eq!(FUNCS.len(), usize::from(func::PREOPENS) + 1);
        assert_eq!(FUNCS[usize::from(func::BLOCKING_WRITE_AND_FLUSH)], "wasi:io/streams#[method]output-stream.blocking-write-and-flush");
        assert_eq!(FUNCS[usize::from(func::TERMINAL_STDERR)], "wasi:cli/terminal-stderr#get-terminal-stderr");
    }

    #[test]
    fn results_read_back_as_recorded_and_others_do_not_fit() {
        let datetime = clocks::wall_clock::Datetime { seconds: 7, nanoseconds: 9 };
        let encoded = Encoded::of(&[datetime.to_w()], &mut ()).unwrap();
        let back = clocks::wall_clock::Datetime::from_w(single(&encoded).unwrap()).unwrap();
        assert_eq!((back.seconds, back.nanoseconds), (7, 9));
        assert_eq!(encoded.single_text(), "{seconds: 7, nanoseconds: 9}");
        let failed = Streamed::<Vec<u8>>::Failed("gone".into());
        let encoded = Encoded::of(&[failed.to_w()], &mut ()).unwrap();
        assert_eq!(encoded.single_text(), "err(last-operation-failed(\"gone\"))");
        assert!(matches!(Streamed::<Vec<u8>>::from_w(single(&encoded).unwrap()), Some(Streamed::Failed(m)) if m == "gone"));
        assert!(u64::from_w(W::Bytes(vec![1])).is_none());
        assert!(<(u64, u64)>::from_w(W::Tuple(vec![W::U64(1)])).is_none());
        let env = vec![("A".to_string(), "1".to_string())];
        assert_eq!(<Vec<(String, String)>>::from_w(env.to_w()), Some(env));
    }
}
