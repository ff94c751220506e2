//! Recorders and replayers: where a trace goes or comes from, the record
//! settings, and attaching them to (and finishing them on) a store.

use crate::ffi::boundary::{self, guard};
use crate::error::{ErrorKind, Result, RrError};
use crate::ffi::handles::{self, wasmtime_context_t};
use crate::rr::session::{self, Recorder, Replayer, Role};
use crate::trace::{Settings, Sink, TraceReader, TraceWriter};
use std::collections::HashMap;
use std::ffi::{CStr, OsStr, c_void};
use std::io::{self, Read};
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use wasmtime_c_api::wasmtime_error_t;

/// Receives trace bytes. Returns `true` when all `len` bytes were stored;
/// `false` ends the recording with a `WASMTIME_RR_ERROR_KIND_TRACE_IO` error.
/// Called on the thread that uses the store, once per window of events.
pub type wasmtime_rr_write_callback_t = Option<extern "C" fn(data: *mut c_void, bytes: *const u8, len: usize) -> bool>;

/// Supplies trace bytes: copies at most `capacity` bytes into `buffer` and
/// returns how many; 0 means the end of the trace; `SIZE_MAX` reports a
/// failure (a `WASMTIME_RR_ERROR_KIND_TRACE_IO` error).
pub type wasmtime_rr_read_callback_t = Option<extern "C" fn(data: *mut c_void, buffer: *mut u8, capacity: usize) -> usize>;

/// The host's data for a callback, with its finalizer run when dropped.
struct HostData {
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
}

// SAFETY: the host promises (in the docs) that its callback and data may be
// used from the thread that uses the store, which may not be the creator's.
unsafe impl Send for HostData {}

impl Drop for HostData {
    fn drop(&mut self) {
        if let Some(finalizer) = self.finalizer {
            finalizer(self.data);
        }
    }
}

struct CallbackSink {
    write: extern "C" fn(*mut c_void, *const u8, usize) -> bool,
    host: HostData,
}

impl Sink for CallbackSink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        match (self.write)(self.host.data, bytes.as_ptr(), bytes.len()) {
            true => Ok(()),
            false => Err(RrError::new(ErrorKind::TraceIo, "the trace write callback reported a failure")),
        }
    }
}

struct CallbackSource {
    read: extern "C" fn(*mut c_void, *mut u8, usize) -> usize,
    host: HostData,
}

impl Read for CallbackSource {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match (self.read)(self.host.data, buffer.as_mut_ptr(), buffer.len()) {
            usize::MAX => Err(io::Error::other("the trace read callback reported a failure")),
            n if n > buffer.len() => Err(io::Error::other(format!(
                "the trace read callback returned {n} bytes for a {}-byte buffer",
                buffer.len()
            ))),
            n => Ok(n),
        }
    }
}

/// A recorder: a trace destination and record settings, not yet attached.
pub struct wasmtime_rr_recorder_t {
    sink: Box<dyn Sink + Send>,
    settings: Settings,
    flush_bytes: usize,
    flush_each_call: bool,
}

/// A replayer: a trace source, not yet attached.
pub struct wasmtime_rr_replayer_t {
    source: Box<dyn Read + Send>,
    echo: bool,
}

/// # Safety
/// A non-NULL `path` must be NUL-terminated.
unsafe fn path_arg(path: *const c_char) -> Result<PathBuf> {
    if path.is_null() {
        return Err(RrError::null_argument("path"));
    }
    // Paths are bytes on this platform: any bytes but NUL are accepted.
    Ok(PathBuf::from(OsStr::from_bytes(unsafe { CStr::from_ptr(path) }.to_bytes())))
}

fn io_error(what: String, error: io::Error) -> RrError {
    RrError::new(ErrorKind::TraceIo, format!("{what}: {error}"))
}

fn new_recorder(sink: Box<dyn Sink + Send>, out: boundary::Out<*mut wasmtime_rr_recorder_t>) {
    out.write(Box::into_raw(Box::new(wasmtime_rr_recorder_t {
        sink,
        settings: Settings::default(),
        flush_bytes: crate::trace::DEFAULT_FLUSH_BYTES,
        flush_each_call: false,
    })));
}

