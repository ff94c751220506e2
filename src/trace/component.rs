//! Component-model events and values (docs/trace-format.md, "Component
//! events").
//!
//! Unlike core values, component values carry their own type tags: a
//! component function's type is a tree (records, variants, lists of lists)
//! that would cost more to declare than to tag, and tagged values let
//! `wasmtime-rr inspect` print a trace without the component. Values stay
//! encoded ([`Encoded`]); the encoder takes any value that shows its levels
//! as [`View`]s ([`Encode`]), the decoder hands each level as a [`Node`] to
//! a [`Build`]er: [`Check`] (checking only), [`Text`] (printing) or the
//! record/replay engine's (Wasmtime's own values).

use super::wasip2::{self, WasiP2Call};
use super::wire::{Cursor, malformed, put_bytes, put_sleb, put_uleb};
use crate::error::Result;
use std::fmt;

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

    /// The values, decoded with `build`.
    pub fn decode<B: Build>(&self, build: &mut B) -> Result<Vec<B::Out>> {
        let mut cursor = Cursor::new(&self.0);
        let values = get_values(&mut cursor, 0, build)?;
        match cursor.is_empty() {
            true => Ok(values),
            false => Err(malformed("bytes after component values")),
        }
    }

    /// The one value these hold, as [`Text`] writes it.
    pub fn single_text(&self) -> String {
        match self.decode(&mut Text).as_deref() {
            Ok([value]) => value.clone(),
            Ok(values) => format!("({})", values.join(", ")),
            Err(_) => "(malformed values)".to_string(),
        }
    }

    /// Reads encoded values, checking them (without building them).
    pub(super) fn read(cursor: &mut Cursor<'_>) -> Result<Encoded> {
        let mut start = cursor.clone();
        get_values(cursor, 0, &mut Check)?;
        let length = start.remaining() - cursor.remaining();
        Ok(Encoded(start.take(length)?.to_vec()))
    }
}

/// Values print as `(a, b, c)`, each as [`Text`] writes it.
impl fmt::Display for Encoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decode(&mut Text) {
            Ok(values) => write!(f, "({})", values.join(", ")),
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
    /// A call of a WASI preview 2 function (`trace::wasip2`).
    Wasi(WasiP2Call),
    /// Before an instantiation: a resource type the component imports and
    /// the host defines, with its host type number
    /// (`wasmtime_component_resource_type_new_host`); `name` is its path
    /// (`interface#name` inside an imported instance). What a replay without
    /// the host needs to define it.
    DefineResource { name: String, ty: u32 },
}

pub(super) mod tag {
    pub(crate) const DEFINE_EXPORT: u8 = 0x10;
    pub(crate) const DEFINE_IMPORT: u8 = 0x11;
    pub(crate) const CALL: u8 = 0x12;
    pub(crate) const RETURNED: u8 = 0x13;
    pub(crate) const HOST_RETURN: u8 = 0x14;
    pub(crate) const HOST_ERROR: u8 = 0x15;
    pub(crate) const DEFINE_RESOURCE: u8 = 0x19;
}

/// Whether `tag` starts a component event.
pub fn is_tag(tag: u8) -> bool {
    (tag::DEFINE_EXPORT..=tag::DEFINE_RESOURCE).contains(&tag)
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
    pub(super) const BYTES: u8 = 24;
    pub(super) const HOST_RESOURCE: u8 = 25;
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
        ComponentEvent::Wasi(call) => wasip2::encode(call, out),
        ComponentEvent::DefineResource { name, ty } => {
            out.push(tag::DEFINE_RESOURCE);
            put_bytes(out, name.as_bytes());
            put_uleb(out, u64::from(*ty));
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
        wasip2::RETURNED | wasip2::TRAPPED | wasip2::EXITED => ComponentEvent::Wasi(wasip2::decode(tag, cursor)?),
        tag::DEFINE_RESOURCE => ComponentEvent::DefineResource { name: cursor.string()?, ty: cursor.uleb32()? },
        other => return Err(malformed(format!("unknown component event tag 0x{other:02x}"))),
    })
}

