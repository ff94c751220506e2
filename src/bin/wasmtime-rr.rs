//! `wasmtime-rr`: replay a recorded session without its host, or inspect a trace.
//!
//!     wasmtime-rr replay MODULE.wasm TRACE
//!     wasmtime-rr inspect TRACE
//!
//! `replay` re-runs the session: instantiations and export calls come from the
//! trace, host functions are served from it, and every result is checked
//! against the recording. It prints each export call with its results and
//! exits 0 when the replay matched, 1 with the divergence otherwise.
//! `inspect` prints the header, every event and a summary.
//! Progress goes to stderr for long traces; usage errors exit 2.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wasmtime_rr::error::{Result, RrError};
use wasmtime_rr::trace::event::{Event, HostCall, Outcome, Values};
use wasmtime_rr::trace::{TraceReader, event::EndStatus};

const USAGE: &str = "usage: wasmtime-rr replay MODULE.wasm TRACE\n       wasmtime-rr inspect TRACE";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["replay", module, trace] => replay::run(module, trace),
        ["inspect", trace] => inspect(trace),
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = std::io::stdout().flush();
            eprintln!("error [{}]: {}", wasmtime_rr::error::kind_name(error.kind() as u32).to_string_lossy(), error.message());
            ExitCode::FAILURE
        }
    }
}

/// Prints "N events" to stderr at most once a second on long runs.
struct Progress {
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new() -> Progress {
        let now = Instant::now();
        Progress { started: now, last: now }
    }

    fn tick(&mut self, events: u64) {
        if self.last.elapsed() >= Duration::from_secs(1) {
            self.last = Instant::now();
            eprintln!("... {events} events ({:.1} s)", self.started.elapsed().as_secs_f64());
        }
    }
}

fn open_trace(path: &str) -> Result<TraceReader> {
    let file = std::fs::File::open(path).map_err(|e| {
        RrError::new(wasmtime_rr::error::ErrorKind::TraceIo, format!("cannot open trace file {path}: {e}"))
    })?;
    TraceReader::new(Box::new(file))
}

/// The category of an event, for the summary.
fn category(event: &Event) -> &'static str {
    match event {
        Event::Instantiate { .. } => "instantiate",
        Event::DefineImport { .. } => "define_import",
        Event::DefineExport { .. } => "define_export",
        Event::ExportCall { .. } => "export_call",
        Event::Return(_) => "return",
        Event::HostCall(_) => "host_call",
        Event::MemoryWrite(_) => "memory_write",
        Event::End { .. } => "end",
    }
}

fn host_call_text(reader: &TraceReader, call: &HostCall) -> String {
    let (module, name, _) = &reader.codec().imports[call.import as usize];
    let mut text = format!("host call {module}.{name}");
    if let Some(args) = &call.args {
        text += &format!("{}", Values(args));
    }
    match &call.outcome {
        Ok(results) => text += &format!(" -> {}", Values(results)),
        Err(message) => text += &format!(" trapped: {message}"),
    }
    for write in &call.writes {
        text += &format!(", wrote {} bytes at {} into memory #{}", write.bytes.len(), write.offset, write.memory);
    }
    if let Some(digest) = call.digest {
        text += &format!(", memory digest {digest:016x}");
    }
    text
}

fn event_text(reader: &TraceReader, event: &Event) -> String {
    match event {
        Event::Instantiate { checksum } => format!("instantiate module sha256 {}", wasmtime_rr::modules::hex(checksum)),
        Event::DefineImport { id, module, name, signature } => {
            format!("define import #{id} {module}.{name} {:?} -> {:?}", signature.params, signature.results)
        }
        Event::DefineExport { id, instance, name, signature } => format!(
            "define export #{id} `{name}` of instance #{instance} {:?} -> {:?}",
            signature.params, signature.results
        ),
        Event::ExportCall { export, args } => {
            let (instance, name, _) = &reader.codec().exports[*export as usize];
            format!("call export `{name}` of instance #{instance} with {}", Values(args))
        }
        Event::Return(outcome) => format!("return: {outcome}"),
        Event::HostCall(call) => host_call_text(reader, call),
        Event::MemoryWrite(w) => format!("host wrote {} bytes at {} into memory #{}", w.bytes.len(), w.offset, w.memory),
        Event::End { status: EndStatus::Finished, events } => format!("end: finished after {events} events"),
        Event::End { status: EndStatus::StoreDropped, events } => {
            format!("end: INCOMPLETE, the store was freed before the recording was finished ({events} events)")
        }
    }
}

