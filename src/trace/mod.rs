//! The trace: a header, then CRC-checked frames of events, the last one
//! ending with an end marker. The byte layout is specified in
//! docs/trace-format.md; this module is its only implementation.

pub mod blocks;
pub mod component;
pub mod event;
pub mod wasi;
pub mod wasip2;
pub mod wire;

use crate::error::{ErrorKind, Result, RrError};
use event::{Codec, EndStatus, Event, EventShape};
use std::io::{self, BufRead, Read};
pub use wire::Cursor;
use wire::{malformed, put_bytes, put_uleb};

/// First bytes of every trace. The high byte and the CR LF / EOF bytes catch
/// transfers that mangle binary files, as PNG's signature does.
pub const MAGIC: [u8; 8] = *b"\x89WTRR\r\n\x1a";
/// The version of the layout in docs/trace-format.md that this library
/// writes. Version 2 added WASI events; version 1 traces (the same layout
/// without them) are still read.
pub(crate) const FORMAT_VERSION: u64 = 2;
const OLDEST_READ: u64 = 1;
/// The Wasmtime version traces are recorded with (the `wasmtime` dependency).
pub const WASMTIME_VERSION: &str = "48.0.8";
/// Largest frame a reader accepts (4 GiB, more than any single event of a
/// 32-bit guest); a larger length means corruption. A reader allocates only
/// as bytes arrive, so a length that lies costs nothing.
pub(crate) const MAX_FRAME: u64 = 1 << 32;

/// The record settings that shape a trace, stored in its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Host-call events also carry their arguments, so replay can check them.
    pub validation: bool,
    /// Events buffered before they are handed to the sink as one frame.
    pub window: u32,
    /// Host-call events carry a digest of guest memory after the call.
    pub digest: bool,
    /// zstd level of the trace's blocks; 0: not compressed.
    pub compression: i32,
    /// The host's writes into guest memory are captured by comparing memory
    /// (the trace then has memory-write events before calls into the guest).
    pub shadow: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { validation: false, window: 16, digest: false, compression: 0, shadow: false }
    }
}

impl Settings {
    pub fn shape(&self) -> EventShape {
        EventShape { validation: self.validation, digest: self.digest }
    }
}

/// A trace's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub format_version: u64,
    pub wasmtime_version: String,
    pub settings: Settings,
}

fn io_error(what: &str, error: &io::Error) -> RrError {
    RrError::new(ErrorKind::TraceIo, format!("{what}: {error}"))
}

/// A failure reading a trace: a damaged compressed block is the trace's
/// fault (`trace_format`), anything else the source's (`trace_io`).
fn read_error(error: &io::Error) -> RrError {
    if blocks::is_corruption(error) {
        return RrError::new(ErrorKind::TraceFormat, error.to_string());
    }
    match error.kind() {
        // A compressed block cut short.
        io::ErrorKind::UnexpectedEof => RrError::new(ErrorKind::TraceFormat, format!("truncated trace: {error}")),
        _ => io_error("reading the trace failed", error),
    }
}

fn encode_header(settings: &Settings) -> Vec<u8> {
    let mut body = Vec::new();
    put_uleb(&mut body, FORMAT_VERSION);
    put_bytes(&mut body, WASMTIME_VERSION.as_bytes());
    let compressed = settings.compression != 0;
    body.push(
        u8::from(settings.validation)
            | (u8::from(settings.digest) << 1)
            | (u8::from(compressed) << 2)
            | (u8::from(settings.shadow) << 3),
    );
    put_uleb(&mut body, u64::from(settings.window));
    if compressed {
        put_uleb(&mut body, settings.compression as u64);
    }
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out
}

/// Where a recorder's bytes go.
pub trait Sink {
    /// Writes all of `bytes` or fails; a failure ends the recording.
    fn write_all(&mut self, bytes: &[u8]) -> Result<()>;
}

