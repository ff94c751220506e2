//! The checks every fuzzed trace goes through (read, inspected, replayed
//! with the core guest and with the three components), and the re-sealing that lets
//! mutated payloads past the CRC checks.

use crate::memory::check_bounded_and_leak_free;
use std::io::Cursor;
use std::sync::OnceLock;
use wasmtime_rr::error::{ErrorKind, Result};
use wasmtime_rr::tools::standalone::Standalone;
use wasmtime_rr::trace::TraceReader;

/// The guest the test suite records (tests/c/test_replay.c): the seeds of
/// `trace_mutate` are its traces.
pub const GUEST_WAT: &str = include_str!("../../tests/guests/replay_guest.wat");

/// The component the test suite records (tests/c/test_components.c), as the
/// text it is compiled from (its traces' checksum is over these bytes).
pub const COMPONENT_WAT: &str = include_str!("../../tests/guests/components/values.wat");

/// The WASI preview 2 component the test suite records
/// (tests/c/test_components.c): replays of its traces go through the
/// RR-aware WASI preview 2 functions.
pub const WASIP2_WAT: &str = include_str!("../../tests/guests/components/wasip2.wat");

/// The component with resources the host defines and makes
/// (tests/c/test_host_resources.c): replays of its traces make the host's
/// resources again and serve its destructor.
pub const COUNTER_WAT: &str = include_str!("../../tests/guests/components/counter.wat");

/// Heap a trace check may hold at once beyond the input's own copies: the
/// engine, module and store of a replay plus the decoder's buffers. A trace
/// that claims a 4 GiB payload must stay under it.
const HEAP_LIMIT: usize = 64 << 20;

/// The guest compiled once for replay; libFuzzer runs targets on one thread.
struct Shared(Standalone);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

fn standalone() -> &'static Standalone {
    static GUEST: OnceLock<Shared> = OnceLock::new();
    &GUEST
        .get_or_init(|| {
            let wasm = wat::parse_str(GUEST_WAT).expect("the guest parses");
            Shared(Standalone::new(&wasm).expect("the guest compiles"))
        })
        .0
}

fn component_standalone() -> &'static Standalone {
    static COMPONENT: OnceLock<Shared> = OnceLock::new();
    &COMPONENT
        .get_or_init(|| Shared(Standalone::new_component(COMPONENT_WAT.as_bytes()).expect("the component compiles")))
        .0
}

fn wasip2_standalone() -> &'static Standalone {
    static COMPONENT: OnceLock<Shared> = OnceLock::new();
    &COMPONENT
        .get_or_init(|| Shared(Standalone::new_component(WASIP2_WAT.as_bytes()).expect("the component compiles")))
        .0
}

fn counter_standalone() -> &'static Standalone {
    static COMPONENT: OnceLock<Shared> = OnceLock::new();
    &COMPONENT
        .get_or_init(|| Shared(Standalone::new_component(COUNTER_WAT.as_bytes()).expect("the component compiles")))
        .0
}

/// Reads every event; the number of events, or the reader's error.
fn read_all(bytes: &[u8]) -> Result<u64> {
    let mut reader = TraceReader::new(Box::new(Cursor::new(bytes.to_vec())))?;
    let mut events = 0;
    while reader.next()?.is_some() {
        events += 1;
    }
    Ok(events)
}

/// `wasmtime-rr inspect`, listing into nothing.
fn inspect(bytes: &[u8]) -> Result<()> {
    let mut reader = TraceReader::new(Box::new(Cursor::new(bytes.to_vec())))?;
    wasmtime_rr::tools::inspect::inspect(&mut reader, &mut std::io::sink(), &mut |_| {})
}

/// `wasmtime-rr replay` of the guest (or of the component), fed through the
/// C API's byte replayer.
fn replay(program: &Standalone, bytes: &[u8]) -> Result<u64> {
    program.replay_bytes(bytes, &mut std::io::sink(), &mut |_| {}).map(|replayed| replayed.events)
}

/// The oracle of both trace targets. The reader, `inspect` and a replay of
/// the guest each end in a clean result or an error object, never a panic
/// (libFuzzer's panic hook turns one into a crash), never a hang (libFuzzer's
/// `-timeout`), never more than `HEAP_LIMIT` of heap at once, never a leak.
/// Their verdicts agree: the reader and `inspect` fail with the same error,
/// the reader only ever reports a bad trace, and a replay can match only a
/// trace the reader accepts.
pub fn check_trace(bytes: &[u8]) {
    standalone();
    component_standalone();
    wasip2_standalone();
    counter_standalone();
    check_bounded_and_leak_free(HEAP_LIMIT + 4 * bytes.len(), || {
        let read = read_all(bytes);
        let listed = inspect(bytes);
        match (&read, &listed) {
            (Ok(_), Ok(())) => {}
            (Err(a), Err(b)) => assert_eq!(a.message(), b.message(), "reader and inspect disagree"),
            _ => panic!("reader ({read:?}) and inspect ({listed:?}) disagree"),
        }
        if let Err(error) = &read {
            assert_eq!(
                error.kind(),
                ErrorKind::TraceFormat,
                "the reader's error: {}",
                error.message()
            );
        }
        for program in [standalone(), component_standalone(), wasip2_standalone(), counter_standalone()] {
            match replay(program, bytes) {
                Ok(_) => assert!(
                    read.is_ok(),
                    "a replay matched a trace the reader refuses: {read:?}"
                ),
                Err(error) => {
                    assert_ne!(error.kind(), ErrorKind::Panic, "{}", error.message());
                    assert!(!error.message().is_empty());
                }
            }
        }
    });
}

/// Reads a uleb at `at`; its value and the position after it.
fn uleb(bytes: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

/// Overwrites the CRC-32 stored after `covered` with the right one, when the
/// bytes reach that far.
fn seal(bytes: &mut [u8], covered: std::ops::Range<usize>) -> Option<()> {
    let crc = crc32fast::hash(bytes.get(covered.clone())?);
    bytes
        .get_mut(covered.end..covered.end.checked_add(4)?)?
        .copy_from_slice(&crc.to_le_bytes());
    Some(())
}

/// Recomputes the header's and every frame's CRC-32 (docs/trace-format.md),
/// as far as the framing can be followed, so that a mutation of a valid trace
/// reaches the event decoder and the replay instead of the checksum test.
pub fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let _ = reseal_in_place(&mut bytes);
    bytes
}

fn reseal_in_place(bytes: &mut [u8]) -> Option<()> {
    const MAGIC: usize = 8;
    let (_, at) = uleb(bytes, MAGIC)?; // format version
    let (version_len, at) = uleb(bytes, at)?;
    // Lengths come from mutated bytes: every sum is checked.
    let at = at.checked_add(usize::try_from(version_len).ok()?)?.checked_add(1)?; // version, flags
    let (_, body_end) = uleb(bytes, at)?; // event window
    seal(bytes, MAGIC..body_end)?;
    let mut at = body_end.checked_add(4)?;
    while at < bytes.len() {
        let (len, payload) = uleb(bytes, at)?;
        let end = payload.checked_add(usize::try_from(len).ok()?)?;
        seal(bytes, payload..end)?;
        at = end.checked_add(4)?;
    }
    Some(())
}