fn inspect(path: &str) -> Result<()> {
    let mut reader = open_trace(path)?;
    let header = reader.header().clone();
    let out = &mut std::io::stdout().lock();
    let settings = header.settings;
    let on = |b: bool| if b { "on" } else { "off" };
    let _ = writeln!(out, "trace format {}, recorded with Wasmtime {}", header.format_version, header.wasmtime_version);
    let _ = writeln!(
        out,
        "settings: validation metadata {}, memory digest {}, event window {}",
        on(settings.validation),
        on(settings.digest),
        settings.window
    );
    let mut summary: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut progress = Progress::new();
    let mut index = 0u64;
    while let Some(event) = reader.next()? {
        let _ = writeln!(out, "#{index} {}", event_text(&reader, &event));
        let entry = summary.entry(category(&event)).or_default();
        entry.0 += 1;
        entry.1 += reader.last_event_size() as u64;
        index += 1;
        progress.tick(index);
    }
    let _ = writeln!(out, "summary ({} frames):", reader.frames_read());
    let _ = writeln!(out, "  {:<14} {:>10} {:>12}", "kind", "events", "bytes");
    for (kind, (events, bytes)) in summary {
        let _ = writeln!(out, "  {kind:<14} {events:>10} {bytes:>12}");
    }
    Ok(())
}

/// Replay without the host: stand-ins for the imports, calls from the trace.
mod replay {
    use super::*;
    use std::ffi::c_void;
    use std::mem::MaybeUninit;
    use wasmtime::{AsContextMut, Extern, Instance};
    use wasmtime_c_api as capi;
    use wasmtime_rr::calls::{self, make_value, peek_action};
    use wasmtime_rr::config::{RrMode, build_engine, enforce_determinism, set_mode};
    use wasmtime_rr::error::ErrorKind;
    use wasmtime_rr::handles;
    use wasmtime_rr::host_api;
    use wasmtime_rr::session::{self, Replayer, Role, Session};
    use wasmtime_rr::values;

