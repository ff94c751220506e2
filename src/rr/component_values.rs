//! Component values: the C API's `wasmtime_component_val_t`, Wasmtime's
//! `component::Val` and the trace's encoding, and the conversions between
//! them.
//!
//! The C API converts C values with `From` impls that panic on what a C
//! program can easily write (an invalid `char`, a string that is not UTF-8)
//! and read `bool`s and boxed pointers that C may have filled with anything.
//! Values from C are therefore read through the mirror types below, which
//! have the C API's layout (asserted) but only integer and raw-pointer
//! fields, and are checked before anything is built from them.

use crate::error::{ErrorKind, Result, RrError};
use crate::trace::component::{Build, Encode, Node, Shape, View};
use std::mem::{align_of, size_of};
use wasmtime::AsContextMut;
use wasmtime::component::{ResourceAny, ResourceDynamic, Val};
use wasmtime_c_api::wasmtime_component_val_t;

/// The resources a session has seen, numbered by first appearance.
#[derive(Default)]
pub struct Resources {
    seen: Vec<ResourceAny>,
    /// Resources the host made that have not been numbered yet, with their
    /// `rep` and host type number: their first appearance records both.
    made: Vec<(ResourceAny, u32, u32)>,
}

impl Resources {
    /// How the trace shows a resource: its number, and at the first
    /// appearance of one the host made, how to make it again.
    fn shape<'a>(&mut self, resource: ResourceAny) -> View<'a, Val> {
        let owned = resource.owned();
        if let Some(i) = self.seen.iter().position(|r| *r == resource) {
            return Shape::Resource { owned, handle: i as u32 };
        }
        let handle = self.seen.len() as u32;
        self.seen.push(resource);
        match self.made.iter().position(|(r, ..)| *r == resource) {
            Some(i) => {
                let (_, rep, ty) = self.made.swap_remove(i);
                Shape::HostResource { owned, handle, rep, ty }
            }
            None => Shape::Resource { owned, handle },
        }
    }

    fn get(&self, handle: u32) -> Option<ResourceAny> {
        self.seen.get(handle as usize).copied()
    }

    /// Finds the resources among `values` that the host made and this
    /// session has not seen, so that the trace records how to make them
    /// again. Each is taken out of the store's host table (Wasmtime checks
    /// that its type is a host type number before it touches the table, so
    /// guest resources are left alone) and put back as an equal resource,
    /// which replaces it in `values`.
    pub fn adopt_made<S: AsContextMut>(&mut self, store: &mut S, values: &mut [Val]) -> Result<()> {
        visit_resources(values, &mut |resource| {
            if self.seen.contains(resource) || self.made.iter().any(|(r, ..)| r == resource) {
                return Ok(());
            }
            // An error is a guest resource, or a handle Wasmtime refuses
            // anyway (it says so when lowering it).
            let Ok(made) = resource.try_into_resource_dynamic(&mut *store) else { return Ok(()) };
            let (rep, ty) = (made.rep(), made.ty());
            let again = made.try_into_resource_any(&mut *store).map_err(|e| {
                RrError::from_wasmtime(ErrorKind::InvalidArgument, &e.context("putting back a resource the host made"))
            })?;
            *resource = again;
            self.made.push((again, rep, ty));
            Ok(())
        })
    }
}

