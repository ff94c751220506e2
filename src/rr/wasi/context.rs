//! The WASI context of each store whose engine records or replays, and the
//! deterministic clocks and random source a `wasi_config_t` can be given.
//!
//! The stock `wasmtime_context_set_wasi` keeps the context in the C API's
//! store data, in a field this library cannot reach; the RR-aware definitions
//! therefore keep it here, one per store, dropped with the store.

use crate::rr::stores::{Entry, LastUsed, StoreCell, StoreMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wasmtime_c_api::WasmtimeStoreContextMut;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// A store's WASI context: used by the thread using the store, never
/// borrowed twice (a WASI function cannot call back into WASI).
pub struct WasiSlot(StoreCell<WasiP1Ctx>);

thread_local! {
    static LAST: LastUsed<Entry<WasiSlot>> = const { LastUsed::new() };
}
static SLOTS: StoreMap<WasiSlot> = StoreMap::new(&LAST);

/// Gives a store its WASI context, replacing an earlier one (as the stock
/// `wasmtime_context_set_wasi` does).
pub fn set(mut context: WasmtimeStoreContextMut<'_>, ctx: WasiP1Ctx) {
    crate::rr::stores::learn_data_offset(&mut context);
    let key = crate::rr::stores::key_of(&context);
    match SLOTS.get(key).as_ref().and_then(|entry| entry.value.0.borrow()) {
        Some(mut slot) => *slot = ctx,
        None => drop(SLOTS.insert(context, WasiSlot(StoreCell::new(ctx)))),
    }
}

/// The WASI context of the store that holds `data`, for WASI preview 2's
/// bindings, which get only the store data and keep what they get for one
/// call.
///
/// # Safety
/// `data` is the data of a live store, used by this thread; the result is
/// dropped before anything else uses the store's context (a WASI function
/// does not call back into the host).
pub unsafe fn for_data<'a>(data: &'a mut wasmtime_c_api::WasmtimeStoreData) -> Option<&'a mut WasiP1Ctx> {
    let key = crate::rr::stores::key_of_data(data)?;
    // The entry lives as long as the store (the store owns a guard holding
    // it), so as long as `data` is borrowed.
    SLOTS.with(key, |entry| entry.and_then(|entry| unsafe { entry.value.0.borrow_unguarded() }))
}

/// Runs `body` with the WASI context of the store with this key, if it has one.
pub fn with<R>(key: usize, body: impl FnOnce(Option<&mut WasiP1Ctx>) -> R) -> R {
    SLOTS.with(key, |entry| match entry.and_then(|entry| entry.value.0.borrow()) {
        Some(mut ctx) => body(Some(&mut ctx)),
        None => body(None),
    })
}

/// A clock that starts at `start` nanoseconds and advances `step`
/// nanoseconds after every reading: the same readings on every run.
pub struct SteppingClock {
    next: AtomicU64,
    step: u64,
}

impl SteppingClock {
    pub fn new(start: u64, step: u64) -> SteppingClock {
        SteppingClock { next: AtomicU64::new(start), step }
    }

    fn read(&self) -> u64 {
        // fetch_update never fails with a closure that always returns Some.
        self.next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| Some(now.saturating_add(self.step)))
            .unwrap_or_default()
    }
}

impl HostWallClock for SteppingClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(self.step.max(1))
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.read())
    }
}

impl HostMonotonicClock for SteppingClock {
    fn resolution(&self) -> u64 {
        self.step.max(1)
    }

    fn now(&self) -> u64 {
        self.read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stepping_clock_reads_the_same_on_every_run() {
        let run = || {
            let clock = SteppingClock::new(1_000, 250);
            (0..4).map(|_| HostMonotonicClock::now(&clock)).collect::<Vec<_>>()
        };
        assert_eq!(run(), vec![1_000, 1_250, 1_500, 1_750]);
        assert_eq!(run(), run());
        let wall = SteppingClock::new(u64::MAX - 1, 5);
        assert_eq!(HostWallClock::now(&wall), Duration::from_nanos(u64::MAX - 1));
        assert_eq!(HostWallClock::now(&wall), Duration::from_nanos(u64::MAX), "saturates, never wraps");
        assert_eq!(HostWallClock::resolution(&SteppingClock::new(0, 0)), Duration::from_nanos(1));
    }
}
