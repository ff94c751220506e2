//! Replay without the host program: `wasmtime-rr replay` and the trace fuzz
//! targets. The module's WASI imports get the RR-aware WASI functions and its
//! other function imports stand-ins; neither runs anything (host and WASI
//! results come from the trace), and the instantiations and export calls are
//! the ones the trace lists, so a recording can be checked with nothing but
//! the module: no host program, no files, no clock.

use crate::rr::calls::{self, make_value};
use crate::rr::session::peek_action;
use crate::ffi::config::{RrMode, build_engine, enforce_determinism, set_mode};
use crate::error::ErrorKind;
use crate::error::{Result, RrError};
use crate::ffi::handles;
use crate::ffi::components;
use crate::ffi::handles::CComponentLinker;
use crate::ffi::host_api;
use crate::rr::components as rr_components;
use wasmtime::component::Val;
use wasmtime::component::types::ComponentItem;
use wasmtime::AsContext;
use crate::tools::inspect::{Listing, category};
use crate::rr::session::{self, Replayer, Role, Session, describe, next_action};
use crate::ffi::sinks::{self, wasmtime_rr_replayer_t};
use crate::trace::component::{ComponentEvent, ComponentHostCall};
use crate::trace::event::{EndStatus, Event, Outcome, Values};
use crate::rr::values;
use std::cell::RefCell;
use std::ffi::c_void;
use std::io::{Read, Write};
use std::mem::MaybeUninit;
use std::sync::{Arc, Mutex};
use wasmtime::{AsContextMut, Extern, Instance};
use wasmtime_c_api as capi;

/// Takes back an error object returned by one of our C functions.
fn checked(error: *mut capi::wasmtime_error_t) -> Result<()> {
    // SAFETY: our functions return NULL or an error object the caller owns.
    unsafe { RrError::check_raw(error, ErrorKind::InvalidArgument) }
}

/// Never runs: during a replay host functions are served from the trace.
extern "C" fn stand_in(
    _: *mut c_void,
    _: *mut capi::wasmtime_caller_t,
    _: *const capi::wasmtime_val_t,
    _: usize,
    _: *mut capi::wasmtime_val_t,
    _: usize,
) -> Option<Box<capi::wasm_trap_t>> {
    let message = "wasmtime-rr replay: a stand-in host function was called outside the replay";
    Some(unsafe { capi::wasmtime_trap_new(message.as_ptr(), message.len()) })
}

/// Defines a stand-in for every function import of the module.
fn define_stand_ins(
    linker: *mut capi::wasmtime_linker_t,
    module: &capi::wasmtime_module_t,
) -> Result<()> {
    let mut imports = capi::wasm_importtype_vec_t::default();
    capi::wasmtime_module_imports(module, &mut imports);
    let result = imports.as_slice().iter().flatten().try_for_each(|import| {
        let module_name = capi::wasm_importtype_module(import).as_slice().to_vec();
        if module_name == crate::trace::wasi::MODULE.as_bytes() {
            return Ok(()); // served by the RR-aware WASI functions
        }
        let name = capi::wasm_importtype_name(import).as_slice().to_vec();
        let ty = capi::wasm_externtype_as_functype_const(capi::wasm_importtype_type(import)).ok_or_else(|| {
            RrError::new(
                ErrorKind::Unsupported,
                format!(
                    "import {}.{} is not a function: the replay tool provides only function imports",
                    String::from_utf8_lossy(&module_name),
                    String::from_utf8_lossy(&name)
                ),
            )
        })?;
        checked(unsafe {
            host_api::wasmtime_rr_linker_define_func(
                linker,
                module_name.as_ptr().cast(),
                module_name.len(),
                name.as_ptr().cast(),
                name.len(),
                ty,
                Some(stand_in),
                std::ptr::null_mut(),
                None,
            )
        })
    });
    capi::wasm_importtype_vec_delete(&mut imports);
    result
}

/// A module or component compiled by a replaying engine, with a stand-in for
/// each of its imports: ready to replay any number of traces, one store each.
pub struct Standalone {
    engine: *mut capi::wasm_engine_t,
    program: Program,
    /// Whether the module imports WASI functions.
    wasi: bool,
    /// Whether replays write the guest's recorded stdout and stderr.
    echo: bool,
}

