/*
 * wasmtime_rr.h: record/replay configuration for Wasmtime's C API.
 *
 * GENERATED FILE, DO NOT EDIT. cbindgen writes it from the Rust sources in src/
 * (see build.rs and cbindgen.toml). Regenerate with:
 *     WASMTIME_RR_UPDATE_HEADER=1 cargo build
 * A test fails when this copy differs from what the sources generate.
 */

#ifndef WASMTIME_RR_H
#define WASMTIME_RR_H

#include <stdbool.h>
#include <stdint.h>
#include <wasmtime.h>

/** The version of this header, as in Cargo.toml. wasmtime_rr_version() gives the library's. */
#define WASMTIME_RR_VERSION "0.1.0"
#define WASMTIME_RR_VERSION_MAJOR 0
#define WASMTIME_RR_VERSION_MINOR 1
#define WASMTIME_RR_VERSION_PATCH 0

/**
 * A record/replay mode, as C passes and receives it. Values outside the
 * `WASMTIME_RR_MODE_*` constants are rejected with
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT`.
 */
typedef uint32_t wasmtime_rr_mode_t;

/**
 * A stable classification of an error, readable from C with
 * `wasmtime_rr_error_kind`. Values never change meaning between releases.
 */
typedef uint32_t wasmtime_rr_error_kind_t;

/**
 * Record/replay off: the engine neither records nor replays (Wasmtime's default).
 */
#define WASMTIME_RR_MODE_NONE 0

/**
 * The engine records: Wasmtime enforces determinism and tags compiled modules
 * with a checksum of their bytes.
 */
#define WASMTIME_RR_MODE_RECORDING 1

/**
 * The engine replays a recording: Wasmtime enforces determinism.
 */
#define WASMTIME_RR_MODE_REPLAYING 2

/**
 * No error: the kind reported for a NULL error pointer (NULL means success).
 */
#define WASMTIME_RR_ERROR_KIND_NONE 0

/**
 * An error that this library did not create: it came from Wasmtime's own C API
 * (for example `wasmtime_module_new`) and keeps Wasmtime's message.
 */
#define WASMTIME_RR_ERROR_KIND_WASMTIME 1

/**
 * A required pointer argument was NULL.
 */
#define WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT 2

/**
 * An argument had a value outside its documented range (an unknown enum value,
 * a misaligned pointer, ...).
 */
#define WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT 3

/**
 * The operation needs support that this build of the library does not have
 * (for example record/replay with the `rr` Cargo feature off).
 */
#define WASMTIME_RR_ERROR_KIND_UNSUPPORTED 4

/**
 * Wasmtime rejected the configuration (engine creation or validation failed).
 * The message is Wasmtime's own.
 */
#define WASMTIME_RR_ERROR_KIND_INVALID_CONFIG 5

/**
 * The library panicked internally; the panic was caught at the boundary and the
 * host process keeps running. This is always a bug worth reporting.
 */
#define WASMTIME_RR_ERROR_KIND_PANIC 6

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Turns recording on or record/replay off for a config.
 *
 * Wasmtime keeps one record/replay mode per config (`Config::rr`): `true`
 * selects recording, replacing replaying if that was selected; `false` turns
 * record/replay off, whichever mode was selected. The default is off.
 *
 * While recording, Wasmtime enforces determinism when the engine is built: an
 * explicit `wasmtime_config_cranelift_nan_canonicalization_set(config, false)`
 * or `wasmtime_config_wasm_relaxed_simd_deterministic_set(config, false)` makes
 * engine creation fail. Settings left at their defaults are not changed for
 * you; call `wasm_config_enforce_determinism` to set both explicitly. A config
 * has no getter for its mode: build the engine and ask it
 * (`wasm_engine_rr_mode`).
 *
 * \param config the config to change; borrowed, not consumed.
 * \param enable `true` to record, `false` for no record/replay.
 *
 * \return NULL on success, or an error owned by the caller (free it with
 * `wasmtime_error_delete`); the config is unchanged on failure.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL, and
 * with `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` when `enable` is true and the
 * library was built without record/replay (`wasmtime_rr_compiled_in()`).
 *
 * Never aborts: a panic is caught and returned as
 * `WASMTIME_RR_ERROR_KIND_PANIC`.
 *
 * Example:
 * \code
 * wasm_config_t *config = wasm_config_new();
 * wasmtime_error_t *err = wasm_config_record_set(config, true);
 * if (err) { report(err); wasmtime_error_delete(err); }
 * \endcode
 */
