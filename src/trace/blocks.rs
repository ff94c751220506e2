//! Compressed traces (docs/trace-format.md, "Compression"): after the
//! header, each batch of whole frames a writer hands to its sink becomes one
//! block, `uleb len` then `len` bytes of one zstd frame, which decompresses
//! to those frames. What a sink acknowledged is still whole blocks, so a
//! valid prefix. zstd rather than lz4: it is already compiled into Wasmtime
//! (its code cache), and it compresses these small, repetitive events far
//! better at a speed that keeps up with recording.

use super::wire::put_uleb;
use crate::error::{ErrorKind, Result, RrError};
use std::io::{self, BufRead, Read};

/// Lowest and highest compression levels a recorder accepts.
pub const LEVELS: std::ops::RangeInclusive<i32> = 1..=19;

/// Turns batches of frames into blocks.
pub struct BlockWriter {
    compressor: zstd::bulk::Compressor<'static>,
    block: Vec<u8>,
}

impl BlockWriter {
    pub fn new(level: i32) -> Result<BlockWriter> {
        let compressor = zstd::bulk::Compressor::new(level)
            .map_err(|e| RrError::invalid_argument(format!("zstd cannot compress at level {level}: {e}")))?;
        Ok(BlockWriter { compressor, block: Vec::new() })
    }

    /// The block holding `frames`: its length, then the compressed bytes.
    pub fn block(&mut self, frames: &[u8]) -> Result<&[u8]> {
        let bound = zstd::zstd_safe::compress_bound(frames.len());
        self.block.clear();
        self.block.reserve(bound + 10);
        let mut compressed = Vec::with_capacity(bound);
        self.compressor
            .compress_to_buffer(frames, &mut compressed)
            .map_err(|e| RrError::new(ErrorKind::TraceIo, format!("compressing the trace failed: {e}")))?;
        put_uleb(&mut self.block, compressed.len() as u64);
        self.block.extend_from_slice(&compressed);
        Ok(&self.block)
    }
}

/// Reads the frames out of a compressed trace's blocks, one block at a
/// time, as a plain byte stream. Decompression streams: a block that claims
/// to decompress to a huge size costs no more memory than what it yields.
pub struct BlockReader<R: BufRead> {
    source: Option<R>,
    block: Option<zstd::stream::read::Decoder<'static, io::BufReader<io::Take<R>>>>,
}

impl<R: BufRead> BlockReader<R> {
    pub fn new(source: R) -> BlockReader<R> {
        BlockReader { source: Some(source), block: None }
    }

    /// Starts the next block; `false` at a clean end of input.
    fn next_block(&mut self) -> io::Result<bool> {
        let Some(mut source) = self.source.take() else { return Ok(false) };
        if source.fill_buf()?.is_empty() {
            self.source = Some(source);
            return Ok(false);
        }
        let mut len = 0u64;
        for shift in (0..70).step_by(7) {
            let mut byte = [0u8];
            source.read_exact(&mut byte)?;
            len |= u64::from(byte[0] & 0x7f).checked_shl(shift).unwrap_or(0);
            if byte[0] & 0x80 == 0 {
                break;
            }
        }
        let decoder = zstd::stream::read::Decoder::new(source.take(len)).map_err(corrupted)?;
        self.block = Some(decoder.single_frame());
        Ok(true)
    }
}

fn corrupted(error: io::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("corrupted trace: a compressed block does not decompress ({error})"))
}

impl<R: BufRead> Read for BlockReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(block) = &mut self.block {
                match block.read(buffer) {
                    Ok(0) if !buffer.is_empty() => {
                        // The block is done: its source goes back for the next one.
                        let rest = self.block.take().expect("just matched").finish().into_inner();
                        if rest.limit() != 0 {
                            return Err(corrupted(io::Error::other("bytes left in a block after its zstd frame")));
                        }
                        self.source = Some(rest.into_inner());
                    }
                    Ok(n) => return Ok(n),
                    Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Err(error),
                    Err(error) => return Err(corrupted(error)),
                }
            }
            if !self.next_block()? {
                return Ok(0);
            }
        }
    }
}

/// The error of a damaged block, as the reader reports it.
pub fn is_corruption(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compressed(batches: &[&[u8]]) -> Vec<u8> {
        let mut writer = BlockWriter::new(3).unwrap();
        batches.iter().flat_map(|b| writer.block(b).unwrap().to_vec()).collect()
    }

    fn read(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        BlockReader::new(io::BufReader::new(bytes)).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn blocks_read_back_as_the_concatenated_batches() {
        let bytes = compressed(&[b"first batch of frames ", &[7u8; 10_000], b"last"]);
        let mut expected = b"first batch of frames ".to_vec();
        expected.extend_from_slice(&[7u8; 10_000]);
        expected.extend_from_slice(b"last");
        assert_eq!(read(&bytes).unwrap(), expected);
        assert!(bytes.len() < 200, "10,000 equal bytes compress: {}", bytes.len());
    }

    #[test]
    fn damage_is_an_error_never_a_panic() {
        let bytes = compressed(&[b"some frames of a trace", b"and more"]);
        for cut in 0..bytes.len() {
            let _ = read(&bytes[..cut]); // truncation: an error or a shorter stream
        }
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x20;
            let _ = read(&damaged);
        }
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(&[1, 0]);
        let _ = read(&trailing);
    }
}
