//! Values that belong to one store, found from anywhere the store's context
//! is at hand (a host function's caller, an exported function's argument).
//!
//! The C API's store data is Wasmtime's, with no room for ours, so values are
//! kept in a map keyed by the store's context address (stable for the
//! store's lifetime). Inserting a value also puts a guard into the store, as
//! the captured state of a host function that is never called: when the
//! store is freed the guard's `Drop` removes the entry, so a later store at
//! the same address never finds it. Each map keeps the entry its thread used
//! last, so the hot path (a host call on the store this thread runs) takes no
//! lock.

use std::cell::{Cell, UnsafeCell};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::LocalKey;
use wasmtime::AsContextMut;
use wasmtime_c_api::WasmtimeStoreContextMut;

/// The key of a store: its context address.
pub fn key_of(context: &WasmtimeStoreContextMut<'_>) -> usize {
    // SAFETY: a store context is one pointer to the store (the C API passes it
    // to C as `wasmtime_context_t*`).
    unsafe { std::mem::transmute_copy::<WasmtimeStoreContextMut<'_>, usize>(context) }
}

/// Where a store's data sits in the store: the same for every store (the
/// C API's store type is one type), learned from the first context seen.
static DATA_OFFSET: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(usize::MAX);

/// Learns where the store data sits, so [`key_of_data`] works; called
/// wherever a context passes (attaching a session, setting WASI, adding WASI
/// preview 2, instantiating).
pub fn learn_data_offset(context: &mut WasmtimeStoreContextMut<'_>) {
    let key = key_of(context);
    let data = std::ptr::from_mut(context.data_mut()) as usize;
    DATA_OFFSET.store(data.wrapping_sub(key), Ordering::Relaxed);
}

/// The key of the store that holds this data: what a host function gets
/// when Wasmtime hands it only the data (WASI preview 2's bindings do).
/// `None` before any context was seen.
pub fn key_of_data(data: &wasmtime_c_api::WasmtimeStoreData) -> Option<usize> {
    match DATA_OFFSET.load(Ordering::Relaxed) {
        usize::MAX => None,
        offset => Some((std::ptr::from_ref(data) as usize).wrapping_sub(offset)),
    }
}

/// A value in a [`StoreMap`], with the store it belongs to.
pub struct Entry<T> {
    key: usize,
    live: AtomicBool,
    pub value: T,
}

impl<T> Entry<T> {
    /// False once the entry was removed (its store freed, or taken out).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

/// What one thread used last of a per-store table (a session, a map's
/// entry): the hot path finds it with one thread-local access and no lock or
/// reference count.
///
/// While a caller holds the cached value (a [`Held`], or a body run by
/// [`LastUsed::with`]), the cache is pinned: a lookup
/// nested inside (a host function calling into another store) does not
/// replace it, so the reference the outer body holds stays valid. Replacing
/// or forgetting it drops the old value only after the slot is consistent
/// again, since dropping a session or a context may run host code that looks
/// things up.
pub struct LastUsed<T> {
    slot: UnsafeCell<Option<Arc<T>>>,
    pins: Cell<u32>,
}

impl<T> LastUsed<T> {
    pub const fn new() -> LastUsed<T> {
        LastUsed { slot: UnsafeCell::new(None), pins: Cell::new(0) }
    }

    /// This thread's cache. It lives until the thread's thread-local
    /// destructors run; no table is used from those (a lookup there panics,
    /// as any access to a destroyed thread-local does).
    #[inline(always)]
    pub fn of(key: &'static LocalKey<LastUsed<T>>) -> &'static LastUsed<T> {
        // SAFETY: see above; the cache is only touched by its own thread.
        key.with(|last| unsafe { &*std::ptr::from_ref(last) })
    }

    /// Runs `body` with the cached value if `hit` accepts it, else with what
    /// `find` gives (then cached, unless a body up the stack pins the cache).
    #[inline(always)]
    pub fn with<R>(
        &'static self,
        hit: impl FnOnce(&T) -> bool,
        find: impl FnOnce() -> Option<Arc<T>>,
        body: impl FnOnce(Option<&Arc<T>>) -> R,
    ) -> R {
        let held = self.get(hit, find);
        body(held.as_deref())
    }

    /// The cached value if `hit` accepts it (pinned while held), else what
    /// `find` gives (then cached, unless something holds the cache pinned).
    /// The hot paths use this rather than [`with`](Self::with): no closure
    /// environment is built and moved per call.
    #[inline(always)]
    pub fn get(&'static self, hit: impl FnOnce(&T) -> bool, find: impl FnOnce() -> Option<Arc<T>>) -> Option<Held<T>> {
        // SAFETY: the slot changes only in `keep` and `forget`, on this
        // thread, never while pinned; this borrow is pinned before use.
        let cached = unsafe { &*self.slot.get() };
        if let Some(value) = cached.as_ref().filter(|value| hit(value)) {
            return Some(Held(HeldValue::Cached { value, _pin: Pin::new(&self.pins) }));
        }
        let found = find()?;
        self.keep(&found);
        Some(Held(HeldValue::Found(found)))
    }

    /// Caches `value`, unless the cache is pinned.
    #[inline(never)]
    fn keep(&self, value: &Arc<T>) {
        if self.pins.get() == 0 {
            // SAFETY: not pinned, so no reference into the slot is held.
            let old = unsafe { (*self.slot.get()).replace(value.clone()) };
            drop(old);
        }
    }

    /// Lets go of `value` if it is cached and not pinned (a pinned one is
    /// let go at the next miss after its body ends; callers mark it dead
    /// first, so it is never a hit again).
    pub fn forget(&self, value: *const T) {
        // SAFETY: as in `keep`.
        if self.pins.get() == 0 && unsafe { &*self.slot.get() }.as_ref().is_some_and(|v| std::ptr::eq(Arc::as_ptr(v), value)) {
            let old = unsafe { (*self.slot.get()).take() };
            drop(old);
        }
    }
}

/// A value of a [`LastUsed`] cache, held by the code using it: the cached
/// one (the cache pinned meanwhile), or one just found. Not `Send`: it
/// belongs to the thread whose cache it came from. The cached reference is
/// valid only while the pin is held, so it is never handed out for longer
/// than a borrow of the `Held`.
pub struct Held<T: 'static>(HeldValue<T>);

enum HeldValue<T: 'static> {
    /// The pin is held for its `Drop`, which unpins the cache.
    Cached { value: &'static Arc<T>, _pin: Pin<'static> },
    Found(Arc<T>),
}

impl<T> std::ops::Deref for Held<T> {
    type Target = Arc<T>;

    #[inline(always)]
    fn deref(&self) -> &Arc<T> {
        match &self.0 {
            HeldValue::Cached { value, .. } => value,
            HeldValue::Found(value) => value,
        }
    }
}

/// Marks a cache pinned while a body runs (unwinding included).
struct Pin<'a>(&'a Cell<u32>);

impl<'a> Pin<'a> {
    #[inline(always)]
    fn new(pins: &'a Cell<u32>) -> Pin<'a> {
        pins.set(pins.get() + 1);
        Pin(pins)
    }
}

impl Drop for Pin<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

/// Values keyed by store. Declare one as a `static` next to a
/// `thread_local!` cache: `static M: StoreMap<V> = StoreMap::new(&CACHE);`.
pub struct StoreMap<T: Send + Sync + 'static> {
    entries: Mutex<BTreeMap<usize, Arc<Entry<T>>>>,
    last: &'static LocalKey<LastUsed<Entry<T>>>,
}

impl<T: Send + Sync + 'static> StoreMap<T> {
    pub const fn new(last: &'static LocalKey<LastUsed<Entry<T>>>) -> StoreMap<T> {
        StoreMap { entries: Mutex::new(BTreeMap::new()), last }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Arc<Entry<T>>>> {
        // Nothing runs user code under this lock, so a poisoned one still
        // holds a consistent map.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `body` with the live entry of the store with this key, if any.
    /// The entry this thread used last is borrowed without touching a
    /// reference count.
    #[inline(always)]
    pub fn with<R>(&self, key: usize, body: impl FnOnce(Option<&Arc<Entry<T>>>) -> R) -> R {
        LastUsed::of(self.last).with(|entry| entry.key == key && entry.is_live(), || self.find(key), body)
    }

    #[inline(never)]
    fn find(&self, key: usize) -> Option<Arc<Entry<T>>> {
        self.entries().get(&key).cloned()
    }

    /// The live entry of the store with this key, if any.
    pub fn get(&self, key: usize) -> Option<Arc<Entry<T>>> {
        self.with(key, |entry| entry.cloned())
    }

    /// Adds a value for a store, which must have none yet; it is removed
    /// when the store is freed (or by [`StoreMap::remove`]).
    pub fn insert(&'static self, mut context: WasmtimeStoreContextMut<'_>, value: T) -> Arc<Entry<T>> {
        let key = key_of(&context);
        let entry = Arc::new(Entry { key, live: AtomicBool::new(true), value });
        let guard = Removal { map: self, entry: entry.clone() };
        // The store owns this closure (and so the guard) until it is freed.
        let _ = wasmtime::Func::wrap(context.as_context_mut(), move || {
            let _ = &guard;
        });
        self.entries().insert(key, entry.clone());
        entry
    }

    /// Takes an entry out; `false` if it was gone already. Every thread's
    /// cache lets go of it: this one now, the others at their next lookup.
    pub fn remove(&self, entry: &Entry<T>) -> bool {
        if !entry.live.swap(false, Ordering::AcqRel) {
            return false;
        }
        let removed = {
            let mut entries = self.entries();
            match entries.get(&entry.key) {
                Some(current) if std::ptr::eq(Arc::as_ptr(current), entry) => entries.remove(&entry.key),
                _ => None,
            }
        };
        let _ = self.last.try_with(|last| last.forget(entry));
        // Dropped outside the lock: dropping a value may run host code.
        drop(removed);
        true
    }
}

/// Owned by the store: removes its entry when the store is freed.
struct Removal<T: Send + Sync + 'static> {
    map: &'static StoreMap<T>,
    entry: Arc<Entry<T>>,
}

impl<T: Send + Sync + 'static> Drop for Removal<T> {
    fn drop(&mut self) {
        self.map.remove(&self.entry);
    }
}