/// Calls `f` with every resource in `values`, however deep.
pub fn visit_resources(values: &mut [Val], f: &mut impl FnMut(&mut ResourceAny) -> Result<()>) -> Result<()> {
    for value in values {
        match value {
            Val::Resource(resource) => f(resource)?,
            Val::List(items) | Val::FixedLengthList(items) | Val::Tuple(items) => visit_resources(items, f)?,
            Val::Record(fields) => {
                for (_, v) in fields {
                    visit_resources(std::slice::from_mut(v), f)?;
                }
            }
            Val::Variant(_, Some(payload)) | Val::Option(Some(payload)) | Val::Result(Ok(Some(payload)) | Err(Some(payload))) => {
                visit_resources(std::slice::from_mut(&mut **payload), f)?
            }
            Val::Map(entries) => {
                for (k, v) in entries {
                    visit_resources(std::slice::from_mut(k), f)?;
                    visit_resources(std::slice::from_mut(v), f)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}
/// Wasmtime's values encode as the trace's do; resources are numbered by
/// the session.
impl Encode for Val {
    type Numbering = Resources;
    fn view(&self, resources: &mut Resources) -> Result<View<'_, Val>> {
        Ok(match self {
            Val::Bool(v) => Shape::Bool(*v),
            Val::S8(v) => Shape::S8(*v),
            Val::U8(v) => Shape::U8(*v),
            Val::S16(v) => Shape::S16(*v),
            Val::U16(v) => Shape::U16(*v),
            Val::S32(v) => Shape::S32(*v),
            Val::U32(v) => Shape::U32(*v),
            Val::S64(v) => Shape::S64(*v),
            Val::U64(v) => Shape::U64(*v),
            Val::Float32(v) => Shape::F32(v.to_bits()),
            Val::Float64(v) => Shape::F64(v.to_bits()),
            Val::Char(v) => Shape::Char(*v),
            Val::String(v) => Shape::String(v),
            Val::Enum(v) => Shape::Enum(v),
            Val::List(items) => Shape::List(items),
            Val::FixedLengthList(items) => Shape::FixedList(items),
            Val::Tuple(items) => Shape::Tuple(items),
            Val::Record(fields) => Shape::Record(fields),
            Val::Variant(case, payload) => Shape::Variant(case, payload.as_deref()),
            Val::Option(payload) => Shape::Option(payload.as_deref()),
            Val::Result(Ok(payload)) => Shape::Result(true, payload.as_deref()),
            Val::Result(Err(payload)) => Shape::Result(false, payload.as_deref()),
            Val::Flags(names) => Shape::Flags(names),
            Val::Map(entries) => Shape::Map(entries),
            Val::Resource(resource) => resources.shape(*resource),
            Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => return Err(async_unsupported()),
        })
    }
}

fn async_unsupported() -> RrError {
    RrError::new(
        ErrorKind::Unsupported,
        "futures, streams and error contexts (component-model async) cannot be recorded or replayed",
    )
}

/// Makes a resource the host made in the recording (owned, rep, type).
pub type MakeResource<'m> = &'m mut dyn FnMut(bool, u32, u32) -> Result<ResourceAny>;

/// Builds Wasmtime's values from a trace's. A resource is one the session
/// has seen, or one the host made, made again if the replay can (`make`).
pub struct Replayed<'r> {
    resources: &'r mut Resources,
    make: Option<MakeResource<'r>>,
    /// Whether what `make` makes is numbered now (a host function's
    /// results, which the guest gets) or left for the call it is an argument
    /// of to number (an export's arguments: the call records them as new).
    number_made: bool,
    /// Made and left unnumbered so far.
    left: usize,
}

impl<'r> Replayed<'r> {
    /// Resources the session has seen only.
    pub fn seen(resources: &'r mut Resources) -> Replayed<'r> {
        Replayed { resources, make: None, number_made: true, left: 0 }
    }

    /// A host function's results: the host's new resources made and numbered.
    pub fn results(resources: &'r mut Resources, make: MakeResource<'r>) -> Replayed<'r> {
        Replayed { resources, make: Some(make), number_made: true, left: 0 }
    }

    /// An export's arguments: the host's new resources made, for the call to number.
    pub fn args(resources: &'r mut Resources, make: MakeResource<'r>) -> Replayed<'r> {
        Replayed { resources, make: Some(make), number_made: false, left: 0 }
    }
}

/// Makes a host-made resource in `store`, as `wasmtime_component_resource_host_new`
/// and `_to_any` did in the recording.
pub fn make_resource(store: impl AsContextMut, owned: bool, rep: u32, ty: u32) -> Result<ResourceAny> {
    let made = match owned {
        true => ResourceDynamic::new_own(rep, ty),
        false => ResourceDynamic::new_borrow(rep, ty),
    };
    made.try_into_resource_any(store).map_err(|e| RrError::from_wasmtime(ErrorKind::InvalidArgument, &e))
}

impl Build for Replayed<'_> {
    type Out = Val;
    fn make(&mut self, node: Node<'_, Val>) -> Result<Val> {
        let boxed = |v: Option<Val>| v.map(Box::new);
        Ok(match node {
            Shape::Bool(v) => Val::Bool(v),
            Shape::S8(v) => Val::S8(v),
            Shape::U8(v) => Val::U8(v),
            Shape::S16(v) => Val::S16(v),
            Shape::U16(v) => Val::U16(v),
            Shape::S32(v) => Val::S32(v),
            Shape::U32(v) => Val::U32(v),
            Shape::S64(v) => Val::S64(v),
            Shape::U64(v) => Val::U64(v),
            Shape::F32(bits) => Val::Float32(f32::from_bits(bits)),
            Shape::F64(bits) => Val::Float64(f64::from_bits(bits)),
            Shape::Char(c) => Val::Char(c),
            Shape::String(s) => Val::String(s.to_string()),
            Shape::Enum(s) => Val::Enum(s.to_string()),
            Shape::List(items) => Val::List(items),
            Shape::Tuple(items) => Val::Tuple(items),
            Shape::FixedList(items) => Val::FixedLengthList(items),
            Shape::Record(fields) => Val::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect()),
            Shape::Variant(case, payload) => Val::Variant(case.to_string(), boxed(payload)),
            Shape::Option(payload) => Val::Option(boxed(payload)),
            Shape::Result(true, payload) => Val::Result(Ok(boxed(payload))),
            Shape::Result(false, payload) => Val::Result(Err(boxed(payload))),
            Shape::Flags(names) => Val::Flags(names.into_iter().map(str::to_string).collect()),
            Shape::Map(entries) => Val::Map(entries),
            Shape::Bytes(bytes) => Val::List(bytes.iter().map(|b| Val::U8(*b)).collect()),
            Shape::Resource { handle, .. } => Val::Resource(self.resources.get(handle).ok_or_else(|| {
                RrError::new(
                    ErrorKind::Unsupported,
                    format!(
                        "the trace has resource #{handle}, which the replay has not seen: a resource the host lends \
                         to an export (a borrow parameter), or passes inside another value, is not made without the host"
                    ),
                )
            })?),
            Shape::HostResource { owned, handle, rep, ty } => {
                let Some(make) = self.make.as_mut() else {
                    return Err(RrError::new(
                        ErrorKind::Unsupported,
                        format!("the trace has resource #{handle}, which the host made, where a replay cannot make it"),
                    ));
                };
                let known = self.resources.seen.len() + self.left;
                if handle as usize != known {
                    return Err(RrError::new(
                        ErrorKind::Divergence,
                        format!("the trace numbers a resource the host made #{handle}, but it is the replay's #{known}"),
                    ));
                }
                let resource = make(owned, rep, ty)?;
                match self.number_made {
                    true => self.resources.seen.push(resource),
                    false => self.left += 1,
                }
                Val::Resource(resource)
            }
        })
    }
}