/// What a replay that matched its trace found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// Events the recording had.
    pub events: u64,
    /// The status of the last `proc_exit`, if the guest exited.
    pub exit: Option<i32>,
}

impl Standalone {
    /// Compiles `wasm` (the binary format) for replay.
    pub fn new(wasm: &[u8]) -> Result<Standalone> {
        let mut config = wasmtime::Config::new();
        set_mode(&mut config, RrMode::Replaying)?;
        enforce_determinism(&mut config);
        let engine = handles::engine_into_raw(build_engine(&config)?);
        let mut module = std::ptr::null_mut();
        let compiled = checked(unsafe {
            host_api::wasmtime_rr_module_new(engine, wasm.as_ptr(), wasm.len(), &mut module)
        });
        if let Err(error) = compiled {
            unsafe { capi::wasm_engine_delete(Box::from_raw(engine)) };
            return Err(error);
        }
        let linker = Box::into_raw(capi::wasmtime_linker_new(unsafe { &*engine }));
        let wasi = imports_wasi(unsafe { &*module });
        let standalone = Standalone { engine, program: Program::Module { module, linker }, wasi, echo: false };
        checked(unsafe { crate::ffi::wasi::wasmtime_rr_linker_define_wasi(linker) })?;
        define_stand_ins(linker, unsafe { &*module })?;
        Ok(standalone)
    }

    /// Compiles a component for replay: `bytes` as the host gave them to
    /// `wasmtime_rr_component_new` (binary or text), since the trace's
    /// checksum is taken over them.
    pub fn new_component(bytes: &[u8]) -> Result<Standalone> {
        let mut config = wasmtime::Config::new();
        set_mode(&mut config, RrMode::Replaying)?;
        enforce_determinism(&mut config);
        let engine = handles::engine_into_raw(build_engine(&config)?);
        let program = unsafe { ComponentProgram::new(engine, bytes) };
        let program = program.inspect_err(|_| unsafe { capi::wasm_engine_delete(Box::from_raw(engine)) })?;
        let wasi = program.wasi;
        Ok(Standalone { engine, program: Program::Component(program), wasi, echo: false })
    }

    /// Whether the module imports WASI preview-1 functions (the component,
    /// WASI preview 2 interfaces).
    pub fn is_wasi(&self) -> bool {
        self.wasi
    }

    /// Makes replays write the guest's recorded WASI output to this
    /// process's stdout and stderr (`wasmtime_rr_replayer_echo_set`).
    pub fn echo(mut self, echo: bool) -> Standalone {
        self.echo = echo;
        self
    }

    /// A fresh store replaying from `replayer` (consumed).
    fn store(&self, replayer: OwnedReplayer) -> Result<Box<capi::wasmtime_store_t>> {
        let mut store =
            capi::wasmtime_store_new(unsafe { &*self.engine }, std::ptr::null_mut(), None);
        let context = context_ptr(capi::wasmtime_store_context(&mut store));
        checked(unsafe { sinks::wasmtime_rr_replayer_echo_set(replayer.0, self.echo) })?;
        checked(unsafe { sinks::wasmtime_rr_store_replay(context, replayer.take()) })?;
        if let (Program::Component(_), true) = (&self.program, self.wasi) {
            // WASI preview 2's stand-in streams live in the context's table.
            let config = Box::into_raw(capi::wasi_config_new());
            checked(unsafe { crate::ffi::wasi::wasmtime_rr_context_set_wasi(context, config) })?;
        }
        Ok(store)
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        unsafe {
            match &mut self.program {
                Program::Module { module, linker } => {
                    capi::wasmtime_linker_delete(Box::from_raw(*linker));
                    host_api::wasmtime_rr_module_delete(*module);
                }
                Program::Component(program) => program.delete(),
            }
            capi::wasm_engine_delete(Box::from_raw(self.engine));
        }
    }
}

/// What a replay runs.
enum Program {
    Module { module: *mut capi::wasmtime_module_t, linker: *mut capi::wasmtime_linker_t },
    Component(ComponentProgram),
}

