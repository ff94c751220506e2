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

use std::cell::RefCell;
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

/// The per-thread cache of a map: the entry this thread used last.
pub type LastUsed<T> = LocalKey<RefCell<Option<Arc<Entry<T>>>>>;

/// Values keyed by store. Declare one as a `static` next to a
/// `thread_local!` cache: `static M: StoreMap<V> = StoreMap::new(&CACHE);`.
pub struct StoreMap<T: Send + Sync + 'static> {
    entries: Mutex<BTreeMap<usize, Arc<Entry<T>>>>,
    last: &'static LastUsed<T>,
}

impl<T: Send + Sync + 'static> StoreMap<T> {
    pub const fn new(last: &'static LastUsed<T>) -> StoreMap<T> {
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
    pub fn with<R>(&self, key: usize, body: impl FnOnce(Option<&Arc<Entry<T>>>) -> R) -> R {
        self.last.with(|last| {
            let cached = last.try_borrow().ok();
            if let Some(entry) = cached.as_ref().and_then(|c| c.as_ref()).filter(|e| e.key == key && e.is_live()) {
                return body(Some(entry));
            }
            drop(cached);
            let found = self.entries().get(&key).cloned();
            if let (Some(entry), Ok(mut slot)) = (&found, last.try_borrow_mut()) {
                *slot = Some(entry.clone());
            }
            body(found.as_ref())
        })
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
        let _ = self.last.try_with(|last| {
            if let Ok(mut slot) = last.try_borrow_mut()
                && slot.as_ref().is_some_and(|cached| std::ptr::eq(Arc::as_ptr(cached), entry))
            {
                *slot = None;
            }
        });
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