/// Converts a Wasmtime value for C, refusing the kinds the C API cannot
/// convert (its conversion panics on them).
pub fn to_c(value: &Val) -> Result<wasmtime_component_val_t> {
    check_convertible(value)?;
    Ok(wasmtime_component_val_t::from(value))
}

fn check_convertible(value: &Val) -> Result<()> {
    let all = |items: &[Val]| items.iter().try_for_each(check_convertible);
    let boxed = |v: &Option<Box<Val>>| v.as_deref().map_or(Ok(()), check_convertible);
    match value {
        Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => Err(async_unsupported()),
        Val::List(items) | Val::FixedLengthList(items) | Val::Tuple(items) => all(items),
        Val::Record(fields) => fields.iter().try_for_each(|(_, v)| check_convertible(v)),
        Val::Map(entries) => entries.iter().try_for_each(|(k, v)| check_convertible(k).and(check_convertible(v))),
        Val::Variant(_, payload) | Val::Option(payload) | Val::Result(Ok(payload) | Err(payload)) => boxed(payload),
        _ => Ok(()),
    }
}

// --- Reading C values -------------------------------------------------------

/// `wasm_byte_vec_t` and the other vectors: a length and a pointer.
#[repr(C)]
struct RawVec<T> {
    size: usize,
    data: *const T,
}

