//! Record/replay and determinism settings on the C API's `wasm_config_t`, and
//! validation of a config without consuming it.

use crate::ffi::boundary;
use crate::error::{ErrorKind, Result, RrError};
use crate::ffi::handles;
use wasmtime::{Config, Engine, RRConfig};
use wasmtime_c_api::{wasm_config_t, wasmtime_error_t};

/// A record/replay mode, as C passes and receives it. Values outside the
/// `WASMTIME_RR_MODE_*` constants are rejected with
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT`.
pub type wasmtime_rr_mode_t = u32;

/// Record/replay off: the engine neither records nor replays (Wasmtime's default).
pub const WASMTIME_RR_MODE_NONE: wasmtime_rr_mode_t = 0;
/// The engine records: Wasmtime enforces determinism and tags compiled modules
/// with a checksum of their bytes.
pub const WASMTIME_RR_MODE_RECORDING: wasmtime_rr_mode_t = 1;
/// The engine replays a recording: Wasmtime enforces determinism.
pub const WASMTIME_RR_MODE_REPLAYING: wasmtime_rr_mode_t = 2;

/// The record/replay mode behind the boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RrMode {
    None,
    Recording,
    Replaying,
}

impl RrMode {
    /// Validates a mode value that came from C.
    pub fn from_raw(raw: wasmtime_rr_mode_t) -> Result<RrMode> {
        match raw {
            WASMTIME_RR_MODE_NONE => Ok(RrMode::None),
            WASMTIME_RR_MODE_RECORDING => Ok(RrMode::Recording),
            WASMTIME_RR_MODE_REPLAYING => Ok(RrMode::Replaying),
            other => Err(RrError::invalid_argument(format!(
                "unknown record/replay mode {other} (expected WASMTIME_RR_MODE_NONE = 0, \
                 WASMTIME_RR_MODE_RECORDING = 1 or WASMTIME_RR_MODE_REPLAYING = 2)"
            ))),
        }
    }

    pub fn to_raw(self) -> wasmtime_rr_mode_t {
        match self {
            RrMode::None => WASMTIME_RR_MODE_NONE,
            RrMode::Recording => WASMTIME_RR_MODE_RECORDING,
            RrMode::Replaying => WASMTIME_RR_MODE_REPLAYING,
        }
    }

    /// The mode an engine was built with.
    pub fn of_engine(engine: &Engine) -> RrMode {
        if engine.is_recording() {
            RrMode::Recording
        } else if engine.is_replaying() {
            RrMode::Replaying
        } else {
            RrMode::None
        }
    }

    /// Wasmtime's setting for this mode; recording and replaying exist only
    /// when Wasmtime's `rr` feature is compiled in.
    fn to_wasmtime(self) -> Result<RRConfig> {
        match self {
            RrMode::None => Ok(RRConfig::None),
            #[cfg(feature = "rr")]
            RrMode::Recording => Ok(RRConfig::Recording),
            #[cfg(feature = "rr")]
            RrMode::Replaying => Ok(RRConfig::Replaying),
            #[cfg(not(feature = "rr"))]
            RrMode::Recording | RrMode::Replaying => Err(RrError::new(
                ErrorKind::Unsupported,
                "record/replay support is not compiled into this build of wasmtime-rr \
                 (build it with the Cargo feature `rr`)",
            )),
        }
    }
}

/// Sets the record/replay mode of a Rust config.
pub fn set_mode(config: &mut Config, mode: RrMode) -> Result<()> {
    config.rr(mode.to_wasmtime()?);
    Ok(())
}

/// Turns on the two settings Wasmtime checks when record/replay is on.
pub fn enforce_determinism(config: &mut Config) {
    config.cranelift_nan_canonicalization(true);
    config.relaxed_simd_deterministic(true);
}

/// Builds (and drops) an engine from a copy of `config`: Wasmtime validates a
/// config only inside `Engine::new`.
pub fn validate(config: &Config) -> Result<()> {
    build_engine(config).map(drop)
}

/// `Engine::new` with its error classified as an invalid configuration.
pub fn build_engine(config: &Config) -> Result<Engine> {
    Engine::new(config).map_err(|e| RrError::from_wasmtime(ErrorKind::InvalidConfig, &e))
}

/// Shared shell of the two boolean mode setters.
fn set_mode_flag(
    function: &'static str,
    config: *mut wasm_config_t,
    enable: bool,
    mode: RrMode,
) -> *mut wasmtime_error_t {
    boundary::guard(function, || {
        let config = unsafe { handles::config_mut(config, "config") }?;
        set_mode(config, if enable { mode } else { RrMode::None })
    })
}

/// Turns recording on or record/replay off for a config.
///
/// Wasmtime keeps one record/replay mode per config (`Config::rr`): `true`
/// selects recording, replacing replaying if that was selected; `false` turns
/// record/replay off, whichever mode was selected. The default is off.
///
/// While recording, Wasmtime enforces determinism when the engine is built: an
/// explicit `wasmtime_config_cranelift_nan_canonicalization_set(config, false)`
/// or `wasmtime_config_wasm_relaxed_simd_deterministic_set(config, false)` makes
/// engine creation fail. Settings left at their defaults are not changed for
/// you; call `wasm_config_enforce_determinism` to set both explicitly. A config
/// has no getter for its mode: build the engine and ask it
/// (`wasm_engine_rr_mode`).
///
/// \param config the config to change; borrowed, not consumed.
/// \param enable `true` to record, `false` for no record/replay.
///
/// \return NULL on success, or an error owned by the caller (free it with
/// `wasmtime_error_delete`); the config is unchanged on failure.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL, and
/// with `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` when `enable` is true and the
/// library was built without record/replay (`wasmtime_rr_compiled_in()`).
///
/// Never aborts: a panic is caught and returned as
/// `WASMTIME_RR_ERROR_KIND_PANIC`.
///
/// Example:
/// \code
/// wasm_config_t *config = wasm_config_new();
/// wasmtime_error_t *err = wasm_config_record_set(config, true);
/// if (err) { report(err); wasmtime_error_delete(err); }
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_record_set(
    config: *mut wasm_config_t,
    enable: bool,
) -> *mut wasmtime_error_t {
    set_mode_flag("wasm_config_record_set", config, enable, RrMode::Recording)
}

/// Turns replaying on or record/replay off for a config.
///
/// Wasmtime keeps one record/replay mode per config (`Config::rr`): `true`
/// selects replaying, replacing recording if that was selected; `false` turns
/// record/replay off, whichever mode was selected. The default is off.
///
/// While replaying, Wasmtime enforces determinism when the engine is built,
/// exactly as for recording (see `wasm_config_record_set`).
///
/// \param config the config to change; borrowed, not consumed.
/// \param enable `true` to replay, `false` for no record/replay.
///
/// \return NULL on success, or an error owned by the caller (free it with
/// `wasmtime_error_delete`); the config is unchanged on failure.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL, and
/// with `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` when `enable` is true and the
/// library was built without record/replay.
///
/// Never aborts: a panic is caught and returned as
/// `WASMTIME_RR_ERROR_KIND_PANIC`.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasm_config_replay_set(config, true);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_replay_set(
    config: *mut wasm_config_t,
    enable: bool,
) -> *mut wasmtime_error_t {
    set_mode_flag("wasm_config_replay_set", config, enable, RrMode::Replaying)
}

/// Sets the record/replay mode of a config from a `WASMTIME_RR_MODE_*` value.
///
/// The same setting as `wasm_config_record_set` / `wasm_config_replay_set`,
/// for callers that hold the mode as a value (bindings, command-line flags).
/// The default is `WASMTIME_RR_MODE_NONE`.
///
/// \param config the config to change; borrowed, not consumed.
/// \param mode `WASMTIME_RR_MODE_NONE`, `WASMTIME_RR_MODE_RECORDING` or
/// `WASMTIME_RR_MODE_REPLAYING`.
///
/// \return NULL on success, or an error owned by the caller; the config is
/// unchanged on failure.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL,
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when `mode` is not one of the
/// three values, and `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for recording or
/// replaying in a build without record/replay.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_REPLAYING);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_rr_mode_set(
    config: *mut wasm_config_t,
    mode: wasmtime_rr_mode_t,
) -> *mut wasmtime_error_t {
    boundary::guard("wasm_config_rr_mode_set", || {
        let config = unsafe { handles::config_mut(config, "config") }?;
        set_mode(config, RrMode::from_raw(mode)?)
    })
}

