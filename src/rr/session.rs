//! A recording or replay session: the state that belongs to exactly one store.
//!
//! Sessions live in a registry keyed by the store's context address (the
//! value of `wasmtime_context_t*`, stable for the store's lifetime). Attaching
//! a session also puts a guard into the store, as the captured state of a host
//! function that is never called: the store owns it, so when the store is
//! freed the guard's `Drop` runs, marks the session detached, removes it from
//! the registry and closes its trace. Nothing is left for a later store at the
//! same address to pick up.

use crate::error::{ErrorKind, Result, RrError};
use crate::rr::modules;
use crate::trace::component::ComponentEvent;
use crate::trace::event::{EndStatus, Event, Signature, Values};
use crate::trace::{TraceReader, TraceWriter};
use crate::rr::values::FuncKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use crate::rr::stores::{Held, LastUsed, StoreCell, StoreRef};
use std::sync::{Arc, Mutex, OnceLock};
use wasmtime::{AsContextMut, Func, Memory};
use wasmtime_c_api::WasmtimeStoreContextMut;

/// What a session does with its trace.
pub enum Role {
    Record(Recorder),
    Replay(Replayer),
    /// The session ended; its trace (and the sink or source with the host's
    /// callback data) has been released.
    Closed,
}

pub struct Recorder {
    pub writer: TraceWriter,
    /// Trace id of each host function defined so far, keyed by the address
    /// of its name cell (one per definition): no string work per call.
    pub imports: HashMap<usize, u32>,
    /// Hand everything to the destination when each call into the guest
    /// returns (recordings switched on from the environment, whose hosts
    /// may exit without finishing).
    pub flush_each_call: bool,
}

pub struct Replayer {
    pub reader: TraceReader,
    /// The next event not yet consumed, with its index (definitions are
    /// consumed by the reader).
    pub peeked: Option<(u64, Event)>,
    /// Whether recorded WASI output to stdout and stderr is written to this
    /// process's stdout and stderr as it is replayed.
    pub echo: bool,
}

/// An export of an instance created through the RR-aware functions.
pub struct ExportSlot {
    pub func: Func,
    pub instance: u32,
    pub name: String,
    pub signature: Signature,
    /// Trace id, assigned when first recorded.
    pub id: Option<u32>,
}

/// A host function created by `wasmtime_rr_func_new`: its import name is
/// learned when an RR-aware instantiation imports it.
#[derive(Default)]
pub struct HostName(pub OnceLock<(String, String)>);

pub struct State {
    pub role: Role,
    /// Instances created so far (the next instance's ordinal).
    pub instances: u32,
    pub exports: HashMap<FuncKey, ExportSlot>,
    /// Exported memories, in the order their instances were created: a
    /// memory's trace index is its position here.
    pub memories: Vec<Memory>,
    pub host_funcs: HashMap<FuncKey, Arc<HostName>>,
    /// Writes made by the host function running now, recorded with its return.
    pub pending_writes: Vec<crate::trace::event::MemoryWrite>,
    /// Reused buffer for the values of a host call, so recording one does not
    /// allocate.
    pub scratch: Vec<crate::trace::event::Value>,
    /// The first divergence or trace failure; sticky, reported by every later
    /// RR-aware call on this store.
    pub failure: Option<RrError>,
    /// Copies of memory for capturing the host's raw writes, when the
    /// recording's shadow-memory setting is on.
    pub shadow: Option<crate::rr::shadow::Shadow>,
    /// What the session knows of components: their exports, host functions
    /// and resources.
    pub components: crate::rr::components::ComponentState,
}

impl State {
    /// A memory's trace index. Memories are told apart by their base address
    /// (unique among a store's live memories); their handles have padding
    /// bytes, so their raw bytes are no identity.
    pub fn memory_index(&self, memory: &Memory, store: impl wasmtime::AsContext) -> Option<u32> {
        let store = store.as_context();
        let base = memory.data_ptr(&store);
        self.memories.iter().position(|m| m.data_ptr(&store) == base).map(|i| i as u32)
    }

    pub fn check_failure(&self) -> Result<()> {
        self.failure.clone().map_or(Ok(()), Err)
    }

    /// Records the first failure and returns it.
    pub fn fail(&mut self, error: RrError) -> RrError {
        self.failure.get_or_insert(error).clone()
    }
}

