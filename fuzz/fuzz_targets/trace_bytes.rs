//! Arbitrary bytes as a trace: given to the reader, to `inspect` and to a
//! replay of the test guest. See `check_trace` for the oracle. Seeds: valid
//! traces of the guest and hand-made edge cases (fuzz/corpus/trace_bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtime_rr_fuzz::{memory::Counting, traces::check_trace};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|bytes: &[u8]| check_trace(bytes));
