//! WASI preview-1 calls in the trace (docs/trace-format.md, "WASI events").
//!
//! [`FUNCS`] describes the 46 functions of `wasi_snapshot_preview1` as the
//! trace sees them: how each parameter is passed (and so what is kept of it)
//! and what a successful call writes into guest memory. The recorder reads
//! those outputs from memory after the real call; the replayer writes them
//! back at the pointers the replaying guest passes, so the pointers
//! themselves need not be recorded. Encoding and decoding live here, beside
//! the table, so the recorder, the replayer and `inspect` share one layout.

use super::wire::{ByteSink, Cursor, malformed, put_bytes, put_sleb, put_uleb};
use crate::error::Result;
use std::fmt::{self, Write as _};

/// How a parameter is passed and what the trace keeps of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// A file descriptor (i32): recorded.
    Fd,
    /// Another 32-bit value (flags, sizes, clock ids): recorded.
    U32,
    /// A 64-bit value (offsets, timestamps, rights, cookies): recorded.
    U64,
    /// A pointer (i32): recorded only with validation metadata.
    Ptr,
    /// A string in guest memory as pointer and length (two i32s): its bytes are recorded.
    Path,
    /// An iovec array as pointer and count (two i32s): the count is recorded.
    Iovs,
}

impl Param {
    /// Core wasm parameters this parameter takes.
    pub const fn width(self) -> usize {
        match self {
            Param::Path | Param::Iovs => 2,
            _ => 1,
        }
    }
}

/// What a successful call writes into guest memory. `at`, `len`, `iovs`,
/// `used`, `size`, `array`, `buf`, `out` and `count` are parameter indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Out {
    /// A little-endian integer of `size` bytes at pointer `at`.
    Word { at: usize, size: u8 },
    /// A timestamp (u64) at pointer `at`; encoded as the difference to the
    /// previous reading of the same clock, so a reading takes a few bytes.
    Time { at: usize },
    /// A struct of `size` bytes at pointer `at` (fdstat, filestat, prestat).
    Blob { at: usize, size: u32 },
    /// Exactly as many bytes as parameter `len` says, at pointer `at`.
    Bytes { at: usize, len: usize },
    /// At most parameter `len` bytes at `at`; their count (u32) at `used`.
    Filled { at: usize, len: usize, used: usize },
    /// Bytes spread over the iovecs of parameter `iovs`; their count (u32) at `size`.
    Scatter { iovs: usize, size: usize },
    /// NUL-terminated strings in buffer `buf`, and a pointer to each in array `array`.
    Strings { array: usize, buf: usize },
    /// 32-byte events at `out`; their count (u32) at `count`.
    Events { out: usize, count: usize },
}

impl Out {
    /// Whether this output is kept in [`Outputs::words`] (else in `data`).
    pub fn is_word(&self) -> bool {
        matches!(self, Out::Word { .. } | Out::Time { .. })
    }
}

/// One function of `wasi_snapshot_preview1`, with what the hot path needs
/// about its core parameters worked out when the table is built.
#[derive(Debug)]
pub struct WasiFn {
    pub name: &'static str,
    pub params: &'static [Param],
    pub outs: &'static [Out],
    /// Index of each parameter's first core parameter.
    raw_at: [u8; MAX_PARAMS],
    raw_len: u8,
    /// Bit `i` set: core parameter `i` is an i64.
    i64_mask: u16,
    has_path: bool,
    errno: bool,
    numbers_only: bool,
}

impl WasiFn {
    /// Index of parameter `param`'s first core wasm parameter.
    pub fn raw_index(&self, param: usize) -> usize {
        usize::from(self.raw_at[param])
    }

    /// Number of core wasm parameters.
    pub fn raw_len(&self) -> usize {
        usize::from(self.raw_len)
    }

    /// Whether the function returns an errno (all but `proc_exit`).
    pub fn returns_errno(&self) -> bool {
        self.errno
    }

    /// Whether a core parameter is an i64 (else i32).
    pub fn raw_is_i64(&self, raw: usize) -> bool {
        self.i64_mask >> raw & 1 != 0
    }

    /// Whether a parameter is a string in guest memory.
    pub fn has_path(&self) -> bool {
        self.has_path
    }

    /// Whether a successful call's event holds numbers only: no path, no
    /// output but words, no text, and errno 0 is a way it can end (not
    /// `proc_exit`). Such calls (clock readings, seeks, closes) have fast
    /// paths that build no [`WasiCall`].
    pub fn numbers_only(&self) -> bool {
        self.numbers_only
    }
}

use Out::*;
use Param::*;

