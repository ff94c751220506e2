//! WASI preview 2's arguments and results as the trace keeps them: [`W`], a
//! small tree of component values, and [`Wire`], how each Rust type of
//! wasmtime-wasi's bindings becomes one and back.

use crate::error::Result;
use crate::trace::component::{Build, Encode, Encoded, Node, Shape, View};
use crate::trace::wire::malformed;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::clocks;

/// A value as the trace keeps WASI preview 2's arguments and results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum W {
    Bool(bool),
    U8(u8),
    U32(u32),
    U64(u64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<W>),
    Tuple(Vec<W>),
    Record(Vec<(String, W)>),
    Option(Option<Box<W>>),
    Result(bool, Option<Box<W>>),
    Variant(String, Option<Box<W>>),
    Enum(String),
    Flags(Vec<String>),
    /// A resource handle (its number in the guest's table): owned or borrowed.
    Handle(bool, u32),
}

impl Encode for W {
    type Numbering = ();
    fn view(&self, _: &mut ()) -> Result<View<'_, W>> {
        Ok(match self {
            W::Bool(v) => Shape::Bool(*v),
            W::U8(v) => Shape::U8(*v),
            W::U32(v) => Shape::U32(*v),
            W::U64(v) => Shape::U64(*v),
            W::Str(s) => Shape::String(s),
            W::Bytes(b) => Shape::Bytes(b),
            W::List(items) => Shape::List(items),
            W::Tuple(items) => Shape::Tuple(items),
            W::Record(fields) => Shape::Record(fields),
            W::Option(v) => Shape::Option(v.as_deref()),
            W::Result(ok, v) => Shape::Result(*ok, v.as_deref()),
            W::Variant(case, v) => Shape::Variant(case, v.as_deref()),
            W::Enum(case) => Shape::Enum(case),
            W::Flags(names) => Shape::Flags(names),
            W::Handle(owned, rep) => Shape::Resource { owned: *owned, handle: *rep },
        })
    }
}

/// Builds [`W`]s from a trace.
pub(super) struct Decode;

impl Build for Decode {
    type Out = W;
    fn make(&mut self, node: Node<'_, W>) -> Result<W> {
        let boxed = |v: Option<W>| v.map(Box::new);
        Ok(match node {
            Shape::Bool(v) => W::Bool(v),
            Shape::U8(v) => W::U8(v),
            Shape::U32(v) => W::U32(v),
            Shape::U64(v) => W::U64(v),
            Shape::String(s) => W::Str(s.to_string()),
            Shape::Bytes(b) => W::Bytes(b.to_vec()),
            Shape::List(items) => W::List(items),
            Shape::Tuple(items) => W::Tuple(items),
            Shape::Record(fields) => W::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect()),
            Shape::Option(v) => W::Option(boxed(v)),
            Shape::Result(ok, v) => W::Result(ok, boxed(v)),
            Shape::Variant(case, v) => W::Variant(case.to_string(), boxed(v)),
            Shape::Enum(case) => W::Enum(case.to_string()),
            Shape::Flags(names) => W::Flags(names.into_iter().map(str::to_string).collect()),
            Shape::Resource { owned, handle } => W::Handle(owned, handle),
            _ => return Err(malformed("a value of a type no WASI preview 2 function returns")),
        })
    }
}

/// A Rust value of a WASI function's signature, as the trace keeps it.
pub(super) trait Wire: Sized {
    fn to_w(&self) -> W;
    /// `None`: the recorded value does not have this type.
    fn from_w(w: W) -> Option<Self>;
}

impl Wire for () {
    fn to_w(&self) -> W {
        W::Tuple(Vec::new())
    }
    fn from_w(w: W) -> Option<()> {
        matches!(w, W::Tuple(ref items) if items.is_empty()).then_some(())
    }
}

impl Wire for bool {
    fn to_w(&self) -> W {
        W::Bool(*self)
    }
    fn from_w(w: W) -> Option<bool> {
        match w {
            W::Bool(v) => Some(v),
            _ => None,
        }
    }
}

impl Wire for u64 {
    fn to_w(&self) -> W {
        W::U64(*self)
    }
    fn from_w(w: W) -> Option<u64> {
        match w {
            W::U64(v) => Some(v),
            _ => None,
        }
    }
}

impl Wire for String {
    fn to_w(&self) -> W {
        W::Str(self.clone())
    }
    fn from_w(w: W) -> Option<String> {
        match w {
            W::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Wire for Vec<u8> {
    fn to_w(&self) -> W {
        W::Bytes(self.clone())
    }
    fn from_w(w: W) -> Option<Vec<u8>> {
        match w {
            W::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl Wire for Vec<u32> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(|v| W::U32(*v)).collect())
    }
    fn from_w(w: W) -> Option<Vec<u32>> {
        list(w, |item| match item {
            W::U32(v) => Some(v),
            _ => None,
        })
    }
}

impl Wire for Vec<String> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(Wire::to_w).collect())
    }
    fn from_w(w: W) -> Option<Vec<String>> {
        list(w, String::from_w)
    }
}

impl Wire for Vec<(String, String)> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(|(k, v)| W::Tuple(vec![k.to_w(), v.to_w()])).collect())
    }
    fn from_w(w: W) -> Option<Vec<(String, String)>> {
        list(w, |item| match item {
            W::Tuple(pair) => {
                let [k, v]: [W; 2] = pair.try_into().ok()?;
                Some((String::from_w(k)?, String::from_w(v)?))
            }
            _ => None,
        })
    }
}