fn new_replayer(source: Box<dyn Read + Send>, out: boundary::Out<*mut wasmtime_rr_replayer_t>) {
    out.write(Box::into_raw(Box::new(wasmtime_rr_replayer_t { source, echo: false })));
}

/// Creates a recorder that writes its trace to a file.
///
/// The file is created (or truncated) now, so a path that cannot be written
/// is reported here. Settings start at their defaults: no validation
/// metadata, an event window of 16, no memory digest.
///
/// \param path the file's path, NUL-terminated; any bytes but NUL (the path
/// need not be UTF-8).
/// \param recorder_out receives the recorder, owned by the caller until it is
/// attached (`wasmtime_rr_store_record`) or freed
/// (`wasmtime_rr_recorder_delete`); written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the file cannot be created.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_t *recorder = NULL;
/// wasmtime_error_t *err = wasmtime_rr_recorder_new_file("session.wrr", &recorder);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_new_file(
    path: *const c_char,
    recorder_out: *mut *mut wasmtime_rr_recorder_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_recorder_new_file", || {
        let path = unsafe { path_arg(path) }?;
        let out = unsafe { boundary::out(recorder_out, "recorder_out") }?;
        let file = std::fs::File::create(&path)
            .map_err(|e| io_error(format!("cannot create trace file {}", path.display()), e))?;
        new_recorder(Box::new(file), out);
        Ok(())
    })
}

/// Creates a recorder that hands its trace to a write callback.
///
/// The callback receives the header when the recorder is attached, then one
/// frame per window of events, then the last frame when the store is
/// finished (or freed). What it has acknowledged (returned `true` for) is
/// always a valid prefix of the trace. Settings start at their defaults.
///
/// \param write the callback; it may run on any thread that uses the store.
/// \param data passed to `write` and `finalizer`.
/// \param finalizer called with `data` when the recorder is freed or its
/// recording ends (may be NULL).
/// \param recorder_out receives the recorder, owned by the caller until
/// attached or freed; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `write` or
/// `recorder_out` is NULL (the finalizer is then not called).
///
/// Never aborts.
///
/// Example:
/// \code
/// static bool append(void *buf, const uint8_t *bytes, size_t len) { ...; return true; }
/// wasmtime_rr_recorder_new_callback(append, &buffer, NULL, &recorder);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_new_callback(
    write: wasmtime_rr_write_callback_t,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
    recorder_out: *mut *mut wasmtime_rr_recorder_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_recorder_new_callback", || {
        let write = write.ok_or_else(|| RrError::null_argument("write"))?;
        let out = unsafe { boundary::out(recorder_out, "recorder_out") }?;
        new_recorder(Box::new(CallbackSink { write, host: HostData { data, finalizer } }), out);
        Ok(())
    })
}

/// Shared shell of the recorder setters.
fn set(function: &'static str, recorder: *mut wasmtime_rr_recorder_t, apply: impl FnOnce(&mut Settings) -> Result<()>) -> *mut wasmtime_error_t {
    guard(function, || apply(&mut unsafe { boundary::arg_mut(recorder, "recorder") }?.settings))
}

/// Chooses whether host-call events also record their arguments.
///
/// With validation metadata a replay checks that every host function is
/// called with the recorded arguments (a mismatch is a divergence); without
/// it (the default) a host-call event holds only its results, at most a few
/// bytes beyond them.
///
/// \param recorder a recorder not yet attached; borrowed.
/// \param enable `true` to record arguments. Default `false`.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_validation_set(recorder, true);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_validation_set(
    recorder: *mut wasmtime_rr_recorder_t,
    enable: bool,
) -> *mut wasmtime_error_t {
    set("wasmtime_rr_recorder_validation_set", recorder, |s| {
        s.validation = enable;
        Ok(())
    })
}

/// Sets how many events are buffered before each write to the trace.
///
/// Each window is written as one CRC-checked frame. A smaller window loses
/// less on a crash and costs more writes. Default 16.
///
/// \param recorder a recorder not yet attached; borrowed.
/// \param events the window, at least 1.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL
/// and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when `events` is 0.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_event_window_set(recorder, 4096);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_event_window_set(
    recorder: *mut wasmtime_rr_recorder_t,
    events: u32,
) -> *mut wasmtime_error_t {
    set("wasmtime_rr_recorder_event_window_set", recorder, |s| {
        if events == 0 {
            return Err(RrError::invalid_argument("the event window must hold at least one event"));
        }
        s.window = events;
        Ok(())
    })
}