#[repr(C)]
struct RawRecordEntry {
    name: RawVec<u8>,
    val: RawVal,
}

#[repr(C)]
struct RawMapEntry {
    key: RawVal,
    value: RawVal,
}

#[repr(C)]
struct RawVariant {
    discriminant: RawVec<u8>,
    val: *const RawVal,
}

#[repr(C)]
struct RawResult {
    is_ok: u8,
    val: *const RawVal,
}

/// `wasmtime_component_val_t` with every field as plain bits: reading it is
/// defined whatever C wrote, once its kind byte is known to be in range.
#[allow(dead_code)] // fields are read through the match in `from_c`
#[repr(C, u8)]
enum RawVal {
    Bool(u8),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Char(u32),
    String(RawVec<u8>),
    List(RawVec<RawVal>),
    Record(RawVec<RawRecordEntry>),
    Tuple(RawVec<RawVal>),
    Variant(RawVariant),
    Enum(RawVec<u8>),
    Option(*const RawVal),
    Result(RawResult),
    Flags(RawVec<RawVec<u8>>),
    Resource(*const ResourceAny),
    Map(RawVec<RawMapEntry>),
    FixedLengthList(RawVec<RawVal>),
}

/// The number of kinds (`WASMTIME_COMPONENT_FIXED_LENGTH_LIST` + 1).
const KINDS: u8 = 24;

const _: () = {
    assert!(size_of::<RawVal>() == size_of::<wasmtime_component_val_t>());
    assert!(align_of::<RawVal>() == align_of::<wasmtime_component_val_t>());
    assert!(size_of::<RawRecordEntry>() == size_of::<wasmtime_c_api::wasmtime_component_valrecord_entry_t>());
    assert!(size_of::<RawVariant>() == size_of::<wasmtime_c_api::wasmtime_component_valvariant_t>());
    assert!(size_of::<RawResult>() == size_of::<wasmtime_c_api::wasmtime_component_valresult_t>());
    assert!(size_of::<RawMapEntry>() == size_of::<wasmtime_c_api::wasmtime_component_valmap_entry_t>());
    // `wasmtime_component_resource_any_t` is `#[repr(C)]` around one `ResourceAny`.
    assert!(size_of::<wasmtime_c_api::wasmtime_component_resource_any_t>() == size_of::<ResourceAny>());
};

/// Deepest nesting accepted from C: deeper is certainly a cycle or garbage,
/// and would otherwise exhaust the stack.
const MAX_DEPTH: u32 = 100;

/// What is wrong with a C value, and where: the path is built only when
/// something is wrong (innermost step first), so reading costs no
/// allocation beyond the values themselves.
struct Bad {
    steps: Vec<String>,
    what: String,
}

/// Boxed: the error path is rare, and a small `Result` keeps the happy path fast.
type Read<T> = std::result::Result<T, Box<Bad>>;

fn bad<T>(what: impl std::fmt::Display) -> Read<T> {
    Err(Box::new(Bad { steps: Vec::new(), what: what.to_string() }))
}

/// Adds the step that led to a bad value.
fn at<T>(read: Read<T>, step: impl FnOnce() -> String) -> Read<T> {
    read.map_err(|mut bad| {
        bad.steps.push(step());
        bad
    })
}

/// # Safety
/// A non-NULL `data` must point to `size` readable elements.
unsafe fn items<'a, T>(v: &RawVec<T>) -> Read<&'a [T]> {
    if v.size == 0 {
        return Ok(&[]);
    }
    if v.data.is_null() || !v.data.is_aligned() {
        return bad(format!("has {} elements but a NULL or misaligned data pointer", v.size));
    }
    Ok(unsafe { std::slice::from_raw_parts(v.data, v.size) })
}

