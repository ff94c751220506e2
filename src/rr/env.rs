//! The environment switch: `WASMTIME_RR_RECORD=PATH` records, and
//! `WASMTIME_RR_REPLAY=PATH` replays, every store an unmodified program
//! creates. Stores are numbered in creation order: store 0 uses `PATH`, store
//! N uses `PATH.N`. The interposer (`libwasmtime_rr_preload.so`) routes the
//! stock C API names through the exported `wasmtime_rr_env_*` functions and
//! the RR-aware variants; this module holds the switch's state.

use crate::error::{Result, RrError};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the environment asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Switch {
    Off,
    Record(PathBuf),
    Replay(PathBuf),
}

/// The switch, read once per process.
pub fn switch() -> &'static Switch {
    static SWITCH: OnceLock<Switch> = OnceLock::new();
    SWITCH.get_or_init(|| {
        let get = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        match (get("WASMTIME_RR_RECORD"), get("WASMTIME_RR_REPLAY")) {
            (None, None) => Switch::Off,
            (Some(path), None) => Switch::Record(path),
            (None, Some(path)) => Switch::Replay(path),
            (Some(_), Some(_)) => {
                eprintln!("wasmtime-rr: WASMTIME_RR_RECORD and WASMTIME_RR_REPLAY are both set: neither is used");
                Switch::Off
            }
        }
    })
}

/// Whether the host's raw memory writes are captured (default on, since an
/// unmodified host writes through raw pointers; `WASMTIME_RR_SHADOW=0`
/// turns it off).
pub fn shadow() -> bool {
    std::env::var_os("WASMTIME_RR_SHADOW").is_none_or(|v| v != "0")
}

/// The trace path of the next store: `PATH`, then `PATH.1`, `PATH.2`, ...
pub fn next_path(base: &std::path::Path) -> PathBuf {
    static STORES: AtomicU64 = AtomicU64::new(0);
    match STORES.fetch_add(1, Ordering::Relaxed) {
        0 => base.to_path_buf(),
        n => {
            let mut path = base.as_os_str().to_owned();
            path.push(format!(".{n}"));
            PathBuf::from(path)
        }
    }
}

/// Finishes, at process exit, the sessions the switch attached, so a
/// program that never frees its stores still leaves whole traces (and a
/// replay that ended early says so).
pub fn finish_at_exit() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let registered = *REGISTERED.get_or_init(|| {
        extern "C" fn at_exit() {
            let _ = std::panic::catch_unwind(crate::rr::session::finish_all_at_exit);
        }
        // SAFETY: registering a function without arguments to run at exit.
        unsafe { libc::atexit(at_exit) == 0 }
    });
    match registered {
        true => Ok(()),
        false => Err(RrError::invalid_argument("cannot register the exit handler that finishes traces")),
    }
}