const fn f(name: &'static str, params: &'static [Param], outs: &'static [Out]) -> WasiFn {
    let mut raw_at = [0u8; MAX_PARAMS];
    let (mut at, mut i64_mask, mut has_path, mut i) = (0u8, 0u16, false, 0);
    while i < params.len() {
        raw_at[i] = at;
        match params[i] {
            U64 => i64_mask |= 1 << at,
            Path => has_path = true,
            _ => {}
        }
        at += params[i].width() as u8;
        i += 1;
    }
    let errno = !same(name.as_bytes(), b"proc_exit");
    let mut numbers_only = errno && !has_path && !same(name.as_bytes(), b"fd_write");
    let mut o = 0;
    while o < outs.len() {
        numbers_only &= matches!(outs[o], Word { .. } | Time { .. });
        o += 1;
    }
    WasiFn { name, params, outs, raw_at, raw_len: at, i64_mask, has_path, errno, numbers_only }
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The 46 functions, in the order of `wasi_snapshot_preview1.witx`; a
/// function's position is its id in the trace and never changes.
pub static FUNCS: [WasiFn; 46] = [
    f("args_get", &[Ptr, Ptr], &[Strings { array: 0, buf: 1 }]),
    f("args_sizes_get", &[Ptr, Ptr], &[Word { at: 0, size: 4 }, Word { at: 1, size: 4 }]),
    f("environ_get", &[Ptr, Ptr], &[Strings { array: 0, buf: 1 }]),
    f("environ_sizes_get", &[Ptr, Ptr], &[Word { at: 0, size: 4 }, Word { at: 1, size: 4 }]),
    f("clock_res_get", &[U32, Ptr], &[Word { at: 1, size: 8 }]),
    f("clock_time_get", &[U32, U64, Ptr], &[Time { at: 2 }]),
    f("fd_advise", &[Fd, U64, U64, U32], &[]),
    f("fd_allocate", &[Fd, U64, U64], &[]),
    f("fd_close", &[Fd], &[]),
    f("fd_datasync", &[Fd], &[]),
    f("fd_fdstat_get", &[Fd, Ptr], &[Blob { at: 1, size: 24 }]),
    f("fd_fdstat_set_flags", &[Fd, U32], &[]),
    f("fd_fdstat_set_rights", &[Fd, U64, U64], &[]),
    f("fd_filestat_get", &[Fd, Ptr], &[Blob { at: 1, size: 64 }]),
    f("fd_filestat_set_size", &[Fd, U64], &[]),
    f("fd_filestat_set_times", &[Fd, U64, U64, U32], &[]),
    f("fd_pread", &[Fd, Iovs, U64, Ptr], &[Scatter { iovs: 1, size: 3 }]),
    f("fd_prestat_get", &[Fd, Ptr], &[Blob { at: 1, size: 8 }]),
    f("fd_prestat_dir_name", &[Fd, Ptr, U32], &[Bytes { at: 1, len: 2 }]),
    f("fd_pwrite", &[Fd, Iovs, U64, Ptr], &[Word { at: 3, size: 4 }]),
    f("fd_read", &[Fd, Iovs, Ptr], &[Scatter { iovs: 1, size: 2 }]),
    f("fd_readdir", &[Fd, Ptr, U32, U64, Ptr], &[Filled { at: 1, len: 2, used: 4 }]),
    f("fd_renumber", &[Fd, Fd], &[]),
    f("fd_seek", &[Fd, U64, U32, Ptr], &[Word { at: 3, size: 8 }]),
    f("fd_sync", &[Fd], &[]),
    f("fd_tell", &[Fd, Ptr], &[Word { at: 1, size: 8 }]),
    f("fd_write", &[Fd, Iovs, Ptr], &[Word { at: 2, size: 4 }]),
    f("path_create_directory", &[Fd, Path], &[]),
    f("path_filestat_get", &[Fd, U32, Path, Ptr], &[Blob { at: 3, size: 64 }]),
    f("path_filestat_set_times", &[Fd, U32, Path, U64, U64, U32], &[]),
    f("path_link", &[Fd, U32, Path, Fd, Path], &[]),
    f("path_open", &[Fd, U32, Path, U32, U64, U64, U32, Ptr], &[Word { at: 7, size: 4 }]),
    f("path_readlink", &[Fd, Path, Ptr, U32, Ptr], &[Filled { at: 2, len: 3, used: 4 }]),
    f("path_remove_directory", &[Fd, Path], &[]),
    f("path_rename", &[Fd, Path, Fd, Path], &[]),
    f("path_symlink", &[Path, Fd, Path], &[]),
    f("path_unlink_file", &[Fd, Path], &[]),
    f("poll_oneoff", &[Ptr, Ptr, U32, Ptr], &[Events { out: 1, count: 3 }]),
    f("proc_exit", &[U32], &[]),
    f("proc_raise", &[U32], &[]),
    f("sched_yield", &[], &[]),
    f("random_get", &[Ptr, U32], &[Bytes { at: 0, len: 1 }]),
    f("sock_accept", &[Fd, U32, Ptr], &[Word { at: 2, size: 4 }]),
    f("sock_recv", &[Fd, Iovs, U32, Ptr, Ptr], &[Scatter { iovs: 1, size: 3 }, Word { at: 4, size: 2 }]),
    f("sock_send", &[Fd, Iovs, U32, Ptr], &[Word { at: 3, size: 4 }]),
    f("sock_shutdown", &[Fd, U32], &[]),
];

/// The module every preview-1 function is imported from.
pub const MODULE: &str = "wasi_snapshot_preview1";
/// Most core parameters of any function (`path_open`).
pub(crate) const MAX_RAW: usize = 9;
/// Most parameters of any function (`path_open`).
pub(crate) const MAX_PARAMS: usize = 8;
/// Ids of the functions the engine treats specially.
pub(crate) const ARGS_GET: u8 = 0;
pub(crate) const ARGS_SIZES_GET: u8 = 1;
pub(crate) const ENVIRON_GET: u8 = 2;
pub(crate) const ENVIRON_SIZES_GET: u8 = 3;
/// `fd_write`, whose bytes to stdout and stderr are recorded.
pub(crate) const FD_WRITE: u8 = 26;
pub(crate) const PROC_EXIT: u8 = 38;

/// The function with this id.
pub fn func(id: u8) -> Result<&'static WasiFn> {
    FUNCS.get(usize::from(id)).ok_or_else(|| malformed(format!("unknown WASI function #{id}")))
}