    /// Turns a `wasmtime_error_t*` from one of our C functions into a Result.
    fn checked(error: *mut capi::wasmtime_error_t) -> Result<()> {
        if error.is_null() {
            return Ok(());
        }
        let error = wasmtime::Error::from(*unsafe { Box::from_raw(error) });
        Err(match error.downcast_ref::<RrError>() {
            Some(ours) => ours.clone(),
            None => RrError::new(ErrorKind::InvalidArgument, format!("{error:?}")),
        })
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
    fn define_stand_ins(linker: *mut capi::wasmtime_linker_t, module: &capi::wasmtime_module_t) -> Result<()> {
        let mut imports = capi::wasm_importtype_vec_t::default();
        capi::wasmtime_module_imports(module, &mut imports);
        let result = imports.as_slice().iter().flatten().try_for_each(|import| {
            let module_name = capi::wasm_importtype_module(import).as_slice().to_vec();
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

    /// Owns what a replay creates, freeing it in the right order.
    struct Run {
        engine: *mut capi::wasm_engine_t,
        module: *mut capi::wasmtime_module_t,
        linker: *mut capi::wasmtime_linker_t,
        store: Option<Box<capi::wasmtime_store_t>>,
    }

    impl Drop for Run {
        fn drop(&mut self) {
            drop(self.store.take());
            unsafe {
                capi::wasmtime_linker_delete(Box::from_raw(self.linker));
                host_api::wasmtime_rr_module_delete(self.module);
                capi::wasm_engine_delete(Box::from_raw(self.engine));
            }
        }
    }

    fn prepare(module_path: &str, trace_path: &str) -> Result<Run> {
        let wasm = std::fs::read(module_path)
            .map_err(|e| RrError::new(ErrorKind::TraceIo, format!("cannot read module {module_path}: {e}")))?;
        let mut config = wasmtime::Config::new();
        set_mode(&mut config, RrMode::Replaying)?;
        enforce_determinism(&mut config);
        let engine = handles::engine_into_raw(build_engine(&config)?);
        let mut module = std::ptr::null_mut();
        let compiled = checked(unsafe { host_api::wasmtime_rr_module_new(engine, wasm.as_ptr(), wasm.len(), &mut module) });
        if let Err(error) = compiled {
            unsafe { capi::wasm_engine_delete(Box::from_raw(engine)) };
            return Err(error);
        }
        let linker = Box::into_raw(capi::wasmtime_linker_new(unsafe { &*engine }));
        let mut run = Run { engine, module, linker, store: None };
        define_stand_ins(linker, unsafe { &*module })?;
        let mut store = capi::wasmtime_store_new(unsafe { &*engine }, std::ptr::null_mut(), None);
        let context = capi::wasmtime_store_context(&mut store);
        let context = context_ptr(context);
        let mut replayer = std::ptr::null_mut();
        let path = std::ffi::CString::new(trace_path)
            .map_err(|_| RrError::invalid_argument("the trace path contains a NUL byte"))?;
        checked(unsafe { wasmtime_rr::sinks::wasmtime_rr_replayer_new_file(path.as_ptr(), &mut replayer) })?;
        checked(unsafe { wasmtime_rr::sinks::wasmtime_rr_store_replay(context, replayer) })?;
        run.store = Some(store);
        Ok(run)
    }

    fn context_ptr(context: capi::WasmtimeStoreContextMut<'_>) -> *mut handles::wasmtime_context_t {
        session::key_of(&context) as *mut handles::wasmtime_context_t
    }

    fn next(session: &Session) -> Result<Event> {
        let mut state = session.lock();
        let Role::Replay(replayer) = &mut state.role else {
            return Err(RrError::invalid_argument("the store is not replaying"));
        };
        let event: &Event = peek_action(replayer)?;
        Ok(event.clone())
    }

    fn replayer_export(session: &Session, export: u32) -> (u32, String) {
        let state = session.lock();
        let Role::Replay(Replayer { reader, .. }) = &state.role else { unreachable!("checked in next") };
        let (instance, name, _) = &reader.codec().exports[export as usize];
        (*instance, name.clone())
    }

    pub fn run(module_path: &str, trace_path: &str) -> Result<()> {
        let mut run = prepare(module_path, trace_path)?;
        let store = run.store.as_mut().expect("prepared");
        let mut context = capi::wasmtime_store_context(store);
        let session = session::lookup(session::key_of(&context)).expect("attached in prepare");
        let mut instances: Vec<Instance> = Vec::new();
        let mut progress = Progress::new();
        let mut handled = 0u64;
        loop {
            handled += 1;
            progress.tick(handled);
            match next(&session)? {
                Event::Instantiate { .. } => {
                    let mut instance = MaybeUninit::<Instance>::uninit();
                    let mut trap = std::ptr::null_mut();
                    checked(unsafe {
                        host_api::wasmtime_rr_linker_instantiate(
                            run.linker,
                            context_ptr(context.as_context_mut()),
                            run.module,
                            instance.as_mut_ptr(),
                            &mut trap,
                        )
                    })?;
                    if trap.is_null() {
                        instances.push(unsafe { instance.assume_init() });
                        println!("instantiate #{}: ok", instances.len() - 1);
                    } else {
                        drop(unsafe { Box::from_raw(trap) });
                        println!("instantiate: trapped (as recorded)");
                    }
                }
                Event::ExportCall { export, args } => {
                    let (instance, name) = replayer_export(&session, export);
                    let func = instances
                        .get(instance as usize)
                        .and_then(|i| i.get_export(context.as_context_mut(), &name))
                        .and_then(Extern::into_func)
                        .ok_or_else(|| RrError::new(ErrorKind::Divergence, format!("instance #{instance} has no export `{name}`")))?;
                    let c_args = {
                        let state = session.lock();
                        args.iter().map(|a| make_value(&state, a)).collect::<Result<Vec<_>>>()?
                    };
                    let results_len = func.ty(context.as_context_mut()).results().len();
                    let mut results: Vec<MaybeUninit<capi::wasmtime_val_t>> = (0..results_len).map(|_| MaybeUninit::uninit()).collect();
                    let mut trap = std::ptr::null_mut();
                    let stock = unsafe {
                        calls::call(
                            context.as_context_mut(),
                            &func,
                            c_args.as_ptr(),
                            c_args.len(),
                            results.as_mut_ptr(),
                            results.len(),
                            &mut trap,
                        )
                    }?;
                    // The library checked this outcome against the trace already.
                    let outcome = match (stock, unsafe { trap.as_ref() }) {
                        (Some(error), _) => Outcome::Failed(format!("{:?}", wasmtime::Error::from(*error))),
                        (None, Some(trap)) => calls::trap_outcome(trap),
                        (None, None) => {
                            let returned = results.iter_mut().map(|slot| {
                                let value = unsafe { slot.assume_init_read() };
                                values::from_c(&value, &mut |_| wasmtime_rr::trace::event::FuncRef::Unnamed)
                            });
                            Outcome::Returned(returned.collect::<Result<Vec<_>>>()?)
                        }
                    };
                    if !trap.is_null() {
                        drop(unsafe { Box::from_raw(trap) });
                    }
                    println!("call {name}{} -> {outcome}", Values(&args));
                }
                Event::MemoryWrite(write) => {
                    let memory = session.lock().memories.get(write.memory as usize).copied().ok_or_else(|| {
                        RrError::new(ErrorKind::Divergence, format!("memory #{} does not exist", write.memory))
                    })?;
                    calls::memory_write(context.as_context_mut(), &memory, write.offset, &write.bytes)?;
                }
                Event::End { status, events } => {
                    session::finish(&context)?;
                    let note = match status {
                        EndStatus::Finished => "",
                        EndStatus::StoreDropped => " (the recording was cut off: its store was freed unfinished)",
                    };
                    println!("replay matched the recording: {events} events{note}");
                    return Ok(());
                }
                other => {
                    return Err(RrError::new(
                        ErrorKind::TraceFormat,
                        format!("malformed trace: a {} event outside any call", category(&other)),
                    ));
                }
            }
        }
    }
}
