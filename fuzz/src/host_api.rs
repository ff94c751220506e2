//! The `host_api` target: sequences of calls over the record/replay host API
//! on one store, made through the library's exported C functions exactly as
//! a C host makes them, with the caller's mistakes mixed in.
//!
//! An input picks a mode:
//! - `Record`: a store records into a write callback that keeps the trace in
//!   memory; the script runs; the recording is finished; then the trace is
//!   replayed on a fresh store with the script's correct calls only.
//! - `Replay`: the script is recorded as above, then replayed in full (its
//!   mistakes included) from that trace, from a mutated copy of it (CRCs
//!   recomputed), from a cut copy, or from arbitrary bytes.
//! - `Nothing`: the script runs on a store with nothing attached, on an
//!   engine that records, replays or does neither.
//!
//! The script: instantiations (`wasmtime_rr_linker_instantiate` with host
//! functions right, of another type or missing; `wasmtime_rr_instance_new`
//! with imports of any kind and payload), export calls with any arity, value
//! kinds (invalid ones such as 9 and 255 included) and values
//! (`wasmtime_rr_func_call`), host writes into guest memory of any size and
//! offset (`wasmtime_rr_memory_write`), flushes and finishes, each with NULL
//! or misaligned pointers at will. Host functions run a list of actions that
//! may call back into the library for their own store (write memory, call an
//! export, instantiate, flush, finish), trap, or return results of the wrong
//! kind; the trace's write callback may call back once (finish, flush, a call,
//! a write) and may fail at a chosen write.
//!
//! A model classifies every call before it is made: correct (it must
//! succeed), a mistake (it must be refused with an error) or either. A call
//! that traps, or that a host function makes fail (an error of kind
//! `wasmtime`, as the stock `wasmtime_func_call` returns it), succeeded. A
//! call back into the library from a host function of a live recording or
//! replay, or from the trace's write callback, is a mistake (flushing aside);
//! with nothing attached, host functions may call the guest. The oracle:
//! - no error of kind `panic`, no abort, no hang (libFuzzer's `-timeout`);
//! - a correct call succeeds (traps allowed): after any mistake, a recording
//!   must still take the next correct call and finish, and its trace must
//!   replay the correct calls with the same results and finish;
//! - a mistake is refused (an error), and leaves no event in the trace;
//! - a replay from the unchanged trace of the full script, mistakes
//!   included, matches the recording call for call;
//! - the write callback's finalizer runs exactly once;
//! - no leak, heap bounded.
//!
//! Failures the host cannot cause by a mistake relax the "must succeed" part
//! from then on: the write callback reporting failure (the recording then
//! fails with `trace_io`, as documented) and a replay of a changed trace.
//!
//! Not generated, because no library can turn them into errors: fabricated
//! handles and references (they hold pointers), a shared-memory import's
//! payload (a pointer to a box), calls back into a store while it is being
//! freed. Not generated because Wasmtime's stock functions panic on them and
//! catch the panic themselves (a trap for the C host, a crash under
//! libFuzzer's panic hook): with nothing attached, a direct call of another
//! store's function, and results of the wrong kind from a stock host
//! function.
//!
//! `HOST_API_VERBOSE=1` prints every call each phase made and its result.

use crate::memory::check_bounded_and_leak_free;
use crate::take_error;
use crate::traces::{GUEST_WAT, reseal};
use arbitrary::{Arbitrary, Unstructured};
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;
use wasmtime::{Func, Global, Instance, Memory};
use wasmtime_c_api as capi;
use wasmtime_rr::error::{WASMTIME_RR_ERROR_KIND_PANIC, WASMTIME_RR_ERROR_KIND_WASMTIME};
use wasmtime_rr::ffi::config::{WASMTIME_RR_MODE_NONE, WASMTIME_RR_MODE_RECORDING, WASMTIME_RR_MODE_REPLAYING};
use wasmtime_rr::ffi::handles::wasmtime_context_t;
use wasmtime_rr::ffi::{config, engine, host_api, sinks};

/// Heap an input may hold at once: stores, instances, traces and write
/// buffers of at most a page and a bit.
const HEAP_LIMIT: usize = 256 << 20;
/// At most this many script operations, host actions, values and imports:
/// enough for every interleaving that matters, small enough to stay fast.
const MAX_OPS: usize = 48;
const MAX_ACTIONS: usize = 32;
const MAX_REENTRIES: usize = 3;
const MAX_VALUES: usize = 8;
const MAX_IMPORTS: usize = 8;
/// The guest's one memory: one page that never grows.
const MEMORY_BYTES: u64 = 65536;

// ---------------------------------------------------------------- the input

/// What libFuzzer's bytes decode to. Every list is read with a continuation
/// byte before each element (`Unstructured::arbitrary`, not `take_rest`), so
/// hand-written seeds and the fields after a list stay predictable.
#[derive(Debug)]
pub struct Input(pub Script);

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Input(Script::arbitrary(u)?))
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> arbitrary::Result<Self> {
        Self::arbitrary(&mut u)
    }
}

#[derive(Arbitrary, Debug)]
pub struct Script {
    pub mode: Mode,
    pub settings: Settings,
    pub sink: SinkPlan,
    /// The first instantiation, made before the operations.
    pub setup: Instantiate,
    /// What host functions do, one action per call, in call order; after the
    /// last, a plain return.
    pub host: Vec<HostAction>,
    pub ops: Vec<Op>,
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Mode {
    Record,
    Replay(Source),
    Nothing(Engine),
}

/// Where a replay in `Mode::Replay` reads its trace.
#[derive(Arbitrary, Debug, Clone)]
pub enum Source {
    Recorded,
    /// The recording with one byte changed and every CRC recomputed.
    Changed { at: u16, xor: u8 },
    /// The recording's first `keep` bytes.
    Cut { keep: u16 },
    Bytes(Vec<u8>),
}

/// The engine of a store with nothing attached.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    NoRecordReplay,
    Recording,
    Replaying,
}

#[derive(Arbitrary, Debug)]
pub struct Settings {
    pub validation: bool,
    pub digest: bool,
    /// Events per frame: `window % 17` (0 is refused, then the default).
    pub window: u8,
    pub flush: Flush,
}

#[derive(Arbitrary, Debug)]
pub enum Flush {
    EveryFrame,
    Default,
    Bytes(u16),
}

