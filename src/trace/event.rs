//! Trace events and their encoding (docs/trace-format.md, "Events").
//!
//! Values carry no type tags: their types come from the signatures that
//! `DefineImport` / `DefineExport` events declare once, before first use. The
//! [`Codec`] holds those definitions (and the call that is open) and is the
//! single place that turns events into bytes and back, for the recorder, the
//! replayer and `wasmtime-rr inspect` alike.

use super::component::{self, ComponentEvent};
use super::wasi::{self, ClockState, WasiCall};
use super::wire::{ByteSink, Cursor, malformed, put_bytes, put_sleb, put_uleb};
use crate::error::Result;
use std::fmt;

/// A value type, numbered as the C API's `wasmtime_valkind_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    I32 = 0,
    I64 = 1,
    F32 = 2,
    F64 = 3,
    V128 = 4,
    FuncRef = 5,
    ExternRef = 6,
    AnyRef = 7,
    ExnRef = 8,
}

impl Kind {
    pub fn from_byte(byte: u8) -> Result<Kind> {
        Ok(match byte {
            0 => Kind::I32,
            1 => Kind::I64,
            2 => Kind::F32,
            3 => Kind::F64,
            4 => Kind::V128,
            5 => Kind::FuncRef,
            6 => Kind::ExternRef,
            7 => Kind::AnyRef,
            8 => Kind::ExnRef,
            other => return Err(malformed(format!("unknown value type {other}"))),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::I32 => "i32",
            Kind::I64 => "i64",
            Kind::F32 => "f32",
            Kind::F64 => "f64",
            Kind::V128 => "v128",
            Kind::FuncRef => "funcref",
            Kind::ExternRef => "externref",
            Kind::AnyRef => "anyref",
            Kind::ExnRef => "exnref",
        }
    }
}

/// A function reference, named in a way that survives a re-run: by the export
/// or import it is, not by its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuncRef {
    Null,
    Export(u32),
    Import(u32),
    /// A function this trace has no name for (a table element, say).
    Unnamed,
}

/// A recorded value. Floats are kept as bits so comparison is bit for bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128([u8; 16]),
    Func(FuncRef),
    /// A null reference of a non-function reference type.
    NullRef(Kind),
}

impl Value {
    pub fn kind(&self) -> Kind {
        match self {
            Value::I32(_) => Kind::I32,
            Value::I64(_) => Kind::I64,
            Value::F32(_) => Kind::F32,
            Value::F64(_) => Kind::F64,
            Value::V128(_) => Kind::V128,
            Value::Func(_) => Kind::FuncRef,
            Value::NullRef(kind) => *kind,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "i32:{v}"),
            Value::I64(v) => write!(f, "i64:{v}"),
            Value::F32(bits) => write!(f, "f32:{}", f32::from_bits(*bits)),
            Value::F64(bits) => write!(f, "f64:{}", f64::from_bits(*bits)),
            Value::V128(bytes) => write!(f, "v128:0x{:032x}", u128::from_le_bytes(*bytes)),
            Value::Func(FuncRef::Null) => write!(f, "funcref:null"),
            Value::Func(FuncRef::Export(id)) => write!(f, "funcref:export#{id}"),
            Value::Func(FuncRef::Import(id)) => write!(f, "funcref:import#{id}"),
            Value::Func(FuncRef::Unnamed) => write!(f, "funcref:unnamed"),
            Value::NullRef(kind) => write!(f, "{}:null", kind.name()),
        }
    }
}

/// Writes values as `(a, b, c)`.
pub struct Values<'a>(pub &'a [Value]);

impl fmt::Display for Values<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, value) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{value}")?;
        }
        f.write_str(")")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Signature {
    pub params: Vec<Kind>,
    pub results: Vec<Kind>,
}

/// How a call into the guest (an export call or an instantiation) ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Returned(Vec<Value>),
    Trapped { code: Option<u8>, message: String },
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(values) => write!(f, "returned {}", Values(values)),
            Outcome::Trapped { code: Some(code), message } => write!(f, "trapped (code {code}): {message}"),
            Outcome::Trapped { code: None, message } => write!(f, "trapped: {message}"),
            Outcome::Failed(message) => write!(f, "failed: {message}"),
        }
    }
}