/// The id of the function with this name.
pub fn id_of(name: &str) -> Option<u8> {
    FUNCS.iter().position(|f| f.name == name).map(|i| i as u8)
}

/// Whether an `fd_write` to this descriptor has its bytes recorded (stdout, stderr).
pub fn records_text(func: u8, fd: u64) -> bool {
    func == FD_WRITE && (fd == 1 || fd == 2)
}

/// What a successful call wrote: the word-like outputs in order, and the
/// bytes of its one variable-size output, and for `fd_write` to stdout or
/// stderr the bytes written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs {
    pub words: [u64; 2],
    pub data: Vec<u8>,
    pub text: Option<Vec<u8>>,
}

/// How a WASI call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WasiOutcome {
    /// Errno 0, with what the call wrote into guest memory.
    Done(Outputs),
    /// A non-zero errno; nothing was written.
    Errno(u16),
    /// `proc_exit` with this status.
    Exit(u32),
    /// The call failed with an error that is not an errno (the guest traps).
    Trap(String),
}

/// One call from the guest to a WASI function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasiCall {
    pub func: u8,
    /// By parameter index: the value of `Fd`, `U32`, `U64` parameters and
    /// the count of `Iovs`; 0 for pointers and strings.
    pub inputs: [u64; MAX_PARAMS],
    /// The bytes of each `Path` parameter, in order.
    pub paths: Vec<Vec<u8>>,
    /// Every core parameter, when the trace carries validation metadata.
    pub raw: Option<Box<[u64; MAX_RAW]>>,
    pub outcome: WasiOutcome,
    /// Digest of guest memory after the call, when the trace carries digests.
    pub digest: Option<u64>,
}

pub(super) mod tag {
    pub(crate) const DONE: u8 = 0x0c;
    pub(crate) const ERRNO: u8 = 0x0d;
    pub(crate) const EXIT: u8 = 0x0e;
    pub(crate) const TRAP: u8 = 0x0f;
}

/// Trace state WASI events are encoded against: the last reading of each
/// clock (ids 0 to 3; anything else shares slot 4).
#[derive(Clone, Debug, Default)]
pub struct ClockState {
    last: [u64; 5],
}

impl ClockState {
    fn slot(clock: u64) -> usize {
        clock.min(4) as usize
    }
}

/// Appends a WASI call (tag included).
pub fn encode(call: &WasiCall, validation: bool, digest: bool, clocks: &mut ClockState, out: &mut Vec<u8>) -> Result<()> {
    let spec = func(call.func)?;
    out.push(match &call.outcome {
        WasiOutcome::Done(_) => tag::DONE,
        WasiOutcome::Errno(_) => tag::ERRNO,
        WasiOutcome::Exit(_) => tag::EXIT,
        WasiOutcome::Trap(_) => tag::TRAP,
    });
    out.push(call.func);
    put_params(spec, &call.inputs, &call.paths, out)?;
    if validation {
        let raw = call.raw.as_ref().ok_or_else(|| malformed("validation metadata missing"))?;
        raw[..spec.raw_len()].iter().for_each(|v| put_uleb(out, *v));
    }
    match &call.outcome {
        WasiOutcome::Done(outputs) => {
            let mut words = outputs.words.iter();
            for spec_out in spec.outs {
                match spec_out {
                    Word { .. } | Time { .. } => {
                        put_word(spec_out, *words.next().expect("at most two words"), call.inputs[0], clocks, out);
                    }
                    Blob { size, .. } => {
                        if outputs.data.len() != *size as usize {
                            return Err(malformed(format!("{} output of {} bytes, expected {size}", spec.name, outputs.data.len())));
                        }
                        out.extend_from_slice(&outputs.data);
                    }
                    Bytes { .. } | Filled { .. } | Scatter { .. } | Strings { .. } | Events { .. } => put_bytes(out, &outputs.data),
                }
            }
            if records_text(call.func, call.inputs[0]) {
                put_bytes(out, outputs.text.as_deref().ok_or_else(|| malformed("fd_write text missing"))?);
            }
        }
        WasiOutcome::Errno(errno) => put_uleb(out, u64::from(*errno)),
        WasiOutcome::Exit(status) => put_uleb(out, u64::from(*status)),
        WasiOutcome::Trap(message) => put_bytes(out, message.as_bytes()),
    }
    if digest {
        out.extend_from_slice(&call.digest.ok_or_else(|| malformed("memory digest missing"))?.to_le_bytes());
    }
    Ok(())
}