wasmtime_error_t *wasm_config_record_set(wasm_config_t *config,
                                         bool enable);

/**
 * Turns replaying on or record/replay off for a config.
 *
 * Wasmtime keeps one record/replay mode per config (`Config::rr`): `true`
 * selects replaying, replacing recording if that was selected; `false` turns
 * record/replay off, whichever mode was selected. The default is off.
 *
 * While replaying, Wasmtime enforces determinism when the engine is built,
 * exactly as for recording (see `wasm_config_record_set`).
 *
 * \param config the config to change; borrowed, not consumed.
 * \param enable `true` to replay, `false` for no record/replay.
 *
 * \return NULL on success, or an error owned by the caller (free it with
 * `wasmtime_error_delete`); the config is unchanged on failure.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL, and
 * with `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` when `enable` is true and the
 * library was built without record/replay.
 *
 * Never aborts: a panic is caught and returned as
 * `WASMTIME_RR_ERROR_KIND_PANIC`.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasm_config_replay_set(config, true);
 * \endcode
 */
wasmtime_error_t *wasm_config_replay_set(wasm_config_t *config,
                                         bool enable);

/**
 * Sets the record/replay mode of a config from a `WASMTIME_RR_MODE_*` value.
 *
 * The same setting as `wasm_config_record_set` / `wasm_config_replay_set`,
 * for callers that hold the mode as a value (bindings, command-line flags).
 * The default is `WASMTIME_RR_MODE_NONE`.
 *
 * \param config the config to change; borrowed, not consumed.
 * \param mode `WASMTIME_RR_MODE_NONE`, `WASMTIME_RR_MODE_RECORDING` or
 * `WASMTIME_RR_MODE_REPLAYING`.
 *
 * \return NULL on success, or an error owned by the caller; the config is
 * unchanged on failure.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when `mode` is not one of the
 * three values, and `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for recording or
 * replaying in a build without record/replay.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_REPLAYING);
 * \endcode
 */
wasmtime_error_t *wasm_config_rr_mode_set(wasm_config_t *config,
                                          wasmtime_rr_mode_t mode);

/**
 * Explicitly turns on the determinism settings that record/replay requires.
 *
 * Sets NaN canonicalization on (as
 * `wasmtime_config_cranelift_nan_canonicalization_set(config, true)`) and
 * deterministic relaxed SIMD on (as
 * `wasmtime_config_wasm_relaxed_simd_deterministic_set(config, true)`): the
 * two settings Wasmtime checks when a config records or replays. Nothing in
 * this library calls it for you: Wasmtime validates the config as it is.
 * Settings are last-write-wins: an opt-out made before this call is replaced;
 * one made after it stands, and a recording or replaying engine is then
 * refused. It does not enable relaxed SIMD itself, nor change the
 * record/replay mode.
 *
 * \param config the config to change; borrowed, not consumed.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `config` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasm_config_record_set(config, true);
 * wasm_config_enforce_determinism(config);
 * \endcode
 */
wasmtime_error_t *wasm_config_enforce_determinism(wasm_config_t *config);

/**
 * Checks whether an engine can be built from a config, without consuming it.
 *
 * Wasmtime validates a config only while building an engine, so this builds
 * an engine from a copy of the config and drops it. The result is exactly
 * what `wasm_engine_new_checked` would report for the same config, including
 * record/replay determinism conflicts, with Wasmtime's own message (for
 * example "NaN canonicalization cannot be disabled when determinism is
 * enforced").
 *
 * Cost: one engine creation, about as long as the engine creation it
 * predicts (a few microseconds for a default config; more for a pooling
 * allocator configuration, whose memory is reserved and released). Side
 * effects are those of engine creation: the first call in a process installs
 * Wasmtime's signal handlers; a profiler named in the config (perfmap,
 * jitdump, vtune) is started and stopped, creating its output file (such as
 * `/tmp/perf-PID.map`); a cache loaded into the config is shared, not
 * re-created. The config itself is never modified.
 *
 * \param config the config to check; borrowed, not consumed, unchanged.
 *
 * \return NULL when an engine can be built, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_INVALID_CONFIG` (Wasmtime's message) when
 * Wasmtime rejects the config, and `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when
 * `config` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasm_config_validate(config);
 * if (err) { wasm_name_t msg; wasmtime_error_message(err, &msg); ... }
 * \endcode
 */