/// Bytes a host function wrote into guest memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryWrite {
    /// Index of the memory among those the trace knows (see the format doc).
    pub memory: u32,
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// One call from the guest to a host function, as it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCall {
    pub import: u32,
    /// Present when the trace carries validation metadata.
    pub args: Option<Vec<Value>>,
    /// `Ok(results)` or `Err(trap message)`.
    pub outcome: std::result::Result<Vec<Value>, String>,
    pub writes: Vec<MemoryWrite>,
    /// Present when the trace carries memory digests.
    pub digest: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndStatus {
    /// The host finished the recording.
    Finished = 0,
    /// The store was dropped while still recording: what precedes is valid,
    /// but the host never said the session was over.
    StoreDropped = 1,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Instantiate { checksum: [u8; 32] },
    DefineImport { id: u32, module: String, name: String, signature: Signature },
    DefineExport { id: u32, instance: u32, name: String, signature: Signature },
    ExportCall { export: u32, args: Vec<Value> },
    Return(Outcome),
    HostCall(HostCall),
    MemoryWrite(MemoryWrite),
    /// A call from the guest to a WASI preview-1 function.
    Wasi(WasiCall),
    /// A crossing of a component's boundary (trace/component.rs).
    Component(ComponentEvent),
    End { status: EndStatus, events: u64 },
}

/// The tag of a host return without memory writes (for the replay fast path).
pub(crate) const HOST_RETURN_TAG: u8 = tag::HOST_RETURN;

mod tag {
    pub(super) const END: u8 = 0x00;
    pub(super) const INSTANTIATE: u8 = 0x01;
    pub(super) const DEFINE_IMPORT: u8 = 0x02;
    pub(super) const DEFINE_EXPORT: u8 = 0x03;
    pub(super) const EXPORT_CALL: u8 = 0x04;
    pub(super) const RETURN_OK: u8 = 0x05;
    pub(super) const RETURN_TRAP: u8 = 0x06;
    pub(super) const RETURN_ERROR: u8 = 0x07;
    pub(super) const HOST_RETURN: u8 = 0x08;
    pub(super) const HOST_RETURN_WRITES: u8 = 0x09;
    pub(super) const HOST_TRAP: u8 = 0x0a;
    pub(super) const MEMORY_WRITE: u8 = 0x0b;
}

/// What the record settings put into every host-call event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EventShape {
    pub validation: bool,
    pub digest: bool,
}

/// The definitions seen so far and the open call: what values are typed by.
#[derive(Clone, Debug, Default)]
pub struct Codec {
    pub shape: EventShape,
    pub imports: Vec<(String, String, Signature)>,
    pub exports: Vec<(u32, String, Signature)>,
    /// Names of the component host functions defined so far, by id.
    pub component_imports: Vec<String>,
    /// Instance and path of the component exports defined so far, by id.
    pub component_exports: Vec<(u32, String)>,
    /// Path and host type number of the resource types the host defined
    /// for components, in order.
    pub component_resources: Vec<(String, u32)>,
    /// Result types of the open call into the guest, if one is open.
    open: Option<Vec<Kind>>,
    /// Value buffers handed back with `recycle`, reused by the decoder so
    /// replaying a host call does not allocate.
    spare: Vec<Vec<Value>>,
    /// The last reading of each clock, which WASI clock readings are coded against.
    clocks: ClockState,
}

impl Codec {
    pub fn new(shape: EventShape) -> Codec {
        Codec { shape, ..Codec::default() }
    }

    fn import_signature(&self, id: u32) -> Result<&Signature> {
        self.imports
            .get(id as usize)
            .map(|(_, _, s)| s)
            .ok_or_else(|| malformed(format!("import #{id} used before it is defined")))
    }

    fn export_signature(&self, id: u32) -> Result<&Signature> {
        self.exports
            .get(id as usize)
            .map(|(_, _, s)| s)
            .ok_or_else(|| malformed(format!("export #{id} used before it is defined")))
    }

