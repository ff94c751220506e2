//! SHA-256 checksums of modules created through `wasmtime_rr_module_new`.
//!
//! A compiled module does not keep its wasm bytes, so the checksum is taken
//! when the module is created and kept here, keyed by the address of the
//! module's compiled image. The entry holds a clone of the module, so that
//! image (and with it the key) stays alive and unique as long as the entry
//! does: a stale entry can never describe another module.
//! `wasmtime_rr_module_delete` removes the entry.

use crate::error::{Result, RrError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use wasmtime_c_api::wasmtime_module_t;

type Checksum = [u8; 32];

struct Entry {
    _alive: Box<wasmtime_module_t>,
    checksum: Checksum,
}

fn table() -> &'static Mutex<HashMap<usize, Entry>> {
    static TABLE: OnceLock<Mutex<HashMap<usize, Entry>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

fn key(module: &wasmtime_module_t) -> usize {
    let (mut start, mut end) = (std::ptr::null(), std::ptr::null());
    wasmtime_c_api::wasmtime_module_image_range(module, &mut start, &mut end);
    start as usize
}

pub fn sha256(bytes: &[u8]) -> Checksum {
    Sha256::digest(bytes).into()
}

pub fn hex(checksum: &Checksum) -> String {
    checksum.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn register(module: &wasmtime_module_t, wasm: &[u8]) {
    let entry = Entry { _alive: wasmtime_c_api::wasmtime_module_clone(module), checksum: sha256(wasm) };
    table().lock().unwrap_or_else(|p| p.into_inner()).insert(key(module), entry);
}

pub fn unregister(module: &wasmtime_module_t) {
    let removed = table().lock().unwrap_or_else(|p| p.into_inner()).remove(&key(module));
    drop(removed); // outside the lock: dropping a module can take a while
}

pub fn checksum(module: &wasmtime_module_t) -> Result<Checksum> {
    table()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key(module))
        .map(|entry| entry.checksum)
        .ok_or_else(|| {
            RrError::invalid_argument(
                "the module's checksum is unknown: create modules that are recorded or replayed \
                 with wasmtime_rr_module_new",
            )
        })
}