/// Appends what the trace keeps of a call's parameters.
#[inline]
fn put_params(spec: &WasiFn, inputs: &[u64; MAX_PARAMS], paths: &[Vec<u8>], out: &mut impl ByteSink) -> Result<()> {
    let mut paths = paths.iter();
    for (i, param) in spec.params.iter().enumerate() {
        match param {
            Fd | U32 | U64 | Iovs => put_uleb(out, inputs[i]),
            Path => put_bytes(out, paths.next().ok_or_else(|| malformed("a path parameter is missing"))?),
            Ptr => {}
        }
    }
    Ok(())
}

/// Reads what the trace keeps of a call's parameters.
#[inline]
fn get_params(spec: &WasiFn, cursor: &mut Cursor<'_>, inputs: &mut [u64; MAX_PARAMS], paths: &mut Vec<Vec<u8>>) -> Result<()> {
    for (i, param) in spec.params.iter().enumerate() {
        match param {
            Fd | U32 | Iovs => {
                let value = cursor.uleb()?;
                if value > u64::from(u32::MAX) {
                    return Err(malformed(format!("{} parameter #{i} {value} does not fit 32 bits", spec.name)));
                }
                inputs[i] = value;
            }
            U64 => inputs[i] = cursor.uleb()?,
            Path => paths.push(cursor.bytes()?.to_vec()),
            Ptr => {}
        }
    }
    Ok(())
}

/// Appends a `Word` or `Time` output (`clock`: the call's clock id).
#[inline]
fn put_word(spec_out: &Out, value: u64, clock: u64, clocks: &mut ClockState, out: &mut impl ByteSink) {
    match spec_out {
        Time { .. } => {
            let last = &mut clocks.last[ClockState::slot(clock)];
            put_sleb(out, value.wrapping_sub(*last) as i64);
            *last = value;
        }
        _ => put_uleb(out, value),
    }
}

/// Reads a `Word` or `Time` output (`clock`: the call's clock id).
#[inline]
fn get_word(spec: &WasiFn, spec_out: &Out, clock: u64, clocks: &mut ClockState, cursor: &mut Cursor<'_>) -> Result<u64> {
    match *spec_out {
        Time { .. } => {
            let last = &mut clocks.last[ClockState::slot(clock)];
            *last = last.wrapping_add(cursor.sleb()? as u64);
            Ok(*last)
        }
        Word { size, .. } => {
            let value = cursor.uleb()?;
            if size < 8 && value >> (8 * size) != 0 {
                return Err(malformed(format!("{} output {value} does not fit {size} bytes", spec.name)));
            }
            Ok(value)
        }
        _ => Err(malformed(format!("{} has an output that is not a number", spec.name))),
    }
}

/// A successful call of a function whose event holds numbers only
/// ([`WasiFn::numbers_only`]) in a trace without validation metadata or
/// digests: encoded and decoded as a [`WasiCall`] with these inputs and
/// words would be, with no `WasiCall` built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumbersCall {
    pub func: u8,
    pub inputs: [u64; MAX_PARAMS],
    pub words: [u64; 2],
}

impl From<&NumbersCall> for WasiCall {
    fn from(call: &NumbersCall) -> WasiCall {
        let outputs = Outputs { words: call.words, ..Outputs::default() };
        WasiCall { func: call.func, inputs: call.inputs, paths: Vec::new(), raw: None, outcome: WasiOutcome::Done(outputs), digest: None }
    }
}

/// The most bytes a [`NumbersCall`] takes: tag, id, LEB128 numbers.
pub(crate) const MAX_NUMBERS_CALL: usize = 2 + 10 * (MAX_PARAMS + 2);

/// Appends a numbers-only call (tag included). `call.func` is the id of a
/// numbers-only function.
#[inline]
pub fn encode_numbers(call: &NumbersCall, clocks: &mut ClockState, out: &mut impl ByteSink) -> Result<()> {
    let spec = func(call.func)?;
    if !spec.numbers_only() {
        return Err(malformed(format!("{} is not a numbers-only WASI function", spec.name)));
    }
    out.push_byte(tag::DONE);
    out.push_byte(call.func);
    put_params(spec, &call.inputs, &[], out)?;
    for (spec_out, value) in spec.outs.iter().zip(call.words) {
        put_word(spec_out, value, call.inputs[0], clocks, out);
    }
    Ok(())
}

/// Reads the next event into `call` if it is a numbers-only call (with its
/// tag): `false`, with nothing read and `clocks` untouched, if it is not.
/// (Filled in place: a call moved as a whole after its words were stored one
/// by one costs a store-forwarding stall.)
#[inline]
pub fn decode_numbers(cursor: &mut Cursor<'_>, clocks: &mut ClockState, call: &mut NumbersCall) -> Result<bool> {
    let (Some(tag::DONE), Some(id)) = (cursor.peek(0), cursor.peek(1)) else { return Ok(false) };
    let Some(spec) = FUNCS.get(usize::from(id)).filter(|spec| spec.numbers_only()) else { return Ok(false) };
    cursor.take(2)?;
    call.func = id;
    call.inputs = [0; MAX_PARAMS];
    get_params(spec, cursor, &mut call.inputs, &mut Vec::new())?;
    call.words = [0; 2];
    for (spec_out, word) in spec.outs.iter().zip(&mut call.words) {
        *word = get_word(spec, spec_out, call.inputs[0], clocks, cursor)?;
    }
    Ok(true)
}