    /// Updates the definitions and the open call for an event, and checks
    /// that it may come here; encoding and decoding both go through it.
    fn track(&mut self, event: &Event) -> Result<()> {
        match event {
            Event::DefineImport { id, module, name, signature } => {
                expect_next_id(*id, self.imports.len(), "import")?;
                self.imports.push((module.clone(), name.clone(), signature.clone()));
            }
            Event::DefineExport { id, instance, name, signature } => {
                expect_next_id(*id, self.exports.len(), "export")?;
                self.exports.push((*instance, name.clone(), signature.clone()));
            }
            Event::Component(ComponentEvent::DefineImport { id, name }) => {
                expect_next_id(*id, self.component_imports.len(), "component import")?;
                self.component_imports.push(name.clone());
            }
            Event::Component(ComponentEvent::DefineExport { id, instance, name }) => {
                expect_next_id(*id, self.component_exports.len(), "component export")?;
                self.component_exports.push((*instance, name.clone()));
            }
            Event::Component(ComponentEvent::Call { export, .. }) => {
                if *export as usize >= self.component_exports.len() {
                    return Err(malformed(format!("component export #{export} used before it is defined")));
                }
                if self.open.is_some() {
                    return Err(malformed("a call into the guest starts while another is open"));
                }
                self.open = Some(Vec::new());
            }
            Event::Component(ComponentEvent::Returned(_)) => {
                self.open.take().ok_or_else(|| malformed("a return with no open call"))?;
            }
            Event::Component(ComponentEvent::HostCall(call)) => {
                if call.import as usize >= self.component_imports.len() {
                    return Err(malformed(format!("component import #{} used before it is defined", call.import)));
                }
            }
            Event::Component(ComponentEvent::Wasi(_)) => {}
            Event::Component(ComponentEvent::DefineResource { name, ty }) => {
                self.component_resources.push((name.clone(), *ty));
            }
            Event::Instantiate { .. } | Event::ExportCall { .. } => {
                if self.open.is_some() {
                    return Err(malformed("a call into the guest starts while another is open"));
                }
                self.open = Some(match event {
                    Event::ExportCall { export, .. } => self.export_signature(*export)?.results.clone(),
                    _ => Vec::new(),
                });
            }
            Event::Return(_) => {
                self.open.take().ok_or_else(|| malformed("a return with no open call"))?;
            }
            Event::HostCall(_) | Event::MemoryWrite(_) | Event::Wasi(_) | Event::End { .. } => {}
        }
        Ok(())
    }

    /// Appends one event.
    pub fn encode(&mut self, event: &Event, out: &mut Vec<u8>) -> Result<()> {
        // Result types of a return are those of the call it closes (taken
        // before `track` closes it; only returns need them).
        let open_results = match event {
            Event::Return(Outcome::Returned(_)) => self.open.clone().unwrap_or_default(),
            _ => Vec::new(),
        };
        self.track(event)?;
        match event {
            Event::End { status, events } => {
                out.push(tag::END);
                out.push(*status as u8);
                put_uleb(out, *events);
            }
            Event::Instantiate { checksum } => {
                out.push(tag::INSTANTIATE);
                out.extend_from_slice(checksum);
            }
            Event::DefineImport { id, module, name, signature } => {
                out.push(tag::DEFINE_IMPORT);
                put_uleb(out, u64::from(*id));
                put_bytes(out, module.as_bytes());
                put_bytes(out, name.as_bytes());
                put_signature(out, signature);
            }
            Event::DefineExport { id, instance, name, signature } => {
                out.push(tag::DEFINE_EXPORT);
                put_uleb(out, u64::from(*id));
                put_uleb(out, u64::from(*instance));
                put_bytes(out, name.as_bytes());
                put_signature(out, signature);
            }
            Event::ExportCall { export, args } => {
                out.push(tag::EXPORT_CALL);
                put_uleb(out, u64::from(*export));
                put_values(out, &self.export_signature(*export)?.params, args)?;
            }
            Event::Return(Outcome::Returned(values)) => {
                out.push(tag::RETURN_OK);
                put_values(out, &open_results, values)?;
            }
            Event::Return(Outcome::Trapped { code, message }) => {
                out.push(tag::RETURN_TRAP);
                match code {
                    Some(code) => out.extend_from_slice(&[1, *code]),
                    None => out.push(0),
                }
                put_bytes(out, message.as_bytes());
            }
            Event::Return(Outcome::Failed(message)) => {
                out.push(tag::RETURN_ERROR);
                put_bytes(out, message.as_bytes());
            }
            Event::HostCall(call) => self.encode_host_call(call, out)?,
            Event::MemoryWrite(write) => {
                out.push(tag::MEMORY_WRITE);
                put_write(out, write);
            }
            Event::Wasi(call) => wasi::encode(call, self.shape.validation, self.shape.digest, &mut self.clocks, out)?,
            Event::Component(event) => component::encode(event, self.shape.validation, out)?,
        }
        Ok(())
    }

