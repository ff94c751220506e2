//! Component-model events and values (docs/trace-format.md, "Component
//! events").
//!
//! Unlike core values, component values carry their own type tags: a
//! component function's type is a tree (records, variants, lists of lists)
//! that would cost more to declare than to tag, and tagged values let
//! `wasmtime-rr inspect` print a trace without the component.

use super::wire::{Cursor, malformed, put_bytes, put_sleb, put_uleb};
use crate::error::Result;
use std::fmt;

/// A component value as the trace keeps it. Floats are kept as bits so
/// comparison is bit for bit (NaN payloads included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CValue {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(u32),
    F64(u64),
    Char(char),
    String(String),
    List(Vec<CValue>),
    Record(Vec<(String, CValue)>),
    Tuple(Vec<CValue>),
    Variant(String, Option<Box<CValue>>),
    Enum(String),
    Option(Option<Box<CValue>>),
    Result(std::result::Result<Option<Box<CValue>>, Option<Box<CValue>>>),
    Flags(Vec<String>),
    /// A resource handle, named by the order in which the session first saw
    /// it: the same handle has the same number in a recording and its replay.
    Resource { owned: bool, handle: u32 },
    Map(Vec<(CValue, CValue)>),
    FixedList(Vec<CValue>),
}

/// One call from a component to a host function, as it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentHostCall {
    pub import: u32,
    /// Present when the trace carries validation metadata.
    pub args: Option<Encoded>,
    /// `Ok(results)` or `Err(message)` of the host's error.
    pub outcome: std::result::Result<Encoded, String>,
}

/// Component values as the trace holds them: a count, then each value with
/// its type tag. Kept encoded: a recording writes them straight from
/// Wasmtime's values and a replay compares them byte for byte (the encoding
/// is canonical), with no tree of values built on the way.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Encoded(pub Vec<u8>);

impl Encoded {
    /// Encodes values (of either kind: trace values or Wasmtime's).
    pub fn of<V: Encode>(values: &[V], numbering: &mut V::Numbering) -> Result<Encoded> {
        // Room for small values at once: growing the buffer showed in profiles.
        let mut out = Vec::with_capacity(64);
        put_values(&mut out, values, numbering)?;
        Ok(Encoded(out))
    }

    /// The values, decoded as trace values.
    pub fn values(&self) -> Result<Vec<CValue>> {
        self.decode(&mut Tree)
    }

    /// The values, decoded with `build`.
    pub fn decode<B: Build>(&self, build: &mut B) -> Result<Vec<B::Out>> {
        let mut cursor = Cursor::new(&self.0);
        let values = get_values(&mut cursor, 0, build)?;
        match cursor.is_empty() {
            true => Ok(values),
            false => Err(malformed("bytes after component values")),
        }
    }

    /// Reads encoded values, checking them (without building them).
    fn read(cursor: &mut Cursor<'_>) -> Result<Encoded> {
        let mut start = cursor.clone();
        get_values(cursor, 0, &mut Check)?;
        let length = start.remaining() - cursor.remaining();
        Ok(Encoded(start.take(length)?.to_vec()))
    }
}