fn imports_wasi(module: &capi::wasmtime_module_t) -> bool {
    let mut imports = capi::wasm_importtype_vec_t::default();
    capi::wasmtime_module_imports(module, &mut imports);
    let wasi = imports
        .as_slice()
        .iter()
        .flatten()
        .any(|i| capi::wasm_importtype_module(i).as_slice() == crate::trace::wasi::MODULE.as_bytes());
    capi::wasm_importtype_vec_delete(&mut imports);
    wasi
}

fn context_ptr(context: capi::WasmtimeStoreContextMut<'_>) -> *mut handles::wasmtime_context_t {
    session::key_of(&context) as *mut handles::wasmtime_context_t
}

/// The next crossing, and how many events the replay has read (up to and
/// including it, but for the end marker, which is not counted).
fn next(session: &Session) -> Result<(Event, u64)> {
    let mut state = session.lock()?;
    let Role::Replay(replayer) = &mut state.role else {
        return Err(RrError::invalid_argument("the store is not replaying"));
    };
    let event: Event = peek_action(replayer)?.clone();
    Ok((event, replayer.reader.event_index()))
}

/// How many events the replay has read (after a failure: up to the one
/// that failed, which a divergence names).
fn events_read(session: &Session) -> Option<u64> {
    let state = session.lock().ok()?;
    match &state.role {
        Role::Replay(replayer) => Some(replayer.reader.event_index()),
        _ => None,
    }
}

fn replayer_export(session: &Session, export: u32) -> Result<(u32, String)> {
    let state = session.lock()?;
    let Role::Replay(Replayer { reader, .. }) = &state.role else {
        unreachable!("checked in next")
    };
    let (instance, name, _) = &reader.codec().exports[export as usize];
    Ok((*instance, name.clone()))
}

impl Standalone {
    /// Replays the trace in the file at `path` (see `replay`).
    pub fn replay_file(
        &self,
        path: &str,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        let replayer = self.file_replayer(path)?;
        unsafe { self.replay(replayer.take(), out, None, progress) }
    }

    /// Replays the trace in the file at `path` like `replay_file`, and lists
    /// its events on `listing` (`#index` and the `inspect` text, one line
    /// each) as the replay reads them (`wasmtime-rr replay --verbose`): a
    /// host or WASI call inside a guest call is listed when it is replayed,
    /// before the output it echoes; after a failure, the events up to the
    /// one that failed. The listing reads the file a second time; a trace
    /// that cannot be read twice (a pipe, say) is read into memory first.
    pub fn replay_file_listed(
        &self,
        path: &str,
        out: &mut dyn Write,
        listing: Box<dyn Write + Send>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        let io_error = |e: std::io::Error| {
            RrError::new(
                ErrorKind::TraceIo,
                format!("cannot read trace file {path}: {e}"),
            )
        };
        let mut file = std::fs::File::open(path).map_err(io_error)?;
        if file.metadata().map_err(io_error)?.is_file() {
            let replayer = self.file_replayer(path)?;
            let listing = Listing::new(Box::new(file), listing);
            return unsafe { self.replay(replayer.take(), out, Some(listing), progress) };
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error)?;
        let bytes: std::sync::Arc<[u8]> = bytes.into();
        let listing = Listing::new(Box::new(std::io::Cursor::new(bytes.clone())), listing);
        self.replay_source(Box::new(std::io::Cursor::new(bytes)), out, Some(listing), progress)
    }

    /// A replayer of the trace file at `path` (`wasmtime_rr_replayer_new_file`).
    fn file_replayer(&self, path: &str) -> Result<OwnedReplayer> {
        let path = std::ffi::CString::new(path)
            .map_err(|_| RrError::invalid_argument("the trace path contains a NUL byte"))?;
        let mut replayer = std::ptr::null_mut();
        checked(unsafe { sinks::wasmtime_rr_replayer_new_file(path.as_ptr(), &mut replayer) })?;
        Ok(OwnedReplayer(replayer))
    }

    /// Replays the trace `source` yields (see `replay`), pulled through
    /// `wasmtime_rr_replayer_new_callback` as a C host streaming a trace
    /// would: `wasmtime-rr replay` meters its reading that way to show
    /// progress while the guest runs.
    pub fn replay_read(
        &self,
        source: Box<dyn Read + Send>,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        self.replay_source(source, out, None, progress)
    }