    fn encode_host_call(&self, call: &HostCall, out: &mut Vec<u8>) -> Result<()> {
        let signature = self.import_signature(call.import)?;
        out.push(match (&call.outcome, call.writes.is_empty()) {
            (Ok(_), true) => tag::HOST_RETURN,
            (Ok(_), false) => tag::HOST_RETURN_WRITES,
            (Err(_), _) => tag::HOST_TRAP,
        });
        put_uleb(out, u64::from(call.import));
        if self.shape.validation {
            let args = call.args.as_deref().ok_or_else(|| malformed("validation metadata missing"))?;
            put_values(out, &signature.params, args)?;
        }
        match &call.outcome {
            Ok(results) => {
                put_values(out, &signature.results, results)?;
                if !call.writes.is_empty() {
                    put_writes(out, &call.writes);
                }
            }
            Err(message) => {
                put_writes(out, &call.writes);
                put_bytes(out, message.as_bytes());
            }
        }
        if self.shape.digest {
            let digest = call.digest.ok_or_else(|| malformed("memory digest missing"))?;
            out.extend_from_slice(&digest.to_le_bytes());
        }
        Ok(())
    }

    /// Reads one event.
    pub fn decode(&mut self, cursor: &mut Cursor<'_>) -> Result<Event> {
        let tag = cursor.byte()?;
        let open_results = match tag {
            tag::RETURN_OK => self.open.clone().unwrap_or_default(),
            _ => Vec::new(),
        };
        let event = match tag {
            tag::END => {
                let status = match cursor.byte()? {
                    0 => EndStatus::Finished,
                    1 => EndStatus::StoreDropped,
                    other => return Err(malformed(format!("unknown end status {other}"))),
                };
                Event::End { status, events: cursor.uleb()? }
            }
            tag::INSTANTIATE => Event::Instantiate { checksum: cursor.array()? },
            tag::DEFINE_IMPORT => Event::DefineImport {
                id: cursor.uleb32()?,
                module: cursor.string()?,
                name: cursor.string()?,
                signature: get_signature(cursor)?,
            },
            tag::DEFINE_EXPORT => Event::DefineExport {
                id: cursor.uleb32()?,
                instance: cursor.uleb32()?,
                name: cursor.string()?,
                signature: get_signature(cursor)?,
            },
            tag::EXPORT_CALL => {
                let export = cursor.uleb32()?;
                let params = self.export_signature(export)?.params.clone();
                Event::ExportCall { export, args: get_values(cursor, &params)? }
            }
            tag::RETURN_OK => Event::Return(Outcome::Returned(get_values(cursor, &open_results)?)),
            tag::RETURN_TRAP => {
                let code = match cursor.byte()? {
                    0 => None,
                    1 => Some(cursor.byte()?),
                    other => return Err(malformed(format!("bad trap-code flag {other}"))),
                };
                Event::Return(Outcome::Trapped { code, message: cursor.string()? })
            }
            tag::RETURN_ERROR => Event::Return(Outcome::Failed(cursor.string()?)),
            tag::HOST_RETURN | tag::HOST_RETURN_WRITES | tag::HOST_TRAP => {
                Event::HostCall(self.decode_host_call(tag, cursor)?)
            }
            tag::MEMORY_WRITE => Event::MemoryWrite(get_write(cursor)?),
            tag if wasi::is_tag(tag) => {
                Event::Wasi(wasi::decode(tag, cursor, self.shape.validation, self.shape.digest, &mut self.clocks)?)
            }
            tag if component::is_tag(tag) => Event::Component(component::decode(tag, cursor, self.shape.validation)?),
            other => return Err(malformed(format!("unknown event tag 0x{other:02x}"))),
        };
        self.track(&event)?;
        Ok(event)
    }