/// State that belongs to one store, borrowed by the thread using the store.
///
/// The C API's contract is that a store is used by one thread at a time
/// (Wasmtime's `Store` is `Send` but not `Sync`; handing a store to another
/// thread synchronizes), so this needs no lock, and no atomic operation on
/// the hot path. A flag catches the one overlap that can happen on a single
/// thread: re-entry (a trace callback calling back into the library for the
/// same store), which gets `None` instead of a second borrow.
pub struct StoreCell<T> {
    busy: std::cell::Cell<bool>,
    value: std::cell::UnsafeCell<T>,
}

// SAFETY: only the thread using the store borrows the value, one thread at a
// time by the C API's contract for stores; `borrow` refuses overlapping
// borrows on that thread.
unsafe impl<T: Send> Sync for StoreCell<T> {}

impl<T> StoreCell<T> {
    pub fn new(value: T) -> StoreCell<T> {
        StoreCell { busy: std::cell::Cell::new(false), value: std::cell::UnsafeCell::new(value) }
    }

    /// The value for as long as the caller says, unless it is borrowed now.
    ///
    /// # Safety
    /// No [`StoreCell::borrow`] of this cell may happen while the result is
    /// used, and the cell must outlive it.
    pub unsafe fn borrow_unguarded<'a>(&self) -> Option<&'a mut T> {
        match self.busy.get() {
            true => None,
            // SAFETY: not borrowed now; the caller keeps it so.
            false => Some(unsafe { &mut *self.value.get() }),
        }
    }

