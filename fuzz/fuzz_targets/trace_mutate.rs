//! Mutations of valid recorded traces, re-sealed (every CRC recomputed) so
//! that they reach the event decoder and the replay rather than stopping at
//! the checksum test. Seeds: traces the test suite records of the guest
//! (tests/c/test_replay.c with WASMTIME_RR_SEED_DIR; fuzz/corpus/trace_mutate).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtime_rr_fuzz::{memory::Counting, traces};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fuzz_target!(|bytes: &[u8]| traces::check_trace(&traces::reseal(bytes.to_vec())));