    /// Reads a WASI call whose tag has been read (the replay fast path).
    pub fn decode_wasi(&mut self, tag: u8, cursor: &mut Cursor<'_>) -> Result<WasiCall> {
        wasi::decode(tag, cursor, self.shape.validation, self.shape.digest, &mut self.clocks)
    }

    /// Reads the next event if it is a numbers-only WASI call (see
    /// [`wasi::decode_numbers`]); the caller checked the trace keeps no
    /// validation metadata or digests.
    #[inline]
    pub fn decode_wasi_numbers(&mut self, cursor: &mut Cursor<'_>, call: &mut wasi::NumbersCall) -> Result<bool> {
        wasi::decode_numbers(cursor, &mut self.clocks, call)
    }

    /// Appends a numbers-only WASI call (see [`wasi::encode_numbers`]).
    #[inline]
    pub fn encode_wasi_numbers(&mut self, call: &wasi::NumbersCall, out: &mut impl ByteSink) -> Result<()> {
        wasi::encode_numbers(call, &mut self.clocks, out)
    }

    /// Gives a decoded event's value buffer back for reuse.
    pub fn recycle(&mut self, mut values: Vec<Value>) {
        if self.spare.len() < 8 {
            values.clear();
            self.spare.push(values);
        }
    }

    fn decode_host_call(&mut self, tag: u8, cursor: &mut Cursor<'_>) -> Result<HostCall> {
        let import = cursor.uleb32()?;
        let mut buffer = self.spare.pop().unwrap_or_default();
        let signature = self.import_signature(import)?;
        let args = match self.shape.validation {
            true => Some(get_values(cursor, &signature.params)?),
            false => None,
        };
        let (outcome, writes) = match tag {
            tag::HOST_RETURN => {
                get_values_into(cursor, &signature.results, &mut buffer)?;
                (Ok(buffer), Vec::new())
            }
            tag::HOST_RETURN_WRITES => {
                get_values_into(cursor, &signature.results, &mut buffer)?;
                (Ok(buffer), get_writes(cursor)?)
            }
            _ => {
                let writes = get_writes(cursor)?;
                (Err(cursor.string()?), writes)
            }
        };
        let digest = match self.shape.digest {
            true => Some(u64::from_le_bytes(cursor.array()?)),
            false => None,
        };
        Ok(HostCall { import, args, outcome, writes, digest })
    }
}

fn expect_next_id(id: u32, next: usize, what: &str) -> Result<()> {
    if id as usize != next {
        return Err(malformed(format!("{what} #{id} defined where #{next} was expected")));
    }
    Ok(())
}

fn put_signature(out: &mut Vec<u8>, signature: &Signature) {
    for kinds in [&signature.params, &signature.results] {
        put_uleb(out, kinds.len() as u64);
        out.extend(kinds.iter().map(|k| *k as u8));
    }
}

fn get_signature(cursor: &mut Cursor<'_>) -> Result<Signature> {
    let mut kinds = || -> Result<Vec<Kind>> { cursor.bytes()?.iter().map(|b| Kind::from_byte(*b)).collect() };
    Ok(Signature { params: kinds()?, results: kinds()? })
}

fn put_values(out: &mut Vec<u8>, kinds: &[Kind], values: &[Value]) -> Result<()> {
    if kinds.len() != values.len() || kinds.iter().zip(values).any(|(k, v)| *k != v.kind()) {
        return Err(malformed(format!("values {} do not match their signature", Values(values))));
    }
    for value in values {
        put_value(out, value);
    }
    Ok(())
}