pub struct Session {
    key: usize,
    /// Unique for the process's lifetime (unlike `key`, which a later store
    /// may reuse): what per-definition caches are tagged with.
    pub serial: u64,
    /// Fixed at attach: recording (else replaying). Read without the lock.
    recording: bool,
    /// Fixed at attach: a recording that keeps host-call arguments.
    validation: bool,
    /// Fixed at attach: the trace captures the host's raw memory writes.
    shadow: bool,
    /// For a session the environment switch attached: its trace's path. Such
    /// a session ends normally when its store is freed or the process exits.
    auto: Option<String>,
    detached: AtomicBool,
    /// How many of its host functions are running (nested: a host function
    /// called by a guest that a host function called, which is refused).
    host_depth: std::sync::atomic::AtomicU32,
    state: StoreCell<State>,
}

impl Session {
    /// The session's state. A store is used by one thread at a time, so the
    /// state is never busy but when a call re-enters the library from inside
    /// one of its own operations on this store (a trace callback calling
    /// back, say): refused with an error rather than a deadlock.
    #[inline]
    pub fn lock(&self) -> Result<StoreRef<'_, State>> {
        self.state.borrow().ok_or_else(busy)
    }

    /// The state of a session that has not failed (its first failure
    /// otherwise): what a host call inside the guest checks before it goes on.
    pub fn lock_live(&self) -> Result<StoreRef<'_, State>> {
        let state = self.lock()?;
        state.check_failure()?;
        Ok(state)
    }

    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Whether this is a recording that keeps host-call arguments.
    pub fn validation(&self) -> bool {
        self.validation
    }

    /// Whether the trace captures the host's raw memory writes.
    pub fn shadow(&self) -> bool {
        self.shadow
    }

    /// Ends the session: writes the end marker (recording) with `status`.
    fn close(&self, status: EndStatus) -> Result<()> {
        let mut state = self.lock()?;
        if self.detached.load(Ordering::Acquire) {
            return Ok(());
        }
        // The end marker is written while the session is still registered and
        // its state borrowed: whatever the sink's callback calls on this store
        // meanwhile is refused ("in the middle of another operation"), never
        // run unrecorded.
        let ended = match &mut state.role {
            Role::Record(recorder) if !recorder.writer.is_ended() => recorder.writer.finish(status),
            _ => Ok(()),
        };
        self.detached.store(true, Ordering::Release);
        registry().lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key);
        // Release the trace now (closing the file, running the host's
        // finalizer), not when the last cached reference goes.
        state.role = Role::Closed;
        drop(state);
        // This thread's cache lets go of the session too; other threads'
        // caches do at their next lookup. (At process exit the cache may be
        // gone already.)
        let _ = LAST.try_with(|last| last.forget(self));
        ended
    }
}

fn registry() -> &'static Mutex<HashMap<usize, Arc<Session>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<usize, Arc<Session>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

thread_local! {
    /// The session this thread used last: host calls look it up without
    /// taking the registry lock.
    static LAST: LastUsed<Session> = const { LastUsed::new() };
}

pub use crate::rr::stores::key_of;

#[cold]
fn busy() -> RrError {
    RrError::invalid_argument(
        "this store's recording or replay is in the middle of another operation: a call from inside \
         one of its trace callbacks is refused",
    )
}

thread_local! {
    /// The store whose trace is being started on this thread (0: none):
    /// its header goes through the host's callback before the session is
    /// attached, and a callback calling back for that store is refused.
    static ATTACHING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Starts a store's trace (`body` writes or reads its header), marking the
/// store as busy meanwhile.
pub fn attaching<R>(key: usize, body: impl FnOnce() -> Result<R>) -> Result<R> {
    let outer = ATTACHING.replace(key);
    let result = body();
    ATTACHING.set(outer);
    result
}

/// Refuses a call for a store whose trace is being started on this thread.
pub fn refuse_while_attaching(key: usize) -> Result<()> {
    match ATTACHING.get() == key {
        true => Err(busy()),
        false => Ok(()),
    }
}

/// Runs a host function of `session`, marking the session as inside it.
pub fn in_host_call<R>(session: &Session, body: impl FnOnce() -> R) -> R {
    // A store is used by one thread at a time: plain loads and stores of the
    // depth suffice (no read-modify-write, no lock prefix on the hot path).
    let depth = session.host_depth.load(Ordering::Relaxed);
    session.host_depth.store(depth + 1, Ordering::Relaxed);
    let result = body();
    session.host_depth.store(depth, Ordering::Relaxed);
    result
}

impl Session {
    /// Whether one of this session's host functions is running.
    pub fn in_host_call(&self) -> bool {
        self.host_depth.load(Ordering::Relaxed) != 0
    }
}

/// Runs `body` with the live session attached to the store with this key,
/// if any. The hot path (the store this thread used last) borrows the cached
/// session without touching a reference count.
#[inline(always)]
pub fn with<R>(key: usize, body: impl FnOnce(Option<&Arc<Session>>) -> R) -> R {
    body(current(key).as_deref())
}

/// The live session attached to the store with this key, if any, held
/// (pinned in this thread's cache) for as long as the caller keeps it: the
/// hot paths' form of [`with`].
#[inline(always)]
pub fn current(key: usize) -> Option<Held<Session>> {
    LastUsed::of(&LAST).get(|s| s.key == key && !s.detached.load(Ordering::Acquire), || find(key))
}

/// The live session attached to the store with this key, if any.
pub fn lookup(key: usize) -> Option<Arc<Session>> {
    with(key, |session| session.cloned())
}

/// How many sessions were ever attached: a store found without one stays
/// without one until this changes.
static ATTACHED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    /// The store this thread last found without a session, and the count of
    /// attached sessions then: a store of a recording engine that records
    /// nothing (WASI calls on it, say) does not take the registry lock per call.
    static NONE_FOR: std::cell::Cell<(usize, u64)> = const { std::cell::Cell::new((0, u64::MAX)) };
}