wasmtime_error_t *wasm_config_validate(const wasm_config_t *config);

/**
 * Builds an engine from a config, returning an error instead of aborting.
 *
 * The checked counterpart of `wasm_engine_new_with_config`, which aborts the
 * host process when Wasmtime rejects the config (for example recording with
 * NaN canonicalization explicitly disabled). The engine is an ordinary
 * `wasm_engine_t`: use it with every C API function, free it with
 * `wasm_engine_delete`. Like the stock constructor, it initializes Wasmtime's
 * logger from `WASMTIME_LOG` on first use.
 *
 * Ownership of `config`: on success the config is consumed (freed; do not use
 * or delete it again). On failure nothing is consumed: the caller still owns
 * the unchanged config and may fix it and retry, or free it with
 * `wasm_config_delete`.
 *
 * \param config the config to build from; consumed only on success.
 * \param engine_out where the new engine is written, only on success; on
 * failure it is left untouched. The caller owns the engine.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_INVALID_CONFIG` (Wasmtime's message) when
 * Wasmtime rejects the config, and `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when
 * `config` or `engine_out` is NULL.
 *
 * Never aborts: a panic is caught and returned as
 * `WASMTIME_RR_ERROR_KIND_PANIC`.
 *
 * Example:
 * \code
 * wasm_engine_t *engine = NULL;
 * wasmtime_error_t *err = wasm_engine_new_checked(config, &engine);
 * if (err) { report(err); wasmtime_error_delete(err); wasm_config_delete(config); } // still ours
 * \endcode
 */
wasmtime_error_t *wasm_engine_new_checked(wasm_config_t *config,
                                          wasm_engine_t **engine_out);

/**
 * Reports whether an engine records.
 *
 * \param engine the engine to ask; borrowed.
 * \param out receives `true` when the engine was built with recording on;
 * written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
 * NULL. Never aborts.
 *
 * Example:
 * \code
 * bool recording = false;
 * wasmtime_error_t *err = wasm_engine_is_recording(engine, &recording);
 * \endcode
 */
wasmtime_error_t *wasm_engine_is_recording(const wasm_engine_t *engine,
                                           bool *out);

/**
 * Reports whether an engine replays.
 *
 * \param engine the engine to ask; borrowed.
 * \param out receives `true` when the engine was built with replaying on;
 * written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
 * NULL. Never aborts.
 *
 * Example:
 * \code
 * bool replaying = false;
 * wasmtime_error_t *err = wasm_engine_is_replaying(engine, &replaying);
 * \endcode
 */
wasmtime_error_t *wasm_engine_is_replaying(const wasm_engine_t *engine,
                                           bool *out);

/**
 * Reports the record/replay mode an engine was built with.
 *
 * \param engine the engine to ask; borrowed.
 * \param out receives `WASMTIME_RR_MODE_NONE`, `WASMTIME_RR_MODE_RECORDING`
 * or `WASMTIME_RR_MODE_REPLAYING`; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or
 * `out` is NULL. Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_mode_t mode;
 * wasmtime_error_t *err = wasm_engine_rr_mode(engine, &mode);
 * \endcode
 */
wasmtime_error_t *wasm_engine_rr_mode(const wasm_engine_t *engine,
                                      wasmtime_rr_mode_t *out);

/**
 * Reports whether an engine's compiler canonicalizes NaNs.
 *
 * Reads the effective setting (`Engine::get_cranelift_nan_canonicalization`),
 * not what was asked for: a recording engine whose config left the setting at
 * its default reports `false`, because Wasmtime does not turn it on for you.
 * An engine without a compiler reports `false` (it compiles nothing).
 *
 * \param engine the engine to ask; borrowed.
 * \param out receives the setting; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
 * NULL. Never aborts.
 *
 * Example:
 * \code
 * bool canonical = false;
 * wasmtime_error_t *err = wasm_engine_nan_canonicalization(engine, &canonical);
 * \endcode
 */
wasmtime_error_t *wasm_engine_nan_canonicalization(const wasm_engine_t *engine,
                                                   bool *out);