/// # Safety
/// As for [`items`].
unsafe fn text(v: &RawVec<u8>) -> Read<String> {
    let bytes = unsafe { items(v) }?;
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => bad(format!("is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to())),
    }
}

/// # Safety
/// A non-NULL `ptr` must point to a readable value.
unsafe fn nested(ptr: *const RawVal, depth: u32) -> Read<Option<Box<Val>>> {
    if ptr.is_null() {
        return Ok(None);
    }
    if !ptr.is_aligned() {
        return bad("has a misaligned pointer");
    }
    Ok(Some(Box::new(unsafe { read(&*ptr, depth) }?)))
}

/// Reads a C value a host passed or wrote, checking every field; `path`
/// names it in the error (`argument #0`, say).
///
/// # Safety
/// `value` must point to a readable `wasmtime_component_val_t` whose pointers
/// point to readable memory (or are NULL).
pub unsafe fn from_c(value: &wasmtime_component_val_t, path: impl FnOnce() -> String) -> Result<Val> {
    unsafe { read(&*(value as *const wasmtime_component_val_t).cast::<RawVal>(), 0) }.map_err(|bad| {
        let steps: String = bad.steps.iter().rev().map(String::as_str).collect();
        RrError::invalid_argument(format!("component value {}{steps}: {}", path(), bad.what))
    })
}

unsafe fn read(value: &RawVal, depth: u32) -> Read<Val> {
    if depth > MAX_DEPTH {
        return bad(format!("is nested deeper than {MAX_DEPTH}"));
    }
    let kind = unsafe { *(value as *const RawVal).cast::<u8>() };
    if kind >= KINDS {
        return bad(format!("has kind {kind}, which is not a wasmtime_component_valkind_t"));
    }
    let inner = depth + 1;
    let list = |v: &RawVec<RawVal>| -> Read<Vec<Val>> {
        let elements = unsafe { items(v) }?;
        elements.iter().enumerate().map(|(i, e)| at(unsafe { read(e, inner) }, || format!("[{i}]"))).collect()
    };
    Ok(match value {
        RawVal::Bool(0) => Val::Bool(false),
        RawVal::Bool(1) => Val::Bool(true),
        RawVal::Bool(other) => return bad(format!("is a bool of {other}, neither 0 nor 1")),
        RawVal::S8(v) => Val::S8(*v),
        RawVal::U8(v) => Val::U8(*v),
        RawVal::S16(v) => Val::S16(*v),
        RawVal::U16(v) => Val::U16(*v),
        RawVal::S32(v) => Val::S32(*v),
        RawVal::U32(v) => Val::U32(*v),
        RawVal::S64(v) => Val::S64(*v),
        RawVal::U64(v) => Val::U64(*v),
        RawVal::F32(v) => Val::Float32(*v),
        RawVal::F64(v) => Val::Float64(*v),
        RawVal::Char(code) => match char::from_u32(*code) {
            Some(c) => Val::Char(c),
            None => return bad(format!("is char {code:#x}, not a Unicode scalar value")),
        },
        RawVal::String(v) => Val::String(unsafe { text(v) }?),
        RawVal::Enum(v) => Val::Enum(unsafe { text(v) }?),
        RawVal::List(v) => Val::List(list(v)?),
        RawVal::Tuple(v) => Val::Tuple(list(v)?),
        RawVal::FixedLengthList(v) => Val::FixedLengthList(list(v)?),
        RawVal::Record(v) => Val::Record(
            unsafe { items(v) }?
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let name = at(unsafe { text(&e.name) }, || format!(" field #{i}'s name"))?;
                    let value = at(unsafe { read(&e.val, inner) }, || format!(".{name}"))?;
                    Ok((name, value))
                })
                .collect::<Read<_>>()?,
        ),
        RawVal::Variant(v) => {
            let case = at(unsafe { text(&v.discriminant) }, || " case".to_string())?;
            let payload = at(unsafe { nested(v.val, inner) }, || format!(".{case}"))?;
            Val::Variant(case, payload)
        }
        RawVal::Option(v) => Val::Option(at(unsafe { nested(*v, inner) }, || ".some".to_string())?),
        RawVal::Result(r) => {
            let payload = at(unsafe { nested(r.val, inner) }, || ".payload".to_string())?;
            match r.is_ok {
                1 => Val::Result(Ok(payload)),
                0 => Val::Result(Err(payload)),
                other => return bad(format!("is a result whose is_ok is {other}, neither 0 nor 1")),
            }
        }
        RawVal::Flags(v) => Val::Flags(
            unsafe { items(v) }?
                .iter()
                .enumerate()
                .map(|(i, n)| at(unsafe { text(n) }, || format!(" flag #{i}")))
                .collect::<Read<_>>()?,
        ),
        RawVal::Map(v) => Val::Map(
            unsafe { items(v) }?
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let key = at(unsafe { read(&e.key, inner) }, || format!(" key #{i}"))?;
                    let value = at(unsafe { read(&e.value, inner) }, || format!(" value #{i}"))?;
                    Ok((key, value))
                })
                .collect::<Read<_>>()?,
        ),
        RawVal::Resource(ptr) => {
            if ptr.is_null() || !ptr.is_aligned() {
                return bad("is a resource with a NULL or misaligned pointer");
            }
            Val::Resource(unsafe { **ptr })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::component::Encoded;

    #[test]
    fn c_values_are_checked_before_use() {
        let good = wasmtime_component_val_t::from(&Val::Record(vec![
            ("s".into(), Val::String("hé".into())),
            ("l".into(), Val::List(vec![Val::U32(1), Val::Option(Some(Box::new(Val::Char('x'))))])),
        ]));
        let back = unsafe { from_c(&good, || "argument #0".into()) }.unwrap();
        let encoded = Encoded::of(&[back], &mut Resources::default()).unwrap();
        assert_eq!(encoded.to_string(), "({s: \"hé\", l: [1, some('x')]})");

        let bad_char = wasmtime_component_val_t::Char(0xD800);
        let e = unsafe { from_c(&bad_char, || "argument #1".into()) }.unwrap_err();
        assert_eq!(e.message(), "component value argument #1: is char 0xd800, not a Unicode scalar value");

        let mut raw = [0u8; size_of::<RawVal>()];
        raw[0] = 99;
        let e = unsafe { from_c(&*(raw.as_ptr() as *const wasmtime_component_val_t), || "result #0".into()) }.unwrap_err();
        assert!(e.message().contains("has kind 99"), "{}", e.message());
        raw.fill(7); // every payload byte, wherever the layout puts the bool
        raw[0] = 0;
        let e = unsafe { from_c(&*(raw.as_ptr() as *const wasmtime_component_val_t), || "result #0".into()) }.unwrap_err();
        assert!(e.message().contains("bool of 7"), "{}", e.message());
        let nested = wasmtime_component_val_t::from(&Val::List(vec![Val::U8(1), Val::Option(Some(Box::new(Val::Char('x'))))]));
        let wasmtime_component_val_t::List(list) = &nested else { unreachable!() };
        // Break the char inside: the message names the path to it.
        let inner = list.as_slice()[1].clone();
        let wasmtime_component_val_t::Option(Some(boxed)) = &inner else { unreachable!() };
        let raw_char = (&**boxed as *const wasmtime_component_val_t).cast_mut();
        unsafe { raw_char.write(wasmtime_component_val_t::Char(0x110000)) };
        let e = unsafe { from_c(&inner, || "argument #2".into()) }.unwrap_err();
        assert_eq!(e.message(), "component value argument #2.some: is char 0x110000, not a Unicode scalar value");
    }

    #[test]
    fn trace_values_come_back_bit_for_bit() {
        let nan = Val::Float32(f32::from_bits(0x7fc0_1234));
        let mut resources = Resources::default();
        let traced = Encoded::of(&[nan], &mut resources).unwrap();
        match &traced.decode(&mut Replayed::seen(&mut resources)).unwrap()[..] {
            [Val::Float32(v)] => assert_eq!(v.to_bits(), 0x7fc0_1234),
            other => panic!("{other:?}"),
        }
        // A resource handle this session never saw (#0 of a fresh numbering).
        let resource = Encoded(vec![1, 21, 1, 0]);
        let e = resource.decode(&mut Replayed::seen(&mut resources)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.message().starts_with("the trace has resource #0, which the replay has not seen"), "{}", e.message());
        // A resource the host made, where nothing can make it.
        let made = Encoded(vec![1, 25, 1, 0, 7, 42]);
        let e = made.decode(&mut Replayed::seen(&mut resources)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(e.message(), "the trace has resource #0, which the host made, where a replay cannot make it");
    }
}
