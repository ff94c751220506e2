//! SHA-256 checksums of modules and components created through
//! `wasmtime_rr_module_new` and `wasmtime_rr_component_new`.
//!
//! A compiled module or component does not keep its wasm bytes, so the
//! checksum is taken when it is created and kept here, keyed by the address
//! of its compiled image. The entry holds a clone of it, so that image (and
//! with it the key) stays alive and unique as long as the entry does: a stale
//! entry can never describe another. `wasmtime_rr_module_delete` and
//! `wasmtime_rr_component_delete` remove the entry.

use crate::error::{Result, RrError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use wasmtime::component::Component;
use wasmtime_c_api::wasmtime_module_t;

type Checksum = [u8; 32];

struct Entry {
    /// A clone of the module or component, keeping its image alive.
    _alive: Box<dyn Send>,
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

fn component_key(component: &Component) -> usize {
    component.image_range().start as usize
}

fn insert(key: usize, alive: Box<dyn Send>, wasm: &[u8]) {
    let entry = Entry { _alive: alive, checksum: sha256(wasm) };
    table().lock().unwrap_or_else(|p| p.into_inner()).insert(key, entry);
}

fn remove(key: usize) {
    let removed = table().lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
    drop(removed); // outside the lock: dropping compiled code can take a while
}

fn lookup(key: usize, what: &str, constructor: &str) -> Result<Checksum> {
    table().lock().unwrap_or_else(|p| p.into_inner()).get(&key).map(|entry| entry.checksum).ok_or_else(|| {
        RrError::invalid_argument(format!(
            "the {what}'s checksum is unknown: create {what}s that are recorded or replayed with {constructor}"
        ))
    })
}

pub fn register(module: &wasmtime_module_t, wasm: &[u8]) {
    insert(key(module), wasmtime_c_api::wasmtime_module_clone(module), wasm);
}

pub fn unregister(module: &wasmtime_module_t) {
    remove(key(module));
}

pub fn checksum(module: &wasmtime_module_t) -> Result<Checksum> {
    lookup(key(module), "module", "wasmtime_rr_module_new")
}

pub fn register_component(component: &Component, wasm: &[u8]) {
    insert(component_key(component), Box::new(component.clone()), wasm);
}

pub fn unregister_component(component: &Component) {
    remove(component_key(component));
}

pub fn component_checksum(component: &Component) -> Result<Checksum> {
    lookup(component_key(component), "component", "wasmtime_rr_component_new")
}