/// Whether `tag` starts a WASI event.
pub fn is_tag(tag: u8) -> bool {
    (tag::DONE..=tag::TRAP).contains(&tag)
}

/// Reads a WASI call whose tag has been read.
pub fn decode(tag: u8, cursor: &mut Cursor<'_>, validation: bool, digest: bool, clocks: &mut ClockState) -> Result<WasiCall> {
    let id = cursor.byte()?;
    let spec = func(id)?;
    let mut inputs = [0u64; MAX_PARAMS];
    let mut paths = Vec::new();
    get_params(spec, cursor, &mut inputs, &mut paths)?;
    let raw = match validation {
        true => {
            let mut raw = [0u64; MAX_RAW];
            for (i, slot) in raw[..spec.raw_len()].iter_mut().enumerate() {
                *slot = cursor.uleb()?;
                if !spec.raw_is_i64(i) && *slot > u64::from(u32::MAX) {
                    return Err(malformed(format!("{} core parameter #{i} does not fit 32 bits", spec.name)));
                }
            }
            Some(Box::new(raw))
        }
        false => None,
    };
    let outcome = match tag {
        tag::DONE => {
            let mut outputs = Outputs::default();
            let mut word = 0;
            for spec_out in spec.outs {
                match spec_out {
                    Word { .. } | Time { .. } => {
                        outputs.words[word] = get_word(spec, spec_out, inputs[0], clocks, cursor)?;
                        word += 1;
                    }
                    Blob { size, .. } => outputs.data = cursor.take(*size as usize)?.to_vec(),
                    Events { .. } => {
                        outputs.data = cursor.bytes()?.to_vec();
                        if outputs.data.len() % 32 != 0 {
                            return Err(malformed("poll events are not a whole number of 32-byte events"));
                        }
                    }
                    Bytes { .. } | Filled { .. } | Scatter { .. } | Strings { .. } => outputs.data = cursor.bytes()?.to_vec(),
                }
            }
            if records_text(id, inputs[0]) {
                outputs.text = Some(cursor.bytes()?.to_vec());
            }
            WasiOutcome::Done(outputs)
        }
        tag::ERRNO => match cursor.uleb()? {
            errno @ 1..=0xffff => WasiOutcome::Errno(errno as u16),
            other => return Err(malformed(format!("bad errno {other}"))),
        },
        tag::EXIT => WasiOutcome::Exit(cursor.uleb32()?),
        _ => WasiOutcome::Trap(cursor.string()?),
    };
    if matches!(outcome, WasiOutcome::Exit(_)) != (id == PROC_EXIT) && !matches!(outcome, WasiOutcome::Trap(_)) {
        return Err(malformed(format!("{} cannot end that way", spec.name)));
    }
    let digest = match digest {
        true => Some(u64::from_le_bytes(cursor.array()?)),
        false => None,
    };
    Ok(WasiCall { func: id, inputs, paths, raw, outcome, digest })
}

/// WASI errno names, by value (`wasi_snapshot_preview1.witx`).
const ERRNO_NAMES: [&str; 77] = [
    "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport", "again", "already", "badf", "badmsg",
    "busy", "canceled", "child", "connaborted", "connrefused", "connreset", "deadlk", "destaddrreq", "dom", "dquot",
    "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq", "inprogress", "intr", "inval", "io", "isconn", "isdir",
    "loop", "mfile", "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset", "netunreach", "nfile",
    "nobufs", "nodev", "noent", "noexec", "nolck", "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys",
    "notconn", "notdir", "notempty", "notrecoverable", "notsock", "notsup", "notty", "nxio", "overflow",
    "ownerdead", "perm", "pipe", "proto", "protonosupport", "prototype", "range", "rofs", "spipe", "srch", "stale",
    "timedout", "txtbsy", "xdev", "notcapable",
];

fn errno_name(errno: u16) -> &'static str {
    ERRNO_NAMES.get(usize::from(errno)).copied().unwrap_or("unknown")
}

const CLOCK_NAMES: [&str; 4] = ["realtime", "monotonic", "process_cputime", "thread_cputime"];

/// Writes bytes as a quoted, escaped string, cut after 48 bytes.
fn quoted(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &b in bytes.iter().take(48) {
        match b {
            b'\n' => f.write_str("\\n")?,
            b'\t' => f.write_str("\\t")?,
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            0x20..=0x7e => f.write_char(b as char)?,
            _ => write!(f, "\\x{b:02x}")?,
        }
    }
    f.write_char('"')?;
    if bytes.len() > 48 {
        f.write_str("...")?;
    }
    Ok(())
}

