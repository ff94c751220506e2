//! Call sequences over the record/replay host API on one store, recording,
//! replaying or with nothing attached, with the caller's mistakes and calls
//! back into the library from host functions and the trace's write callback.
//! See `wasmtime_rr_fuzz::host_api` for the input and the oracle. Seeds:
//! fuzz/corpus/host_api (hand-written; `cargo fuzz fmt host_api FILE` prints
//! one as the script it decodes to).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtime_rr_fuzz::host_api::{Input, check};
use wasmtime_rr_fuzz::memory::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|input: Input| check(&input));
