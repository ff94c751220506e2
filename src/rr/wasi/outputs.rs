//! A WASI call's footprint in guest memory: the strings it reads (paths), the
//! bytes `fd_write` sends to stdout and stderr, and what a successful call
//! writes, read out after the real call while recording and written back at
//! the replaying guest's own pointers while replaying.
//!
//! Every access is bounds-checked: a pointer a guest passes may be anything.

use crate::trace::wasi::{MAX_PARAMS, MAX_RAW, Out, Outputs, Param, WasiFn, records_text};

/// A failed memory access, described for a divergence or recording error.
pub type Access<T> = std::result::Result<T, String>;

#[inline]
fn range(mem_len: usize, ptr: u64, len: u64) -> Access<std::ops::Range<usize>> {
    ptr.checked_add(len)
        .filter(|end| *end <= mem_len as u64)
        .map(|end| ptr as usize..end as usize)
        .ok_or_else(|| format!("{len} bytes at {ptr} lie outside guest memory ({mem_len} bytes)"))
}

#[inline]
fn region(mem: &[u8], ptr: u64, len: u64) -> Access<&[u8]> {
    Ok(&mem[range(mem.len(), ptr, len)?])
}

#[inline]
fn region_mut(mem: &mut [u8], ptr: u64, len: u64) -> Access<&mut [u8]> {
    let range = range(mem.len(), ptr, len)?;
    Ok(&mut mem[range])
}

#[inline]
fn read_word(mem: &[u8], ptr: u64, size: u8) -> Access<u64> {
    if size == 8 {
        // Timestamps, offsets: one load, not a copy of a variable length.
        return Ok(u64::from_le_bytes(region(mem, ptr, 8)?.try_into().expect("8 bytes")));
    }
    let mut bytes = [0u8; 8];
    bytes[..usize::from(size)].copy_from_slice(region(mem, ptr, u64::from(size))?);
    Ok(u64::from_le_bytes(bytes))
}

#[inline]
fn write_word(mem: &mut [u8], ptr: u64, size: u8, value: u64) -> Access<()> {
    if size == 8 {
        region_mut(mem, ptr, 8)?.copy_from_slice(&value.to_le_bytes());
        return Ok(());
    }
    region_mut(mem, ptr, u64::from(size))?.copy_from_slice(&value.to_le_bytes()[..usize::from(size)]);
    Ok(())
}

/// The iovecs of an `Iovs` parameter as (buffer, length) pairs, in order.
fn iovecs(mem: &[u8], ptr: u64, count: u64) -> Access<impl Iterator<Item = (u64, u64)> + '_> {
    let table = region(mem, ptr, count.checked_mul(8).ok_or("iovec count overflows")?)?;
    Ok(table.chunks_exact(8).map(|iov| {
        let word = |i: usize| u64::from(u32::from_le_bytes(iov[i..i + 4].try_into().expect("4 bytes")));
        (word(0), word(4))
    }))
}

/// A call's arguments, addressed by parameter index.
pub struct Args<'a> {
    pub id: u8,
    pub spec: &'static WasiFn,
    pub raw: &'a [u64; MAX_RAW],
}