/// A WASI call as strace would show it, for example
/// `clock_time_get(realtime, 1) = 0 -> 1764500000123456789`.
impl fmt::Display for WasiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(spec) = func(self.func) else { return write!(f, "wasi#{}", self.func) };
        write!(f, "{}(", spec.name)?;
        let mut paths = self.paths.iter();
        let mut first = true;
        for (i, param) in spec.params.iter().enumerate() {
            let sep = if first { "" } else { ", " };
            match param {
                Ptr => {
                    if let Some(raw) = &self.raw {
                        write!(f, "{sep}0x{:x}", raw[spec.raw_index(i)])?;
                    } else {
                        continue;
                    }
                }
                U32 if i == 0 && spec.name.starts_with("clock_") => {
                    match CLOCK_NAMES.get(self.inputs[0] as usize) {
                        Some(name) => write!(f, "{sep}{name}")?,
                        None => write!(f, "{sep}{}", self.inputs[0])?,
                    }
                }
                Fd | U32 | U64 => write!(f, "{sep}{}", self.inputs[i])?,
                Iovs => write!(f, "{sep}{} iovec{}", self.inputs[i], if self.inputs[i] == 1 { "" } else { "s" })?,
                Path => {
                    f.write_str(sep)?;
                    quoted(f, paths.next().map_or(&[][..], Vec::as_slice))?;
                }
            }
            first = false;
        }
        f.write_str(")")?;
        match &self.outcome {
            WasiOutcome::Errno(errno) => write!(f, " = {errno} ({})", errno_name(*errno)),
            WasiOutcome::Exit(status) => write!(f, " -> exit({status})"),
            WasiOutcome::Trap(message) => write!(f, " -> trap: {message}"),
            WasiOutcome::Done(outputs) => {
                f.write_str(" = 0")?;
                let shown = show_outputs(spec, outputs);
                if !shown.is_empty() {
                    write!(f, " -> {shown}")?;
                }
                Ok(())
            }
        }
    }
}

fn show_outputs(spec: &WasiFn, outputs: &Outputs) -> String {
    let mut parts = Vec::new();
    let mut words = outputs.words.iter();
    for out in spec.outs {
        let mut part = String::new();
        let _ = match out {
            Word { .. } | Time { .. } => write!(part, "{}", words.next().expect("two words at most")),
            Blob { size: 24, .. } if outputs.data.len() == 24 => {
                write!(part, "fdstat{{filetype={}, flags=0x{:x}}}", outputs.data[0], u16::from_le_bytes([outputs.data[2], outputs.data[3]]))
            }
            Blob { size: 64, .. } if outputs.data.len() == 64 => {
                let size = u64::from_le_bytes(outputs.data[32..40].try_into().expect("8 bytes"));
                write!(part, "filestat{{filetype={}, size={size}}}", outputs.data[16])
            }
            Blob { size: 8, .. } if outputs.data.len() == 8 => {
                let len = u32::from_le_bytes(outputs.data[4..8].try_into().expect("4 bytes"));
                write!(part, "prestat{{dir, name_len={len}}}")
            }
            Blob { size, .. } => write!(part, "{size} bytes"),
            Strings { .. } => {
                let items: Vec<String> = outputs
                    .data
                    .split(|b| *b == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        let mut q = String::new();
                        let _ = quoted(&mut q, s);
                        q
                    })
                    .collect();
                write!(part, "[{}]", items.join(", "))
            }
            Events { .. } => write!(part, "{} event{}", outputs.data.len() / 32, if outputs.data.len() == 32 { "" } else { "s" }),
            Bytes { .. } | Filled { .. } | Scatter { .. } => {
                write!(part, "{} bytes ", outputs.data.len()).and_then(|_| quoted(&mut part, &outputs.data))
            }
        };
        parts.push(part);
    }
    if let Some(text) = &outputs.text {
        let mut part = String::from("wrote ");
        let _ = quoted(&mut part, text);
        parts.push(part);
    }
    parts.join(", ")
}

impl WasiCall {
    /// Whether two calls are the same call: function and arguments (what
    /// a replay checks before applying the recorded outcome).
    pub fn same_call(&self, other: &WasiCall) -> bool {
        let params = func(self.func).map_or(0, |f| f.params.len());
        self.func == other.func
            && self.inputs[..params] == other.inputs[..params]
            && self.paths == other.paths
            && self.raw == other.raw
    }
}