impl Sink for std::fs::File {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        io::Write::write_all(self, bytes).map_err(|e| io_error("writing the trace file failed", &e))
    }
}

impl Sink for Vec<u8> {
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Bytes of sealed frames a writer keeps before handing them to its sink,
/// unless told otherwise (`wasmtime_rr_recorder_flush_bytes_set`).
pub(crate) const DEFAULT_FLUSH_BYTES: usize = 64 << 10;
/// Sealed frames older than this are handed to the sink when a frame is
/// sealed (the age is looked at every 16th frame), however few bytes they hold.
pub const FLUSH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);
/// Bytes reserved for a frame's length while its events are written: a
/// uleb padded to five bytes (LEB128 allows it), room for any frame length.
const LENGTH_SLOT: usize = 5;

/// Encodes events into CRC-checked frames of one window each, and hands
/// sealed frames to the sink in batches (by size, by age, or when flushed),
/// so the hot path pays no system call every few events. What the sink has
/// been handed is always a sequence of whole frames: a valid prefix.
pub struct TraceWriter {
    sink: Box<dyn Sink + Send>,
    settings: Settings,
    codec: Codec,
    /// Sealed frames, then the open frame: its length slot at `frame_start`,
    /// then its events. Events are encoded straight into it.
    out: Vec<u8>,
    frame_start: usize,
    in_frame: u32,
    events: u64,
    flush_bytes: usize,
    /// Compresses batches into blocks, when the trace is compressed.
    blocks: Option<blocks::BlockWriter>,
    last_handover: std::time::Instant,
    /// Frames sealed so far.
    sealed: u64,
    /// The first sink failure; the recording stops there and every later
    /// call reports it. What was handed to the sink before is a valid prefix.
    failed: Option<RrError>,
    ended: bool,
}