/// Chooses whether each host-call event carries a digest of guest memory.
///
/// The digest is taken after each host function returns and checked by a
/// replay: it catches host writes into guest memory that bypassed
/// `wasmtime_rr_memory_write`. It hashes every exported memory on every host
/// call, so it costs time in proportion to memory size. Default off.
///
/// \param recorder a recorder not yet attached; borrowed.
/// \param enable `true` to record digests.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_memory_digest_set(recorder, true);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_memory_digest_set(
    recorder: *mut wasmtime_rr_recorder_t,
    enable: bool,
) -> *mut wasmtime_error_t {
    set("wasmtime_rr_recorder_memory_digest_set", recorder, |s| {
        s.digest = enable;
        Ok(())
    })
}

/// Sets how many bytes a recording batches before writing them out.
///
/// A recording seals its events into CRC-checked frames (one per event
/// window) and hands sealed frames to the file or write callback in batches,
/// so that recording does not pay a system call every few events. Frames are
/// handed over when `bytes` have accumulated, when the last hand-over is
/// more than 100 ms old as a frame is sealed, when a call into the guest
/// ends with a trap or error, on `wasmtime_rr_store_flush`, at
/// `wasmtime_rr_store_finish` and when the store is freed. Whatever has been
/// handed over is a valid, replayable prefix of the trace; if the process is
/// killed, what was not yet handed over is lost. 0 hands every frame over as
/// soon as it is sealed. Default 65536.
///
/// \param recorder a recorder not yet attached; borrowed.
/// \param bytes the batch size in bytes.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_flush_bytes_set(recorder, 0); // every frame at once
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_flush_bytes_set(
    recorder: *mut wasmtime_rr_recorder_t,
    bytes: usize,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_recorder_flush_bytes_set", || {
        unsafe { boundary::arg_mut(recorder, "recorder") }?.flush_bytes = bytes;
        Ok(())
    })
}

/// Chooses whether a recording's trace is compressed, and how hard.
///
/// With a level from 1 to 19, every batch of frames a recording hands to its
/// destination (see `wasmtime_rr_recorder_flush_bytes_set`) is one zstd
/// block: the trace is typically several times smaller, and recording costs
/// the compression time (level 1 is the fastest). What the destination has
/// acknowledged is still a valid prefix (whole blocks). Replayers and
/// `wasmtime-rr inspect` read compressed and uncompressed traces alike.
/// Default 0: not compressed.
///
/// \param recorder a recorder not yet attached; borrowed.
/// \param level 0 (off) or a zstd level from 1 to 19.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL
/// and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for another level.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_compression_set(recorder, 3);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_compression_set(
    recorder: *mut wasmtime_rr_recorder_t,
    level: i32,
) -> *mut wasmtime_error_t {
    set("wasmtime_rr_recorder_compression_set", recorder, |s| {
        if level != 0 && !crate::trace::blocks::LEVELS.contains(&level) {
            return Err(RrError::invalid_argument(format!(
                "compression level {level} is neither 0 (off) nor a zstd level from 1 to 19"
            )));
        }
        s.compression = level;
        Ok(())
    })
}

/// Chooses whether a recording captures the host's raw memory writes.
///
/// A host that writes into guest memory through `wasmtime_memory_data` (or
/// wasmtime-py's `Memory.write`, wasmtime-go's `Memory.UnsafeData`) instead
/// of `wasmtime_rr_memory_write` changes what the guest sees without the
/// trace knowing. With this setting the recording copies every known memory
/// (those exported by instances made through the RR-aware functions) when
/// control passes to the host (a host function starts, a call into the guest
/// returns) and compares it when control comes back: what changed is
/// recorded as memory writes, which a replay applies. It costs a copy and a
/// comparison of all that memory at each of those points (see the README
/// for measurements). Not caught: writes to memories of other instances,
/// host changes to globals or tables, and a write the host undoes before
/// the guest runs again. Default off; the environment switch
/// (`WASMTIME_RR_RECORD`) turns it on.
///
/// \param recorder a recorder not yet attached; borrowed.
/// \param enable `true` to capture.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_shadow_memory_set(recorder, true);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_shadow_memory_set(
    recorder: *mut wasmtime_rr_recorder_t,
    enable: bool,
) -> *mut wasmtime_error_t {
    set("wasmtime_rr_recorder_shadow_memory_set", recorder, |s| {
        s.shadow = enable;
        Ok(())
    })
}