    fn replay_source(
        &self,
        source: Box<dyn Read + Send>,
        out: &mut dyn Write,
        listing: Option<Listing<'static>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        let data = Box::into_raw(Box::new(source)).cast::<c_void>();
        let mut replayer = std::ptr::null_mut();
        let created = checked(unsafe {
            sinks::wasmtime_rr_replayer_new_callback(
                Some(read_source),
                data,
                Some(drop_source),
                &mut replayer,
            )
        });
        if let Err(error) = created {
            drop_source(data); // not taken: the finalizer is not called
            return Err(error);
        }
        unsafe { self.replay(replayer, out, listing, progress) }
    }

    /// Replays the trace in `bytes` (see `replay`), read through
    /// `wasmtime_rr_replayer_new_bytes` as a C host would.
    pub fn replay_bytes(
        &self,
        bytes: &[u8],
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        let mut replayer = std::ptr::null_mut();
        checked(unsafe {
            sinks::wasmtime_rr_replayer_new_bytes(bytes.as_ptr(), bytes.len(), &mut replayer)
        })?;
        unsafe { self.replay(replayer, out, None, progress) }
    }

    /// Replays a recorded session of the module with no host: instantiations and
    /// export calls taken from the trace, host results served from it, every
    /// outcome checked against it by the library. Writes one line per
    /// instantiation and export call to `out`, lists the events on `listing`
    /// if given (see `replay_file_listed`) and tells `progress` the number of
    /// events read, between calls into the guest. Returns the number of
    /// events the recording had and the guest's exit status, once the replay
    /// matched it up to its end marker.
    ///
    /// `replayer` is consumed, also on failure.
    ///
    /// # Safety
    /// `replayer` is a replayer from `wasmtime_rr_replayer_new_*` (not NULL)
    /// that nothing else owns.
    unsafe fn replay(
        &self,
        replayer: *mut wasmtime_rr_replayer_t,
        out: &mut dyn Write,
        listing: Option<Listing<'static>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        let mut store = self.store(OwnedReplayer(replayer))?;
        let mut context = capi::wasmtime_store_context(&mut store);
        let session = session::lookup(session::key_of(&context)).expect("attached in prepare");
        // The reader lists each event as it reads it; the loop below lists
        // the end marker (which the reader does not count).
        let listing = listing.map(|listing| Arc::new(Mutex::new(listing)));
        if let Some(listing) = &listing {
            let observed = listing.clone();
            let mut state = session.lock()?;
            if let Role::Replay(replayer) = &mut state.role {
                replayer.reader.observe(Box::new(move |read| {
                    observed.lock().unwrap_or_else(|p| p.into_inner()).up_to(read)
                }));
            }
        }
        let replayed = self.drive(&session, &mut context, out, listing.as_deref(), progress);
        if let (Err(_), Some(listing)) = (&replayed, &listing)
            && let Some(read) = events_read(&session)
        {
            listing.lock().unwrap_or_else(|p| p.into_inner()).up_to(read);
        }
        replayed
    }