/// One level of a component value: its type tag and payload, with its
/// children in whatever form the side at hand holds them. The encoder reads
/// [`View`]s (children borrowed from the value being encoded), the decoder
/// hands [`Node`]s to a [`Build`]er (children already built).
pub enum Shape<'a, Items, Fields, Payload, Names, Entries> {
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
    List(Items),
    Tuple(Items),
    FixedList(Items),
    Record(Fields),
    Variant(&'a str, Payload),
    Option(Payload),
    Result(bool, Payload),
    Flags(Names),
    Resource { owned: bool, handle: u32 },
    /// A resource the host made (`wasmtime_component_resource_host_new`),
    /// at its first appearance: its handle number, and the host's `rep` and
    /// type number, from which a replay makes it again.
    HostResource { owned: bool, handle: u32, rep: u32, ty: u32 },
    Map(Entries),
    /// A `list<u8>` kept as its bytes (one byte each instead of two): WASI
    /// preview 2's stream and random data. Decodes as a list of `u8`.
    Bytes(&'a [u8]),
}

/// A level of a value being encoded (Wasmtime's `component::Val` in
/// `rr::component_values`): every value encodes through [`put_value`].
pub type View<'a, V> = Shape<'a, &'a [V], &'a [(String, V)], Option<&'a V>, &'a [String], &'a [(V, V)]>;

/// A level of a decoded value, its children already built; strings borrow
/// from the trace.
pub type Node<'a, T> = Shape<'a, Vec<T>, Vec<(&'a str, T)>, Option<T>, Vec<&'a str>, Vec<(T, T)>>;

/// A value the trace can encode.
pub trait Encode: Sized {
    /// What numbers resource handles (nothing, for trace values).
    type Numbering;
    fn view(&self, numbering: &mut Self::Numbering) -> Result<View<'_, Self>>;
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
        Shape::Bool(v) => out.extend_from_slice(&[t::BOOL, u8::from(v)]),
        Shape::S8(v) => out.extend_from_slice(&[t::S8, v as u8]),
        Shape::U8(v) => out.extend_from_slice(&[t::U8, v]),
        Shape::S16(v) => tagged_sleb(out, t::S16, i64::from(v)),
        Shape::U16(v) => tagged_uleb(out, t::U16, u64::from(v)),
        Shape::S32(v) => tagged_sleb(out, t::S32, i64::from(v)),
        Shape::U32(v) => tagged_uleb(out, t::U32, u64::from(v)),
        Shape::S64(v) => tagged_sleb(out, t::S64, v),
        Shape::U64(v) => tagged_uleb(out, t::U64, v),
        Shape::F32(bits) => {
            out.push(t::F32);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        Shape::F64(bits) => {
            out.push(t::F64);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        Shape::Char(c) => tagged_uleb(out, t::CHAR, u64::from(u32::from(c))),
        Shape::String(s) => {
            out.push(t::STRING);
            put_bytes(out, s.as_bytes());
        }
        Shape::Enum(s) => {
            out.push(t::ENUM);
            put_bytes(out, s.as_bytes());
        }
        Shape::List(items) => {
            out.push(t::LIST);
            put_values(out, items, numbering)?;
        }
        Shape::Tuple(items) => {
            out.push(t::TUPLE);
            put_values(out, items, numbering)?;
        }
        Shape::FixedList(items) => {
            out.push(t::FIXED_LIST);
            put_values(out, items, numbering)?;
        }
        Shape::Record(fields) => {
            out.push(t::RECORD);
            put_uleb(out, fields.len() as u64);
            for (name, value) in fields {
                put_bytes(out, name.as_bytes());
                put_value(out, value, numbering)?;
            }
        }
        Shape::Variant(case, payload) => {
            out.push(t::VARIANT);
            put_bytes(out, case.as_bytes());
            put_option(out, payload, numbering)?;
        }
        Shape::Option(payload) => {
            out.push(t::OPTION);
            put_option(out, payload, numbering)?;
        }
        Shape::Result(ok, payload) => {
            out.extend_from_slice(&[t::RESULT, u8::from(ok)]);
            put_option(out, payload, numbering)?;
        }
        Shape::Flags(names) => {
            out.push(t::FLAGS);
            put_uleb(out, names.len() as u64);
            names.iter().for_each(|n| put_bytes(out, n.as_bytes()));
        }
        Shape::Resource { owned, handle } => {
            out.extend_from_slice(&[t::RESOURCE, u8::from(owned)]);
            put_uleb(out, u64::from(handle));
        }
        Shape::HostResource { owned, handle, rep, ty } => {
            out.extend_from_slice(&[t::HOST_RESOURCE, u8::from(owned)]);
            [handle, rep, ty].into_iter().for_each(|n| put_uleb(out, u64::from(n)));
        }
        Shape::Bytes(bytes) => {
            out.push(t::BYTES);
            put_bytes(out, bytes);
        }
        Shape::Map(entries) => {
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

/// Makes values as the decoder reads them: trace values ([`Tree`]), nothing
/// (checking only: [`Check`]) or Wasmtime's values (`rr::component_values`).
/// One grammar, in [`get_value`], for all of them.
pub trait Build {
    type Out;
    fn make(&mut self, node: Node<'_, Self::Out>) -> Result<Self::Out>;
}

/// Writes values in the WebAssembly Value Encoding's style: `"text"`,
/// `[1, 2]`, `{name: "a", id: 3}`, `some(5)`, `err("no")`, `{read, write}`;
/// NaNs show their bits (`nan:0x7fc00001`), since replay compares bits.
pub struct Text;

impl Build for Text {
    type Out = String;
    fn make(&mut self, node: Node<'_, String>) -> Result<String> {
        let list = |items: Vec<String>| items.join(", ");
        let payload = |case: &str, value: Option<String>| match value {
            Some(value) => format!("{case}({value})"),
            None => case.to_string(),
        };
        Ok(match node {
            Shape::Bool(v) => v.to_string(),
            Shape::S8(v) => v.to_string(),
            Shape::U8(v) => v.to_string(),
            Shape::S16(v) => v.to_string(),
            Shape::U16(v) => v.to_string(),
            Shape::S32(v) => v.to_string(),
            Shape::U32(v) => v.to_string(),
            Shape::S64(v) => v.to_string(),
            Shape::U64(v) => v.to_string(),
            Shape::F32(bits) if f32::from_bits(bits).is_nan() => format!("nan:{bits:#x}"),
            Shape::F32(bits) => f32::from_bits(bits).to_string(),
            Shape::F64(bits) if f64::from_bits(bits).is_nan() => format!("nan:{bits:#x}"),
            Shape::F64(bits) => f64::from_bits(bits).to_string(),
            Shape::Char(c) => format!("{c:?}"),
            Shape::String(s) => format!("{s:?}"),
            Shape::Enum(s) => s.to_string(),
            Shape::List(items) | Shape::FixedList(items) => format!("[{}]", list(items)),
            Shape::Tuple(items) => format!("({})", list(items)),
            Shape::Record(fields) => {
                format!("{{{}}}", list(fields.into_iter().map(|(name, value)| format!("{name}: {value}")).collect()))
            }
            Shape::Variant(case, value) => payload(case, value),
            Shape::Option(None) => "none".to_string(),
            Shape::Option(Some(value)) => format!("some({value})"),
            Shape::Result(ok, value) => payload(if ok { "ok" } else { "err" }, value),
            Shape::Flags(names) => format!("{{{}}}", names.join(", ")),
            Shape::Resource { owned, handle } => format!("{}#{handle}", ownership(owned)),
            Shape::HostResource { owned, handle, rep, ty } => format!("{}#{handle}(host type {ty}, rep {rep})", ownership(owned)),
            Shape::Bytes(bytes) => format!("b\"{}\"", bytes.escape_ascii()),
            Shape::Map(entries) => {
                format!("map{{{}}}", list(entries.into_iter().map(|(key, value)| format!("{key}: {value}")).collect()))
            }
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

fn owned(cursor: &mut Cursor<'_>) -> Result<bool> {
    match cursor.byte()? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(malformed(format!("bad resource ownership {other}"))),
    }
}

fn ownership(owned: bool) -> &'static str {
    if owned { "own" } else { "borrow" }
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
            0 => Shape::Bool(false),
            1 => Shape::Bool(true),
            other => return Err(malformed(format!("bad bool {other}"))),
        },
        t::S8 => Shape::S8(cursor.byte()? as i8),
        t::U8 => Shape::U8(cursor.byte()?),
        t::S16 => Shape::S16(ranged(cursor.sleb()?, "s16")?),
        t::U16 => Shape::U16(uranged(cursor.uleb()?, "u16")?),
        t::S32 => Shape::S32(ranged(cursor.sleb()?, "s32")?),
        t::U32 => Shape::U32(uranged(cursor.uleb()?, "u32")?),
        t::S64 => Shape::S64(cursor.sleb()?),
        t::U64 => Shape::U64(cursor.uleb()?),
        t::F32 => Shape::F32(u32::from_le_bytes(cursor.array()?)),
        t::F64 => Shape::F64(u64::from_le_bytes(cursor.array()?)),
        t::CHAR => {
            let code = cursor.uleb()?;
            let c = u32::try_from(code).ok().and_then(char::from_u32);
            Shape::Char(c.ok_or_else(|| malformed(format!("{code:#x} is not a Unicode scalar value")))?)
        }
        t::STRING => Shape::String(text(cursor)?),
        t::ENUM => Shape::Enum(text(cursor)?),
        t::LIST => Shape::List(get_values(cursor, inner, build)?),
        t::TUPLE => Shape::Tuple(get_values(cursor, inner, build)?),
        t::FIXED_LIST => Shape::FixedList(get_values(cursor, inner, build)?),
        t::RECORD => {
            let n = count(cursor)?;
            Shape::Record((0..n).map(|_| Ok((text(cursor)?, get_value(cursor, inner, build)?))).collect::<Result<_>>()?)
        }
        t::VARIANT => Shape::Variant(text(cursor)?, get_option(cursor, inner, build)?),
        t::OPTION => Shape::Option(get_option(cursor, inner, build)?),
        t::RESULT => match cursor.byte()? {
            flag @ (0 | 1) => Shape::Result(flag == 1, get_option(cursor, inner, build)?),
            other => return Err(malformed(format!("bad result flag {other}"))),
        },
        t::FLAGS => {
            let n = count(cursor)?;
            Shape::Flags((0..n).map(|_| text(cursor)).collect::<Result<_>>()?)
        }
        t::RESOURCE => Shape::Resource { owned: owned(cursor)?, handle: cursor.uleb32()? },
        t::HOST_RESOURCE => {
            let owned = owned(cursor)?;
            Shape::HostResource { owned, handle: cursor.uleb32()?, rep: cursor.uleb32()?, ty: cursor.uleb32()? }
        }
        t::MAP => {
            let n = count(cursor)?;
            Shape::Map(
                (0..n)
                    .map(|_| Ok((get_value(cursor, inner, build)?, get_value(cursor, inner, build)?)))
                    .collect::<Result<_>>()?,
            )
        }
        t::BYTES => Shape::Bytes(cursor.bytes()?),
        other => return Err(malformed(format!("unknown component value type {other}"))),
    };
    build.make(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test value that shows itself as one level (the encoder's input).
    struct Level(fn(&Level) -> View<'_, Level>, Vec<Level>);

    impl Encode for Level {
        type Numbering = ();
        fn view(&self, _: &mut ()) -> Result<View<'_, Level>> {
            Ok((self.0)(self))
        }
    }

    fn leaf(view: fn(&Level) -> View<'_, Level>) -> Level {
        Level(view, Vec::new())
    }

    fn every_type() -> Vec<Level> {
        vec![
            leaf(|_| Shape::Bool(true)),
            leaf(|_| Shape::S8(-128)),
            leaf(|_| Shape::U16(65535)),
            leaf(|_| Shape::S32(i32::MIN)),
            leaf(|_| Shape::U64(u64::MAX)),
            leaf(|_| Shape::F32(0x7fc0_0001)),
            leaf(|_| Shape::F64((-0.0f64).to_bits())),
            leaf(|_| Shape::Char('\u{1F980}')),
            leaf(|_| Shape::String("héllo\n")),
            Level(|l| Shape::List(&l.1), vec![leaf(|_| Shape::U32(1)), leaf(|_| Shape::U32(2))]),
            Level(|l| Shape::Tuple(&l.1), vec![leaf(|_| Shape::Bool(false)), leaf(|_| Shape::S8(1))]),
            Level(|l| Shape::Variant("circle", l.1.first()), vec![leaf(|_| Shape::F64(1.5f64.to_bits()))]),
            leaf(|_| Shape::Variant("empty", None)),
            leaf(|_| Shape::Enum("red")),
            leaf(|_| Shape::Option(None)),
            Level(|l| Shape::Option(l.1.first()), vec![leaf(|_| Shape::U8(0))]),
            leaf(|_| Shape::Result(true, None)),
            Level(|l| Shape::Result(false, l.1.first()), vec![leaf(|_| Shape::String("no"))]),
            leaf(|_| Shape::Resource { owned: true, handle: 7 }),
            leaf(|_| Shape::HostResource { owned: true, handle: 8, rep: 300, ty: 42 }),
        ]
    }

    #[test]
    fn every_event_round_trips_with_validation_and_values_print_readably() {
        let all = Encoded::of(&every_type(), &mut ()).unwrap();
        let none = Encoded::of::<Level>(&[], &mut ()).unwrap();
        let events = vec![
            ComponentEvent::DefineExport { id: 0, instance: 0, name: "api#run".into() },
            ComponentEvent::DefineImport { id: 0, name: "now".into() },
            ComponentEvent::DefineResource { name: "api#counter".into(), ty: 7 },
            ComponentEvent::Call { export: 0, args: all.clone() },
            ComponentEvent::HostCall(ComponentHostCall { import: 0, args: Some(all.clone()), outcome: Ok(all.clone()) }),
            ComponentEvent::HostCall(ComponentHostCall { import: 0, args: Some(none), outcome: Err("boom".into()) }),
            ComponentEvent::Returned(all.clone()),
        ];
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
        assert_eq!(
            all.to_string(),
            "(true, -128, 65535, -2147483648, 18446744073709551615, nan:0x7fc00001, -0, '🦀', \"héllo\\n\", [1, 2], \
             (false, 1), circle(1.5), empty, red, none, some(0), ok, err(\"no\"), own#7, own#8(host type 42, rep 300))"
        );
    }

    #[test]
    fn damaged_values_are_refused_not_trusted() {
        let bad_char = [value_tag::CHAR, 0x80, 0x80, 0x44]; // 0x110000
        assert_eq!(
            get_value(&mut Cursor::new(&bad_char), 0, &mut Text).unwrap_err().message(),
            "malformed trace: 0x110000 is not a Unicode scalar value"
        );
        let huge_list = [value_tag::LIST, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert!(get_value(&mut Cursor::new(&huge_list), 0, &mut Text).unwrap_err().message().contains("exceeds the frame"));
        let mut deep = vec![value_tag::OPTION, 1].repeat(200);
        deep.extend([value_tag::BOOL, 0]);
        assert!(get_value(&mut Cursor::new(&deep), 0, &mut Check).unwrap_err().message().contains("nested deeper"));
        assert!(get_value(&mut Cursor::new(&[99]), 0, &mut Text).is_err());
        assert!(get_value(&mut Cursor::new(&[value_tag::S16, 0x80, 0x80, 0x04]), 0, &mut Check).is_err());
        assert_eq!(Encoded(vec![1, value_tag::BOOL, 7]).to_string(), "(malformed values)");
    }
}