/// Frees a recorder that was never attached.
///
/// Closes its file or runs its callback's finalizer. A NULL `recorder` is
/// ignored. Do not free a recorder that `wasmtime_rr_store_record` took.
///
/// \param recorder the recorder, consumed; may be NULL.
///
/// \return nothing.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// wasmtime_rr_recorder_delete(recorder);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_recorder_delete(recorder: *mut wasmtime_rr_recorder_t) {
    boundary::guard_value("wasmtime_rr_recorder_delete", (), || drop(unsafe { boundary::owned(recorder) }))
}

/// Creates a replayer that reads a trace from a file.
///
/// The file is opened now; its header is read and checked when the replayer
/// is attached (`wasmtime_rr_store_replay`).
///
/// \param path the file's path, NUL-terminated (any bytes but NUL).
/// \param replayer_out receives the replayer, owned by the caller until
/// attached or freed; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the file cannot be opened.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_replayer_t *replayer = NULL;
/// wasmtime_error_t *err = wasmtime_rr_replayer_new_file("session.wrr", &replayer);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_replayer_new_file(
    path: *const c_char,
    replayer_out: *mut *mut wasmtime_rr_replayer_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_replayer_new_file", || {
        let path = unsafe { path_arg(path) }?;
        let out = unsafe { boundary::out(replayer_out, "replayer_out") }?;
        let file = std::fs::File::open(&path)
            .map_err(|e| io_error(format!("cannot open trace file {}", path.display()), e))?;
        new_replayer(Box::new(file), out);
        Ok(())
    })
}

/// Creates a replayer that reads a trace from memory.
///
/// \param bytes the trace; copied, so it may be freed after the call. May be
/// NULL only when `len` is 0.
/// \param len its length in bytes.
/// \param replayer_out receives the replayer, owned by the caller until
/// attached or freed; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `bytes` is NULL with
/// a non-zero `len`, or `replayer_out` is NULL. An invalid trace is reported
/// when the replayer is attached.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_replayer_new_bytes(trace.data, trace.size, &replayer);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_replayer_new_bytes(
    bytes: *const u8,
    len: usize,
    replayer_out: *mut *mut wasmtime_rr_replayer_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_replayer_new_bytes", || {
        let bytes = unsafe { boundary::slice(bytes, len, "bytes") }?.to_vec();
        let out = unsafe { boundary::out(replayer_out, "replayer_out") }?;
        new_replayer(Box::new(io::Cursor::new(bytes)), out);
        Ok(())
    })
}

/// Creates a replayer that pulls its trace from a read callback.
///
/// \param read the callback (see `wasmtime_rr_read_callback_t`); it may run
/// on any thread that uses the store.
/// \param data passed to `read` and `finalizer`.
/// \param finalizer called with `data` when the replayer is freed or its
/// replay ends (may be NULL).
/// \param replayer_out receives the replayer, owned by the caller until
/// attached or freed; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `read` or
/// `replayer_out` is NULL (the finalizer is then not called).
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_replayer_new_callback(read_from_socket, &conn, NULL, &replayer);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_replayer_new_callback(
    read: wasmtime_rr_read_callback_t,
    data: *mut c_void,
    finalizer: Option<extern "C" fn(*mut c_void)>,
    replayer_out: *mut *mut wasmtime_rr_replayer_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_replayer_new_callback", || {
        let read = read.ok_or_else(|| RrError::null_argument("read"))?;
        let out = unsafe { boundary::out(replayer_out, "replayer_out") }?;
        new_replayer(Box::new(CallbackSource { read, host: HostData { data, finalizer } }), out);
        Ok(())
    })
}

/// Chooses whether a replay writes the guest's recorded WASI output.
///
/// While replaying, WASI functions have no effect: an `fd_write` to stdout
/// or stderr is checked against the recorded bytes and not performed. With
/// echo on, those recorded bytes are written to this process's stdout or
/// stderr as they are replayed, so a replay shows what the recording showed
/// (this is what `wasmtime-rr replay` does). Default off.
///
/// \param replayer a replayer not yet attached; borrowed.
/// \param enable `true` to echo.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `replayer` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_replayer_echo_set(replayer, true);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_replayer_echo_set(
    replayer: *mut wasmtime_rr_replayer_t,
    enable: bool,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_replayer_echo_set", || {
        unsafe { boundary::arg_mut(replayer, "replayer") }?.echo = enable;
        Ok(())
    })
}