/// Appends one value (its type is implied by the signature in force).
#[inline]
pub fn put_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::I32(v) => put_sleb(out, i64::from(*v)),
        Value::I64(v) => put_sleb(out, *v),
        Value::F32(bits) => out.extend_from_slice(&bits.to_le_bytes()),
        Value::F64(bits) => out.extend_from_slice(&bits.to_le_bytes()),
        Value::V128(bytes) => out.extend_from_slice(bytes),
        Value::Func(FuncRef::Null) | Value::NullRef(_) => out.push(0),
        Value::Func(FuncRef::Export(id)) => {
            out.push(1);
            put_uleb(out, u64::from(*id));
        }
        Value::Func(FuncRef::Import(id)) => {
            out.push(2);
            put_uleb(out, u64::from(*id));
        }
        Value::Func(FuncRef::Unnamed) => out.push(3),
    }
}

fn get_values(cursor: &mut Cursor<'_>, kinds: &[Kind]) -> Result<Vec<Value>> {
    let mut values = Vec::with_capacity(kinds.len());
    get_values_into(cursor, kinds, &mut values)?;
    Ok(values)
}

fn get_values_into(cursor: &mut Cursor<'_>, kinds: &[Kind], values: &mut Vec<Value>) -> Result<()> {
    for kind in kinds {
        values.push(get_value(cursor, *kind)?);
    }
    Ok(())
}

/// Reads one value of a known type.
#[inline]
pub fn get_value(cursor: &mut Cursor<'_>, kind: Kind) -> Result<Value> {
    Ok(match kind {
        Kind::I32 => Value::I32(cursor.sleb32()?),
        Kind::I64 => Value::I64(cursor.sleb()?),
        Kind::F32 => Value::F32(u32::from_le_bytes(cursor.array()?)),
        Kind::F64 => Value::F64(u64::from_le_bytes(cursor.array()?)),
        Kind::V128 => Value::V128(cursor.array()?),
        Kind::FuncRef => Value::Func(match cursor.byte()? {
            0 => FuncRef::Null,
            1 => FuncRef::Export(cursor.uleb32()?),
            2 => FuncRef::Import(cursor.uleb32()?),
            3 => FuncRef::Unnamed,
            other => return Err(bad_value(format_args!("bad funcref tag {other}"))),
        }),
        Kind::ExternRef | Kind::AnyRef | Kind::ExnRef => match cursor.byte()? {
            0 => Value::NullRef(kind),
            other => return Err(bad_value(format_args!("bad {} tag {other}", kind.name()))),
        },
    })
}

/// A value that cannot be decoded; out of line, so the decoding of good
/// values stays small where it is inlined.
#[cold]
#[inline(never)]
fn bad_value(what: std::fmt::Arguments<'_>) -> crate::error::RrError {
    malformed(what)
}

fn put_write(out: &mut Vec<u8>, write: &MemoryWrite) {
    put_uleb(out, u64::from(write.memory));
    put_uleb(out, write.offset);
    put_bytes(out, &write.bytes);
}

fn get_write(cursor: &mut Cursor<'_>) -> Result<MemoryWrite> {
    Ok(MemoryWrite { memory: cursor.uleb32()?, offset: cursor.uleb()?, bytes: cursor.bytes()?.to_vec() })
}

fn put_writes(out: &mut Vec<u8>, writes: &[MemoryWrite]) {
    put_uleb(out, writes.len() as u64);
    writes.iter().for_each(|w| put_write(out, w));
}