/// Looks a session up in the registry, unless this thread found none for
/// this store since the last attach.
#[inline(never)]
fn find(key: usize) -> Option<Arc<Session>> {
    if NONE_FOR.get() == (key, ATTACHED.load(Ordering::Acquire)) {
        return None;
    }
    let sessions = registry().lock().unwrap_or_else(|p| p.into_inner());
    let found = sessions.get(&key).cloned();
    if found.is_none() {
        NONE_FOR.set((key, ATTACHED.load(Ordering::Acquire)));
    }
    found
}

/// Dropped with the store: closes a session the host never finished.
struct StoreGuard(Arc<Session>);

impl Drop for StoreGuard {
    fn drop(&mut self) {
        if self.0.auto.is_some() {
            self.0.end_auto();
            return;
        }
        // Nothing to report to: the store is going away. The end marker says
        // the recording was cut off, so a reader can tell.
        let _ = self.0.close(EndStatus::StoreDropped);
    }
}

impl Session {
    /// Ends a session the environment switch attached, as finishing it
    /// would; what goes wrong is said on stderr (nobody else can hear it).
    fn end_auto(&self) {
        let leftover = self.lock().and_then(|mut state| {
            let failure = state.failure.clone();
            match &mut state.role {
                Role::Replay(replayer) => expect_end(replayer, failure),
                _ => failure.map_or(Ok(()), Err),
            }
        });
        let closed = self.close(EndStatus::Finished);
        if let Err(error) = leftover.and(closed) {
            let label = self.auto.as_deref().unwrap_or("a trace");
            eprintln!("wasmtime-rr: {label}: {}", error.message());
        }
    }
}

/// At process exit: ends every session the environment switch attached
/// whose store is still alive.
pub fn finish_all_at_exit() {
    let sessions: Vec<Arc<Session>> = registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .filter(|s| s.auto.is_some())
        .cloned()
        .collect();
    for session in sessions {
        session.end_auto();
    }
}

/// Attaches a new session to a store.
pub fn attach(mut context: WasmtimeStoreContextMut<'_>, role: Role, auto: Option<String>) -> Result<()> {
    crate::rr::stores::learn_data_offset(&mut context);
    let shadow = match &role {
        Role::Record(recorder) => recorder.writer.settings().shadow,
        Role::Replay(replayer) => replayer.reader.header().settings.shadow,
        Role::Closed => false,
    };
    let key = key_of(&context);
    if lookup(key).is_some() {
        return Err(RrError::invalid_argument(
            "this store already has a recorder or replayer attached (finish it first)",
        ));
    }
    static SERIALS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let session = Arc::new(Session {
        key,
        serial: SERIALS.fetch_add(1, Ordering::Relaxed),
        recording: matches!(role, Role::Record(_)),
        validation: matches!(&role, Role::Record(recorder) if recorder.writer.settings().validation),
        shadow,
        auto,
        detached: AtomicBool::new(false),
        host_depth: Default::default(),
        state: StoreCell::new(State {
            role,
            instances: 0,
            exports: HashMap::new(),
            memories: Vec::new(),
            host_funcs: HashMap::new(),
            pending_writes: Vec::new(),
            scratch: Vec::new(),
            failure: None,
            shadow: shadow.then(Default::default),
            components: Default::default(),
        }),
    });
    let guard = StoreGuard(session.clone());
    // The store owns this closure (and so the guard) until it is freed.
    let _ = Func::wrap(context.as_context_mut(), move || {
        let _ = &guard;
    });
    let mut sessions = registry().lock().unwrap_or_else(|p| p.into_inner());
    sessions.insert(key, session);
    // Under the lock: a lookup that found nothing under an older count
    // looks again.
    ATTACHED.fetch_add(1, Ordering::Release);
    Ok(())
}