/// Frees a replayer that was never attached.
///
/// A NULL `replayer` is ignored. Do not free a replayer that
/// `wasmtime_rr_store_replay` took.
///
/// \param replayer the replayer, consumed; may be NULL.
///
/// \return nothing.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// wasmtime_rr_replayer_delete(replayer);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_replayer_delete(replayer: *mut wasmtime_rr_replayer_t) {
    boundary::guard_value("wasmtime_rr_replayer_delete", (), || drop(unsafe { boundary::owned(replayer) }))
}

/// Takes over a recorder or replayer a function consumes: `None` for NULL,
/// an error (and nothing taken) for a misaligned pointer.
///
/// # Safety
/// A non-NULL, aligned `ptr` must be an object of ours nothing else owns.
unsafe fn take<T>(ptr: *mut T, name: &str) -> Result<Option<Box<T>>> {
    if ptr.is_null() {
        return Ok(None);
    }
    unsafe { boundary::arg_mut(ptr, name) }?;
    Ok(Some(unsafe { Box::from_raw(ptr) }))
}

/// Checks that a store's engine is in `mode` and nothing is attached yet.
fn check_attachable(context: &wasmtime_c_api::WasmtimeStoreContextMut<'_>, recording: bool) -> Result<()> {
    use wasmtime::AsContext;
    session::refuse_while_attaching(session::key_of(context))?;
    let engine = context.as_context().engine().clone();
    let (ok, what, setter) = match recording {
        true => (engine.is_recording(), "recording", "wasm_config_record_set"),
        false => (engine.is_replaying(), "replaying", "wasm_config_replay_set"),
    };
    if !ok {
        return Err(RrError::invalid_argument(format!(
            "the store's engine is not {what} (build it from a config with {setter}(config, true))"
        )));
    }
    if session::lookup(session::key_of(context)).is_some() {
        return Err(RrError::invalid_argument("this store already has a recorder or replayer attached"));
    }
    Ok(())
}

/// Starts recording a store into a recorder's trace.
///
/// Writes the trace header (magic, format version, Wasmtime version, the
/// record settings). From now on the RR-aware functions record every
/// instantiation, export call, host-function call and host memory write on
/// this store. A recorder belongs to exactly one store. End the recording with
/// `wasmtime_rr_store_finish`; if the store is freed first, the trace is
/// closed with an end marker saying so.
///
/// \param context the store to record; its engine must be recording.
/// \param recorder consumed whenever it is non-NULL, also on failure.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the engine is not recording
/// or the store already has a recorder or replayer, and
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the header cannot be written.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_store_record(wasmtime_store_context(store), recorder);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_store_record(
    context: *mut wasmtime_context_t,
    recorder: *mut wasmtime_rr_recorder_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_store_record", || {
        // Take ownership first, so every failure below frees it; a
        // misaligned pointer is no recorder of ours and is left alone.
        let recorder = unsafe { take(recorder, "recorder") }?;
        let context = unsafe { handles::context(context, "context") }?;
        let recorder = recorder.ok_or_else(|| RrError::null_argument("recorder"))?;
        record_into(context, *recorder, None)
    })
}

/// Attaches a recorder to a store; `auto` names a session the environment
/// switch attaches.
pub(crate) fn record_into(
    context: wasmtime_c_api::WasmtimeStoreContextMut<'_>,
    recorder: wasmtime_rr_recorder_t,
    auto: Option<String>,
) -> Result<()> {
    check_attachable(&context, true)?;
    let key = session::key_of(&context);
    let flush_each_call = recorder.flush_each_call || auto.is_some();
    let writer = session::attaching(key, || TraceWriter::new(recorder.sink, recorder.settings, recorder.flush_bytes))?;
    session::attach(context, Role::Record(Recorder { writer, imports: HashMap::new(), flush_each_call }), auto)
}

