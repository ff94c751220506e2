//! Capturing the host's writes into guest memory that bypass
//! `wasmtime_rr_memory_write` (the recorder's shadow-memory setting): an
//! unmodified host writes through `wasmtime_memory_data`, wasmtime-py's
//! `Memory.write`, wasmtime-go's `Memory.UnsafeData`.
//!
//! While the host runs, the guest does not: so memory is copied when control
//! passes to the host (a host function starts, a call into the guest
//! returns) and compared when it comes back (the host function returns, the
//! next call into the guest starts). What changed in between is the host's
//! doing, recorded as memory writes that a replay applies.
//!
//! The copy is what costs (a pass over every memory at each turn). A host
//! that asks for memory addresses through `wasmtime_rr_memory_data` (the
//! preload library puts every `wasmtime_memory_data` there) tells when it
//! may write: from its first such call on, a turn copies only when the host
//! asks for an address in it, and compares only then. A turn in which the
//! host never asked costs nothing.

use crate::trace::event::MemoryWrite;
use wasmtime::{AsContext, Memory};

/// Granularity of recorded changes: changed 64-byte blocks, merged when
/// fewer than 64 unchanged bytes separate them.
const BLOCK: usize = 64;

/// Copies of the known memories, taken when control passed to the host.
#[derive(Default)]
pub struct Shadow {
    copies: Vec<Vec<u8>>,
    /// Whether the copies are current (taken since the last comparison).
    taken: bool,
    /// Whether the host has control (between `start_turn` and `changes`).
    turn: bool,
    /// Whether the host announces the addresses it writes through: then a
    /// turn copies only when the host asks for an address.
    announced: bool,
}

impl Shadow {
    /// Control passes to the host.
    pub fn start_turn(&mut self, memories: &[Memory], store: impl AsContext) {
        self.turn = true;
        self.taken = false;
        if !self.announced {
            self.take(memories, store);
        }
    }

    /// The host asks for a memory's address (it may write through it): the
    /// copies are taken now if this turn has none yet.
    pub fn address_taken(&mut self, memories: &[Memory], store: impl AsContext) {
        self.announced = true;
        if self.turn && !self.taken {
            self.take(memories, store);
        }
    }

    /// Copies every memory: the host is about to run.
    fn take(&mut self, memories: &[Memory], store: impl AsContext) {
        let store = store.as_context();
        self.copies.resize_with(memories.len(), Vec::new);
        for (copy, memory) in self.copies.iter_mut().zip(memories) {
            copy.clear();
            copy.extend_from_slice(memory.data(&store));
        }
        self.taken = true;
    }

    /// What the host changed since the copies were taken (nothing if they
    /// were not): the guest is about to run again.
    pub fn changes(&mut self, memories: &[Memory], store: impl AsContext) -> Vec<MemoryWrite> {
        let mut writes = Vec::new();
        self.turn = false;
        if !std::mem::take(&mut self.taken) {
            return writes;
        }
        let store = store.as_context();
        for (index, memory) in memories.iter().enumerate() {
            let now = memory.data(&store);
            // A memory the host grew reads as zeros beyond the copy.
            let before = self.copies.get(index).map_or(&[][..], Vec::as_slice);
            let differs = |at: usize| {
                let end = (at + BLOCK).min(now.len());
                let old = before.get(at..end.min(before.len())).unwrap_or(&[]);
                now[at..end] != *old || (end > before.len() && now[before.len().max(at)..end].iter().any(|b| *b != 0))
            };
            let mut at = 0;
            while at < now.len() {
                if !differs(at) {
                    at += BLOCK;
                    continue;
                }
                let start = at;
                let mut end = (at + BLOCK).min(now.len());
                while end < now.len() && (differs(end) || (end + BLOCK < now.len() && differs(end + BLOCK))) {
                    end = (end + BLOCK).min(now.len());
                }
                writes.push(MemoryWrite { memory: index as u32, offset: start as u64, bytes: now[start..end].to_vec() });
                at = end;
            }
        }
        writes
    }
}