/// Values print as `(a, b, c)`.
impl fmt::Display for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.values() {
            Ok(values) => CValues(&values).fmt(f),
            Err(_) => f.write_str("(malformed values)"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentEvent {
    /// Names a component export before its first call: `name` is the export's
    /// path (`interface#function` for an export of an exported instance).
    DefineExport { id: u32, instance: u32, name: String },
    /// Names a host function before its first call (its name in the linker
    /// instance it was added to).
    DefineImport { id: u32, name: String },
    /// A call into a component export; closed by `Returned` or by a core
    /// `Return` that says it trapped or failed.
    Call { export: u32, args: Encoded },
    Returned(Encoded),
    HostCall(ComponentHostCall),
}

pub(super) mod tag {
    pub(crate) const DEFINE_EXPORT: u8 = 0x10;
    pub(crate) const DEFINE_IMPORT: u8 = 0x11;
    pub(crate) const CALL: u8 = 0x12;
    pub(crate) const RETURNED: u8 = 0x13;
    pub(crate) const HOST_RETURN: u8 = 0x14;
    pub(crate) const HOST_ERROR: u8 = 0x15;
}

/// Whether `tag` starts a component event.
pub fn is_tag(tag: u8) -> bool {
    (tag::DEFINE_EXPORT..=tag::HOST_ERROR).contains(&tag)
}

/// Deepest nesting a reader accepts: a corrupt trace cannot exhaust the
/// stack (Wasmtime's own type nesting limit is far below it).
const MAX_DEPTH: u32 = 100;

mod value_tag {
    pub(super) const BOOL: u8 = 0;
    pub(super) const S8: u8 = 1;
    pub(super) const U8: u8 = 2;
    pub(super) const S16: u8 = 3;
    pub(super) const U16: u8 = 4;
    pub(super) const S32: u8 = 5;
    pub(super) const U32: u8 = 6;
    pub(super) const S64: u8 = 7;
    pub(super) const U64: u8 = 8;
    pub(super) const F32: u8 = 9;
    pub(super) const F64: u8 = 10;
    pub(super) const CHAR: u8 = 11;
    pub(super) const STRING: u8 = 12;
    pub(super) const LIST: u8 = 13;
    pub(super) const RECORD: u8 = 14;
    pub(super) const TUPLE: u8 = 15;
    pub(super) const VARIANT: u8 = 16;
    pub(super) const ENUM: u8 = 17;
    pub(super) const OPTION: u8 = 18;
    pub(super) const RESULT: u8 = 19;
    pub(super) const FLAGS: u8 = 20;
    pub(super) const RESOURCE: u8 = 21;
    pub(super) const MAP: u8 = 22;
    pub(super) const FIXED_LIST: u8 = 23;
}

/// Appends one event (tag included).
pub fn encode(event: &ComponentEvent, validation: bool, out: &mut Vec<u8>) -> Result<()> {
    match event {
        ComponentEvent::DefineExport { id, instance, name } => {
            out.push(tag::DEFINE_EXPORT);
            put_uleb(out, u64::from(*id));
            put_uleb(out, u64::from(*instance));
            put_bytes(out, name.as_bytes());
        }
        ComponentEvent::DefineImport { id, name } => {
            out.push(tag::DEFINE_IMPORT);
            put_uleb(out, u64::from(*id));
            put_bytes(out, name.as_bytes());
        }
        ComponentEvent::Call { export, args } => {
            out.push(tag::CALL);
            put_uleb(out, u64::from(*export));
            out.extend_from_slice(&args.0);
        }
        ComponentEvent::Returned(values) => {
            out.push(tag::RETURNED);
            out.extend_from_slice(&values.0);
        }
        ComponentEvent::HostCall(call) => {
            out.push(match call.outcome {
                Ok(_) => tag::HOST_RETURN,
                Err(_) => tag::HOST_ERROR,
            });
            put_uleb(out, u64::from(call.import));
            if validation {
                out.extend_from_slice(&call.args.as_ref().ok_or_else(|| malformed("validation metadata missing"))?.0);
            }
            match &call.outcome {
                Ok(values) => out.extend_from_slice(&values.0),
                Err(message) => put_bytes(out, message.as_bytes()),
            }
        }
    }
    Ok(())
}

/// Reads one event whose tag has been read.
pub fn decode(tag: u8, cursor: &mut Cursor<'_>, validation: bool) -> Result<ComponentEvent> {
    Ok(match tag {
        tag::DEFINE_EXPORT => ComponentEvent::DefineExport {
            id: cursor.uleb32()?,
            instance: cursor.uleb32()?,
            name: cursor.string()?,
        },
        tag::DEFINE_IMPORT => ComponentEvent::DefineImport { id: cursor.uleb32()?, name: cursor.string()? },
        tag::CALL => ComponentEvent::Call { export: cursor.uleb32()?, args: Encoded::read(cursor)? },
        tag::RETURNED => ComponentEvent::Returned(Encoded::read(cursor)?),
        tag::HOST_RETURN | tag::HOST_ERROR => {
            let import = cursor.uleb32()?;
            let args = match validation {
                true => Some(Encoded::read(cursor)?),
                false => None,
            };
            let outcome = match tag {
                tag::HOST_RETURN => Ok(Encoded::read(cursor)?),
                _ => Err(cursor.string()?),
            };
            ComponentEvent::HostCall(ComponentHostCall { import, args, outcome })
        }
        other => return Err(malformed(format!("unknown component event tag 0x{other:02x}"))),
    })
}

/// One level of a value, whatever holds it: the trace's [`CValue`] or
/// Wasmtime's `component::Val` (`rr::component_values`). Both encode through
/// [`put_value`], so a recording writes the same bytes a trace value would.
pub enum View<'a, V> {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(u32),
    F64(u64),
    Char(char),
    String(&'a str),
    Enum(&'a str),
    List(&'a [V]),
    Tuple(&'a [V]),
    FixedList(&'a [V]),
    Record(&'a [(String, V)]),
    Variant(&'a str, Option<&'a V>),
    Option(Option<&'a V>),
    Result(bool, Option<&'a V>),
    Flags(&'a [String]),
    Resource { owned: bool, handle: u32 },
    Map(&'a [(V, V)]),
}

/// A value the trace can encode.
pub trait Encode: Sized {
    /// What numbers resource handles (nothing, for trace values).
    type Numbering;
    fn view(&self, numbering: &mut Self::Numbering) -> Result<View<'_, Self>>;
}

impl Encode for CValue {
    type Numbering = ();
    fn view(&self, _: &mut ()) -> Result<View<'_, CValue>> {
        Ok(match self {
            CValue::Bool(v) => View::Bool(*v),
            CValue::S8(v) => View::S8(*v),
            CValue::U8(v) => View::U8(*v),
            CValue::S16(v) => View::S16(*v),
            CValue::U16(v) => View::U16(*v),
            CValue::S32(v) => View::S32(*v),
            CValue::U32(v) => View::U32(*v),
            CValue::S64(v) => View::S64(*v),
            CValue::U64(v) => View::U64(*v),
            CValue::F32(bits) => View::F32(*bits),
            CValue::F64(bits) => View::F64(*bits),
            CValue::Char(c) => View::Char(*c),
            CValue::String(s) => View::String(s),
            CValue::Enum(s) => View::Enum(s),
            CValue::List(items) => View::List(items),
            CValue::Tuple(items) => View::Tuple(items),
            CValue::FixedList(items) => View::FixedList(items),
            CValue::Record(fields) => View::Record(fields),
            CValue::Variant(case, payload) => View::Variant(case, payload.as_deref()),
            CValue::Option(payload) => View::Option(payload.as_deref()),
            CValue::Result(Ok(payload)) => View::Result(true, payload.as_deref()),
            CValue::Result(Err(payload)) => View::Result(false, payload.as_deref()),
            CValue::Flags(names) => View::Flags(names),
            CValue::Resource { owned, handle } => View::Resource { owned: *owned, handle: *handle },
            CValue::Map(entries) => View::Map(entries),
        })
    }
}

/// Appends a count, then each value.
pub fn put_values<V: Encode>(out: &mut Vec<u8>, values: &[V], numbering: &mut V::Numbering) -> Result<()> {
    put_uleb(out, values.len() as u64);
    values.iter().try_for_each(|v| put_value(out, v, numbering))
}

fn put_option<V: Encode>(out: &mut Vec<u8>, value: Option<&V>, numbering: &mut V::Numbering) -> Result<()> {
    match value {
        None => {
            out.push(0);
            Ok(())
        }
        Some(value) => {
            out.push(1);
            put_value(out, value, numbering)
        }
    }
}

/// Appends one value with its type tag.
pub fn put_value<V: Encode>(out: &mut Vec<u8>, value: &V, numbering: &mut V::Numbering) -> Result<()> {
    use value_tag as t;
    match value.view(numbering)? {
        View::Bool(v) => out.extend_from_slice(&[t::BOOL, u8::from(v)]),
        View::S8(v) => out.extend_from_slice(&[t::S8, v as u8]),
        View::U8(v) => out.extend_from_slice(&[t::U8, v]),
        View::S16(v) => tagged_sleb(out, t::S16, i64::from(v)),
        View::U16(v) => tagged_uleb(out, t::U16, u64::from(v)),
        View::S32(v) => tagged_sleb(out, t::S32, i64::from(v)),
        View::U32(v) => tagged_uleb(out, t::U32, u64::from(v)),
        View::S64(v) => tagged_sleb(out, t::S64, v),
        View::U64(v) => tagged_uleb(out, t::U64, v),
        View::F32(bits) => {
            out.push(t::F32);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        View::F64(bits) => {
            out.push(t::F64);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        View::Char(c) => tagged_uleb(out, t::CHAR, u64::from(u32::from(c))),
        View::String(s) => {
            out.push(t::STRING);
            put_bytes(out, s.as_bytes());
        }
        View::Enum(s) => {
            out.push(t::ENUM);
            put_bytes(out, s.as_bytes());
        }
        View::List(items) => {
            out.push(t::LIST);
            put_values(out, items, numbering)?;
        }
        View::Tuple(items) => {
            out.push(t::TUPLE);
            put_values(out, items, numbering)?;
        }
        View::FixedList(items) => {
            out.push(t::FIXED_LIST);
            put_values(out, items, numbering)?;
        }
        View::Record(fields) => {
            out.push(t::RECORD);
            put_uleb(out, fields.len() as u64);
            for (name, value) in fields {
                put_bytes(out, name.as_bytes());
                put_value(out, value, numbering)?;
            }
        }
        View::Variant(case, payload) => {
            out.push(t::VARIANT);
            put_bytes(out, case.as_bytes());
            put_option(out, payload, numbering)?;
        }
        View::Option(payload) => {
            out.push(t::OPTION);
            put_option(out, payload, numbering)?;
        }
        View::Result(ok, payload) => {
            out.extend_from_slice(&[t::RESULT, u8::from(ok)]);
            put_option(out, payload, numbering)?;
        }
        View::Flags(names) => {
            out.push(t::FLAGS);
            put_uleb(out, names.len() as u64);
            names.iter().for_each(|n| put_bytes(out, n.as_bytes()));
        }
        View::Resource { owned, handle } => {
            out.extend_from_slice(&[t::RESOURCE, u8::from(owned)]);
            put_uleb(out, u64::from(handle));
        }
        View::Map(entries) => {
            out.push(t::MAP);
            put_uleb(out, entries.len() as u64);
            for (key, value) in entries {
                put_value(out, key, numbering)?;
                put_value(out, value, numbering)?;
            }
        }
    }
    Ok(())
}

fn tagged_sleb(out: &mut Vec<u8>, tag: u8, value: i64) {
    out.push(tag);
    put_sleb(out, value);
}

fn tagged_uleb(out: &mut Vec<u8>, tag: u8, value: u64) {
    out.push(tag);
    put_uleb(out, value);
}

/// A count of items that each take at least one byte: a corrupt count cannot
/// make the reader reserve more than the frame holds.
fn count(cursor: &mut Cursor<'_>) -> Result<usize> {
    let count = cursor.uleb()?;
    if count > cursor.remaining() as u64 {
        return Err(malformed(format!("a count of {count} items exceeds the frame")));
    }
    Ok(count as usize)
}

/// One level of a decoded value, its children already built: what a
/// [`Build`] makes a value of. Strings borrow from the trace.
pub enum Node<'a, T> {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(u32),
    F64(u64),
    Char(char),
    String(&'a str),
    Enum(&'a str),
    List(Vec<T>),
    Tuple(Vec<T>),
    FixedList(Vec<T>),
    Record(Vec<(&'a str, T)>),
    Variant(&'a str, Option<T>),
    Option(Option<T>),
    Result(bool, Option<T>),
    Flags(Vec<&'a str>),
    Resource { owned: bool, handle: u32 },
    Map(Vec<(T, T)>),
}

/// Makes values as the decoder reads them: trace values ([`Tree`]), nothing
/// (checking only: [`Check`]) or Wasmtime's values (`rr::component_values`).
/// One grammar, in [`get_value`], for all of them.
pub trait Build {
    type Out;
    fn make(&mut self, node: Node<'_, Self::Out>) -> Result<Self::Out>;
}

/// Builds trace values.
pub struct Tree;

impl Build for Tree {
    type Out = CValue;
    fn make(&mut self, node: Node<'_, CValue>) -> Result<CValue> {
        let boxed = |v: Option<CValue>| v.map(Box::new);
        Ok(match node {
            Node::Bool(v) => CValue::Bool(v),
            Node::S8(v) => CValue::S8(v),
            Node::U8(v) => CValue::U8(v),
            Node::S16(v) => CValue::S16(v),
            Node::U16(v) => CValue::U16(v),
            Node::S32(v) => CValue::S32(v),
            Node::U32(v) => CValue::U32(v),
            Node::S64(v) => CValue::S64(v),
            Node::U64(v) => CValue::U64(v),
            Node::F32(bits) => CValue::F32(bits),
            Node::F64(bits) => CValue::F64(bits),
            Node::Char(c) => CValue::Char(c),
            Node::String(s) => CValue::String(s.to_string()),
            Node::Enum(s) => CValue::Enum(s.to_string()),
            Node::List(items) => CValue::List(items),
            Node::Tuple(items) => CValue::Tuple(items),
            Node::FixedList(items) => CValue::FixedList(items),
            Node::Record(fields) => CValue::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect()),
            Node::Variant(case, payload) => CValue::Variant(case.to_string(), boxed(payload)),
            Node::Option(payload) => CValue::Option(boxed(payload)),
            Node::Result(true, payload) => CValue::Result(Ok(boxed(payload))),
            Node::Result(false, payload) => CValue::Result(Err(boxed(payload))),
            Node::Flags(names) => CValue::Flags(names.into_iter().map(str::to_string).collect()),
            Node::Resource { owned, handle } => CValue::Resource { owned, handle },
            Node::Map(entries) => CValue::Map(entries),
        })
    }
}

/// Builds nothing: reading with it checks values without allocating them.
pub struct Check;

impl Build for Check {
    type Out = ();
    fn make(&mut self, _: Node<'_, ()>) -> Result<()> {
        Ok(())
    }
}

/// Reads a count, then that many values.
pub fn get_values<B: Build>(cursor: &mut Cursor<'_>, depth: u32, build: &mut B) -> Result<Vec<B::Out>> {
    let n = count(cursor)?;
    (0..n).map(|_| get_value(cursor, depth, build)).collect()
}

fn get_option<B: Build>(cursor: &mut Cursor<'_>, depth: u32, build: &mut B) -> Result<Option<B::Out>> {
    match cursor.byte()? {
        0 => Ok(None),
        1 => Ok(Some(get_value(cursor, depth, build)?)),
        other => Err(malformed(format!("bad option flag {other}"))),
    }
}

fn ranged<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T> {
    T::try_from(value).map_err(|_| malformed(format!("{what} value {value} out of range")))
}

fn uranged<T: TryFrom<u64>>(value: u64, what: &str) -> Result<T> {
    T::try_from(value).map_err(|_| malformed(format!("{what} value {value} out of range")))
}

fn text<'a>(cursor: &mut Cursor<'a>) -> Result<&'a str> {
    std::str::from_utf8(cursor.bytes()?).map_err(|_| malformed("string is not UTF-8"))
}

/// Reads one tagged value.
pub fn get_value<B: Build>(cursor: &mut Cursor<'_>, depth: u32, build: &mut B) -> Result<B::Out> {
    use value_tag as t;
    if depth > MAX_DEPTH {
        return Err(malformed(format!("component values nested deeper than {MAX_DEPTH}")));
    }
    let inner = depth + 1;
    let node = match cursor.byte()? {
        t::BOOL => match cursor.byte()? {
            0 => Node::Bool(false),
            1 => Node::Bool(true),
            other => return Err(malformed(format!("bad bool {other}"))),
        },
        t::S8 => Node::S8(cursor.byte()? as i8),
        t::U8 => Node::U8(cursor.byte()?),
        t::S16 => Node::S16(ranged(cursor.sleb()?, "s16")?),
        t::U16 => Node::U16(uranged(cursor.uleb()?, "u16")?),
        t::S32 => Node::S32(ranged(cursor.sleb()?, "s32")?),
        t::U32 => Node::U32(uranged(cursor.uleb()?, "u32")?),
        t::S64 => Node::S64(cursor.sleb()?),
        t::U64 => Node::U64(cursor.uleb()?),
        t::F32 => Node::F32(u32::from_le_bytes(cursor.array()?)),
        t::F64 => Node::F64(u64::from_le_bytes(cursor.array()?)),
        t::CHAR => {
            let code = cursor.uleb()?;
            let c = u32::try_from(code).ok().and_then(char::from_u32);
            Node::Char(c.ok_or_else(|| malformed(format!("{code:#x} is not a Unicode scalar value")))?)
        }
        t::STRING => Node::String(text(cursor)?),
        t::ENUM => Node::Enum(text(cursor)?),
        t::LIST => Node::List(get_values(cursor, inner, build)?),
        t::TUPLE => Node::Tuple(get_values(cursor, inner, build)?),
        t::FIXED_LIST => Node::FixedList(get_values(cursor, inner, build)?),
        t::RECORD => {
            let n = count(cursor)?;
            Node::Record((0..n).map(|_| Ok((text(cursor)?, get_value(cursor, inner, build)?))).collect::<Result<_>>()?)
        }
        t::VARIANT => Node::Variant(text(cursor)?, get_option(cursor, inner, build)?),
        t::OPTION => Node::Option(get_option(cursor, inner, build)?),
        t::RESULT => match cursor.byte()? {
            flag @ (0 | 1) => Node::Result(flag == 1, get_option(cursor, inner, build)?),
            other => return Err(malformed(format!("bad result flag {other}"))),
        },
        t::FLAGS => {
            let n = count(cursor)?;
            Node::Flags((0..n).map(|_| text(cursor)).collect::<Result<_>>()?)
        }
        t::RESOURCE => {
            let owned = match cursor.byte()? {
                0 => false,
                1 => true,
                other => return Err(malformed(format!("bad resource ownership {other}"))),
            };
            Node::Resource { owned, handle: cursor.uleb32()? }
        }
        t::MAP => {
            let n = count(cursor)?;
            Node::Map(
                (0..n)
                    .map(|_| Ok((get_value(cursor, inner, build)?, get_value(cursor, inner, build)?)))
                    .collect::<Result<_>>()?,
            )
        }
        other => return Err(malformed(format!("unknown component value type {other}"))),
    };
    build.make(node)
}

/// Writes a string as a quoted, escaped literal.
fn quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    write!(f, "{s:?}")
}

fn payload(f: &mut fmt::Formatter<'_>, value: &Option<Box<CValue>>) -> fmt::Result {
    match value {
        Some(value) => write!(f, "({value})"),
        None => Ok(()),
    }
}

/// Writes items separated by ", ".
fn joined<T>(f: &mut fmt::Formatter<'_>, items: &[T], mut item: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result) -> fmt::Result {
    for (i, value) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        item(f, value)?;
    }
    Ok(())
}

/// Values print in the WebAssembly Value Encoding's style: `"text"`,
/// `[1, 2]`, `{name: "a", id: 3}`, `some(5)`, `err("no")`, `{read, write}`.
impl fmt::Display for CValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CValue::Bool(v) => write!(f, "{v}"),
            CValue::S8(v) => write!(f, "{v}"),
            CValue::U8(v) => write!(f, "{v}"),
            CValue::S16(v) => write!(f, "{v}"),
            CValue::U16(v) => write!(f, "{v}"),
            CValue::S32(v) => write!(f, "{v}"),
            CValue::U32(v) => write!(f, "{v}"),
            CValue::S64(v) => write!(f, "{v}"),
            CValue::U64(v) => write!(f, "{v}"),
            CValue::F32(bits) => float(f, f64::from(f32::from_bits(*bits)), f32::from_bits(*bits).is_nan(), u64::from(*bits)),
            CValue::F64(bits) => float(f, f64::from_bits(*bits), f64::from_bits(*bits).is_nan(), *bits),
            CValue::Char(c) => write!(f, "{c:?}"),
            CValue::String(s) => quoted(f, s),
            CValue::List(items) | CValue::FixedList(items) => {
                f.write_str("[")?;
                joined(f, items, |f, v| write!(f, "{v}"))?;
                f.write_str("]")
            }
            CValue::Tuple(items) => {
                f.write_str("(")?;
                joined(f, items, |f, v| write!(f, "{v}"))?;
                f.write_str(")")
            }
            CValue::Record(fields) => {
                f.write_str("{")?;
                joined(f, fields, |f, (name, value)| write!(f, "{name}: {value}"))?;
                f.write_str("}")
            }
            CValue::Variant(case, value) => {
                f.write_str(case)?;
                payload(f, value)
            }
            CValue::Enum(case) => f.write_str(case),
            CValue::Option(None) => f.write_str("none"),
            CValue::Option(Some(value)) => write!(f, "some({value})"),
            CValue::Result(Ok(value)) => {
                f.write_str("ok")?;
                payload(f, value)
            }
            CValue::Result(Err(value)) => {
                f.write_str("err")?;
                payload(f, value)
            }
            CValue::Flags(names) => {
                f.write_str("{")?;
                joined(f, names, |f, n| f.write_str(n))?;
                f.write_str("}")
            }
            CValue::Resource { owned, handle } => write!(f, "{}#{handle}", if *owned { "own" } else { "borrow" }),
            CValue::Map(entries) => {
                f.write_str("map{")?;
                joined(f, entries, |f, (k, v)| write!(f, "{k}: {v}"))?;
                f.write_str("}")
            }
        }
    }
}

/// NaNs show their bits, since replay compares them bit for bit.
fn float(f: &mut fmt::Formatter<'_>, value: f64, nan: bool, bits: u64) -> fmt::Result {
    match nan {
        true => write!(f, "nan:{bits:#x}"),
        false => write!(f, "{value}"),
    }
}

/// Writes component values as `(a, b, c)`.
pub struct CValues<'a>(pub &'a [CValue]);

impl fmt::Display for CValues<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        joined(f, self.0, |f, v| write!(f, "{v}"))?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_type() -> Vec<CValue> {
        let boxed = |v: CValue| Some(Box::new(v));
        vec![
            CValue::Bool(true),
            CValue::S8(-128),
            CValue::U8(255),
            CValue::S16(-300),
            CValue::U16(65535),
            CValue::S32(i32::MIN),
            CValue::U32(u32::MAX),
            CValue::S64(i64::MIN),
            CValue::U64(u64::MAX),
            CValue::F32(0x7fc0_0001),
            CValue::F64((-0.0f64).to_bits()),
            CValue::Char('\u{1F980}'),
            CValue::String("héllo\n".into()),
            CValue::List(vec![CValue::U32(1), CValue::U32(2)]),
            CValue::Record(vec![("name".into(), CValue::String("a".into())), ("id".into(), CValue::U8(3))]),
            CValue::Tuple(vec![CValue::Bool(false), CValue::S8(1)]),
            CValue::Variant("circle".into(), boxed(CValue::F64(1.5f64.to_bits()))),
            CValue::Variant("empty".into(), None),
            CValue::Enum("red".into()),
            CValue::Option(None),
            CValue::Option(boxed(CValue::Option(boxed(CValue::U8(0))))),
            CValue::Result(Ok(None)),
            CValue::Result(Err(boxed(CValue::String("no".into())))),
            CValue::Flags(vec!["read".into(), "write".into()]),
            CValue::Resource { owned: true, handle: 7 },
            CValue::Map(vec![(CValue::String("k".into()), CValue::U64(9))]),
            CValue::FixedList(vec![CValue::U8(1); 3]),
        ]
    }

    #[test]
    fn every_value_type_round_trips_with_validation() {
        let all = Encoded::of(&every_type(), &mut ()).unwrap();
        let none = Encoded::of::<CValue>(&[], &mut ()).unwrap();
        let events = vec![
            ComponentEvent::DefineExport { id: 0, instance: 0, name: "api#run".into() },
            ComponentEvent::DefineImport { id: 0, name: "now".into() },
            ComponentEvent::Call { export: 0, args: all.clone() },
            ComponentEvent::HostCall(ComponentHostCall { import: 0, args: Some(all.clone()), outcome: Ok(all.clone()) }),
            ComponentEvent::HostCall(ComponentHostCall { import: 0, args: Some(none), outcome: Err("boom".into()) }),
            ComponentEvent::Returned(Encoded::of(&[CValue::List(every_type())], &mut ()).unwrap()),
        ];
        assert_eq!(all.values().unwrap(), every_type());
        let mut bytes = Vec::new();
        for event in &events {
            encode(event, true, &mut bytes).unwrap();
        }
        let mut cursor = Cursor::new(&bytes);
        for event in &events {
            let tag = cursor.byte().unwrap();
            assert!(is_tag(tag));
            assert_eq!(&decode(tag, &mut cursor, true).unwrap(), event);
        }
        assert!(cursor.is_empty());
    }

    #[test]
    fn values_print_readably() {
        let text = CValues(&every_type()).to_string();
        assert!(text.contains("\"héllo\\n\""), "{text}");
        assert!(text.contains("{name: \"a\", id: 3}"), "{text}");
        assert!(text.contains("circle(1.5), empty, red, none, some(some(0)), ok, err(\"no\")"), "{text}");
        assert!(text.contains("nan:0x7fc00001"), "{text}");
        assert!(text.contains("{read, write}, own#7, map{\"k\": 9}, [1, 1, 1])"), "{text}");
    }

    #[test]
    fn damaged_values_are_refused_not_trusted() {
        let bad_char = [value_tag::CHAR, 0x80, 0x80, 0x44]; // 0x110000
        assert_eq!(
            get_value(&mut Cursor::new(&bad_char), 0, &mut Tree).unwrap_err().message(),
            "malformed trace: 0x110000 is not a Unicode scalar value"
        );
        let huge_list = [value_tag::LIST, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(get_value(&mut Cursor::new(&huge_list), 0, &mut Tree).unwrap_err().message().contains("exceeds the frame"));
        let mut deep = vec![value_tag::OPTION, 1].repeat(200);
        deep.extend([value_tag::BOOL, 0]);
        assert!(get_value(&mut Cursor::new(&deep), 0, &mut Check).unwrap_err().message().contains("nested deeper"));
        assert!(get_value(&mut Cursor::new(&[99]), 0, &mut Tree).is_err());
        assert!(get_value(&mut Cursor::new(&[value_tag::S16, 0x80, 0x80, 0x04]), 0, &mut Check).is_err());
    }
}
