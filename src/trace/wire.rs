//! The primitive encodings of the trace format (docs/trace-format.md):
//! LEB128 integers, length-prefixed strings and byte strings, and a cursor
//! that decodes them from a frame, reporting truncation as a format error.

use crate::error::{ErrorKind, Result, RrError};

/// Where encoded bytes go: a growing `Vec<u8>`, or space reserved at its
/// end ([`Reserved`]) on the hottest path. The integer encodings are written
/// once, for both.
pub trait ByteSink {
    fn push_byte(&mut self, byte: u8);

    /// Appends bytes as they are.
    #[inline]
    fn push_bytes(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|byte| self.push_byte(*byte));
    }
}

impl ByteSink for Vec<u8> {
    #[inline]
    fn push_byte(&mut self, byte: u8) {
        self.push(byte);
    }

    #[inline]
    fn push_bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Appends an unsigned LEB128 integer.
#[inline]
pub fn put_uleb(out: &mut impl ByteSink, mut value: u64) {
    while value >= 0x80 {
        out.push_byte(value as u8 | 0x80);
        value >>= 7;
    }
    out.push_byte(value as u8);
}

/// Appends a signed LEB128 integer.
#[inline]
pub fn put_sleb(out: &mut impl ByteSink, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
            out.push_byte(byte);
            return;
        }
        out.push_byte(byte | 0x80);
    }
}

/// Appends a length-prefixed byte string.
#[inline]
pub fn put_bytes(out: &mut impl ByteSink, bytes: &[u8]) {
    put_uleb(out, bytes.len() as u64);
    out.push_bytes(bytes);
}

/// Writes into space reserved at the end of a `Vec<u8>` (its spare
/// capacity): the encoding of the hottest events without a capacity check
/// per byte. The caller reserves the most the event can take; writing past
/// it panics rather than corrupting memory.
pub struct Reserved<'a> {
    buf: &'a mut [std::mem::MaybeUninit<u8>],
    len: usize,
}

impl<'a> Reserved<'a> {
    #[inline]
    pub fn new(buf: &'a mut [std::mem::MaybeUninit<u8>]) -> Reserved<'a> {
        Reserved { buf, len: 0 }
    }

    /// How many bytes were written.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }
}

impl ByteSink for Reserved<'_> {
    #[inline]
    fn push_byte(&mut self, byte: u8) {
        self.buf[self.len].write(byte);
        self.len += 1;
    }
}

#[cold]
fn out_of_i32(value: i64) -> RrError {
    malformed(format!("i32 value {value} out of range"))
}

/// A format error: the trace is not what the format says.
pub fn malformed(what: impl std::fmt::Display) -> RrError {
    RrError::new(ErrorKind::TraceFormat, format!("malformed trace: {what}"))
}

/// Reads the primitives back from a byte slice.
#[derive(Clone)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Cursor<'a> {
        Cursor { bytes, pos: 0 }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.bytes.len()
    }

    #[inline]
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    #[inline]
    pub fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(len).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| {
            malformed(format!(
                "{len} bytes needed at offset {} of a {}-byte frame",
                self.pos,
                self.bytes.len()
            ))
        })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// The byte `ahead` bytes on, if there is one; nothing is read.
    #[inline]
    pub fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("take returned N bytes"))
    }

    #[inline]
    pub fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    #[inline]
    pub fn uleb(&mut self) -> Result<u64> {
        // Most integers of a trace (ids, small counts) take one byte.
        if let Some(&byte) = self.bytes.get(self.pos)
            && byte < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(byte));
        }
        self.uleb_long()
    }

    fn uleb_long(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(malformed("unsigned integer overflows 64 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("unsigned integer longer than 10 bytes"))
    }

    /// An unsigned integer that must fit a `u32` (ids, counts).
    #[inline]
    pub fn uleb32(&mut self) -> Result<u32> {
        let value = self.uleb()?;
        u32::try_from(value).map_err(|_| malformed(format!("value {value} does not fit 32 bits")))
    }

    /// A signed integer that must fit an `i32`.
    #[inline]
    pub fn sleb32(&mut self) -> Result<i32> {
        let value = self.sleb()?;
        i32::try_from(value).map_err(|_| out_of_i32(value))
    }

    #[inline]
    pub fn sleb(&mut self) -> Result<i64> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            if shift == 63 && !matches!(byte, 0x00 | 0x7f) {
                return Err(malformed("signed integer overflows 64 bits"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
            if shift > 63 {
                return Err(malformed("signed integer longer than 10 bytes"));
            }
        }
    }

    /// A length-prefixed byte string; the length is checked against what is
    /// left, so a corrupted length never allocates.
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.uleb()?;
        let len = usize::try_from(len).map_err(|_| malformed("length does not fit memory"))?;
        self.take(len)
    }

    pub fn string(&mut self) -> Result<String> {
        let bytes = self.bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| malformed("string is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips_at_the_edges() {
        let unsigned = [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        let signed = [0, 1, -1, 63, 64, -64, -65, i32::MIN as i64, i32::MAX as i64, i64::MIN, i64::MAX];
        let mut out = Vec::new();
        unsigned.iter().for_each(|v| put_uleb(&mut out, *v));
        signed.iter().for_each(|v| put_sleb(&mut out, *v));
        let mut cursor = Cursor::new(&out);
        for v in unsigned {
            assert_eq!(cursor.uleb().unwrap(), v);
        }
        for v in signed {
            assert_eq!(cursor.sleb().unwrap(), v);
        }
        assert!(cursor.is_empty());
        let mut one = Vec::new();
        put_sleb(&mut one, -1);
        assert_eq!(one, [0x7f]);
        // Writing into reserved space gives the same bytes.
        let mut reserved = Vec::with_capacity(out.len());
        let mut writer = Reserved::new(reserved.spare_capacity_mut());
        unsigned.iter().for_each(|v| put_uleb(&mut writer, *v));
        signed.iter().for_each(|v| put_sleb(&mut writer, *v));
        let written = writer.len();
        // SAFETY: `written` bytes were initialized by the writer.
        unsafe { reserved.set_len(written) };
        assert_eq!(reserved, out);
    }

    #[test]
    fn reserved_space_is_never_overrun() {
        let mut buf = Vec::<u8>::with_capacity(2);
        let spare = buf.spare_capacity_mut().len();
        let overrun = std::panic::catch_unwind(move || {
            let mut buf = Vec::<u8>::with_capacity(spare);
            let mut writer = Reserved::new(buf.spare_capacity_mut());
            (0..=spare).for_each(|_| writer.push_byte(1));
        });
        assert!(overrun.is_err(), "writing past the reserved space panics");
    }

    #[test]
    fn corrupt_integers_and_lengths_are_errors_not_allocations() {
        let too_long = [0xff; 11];
        assert_eq!(Cursor::new(&too_long).uleb().unwrap_err().kind(), ErrorKind::TraceFormat);
        let overflow = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(Cursor::new(&overflow).uleb().is_err());
        // A 4 GiB length with three bytes behind it.
        let mut claim = Vec::new();
        put_uleb(&mut claim, 4 << 30);
        claim.extend_from_slice(b"abc");
        let e = Cursor::new(&claim).bytes().unwrap_err();
        assert!(e.message().contains("4294967296 bytes needed"), "{}", e.message());
        assert!(Cursor::new(&[0x80]).uleb().is_err(), "truncated");
    }
}
