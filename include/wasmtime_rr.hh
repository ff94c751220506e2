/**
 * \file wasmtime_rr.hh
 *
 * C++ API for wasmtime-rr's record/replay configuration, on top of Wasmtime's
 * own C++ API (`wasmtime.hh`). Header-only: every function forwards to one C
 * function of `wasmtime_rr.h` and maps its `wasmtime_error_t*` into
 * `wasmtime::Result`. It adds no logic of its own.
 *
 * \code
 * wasmtime::Config config;
 * wasmtime::rr::record(config, true).unwrap();
 * wasmtime::rr::enforce_determinism(config).unwrap();
 * auto engine = wasmtime::rr::new_engine(config);   // never aborts
 * if (!engine) std::cerr << engine.err().message() << "\n";
 * \endcode
 */
#ifndef WASMTIME_RR_HH
#define WASMTIME_RR_HH

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <wasmtime.hh>
#include <wasmtime_rr.h>

namespace wasmtime {
namespace rr {

/// The record/replay mode of a config or engine (`WASMTIME_RR_MODE_*`).
enum class Mode : wasmtime_rr_mode_t {
  /// Neither records nor replays (Wasmtime's default).
  None = WASMTIME_RR_MODE_NONE,
  /// Records.
  Recording = WASMTIME_RR_MODE_RECORDING,
  /// Replays.
  Replaying = WASMTIME_RR_MODE_REPLAYING,
};

/// The stable kind of an error (`WASMTIME_RR_ERROR_KIND_*`).
enum class ErrorKind : wasmtime_rr_error_kind_t {
  /// No error.
  None = WASMTIME_RR_ERROR_KIND_NONE,
  /// Made by Wasmtime's own C API.
  Wasmtime = WASMTIME_RR_ERROR_KIND_WASMTIME,
  /// A required pointer was NULL.
  NullArgument = WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
  /// An argument was out of range.
  InvalidArgument = WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
  /// Not supported by this build.
  Unsupported = WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
  /// Wasmtime rejected the configuration.
  InvalidConfig = WASMTIME_RR_ERROR_KIND_INVALID_CONFIG,
  /// An internal panic, caught.
  Panic = WASMTIME_RR_ERROR_KIND_PANIC,
  /// Reading or writing a trace failed.
  TraceIo = WASMTIME_RR_ERROR_KIND_TRACE_IO,
  /// A trace is truncated, corrupted or of another version.
  TraceFormat = WASMTIME_RR_ERROR_KIND_TRACE_FORMAT,
  /// A replay diverged from its trace.
  Divergence = WASMTIME_RR_ERROR_KIND_DIVERGENCE,
  /// A replay instantiated another module than recorded.
  ModuleMismatch = WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH,
};

/// Returns the stable kind of an error (`wasmtime_rr_error_kind`).
inline ErrorKind error_kind(const Error &error) {
  return static_cast<ErrorKind>(wasmtime_rr_error_kind(error.capi()));
}

/// Returns the stable name of a kind, such as "invalid_config".
inline std::string_view error_kind_name(ErrorKind kind) {
  return wasmtime_rr_error_kind_name(static_cast<wasmtime_rr_error_kind_t>(kind));
}

/// Creates an error object of a given kind (`wasmtime_rr_error_new`). When the
/// library refuses to make it (an uncreatable kind, invalid UTF-8), the
/// returned error is the one saying why, of kind `InvalidArgument`.
inline Error make_error(ErrorKind kind, const std::string &message) {
  wasmtime_error_t *made = nullptr;
  wasmtime_error_t *failure = wasmtime_rr_error_new(
      static_cast<wasmtime_rr_error_kind_t>(kind), message.c_str(), &made);
  return Error(failure != nullptr ? failure : made);
}

/// The version of the library at run time (`wasmtime_rr_version`).
inline std::string_view version() { return wasmtime_rr_version(); }

/// Whether record/replay support is compiled in (`wasmtime_rr_compiled_in`).
inline bool compiled_in() { return wasmtime_rr_compiled_in(); }

namespace detail {
/// The one mapping from a C result to `wasmtime::Result`: NULL is success.
template <typename T> Result<T> wrap(wasmtime_error_t *error, T value) {
  if (error != nullptr) {
    return Error(error);
  }
  return value;
}

/// Runs a query `bool (*)(const wasm_engine_t *, T *)`-style C function.
template <typename T, typename F> Result<T> query(const Engine &engine, F function) {
  T out{};
  wasmtime_error_t *error = function(engine.capi(), &out);
  return wrap(error, out);
}
} // namespace detail

/// `true` selects recording (replacing replaying); `false` turns record/replay
/// off (`wasm_config_record_set`).
inline Result<std::monostate> record(Config &config, bool enable) {
  return detail::wrap(wasm_config_record_set(config.capi(), enable), std::monostate());
}

/// `true` selects replaying (replacing recording); `false` turns record/replay
/// off (`wasm_config_replay_set`).
inline Result<std::monostate> replay(Config &config, bool enable) {
  return detail::wrap(wasm_config_replay_set(config.capi(), enable), std::monostate());
}

/// Sets the mode from a value (`wasm_config_rr_mode_set`); a value outside
/// `Mode` is an `InvalidArgument` error.
inline Result<std::monostate> set_mode(Config &config, Mode mode) {
  return detail::wrap(
      wasm_config_rr_mode_set(config.capi(), static_cast<wasmtime_rr_mode_t>(mode)),
      std::monostate());
}

/// Explicitly turns on NaN canonicalization and deterministic relaxed SIMD
/// (`wasm_config_enforce_determinism`).
inline Result<std::monostate> enforce_determinism(Config &config) {
  return detail::wrap(wasm_config_enforce_determinism(config.capi()), std::monostate());
}

/// What engine creation would report, without consuming the config
/// (`wasm_config_validate`).
inline Result<std::monostate> validate(const Config &config) {
  return detail::wrap(wasm_config_validate(config.capi()), std::monostate());
}

/// Builds an engine, returning an error where `wasmtime::Engine(Config)` would
/// abort (`wasm_engine_new_checked`). On success `config` is consumed (left
/// empty, like a moved-from Config); on failure it is left unchanged, so it can
/// be fixed and passed again.
inline Result<Engine> new_engine(Config &config) {
  wasm_engine_t *engine = nullptr;
  wasmtime_error_t *error = wasm_engine_new_checked(config.capi(), &engine);
  if (error != nullptr) {
    return Error(error);
  }
  config.capi_release(); // now owned, and freed, by the engine's creation
  return Engine(engine);
}

/// The engine's mode (`wasm_engine_rr_mode`).
inline Result<Mode> mode(const Engine &engine) {
  wasmtime_rr_mode_t raw = WASMTIME_RR_MODE_NONE;
  wasmtime_error_t *error = wasm_engine_rr_mode(engine.capi(), &raw);
  return detail::wrap(error, static_cast<Mode>(raw));
}

/// Whether the engine records (`wasm_engine_is_recording`).
inline Result<bool> is_recording(const Engine &engine) {
  return detail::query<bool>(engine, wasm_engine_is_recording);
}

/// Whether the engine replays (`wasm_engine_is_replaying`).
inline Result<bool> is_replaying(const Engine &engine) {
  return detail::query<bool>(engine, wasm_engine_is_replaying);
}

/// Effective NaN canonicalization (`wasm_engine_nan_canonicalization`).
inline Result<bool> nan_canonicalization(const Engine &engine) {
  return detail::query<bool>(engine, wasm_engine_nan_canonicalization);
}

/// Effective relaxed-SIMD determinism (`wasm_engine_relaxed_simd_deterministic`).
inline Result<bool> relaxed_simd_deterministic(const Engine &engine) {
  return detail::query<bool>(engine, wasm_engine_relaxed_simd_deterministic);
}

} // namespace rr
} // namespace wasmtime

#endif // WASMTIME_RR_HH