impl TraceWriter {
    /// Writes the header; fails if the sink does. `flush_bytes` is how many
    /// bytes of sealed frames are kept before handing them over (0: every
    /// frame as soon as it is sealed).
    pub fn new(mut sink: Box<dyn Sink + Send>, settings: Settings, flush_bytes: usize) -> Result<TraceWriter> {
        if settings.window == 0 {
            return Err(RrError::invalid_argument("the event window must hold at least one event"));
        }
        let blocks = match settings.compression {
            0 => None,
            level => Some(blocks::BlockWriter::new(level)?),
        };
        sink.write_all(&encode_header(&settings))?;
        Ok(TraceWriter {
            sink,
            settings,
            codec: Codec::new(settings.shape()),
            out: vec![0; LENGTH_SLOT],
            frame_start: 0,
            in_frame: 0,
            events: 0,
            flush_bytes,
            blocks,
            last_handover: std::time::Instant::now(),
            sealed: 0,
            failed: None,
            ended: false,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn codec(&self) -> &Codec {
        &self.codec
    }

    #[inline]
    fn check(&self) -> Result<()> {
        match self.failed.is_none() && !self.ended {
            true => Ok(()),
            false => self.refusal(),
        }
    }

    /// Why nothing more can be recorded.
    #[cold]
    fn refusal(&self) -> Result<()> {
        match &self.failed {
            Some(error) => Err(error.clone()),
            None => Err(RrError::invalid_argument("the recording is already finished")),
        }
    }

    /// Appends an event; seals the frame when the window is full.
    pub fn record(&mut self, event: &Event) -> Result<()> {
        self.check()?;
        let before = self.out.len();
        if let Err(error) = self.codec.encode(event, &mut self.out) {
            // Nothing half-written stays behind: the trace goes on valid.
            self.out.truncate(before);
            return Err(error);
        }
        self.appended(before)
    }

    /// Appends one event of at most `max` bytes, which `encode` writes into
    /// space reserved for it: the fast path for host returns of numbers, with
    /// no capacity check per byte. `encode` must write one whole, valid event.
    #[inline]
    pub fn record_reserved(&mut self, max: usize, encode: impl FnOnce(&mut wire::Reserved<'_>)) -> Result<()> {
        self.record_reserved_with_codec(max, |out, _| {
            encode(out);
            Ok(())
        })
    }

    /// Appends a numbers-only WASI call (a clock reading, a seek) with no
    /// `Event` built: the fast path of WASI recording in a trace without
    /// validation metadata or digests.
    pub fn record_wasi_numbers(&mut self, call: &wasi::NumbersCall) -> Result<()> {
        if self.settings.validation || self.settings.digest {
            return Err(RrError::new(ErrorKind::InvalidArgument, "a WASI call's fast encoding lacks what this trace keeps"));
        }
        self.record_reserved_with_codec(wasi::MAX_NUMBERS_CALL, |out, codec| codec.encode_wasi_numbers(call, out))
    }

    /// [`record_reserved`](Self::record_reserved) for encodings that use the
    /// codec's state or can fail (then nothing of the event stays).
    #[inline(always)]
    fn record_reserved_with_codec(
        &mut self,
        max: usize,
        encode: impl FnOnce(&mut wire::Reserved<'_>, &mut Codec) -> Result<()>,
    ) -> Result<()> {
        self.check()?;
        let before = self.out.len();
        self.out.reserve(max);
        let mut reserved = wire::Reserved::new(self.out.spare_capacity_mut());
        encode(&mut reserved, &mut self.codec)?;
        let written = reserved.len();
        // SAFETY: `encode` initialized `written` bytes of the spare capacity.
        unsafe { self.out.set_len(before + written) };
        self.appended(before)
    }

    /// Counts an event just encoded at `before`. One that would make its
    /// frame larger than a reader accepts starts a frame of its own.
    #[inline(always)]
    fn appended(&mut self, before: usize) -> Result<()> {
        if (self.out.len() - self.frame_start - LENGTH_SLOT) as u64 > MAX_FRAME {
            self.move_to_new_frame(before)?;
        }
        self.events += 1;
        self.in_frame += 1;
        match self.in_frame >= self.settings.window {
            true => self.window_full(),
            false => Ok(()),
        }
    }

    /// Moves the event encoded at `before` into a frame of its own making.
    #[cold]
    fn move_to_new_frame(&mut self, before: usize) -> Result<()> {
        let event = self.out.split_off(before);
        if event.len() as u64 > MAX_FRAME || self.in_frame == 0 {
            // Callers refuse such events before encoding them; the codec
            // has taken it in, so the recording cannot go on.
            let error = RrError::new(
                ErrorKind::TraceIo,
                format!("an event of {} bytes is larger than a trace frame may be ({MAX_FRAME} bytes)", event.len()),
            );
            self.failed = Some(error.clone());
            return Err(error);
        }
        self.seal();
        self.out.extend_from_slice(&event);
        Ok(())
    }

    /// Seals the full frame; hands the sealed ones over when they are many
    /// or old enough.
    #[inline(never)]
    fn window_full(&mut self) -> Result<()> {
        self.seal();
        // The clock is read every 16th frame: cheap, and often enough.
        self.sealed += 1;
        let stale = self.sealed % 16 == 0 && self.last_handover.elapsed() >= FLUSH_INTERVAL;
        if self.frame_start >= self.flush_bytes || stale {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Closes the open frame (if it holds events): its length and CRC.
    fn seal(&mut self) {
        if self.in_frame == 0 {
            return;
        }
        let payload = &self.out[self.frame_start + LENGTH_SLOT..];
        let crc = crc32fast::hash(payload).to_le_bytes();
        let len = payload.len() as u64;
        for (i, slot) in self.out[self.frame_start..self.frame_start + LENGTH_SLOT].iter_mut().enumerate() {
            let bits = (len >> (7 * i)) as u8 & 0x7f;
            *slot = if i + 1 < LENGTH_SLOT { bits | 0x80 } else { bits };
        }
        self.out.extend_from_slice(&crc);
        self.frame_start = self.out.len();
        self.out.extend_from_slice(&[0; LENGTH_SLOT]);
        self.in_frame = 0;
    }

    /// Hands every sealed frame to the sink.
    fn hand_over(&mut self) -> Result<()> {
        self.last_handover = std::time::Instant::now();
        if self.frame_start == 0 {
            return Ok(());
        }
        let written = match &mut self.blocks {
            None => self.sink.write_all(&self.out[..self.frame_start]),
            Some(blocks) => blocks.block(&self.out[..self.frame_start]).and_then(|block| self.sink.write_all(block)),
        };
        // The open frame (its events, if any) moves to the front.
        self.out.drain(..self.frame_start);
        self.frame_start = 0;
        written.inspect_err(|e| self.failed = Some(e.clone()))
    }

    /// Seals the open frame and hands everything recorded so far to the
    /// sink: once this returns, the sink holds a valid prefix with every
    /// event recorded before.
    pub fn flush(&mut self) -> Result<()> {
        self.check()?;
        self.seal();
        self.hand_over()
    }

    /// Writes the end marker and flushes; the writer takes no more events.
    pub fn finish(&mut self, status: EndStatus) -> Result<()> {
        self.check()?;
        let end = Event::End { status, events: self.events };
        self.codec.encode(&end, &mut self.out)?;
        self.in_frame += 1;
        self.seal();
        let flushed = self.hand_over();
        self.ended = true;
        flushed
    }

    pub fn is_ended(&self) -> bool {
        self.ended
    }
}

/// Decodes a trace from a byte stream, frame by frame, checking every frame's
/// CRC before decoding it.
pub struct TraceReader {
    source: io::BufReader<Box<dyn Read + Send>>,
    header: Header,
    codec: Codec,
    frame: Vec<u8>,
    pos: usize,
    frames: u64,
    /// Events returned so far; the index of the next one.
    events: u64,
    ended: bool,
    /// The first error; a reader that failed keeps reporting it.
    failed: Option<RrError>,
    /// Encoded size of the event returned last.
    last_size: usize,
    /// Told the number of events read after each one (`observe`).
    observer: Option<Box<dyn FnMut(u64) + Send>>,
}

impl TraceReader {
    /// Reads and checks the header.
    pub fn new(source: Box<dyn Read + Send>) -> Result<TraceReader> {
        let mut source = io::BufReader::new(source);
        let mut magic = [0u8; 8];
        read_exact(&mut source, &mut magic, "the header")?;
        if magic != MAGIC {
            return Err(RrError::new(ErrorKind::TraceFormat, "not a wasmtime-rr trace (bad magic bytes)"));
        }
        // The header body is small; read it through a CRC-tracking buffer.
        let mut body = Vec::new();
        let format_version = read_uleb(&mut source, &mut body)?;
        if !(OLDEST_READ..=FORMAT_VERSION).contains(&format_version) {
            return Err(RrError::new(
                ErrorKind::TraceFormat,
                format!(
                    "trace format version {format_version} is not supported (this library reads versions {OLDEST_READ} to {FORMAT_VERSION})"
                ),
            ));
        }
        let version_len = read_uleb(&mut source, &mut body)?;
        if version_len > 64 {
            return Err(malformed("Wasmtime version string longer than 64 bytes"));
        }
        let mut version = vec![0u8; version_len as usize];
        read_exact(&mut source, &mut version, "the header")?;
        body.extend_from_slice(&version);
        let mut flags = [0u8];
        read_exact(&mut source, &mut flags, "the header")?;
        body.push(flags[0]);
        let window = read_uleb(&mut source, &mut body)?;
        let compression = match flags[0] & 4 {
            0 => 0,
            _ => read_uleb(&mut source, &mut body)?,
        };
        let mut crc = [0u8; 4];
        read_exact(&mut source, &mut crc, "the header")?;
        if u32::from_le_bytes(crc) != crc32fast::hash(&body) {
            return Err(RrError::new(ErrorKind::TraceFormat, "corrupted trace: header checksum mismatch"));
        }
        let wasmtime_version =
            String::from_utf8(version).map_err(|_| malformed("Wasmtime version is not UTF-8"))?;
        if major(&wasmtime_version) != major(WASMTIME_VERSION) {
            return Err(RrError::new(
                ErrorKind::TraceFormat,
                format!(
                    "trace was recorded with Wasmtime {wasmtime_version}; this library runs Wasmtime \
                     {WASMTIME_VERSION} and major versions must match"
                ),
            ));
        }
        if flags[0] & !0b1111 != 0 || window == 0 || window > u64::from(u32::MAX) || compression > 22 {
            return Err(malformed("unknown settings in the header"));
        }
        let settings = Settings {
            validation: flags[0] & 1 != 0,
            digest: flags[0] & 2 != 0,
            window: window as u32,
            compression: compression as i32,
            shadow: flags[0] & 8 != 0,
        };
        // A compressed trace's frames come out of its blocks.
        let source = match settings.compression {
            0 => source,
            _ => io::BufReader::new(Box::new(blocks::BlockReader::new(source)) as Box<dyn Read + Send>),
        };
        Ok(TraceReader {
            source,
            header: Header { format_version, wasmtime_version, settings },
            codec: Codec::new(settings.shape()),
            frame: Vec::new(),
            pos: 0,
            frames: 0,
            events: 0,
            ended: false,
            failed: None,
            last_size: 0,
            observer: None,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn codec(&self) -> &Codec {
        &self.codec
    }

    /// Hands a decoded event's value buffer back for reuse.
    pub fn recycle(&mut self, values: Vec<event::Value>) {
        self.codec.recycle(values);
    }

    /// Index of the next event.
    pub fn event_index(&self) -> u64 {
        self.events
    }

    /// Frames read so far, for progress reports.
    pub fn frames_read(&self) -> u64 {
        self.frames
    }

    /// Encoded size in bytes of the event `next` returned last.
    pub fn last_event_size(&self) -> usize {
        self.last_size
    }

    /// The next event; `None` once the end marker has been returned.
    pub fn next(&mut self) -> Result<Option<Event>> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let next = self.read_event();
        if let Err(error) = &next {
            self.failed = Some(error.clone());
        }
        next
    }

    fn read_event(&mut self) -> Result<Option<Event>> {
        if self.ended {
            return Ok(None);
        }
        if self.pos == self.frame.len() && !self.read_frame()? {
            return Err(RrError::new(
                ErrorKind::TraceFormat,
                format!("truncated trace: it ends after {} events without an end marker", self.events),
            ));
        }
        let mut cursor = Cursor::new(&self.frame[self.pos..]);
        let event = self.codec.decode(&mut cursor).map_err(|e| self.located(e))?;
        let end = self.frame.len() - cursor.remaining();
        self.last_size = end - self.pos;
        self.pos = end;
        if let Event::End { events, .. } = &event {
            self.check_end(*events)?;
        } else {
            self.consumed();
        }
        Ok(Some(event))
    }

    /// Has `observer` told the number of events read after each event
    /// (definitions included, the end marker not): `wasmtime-rr replay
    /// --verbose` lists each event as the replay reads it.
    pub fn observe(&mut self, observer: Box<dyn FnMut(u64) + Send>) {
        self.observer = Some(observer);
    }

    /// One more event read.
    fn consumed(&mut self) {
        self.events += 1;
        if let Some(observer) = &mut self.observer {
            observer(self.events);
        }
    }

    /// An error in the event about to be read, with where it is.
    fn located(&self, error: RrError) -> RrError {
        RrError::new(
            error.kind(),
            format!("{} (event #{} in frame #{})", error.message(), self.events, self.frames.saturating_sub(1)),
        )
    }

    /// The replay fast path for WASI calls: when the next event is one, it
    /// is decoded and handed to `take` with its index, with no `Event` built.
    /// `None` (nothing consumed) when the next event is anything else or the
    /// frame is used up: use `next`.
    pub fn next_wasi<R>(&mut self, take: impl FnOnce(u64, &wasi::WasiCall) -> R) -> Result<Option<R>> {
        let decoded = self.next_decoded(|codec, cursor| {
            let tag = cursor.byte()?;
            match wasi::is_tag(tag) {
                true => codec.decode_wasi(tag, cursor).map(Some),
                false => Ok(None),
            }
        })?;
        Ok(decoded.map(|(index, call)| take(index, &call)))
    }

    /// The faster path for the commonest WASI calls (clock readings, seeks):
    /// when the next event is a numbers-only call in a trace without
    /// validation metadata or digests, it is handed to `take` with its index.
    /// `None` (nothing consumed) otherwise: use `next_wasi`.
    pub fn next_wasi_numbers<R>(&mut self, take: impl FnOnce(u64, &wasi::NumbersCall) -> R) -> Result<Option<R>> {
        if self.header.settings.validation || self.header.settings.digest {
            return Ok(None);
        }
        let mut call = wasi::NumbersCall { func: 0, inputs: [0; wasi::MAX_PARAMS], words: [0; 2] };
        let decoded = self.next_decoded(|codec, cursor| Ok(codec.decode_wasi_numbers(cursor, &mut call)?.then_some(())))?;
        Ok(decoded.map(|(index, ())| take(index, &call)))
    }

    /// Decodes the next event with `decode`, which answers `None` (nothing
    /// consumed) to decline it; an error is sticky and says where it is.
    /// Gives the event's index with what `decode` made of it.
    #[inline(always)]
    fn next_decoded<T>(&mut self, decode: impl FnOnce(&mut Codec, &mut Cursor<'_>) -> Result<Option<T>>) -> Result<Option<(u64, T)>> {
        if self.failed.is_some() || self.ended {
            return Ok(None);
        }
        if self.pos == self.frame.len() && !self.next_frame()? {
            return Ok(None);
        }
        let mut cursor = Cursor::new(&self.frame[self.pos..]);
        let decoded = match decode(&mut self.codec, &mut cursor) {
            Ok(Some(decoded)) => decoded,
            Ok(None) => return Ok(None),
            Err(error) => return Err(self.fail_at(error)),
        };
        let end = self.frame.len() - cursor.remaining();
        self.last_size = end - self.pos;
        self.pos = end;
        let index = self.events;
        self.consumed();
        Ok(Some((index, decoded)))
    }

    /// Makes a decoding error sticky, with where it is.
    #[cold]
    fn fail_at(&mut self, error: RrError) -> RrError {
        let error = self.located(error);
        self.failed = Some(error.clone());
        error
    }

    /// The replay fast path for the commonest event, a host return without
    /// memory writes in a trace without validation metadata or digests: its
    /// results go straight to `take` (which gets the import id and the result
    /// types), with no `Event` built. `take` answers `Ok(false)` to decline;
    /// then, as when the next event is anything else, nothing is consumed and
    /// the result is `None`: use `next`.
    pub fn next_host_return(
        &mut self,
        take: impl FnOnce(u32, &[event::Kind], &mut Cursor<'_>) -> Result<bool>,
    ) -> Result<Option<u64>> {
        let settings = self.header.settings;
        if self.failed.is_some() || self.ended || settings.validation || settings.digest {
            return Ok(None);
        }
        if self.pos == self.frame.len() && !self.next_frame()? {
            return Ok(None);
        }
        let mut cursor = Cursor::new(&self.frame[self.pos..]);
        if cursor.byte()? != event::HOST_RETURN_TAG {
            return Ok(None);
        }
        let import = cursor.uleb32()?;
        let Some((_, _, signature)) = self.codec.imports.get(import as usize) else {
            return Ok(None);
        };
        if !take(import, &signature.results, &mut cursor)? {
            return Ok(None);
        }
        let end = self.frame.len() - cursor.remaining();
        self.last_size = end - self.pos;
        self.pos = end;
        let index = self.events;
        self.consumed();
        Ok(Some(index))
    }

    /// Reads the next frame for a fast path; `false` at the end of input
    /// (then `next` reports the missing end marker).
    fn next_frame(&mut self) -> Result<bool> {
        self.read_frame().inspect_err(|error| self.failed = Some(error.clone()))
    }

    fn check_end(&mut self, counted: u64) -> Result<()> {
        self.ended = true;
        if counted != self.events {
            return Err(malformed(format!("end marker counts {counted} events, the trace has {}", self.events)));
        }
        let trailing = self.pos != self.frame.len() || !self.source.fill_buf().map_err(|e| read_error(&e))?.is_empty();
        if trailing {
            return Err(malformed("data after the end marker"));
        }
        Ok(())
    }

    /// Reads the next frame; `false` at a clean end of input.
    fn read_frame(&mut self) -> Result<bool> {
        let mut len_bytes = Vec::new();
        let at_end = self.source.fill_buf().map_err(|e| read_error(&e))?.is_empty();
        if at_end {
            return Ok(false);
        }
        let len = read_uleb(&mut self.source, &mut len_bytes)?;
        if len > MAX_FRAME {
            return Err(malformed(format!("frame #{} claims {len} bytes (the limit is {MAX_FRAME})", self.frames)));
        }
        self.frame.clear();
        // `take` + `read_to_end` grows the buffer as bytes arrive, so a
        // length that lies costs no more memory than the bytes really there.
        (&mut self.source)
            .take(len)
            .read_to_end(&mut self.frame)
            .map_err(|e| read_error(&e))?;
        let mut crc = [0u8; 4];
        if self.frame.len() as u64 != len {
            return Err(RrError::new(
                ErrorKind::TraceFormat,
                format!("truncated trace: frame #{} is cut short after {} events", self.frames, self.events),
            ));
        }
        read_exact(&mut self.source, &mut crc, "a frame checksum")?;
        if u32::from_le_bytes(crc) != crc32fast::hash(&self.frame) {
            return Err(RrError::new(
                ErrorKind::TraceFormat,
                format!("corrupted trace: checksum mismatch in frame #{} (after event #{})", self.frames, self.events),
            ));
        }
        self.frames += 1;
        self.pos = 0;
        Ok(true)
    }
}

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

fn read_exact(source: &mut impl Read, buf: &mut [u8], what: &str) -> Result<()> {
    source.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            RrError::new(ErrorKind::TraceFormat, format!("truncated trace: it ends inside {what}"))
        }
        _ => read_error(&e),
    })
}

/// Reads an unsigned LEB128 from a stream, appending its bytes to `raw`.
fn read_uleb(source: &mut impl Read, raw: &mut Vec<u8>) -> Result<u64> {
    let start = raw.len();
    loop {
        let mut byte = [0u8];
        read_exact(source, &mut byte, "an integer")?;
        raw.push(byte[0]);
        if byte[0] & 0x80 == 0 || raw.len() - start >= 10 {
            break;
        }
    }
    Cursor::new(&raw[start..]).uleb()
}

#[cfg(test)]
mod tests {
    use super::event::{Kind, Signature};
    use super::*;

    /// A sink that keeps what it gets in a buffer the test can read.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Sink for Shared {
        fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(())
        }
    }

    fn sample(settings: Settings, finish: bool) -> Vec<u8> {
        let shared = Shared::default();
        let mut writer = TraceWriter::new(Box::new(shared.clone()), settings, 0).unwrap();
        writer.record(&Event::Instantiate { checksum: [1; 32] }).unwrap();
        writer.record(&Event::Return(event::Outcome::Returned(vec![]))).unwrap();
        let signature = Signature { params: vec![], results: vec![Kind::I32] };
        writer.record(&Event::DefineImport { id: 0, module: "m".into(), name: "n".into(), signature }).unwrap();
        if finish {
            writer.finish(EndStatus::Finished).unwrap();
        } else {
            writer.flush().unwrap();
        }
        let bytes = shared.0.lock().unwrap().clone();
        bytes
    }

    fn read_all(bytes: Vec<u8>) -> Result<Vec<Event>> {
        let mut reader = TraceReader::new(Box::new(io::Cursor::new(bytes)))?;
        let mut events = Vec::new();
        while let Some(event) = reader.next()? {
            events.push(event);
        }
        Ok(events)
    }

    #[test]
    fn a_finished_trace_reads_back_with_its_header() {
        let settings = Settings { validation: true, window: 2, digest: true, compression: 0, shadow: true };
        let bytes = sample(settings, true);
        let reader = TraceReader::new(Box::new(io::Cursor::new(bytes.clone()))).unwrap();
        assert_eq!(reader.header().settings, settings);
        assert_eq!(reader.header().wasmtime_version, WASMTIME_VERSION);
        let events = read_all(bytes).unwrap();
        assert_eq!(events.len(), 4);
        assert_eq!(events[3], Event::End { status: EndStatus::Finished, events: 3 });
    }

    #[test]
    fn a_compressed_trace_reads_back_and_every_damage_is_an_error() {
        let settings = Settings { compression: 3, ..Settings::default() };
        let bytes = sample(settings, true);
        let plain = sample(Settings::default(), true);
        assert_eq!(read_all(bytes.clone()).unwrap(), read_all(plain).unwrap());
        let reader = TraceReader::new(Box::new(io::Cursor::new(bytes.clone()))).unwrap();
        assert_eq!(reader.header().settings.compression, 3);
        for len in 0..bytes.len() {
            let e = read_all(bytes[..len].to_vec()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TraceFormat, "cut at {len}: {}", e.message());
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= 1 << bit;
                if let Err(e) = read_all(corrupt) {
                    assert_eq!(e.kind(), ErrorKind::TraceFormat, "byte {i} bit {bit}: {}", e.message());
                }
            }
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample(Settings::default(), true);
        for len in 0..bytes.len() {
            let e = read_all(bytes[..len].to_vec()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TraceFormat, "cut at {len}: {}", e.message());
        }
        let unfinished = read_all(sample(Settings::default(), false)).unwrap_err();
        assert_eq!(unfinished.message(), "truncated trace: it ends after 3 events without an end marker");
    }

    #[test]
    fn every_flipped_bit_is_an_error() {
        let bytes = sample(Settings::default(), true);
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= 1 << bit;
                let e = read_all(corrupt).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::TraceFormat, "byte {i} bit {bit}: {}", e.message());
            }
        }
    }

    #[test]
    fn other_versions_are_refused_by_name() {
        let mut bytes = sample(Settings::default(), true);
        bytes[8] = 3; // format version
        let e = read_all(bytes).unwrap_err();
        assert_eq!(e.message(), "trace format version 3 is not supported (this library reads versions 1 to 2)");

        let mut header = MAGIC.to_vec();
        let mut body = Vec::new();
        put_uleb(&mut body, FORMAT_VERSION);
        put_bytes(&mut body, b"47.0.0");
        body.push(0);
        put_uleb(&mut body, 16);
        header.extend_from_slice(&body);
        header.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        let e = read_all(header).unwrap_err();
        assert!(e.message().starts_with("trace was recorded with Wasmtime 47.0.0;"), "{}", e.message());
    }

    #[test]
    fn data_after_the_end_marker_is_refused() {
        let mut bytes = sample(Settings::default(), true);
        bytes.push(0);
        assert_eq!(read_all(bytes).unwrap_err().message(), "malformed trace: data after the end marker");
    }
}