/// Finishes the session of a store: a recording gets its end marker and is
/// flushed; a replay must have consumed every event.
pub fn finish(context: &WasmtimeStoreContextMut<'_>) -> Result<()> {
    refuse_while_attaching(key_of(context))?;
    let session = lookup(key_of(context)).ok_or_else(|| {
        RrError::invalid_argument("this store has no recorder or replayer attached")
    })?;
    if session.in_host_call() {
        return Err(RrError::invalid_argument(
            "a recording or replay cannot be finished from inside one of its host functions",
        ));
    }
    let leftover = {
        let mut state = session.lock()?;
        let failure = state.failure.clone();
        match &mut state.role {
            Role::Record(_) => failure.map_or(Ok(()), Err),
            Role::Replay(replayer) => expect_end(replayer, failure),
            Role::Closed => Ok(()),
        }
    };
    let closed = session.close(EndStatus::Finished);
    leftover.and(closed)
}

/// Hands what a recording has so far to its destination.
pub fn flush(context: &WasmtimeStoreContextMut<'_>) -> Result<()> {
    refuse_while_attaching(key_of(context))?;
    let session = lookup(key_of(context)).ok_or_else(|| {
        RrError::invalid_argument("this store has no recorder or replayer attached")
    })?;
    let mut state = session.lock()?;
    if !matches!(state.role, Role::Record(_)) {
        return Ok(()); // a replay has nothing to hand over
    }
    state.check_failure()?;
    match &mut state.role {
        Role::Record(recorder) => recorder.writer.flush().map_err(|e| state.fail(e)),
        _ => Ok(()),
    }
}

/// Reads the next crossing from a replay (definitions are absorbed by the reader).
pub fn next_action(replayer: &mut Replayer) -> Result<(u64, Event)> {
    if let Some(peeked) = replayer.peeked.take() {
        return Ok(peeked);
    }
    loop {
        let index = replayer.reader.event_index();
        match replayer.reader.next()? {
            Some(
                Event::DefineImport { .. }
                | Event::DefineExport { .. }
                | Event::Component(
                    ComponentEvent::DefineImport { .. }
                    | ComponentEvent::DefineExport { .. }
                    | ComponentEvent::DefineResource { .. },
                ),
            ) => continue,
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
        Event::Instantiate { checksum } => {
            format!("instantiation of a module or component with sha256 {}", modules::hex(checksum))
        }
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
        Event::Component(event) => describe_component(codec, event),
        Event::End { status: EndStatus::Finished, .. } => "the end of the trace".to_string(),
        Event::End { status: EndStatus::StoreDropped, .. } => {
            "the end of the trace, which is INCOMPLETE: the recording's store was freed before the recording was finished"
                .to_string()
        }
        Event::DefineImport { .. } | Event::DefineExport { .. } => "a definition".to_string(),
    }
}

fn describe_component(codec: &crate::trace::event::Codec, event: &ComponentEvent) -> String {
    match event {
        ComponentEvent::Call { export, args } => match codec.component_exports.get(*export as usize) {
            Some((instance, name)) => {
                format!("call of component export `{name}` of instance #{instance} with {}", args)
            }
            None => format!("call of component export #{export}"),
        },
        ComponentEvent::HostCall(call) => match codec.component_imports.get(call.import as usize) {
            Some(name) => format!("call of component host function `{name}`"),
            None => format!("call of component import #{}", call.import),
        },
        ComponentEvent::Returned(values) => format!("return of {}", values),
        ComponentEvent::Wasi(call) => format!("call of WASI function `{}` with {}", call.name(), call.args),
        ComponentEvent::DefineImport { .. } | ComponentEvent::DefineExport { .. } | ComponentEvent::DefineResource { .. } => {
            "a definition".to_string()
        }
    }
}

pub fn role_mismatch(index: u64, replayer: &Replayer, event: &Event, happened: &str) -> RrError {
    divergence(index, format!("expected {}, but {happened}", describe(replayer, event)))
}

/// A divergence error naming the event index.
pub fn divergence(index: u64, message: impl std::fmt::Display) -> RrError {
    RrError::new(ErrorKind::Divergence, format!("replay diverged at event #{index}: {message}"))
}