    /// The replay loop of `replay`: one crossing after the other until the end marker.
    fn drive(
        &self,
        session: &Session,
        context: &mut capi::WasmtimeStoreContextMut<'_>,
        out: &mut dyn Write,
        listing: Option<&Mutex<Listing<'static>>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replayed> {
        let mut instances: Vec<Instance> = Vec::new();
        // This store's component instances, by ordinal (a program replays
        // many traces, one store each: nothing carries over).
        let mut component_instances = Vec::new();
        let mut exit = None;
        loop {
            let (event, read) = next(session)?;
            progress(read);
            if let (Event::End { .. }, Some(listing)) = (&event, listing) {
                listing.lock().unwrap_or_else(|p| p.into_inner()).rest();
            }
            match event {
                Event::Instantiate { .. } => match &self.program {
                    Program::Module { module, linker } => {
                        let mut instance = MaybeUninit::<Instance>::uninit();
                        let mut trap = std::ptr::null_mut();
                        checked(unsafe {
                            host_api::wasmtime_rr_linker_instantiate(
                                *linker,
                                context_ptr(context.as_context_mut()),
                                *module,
                                instance.as_mut_ptr(),
                                &mut trap,
                            )
                        })?;
                        if trap.is_null() {
                            instances.push(unsafe { instance.assume_init() });
                            let _ = writeln!(out, "instantiate #{}: ok", instances.len() - 1);
                        } else {
                            drop(unsafe { Box::from_raw(trap) });
                            let _ = writeln!(out, "instantiate: trapped (as recorded)");
                        }
                    }
                    Program::Component(program) => program.instantiate(session, context, &mut component_instances, out)?,
                },
                Event::Component(ComponentEvent::Call { export, args }) => match &self.program {
                    Program::Component(program) => {
                        if let Some(status) = program.call(session, context, &component_instances, export, &args, out)? {
                            exit = Some(status);
                        }
                    }
                    Program::Module { .. } => {
                        return Err(RrError::new(
                            ErrorKind::Divergence,
                            "the trace calls a component export, but the replay was given a core module",
                        ));
                    }
                },
                Event::ExportCall { export, args } => {
                    let (instance, name) = replayer_export(session, export)?;
                    let func = instances
                        .get(instance as usize)
                        .and_then(|i| i.get_export(context.as_context_mut(), &name))
                        .and_then(Extern::into_func)
                        .ok_or_else(|| {
                            RrError::new(
                                ErrorKind::Divergence,
                                format!("instance #{instance} has no export `{name}`"),
                            )
                        })?;
                    let c_args = {
                        let state = session.lock()?;
                        args.iter()
                            .map(|a| make_value(&state, a))
                            .collect::<Result<Vec<_>>>()?
                    };
                    let results_len = func.ty(context.as_context_mut()).results().len();
                    let mut results: Vec<MaybeUninit<capi::wasmtime_val_t>> =
                        (0..results_len).map(|_| MaybeUninit::uninit()).collect();
                    let mut trap = std::ptr::null_mut();
                    let stock = unsafe {
                        calls::call(
                            context.as_context_mut(),
                            &func,
                            calls::CallValues::C {
                                args: c_args.as_ptr(),
                                nargs: c_args.len(),
                                results: results.as_mut_ptr(),
                                nresults: results.len(),
                            },
                            &mut trap,
                        )
                    }?;
                    // The library checked this outcome against the trace already.
                    let outcome = match (stock, unsafe { trap.as_ref() }) {
                        (Some(error), _) => {
                            let error = wasmtime::Error::from(*error);
                            if let Some(status) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
                                exit = Some(status.0);
                            }
                            Outcome::Failed(format!("{error:?}"))
                        }
                        (None, Some(trap)) => calls::trap_outcome(trap),
                        (None, None) => {
                            let returned = results.iter_mut().map(|slot| {
                                let value = unsafe { slot.assume_init_read() };
                                values::from_c(&value, &mut |_| {
                                    crate::trace::event::FuncRef::Unnamed
                                })
                            });
                            Outcome::Returned(returned.collect::<Result<Vec<_>>>()?)
                        }
                    };
                    if !trap.is_null() {
                        drop(unsafe { Box::from_raw(trap) });
                    }
                    let _ = writeln!(out, "call {name}{} -> {outcome}", Values(&args));
                }
                // The host dropped a resource of its own type outside any
                // call (one an export gave it): its destructor, served.
                Event::Component(ComponentEvent::HostCall(call)) if self.is_destructor(session, call.import)? => {
                    let mut state = session.lock()?;
                    let Role::Replay(replayer) = &mut state.role else { unreachable!("checked in next") };
                    let (_, event) = next_action(replayer)?;
                    let shown = match &event {
                        Event::Component(ComponentEvent::HostCall(ComponentHostCall { args: Some(rep), .. })) => {
                            format!("{}{rep}", replayer.reader.codec().component_imports[call.import as usize])
                        }
                        other => describe(replayer, other),
                    };
                    let _ = writeln!(out, "host drop: {shown}");
                }
                Event::MemoryWrite(write) => {
                    let memory = session
                        .lock()?
                        .memories
                        .get(write.memory as usize)
                        .copied()
                        .ok_or_else(|| {
                            RrError::new(
                                ErrorKind::Divergence,
                                format!("memory #{} does not exist", write.memory),
                            )
                        })?;
                    calls::memory_write(
                        context.as_context_mut(),
                        &memory,
                        write.offset,
                        &write.bytes,
                    )?;
                }
                Event::End { status, events } => {
                    session::finish(context)?;
                    let note = match status {
                        EndStatus::Finished => "",
                        EndStatus::StoreDropped => {
                            " (the recording was cut off: its store was freed unfinished)"
                        }
                    };
                    let _ = writeln!(out, "replay matched the recording: {events} events{note}");
                    return Ok(Replayed { events, exit });
                }
                other => {
                    return Err(RrError::new(
                        ErrorKind::TraceFormat,
                        format!(
                            "malformed trace: a {} event outside any call",
                            category(&other)
                        ),
                    ));
                }
            }
        }
    }
}