/// Explicitly turns on the determinism settings that record/replay requires.
///
/// Sets NaN canonicalization on (as
/// `wasmtime_config_cranelift_nan_canonicalization_set(config, true)`) and
/// deterministic relaxed SIMD on (as
/// `wasmtime_config_wasm_relaxed_simd_deterministic_set(config, true)`): the
/// two settings Wasmtime checks when a config records or replays. Nothing in
/// this library calls it for you: Wasmtime validates the config as it is.
/// Settings are last-write-wins: an opt-out made before this call is replaced;
/// one made after it stands, and a recording or replaying engine is then
/// refused. It does not enable relaxed SIMD itself, nor change the
/// record/replay mode.
///
/// \param config the config to change; borrowed, not consumed.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasm_config_record_set(config, true);
/// wasm_config_enforce_determinism(config);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_enforce_determinism(
    config: *mut wasm_config_t,
) -> *mut wasmtime_error_t {
    boundary::guard("wasm_config_enforce_determinism", || {
        enforce_determinism(unsafe { handles::config_mut(config, "config") }?);
        Ok(())
    })
}

/// Checks whether an engine can be built from a config, without consuming it.
///
/// Wasmtime validates a config only while building an engine, so this builds
/// an engine from a copy of the config and drops it. The result is exactly
/// what `wasm_engine_new_checked` would report for the same config, including
/// record/replay determinism conflicts, with Wasmtime's own message (for
/// example "NaN canonicalization cannot be disabled when determinism is
/// enforced").
///
/// Cost: one engine creation, about as long as the engine creation it
/// predicts (a few microseconds for a default config; more for a pooling
/// allocator configuration, whose memory is reserved and released). Side
/// effects are those of engine creation: the first call in a process installs
/// Wasmtime's signal handlers; a profiler named in the config (perfmap,
/// jitdump, vtune) is started and stopped, creating its output file (such as
/// `/tmp/perf-PID.map`); a cache loaded into the config is shared, not
/// re-created. The config itself is never modified.
///
/// \param config the config to check; borrowed, not consumed, unchanged.
///
/// \return NULL when an engine can be built, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_INVALID_CONFIG` (Wasmtime's message) when
/// Wasmtime rejects the config, and `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when
/// `config` is NULL.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasm_config_validate(config);
/// if (err) { wasm_name_t msg; wasmtime_error_message(err, &msg); ... }
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_validate(config: *const wasm_config_t) -> *mut wasmtime_error_t {
    boundary::guard("wasm_config_validate", || {
        validate(unsafe { handles::config_ref(config, "config") }?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_values_round_trip_and_unknown_ones_are_refused() {
        for mode in [RrMode::None, RrMode::Recording, RrMode::Replaying] {
            assert_eq!(RrMode::from_raw(mode.to_raw()).unwrap(), mode);
        }
        for bad in [3, 4, 0x8000_0000, u32::MAX] {
            let e = RrMode::from_raw(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.message().starts_with(&format!("unknown record/replay mode {bad} ")));
        }
    }

    #[cfg(feature = "rr")]
    #[test]
    fn recording_with_nan_canonicalization_off_is_wasmtimes_error() {
        let mut config = Config::new();
        set_mode(&mut config, RrMode::Recording).unwrap();
        config.cranelift_nan_canonicalization(false);
        let e = validate(&config).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert_eq!(e.message(), "NaN canonicalization cannot be disabled when determinism is enforced");
        enforce_determinism(&mut config);
        validate(&config).unwrap();
        let engine = build_engine(&config).unwrap();
        assert_eq!(RrMode::of_engine(&engine), RrMode::Recording);
        assert_eq!(engine.get_cranelift_nan_canonicalization(), Some(true));
        assert!(engine.get_relaxed_simd_deterministic());
    }

    #[cfg(not(feature = "rr"))]
    #[test]
    fn without_rr_only_none_is_accepted() {
        let mut config = Config::new();
        set_mode(&mut config, RrMode::None).unwrap();
        for mode in [RrMode::Recording, RrMode::Replaying] {
            let e = set_mode(&mut config, mode).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported);
        }
    }
}