/// Bytes of an event that are guest data (read or written), for summaries.
pub fn data_bytes(call: &WasiCall) -> usize {
    match &call.outcome {
        WasiOutcome::Done(outputs) => outputs.data.len() + outputs.text.as_ref().map_or(0, Vec::len),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_witx_definition() {
        // Names in witx order, from wasmtime-wasi's copy of the witx file.
        let witx = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/wasi_snapshot_preview1.names"));
        let names: Vec<&str> = witx.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(names, FUNCS.iter().map(|f| f.name).collect::<Vec<_>>());
        assert_eq!(FUNCS[usize::from(FD_WRITE)].name, "fd_write");
        assert_eq!(FUNCS[usize::from(PROC_EXIT)].name, "proc_exit");
        assert_eq!(
            [ARGS_GET, ARGS_SIZES_GET, ENVIRON_GET, ENVIRON_SIZES_GET].map(|id| FUNCS[usize::from(id)].name),
            ["args_get", "args_sizes_get", "environ_get", "environ_sizes_get"]
        );
        assert_eq!(FUNCS.iter().filter(|f| !f.returns_errno()).map(|f| f.name).collect::<Vec<_>>(), ["proc_exit"]);
        let open = &FUNCS[31];
        assert_eq!((open.raw_len(), open.raw_index(3), open.raw_is_i64(5), open.raw_is_i64(4)), (9, 4, true, false));
        for spec in &FUNCS {
            assert!(spec.raw_len() <= MAX_RAW && spec.params.len() <= MAX_PARAMS, "{}", spec.name);
            assert!(spec.outs.iter().filter(|o| o.is_word()).count() <= 2, "{}", spec.name);
            assert!(spec.outs.iter().filter(|o| !o.is_word()).count() <= 1, "{}", spec.name);
        }
    }

    fn round_trip(call: &WasiCall, validation: bool, digest: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        encode(call, validation, digest, &mut ClockState::default(), &mut bytes).unwrap();
        let mut cursor = Cursor::new(&bytes);
        let tag = cursor.byte().unwrap();
        let back = decode(tag, &mut cursor, validation, digest, &mut ClockState::default()).unwrap();
        assert!(cursor.is_empty());
        assert_eq!(&back, call);
        bytes
    }

    fn call(name: &str, inputs: &[u64], outcome: WasiOutcome) -> WasiCall {
        let mut all = [0; MAX_PARAMS];
        all[..inputs.len()].copy_from_slice(inputs);
        WasiCall { func: id_of(name).unwrap(), inputs: all, paths: vec![], raw: None, outcome, digest: None }
    }

    #[test]
    fn a_clock_reading_takes_at_most_twelve_bytes() {
        let reading = call("clock_time_get", &[0, 1], WasiOutcome::Done(Outputs { words: [1_764_500_000_123_456_789, 0], ..Default::default() }));
        let mut clocks = ClockState::default();
        let mut first = Vec::new();
        encode(&reading, false, false, &mut clocks, &mut first).unwrap();
        let mut next = Vec::new();
        let mut later = reading.clone();
        if let WasiOutcome::Done(o) = &mut later.outcome {
            o.words[0] += 1_000_000; // a millisecond later
        }
        encode(&later, false, false, &mut clocks, &mut next).unwrap();
        assert!(first.len() <= 14, "{}", first.len());
        assert!(next.len() <= 8, "{}", next.len());
        round_trip(&reading, false, false);
    }

    #[test]
    fn every_shape_round_trips() {
        let mut read = call("fd_read", &[3, 1], WasiOutcome::Done(Outputs { data: b"hello file\n".to_vec(), ..Default::default() }));
        read.raw = Some(Box::new([3, 100, 1, 200, 0, 0, 0, 0, 0]));
        round_trip(&read, true, false);
        let mut write = call("fd_write", &[1, 2], WasiOutcome::Done(Outputs { words: [5, 0], text: Some(b"hello".to_vec()), ..Default::default() }));
        write.digest = Some(7);
        round_trip(&write, false, true);
        let mut open = call("path_open", &[3, 1, 0, 0, u64::MAX, 7, 0], WasiOutcome::Errno(44));
        open.paths = vec![b"data/input.txt".to_vec()];
        round_trip(&open, false, false);
        round_trip(&call("proc_exit", &[7], WasiOutcome::Exit(7)), false, false);
        round_trip(&call("sched_yield", &[], WasiOutcome::Trap("no".into())), false, false);
        round_trip(&call("fd_filestat_get", &[3], WasiOutcome::Done(Outputs { data: vec![9; 64], ..Default::default() })), false, false);
        round_trip(&call("poll_oneoff", &[0, 0, 1], WasiOutcome::Done(Outputs { data: vec![1; 32], ..Default::default() })), false, false);
        round_trip(&call("sock_recv", &[3, 1, 0], WasiOutcome::Done(Outputs { words: [1, 0], data: vec![1], text: None })), false, false);
    }

    #[test]
    fn inspect_reads_like_strace() {
        let reading = call("clock_time_get", &[0, 1], WasiOutcome::Done(Outputs { words: [1_764_500_000_123_456_789, 0], ..Default::default() }));
        assert_eq!(reading.to_string(), "clock_time_get(realtime, 1) = 0 -> 1764500000123456789");
        let read = call("fd_read", &[3, 1], WasiOutcome::Done(Outputs { data: b"hello file\n".to_vec(), ..Default::default() }));
        assert_eq!(read.to_string(), r#"fd_read(3, 1 iovec) = 0 -> 11 bytes "hello file\n""#);
        let mut open = call("path_open", &[3, 1, 0, 0, 8, 0, 0], WasiOutcome::Errno(44));
        open.paths = vec![b"missing.txt".to_vec()];
        assert_eq!(open.to_string(), r#"path_open(3, 1, "missing.txt", 0, 8, 0, 0) = 44 (noent)"#);
        assert_eq!(call("proc_exit", &[7], WasiOutcome::Exit(7)).to_string(), "proc_exit(7) -> exit(7)");
    }

    #[test]
    fn numbers_only_calls_encode_and_decode_as_the_full_codec_does() {
        let numbers: Vec<&str> = FUNCS.iter().filter(|f| f.numbers_only()).map(|f| f.name).collect();
        assert_eq!(numbers, [
            "args_sizes_get", "environ_sizes_get", "clock_res_get", "clock_time_get", "fd_advise", "fd_allocate",
            "fd_close", "fd_datasync", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_set_size",
            "fd_filestat_set_times", "fd_pwrite", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "proc_raise",
            "sched_yield", "sock_accept", "sock_send", "sock_shutdown",
        ]);
        // A run of calls, clock readings of two clocks among them (their
        // deltas depend on the readings before), at edge values.
        let calls = [
            NumbersCall { func: 5, inputs: [1, 1, 0, 0, 0, 0, 0, 0], words: [1_764_500_000_123_456_789, 0] },
            NumbersCall { func: 5, inputs: [1, 0, 0, 0, 0, 0, 0, 0], words: [1_764_500_000_123_456_700, 0] },
            NumbersCall { func: 5, inputs: [0, u64::MAX, 0, 0, 0, 0, 0, 0], words: [u64::MAX, 0] },
            NumbersCall { func: 5, inputs: [7, 1, 0, 0, 0, 0, 0, 0], words: [0, 0] },
            NumbersCall { func: 4, inputs: [u64::from(u32::MAX), 0, 0, 0, 0, 0, 0, 0], words: [1, 0] },
            NumbersCall { func: 1, inputs: [0; MAX_PARAMS], words: [3, u64::from(u32::MAX)] },
            NumbersCall { func: 23, inputs: [3, u64::MAX, 2, 0, 0, 0, 0, 0], words: [u64::MAX, 0] },
            NumbersCall { func: 40, inputs: [0; MAX_PARAMS], words: [0; 2] },
        ];
        let (mut fast, mut full) = (Vec::new(), Vec::new());
        let (mut fast_clocks, mut full_clocks) = (ClockState::default(), ClockState::default());
        for call in &calls {
            encode_numbers(call, &mut fast_clocks, &mut fast).unwrap();
            encode(&WasiCall::from(call), false, false, &mut full_clocks, &mut full).unwrap();
            assert_eq!(fast, full, "{call:?}");
        }
        let mut cursor = Cursor::new(&fast);
        let mut clocks = ClockState::default();
        let mut back = NumbersCall { func: 0, inputs: [9; MAX_PARAMS], words: [9; 2] };
        for call in &calls {
            assert!(decode_numbers(&mut cursor, &mut clocks, &mut back).unwrap());
            assert_eq!(&back, call);
        }
        assert!(cursor.is_empty());

        // Other events are left for the full decoder: nothing read, no clock moved.
        let reading = &calls[0];
        let mut others = Vec::new();
        let mut clocks = ClockState::default();
        encode(&call("fd_read", &[3, 1], WasiOutcome::Done(Outputs { data: b"x".to_vec(), ..Default::default() })), false, false, &mut clocks, &mut others).unwrap();
        encode(&call("clock_time_get", &[1, 1], WasiOutcome::Errno(28)), false, false, &mut clocks, &mut others).unwrap();
        encode(&call("proc_exit", &[0], WasiOutcome::Exit(0)), false, false, &mut clocks, &mut others).unwrap();
        encode(&call("fd_write", &[1, 1], WasiOutcome::Done(Outputs { words: [1, 0], text: Some(b"x".to_vec()), ..Default::default() })), false, false, &mut clocks, &mut others).unwrap();
        let mut cursor = Cursor::new(&others);
        let mut clocks = ClockState::default();
        let mut seen = 0;
        while !cursor.is_empty() {
            let before = cursor.remaining();
            assert!(!decode_numbers(&mut cursor, &mut clocks, &mut back).unwrap());
            assert_eq!(cursor.remaining(), before);
            let tag = cursor.byte().unwrap();
            decode(tag, &mut cursor, false, false, &mut ClockState::default()).unwrap();
            seen += 1;
        }
        assert_eq!((seen, clocks.last), (4, [0; 5]));

        // Damage is refused, as by the full decoder; a function that is not
        // numbers-only is refused by the fast encoder.
        let mut cut = Vec::new();
        encode_numbers(reading, &mut ClockState::default(), &mut cut).unwrap();
        cut.truncate(cut.len() - 1);
        assert!(decode_numbers(&mut Cursor::new(&cut), &mut ClockState::default(), &mut back).is_err());
        let wide = [tag::DONE, 4, 0x80, 0x80, 0x80, 0x80, 0x10, 1]; // clock id 2^32
        assert!(decode_numbers(&mut Cursor::new(&wide), &mut ClockState::default(), &mut back).is_err());
        let read = NumbersCall { func: 20, inputs: [0; MAX_PARAMS], words: [0; 2] };
        let error = encode_numbers(&read, &mut ClockState::default(), &mut Vec::new()).unwrap_err();
        assert!(error.message().contains("fd_read is not a numbers-only WASI function"), "{}", error.message());
    }

    #[test]
    fn damaged_wasi_events_are_refused() {
        let bad = [
            vec![tag::DONE, 46],                  // unknown function
            vec![tag::ERRNO, 8, 3, 0],            // errno 0 is not an error
            vec![tag::EXIT, 8, 3, 1],             // only proc_exit exits
            vec![tag::DONE, 10, 3, 1, 2],         // fdstat cut short
            vec![tag::DONE, 37, 1, 3, 1, 2, 3],   // poll events not a multiple of 32
        ];
        for bytes in bad {
            let mut cursor = Cursor::new(&bytes[1..]);
            assert!(decode(bytes[0], &mut cursor, false, false, &mut ClockState::default()).is_err(), "{bytes:?}");
        }
    }
}