/// Whether the trace's next instantiation is still unread.
fn instantiation_pending(session: &Session) -> Result<bool> {
    let state = session.lock()?;
    let Role::Replay(replayer) = &state.role else { unreachable!("checked in next") };
    Ok(matches!(replayer.peeked, Some((_, Event::Instantiate { .. }))))
}

impl Standalone {
    /// Whether a component host function of the trace is a resource type's
    /// destructor (`[resource-drop]name`).
    fn is_destructor(&self, session: &Session, import: u32) -> Result<bool> {
        let state = session.lock()?;
        let Role::Replay(replayer) = &state.role else { unreachable!("checked in next") };
        let name = replayer.reader.codec().component_imports.get(import as usize);
        Ok(matches!(self.program, Program::Component(_)) && name.is_some_and(|n| n.starts_with("[resource-drop]")))
    }
}

/// The read callback of `replay_read`: `data` is its boxed source.
extern "C" fn read_source(data: *mut c_void, buffer: *mut u8, capacity: usize) -> usize {
    // SAFETY: `data` is the source `replay_read` boxed, used by one thread at
    // a time; `buffer` holds `capacity` bytes.
    let source = unsafe { &mut *data.cast::<Box<dyn Read + Send>>() };
    let buffer = unsafe { std::slice::from_raw_parts_mut(buffer, capacity) };
    loop {
        match source.read(buffer) {
            Ok(n) => return n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return usize::MAX,
        }
    }
}

/// The finalizer of `replay_read`'s source.
extern "C" fn drop_source(data: *mut c_void) {
    // SAFETY: `data` came from `Box::into_raw` in `replay_read`, freed once.
    drop(unsafe { Box::from_raw(data.cast::<Box<dyn Read + Send>>()) });
}

/// A replayer owned until it is handed to the store.
struct OwnedReplayer(*mut wasmtime_rr_replayer_t);

impl OwnedReplayer {
    fn take(mut self) -> *mut wasmtime_rr_replayer_t {
        std::mem::replace(&mut self.0, std::ptr::null_mut())
    }
}

impl Drop for OwnedReplayer {
    fn drop(&mut self) {
        unsafe { sinks::wasmtime_rr_replayer_delete(self.0) };
    }
}

/// A component compiled for replay, and a component linker with a stand-in
/// for each function it imports.
struct ComponentProgram {
    component: *mut capi::wasmtime_component_t,
    /// Boxed: the RR-aware WASI preview 2 knows a prepared linker by address.
    /// In a cell: the host's resource types are defined as the trace names
    /// them, before each instantiation.
    linker: RefCell<Box<CComponentLinker>>,
    /// The resource types defined so far (path, host type number).
    resources: RefCell<Vec<(String, u32)>>,
    /// Imports WASI preview 2: served by the RR-aware definitions.
    wasi: bool,
}

/// Never runs: during a replay destructors are served from the trace.
extern "C" fn destructor_stand_in(
    _: *mut c_void,
    _: capi::WasmtimeStoreContextMut<'_>,
    _: u32,
) -> Option<Box<capi::wasmtime_error_t>> {
    let message = "wasmtime-rr replay: a stand-in destructor was called outside the replay";
    Some(Box::new(capi::wasmtime_error_t::from(wasmtime::format_err!("{message}"))))
}

/// Never runs: during a replay host functions are served from the trace.
extern "C" fn component_stand_in(
    _: *mut c_void,
    _: capi::WasmtimeStoreContextMut<'_>,
    _: &capi::wasmtime_component_func_type_t,
    _: *mut capi::wasmtime_component_val_t,
    _: usize,
    _: *mut capi::wasmtime_component_val_t,
    _: usize,
) -> Option<Box<capi::wasmtime_error_t>> {
    let message = "wasmtime-rr replay: a stand-in host function was called outside the replay";
    Some(Box::new(capi::wasmtime_error_t::from(wasmtime::format_err!("{message}"))))
}