/// The trace's write callback: it fails (returns false) at write number
/// `fail_at`, and calls back into the library at write number `reenter.0`.
#[derive(Arbitrary, Debug)]
pub struct SinkPlan {
    pub fail_at: Option<u8>,
    pub reenter: Option<(u8, Op)>,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct HostAction {
    /// Calls into the library for the host function's own store, made before
    /// it returns.
    pub reenter: Vec<Op>,
    /// Return a trap instead of results.
    pub trap: bool,
    /// Return the first result with this kind instead of its own.
    pub wrong_kind: Option<u8>,
    /// The results' payload.
    pub value: u64,
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    Call(CallOp),
    Write(WriteOp),
    Flush(Ptr),
    Finish(Ptr),
    Instantiate(Instantiate),
}

/// How a pointer argument is passed.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ptr {
    Valid,
    Null,
    /// One byte past a valid object's start: misaligned, never dereferenced
    /// by a library that checks.
    Misaligned,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct CallOp {
    pub func: FuncChoice,
    pub args: Args,
    /// The number of results passed; `None` for the function's own.
    pub nresults: Option<u8>,
    pub store: Ptr,
    pub args_ptr: Ptr,
    pub results_ptr: Ptr,
    pub trap_ptr: Ptr,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum FuncChoice {
    Export { instance: u8, export: Export },
    /// A host function, called directly by the host.
    Host(u8),
    /// A function of another store.
    Foreign,
    /// A function of a store already freed.
    Dead,
    Null,
    Misaligned,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Run,
    Id,
    Trap,
    Boom,
    Getf,
}

const EXPORTS: [Export; 5] = [Export::Run, Export::Id, Export::Trap, Export::Boom, Export::Getf];

impl Export {
    fn name(self) -> &'static str {
        match self {
            Export::Run => "run",
            Export::Id => "id",
            Export::Trap => "trap",
            Export::Boom => "boom",
            Export::Getf => "getf",
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Args {
    /// The function's own parameter kinds, values from the payload.
    Right(u64),
    Values(Vec<Val>),
}

/// A value as C passes it: any kind byte. Reference kinds carry a null or a
/// real function (a fabricated reference would be undefined behaviour, not
/// a mistake a library can refuse); other kinds carry the bits.
#[derive(Arbitrary, Debug, Clone)]
pub struct Val {
    pub kind: u8,
    pub bits: [u8; 16],
    pub func: FuncRef,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum FuncRef {
    Null,
    Own(Export),
    Host(u8),
    Foreign,
    Dead,
}

#[derive(Arbitrary, Debug, Clone)]
pub struct WriteOp {
    pub store: Ptr,
    pub memory: MemChoice,
    pub offset: Offset,
    pub len: Len,
    /// `Misaligned` passes a pointer one byte into the buffer (bytes have no
    /// alignment: still a valid pointer).
    pub data: Ptr,
    pub byte: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum MemChoice {
    /// The memory of an instance of this store.
    Own(u8),
    /// A memory the host created in this store (`wasmtime_memory_new`).
    Host,
    Foreign,
    Dead,
    Null,
    Misaligned,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Offset {
    At(u16),
    FromEnd(u16),
    Raw(u64),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Len {
    Small(u8),
    Large(u16),
    /// More than the memory: 65536 + n.
    Over(u8),
}

#[derive(Arbitrary, Debug, Clone)]
pub struct Instantiate {
    pub store: Ptr,
    pub how: How,
}

#[derive(Arbitrary, Debug, Clone)]
pub enum How {
    /// `wasmtime_rr_linker_instantiate` with what each of the guest's four
    /// imports (now, fill, multi, fail) is defined as.
    Linker([Def; 4]),
    /// `wasmtime_rr_instance_new` with these imports (the right ones are
    /// `Host(0)`..`Host(3)` in order).
    Imports(Vec<Import>, Ptr),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Def {
    Right,
    Missing,
    /// Host function `n % 4` (of another type unless it is the right one).
    Host(u8),
    /// A global (`wasmtime_linker_define`).
    Global,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Import {
    Host(u8),
    Export(Export),
    HostMemory,
    OwnMemory,
    Global,
    Foreign,
    Dead,
    /// An extern of a kind that does not exist (6..=255) with any payload.
    BadKind { kind: u8, bits: [u8; 16] },
}

impl Op {
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

// ------------------------------------------------- engines, module, objects

/// The guest's imports: (name, parameter kinds, result kinds).
const HOSTS: [(&str, &[u8], &[u8]); 4] = [
    ("now", &[], &[I64]),
    ("fill", &[I32, I32], &[]),
    ("multi", &[I32], &[I32, I64, F32, F64]),
    ("fail", &[], &[]),
];
const I32: u8 = 0;
const I64: u8 = 1;
const F32: u8 = 2;
const F64: u8 = 3;
const V128: u8 = 4;
const FUNCREF: u8 = 5;

const EXTERN_FUNC: u8 = 0;
const EXTERN_GLOBAL: u8 = 1;
const EXTERN_MEMORY: u8 = 3;

fn export_sig(export: Export) -> (&'static [u8], &'static [u8]) {
    match export {
        Export::Run => (&[I32], &[I64, I32, F32, F64, V128]),
        Export::Id | Export::Trap => (&[I32], &[I32]),
        Export::Boom => (&[], &[]),
        Export::Getf => (&[], &[FUNCREF]),
    }
}

/// An engine, the guest compiled for it, and the host functions' types (a
/// `wasm_functype_t` keeps the type of the first engine it is used with).
struct Kit {
    engine: *mut capi::wasm_engine_t,
    module: *mut capi::wasmtime_module_t,
    types: [*mut capi::wasm_functype_t; 4],
}

/// Objects of other stores, for the "wrong store" mistakes.
#[derive(Clone, Copy)]
struct Objects {
    func: Func,
    memory: Memory,
}

struct World {
    none: Kit,
    recording: Kit,
    replaying: Kit,
    /// A live store of the non-RR engine (never freed; kept here so that
    /// LeakSanitizer sees it reachable).
    foreign: Objects,
    _foreign_store: *mut capi::wasmtime_store_t,
    /// A store freed right after its objects were taken.
    dead: Objects,
}

// Built once; libFuzzer runs the target on one thread.
unsafe impl Send for World {}
unsafe impl Sync for World {}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let wasm = wat::parse_str(GUEST_WAT).expect("the guest parses");
        let kit = |mode| {
            let config = Box::into_raw(capi::wasm_config_new());
            assert!(take_error(unsafe { config::wasm_config_rr_mode_set(config, mode) }).is_none());
            assert!(take_error(unsafe { config::wasm_config_enforce_determinism(config) }).is_none());
            let mut engine = null_mut();
            assert!(take_error(unsafe { engine::wasm_engine_new_checked(config, &mut engine) }).is_none());
            let mut module = null_mut();
            let made = unsafe { host_api::wasmtime_rr_module_new(engine, wasm.as_ptr(), wasm.len(), &mut module) };
            assert!(take_error(made).is_none(), "the guest compiles");
            let types = HOSTS.map(|(_, params, results)| functype(params, results));
            Kit { engine, module, types }
        };
        let none = kit(WASMTIME_RR_MODE_NONE);
        let (foreign, foreign_store) = other_store(&none, false);
        let (dead, _) = other_store(&none, true);
        World {
            recording: kit(WASMTIME_RR_MODE_RECORDING),
            replaying: kit(WASMTIME_RR_MODE_REPLAYING),
            none,
            foreign,
            _foreign_store: foreign_store,
            dead,
        }
    })
}

fn functype(params: &[u8], results: &[u8]) -> *mut capi::wasm_functype_t {
    let vec = |kinds: &[u8]| -> capi::wasm_valtype_vec_t {
        kinds.iter().map(|k| Some(capi::wasm_valtype_new(*k))).collect::<Vec<_>>().into()
    };
    Box::into_raw(capi::wasm_functype_new(&mut vec(params), &mut vec(results)))
}

/// Host functions of the other stores: zeros of the right kinds.
extern "C" fn zeros(
    _: *mut c_void,
    _: *mut capi::wasmtime_caller_t,
    _: *const capi::wasmtime_val_t,
    _: usize,
    results: *mut capi::wasmtime_val_t,
    nresults: usize,
) -> Option<Box<capi::wasm_trap_t>> {
    // Only `now` and `multi` have results; `now`'s is an i64.
    let kinds: &[u8] = if nresults == 1 { &[I64] } else { &[I32, I64, F32, F64] };
    for (i, kind) in kinds.iter().take(nresults).enumerate() {
        unsafe { results.add(i).write(value_of(*kind, [0; 16])) };
    }
    None
}

/// An instance of the guest in a store of the non-RR engine, through the
/// stock C API; its `id` and memory, and the store (or NULL: freed at once).
fn other_store(kit: &Kit, free: bool) -> (Objects, *mut capi::wasmtime_store_t) {
    unsafe {
        let mut store = capi::wasmtime_store_new(&*kit.engine, null_mut(), None);
        let context = capi::wasmtime_store_context(&mut store);
        let mut linker = capi::wasmtime_linker_new(&*kit.engine);
        for (i, (name, _, _)) in HOSTS.iter().enumerate() {
            let defined = capi::wasmtime_linker_define_func(
                &mut linker, "env".as_ptr(), 3, name.as_ptr(), name.len(), &*kit.types[i], zeros, null_mut(), None,
            );
            assert!(defined.is_none());
        }
        let mut instance = MaybeUninit::<Instance>::uninit();
        let mut trap = null_mut();
        let made = capi::wasmtime_linker_instantiate(&linker, context, &*kit.module, &mut *instance.as_mut_ptr(), &mut trap);
        assert!(made.is_none() && trap.is_null());
        let instance = instance.assume_init();
        let context = capi::wasmtime_store_context(&mut store);
        let objects = Objects {
            func: export_of(context, &instance, "id").expect("id").of.func,
            memory: export_of(capi::wasmtime_store_context(&mut store), &instance, "memory").expect("memory").of.memory,
        };
        drop(linker);
        if free {
            drop(store);
            (objects, null_mut())
        } else {
            (objects, Box::into_raw(store))
        }
    }
}

fn export_of(
    context: capi::WasmtimeStoreContextMut<'_>,
    instance: &Instance,
    name: &str,
) -> Option<ManuallyDrop<capi::wasmtime_extern_t>> {
    let mut item = MaybeUninit::uninit();
    let found = unsafe { capi::wasmtime_instance_export_get(context, instance, name.as_ptr(), name.len(), &mut item) };
    found.then(|| ManuallyDrop::new(unsafe { item.assume_init() }))
}

/// A C value of a kind with a payload; references are null.
fn value_of(kind: u8, bits: [u8; 16]) -> capi::wasmtime_val_t {
    // SAFETY: all-zero is a valid union (and the null of every reference).
    let mut of: capi::wasmtime_val_union = unsafe { MaybeUninit::zeroed().assume_init() };
    if !(FUNCREF..=8).contains(&kind) {
        let size = std::mem::size_of::<capi::wasmtime_val_union>().min(16);
        unsafe { std::ptr::copy_nonoverlapping(bits.as_ptr(), (&mut of as *mut capi::wasmtime_val_union).cast::<u8>(), size) };
    }
    capi::wasmtime_val_t { kind, of }
}

fn func_value(func: Option<Func>) -> capi::wasmtime_val_t {
    let mut value = value_of(FUNCREF, [0; 16]);
    value.of.funcref = capi::wasmtime_func_t::from(func);
    value
}

/// The payload of a value as the oracle compares it: the bits of numbers,
/// whether a function reference is null.
fn observed(value: &capi::wasmtime_val_t) -> (u8, [u8; 16]) {
    let mut bits = [0u8; 16];
    unsafe {
        match value.kind {
            I32 => bits[..4].copy_from_slice(&value.of.i32.to_le_bytes()),
            I64 => bits[..8].copy_from_slice(&value.of.i64.to_le_bytes()),
            F32 => bits[..4].copy_from_slice(&value.of.f32.to_le_bytes()),
            F64 => bits[..8].copy_from_slice(&value.of.f64.to_le_bytes()),
            V128 => bits = value.of.v128,
            FUNCREF => bits[0] = u8::from(std::mem::transmute_copy::<_, u64>(&value.of.funcref) != 0),
            _ => {}
        }
    }
    (value.kind, bits)
}

// ----------------------------------------------------------------- the run

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A correct call: it must succeed (a trap is a success here).
    Ok,
    /// A caller's mistake: it must be refused with an error.
    Err,
    /// Either.
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Records the script.
    Record,
    /// Replays the correct operations of the recorded script.
    ReplayCorrect,
    /// Replays the whole script.
    ReplayAll,
    /// Nothing attached.
    Plain,
}

/// What a top-level operation did, for comparing a replay with its recording.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Done {
    /// A session was attached when it ran.
    recorded: bool,
    expect: Expect,
    succeeded: bool,
    trapped: bool,
    values: Vec<(u8, [u8; 16])>,
}

/// An instance of the guest in the phase's store.
#[derive(Clone, Copy)]
struct Inst {
    memory: Memory,
    exports: [Func; 5],
}

/// The trace's write callback's state.
struct Sink {
    plan: *const SinkPlan,
    bytes: RefCell<Vec<u8>>,
    writes: Cell<u32>,
    failed: Cell<bool>,
    finalized: Cell<u32>,
    /// `wasmtime_rr_store_record` returned: the session exists.
    attached: Cell<bool>,
    /// The store is not being freed (calling back into it then would be a
    /// use of a store during its destruction: undefined, not a mistake).
    alive: Cell<bool>,
}

extern "C" fn sink_write(data: *mut c_void, bytes: *const u8, len: usize) -> bool {
    let sink = unsafe { &*data.cast::<Sink>() };
    let plan = unsafe { &*sink.plan };
    let n = sink.writes.get();
    sink.writes.set(n + 1);
    if let Some((at, op)) = &plan.reenter
        && u32::from(*at) == n
        && sink.attached.get()
        && sink.alive.get()
    {
        with_phase(|phase| phase.from_sink(op));
    }
    if plan.fail_at.is_some_and(|at| u32::from(at) == n) {
        sink.failed.set(true);
        return false;
    }
    sink.bytes.borrow_mut().extend_from_slice(unsafe { std::slice::from_raw_parts(bytes, len) });
    true
}

extern "C" fn sink_finalize(data: *mut c_void) {
    let sink = unsafe { &*data.cast::<Sink>() };
    sink.finalized.set(sink.finalized.get() + 1);
}

thread_local! {
    /// The phase running on this thread, for host functions and the sink.
    static CURRENT: Cell<*const ()> = const { Cell::new(null()) };
}

fn with_phase<R>(body: impl FnOnce(&Phase<'_>) -> R) -> R {
    let phase = CURRENT.with(Cell::get);
    assert!(!phase.is_null(), "a callback ran outside a phase");
    body(unsafe { &*phase.cast::<Phase<'_>>() })
}

/// Set in a host function's `env` (beside the import's index) when the
/// function was made by the stock `wasmtime_func_new`, not through the
/// library: its results are converted by Wasmtime's C API alone.
const STOCK: usize = 0x100;

/// The guest's host functions; `env` is the import's index (and `STOCK`).
extern "C" fn host(
    env: *mut c_void,
    caller: *mut capi::wasmtime_caller_t,
    args: *const capi::wasmtime_val_t,
    nargs: usize,
    results: *mut capi::wasmtime_val_t,
    nresults: usize,
) -> Option<Box<capi::wasm_trap_t>> {
    let env = env as usize;
    with_phase(|phase| phase.host_call(env & 3, env & STOCK != 0, caller, args, nargs, results, nresults))
}

fn trap(message: &str) -> Option<Box<capi::wasm_trap_t>> {
    Some(unsafe { capi::wasmtime_trap_new(message.as_ptr(), message.len()) })
}

/// One store and what the script did to it.
struct Phase<'a> {
    script: &'a Script,
    role: Role,
    kit: &'static Kit,
    /// The engine records or replays.
    rr_engine: bool,
    store: Cell<*mut capi::wasmtime_store_t>,
    context: *mut wasmtime_context_t,
    /// A recorder or replayer is attached (as far as the model knows).
    session: Cell<bool>,
    /// A failure the host cannot cause happened (or the trace was changed):
    /// correct calls may fail from now on.
    excused: Cell<bool>,
    sink: Option<&'a Sink>,
    hosts: Cell<[Option<Func>; 4]>,
    instances: RefCell<Vec<Inst>>,
    host_memory: Cell<Option<Memory>>,
    global: Cell<Option<Global>>,
    next_action: Cell<usize>,
    /// Host functions running (nested calls count).
    depth: Cell<u32>,
    in_sink: Cell<bool>,
    log: RefCell<Vec<Option<Done>>>,
    history: RefCell<Vec<String>>,
}

fn context_of(context: capi::WasmtimeStoreContextMut<'_>) -> *mut wasmtime_context_t {
    // SAFETY: a store context is one pointer, passed to C as `wasmtime_context_t*`.
    unsafe { std::mem::transmute(context) }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn misaligned<T>(valid: *const T) -> *const T {
    valid.cast::<u8>().wrapping_add(1).cast()
}

impl<'a> Phase<'a> {
    fn new(script: &'a Script, role: Role, kit: &'static Kit, sink: Option<&'a Sink>) -> Box<Phase<'a>> {
        let mut store = capi::wasmtime_store_new(unsafe { &*kit.engine }, null_mut(), None);
        let context = context_of(capi::wasmtime_store_context(&mut store));
        let rr_engine = !std::ptr::eq(kit, &world().none);
        Box::new(Phase {
            script,
            role,
            kit,
            rr_engine,
            store: Cell::new(Box::into_raw(store)),
            context,
            session: Cell::new(false),
            excused: Cell::new(false),
            sink,
            hosts: Cell::new([None; 4]),
            instances: RefCell::new(Vec::new()),
            host_memory: Cell::new(None),
            global: Cell::new(None),
            next_action: Cell::new(0),
            depth: Cell::new(0),
            in_sink: Cell::new(false),
            log: RefCell::new(Vec::new()),
            history: RefCell::new(Vec::new()),
        })
    }

    fn excused(&self) -> bool {
        self.excused.get() || self.sink.is_some_and(|s| s.failed.get())
    }

    fn fail(&self, message: String) -> ! {
        let history = self.history.borrow();
        let skip = history.len().saturating_sub(40);
        panic!(
            "host_api oracle: {message}\n  phase {:?}, mode {:?}; the calls so far (last 40):\n    {}",
            self.role,
            self.script.mode,
            history[skip..].join("\n    ")
        );
    }

    fn note(&self, line: String) {
        let indent = "  ".repeat(self.depth.get() as usize) + if self.in_sink.get() { "[sink] " } else { "" };
        self.history.borrow_mut().push(format!("{indent}{line}"));
    }

    /// Checks a call's error against what the model expected; true when it
    /// succeeded.
    fn judge(&self, what: &str, expect: Expect, error: Option<(u32, String)>) -> bool {
        match &error {
            None => self.note(format!("{what} [{expect:?}] -> ok")),
            Some((kind, message)) => self.note(format!("{what} [{expect:?}] -> error {kind}: {message}")),
        }
        match (&error, expect) {
            (Some((kind, message)), _) if *kind == WASMTIME_RR_ERROR_KIND_PANIC => {
                self.fail(format!("{what}: an error of kind panic: {message}"))
            }
            (Some((_, message)), Expect::Ok) if !self.excused() => {
                self.fail(format!("{what} is a correct call but failed: {message}"))
            }
            (None, Expect::Err) => self.fail(format!("{what} is a caller's mistake but succeeded")),
            _ => {}
        }
        error.is_none()
    }

    fn enter(&self) {
        CURRENT.with(|c| c.set((self as *const Phase<'_>).cast()));
    }

    /// Attaches a recorder with the script's settings and the sink.
    fn record(&self) {
        let sink = self.sink.expect("a recording has a sink");
        let settings = &self.script.settings;
        let mut recorder = null_mut();
        let data = (sink as *const Sink).cast_mut().cast();
        let made = unsafe { sinks::wasmtime_rr_recorder_new_callback(Some(sink_write), data, Some(sink_finalize), &mut recorder) };
        self.judge("wasmtime_rr_recorder_new_callback", Expect::Ok, take_error(made));
        let set = |what: &str, expect, error| self.judge(what, expect, take_error(error));
        set("validation_set", Expect::Ok, unsafe { sinks::wasmtime_rr_recorder_validation_set(recorder, settings.validation) });
        set("memory_digest_set", Expect::Ok, unsafe { sinks::wasmtime_rr_recorder_memory_digest_set(recorder, settings.digest) });
        let window = u32::from(settings.window % 17);
        let expect = if window == 0 { Expect::Err } else { Expect::Ok };
        set(&format!("event_window_set({window})"), expect, unsafe { sinks::wasmtime_rr_recorder_event_window_set(recorder, window) });
        let flush = match settings.flush {
            Flush::EveryFrame => Some(0),
            Flush::Default => None,
            Flush::Bytes(n) => Some(usize::from(n)),
        };
        if let Some(bytes) = flush {
            set(&format!("flush_bytes_set({bytes})"), Expect::Ok, unsafe { sinks::wasmtime_rr_recorder_flush_bytes_set(recorder, bytes) });
        }
        let attached = unsafe { sinks::wasmtime_rr_store_record(self.context, recorder) };
        let ok = self.judge("wasmtime_rr_store_record", Expect::Ok, take_error(attached));
        self.session.set(ok);
        sink.attached.set(ok);
    }

    /// Attaches a replayer reading `bytes`.
    fn replay(&self, bytes: &[u8], expect: Expect) {
        let mut replayer = null_mut();
        let made = unsafe { sinks::wasmtime_rr_replayer_new_bytes(bytes.as_ptr(), bytes.len(), &mut replayer) };
        self.judge("wasmtime_rr_replayer_new_bytes", Expect::Ok, take_error(made));
        let attached = unsafe { sinks::wasmtime_rr_store_replay(self.context, replayer) };
        let ok = self.judge(&format!("wasmtime_rr_store_replay({} bytes)", bytes.len()), expect, take_error(attached));
        self.session.set(ok);
    }

    /// The four host functions, for `wasmtime_rr_instance_new`. A store of a
    /// recording or replaying engine with nothing attached cannot make them
    /// with `wasmtime_rr_func_new` (documented); they are stock ones then.
    fn make_hosts(&self) {
        let mut hosts = [None; 4];
        for (i, slot) in hosts.iter_mut().enumerate() {
            let mut func = MaybeUninit::<Func>::uninit();
            let made = unsafe {
                host_api::wasmtime_rr_func_new(self.context, self.kit.types[i], Some(host), i as *mut c_void, None, func.as_mut_ptr())
            };
            let expect = if self.rr_engine && !self.session.get() { Expect::Err } else { Expect::Ok };
            if self.judge(&format!("wasmtime_rr_func_new({})", HOSTS[i].0), expect, take_error(made)) {
                *slot = Some(unsafe { func.assume_init() });
            } else {
                unsafe {
                    capi::wasmtime_func_new(
                        capi::wasmtime_store_context(&mut *self.store.get()),
                        &*self.kit.types[i],
                        host,
                        (i | STOCK) as *mut c_void,
                        None,
                        &mut *func.as_mut_ptr(),
                    );
                    *slot = Some(func.assume_init());
                }
            }
        }
        self.hosts.set(hosts);
    }

    fn host_memory(&self) -> Memory {
        if let Some(memory) = self.host_memory.get() {
            return memory;
        }
        let limits = capi::wasm_limits_t { min: 1, max: 1 };
        let ty = capi::wasm_memorytype_new(&limits);
        let mut memory = MaybeUninit::<Memory>::uninit();
        let made = capi::wasmtime_memory_new(unsafe { capi::wasmtime_store_context(&mut *self.store.get()) }, &ty, unsafe {
            &mut *memory.as_mut_ptr()
        });
        assert!(made.is_none(), "a host memory");
        let memory = unsafe { memory.assume_init() };
        self.host_memory.set(Some(memory));
        memory
    }

    fn global(&self) -> Global {
        if let Some(global) = self.global.get() {
            return global;
        }
        let ty = capi::wasm_globaltype_new(capi::wasm_valtype_new(I32), 0).expect("a global type");
        let mut global = MaybeUninit::<Global>::uninit();
        let made = unsafe {
            capi::wasmtime_global_new(
                capi::wasmtime_store_context(&mut *self.store.get()),
                &ty,
                &value_of(I32, [7; 16]),
                &mut *global.as_mut_ptr(),
            )
        };
        assert!(made.is_none(), "a global");
        let global = unsafe { global.assume_init() };
        self.global.set(Some(global));
        global
    }

    fn instance(&self, index: u8) -> Option<Inst> {
        let instances = self.instances.borrow();
        (!instances.is_empty()).then(|| instances[usize::from(index) % instances.len()])
    }

    /// A store pointer as the operation passes it, and whether it is valid.
    fn store_ptr(&self, base: *mut wasmtime_context_t, ptr: Ptr) -> (*mut wasmtime_context_t, bool) {
        match ptr {
            Ptr::Valid => (base, true),
            Ptr::Null => (null_mut(), false),
            Ptr::Misaligned => (misaligned(base).cast_mut(), false),
        }
    }

    /// Whether the call is made from inside a callback of a live session:
    /// a host function of a recording or replay, or the trace's callback.
    fn reentering(&self) -> bool {
        self.session.get() && (self.depth.get() > 0 || self.in_sink.get())
    }

    // ------------------------------------------------------------ operations

    fn run(&self, op: &Op, base: *mut wasmtime_context_t) -> Done {
        match op {
            Op::Call(call) => self.call(call, base),
            Op::Write(write) => self.write(write, base),
            Op::Flush(ptr) => self.flush(*ptr, base),
            Op::Finish(ptr) => self.finish(*ptr, base),
            Op::Instantiate(inst) => self.instantiate(inst, base),
        }
    }

    fn done(&self, expect: Expect, succeeded: bool) -> Done {
        Done { recorded: self.session.get(), expect, succeeded, trapped: false, values: Vec::new() }
    }

    fn flush(&self, ptr: Ptr, base: *mut wasmtime_context_t) -> Done {
        let (context, valid) = self.store_ptr(base, ptr);
        let expect = if !valid || !self.session.get() {
            Expect::Err
        } else if self.reentering() {
            Expect::Any
        } else {
            Expect::Ok
        };
        let recorded = self.session.get();
        let ok = self.judge("wasmtime_rr_store_flush", expect, take_error(unsafe { sinks::wasmtime_rr_store_flush(context) }));
        Done { recorded, ..self.done(expect, ok) }
    }

    fn finish(&self, ptr: Ptr, base: *mut wasmtime_context_t) -> Done {
        let (context, valid) = self.store_ptr(base, ptr);
        let expect = if !valid || !self.session.get() || self.reentering() { Expect::Err } else { Expect::Ok };
        let recorded = self.session.get();
        let error = take_error(unsafe { sinks::wasmtime_rr_store_finish(context) });
        let ok = self.judge("wasmtime_rr_store_finish", expect, error);
        if expect == Expect::Ok {
            // The session is released whatever the result (documented).
            self.session.set(false);
        }
        Done { recorded, ..self.done(expect, ok) }
    }

    fn func_of(&self, choice: FuncRef) -> Option<Func> {
        let world = world();
        match choice {
            FuncRef::Null => None,
            FuncRef::Own(export) => self.instance(0).map(|i| i.exports[export as usize]),
            FuncRef::Host(n) => self.hosts.get()[usize::from(n % 4)],
            FuncRef::Foreign => Some(world.foreign.func),
            FuncRef::Dead => Some(world.dead.func),
        }
    }

    fn call(&self, op: &CallOp, base: *mut wasmtime_context_t) -> Done {
        let (context, store_valid) = self.store_ptr(base, op.store);
        // The function, its type when it is callable here, and a name.
        let (func, sig, name): (Option<Func>, Option<(&[u8], &[u8])>, String) = match op.func {
            FuncChoice::Export { instance, export } => match self.instance(instance) {
                Some(inst) => (Some(inst.exports[export as usize]), Some(export_sig(export)), export.name().into()),
                None => (None, None, format!("{} (no instance)", export.name())),
            },
            // Callable directly only with nothing attached: with a session
            // only exports of RR-aware instances are (documented).
            FuncChoice::Host(n) => {
                let (name, params, results) = HOSTS[usize::from(n % 4)];
                let sig = (!self.session.get()).then_some((params, results));
                (self.hosts.get()[usize::from(n % 4)], sig, format!("host {name}"))
            }
            // Wasmtime itself panics on a function of another store (its C
            // API turns that into a trap, libFuzzer's panic hook into a
            // crash), so only a session, which refuses it first, gets one.
            FuncChoice::Foreign | FuncChoice::Dead if !self.session.get() => (None, None, "NULL".into()),
            FuncChoice::Foreign => (Some(world().foreign.func), None, "a function of another store".into()),
            FuncChoice::Dead => (Some(world().dead.func), None, "a function of a freed store".into()),
            FuncChoice::Null => (None, None, "NULL".into()),
            FuncChoice::Misaligned => (None, None, "a misaligned function".into()),
        };
        let func_slots = [func.map(MaybeUninit::new).unwrap_or(MaybeUninit::zeroed()), MaybeUninit::zeroed()];
        let func_ptr: *const Func = match op.func {
            FuncChoice::Misaligned => misaligned(func_slots.as_ptr().cast::<Func>()),
            _ if func.is_none() => null(),
            _ => func_slots.as_ptr().cast(),
        };
        // Arguments.
        let mut args: Vec<capi::wasmtime_val_t> = match &op.args {
            Args::Right(payload) => {
                let params = sig.map_or(&[][..], |s| s.0);
                let mut bits = [0u8; 16];
                bits[..8].copy_from_slice(&payload.to_le_bytes());
                bits[8..].copy_from_slice(&payload.to_be_bytes());
                params.iter().map(|k| value_of(*k, bits)).collect()
            }
            Args::Values(values) => values
                .iter()
                .take(MAX_VALUES)
                .map(|v| match v.kind {
                    FUNCREF => func_value(self.func_of(v.func)),
                    kind => value_of(kind, v.bits),
                })
                .collect(),
        };
        let kinds: Vec<u8> = args.iter().map(|a| a.kind).collect();
        let nargs = args.len();
        args.push(value_of(I32, [0; 16]));
        let args_ptr = match op.args_ptr {
            Ptr::Valid => args.as_ptr(),
            Ptr::Null => null(),
            Ptr::Misaligned => misaligned(args.as_ptr()),
        };
        // Results.
        let nresults = match op.nresults {
            Some(n) => usize::from(n % 8),
            None => sig.map_or(0, |s| s.1.len()),
        };
        let mut results: Vec<MaybeUninit<capi::wasmtime_val_t>> = (0..=nresults).map(|_| MaybeUninit::uninit()).collect();
        let results_ptr = match op.results_ptr {
            Ptr::Valid => results.as_mut_ptr(),
            Ptr::Null => null_mut(),
            Ptr::Misaligned => misaligned(results.as_ptr()).cast_mut(),
        };
        let mut trap_slots: [*mut capi::wasm_trap_t; 2] = [null_mut(); 2];
        let trap_ptr: *mut *mut capi::wasm_trap_t = match op.trap_ptr {
            Ptr::Valid => trap_slots.as_mut_ptr(),
            Ptr::Null => null_mut(),
            Ptr::Misaligned => misaligned(trap_slots.as_ptr()).cast_mut(),
        };
        // An array of no elements is never read: any pointer will do.
        let pointers_valid = store_valid
            && (op.args_ptr == Ptr::Valid || nargs == 0)
            && (op.results_ptr == Ptr::Valid || nresults == 0)
            && op.trap_ptr == Ptr::Valid;
        let correct = pointers_valid && sig.is_some_and(|(params, results)| params == &kinds[..] && results.len() == nresults);
        let expect = if !correct || self.reentering() { Expect::Err } else { Expect::Ok };
        let recorded = self.session.get();
        let pointers = [("store", op.store), ("args", op.args_ptr), ("results", op.results_ptr), ("trap_ret", op.trap_ptr)]
            .iter()
            .filter(|(_, p)| *p != Ptr::Valid)
            .map(|(what, p)| format!(", {what} {p:?}"))
            .collect::<String>();
        let what = format!("wasmtime_rr_func_call({name}, kinds {kinds:?}, {nresults} results{pointers})");
        self.note(format!("{what} ..."));
        let error = unsafe {
            host_api::wasmtime_rr_func_call(context, func_ptr, args_ptr, nargs, results_ptr.cast(), nresults, trap_ptr)
        };
        let mut error = take_error(error);
        // A trap the host function returns (`wasmtime_trap_new`) is not a
        // Wasmtime `Trap`: the stock call returns it as an error of kind
        // `wasmtime` rather than in `trap_ret`, and so does the library. For
        // a correct call that is its outcome, not a refusal.
        let host_trap = match &error {
            Some((kind, message)) if *kind == WASMTIME_RR_ERROR_KIND_WASMTIME && expect == Expect::Ok => {
                self.note(format!("{what} [Ok] -> failed in the guest or a host function: {}", first_line(message)));
                error = None;
                true
            }
            _ => false,
        };
        let ok = host_trap || self.judge(&what, expect, error);
        let trap = trap_slots[0];
        let mut done = Done { recorded, ..self.done(expect, ok) };
        if !ok {
            return done;
        }
        if host_trap {
            done.trapped = true;
            return done;
        }
        if !trap.is_null() {
            done.trapped = true;
            let mut message = capi::wasm_message_t::default();
            capi::wasm_trap_message(unsafe { &*trap }, &mut message);
            let text = String::from_utf8_lossy(message.as_slice()).into_owned();
            drop(message);
            self.note(format!("  trapped: {}", first_line(&text)));
            drop(unsafe { Box::from_raw(trap) });
            return done;
        }
        for slot in &mut results[..nresults] {
            let value = unsafe { slot.assume_init_read() };
            done.values.push(observed(&value));
        }
        if let Some((_, kinds)) = sig
            && done.values.iter().map(|v| v.0).ne(kinds.iter().copied())
        {
            self.fail(format!("{what} returned values of kinds {:?}, not {kinds:?}", done.values));
        }
        done
    }

    fn memory_of(&self, choice: MemChoice) -> (Option<Memory>, bool) {
        let world = world();
        match choice {
            MemChoice::Own(n) => match self.instance(n) {
                Some(inst) => (Some(inst.memory), true),
                None => (None, false),
            },
            // Unknown to a recording or replay (documented); an ordinary
            // memory of this store otherwise.
            MemChoice::Host => (Some(self.host_memory()), !self.session.get()),
            MemChoice::Foreign => (Some(world.foreign.memory), false),
            MemChoice::Dead => (Some(world.dead.memory), false),
            MemChoice::Null | MemChoice::Misaligned => (None, false),
        }
    }

    fn write(&self, op: &WriteOp, base: *mut wasmtime_context_t) -> Done {
        let (context, store_valid) = self.store_ptr(base, op.store);
        let (memory, memory_valid) = self.memory_of(op.memory);
        let slots = [memory.map(MaybeUninit::new).unwrap_or(MaybeUninit::zeroed()), MaybeUninit::zeroed()];
        let memory_ptr: *const Memory = match op.memory {
            MemChoice::Misaligned => misaligned(slots.as_ptr().cast::<Memory>()),
            _ if memory.is_none() => null(),
            _ => slots.as_ptr().cast(),
        };
        let offset = match op.offset {
            Offset::At(n) => u64::from(n),
            Offset::FromEnd(n) => MEMORY_BYTES.saturating_sub(u64::from(n)),
            Offset::Raw(n) => n,
        };
        let len = match op.len {
            Len::Small(n) => usize::from(n),
            Len::Large(n) => usize::from(n),
            Len::Over(n) => MEMORY_BYTES as usize + usize::from(n),
        };
        let data: Vec<u8> = (0..=len).map(|i| op.byte.wrapping_add(i as u8)).collect();
        let data_ptr = match op.data {
            Ptr::Valid => data.as_ptr(),
            Ptr::Null => null(),
            Ptr::Misaligned => data[1..].as_ptr(),
        };
        let fits = offset.checked_add(len as u64).is_some_and(|end| end <= MEMORY_BYTES);
        let correct = store_valid && memory_valid && fits && (op.data != Ptr::Null || len == 0);
        let expect = if !correct || self.in_sink.get() && self.session.get() { Expect::Err } else { Expect::Ok };
        let recorded = self.session.get();
        let what = format!("wasmtime_rr_memory_write({:?}, offset {offset}, {len} bytes, store {:?}, data {:?})", op.memory, op.store, op.data);
        let error = unsafe { host_api::wasmtime_rr_memory_write(context, memory_ptr, offset, data_ptr, len) };
        let ok = self.judge(&what, expect, take_error(error));
        Done { recorded, ..self.done(expect, ok) }
    }

    fn instantiate(&self, op: &Instantiate, base: *mut wasmtime_context_t) -> Done {
        let (context, store_valid) = self.store_ptr(base, op.store);
        let mut instance = MaybeUninit::<Instance>::uninit();
        let mut trap: *mut capi::wasm_trap_t = null_mut();
        let hosts = self.hosts.get();
        let world = world();
        let (error, right, what) = match &op.how {
            How::Linker(defs) => {
                let mut linker = capi::wasmtime_linker_new(unsafe { &*self.kit.engine });
                let linker_ptr: *mut capi::wasmtime_linker_t = &mut *linker;
                for (i, def) in defs.iter().enumerate() {
                    let name = HOSTS[i].0;
                    let defined = match def {
                        Def::Right | Def::Host(_) => {
                            let k = match def {
                                Def::Host(n) => usize::from(n % 4),
                                _ => i,
                            };
                            unsafe {
                                host_api::wasmtime_rr_linker_define_func(
                                    linker_ptr,
                                    "env".as_ptr().cast(),
                                    3,
                                    name.as_ptr().cast(),
                                    name.len(),
                                    self.kit.types[k],
                                    Some(host),
                                    k as *mut c_void,
                                    None,
                                )
                            }
                        }
                        Def::Missing => null_mut(),
                        Def::Global => {
                            let item = ManuallyDrop::new(capi::wasmtime_extern_t {
                                kind: EXTERN_GLOBAL,
                                of: capi::wasmtime_extern_union { global: self.global() },
                            });
                            let store = unsafe { std::mem::transmute::<*mut wasmtime_context_t, capi::WasmtimeStoreContext<'_>>(self.context) };
                            unsafe {
                                capi::wasmtime_linker_define(&mut *linker, store, "env".as_ptr(), 3, name.as_ptr(), name.len(), &item)
                                    .map_or(null_mut(), Box::into_raw)
                            }
                        }
                    };
                    self.judge(&format!("define env.{name} as {def:?}"), Expect::Ok, take_error(defined));
                }
                let right = defs.iter().enumerate().all(|(i, def)| match def {
                    Def::Right => true,
                    Def::Host(n) => usize::from(n % 4) == i,
                    Def::Missing | Def::Global => false,
                });
                let error = unsafe {
                    host_api::wasmtime_rr_linker_instantiate(&*linker, context, self.kit.module, instance.as_mut_ptr(), &mut trap)
                };
                (error, right, format!("wasmtime_rr_linker_instantiate({defs:?})"))
            }
            How::Imports(imports, ptr) => {
                let mut items: Vec<ManuallyDrop<capi::wasmtime_extern_t>> = imports
                    .iter()
                    .take(MAX_IMPORTS)
                    .map(|import| {
                        let func = |f: Option<Func>| match f {
                            Some(func) => capi::wasmtime_extern_t { kind: EXTERN_FUNC, of: capi::wasmtime_extern_union { func } },
                            None => capi::wasmtime_extern_t {
                                kind: EXTERN_GLOBAL,
                                of: capi::wasmtime_extern_union { global: self.global() },
                            },
                        };
                        ManuallyDrop::new(match *import {
                            Import::Host(n) => func(hosts[usize::from(n % 4)]),
                            Import::Export(export) => func(self.instance(0).map(|i| i.exports[export as usize])),
                            Import::HostMemory => capi::wasmtime_extern_t {
                                kind: EXTERN_MEMORY,
                                of: capi::wasmtime_extern_union { memory: self.host_memory() },
                            },
                            Import::OwnMemory => match self.instance(0) {
                                Some(inst) => capi::wasmtime_extern_t {
                                    kind: EXTERN_MEMORY,
                                    of: capi::wasmtime_extern_union { memory: inst.memory },
                                },
                                None => func(None),
                            },
                            Import::Global => func(None),
                            Import::Foreign => func(Some(world.foreign.func)),
                            Import::Dead => func(Some(world.dead.func)),
                            Import::BadKind { kind, bits } => {
                                // 4 is a shared memory, whose payload is a
                                // pointer to a box: any other kind from 6 up.
                                let mut item = capi::wasmtime_extern_t {
                                    kind: 6 + kind % 250,
                                    of: unsafe { MaybeUninit::zeroed().assume_init() },
                                };
                                let size = std::mem::size_of::<capi::wasmtime_extern_union>().min(16);
                                unsafe {
                                    std::ptr::copy_nonoverlapping(bits.as_ptr(), (&mut item.of as *mut capi::wasmtime_extern_union).cast::<u8>(), size)
                                };
                                item
                            }
                        })
                    })
                    .collect();
                let right = imports.len() == 4
                    && imports.iter().enumerate().all(|(i, import)| matches!(import, Import::Host(n) if usize::from(n % 4) == i));
                let n = items.len();
                items.push(ManuallyDrop::new(capi::wasmtime_extern_t { kind: 7, of: unsafe { MaybeUninit::zeroed().assume_init() } }));
                let items_ptr = match ptr {
                    Ptr::Valid => items.as_ptr().cast::<capi::wasmtime_extern_t>(),
                    Ptr::Null => null(),
                    Ptr::Misaligned => misaligned(items.as_ptr().cast::<capi::wasmtime_extern_t>()),
                };
                let right = right && *ptr == Ptr::Valid;
                let error = unsafe {
                    host_api::wasmtime_rr_instance_new(context, self.kit.module, items_ptr, n, instance.as_mut_ptr(), &mut trap)
                };
                (error, right, format!("wasmtime_rr_instance_new({imports:?}, {ptr:?})"))
            }
        };
        let correct = store_valid && right;
        let expect = if !correct || self.reentering() { Expect::Err } else { Expect::Ok };
        let recorded = self.session.get();
        let ok = self.judge(&format!("{what} store {:?}", op.store), expect, take_error(error));
        if !ok {
            return Done { recorded, ..self.done(expect, ok) };
        }
        if !trap.is_null() {
            // The guest has no start function.
            drop(unsafe { Box::from_raw(trap) });
            self.fail(format!("{what} trapped"));
        }
        let instance = unsafe { instance.assume_init() };
        let store = unsafe { &mut *self.store.get() };
        let mut get = |name: &str| export_of(capi::wasmtime_store_context(store), &instance, name).expect("the guest's exports");
        let inst = Inst {
            memory: unsafe { get("memory").of.memory },
            exports: EXPORTS.map(|e| unsafe { get(e.name()).of.func }),
        };
        self.instances.borrow_mut().push(inst);
        Done { recorded, ..self.done(expect, ok) }
    }

    // ------------------------------------------------------------ callbacks

    /// The write callback's call back into the library (once a session exists).
    fn from_sink(&self, op: &Op) {
        let outer = self.in_sink.replace(true);
        self.run(op, self.context);
        self.in_sink.set(outer);
    }

    #[allow(clippy::too_many_arguments)]
    fn host_call(
        &self,
        which: usize,
        stock: bool,
        caller: *mut capi::wasmtime_caller_t,
        args: *const capi::wasmtime_val_t,
        nargs: usize,
        results: *mut capi::wasmtime_val_t,
        nresults: usize,
    ) -> Option<Box<capi::wasm_trap_t>> {
        let (name, params, kinds) = HOSTS[which];
        assert_eq!((nargs, nresults), (params.len(), kinds.len()), "host {name} called with its own arity");
        let n = self.next_action.get();
        self.next_action.set(n + 1);
        let action = self.script.host.get(n).filter(|_| n < MAX_ACTIONS).cloned().unwrap_or(HostAction {
            reenter: Vec::new(),
            trap: false,
            wrong_kind: None,
            value: n as u64,
        });
        let context = context_of(capi::wasmtime_caller_context(unsafe { &mut *caller }));
        self.note(format!("host {name} #{n} {action:?}"));
        self.depth.set(self.depth.get() + 1);
        for op in action.reenter.iter().take(MAX_REENTRIES) {
            self.run(op, context);
        }
        // Linker definitions are the library's on an engine that records or
        // replays, stock ones otherwise.
        let library = self.rr_engine && !stock;
        let outcome = self.host_results(which, library, &action, caller, context, args, results);
        self.depth.set(self.depth.get() - 1);
        outcome
    }

    fn host_results(
        &self,
        which: usize,
        library: bool,
        action: &HostAction,
        caller: *mut capi::wasmtime_caller_t,
        context: *mut wasmtime_context_t,
        args: *const capi::wasmtime_val_t,
        results: *mut capi::wasmtime_val_t,
    ) -> Option<Box<capi::wasm_trap_t>> {
        let v = action.value;
        let mut bits = [0u8; 16];
        bits[..8].copy_from_slice(&v.to_le_bytes());
        bits[8..].copy_from_slice(&v.rotate_left(17).to_le_bytes());
        match which {
            0 => unsafe { results.write(value_of(I64, bits)) },
            1 => {
                // fill(at, len): writes min(len, 64) bytes at `at` through
                // the RR-aware write, as a host must.
                let (at, len) = unsafe { ((*args).of.i32 as u32, (*args.add(1)).of.i32 as u32) };
                let mut item = MaybeUninit::uninit();
                let found = unsafe { capi::wasmtime_caller_export_get(&mut *caller, "memory".as_ptr(), 6, &mut item) };
                if !found {
                    return trap("fill: the caller exports no memory");
                }
                let item = ManuallyDrop::new(unsafe { item.assume_init() });
                let memory = unsafe { item.of.memory };
                let len = len.min(64) as usize;
                let bytes: Vec<u8> = (0..len).map(|i| (v as u8).wrapping_add(i as u8)).collect();
                let fits = u64::from(at) + len as u64 <= MEMORY_BYTES;
                let expect = if fits { Expect::Ok } else { Expect::Err };
                let error = unsafe { host_api::wasmtime_rr_memory_write(context, &memory, u64::from(at), bytes.as_ptr(), len) };
                if !self.judge(&format!("fill: wasmtime_rr_memory_write({at}, {len} bytes)"), expect, take_error(error)) {
                    return trap("fill: the write failed");
                }
            }
            2 => unsafe {
                results.write(value_of(I32, bits));
                results.add(1).write(value_of(I64, bits));
                results.add(2).write(value_of(F32, bits));
                results.add(3).write(value_of(F64, bits));
            },
            _ => return trap("fail: the host function fails"),
        }
        if action.trap {
            return trap("the host traps");
        }
        // Results of the wrong kind: a host's mistake the library turns into
        // a trap for the functions it made. With stock functions Wasmtime's
        // own conversion panics, which its C API catches (a trap) but
        // libFuzzer's panic hook counts as a crash: not passed to them.
        if let Some(kind) = action.wrong_kind
            && library
            && !HOSTS[which].2.is_empty()
        {
            unsafe { (*results).kind = kind };
            if (6..=8).contains(&kind) {
                // A reference payload other than null would be a fabricated
                // pointer: undefined, not a mistake.
                unsafe { (*results).of = MaybeUninit::zeroed().assume_init() };
            }
        }
        None
    }

    /// Runs the setup and the operations (all, or those `only` allows),
    /// logging what each top-level one did.
    fn script(&self, only: Option<&[bool]>) {
        let ops = std::iter::once(Op::Instantiate(self.script.setup.clone()))
            .chain(self.script.ops.iter().take(MAX_OPS).cloned())
            .enumerate();
        for (i, op) in ops {
            if only.is_some_and(|only| !only[i]) {
                self.log.borrow_mut().push(None);
                continue;
            }
            self.note(format!("op #{i}: {}", op.describe()));
            let done = self.run(&op, self.context);
            self.log.borrow_mut().push(Some(done));
        }
    }

    /// Finishes a session still attached, then frees the store.
    fn close(&self, expect: Expect) {
        if self.session.get() {
            let error = take_error(unsafe { sinks::wasmtime_rr_store_finish(self.context) });
            self.judge("wasmtime_rr_store_finish (end of script)", expect, error);
            self.session.set(false);
        }
        if let Some(sink) = self.sink {
            sink.alive.set(false);
        }
        drop(unsafe { Box::from_raw(self.store.replace(null_mut())) });
    }
}

impl Drop for Phase<'_> {
    fn drop(&mut self) {
        let store = self.store.replace(null_mut());
        if !store.is_null() {
            drop(unsafe { Box::from_raw(store) });
        }
    }
}

/// Runs one phase: a store, its session, the host functions, the script.
fn phase<'a>(
    script: &'a Script,
    role: Role,
    kit: &'static Kit,
    sink: Option<&'a Sink>,
    attach: impl FnOnce(&Phase<'a>),
    only: Option<&[bool]>,
    end: Expect,
) -> (Vec<Option<Done>>, bool) {
    let phase = Phase::new(script, role, kit, sink);
    let outer = CURRENT.with(Cell::get);
    phase.enter();
    attach(&phase);
    phase.make_hosts();
    phase.script(only);
    phase.close(end);
    CURRENT.with(|c| c.set(outer));
    if std::env::var_os("HOST_API_VERBOSE").is_some() {
        eprintln!("host_api: phase {role:?}:\n    {}", phase.history.borrow().join("\n    "));
    }
    let excused = phase.excused();
    (phase.log.take(), excused)
}

/// Compares what a replay's calls returned with what the recording's did.
fn compare(recorded: &[Option<Done>], replayed: &[Option<Done>], what: &str) {
    for (i, (a, b)) in recorded.iter().zip(replayed).enumerate() {
        if let (Some(a), Some(b)) = (a, b)
            && a.recorded
            && b.recorded
            && a.expect == Expect::Ok
            && a.succeeded
            && (a.trapped, &a.values) != (b.trapped, &b.values)
        {
            panic!("host_api oracle: {what}: operation #{i} returned {b:?}, the recording {a:?}");
        }
    }
}

/// The whole input: the record phase and the replay it calls for, or a
/// phase with nothing attached.
pub fn check(input: &Input) {
    world();
    check_bounded_and_leak_free(HEAP_LIMIT, || run(&input.0));
}

fn run(script: &Script) {
    let world = world();
    if let Mode::Nothing(engine) = script.mode {
        let kit = match engine {
            Engine::NoRecordReplay => &world.none,
            Engine::Recording => &world.recording,
            Engine::Replaying => &world.replaying,
        };
        phase(script, Role::Plain, kit, None, |_| {}, None, Expect::Err);
        return;
    }
    let sink = Sink {
        plan: &script.sink,
        bytes: RefCell::new(Vec::new()),
        writes: Cell::new(0),
        failed: Cell::new(false),
        finalized: Cell::new(0),
        attached: Cell::new(false),
        alive: Cell::new(true),
    };
    let (recorded, excused) = phase(script, Role::Record, &world.recording, Some(&sink), |p| p.record(), None, Expect::Ok);
    assert_eq!(sink.finalized.get(), 1, "host_api oracle: the write callback's finalizer ran {} times", sink.finalized.get());
    let trace = sink.bytes.take();
    match &script.mode {
        Mode::Record if !excused => {
            // The correct operations made while the recording was attached.
            let only: Vec<bool> = recorded.iter().map(|d| d.as_ref().is_some_and(|d| d.recorded && d.expect == Expect::Ok)).collect();
            let (replayed, _) =
                phase(script, Role::ReplayCorrect, &world.replaying, None, |p| p.replay(&trace, Expect::Ok), Some(&only), Expect::Ok);
            compare(&recorded, &replayed, "a replay of the correct calls");
        }
        Mode::Replay(source) => {
            let pristine = matches!(source, Source::Recorded) && !excused;
            let bytes = match source {
                Source::Recorded => trace,
                Source::Changed { at, xor } => {
                    let mut bytes = trace;
                    if !bytes.is_empty() {
                        let at = usize::from(*at) % bytes.len();
                        bytes[at] ^= xor;
                    }
                    reseal(bytes)
                }
                Source::Cut { keep } => trace[..usize::from(*keep).min(trace.len())].to_vec(),
                Source::Bytes(bytes) => bytes.clone(),
            };
            let expect = if pristine { Expect::Ok } else { Expect::Any };
            let (replayed, _) = phase(
                script,
                Role::ReplayAll,
                &world.replaying,
                None,
                |p| {
                    p.excused.set(!pristine);
                    p.replay(&bytes, expect)
                },
                None,
                expect,
            );
            if pristine {
                compare(&recorded, &replayed, "a replay of the whole script");
            }
        }
        _ => {}
    }
}