/// Attaches a replayer to a store (`auto` as for `record_into`).
pub(crate) fn replay_from(
    context: wasmtime_c_api::WasmtimeStoreContextMut<'_>,
    replayer: wasmtime_rr_replayer_t,
    auto: Option<String>,
) -> Result<()> {
    check_attachable(&context, false)?;
    let echo = replayer.echo;
    let reader = session::attaching(session::key_of(&context), || TraceReader::new(replayer.source))?;
    session::attach(context, Role::Replay(Replayer { reader, peeked: None, echo }), auto)
}

/// A recorder writing to a file, with settings (for the environment switch).
pub(crate) fn file_recorder(path: &std::path::Path, settings: Settings) -> Result<wasmtime_rr_recorder_t> {
    let file = std::fs::File::create(path)
        .map_err(|e| io_error(format!("cannot create trace file {}", path.display()), e))?;
    Ok(wasmtime_rr_recorder_t {
        sink: Box::new(file),
        settings,
        flush_bytes: crate::trace::DEFAULT_FLUSH_BYTES,
        flush_each_call: true,
    })
}

/// A replayer reading a file (for the environment switch).
pub(crate) fn file_replayer(path: &std::path::Path) -> Result<wasmtime_rr_replayer_t> {
    let file = std::fs::File::open(path).map_err(|e| io_error(format!("cannot open trace file {}", path.display()), e))?;
    // An unmodified program's guest output looks the same replayed.
    let echo = std::env::var_os("WASMTIME_RR_ECHO").is_none_or(|v| v != "0");
    Ok(wasmtime_rr_replayer_t { source: Box::new(file), echo })
}

/// Starts replaying a store from a replayer's trace.
///
/// Reads and checks the trace header. From now on the RR-aware functions on
/// this store follow the trace: host functions are not called, their recorded
/// results, traps and memory writes are applied instead; every instantiation,
/// export call and host write is checked against the trace, and a difference
/// is a `WASMTIME_RR_ERROR_KIND_DIVERGENCE` (or `..._MODULE_MISMATCH`) error.
/// End with `wasmtime_rr_store_finish`, which checks the trace has no events
/// left.
///
/// \param context the store to replay into; its engine must be replaying.
/// \param replayer consumed whenever it is non-NULL, also on failure.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the engine is not replaying
/// or the store already has a recorder or replayer,
/// `WASMTIME_RR_ERROR_KIND_TRACE_FORMAT` for a header that is not a valid
/// trace (bad magic, other format version, other Wasmtime major version,
/// corruption, truncation) and `WASMTIME_RR_ERROR_KIND_TRACE_IO` when reading
/// fails.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_store_replay(wasmtime_store_context(store), replayer);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_store_replay(
    context: *mut wasmtime_context_t,
    replayer: *mut wasmtime_rr_replayer_t,
) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_store_replay", || {
        let replayer = unsafe { take(replayer, "replayer") }?;
        let context = unsafe { handles::context(context, "context") }?;
        let replayer = replayer.ok_or_else(|| RrError::null_argument("replayer"))?;
        replay_from(context, *replayer, None)
    })
}

/// Hands everything a store has recorded so far to the trace destination.
///
/// Seals the open frame and writes every pending frame to the file (or
/// write callback): when this returns, the destination holds a valid prefix
/// of the trace with every event recorded before the call, which survives
/// the process being killed. Does nothing on a replaying store.
///
/// \param context the store.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
/// `context`, `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when nothing is
/// attached, and `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the write fails.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_store_flush(wasmtime_store_context(store));
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_store_flush(context: *mut wasmtime_context_t) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_store_flush", || session::flush(&unsafe { handles::context(context, "context") }?))
}

/// Ends the recording or replay of a store.
///
/// Recording: writes the end marker and hands the last frame to the trace
/// destination (then closes the file or runs the callback's finalizer).
/// Replaying: checks that the trace has nothing left but its end marker.
/// Either way the recorder or replayer is released and the store can have
/// another one attached.
///
/// \param context the store.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `context` is NULL,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when nothing is attached,
/// `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when a replay has events left or had
/// diverged, and `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the last write fails.
/// The session is released in every case.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_store_finish(wasmtime_store_context(store));
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_store_finish(context: *mut wasmtime_context_t) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_store_finish", || session::finish(&unsafe { handles::context(context, "context") }?))
}