impl ComponentProgram {
    /// # Safety
    /// `engine` is a live engine that outlives the program.
    unsafe fn new(engine: *mut capi::wasm_engine_t, bytes: &[u8]) -> Result<ComponentProgram> {
        let mut component = std::ptr::null_mut();
        checked(unsafe { components::wasmtime_rr_component_new(engine, bytes.as_ptr(), bytes.len(), &mut component) })?;
        let mut program = ComponentProgram {
            component,
            linker: RefCell::new(Box::new(CComponentLinker::new(unsafe { handles::engine_ref(engine, "engine") }?))),
            resources: RefCell::new(Vec::new()),
            wasi: false,
        };
        if let Err(error) = program.define_stand_ins() {
            unsafe { program.delete() };
            return Err(error);
        }
        Ok(program)
    }

    fn compiled(&self) -> &wasmtime::component::Component {
        unsafe { handles::component_ref(self.component, "component") }.expect("compiled in new")
    }

    /// A stand-in for every function the component imports, at the top
    /// level or inside an imported instance; WASI preview 2 as the RR-aware
    /// definitions serve it (from the trace).
    fn define_stand_ins(&mut self) -> Result<()> {
        let component = self.compiled().clone();
        let engine = component.engine().clone();
        let ty = component.component_type();
        let stand_in = |name: &str| rr_components::ComponentHost::new(rr_components::HostCallback::Func(component_stand_in), std::ptr::null_mut(), None, name.to_string());
        let wasmtime_error = |e: wasmtime::Error| RrError::from_wasmtime(ErrorKind::InvalidArgument, &e);
        self.wasi = ty.imports(&engine).any(|(name, _)| name.starts_with("wasi:"));
        let linker = self.linker.get_mut();
        if self.wasi {
            crate::rr::wasip2::define(linker).map_err(wasmtime_error)?;
            crate::rr::wasip2::prepared(linker);
        }
        let mut root = linker.root();
        for (name, import) in ty.imports(&engine) {
            if name.starts_with("wasi:") {
                continue;
            }
            match &import.ty {
                ComponentItem::ComponentFunc(_) => {
                    let host = stand_in(name);
                    root.func_new(name, move |ctx, ty, args, rets| host.call(ctx, ty, args, rets)).map_err(wasmtime_error)?;
                }
                ComponentItem::ComponentInstance(instance) => {
                    let mut inner = root.instance(name).map_err(wasmtime_error)?;
                    for (func_name, export) in instance.exports(&engine) {
                        match &export.ty {
                            ComponentItem::ComponentFunc(_) => {
                                let host = stand_in(func_name);
                                inner
                                    .func_new(func_name, move |ctx, ty, args, rets| host.call(ctx, ty, args, rets))
                                    .map_err(wasmtime_error)?;
                            }
                            // Resource types: defined as the trace names them.
                            ComponentItem::Type(_) | ComponentItem::Resource(_) => {}
                            _ => return Err(unsupported_import(&format!("{name}#{func_name}"))),
                        }
                    }
                }
                ComponentItem::Type(_) | ComponentItem::Resource(_) => {}
                _ => return Err(unsupported_import(name)),
            }
        }
        Ok(())
    }

    /// Defines the host's resource types the trace has named so far (each
    /// with a stand-in destructor: the replay serves destructors).
    fn define_resources(&self, session: &Session) -> Result<()> {
        let named = {
            let state = session.lock()?;
            let Role::Replay(Replayer { reader, .. }) = &state.role else { unreachable!("checked in next") };
            reader.codec().component_resources.clone()
        };
        let mut defined = self.resources.borrow_mut();
        let mut linker = self.linker.borrow_mut();
        for (path, ty) in named {
            if defined.contains(&(path.clone(), ty)) {
                continue;
            }
            let (instance, name) = match path.split_once('#') {
                Some((instance, name)) => (Some(instance), name),
                None => (None, path.as_str()),
            };
            let host = rr_components::ComponentHost::new(
                rr_components::HostCallback::Destructor(destructor_stand_in),
                std::ptr::null_mut(),
                None,
                format!("[resource-drop]{name}"),
            );
            let mut root = linker.root();
            let mut at = match instance {
                Some(instance) => root.instance(instance),
                None => Ok(root),
            }
            .map_err(|e| RrError::from_wasmtime(ErrorKind::InvalidArgument, &e))?;
            at.resource(name, wasmtime::component::ResourceType::host_dynamic(ty), move |ctx, rep| host.destroy(ctx, rep))
                .map_err(|e| RrError::from_wasmtime(ErrorKind::InvalidArgument, &e))?;
            defined.push((path, ty));
        }
        Ok(())
    }