fn get_writes(cursor: &mut Cursor<'_>) -> Result<Vec<MemoryWrite>> {
    let count = cursor.uleb()?;
    // Each write takes at least three bytes: a corrupt count cannot make us
    // reserve more than the frame could hold.
    let mut writes = Vec::with_capacity((count as usize).min(cursor.remaining() / 3));
    for _ in 0..count {
        writes.push(get_write(cursor)?);
    }
    Ok(writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(shape: EventShape, events: &[Event]) -> Vec<u8> {
        let mut encoder = Codec::new(shape);
        let mut bytes = Vec::new();
        for event in events {
            encoder.encode(event, &mut bytes).unwrap();
        }
        let mut decoder = Codec::new(shape);
        let mut cursor = Cursor::new(&bytes);
        for event in events {
            assert_eq!(&decoder.decode(&mut cursor).unwrap(), event);
        }
        assert!(cursor.is_empty());
        bytes
    }

    fn import(params: Vec<Kind>, results: Vec<Kind>) -> Event {
        Event::DefineImport {
            id: 0,
            module: "host".into(),
            name: "f".into(),
            signature: Signature { params, results },
        }
    }

    #[test]
    fn every_event_and_value_round_trips() {
        let all = vec![Kind::I32, Kind::I64, Kind::F32, Kind::F64, Kind::V128, Kind::FuncRef, Kind::ExternRef];
        let values = vec![
            Value::I32(-5),
            Value::I64(i64::MIN),
            Value::F32(f32::NAN.to_bits() | 1),
            Value::F64((-0.0f64).to_bits()),
            Value::V128([7; 16]),
            Value::Func(FuncRef::Export(0)),
            Value::NullRef(Kind::ExternRef),
        ];
        let shape = EventShape { validation: true, digest: true };
        round_trip(
            shape,
            &[
                import(all.clone(), all.clone()),
                Event::DefineExport { id: 0, instance: 0, name: "run".into(), signature: Signature { params: all.clone(), results: all.clone() } },
                Event::Instantiate { checksum: [9; 32] },
                Event::Return(Outcome::Returned(vec![])),
                Event::ExportCall { export: 0, args: values.clone() },
                Event::HostCall(HostCall {
                    import: 0,
                    args: Some(values.clone()),
                    outcome: Ok(values.clone()),
                    writes: vec![MemoryWrite { memory: 0, offset: 65536, bytes: b"hello".to_vec() }],
                    digest: Some(42),
                }),
                Event::HostCall(HostCall { import: 0, args: Some(values.clone()), outcome: Err("no".into()), writes: vec![], digest: Some(1) }),
                Event::Return(Outcome::Trapped { code: Some(3), message: "unreachable".into() }),
                Event::MemoryWrite(MemoryWrite { memory: 1, offset: 0, bytes: vec![] }),
                Event::End { status: EndStatus::StoreDropped, events: 9 },
            ],
        );
    }

    #[test]
    fn a_results_only_host_call_costs_two_bytes_beyond_its_results() {
        let mut codec = Codec::new(EventShape::default());
        let mut setup = Vec::new();
        codec.encode(&import(vec![Kind::I32], vec![Kind::I32]), &mut setup).unwrap();
        let mut bytes = Vec::new();
        let call = HostCall { import: 0, args: None, outcome: Ok(vec![Value::I32(1_000_000)]), writes: vec![], digest: None };
        codec.encode(&Event::HostCall(call), &mut bytes).unwrap();
        let mut result = Vec::new();
        put_sleb(&mut result, 1_000_000);
        assert_eq!(bytes.len(), 2 + result.len());
    }

    #[test]
    fn undefined_ids_and_mistyped_values_are_refused() {
        let mut codec = Codec::new(EventShape::default());
        let e = codec.encode(&Event::ExportCall { export: 3, args: vec![] }, &mut Vec::new()).unwrap_err();
        assert_eq!(e.message(), "malformed trace: export #3 used before it is defined");
        codec.encode(&import(vec![], vec![Kind::I32]), &mut Vec::new()).unwrap();
        let wrong = HostCall { import: 0, args: None, outcome: Ok(vec![Value::I64(1)]), writes: vec![], digest: None };
        assert!(codec.encode(&Event::HostCall(wrong), &mut Vec::new()).is_err());
        let mut decoder = Codec::new(EventShape::default());
        assert!(decoder.decode(&mut Cursor::new(&[0x05])).is_err(), "return with no open call");
        assert!(decoder.decode(&mut Cursor::new(&[0x7e])).is_err(), "unknown tag");
    }
}
