//! A global allocator that counts live allocations and the peak of live bytes,
//! so that a fuzz target can check "no leak" and "bounded memory" without a
//! sanitizer (stable Rust has none).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// The system allocator, counted. Install it with `#[global_allocator]`.
pub struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE_BYTES.fetch_add(bytes, Relaxed) + bytes;
    PEAK_BYTES.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            LIVE_BLOCKS.fetch_add(1, Relaxed);
            grew(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            LIVE_BLOCKS.fetch_add(1, Relaxed);
            grew(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        unsafe { System.dealloc(block, layout) };
        LIVE_BLOCKS.fetch_sub(1, Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE_BYTES.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        moved
    }
}

/// What one run of a body did to the heap.
struct Footprint {
    /// Allocations made and not freed.
    left_behind: isize,
    /// The most bytes live at once beyond those live before the run.
    peak: usize,
}

fn measure(body: &dyn Fn()) -> Footprint {
    let blocks = LIVE_BLOCKS.load(Relaxed);
    let bytes = LIVE_BYTES.load(Relaxed);
    PEAK_BYTES.store(bytes, Relaxed);
    body();
    Footprint {
        left_behind: LIVE_BLOCKS.load(Relaxed) - blocks,
        peak: PEAK_BYTES.load(Relaxed).saturating_sub(bytes),
    }
}

/// Runs `body` and panics (a crash for libFuzzer) when it held more than
/// `limit` heap bytes at once, or leaked. A first run may leave allocations
/// behind that belong to lazily built, process-wide state (Wasmtime's and
/// ours); a leak is an allocation still left behind by a second run of the
/// same input, once that state exists. Nothing of one input may outlive its
/// run (no cache keeps a finished session), so frees of an earlier input's
/// leftovers cannot hide a leak of this one.
pub fn check_bounded_and_leak_free(limit: usize, body: impl Fn()) {
    let first = measure(&body);
    assert!(
        first.peak <= limit,
        "held {} bytes of heap at once; the bound is {limit}",
        first.peak
    );
    if first.left_behind > 0 {
        let second = measure(&body);
        assert!(
            second.left_behind <= 0,
            "leak: one run left {} allocations behind",
            second.left_behind
        );
    }
}