    fn instantiate(
        &self,
        session: &Session,
        context: &mut capi::WasmtimeStoreContextMut<'_>,
        instances: &mut Vec<wasmtime::component::Instance>,
        out: &mut dyn Write,
    ) -> Result<()> {
        self.define_resources(session)?;
        let linker = self.linker.borrow();
        match rr_components::instantiate(context.as_context_mut(), &linker, self.compiled())? {
            Ok(instance) => {
                instances.push(instance);
                let _ = writeln!(out, "instantiate #{}: ok", instances.len() - 1);
            }
            // Refused before the trace was read (an import the replay
            // cannot define): going on would read the same event forever.
            Err(error) if instantiation_pending(session)? => {
                return Err(RrError::new(
                    ErrorKind::Divergence,
                    format!("the component cannot be instantiated with what the trace defines: {error:#}"),
                ));
            }
            Err(_) => {
                let _ = writeln!(out, "instantiate: failed (as recorded)");
            }
        }
        Ok(())
    }

    /// Calls the export a trace names (`interface#function` inside an
    /// exported instance) with the recorded arguments. Returns the guest's
    /// exit status when it exited, or when the export is a WASI command's
    /// `run` (1 when it returned an error, as `wasmtime run` has it).
    fn call(
        &self,
        session: &Session,
        context: &mut capi::WasmtimeStoreContextMut<'_>,
        instances: &[wasmtime::component::Instance],
        export: u32,
        args: &crate::trace::component::Encoded,
        out: &mut dyn Write,
    ) -> Result<Option<i32>> {
        let (instance, name) = {
            let state = session.lock()?;
            let Role::Replay(Replayer { reader, .. }) = &state.role else { unreachable!("checked in next") };
            reader.codec().component_exports[export as usize].clone()
        };
        let missing = || RrError::new(ErrorKind::Divergence, format!("instance #{instance} has no export `{name}`"));
        let found = instances.get(instance as usize).copied().ok_or_else(missing)?;
        let mut index = None;
        for part in name.split('#') {
            index = Some(found.get_export_index(context.as_context_mut(), index.as_ref(), part).ok_or_else(missing)?);
        }
        let func = found.get_func(context.as_context_mut(), index.as_ref().ok_or_else(missing)?).ok_or_else(missing)?;
        let values = rr_components::replay_args(session, context.as_context_mut(), args)?;
        let count = func.ty(context.as_context()).results().len();
        // The library checks the outcome against the trace.
        let command = name.starts_with(super::run::RUN_INTERFACE) && name.ends_with("#run");
        let (outcome, status) = match rr_components::call(context.as_context_mut(), &func, &values, count, |_| Ok(count))? {
            Ok(results) => {
                let status = match results.as_slice() {
                    [Val::Result(Ok(_))] if command => Some(0),
                    [Val::Result(Err(_))] if command => Some(1),
                    _ => None,
                };
                (format!("returned {}", rr_components::show_values(session, &results)?), status)
            }
            Err(error) => {
                let status = error.downcast_ref::<wasmtime_wasi::I32Exit>().map(|exit| exit.0);
                (format!("failed: {error:#}"), status)
            }
        };
        let _ = writeln!(out, "call {name}{args} -> {outcome}");
        Ok(status)
    }

    /// # Safety
    /// Called once, when the program is done.
    unsafe fn delete(&mut self) {
        unsafe { components::wasmtime_rr_component_delete(self.component) };
        self.component = std::ptr::null_mut();
    }
}

fn unsupported_import(name: &str) -> RrError {
    RrError::new(
        ErrorKind::Unsupported,
        format!("import `{name}` is not a function: the replay tool provides only function imports"),
    )
}