    /// The value, unless it is borrowed already (re-entry).
    #[inline]
    pub fn borrow(&self) -> Option<StoreRef<'_, T>> {
        if self.busy.replace(true) {
            return None;
        }
        Some(StoreRef { cell: self })
    }
}

/// An exclusive borrow of a [`StoreCell`]'s value.
pub struct StoreRef<'a, T> {
    cell: &'a StoreCell<T>,
}

impl<T> std::ops::Deref for StoreRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the busy flag makes this the only borrow.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> std::ops::DerefMut for StoreRef<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the busy flag makes this the only borrow.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for StoreRef<'_, T> {
    fn drop(&mut self) {
        self.cell.busy.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached value that, when dropped, looks something up in the cache it
    /// was in (as closing a session may run host code that does).
    struct Value {
        key: usize,
        cache: &'static LocalKey<LastUsed<Value>>,
    }

    impl Drop for Value {
        fn drop(&mut self) {
            // (At thread exit the cache is gone before its value.)
            let seen = self.cache.try_with(|_| LastUsed::of(self.cache).with(|_| true, || None, |value| value.map(|v| v.key)));
            assert_ne!(seen, Ok(Some(self.key)), "dropped while still cached");
        }
    }

    thread_local! {
        static CACHE: LastUsed<Value> = const { LastUsed::new() };
        /// How many values lookups made (each miss makes one).
        static MADE: Cell<usize> = const { Cell::new(0) };
    }

    fn lookup<R>(key: usize, body: impl FnOnce(Option<&Arc<Value>>) -> R) -> R {
        let make = || {
            MADE.set(MADE.get() + 1);
            Some(Arc::new(Value { key, cache: &CACHE }))
        };
        LastUsed::of(&CACHE).with(|v| v.key == key, make, body)
    }

    #[test]
    fn a_pinned_value_outlives_nested_lookups_and_drops_after_the_slot_is_consistent() {
        let first = lookup(1, |v| Arc::as_ptr(v.unwrap()));
        assert_eq!(lookup(1, |v| Arc::as_ptr(v.unwrap())), first, "a hit is the cached value");
        lookup(1, |outer| {
            let outer = outer.unwrap();
            // A nested miss (another store) runs with its own value and does
            // not replace the one the outer body holds.
            assert_eq!(lookup(2, |v| v.unwrap().key), 2);
            CACHE.with(|cache| cache.forget(Arc::as_ptr(outer)));
            assert_eq!(outer.key, 1);
            assert_eq!(Arc::strong_count(outer), 1, "still only the cache's");
        });
        assert_eq!(lookup(1, |v| Arc::as_ptr(v.unwrap())), first, "forgetting a pinned value waits");
        // A miss replaces the value; its drop looks into the cache again.
        assert_eq!(lookup(3, |v| v.unwrap().key), 3);
        CACHE.with(|cache| cache.forget(first));
        assert_eq!(lookup(3, |v| v.map(|v| v.key)), Some(3), "forgetting another value keeps this one");
        let (third, made) = (lookup(3, |v| Arc::as_ptr(v.unwrap())), MADE.get());
        CACHE.with(|cache| cache.forget(third));
        assert_eq!(lookup(3, |v| v.unwrap().key), 3);
        assert_eq!(MADE.get(), made + 1, "forgotten, then found anew");
        // A body that panics unpins the cache.
        let panicked = std::panic::catch_unwind(|| lookup(3, |_| panic!("in a body")));
        assert!(panicked.is_err());
        assert_eq!(lookup(4, |v| v.unwrap().key), 4);
        assert_eq!(CACHE.with(|cache| cache.pins.get()), 0);
    }
}