impl Args<'_> {
    #[inline]
    fn at(&self, param: usize) -> u64 {
        self.raw[self.spec.raw_index(param)]
    }

    /// The second core argument of a two-word parameter (a length or count).
    #[inline]
    fn len_of(&self, param: usize) -> u64 {
        self.raw[self.spec.raw_index(param) + 1]
    }

    /// What the trace records of the arguments, by parameter index.
    #[inline]
    pub fn inputs(&self) -> [u64; MAX_PARAMS] {
        let mut inputs = [0; MAX_PARAMS];
        self.inputs_into(&mut inputs);
        inputs
    }

    /// [`inputs`](Self::inputs), written in place (the hot paths fill the
    /// event they record).
    #[inline]
    pub fn inputs_into(&self, inputs: &mut [u64; MAX_PARAMS]) {
        for (i, input) in inputs[..self.spec.params.len()].iter_mut().enumerate() {
            *input = self.input(i);
        }
    }

    /// What the trace records of parameter `param`.
    #[inline]
    pub fn input(&self, param: usize) -> u64 {
        match self.spec.params[param] {
            Param::Fd | Param::U32 | Param::U64 => self.at(param),
            Param::Iovs => self.len_of(param),
            Param::Ptr | Param::Path => 0,
        }
    }

    /// The bytes of each `Path` parameter; one that is out of bounds reads
    /// as empty (the real call fails with `fault` on it, the same each run).
    pub fn paths(&self, mem: &[u8]) -> Vec<Vec<u8>> {
        let mut paths = Vec::new();
        for (i, param) in self.spec.params.iter().enumerate() {
            if *param == Param::Path {
                paths.push(region(mem, self.at(i), self.len_of(i)).map(<[u8]>::to_vec).unwrap_or_default());
            }
        }
        paths
    }

    /// The first `len` bytes the iovecs of parameter `param` hold.
    fn gather(&self, mem: &[u8], param: usize, len: u64, out: &mut Vec<u8>) -> Access<()> {
        let mut left = len;
        for (buf, buf_len) in iovecs(mem, self.at(param), self.len_of(param))? {
            if left == 0 {
                break;
            }
            let take = buf_len.min(left);
            out.extend_from_slice(region(mem, buf, take)?);
            left -= take;
        }
        match left {
            0 => Ok(()),
            _ => Err(format!("the iovecs hold fewer than {len} bytes")),
        }
    }

    /// Spreads `data` over the iovecs of parameter `param`.
    fn scatter(&self, mem: &mut [u8], param: usize, data: &[u8]) -> Access<()> {
        let iovs: Vec<(u64, u64)> = iovecs(mem, self.at(param), self.len_of(param))?.collect();
        let mut rest = data;
        for (buf, buf_len) in iovs {
            if rest.is_empty() {
                break;
            }
            let take = buf_len.min(rest.len() as u64) as usize;
            region_mut(mem, buf, take as u64)?.copy_from_slice(&rest[..take]);
            rest = &rest[take..];
        }
        match rest.len() {
            0 => Ok(()),
            n => Err(format!("the guest's iovecs have room for {} of the {} recorded bytes", data.len() - n, data.len())),
        }
    }

    /// Where a `Word` or `Time` output goes: pointer and size in bytes.
    #[inline]
    fn word_slot(&self, out: Out) -> (u64, u8) {
        match out {
            Out::Word { at, size } => (self.at(at), size),
            Out::Time { at } => (self.at(at), 8),
            _ => (0, 0), // not a number: nothing to read or write
        }
    }

    /// Reads what a successful call of a numbers-only function (see
    /// `WasiFn::numbers_only`) wrote: its words, in order, into `words`
    /// (filled in place: see `trace::wasi::decode_numbers`).
    #[inline]
    pub fn read_words(&self, mem: &[u8], words: &mut [u64; 2]) -> Access<()> {
        for (out, word) in self.spec.outs.iter().zip(words) {
            let (ptr, size) = self.word_slot(*out);
            *word = read_word(mem, ptr, size)?;
        }
        Ok(())
    }

    /// Writes the recorded words of a numbers-only function's call at this
    /// call's pointers.
    #[inline]
    pub fn write_words(&self, mem: &mut [u8], words: &[u64; 2]) -> Access<()> {
        for (out, word) in self.spec.outs.iter().zip(words) {
            let (ptr, size) = self.word_slot(*out);
            write_word(mem, ptr, size, *word)?;
        }
        Ok(())
    }

    /// Reads what a successful call wrote. `strings_len` gives the buffer
    /// size of `args_get`/`environ_get` (the call itself does not say).
    pub fn read_outputs(&self, mem: &[u8], strings_len: impl FnOnce() -> Access<u64>, data: Vec<u8>) -> Access<Outputs> {
        let mut outputs = Outputs { data, ..Outputs::default() };
        outputs.data.clear();
        let mut words = 0;
        let mut strings_len = Some(strings_len);
        for out in self.spec.outs {
            match *out {
                Out::Word { .. } | Out::Time { .. } => {
                    let (ptr, size) = self.word_slot(*out);
                    outputs.words[words] = read_word(mem, ptr, size)?;
                    words += 1;
                }
                Out::Blob { at, size } => outputs.data.extend_from_slice(region(mem, self.at(at), u64::from(size))?),
                Out::Bytes { at, len } => outputs.data.extend_from_slice(region(mem, self.at(at), self.at(len))?),
                Out::Filled { at, len, used } => {
                    let used = read_word(mem, self.at(used), 4)?.min(self.at(len));
                    outputs.data.extend_from_slice(region(mem, self.at(at), used)?);
                }
                Out::Scatter { iovs, size } => {
                    let n = read_word(mem, self.at(size), 4)?;
                    self.gather(mem, iovs, n, &mut outputs.data)?;
                }
                Out::Strings { buf, .. } => {
                    let len = (strings_len.take().expect("one Strings output"))()?;
                    outputs.data.extend_from_slice(region(mem, self.at(buf), len)?);
                }
                Out::Events { out, count } => {
                    let n = read_word(mem, self.at(count), 4)?;
                    outputs.data.extend_from_slice(region(mem, self.at(out), n * 32)?);
                }
            }
        }
        if records_text(self.id, self.at(0)) {
            let mut text = Vec::new();
            self.gather(mem, 1, outputs.words[0], &mut text)?;
            outputs.text = Some(text);
        }
        Ok(outputs)
    }

    /// The bytes an `fd_write` of `len` bytes sends, for comparison on replay.
    pub fn written_text(&self, mem: &[u8], len: usize) -> Access<Vec<u8>> {
        let mut text = Vec::with_capacity(len);
        self.gather(mem, 1, len as u64, &mut text)?;
        Ok(text)
    }

    /// Writes recorded outputs at this call's pointers.
    pub fn write_outputs(&self, mem: &mut [u8], outputs: &Outputs) -> Access<()> {
        let mut words = outputs.words.iter();
        let data = outputs.data.as_slice();
        for out in self.spec.outs {
            match *out {
                Out::Word { .. } | Out::Time { .. } => {
                    let (ptr, size) = self.word_slot(*out);
                    write_word(mem, ptr, size, *words.next().expect("two words at most"))?;
                }
                Out::Blob { at, .. } => region_mut(mem, self.at(at), data.len() as u64)?.copy_from_slice(data),
                Out::Bytes { at, len } => {
                    if data.len() as u64 != self.at(len) {
                        return Err(format!("{} bytes were recorded, the guest asks for {}", data.len(), self.at(len)));
                    }
                    region_mut(mem, self.at(at), data.len() as u64)?.copy_from_slice(data);
                }
                Out::Filled { at, len, used } => {
                    if data.len() as u64 > self.at(len) {
                        return Err(format!("{} bytes were recorded, the guest's buffer holds {}", data.len(), self.at(len)));
                    }
                    region_mut(mem, self.at(at), data.len() as u64)?.copy_from_slice(data);
                    write_word(mem, self.at(used), 4, data.len() as u64)?;
                }
                Out::Scatter { iovs, size } => {
                    self.scatter(mem, iovs, data)?;
                    write_word(mem, self.at(size), 4, data.len() as u64)?;
                }
                Out::Strings { array, buf } => {
                    let base = self.at(buf);
                    region_mut(mem, base, data.len() as u64)?.copy_from_slice(data);
                    let mut start = 0u64;
                    let mut slot = self.at(array);
                    for (end, _) in data.iter().enumerate().filter(|(_, b)| **b == 0) {
                        write_word(mem, slot, 4, base + start)?;
                        slot += 4;
                        start = end as u64 + 1;
                    }
                }
                Out::Events { out, count } => {
                    region_mut(mem, self.at(out), data.len() as u64)?.copy_from_slice(data);
                    write_word(mem, self.at(count), 4, data.len() as u64 / 32)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::wasi::{FUNCS, id_of};

    fn args(name: &str, raw: &[u64]) -> (Args<'static>, &'static [u64; MAX_RAW]) {
        let mut all = [0; MAX_RAW];
        all[..raw.len()].copy_from_slice(raw);
        let all: &'static [u64; MAX_RAW] = Box::leak(Box::new(all));
        let id = id_of(name).unwrap();
        (Args { id, spec: &FUNCS[usize::from(id)], raw: all }, all)
    }

    fn put_iovecs(mem: &mut [u8], at: usize, iovs: &[(u32, u32)]) {
        for (i, (buf, len)) in iovs.iter().enumerate() {
            mem[at + 8 * i..at + 8 * i + 4].copy_from_slice(&buf.to_le_bytes());
            mem[at + 8 * i + 4..at + 8 * i + 8].copy_from_slice(&len.to_le_bytes());
        }
    }

    #[test]
    fn scattered_reads_come_back_where_the_guest_asks() {
        // fd_read(3, iovs at 0 (two of 4 and 8 bytes), nread at 40).
        let (call, _) = args("fd_read", &[3, 0, 2, 40]);
        let mut mem = vec![0u8; 64];
        put_iovecs(&mut mem, 0, &[(16, 4), (24, 8)]);
        mem[16..22].copy_from_slice(b"hello ");
        mem[24..26].copy_from_slice(b"wo");
        mem[40] = 6;
        let outputs = call.read_outputs(&mem, || unreachable!(), Vec::new()).unwrap();
        assert_eq!(outputs.data, b"hellwo");
        let mut again = vec![0u8; 64];
        put_iovecs(&mut again, 0, &[(16, 4), (24, 8)]);
        call.write_outputs(&mut again, &outputs).unwrap();
        assert_eq!(&again[16..20], b"hell");
        assert_eq!(&again[24..26], b"wo");
        assert_eq!(again[40], 6);
        let mut small = vec![0u8; 64];
        put_iovecs(&mut small, 0, &[(16, 2), (24, 1)]);
        assert!(call.write_outputs(&mut small, &outputs).unwrap_err().contains("room for 3 of the 6"));
    }

    #[test]
    fn numbers_only_outputs_read_and_write_as_the_full_outputs_do() {
        // clock_time_get writes 8 bytes at param 2; fd_seek 8 at param 3;
        // args_sizes_get 4 and 4 at params 0 and 1.
        for (name, raw) in [("clock_time_get", &[1, 1, 8][..]), ("fd_seek", &[3, 5, 0, 20]), ("args_sizes_get", &[40, 52])] {
            let (call, _) = args(name, raw);
            let mut mem: Vec<u8> = (0..64).map(|i| i as u8 * 3 + 1).collect();
            let full = call.read_outputs(&mem, || unreachable!(), Vec::new()).unwrap();
            let mut words = [0; 2];
            call.read_words(&mem, &mut words).unwrap();
            assert_eq!((full.words, full.data.len(), full.text), (words, 0, None), "{name}");
            let before = mem.clone();
            call.write_words(&mut mem, &[words[0] ^ 0x55, words[1] ^ 0x66]).unwrap();
            assert_ne!(mem, before, "{name}");
            let mut full_mem = before.clone();
            let changed = Outputs { words: [words[0] ^ 0x55, words[1] ^ 0x66], ..Outputs::default() };
            call.write_outputs(&mut full_mem, &changed).unwrap();
            assert_eq!(mem, full_mem, "{name}");
        }
    }

    #[test]
    fn strings_get_their_pointers_rebuilt() {
        let (call, _) = args("args_get", &[0, 16]);
        let data = b"guest\0alpha\0".to_vec();
        let mut mem = vec![0u8; 64];
        call.write_outputs(&mut mem, &Outputs { data: data.clone(), ..Outputs::default() }).unwrap();
        assert_eq!(&mem[0..4], &16u32.to_le_bytes());
        assert_eq!(&mem[4..8], &22u32.to_le_bytes());
        assert_eq!(&mem[16..28], &data[..]);
        let read = call.read_outputs(&mem, || Ok(12), Vec::new()).unwrap();
        assert_eq!(read.data, data);
    }

    #[test]
    fn out_of_bounds_pointers_are_errors_not_panics() {
        let (call, _) = args("clock_time_get", &[0, 1, u64::from(u32::MAX)]);
        let mem = vec![0u8; 64];
        assert!(call.read_outputs(&mem, || unreachable!(), Vec::new()).is_err());
        let mut small = mem.clone();
        assert_eq!(call.write_words(&mut small, &[7, 0]).unwrap_err(), format!("8 bytes at {} lie outside guest memory (64 bytes)", u32::MAX));
        assert_eq!(small, mem, "nothing written");
        let (write, _) = args("fd_write", &[1, 60, 1000, 0]);
        assert!(write.written_text(&mem, 5).is_err());
        let (open, _) = args("path_open", &[3, 0, 1 << 31, 10, 0, 0, 0, 0, 0]);
        assert_eq!(open.paths(&mem), vec![Vec::<u8>::new()]);
    }
}