/**
 * Reports whether an engine runs relaxed SIMD deterministically.
 *
 * Reads the effective setting (`Engine::get_relaxed_simd_deterministic`): a
 * recording engine whose config left it at its default reports `false`.
 *
 * \param engine the engine to ask; borrowed.
 * \param out receives the setting; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `engine` or `out` is
 * NULL. Never aborts.
 *
 * Example:
 * \code
 * bool deterministic = false;
 * wasmtime_error_t *err = wasm_engine_relaxed_simd_deterministic(engine, &deterministic);
 * \endcode
 */
wasmtime_error_t *wasm_engine_relaxed_simd_deterministic(const wasm_engine_t *engine,
                                                         bool *out);

/**
 * Returns the stable kind of an error object.
 *
 * Works on every `wasmtime_error_t`: errors created by this library report
 * their `WASMTIME_RR_ERROR_KIND_*` value; errors created by Wasmtime's own C
 * API report `WASMTIME_RR_ERROR_KIND_WASMTIME`. Bindings use this to pick an
 * exception or error type without parsing messages.
 *
 * \param error the error to classify; borrowed, not freed. May be NULL.
 *
 * \return the kind; `WASMTIME_RR_ERROR_KIND_NONE` when `error` is NULL (a
 * NULL error means success throughout this API).
 *
 * Cannot fail. Cannot abort: a panic inside is caught and reported as
 * `WASMTIME_RR_ERROR_KIND_PANIC`.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasm_config_rr_mode_set(config, 42);
 * if (wasmtime_rr_error_kind(err) == WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT) { ... }
 * wasmtime_error_delete(err);
 * \endcode
 */
wasmtime_rr_error_kind_t wasmtime_rr_error_kind(const wasmtime_error_t *error);

/**
 * Returns the stable name of an error kind, such as `"invalid_config"`.
 *
 * \param kind any value; unknown values are allowed.
 *
 * \return a static NUL-terminated string owned by the library (never free it):
 * one of `"none"`, `"wasmtime"`, `"null_argument"`, `"invalid_argument"`,
 * `"unsupported"`, `"invalid_config"`, `"panic"`, or `"unknown"` for a value
 * that is not a kind.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * printf("%s\n", wasmtime_rr_error_kind_name(wasmtime_rr_error_kind(err)));
 * \endcode
 */
const char *wasmtime_rr_error_kind_name(wasmtime_rr_error_kind_t kind);

/**
 * Creates an error object of a given kind, for host code and tests.
 *
 * Lets a host function or a binding produce an error that reads back with
 * `wasmtime_rr_error_kind` like one of ours (Wasmtime's `wasmtime_error_new`
 * makes errors of kind `WASMTIME_RR_ERROR_KIND_WASMTIME`). The message is kept
 * exactly as given.
 *
 * \param kind one of the `WASMTIME_RR_ERROR_KIND_*` values other than
 * `WASMTIME_RR_ERROR_KIND_NONE` and `WASMTIME_RR_ERROR_KIND_WASMTIME`.
 * \param message a NUL-terminated UTF-8 message; borrowed (copied).
 * \param error_out receives the new error, owned by the caller (free it with
 * `wasmtime_error_delete`); written only on success.
 *
 * \return NULL on success, or an error (owned by the caller) saying why no
 * error object could be made.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `message` or
 * `error_out` is NULL, and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when
 * `kind` is not a creatable kind or `message` is not valid UTF-8.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *made = NULL;
 * if (wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "bad flag", &made) == NULL) { ... }
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_error_new(wasmtime_rr_error_kind_t kind,
                                        const char *message,
                                        wasmtime_error_t **error_out);

/**
 * Returns the version of this library, such as `"0.1.0"`.
 *
 * Compare it with the `WASMTIME_RR_VERSION` macro to detect a host compiled
 * against one version's header but running with another version's library.
 *
 * \return a static NUL-terminated string owned by the library (never free it).
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * if (strcmp(wasmtime_rr_version(), WASMTIME_RR_VERSION) != 0) { ... }
 * \endcode
 */
const char *wasmtime_rr_version(void);

/**
 * Reports whether record/replay support is compiled into this library.
 *
 * When it is not (the crate was built without its `rr` Cargo feature),
 * selecting recording or replaying fails with
 * `WASMTIME_RR_ERROR_KIND_UNSUPPORTED`; everything else works.
 *
 * \return `true` when Wasmtime's record/replay support is present.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * if (!wasmtime_rr_compiled_in()) { puts("no record/replay in this build"); }
 * \endcode
 */
bool wasmtime_rr_compiled_in(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* WASMTIME_RR_H */