impl Wire for Option<String> {
    fn to_w(&self) -> W {
        W::Option(self.as_ref().map(|s| Box::new(s.to_w())))
    }
    fn from_w(w: W) -> Option<Option<String>> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(s)) => Some(Some(String::from_w(*s)?)),
            _ => None,
        }
    }
}

impl Wire for (u64, u64) {
    fn to_w(&self) -> W {
        W::Tuple(vec![W::U64(self.0), W::U64(self.1)])
    }
    fn from_w(w: W) -> Option<(u64, u64)> {
        match w {
            W::Tuple(pair) => {
                let [a, b]: [W; 2] = pair.try_into().ok()?;
                Some((u64::from_w(a)?, u64::from_w(b)?))
            }
            _ => None,
        }
    }
}

impl Wire for clocks::wall_clock::Datetime {
    fn to_w(&self) -> W {
        W::Record(vec![("seconds".into(), W::U64(self.seconds)), ("nanoseconds".into(), W::U32(self.nanoseconds))])
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Record(fields) => match <[(String, W); 2]>::try_from(fields).ok()? {
                [(s, W::U64(seconds)), (n, W::U32(nanoseconds))] if s == "seconds" && n == "nanoseconds" => {
                    Some(clocks::wall_clock::Datetime { seconds, nanoseconds })
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// A resource a host function made: recorded as its handle number; a
/// replay makes a stand-in and checks that it got the same number.
pub(super) struct Made(pub(super) u32);

impl Wire for Made {
    fn to_w(&self) -> W {
        W::Handle(true, self.0)
    }
    fn from_w(w: W) -> Option<Made> {
        match w {
            W::Handle(true, rep) => Some(Made(rep)),
            _ => None,
        }
    }
}

impl Wire for Option<Made> {
    fn to_w(&self) -> W {
        W::Option(self.as_ref().map(|m| Box::new(m.to_w())))
    }
    fn from_w(w: W) -> Option<Option<Made>> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(m)) => Some(Some(Made::from_w(*m)?)),
            _ => None,
        }
    }
}

/// What a stream operation returns, as the trace keeps it (a trap is the
/// event's outcome instead).
pub(super) enum Streamed<T> {
    Done(T),
    Closed,
    Failed(String),
}

impl<T: Wire> Wire for Streamed<T> {
    fn to_w(&self) -> W {
        match self {
            Streamed::Done(v) => W::Result(true, Some(Box::new(v.to_w()))),
            Streamed::Closed => W::Result(false, Some(Box::new(W::Variant("closed".into(), None)))),
            Streamed::Failed(message) => W::Result(
                false,
                Some(Box::new(W::Variant("last-operation-failed".into(), Some(Box::new(W::Str(message.clone())))))),
            ),
        }
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Result(true, Some(v)) => Some(Streamed::Done(T::from_w(*v)?)),
            W::Result(false, Some(e)) => match *e {
                W::Variant(case, None) if case == "closed" => Some(Streamed::Closed),
                W::Variant(case, Some(m)) if case == "last-operation-failed" => Some(Streamed::Failed(String::from_w(*m)?)),
                _ => None,
            },
            _ => None,
        }
    }
}

fn list<T>(w: W, item: impl Fn(W) -> Option<T>) -> Option<Vec<T>> {
    match w {
        W::List(items) => items.into_iter().map(item).collect(),
        _ => None,
    }
}

/// What a wrapped function returns, and what of it the trace keeps.
pub(super) trait Recordable<R> {
    fn recorded(&self) -> W;
}

impl<R: Wire> Recordable<R> for R {
    fn recorded(&self) -> W {
        self.to_w()
    }
}

impl<T> Recordable<Made> for Resource<T> {
    fn recorded(&self) -> W {
        Made(self.rep()).to_w()
    }
}

impl<T> Recordable<Option<Made>> for Option<Resource<T>> {
    fn recorded(&self) -> W {
        self.as_ref().map(|r| Made(r.rep())).to_w()
    }
}

pub(super) fn single(values: &Encoded) -> std::result::Result<W, String> {
    match values.decode(&mut Decode) {
        Ok(mut values) if values.len() == 1 => Ok(values.remove(0)),
        Ok(values) => Err(format!("the trace has {} results where there is one", values.len())),
        Err(error) => Err(error.message().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_back_as_recorded_and_others_do_not_fit() {
        let datetime = clocks::wall_clock::Datetime { seconds: 7, nanoseconds: 9 };
        let encoded = Encoded::of(&[datetime.to_w()], &mut ()).unwrap();
        let back = clocks::wall_clock::Datetime::from_w(single(&encoded).unwrap()).unwrap();
        assert_eq!((back.seconds, back.nanoseconds), (7, 9));
        assert_eq!(encoded.single_text(), "{seconds: 7, nanoseconds: 9}");
        let failed = Streamed::<Vec<u8>>::Failed("gone".into());
        let encoded = Encoded::of(&[failed.to_w()], &mut ()).unwrap();
        assert_eq!(encoded.single_text(), "err(last-operation-failed(\"gone\"))");
        assert!(matches!(Streamed::<Vec<u8>>::from_w(single(&encoded).unwrap()), Some(Streamed::Failed(m)) if m == "gone"));
        assert!(u64::from_w(W::Bytes(vec![1])).is_none());
        assert!(<(u64, u64)>::from_w(W::Tuple(vec![W::U64(1)])).is_none());
        let env = vec![("A".to_string(), "1".to_string())];
        assert_eq!(<Vec<(String, String)>>::from_w(env.to_w()), Some(env));
    }
}
