//! The environment switch in the C API: recording (`WASMTIME_RR_RECORD`) or
//! replaying (`WASMTIME_RR_REPLAY`) an unmodified program. The interposer
//! `libwasmtime_rr_preload.so` calls these when an engine or a store is made;
//! a host may call them too, to honour the switch with the RR-aware names.

use crate::error::Result;
use crate::ffi::boundary::{guard, guard_value};
use crate::ffi::config::{RrMode, WASMTIME_RR_MODE_NONE, WASMTIME_RR_MODE_RECORDING, WASMTIME_RR_MODE_REPLAYING, enforce_determinism, set_mode, wasmtime_rr_mode_t};
use crate::ffi::handles::{self, wasmtime_context_t};
use crate::ffi::sinks;
use crate::rr::env::{self, Switch};
use crate::trace::Settings;
use wasmtime::AsContext;
use wasmtime_c_api::{wasm_config_t, wasmtime_error_t};

/// Returns the mode the environment asks for.
///
/// `WASMTIME_RR_MODE_RECORDING` when `WASMTIME_RR_RECORD` names a trace
/// file, `WASMTIME_RR_MODE_REPLAYING` when `WASMTIME_RR_REPLAY` does,
/// `WASMTIME_RR_MODE_NONE` when neither is set (or both are: then a warning
/// goes to stderr once). The environment is read once per process.
///
/// \return the mode.
///
/// Cannot fail. Cannot abort.
///
/// Example:
/// \code
/// if (wasmtime_rr_env_mode() == WASMTIME_RR_MODE_RECORDING) puts("recording");
/// \endcode
#[unsafe(no_mangle)]
pub extern "C" fn wasmtime_rr_env_mode() -> wasmtime_rr_mode_t {
    guard_value("wasmtime_rr_env_mode", WASMTIME_RR_MODE_NONE, || match env::switch() {
        Switch::Off => WASMTIME_RR_MODE_NONE,
        Switch::Record(_) => WASMTIME_RR_MODE_RECORDING,
        Switch::Replay(_) => WASMTIME_RR_MODE_REPLAYING,
    })
}

/// Makes a config record or replay as the environment asks.
///
/// When the environment switch is on, sets the config's record/replay mode
/// and enforces determinism on it (`wasm_config_enforce_determinism`);
/// otherwise leaves it unchanged. Build the engine with
/// `wasm_engine_new_checked`: a config that opts out of determinism then
/// gives an error instead of an abort.
///
/// \param config the config; borrowed.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
/// `config`, and `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` without record/replay
/// compiled in.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasm_config_t *config = wasm_config_new();
/// wasmtime_error_t *err = wasmtime_rr_env_config(config);
/// if (!err) err = wasm_engine_new_checked(config, &engine);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_env_config(config: *mut wasm_config_t) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_env_config", || {
        let config = unsafe { handles::config_mut(config, "config") }?;
        let mode = match env::switch() {
            Switch::Off => return Ok(()),
            Switch::Record(_) => RrMode::Recording,
            Switch::Replay(_) => RrMode::Replaying,
        };
        set_mode(config, mode)?;
        enforce_determinism(config);
        Ok(())
    })
}

/// Attaches the environment's recorder or replayer to a new store.
///
/// When the environment switch is on and the store's engine records
/// (replays), the store records into (replays from) its trace file: the
/// first store so attached uses the path in the variable, the next ones the
/// path followed by `.1`, `.2`, ... in creation order. Such a recording
/// captures the host's raw memory writes (`WASMTIME_RR_SHADOW=0` turns that
/// off), hands everything to its file when each call into the guest returns,
/// and ends normally when the store is freed or the process exits; such a
/// replay writes the guest's recorded WASI output to this process's stdout
/// and stderr (`WASMTIME_RR_ECHO=0` turns that off) and, if it still has
/// events at the end, says so on stderr. Otherwise does nothing.
///
/// \param context the new store.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
/// `context` or a store that has a recorder or replayer already,
/// `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the trace file cannot be created or
/// opened, and `WASMTIME_RR_ERROR_KIND_TRACE_FORMAT` for a file that is no
/// valid trace.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
/// wasmtime_error_t *err = wasmtime_rr_env_attach(wasmtime_store_context(store));
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_env_attach(context: *mut wasmtime_context_t) -> *mut wasmtime_error_t {
    guard("wasmtime_rr_env_attach", || {
        let context = unsafe { handles::context(context, "context") }?;
        attach(context)
    })
}

fn attach(context: wasmtime_c_api::WasmtimeStoreContextMut<'_>) -> Result<()> {
    let engine = context.as_context().engine().clone();
    match env::switch() {
        Switch::Record(base) if engine.is_recording() => {
            let path = env::next_path(base);
            let settings = Settings { shadow: env::shadow(), ..Settings::default() };
            let recorder = sinks::file_recorder(&path, settings)?;
            env::finish_at_exit()?;
            sinks::record_into(context, recorder, Some(path.display().to_string()))
        }
        Switch::Replay(base) if engine.is_replaying() => {
            let path = env::next_path(base);
            let replayer = sinks::file_replayer(&path)?;
            env::finish_at_exit()?;
            sinks::replay_from(context, replayer, Some(path.display().to_string()))
        }
        _ => Ok(()),
    }
}
