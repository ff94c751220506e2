//! Engine creation that reports an invalid config instead of aborting, and
//! queries of what an engine was built with.

use crate::ffi::boundary::{self, Out};
use crate::ffi::config::{self, RrMode, wasmtime_rr_mode_t};
use crate::ffi::handles;
use wasmtime::Engine;
use wasmtime_c_api::{wasm_config_t, wasm_engine_t, wasmtime_error_t};

/// Builds an engine from a config, returning an error instead of aborting.
///
/// The checked counterpart of `wasm_engine_new_with_config`, which aborts the
/// host process when Wasmtime rejects the config (for example recording with
/// NaN canonicalization explicitly disabled). The engine is an ordinary
/// `wasm_engine_t`: use it with every C API function, free it with
/// `wasm_engine_delete`. Like the stock constructor, it initializes Wasmtime's
/// logger from `WASMTIME_LOG` on first use.
///
/// Ownership of `config`: on success the config is consumed (freed; do not use
/// or delete it again). On failure nothing is consumed: the caller still owns
/// the unchanged config and may fix it and retry, or free it with
/// `wasm_config_delete`.
///
/// \param config the config to build from; consumed only on success.
/// \param engine_out where the new engine is written, only on success; on
/// failure it is left untouched. The caller owns the engine.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_INVALID_CONFIG` (Wasmtime's message) when
/// Wasmtime rejects the config, and `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when
/// `config` or `engine_out` is NULL.
///
/// Never aborts: a panic is caught and returned as
/// `WASMTIME_RR_ERROR_KIND_PANIC`.
///
/// Example:
/// \code
/// wasm_engine_t *engine = NULL;
/// wasmtime_error_t *err = wasm_engine_new_checked(config, &engine);
/// if (err) { report(err); wasmtime_error_delete(err); wasm_config_delete(config); } // still ours
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_new_checked(
    config: *mut wasm_config_t,
    engine_out: *mut *mut wasm_engine_t,
) -> *mut wasmtime_error_t {
    boundary::guard("wasm_engine_new_checked", || {
        let settings = unsafe { handles::config_ref(config, "config") }?;
        let out = unsafe { boundary::out(engine_out, "engine_out") }?;
        init_logging();
        let engine = config::build_engine(settings)?;
        // Consume only once nothing can fail any more.
        unsafe { handles::config_delete(config) };
        out.write(handles::engine_into_raw(engine));
        Ok(())
    })
}

/// The stock constructor starts Wasmtime's logger (`WASMTIME_LOG`); a host that
/// switches to the checked one should see the same logs.
fn init_logging() {
    #[cfg(feature = "full")]
    drop(env_logger::try_init());
}

/// Shared shell of the engine queries: checks both pointers, answers, and
/// writes the answer only on success.
fn query<T>(
    function: &'static str,
    engine: *const wasm_engine_t,
    out: *mut T,
    answer: impl FnOnce(&Engine) -> T,
) -> *mut wasmtime_error_t {
    boundary::guard(function, || {
        let engine = unsafe { handles::engine_ref(engine, "engine") }?;
        let out: Out<T> = unsafe { boundary::out(out, "out") }?;
        out.write(answer(engine));
        Ok(())
    })
}

/// Reports whether an engine records.
///
/// \param engine the engine to ask; borrowed.
/// \param out receives `true` when the engine was built with recording on;
/// written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
/// NULL. Never aborts.
///
/// Example:
/// \code
/// bool recording = false;
/// wasmtime_error_t *err = wasm_engine_is_recording(engine, &recording);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_is_recording(
    engine: *const wasm_engine_t,
    out: *mut bool,
) -> *mut wasmtime_error_t {
    query("wasm_engine_is_recording", engine, out, Engine::is_recording)
}

/// Reports whether an engine replays.
///
/// \param engine the engine to ask; borrowed.
/// \param out receives `true` when the engine was built with replaying on;
/// written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
/// NULL. Never aborts.
///
/// Example:
/// \code
/// bool replaying = false;
/// wasmtime_error_t *err = wasm_engine_is_replaying(engine, &replaying);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_is_replaying(
    engine: *const wasm_engine_t,
    out: *mut bool,
) -> *mut wasmtime_error_t {
    query("wasm_engine_is_replaying", engine, out, Engine::is_replaying)
}

/// Reports the record/replay mode an engine was built with.
///
/// \param engine the engine to ask; borrowed.
/// \param out receives `WASMTIME_RR_MODE_NONE`, `WASMTIME_RR_MODE_RECORDING`
/// or `WASMTIME_RR_MODE_REPLAYING`; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or
/// `out` is NULL. Never aborts.
///
/// Example:
/// \code
/// wasmtime_rr_mode_t mode;
/// wasmtime_error_t *err = wasm_engine_rr_mode(engine, &mode);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_rr_mode(
    engine: *const wasm_engine_t,
    out: *mut wasmtime_rr_mode_t,
) -> *mut wasmtime_error_t {
    query("wasm_engine_rr_mode", engine, out, |e| RrMode::of_engine(e).to_raw())
}

/// Reports whether an engine's compiler canonicalizes NaNs.
///
/// Reads the effective setting (`Engine::get_cranelift_nan_canonicalization`),
/// not what was asked for: a recording engine whose config left the setting at
/// its default reports `false`, because Wasmtime does not turn it on for you.
/// An engine without a compiler reports `false` (it compiles nothing).
///
/// \param engine the engine to ask; borrowed.
/// \param out receives the setting; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
/// NULL. Never aborts.
///
/// Example:
/// \code
/// bool canonical = false;
/// wasmtime_error_t *err = wasm_engine_nan_canonicalization(engine, &canonical);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_nan_canonicalization(
    engine: *const wasm_engine_t,
    out: *mut bool,
) -> *mut wasmtime_error_t {
    query("wasm_engine_nan_canonicalization", engine, out, |e| {
        e.get_cranelift_nan_canonicalization().unwrap_or(false)
    })
}

/// Reports whether an engine runs relaxed SIMD deterministically.
///
/// Reads the effective setting (`Engine::get_relaxed_simd_deterministic`): a
/// recording engine whose config left it at its default reports `false`.
///
/// \param engine the engine to ask; borrowed.
/// \param out receives the setting; written only on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
/// NULL. Never aborts.
///
/// Example:
/// \code
/// bool deterministic = false;
/// wasmtime_error_t *err = wasm_engine_relaxed_simd_deterministic(engine, &deterministic);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_relaxed_simd_deterministic(
    engine: *const wasm_engine_t,
    out: *mut bool,
) -> *mut wasmtime_error_t {
    query("wasm_engine_relaxed_simd_deterministic", engine, out, Engine::get_relaxed_simd_deterministic)
}
