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
 * A recorder: a trace destination and record settings, not yet attached.
 */
typedef struct wasmtime_rr_recorder_t wasmtime_rr_recorder_t;

/**
 * A replayer: a trace source, not yet attached.
 */
typedef struct wasmtime_rr_replayer_t wasmtime_rr_replayer_t;

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
 * Receives trace bytes. Returns `true` when all `len` bytes were stored;
 * `false` ends the recording with a `WASMTIME_RR_ERROR_KIND_TRACE_IO` error.
 * Called on the thread that uses the store, once per window of events.
 */
typedef bool (*wasmtime_rr_write_callback_t)(void *data,
                                             const uint8_t *bytes,
                                             size_t len);

/**
 * Supplies trace bytes: copies at most `capacity` bytes into `buffer` and
 * returns how many; 0 means the end of the trace; `SIZE_MAX` reports a
 * failure (a `WASMTIME_RR_ERROR_KIND_TRACE_IO` error).
 */
typedef size_t (*wasmtime_rr_read_callback_t)(void *data,
                                              uint8_t *buffer,
                                              size_t capacity);

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

/**
 * Reading or writing a trace failed (a file that cannot be created, a write
 * callback that reported failure, ...).
 */
#define WASMTIME_RR_ERROR_KIND_TRACE_IO 7

/**
 * A trace is not valid: truncated, corrupted, of another format version, or
 * recorded with another major version of Wasmtime.
 */
#define WASMTIME_RR_ERROR_KIND_TRACE_FORMAT 8

/**
 * A replay diverged from its trace: another import or export was called than
 * recorded, arguments or results or memory differ, or the trace ran out or
 * has events left. The message names the event index, what was expected and
 * what happened.
 */
#define WASMTIME_RR_ERROR_KIND_DIVERGENCE 9

/**
 * A replay instantiated a module whose SHA-256 differs from the recorded one;
 * the message names both checksums.
 */
#define WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH 10

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

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Compiles a component and remembers the SHA-256 of its bytes for record/replay.
 *
 * The RR-aware `wasmtime_component_new`: same parameters and result. When
 * the engine records or replays, the checksum is kept for the component's
 * instantiations (recorded, or checked against the trace); free such a
 * component with `wasmtime_rr_component_delete`. Otherwise it is exactly
 * `wasmtime_component_new`.
 *
 * \param engine the engine to compile for.
 * \param buf the component's bytes (binary or, with the `wat` feature, text);
 * may be NULL only when `len` is 0.
 * \param len their length.
 * \param component_out receives the component (owned by the caller);
 * written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
 * with Wasmtime's own error (kind `WASMTIME_RR_ERROR_KIND_WASMTIME`) when the
 * bytes do not compile.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_component_t *component = NULL;
 * wasmtime_error_t *err = wasmtime_rr_component_new(engine, bytes, size, &component);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_component_new(const wasm_engine_t *engine,
                                            const uint8_t *buf,
                                            size_t len,
                                            wasmtime_component_t **component_out);

/**
 * Frees a component made by `wasmtime_rr_component_new`, and its recorded checksum.
 *
 * The RR-aware `wasmtime_component_delete`. A NULL `component` is ignored.
 *
 * \param component the component, consumed; may be NULL.
 *
 * \return nothing.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * wasmtime_rr_component_delete(component);
 * \endcode
 */
void wasmtime_rr_component_delete(wasmtime_component_t *component);

/**
 * Instantiates a component through a component linker, recorded or replayed.
 *
 * The RR-aware `wasmtime_component_linker_instantiate`: same parameters and
 * result. While the store records, the instantiation is recorded with the
 * component's SHA-256, and the instance's exported functions (at the top
 * level and inside exported instances, named `interface#function`) become
 * callable with `wasmtime_rr_component_func_call`. While it replays, the
 * trace must have the same instantiation next. Imports the linker cannot
 * satisfy fail with Wasmtime's own error and are not recorded.
 *
 * \param linker the component linker.
 * \param context the store.
 * \param component the component, from `wasmtime_rr_component_new` when the
 * engine records or replays.
 * \param instance_out receives the instance; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for objects of different
 * engines or a component whose checksum is unknown,
 * `WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH` when a replay's trace
 * instantiates another component, `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when
 * it expects something else, and Wasmtime's own errors (kind
 * `WASMTIME_RR_ERROR_KIND_WASMTIME`).
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_component_instance_t instance;
 * wasmtime_error_t *err = wasmtime_rr_component_linker_instantiate(linker, context, component, &instance);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_component_linker_instantiate(const wasmtime_component_linker_t *linker,
                                                           wasmtime_context_t *context,
                                                           const wasmtime_component_t *component,
                                                           wasmtime_component_instance_t *instance_out);

/**
 * Adds a host function to a component linker instance, recorded or replayed.
 *
 * The RR-aware `wasmtime_component_linker_instance_add_func`: same
 * parameters and result. On a store that records, each call's results (or
 * error) are recorded, and its arguments too with validation on; on a store
 * that replays, `callback` is never called: the recorded results are given
 * to the guest, and the call must be the one the trace has next (same
 * function name; same arguments with validation). The trace names the
 * function by `name` (not by the linker instance's path). A component value
 * the callback writes is checked before use: an invalid `char`, a string
 * that is not UTF-8 or a NULL pointer fails the call with an error, never a
 * crash. A resource the host makes (`wasmtime_component_resource_host_new`
 * and `_to_any`) and returns is recorded with its `rep` and type number,
 * and a replay makes it again.
 *
 * \param linker_instance the linker instance (from
 * `wasmtime_component_linker_root` or `_add_instance`).
 * \param name the function's name (UTF-8), `name_len` bytes.
 * \param name_len its length.
 * \param callback the host function.
 * \param data passed to `callback` and `finalizer`.
 * \param finalizer called with `data` when the definition is freed (may be
 * NULL).
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a name that is not UTF-8,
 * and Wasmtime's own error for a name already defined. As with the stock
 * function, `finalizer` is called when the definition fails after `data`
 * was taken (Wasmtime's own error), not when an argument is refused.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_component_linker_instance_add_func(root, "now", 3, now, NULL, NULL);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_component_linker_instance_add_func(wasmtime_component_linker_instance_t *linker_instance,
                                                                 const char *name,
                                                                 size_t name_len,
                                                                 wasmtime_component_func_callback_t callback,
                                                                 void *data,
                                                                 void (*finalizer)(void*));

/**
 * Adds a host resource type whose destructor is recorded and replayed.
 *
 * The RR-aware `wasmtime_component_linker_instance_add_resource`: same
 * parameters and result. The guest drops a resource of the type (an `own`
 * handle the host made with `wasmtime_component_resource_host_new` and
 * `_to_any`, or any of the type) by calling the destructor with the
 * resource's `rep`. While the store records, each such call is recorded as
 * a call of host function `[resource-drop]name` with the `rep` as its
 * argument (kept with validation) and the destructor's outcome (an error
 * message is kept); while it replays, the destructor is not called: the
 * trace must have that call next (with the same `rep`, with validation),
 * and the recorded outcome is returned. Resources the host makes and
 * gives the guest (results of a host function added with
 * `wasmtime_rr_component_linker_instance_add_func`, `own` arguments of
 * `wasmtime_rr_component_func_call`) are recorded with their `rep` and
 * type number, and a replay makes them again, so a replay runs no host code
 * for them; a resource the host lends (a `borrow` parameter) stays the
 * host's and is checked by handle number. The type's number is recorded
 * before each instantiation, for `wasmtime-rr replay`. On a store that
 * neither records nor replays the destructor is simply called.
 *
 * \param linker_instance the linker instance (from
 * `wasmtime_component_linker_root` or `_add_instance`).
 * \param name the resource type's name (UTF-8), `name_len` bytes.
 * \param name_len its length.
 * \param ty the resource type (`wasmtime_component_resource_type_new_host`);
 * borrowed.
 * \param destructor called with `data`, the store and the resource's `rep`
 * when the guest drops one; returns NULL or an error (which traps the guest).
 * \param data passed to `destructor` and `finalizer`.
 * \param finalizer called with `data` when the definition is freed (may be
 * NULL).
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a name that is not UTF-8,
 * and Wasmtime's own error for a name already defined. As with
 * `wasmtime_rr_component_linker_instance_add_func`, `finalizer` is called
 * when the definition fails after `data` was taken (Wasmtime's own error),
 * not when an argument is refused.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_component_resource_type_t *ty = wasmtime_component_resource_type_new_host(1);
 * wasmtime_error_t *err = wasmtime_rr_component_linker_instance_add_resource(api, "counter", 7, ty, drop_counter, NULL, NULL);
 * wasmtime_component_resource_type_delete(ty);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_component_linker_instance_add_resource(wasmtime_component_linker_instance_t *linker_instance,
                                                                     const char *name,
                                                                     size_t name_len,
                                                                     const wasmtime_component_resource_type_t *ty,
                                                                     wasmtime_component_resource_destructor_t destructor,
                                                                     void *data,
                                                                     void (*finalizer)(void*));

/**
 * Adds WASI preview 2 to a component linker, recorded and replayed.
 *
 * The RR-aware `wasmtime_component_linker_add_wasip2`: same parameter and
 * result. On an engine that neither records nor replays it is exactly the
 * stock function. On an engine that records or replays it adds the same
 * interfaces (`wasi:cli/command`'s imports, synchronous), each function
 * through which the outside world reaches the guest wrapped around
 * Wasmtime's own implementation: wall and monotonic clocks, random and
 * insecure random, the insecure seed, environment, arguments and initial
 * directory, exit, stdin/stdout/stderr streams (read, write, flush, skip,
 * splice, check-write), pollables (`poll`, `ready`, `block`), stream error
 * texts, terminal queries, preopens and the filesystem (every method of
 * descriptors and directory entry streams: open, read, write, stat,
 * directories, links, renames, metadata hashes...). On a store with a
 * recorder attached every such call is recorded with its arguments (paths,
 * offsets, lengths, flags, bytes written, handles) and its result, error
 * code, trap or exit. On a replaying store none of them reads the outside
 * world: each call is checked against the trace (another function or other
 * arguments, such as other bytes written to stdout or another path, are a
 * `WASMTIME_RR_ERROR_KIND_DIVERGENCE` naming the event and the function)
 * and the recorded result is returned; the streams, descriptors and timers
 * the guest gets are stand-ins with the recorded handle numbers, no file is
 * opened, and nothing is printed unless the replayer echoes
 * (`wasmtime_rr_replayer_echo_set`). The store's WASI context is the one
 * `wasmtime_rr_context_set_wasi` gave it (or the stock one). The network
 * cannot be recorded: while recording or replaying `instance-network` traps
 * with `unsupported`.
 * A store that records or replays instantiates a component importing a
 * `wasi:` interface only through a linker this function prepared.
 *
 * \param linker the component linker.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL linker and
 * with Wasmtime's own error when WASI is already defined.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_component_linker_add_wasip2(linker);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_component_linker_add_wasip2(wasmtime_component_linker_t *linker);

/**
 * Calls a component export, recording or replaying the call.
 *
 * The RR-aware `wasmtime_component_func_call`: same parameters and result.
 * The arguments are checked before use (kinds, `char`s, UTF-8, pointers),
 * and the results are written into `results` without reading what was
 * there. While the store records, the call's arguments and its results (as
 * component values, every type, NaN bits included) or its failure are
 * recorded; while it replays, the trace must have the same call next, with
 * the same arguments, and the call must end the same way.
 *
 * \param func the export, from an instance made by
 * `wasmtime_rr_component_linker_instantiate` when the store records or
 * replays.
 * \param context the store.
 * \param args the arguments; borrowed; may be NULL only when `args_len` is 0.
 * \param args_len their number.
 * \param results receives the results, owned by the caller (free each with
 * `wasmtime_component_val_delete`); written only on success.
 * \param results_len room in `results`: the function's result count.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a function of another store
 * or a malformed argument value, `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when a
 * replay sees another call or outcome than the trace, and Wasmtime's own
 * errors (kind `WASMTIME_RR_ERROR_KIND_WASMTIME`) for a trap or mistyped
 * arguments.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_component_val_t arg = {.kind = WASMTIME_COMPONENT_U32, .of.u32 = 7}, result;
 * wasmtime_error_t *err = wasmtime_rr_component_func_call(&func, context, &arg, 1, &result, 1);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_component_func_call(const wasmtime_component_func_t *func,
                                                  wasmtime_context_t *context,
                                                  const wasmtime_component_val_t *args,
                                                  size_t args_len,
                                                  wasmtime_component_val_t *results,
                                                  size_t results_len);

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
 * Returns the mode the environment asks for.
 *
 * `WASMTIME_RR_MODE_RECORDING` when `WASMTIME_RR_RECORD` names a trace
 * file, `WASMTIME_RR_MODE_REPLAYING` when `WASMTIME_RR_REPLAY` does,
 * `WASMTIME_RR_MODE_NONE` when neither is set (or both are: then a warning
 * goes to stderr once). The environment is read once per process.
 *
 * \return the mode.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * if (wasmtime_rr_env_mode() == WASMTIME_RR_MODE_RECORDING) puts("recording");
 * \endcode
 */
wasmtime_rr_mode_t wasmtime_rr_env_mode(void);

/**
 * Makes a config record or replay as the environment asks.
 *
 * When the environment switch is on, sets the config's record/replay mode
 * and enforces determinism on it (`wasm_config_enforce_determinism`);
 * otherwise leaves it unchanged. Build the engine with
 * `wasm_engine_new_checked`: a config that opts out of determinism then
 * gives an error instead of an abort.
 *
 * \param config the config; borrowed.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
 * `config`, and `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` without record/replay
 * compiled in.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasm_config_t *config = wasm_config_new();
 * wasmtime_error_t *err = wasmtime_rr_env_config(config);
 * if (!err) err = wasm_engine_new_checked(config, &engine);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_env_config(wasm_config_t *config);

/**
 * Attaches the environment's recorder or replayer to a new store.
 *
 * When the environment switch is on and the store's engine records
 * (replays), the store records into (replays from) its trace file: the
 * first store so attached uses the path in the variable, the next ones the
 * path followed by `.1`, `.2`, ... in creation order. Such a recording
 * captures the host's raw memory writes (`WASMTIME_RR_SHADOW=0` turns that
 * off), hands everything to its file when each call into the guest returns,
 * and ends normally when the store is freed or the process exits; such a
 * replay writes the guest's recorded WASI output to this process's stdout
 * and stderr (`WASMTIME_RR_ECHO=0` turns that off) and, if it still has
 * events at the end, says so on stderr. Otherwise does nothing.
 *
 * \param context the new store.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
 * `context` or a store that has a recorder or replayer already,
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the trace file cannot be created or
 * opened, and `WASMTIME_RR_ERROR_KIND_TRACE_FORMAT` for a file that is no
 * valid trace.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
 * wasmtime_error_t *err = wasmtime_rr_env_attach(wasmtime_store_context(store));
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_env_attach(wasmtime_context_t *context);

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
 * NULL error means success throughout this API), and
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when it is misaligned (no error
 * object of any kind).
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
 * `"unsupported"`, `"invalid_config"`, `"panic"`, `"trace_io"`,
 * `"trace_format"`, `"divergence"`, `"module_mismatch"`, or `"unknown"` for a
 * value that is not a kind.
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
 * Compiles a module and remembers the SHA-256 of its bytes for record/replay.
 *
 * The RR-aware `wasmtime_module_new`: same parameters and result. When the
 * engine records or replays, the checksum is kept for the module's
 * instantiations (recorded, or checked against the trace); free such a
 * module with `wasmtime_rr_module_delete`, which also forgets the checksum
 * (`wasmtime_module_delete` leaves the entry, and the module's code, alive).
 * Otherwise it is exactly `wasmtime_module_new`.
 *
 * \param engine the engine to compile for.
 * \param wasm the module's bytes; may be NULL only when `len` is 0.
 * \param len their length.
 * \param module_out receives the module (owned by the caller); written only
 * on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
 * with Wasmtime's own error (kind `WASMTIME_RR_ERROR_KIND_WASMTIME`) when the
 * bytes do not compile.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_module_t *module = NULL;
 * wasmtime_error_t *err = wasmtime_rr_module_new(engine, wasm.data, wasm.size, &module);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_module_new(const wasm_engine_t *engine,
                                         const uint8_t *wasm,
                                         size_t len,
                                         wasmtime_module_t **module_out);

/**
 * Frees a module made by `wasmtime_rr_module_new`, and its recorded checksum.
 *
 * The RR-aware `wasmtime_module_delete`. A NULL `module` is ignored.
 *
 * \param module the module, consumed; may be NULL.
 *
 * \return nothing.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * wasmtime_rr_module_delete(module);
 * \endcode
 */
void wasmtime_rr_module_delete(wasmtime_module_t *module);

/**
 * Creates a host function whose calls are recorded or replayed.
 *
 * The RR-aware `wasmtime_func_new`: same parameters; returns an error object
 * instead of nothing. While the store records, each call from the guest runs
 * `callback` and records its results (or trap) and the memory writes it made
 * through `wasmtime_rr_memory_write`. While it replays, `callback` is never
 * called: the recorded results, trap and writes are applied. The function's
 * name in the trace is the import it is given to by
 * `wasmtime_rr_instance_new` or `wasmtime_rr_linker_instantiate`. Without a
 * recording or replaying engine it is exactly `wasmtime_func_new`.
 *
 * \param context the store; when its engine records or replays, a recorder
 * or replayer must already be attached.
 * \param type the function type; borrowed.
 * \param callback the host function.
 * \param env passed to `callback` and `finalizer`.
 * \param finalizer called with `env` when the function is freed (may be NULL).
 * \param ret receives the function; written only on success.
 *
 * \return NULL on success, or an error owned by the caller (then `finalizer`
 * is not called).
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the store records or replays
 * but has nothing attached, and `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for a
 * type whose values cannot be recorded.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_func_t clock;
 * wasmtime_error_t *err = wasmtime_rr_func_new(context, clock_type, host_clock, NULL, NULL, &clock);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_func_new(wasmtime_context_t *context,
                                       const wasm_functype_t *type,
                                       wasmtime_func_callback_t callback,
                                       void *env,
                                       void (*finalizer)(void*),
                                       wasmtime_func_t *ret);

/**
 * Defines a host function in a linker whose calls are recorded or replayed.
 *
 * The RR-aware `wasmtime_linker_define_func`: same parameters and result.
 * The function is named `module.name` in the trace. While a store records,
 * calls run `callback` and are recorded; while it replays, `callback` is
 * never called (see `wasmtime_rr_func_new`). When the linker's engine
 * neither records nor replays it is exactly `wasmtime_linker_define_func`.
 *
 * \param linker the linker.
 * \param module the import module name (UTF-8), `module_len` bytes.
 * \param module_len its length.
 * \param name the import name (UTF-8), `name_len` bytes.
 * \param name_len its length.
 * \param ty the function type; borrowed.
 * \param cb the host function.
 * \param data passed to `cb` and `finalizer`.
 * \param finalizer called with `data` when the definition is freed (may be
 * NULL).
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for names that are not UTF-8,
 * `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for a type whose values cannot be
 * recorded, and Wasmtime's own error (for example a duplicate definition).
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_linker_define_func(linker, "env", 3, "now", 3, now_type, host_now, NULL, NULL);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_linker_define_func(wasmtime_linker_t *linker,
                                                 const char *module,
                                                 size_t module_len,
                                                 const char *name,
                                                 size_t name_len,
                                                 const wasm_functype_t *ty,
                                                 wasmtime_func_callback_t cb,
                                                 void *data,
                                                 void (*finalizer)(void*));

/**
 * Instantiates a module, recording or replaying the instantiation.
 *
 * The RR-aware `wasmtime_instance_new`: same parameters and result. While
 * recording, the instantiation is recorded with the SHA-256 of the module's
 * bytes (the module must come from `wasmtime_rr_module_new`), and the
 * instance's exports become callable through `wasmtime_rr_func_call`. While
 * replaying, a module whose checksum differs from the recorded one is a
 * `WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH` error naming both checksums.
 * Host functions from `wasmtime_rr_func_new` among `imports` take the
 * import's name. Without a recorder or replayer it is exactly
 * `wasmtime_instance_new`.
 *
 * \param store the store.
 * \param module the module; borrowed.
 * \param imports the imports, in the module's import order.
 * \param nimports their count.
 * \param instance receives the instance; written only on success.
 * \param trap_ptr receives a trap from the start function (owned by the
 * caller), else NULL.
 *
 * \return NULL on success (check `*trap_ptr`), or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a module not made by
 * `wasmtime_rr_module_new` (when recording or replaying),
 * `WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH`, `WASMTIME_RR_ERROR_KIND_DIVERGENCE`,
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO`, and Wasmtime's own errors.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_instance_t instance;
 * wasm_trap_t *trap = NULL;
 * wasmtime_error_t *err = wasmtime_rr_instance_new(context, module, imports, 2, &instance, &trap);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_instance_new(wasmtime_context_t *store,
                                           const wasmtime_module_t *module,
                                           const wasmtime_extern_t *imports,
                                           size_t nimports,
                                           wasmtime_instance_t *instance,
                                           wasm_trap_t **trap_ptr);

/**
 * Instantiates a module with a linker, recording or replaying it.
 *
 * The RR-aware `wasmtime_linker_instantiate`: same parameters and result;
 * otherwise as `wasmtime_rr_instance_new`.
 *
 * \param linker the linker; borrowed.
 * \param store the store.
 * \param module the module; borrowed.
 * \param instance receives the instance; written only on success.
 * \param trap_ptr receives a trap from the start function, else NULL.
 *
 * \return NULL on success (check `*trap_ptr`), or an error owned by the caller.
 *
 * Fails with the errors of `wasmtime_rr_instance_new`, plus Wasmtime's own errors for
 * imports the linker cannot satisfy.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_linker_instantiate(const wasmtime_linker_t *linker,
                                                 wasmtime_context_t *store,
                                                 const wasmtime_module_t *module,
                                                 wasmtime_instance_t *instance,
                                                 wasm_trap_t **trap_ptr);

/**
 * Calls a guest export, recording or replaying the call.
 *
 * The RR-aware `wasmtime_func_call`: same parameters and result. `func` must
 * be an export of an instance created with `wasmtime_rr_instance_new` or
 * `wasmtime_rr_linker_instantiate` in this store. While recording, the call
 * (export and arguments) and its results or trap are recorded, with every
 * host-function call the guest makes meanwhile. While replaying, the call
 * must be the next one in the trace with the same arguments; the guest runs,
 * its host calls are served from the trace, and its results must equal the
 * recorded ones bit for bit, otherwise the call returns a
 * `WASMTIME_RR_ERROR_KIND_DIVERGENCE` error. Calling into the guest from
 * inside a host function is refused while recording or replaying. Without a
 * recorder or replayer it is exactly `wasmtime_func_call`.
 *
 * \param store the store.
 * \param func the export; borrowed.
 * \param args the arguments (NULL only when `nargs` is 0).
 * \param nargs their count.
 * \param results receives `nresults` results on success without a trap.
 * \param nresults their count.
 * \param trap_ret receives a trap (owned by the caller), else NULL.
 *
 * \return NULL on success (check `*trap_ret`), or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a function that is not such
 * an export, `WASMTIME_RR_ERROR_KIND_UNSUPPORTED` for re-entry from a host
 * function or values that cannot be recorded,
 * `WASMTIME_RR_ERROR_KIND_DIVERGENCE`, `WASMTIME_RR_ERROR_KIND_TRACE_FORMAT`,
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO`, and Wasmtime's own errors.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_val_t result;
 * wasm_trap_t *trap = NULL;
 * wasmtime_error_t *err = wasmtime_rr_func_call(context, &run, NULL, 0, &result, 1, &trap);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_func_call(wasmtime_context_t *store,
                                        const wasmtime_func_t *func,
                                        const wasmtime_val_t *args,
                                        size_t nargs,
                                        wasmtime_val_t *results,
                                        size_t nresults,
                                        wasm_trap_t **trap_ret);

/**
 * Creates a host function of the raw calling convention, recorded or replayed.
 *
 * The RR-aware `wasmtime_func_new_unchecked`: same parameters; returns an
 * error object instead of nothing. `callback` receives the arguments in
 * `args_and_results` and writes its results there, as
 * `wasmtime_func_unchecked_callback_t` says; the values must be of the
 * function's type (the library cannot check raw values, as Wasmtime does
 * not). Recording and replay are as for `wasmtime_rr_func_new`; while
 * replaying, `callback` is never called and the recorded results are written
 * into the buffer directly. This is the fastest way to define a host
 * function with this library.
 *
 * \param context the store; when its engine records or replays, a recorder
 * or replayer must already be attached.
 * \param type the function type; borrowed.
 * \param callback the host function.
 * \param env passed to `callback` and `finalizer`.
 * \param finalizer called with `env` when the function is freed (may be NULL).
 * \param ret receives the function; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with the errors of `wasmtime_rr_func_new`.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_func_t clock;
 * wasmtime_error_t *err = wasmtime_rr_func_new_unchecked(context, clock_type, raw_clock, NULL, NULL, &clock);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_func_new_unchecked(wasmtime_context_t *context,
                                                 const wasm_functype_t *type,
                                                 wasmtime_func_unchecked_callback_t callback,
                                                 void *env,
                                                 void (*finalizer)(void*),
                                                 wasmtime_func_t *ret);

/**
 * Defines a raw-convention host function in a linker, recorded or replayed.
 *
 * The RR-aware `wasmtime_linker_define_func_unchecked`: same parameters and
 * result; otherwise as `wasmtime_rr_linker_define_func` (the function is
 * named `module.name` in the trace) with the callback of
 * `wasmtime_rr_func_new_unchecked`.
 *
 * \param linker the linker.
 * \param module the import module name (UTF-8), `module_len` bytes.
 * \param module_len its length.
 * \param name the import name (UTF-8), `name_len` bytes.
 * \param name_len its length.
 * \param ty the function type; borrowed.
 * \param cb the host function.
 * \param data passed to `cb` and `finalizer`.
 * \param finalizer called with `data` when the definition is freed (may be
 * NULL).
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with the errors of `wasmtime_rr_linker_define_func`.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_linker_define_func_unchecked(linker, "env", 3, "now", 3, now_type, raw_now, NULL, NULL);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_linker_define_func_unchecked(wasmtime_linker_t *linker,
                                                           const char *module,
                                                           size_t module_len,
                                                           const char *name,
                                                           size_t name_len,
                                                           const wasm_functype_t *ty,
                                                           wasmtime_func_unchecked_callback_t cb,
                                                           void *data,
                                                           void (*finalizer)(void*));

/**
 * Calls a guest export with raw values, recording or replaying the call.
 *
 * The RR-aware `wasmtime_func_call_unchecked`: same parameters and result.
 * The arguments are in `args_and_results`, and the results are written over
 * them; the buffer must hold at least as many values as the function has
 * parameters and results, and the values must be of the function's types
 * (raw values cannot be checked: that is the contract of the unchecked
 * convention). The function, the store and the buffer's length are checked.
 * Recording and replay are as for `wasmtime_rr_func_call`.
 *
 * \param store the store.
 * \param func the export; borrowed.
 * \param args_and_results the arguments, then the results.
 * \param args_and_results_len the buffer's length in values.
 * \param trap_ret receives a trap (owned by the caller), else NULL.
 *
 * \return NULL on success (check `*trap_ret`), or an error owned by the caller.
 *
 * Fails with the errors of `wasmtime_rr_func_call`, and with
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a buffer too short.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_val_raw_t buffer[1] = {{.i32 = 6}};
 * wasmtime_error_t *err = wasmtime_rr_func_call_unchecked(context, &run, buffer, 1, &trap);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_func_call_unchecked(wasmtime_context_t *store,
                                                  const wasmtime_func_t *func,
                                                  wasmtime_val_raw_t *args_and_results,
                                                  size_t args_and_results_len,
                                                  wasm_trap_t **trap_ret);

/**
 * Writes bytes into guest memory, recording or replaying the write.
 *
 * Host functions must write into guest memory through this function for
 * the write to be recorded (and re-applied on replay). Outside a host
 * function the write is recorded as its own event and checked on replay.
 * Without a recorder or replayer it is a bounds-checked copy.
 *
 * \param store the store (from `wasmtime_caller_context` inside a host
 * function).
 * \param memory the memory: an export of an instance created through the
 * RR-aware functions (when recording or replaying); borrowed.
 * \param offset where to write.
 * \param data the bytes (NULL only when `len` is 0).
 * \param len their count.
 *
 * \return NULL on success, or an error owned by the caller; nothing is
 * written on failure.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the range does not fit the
 * memory or the memory is unknown to the recording,
 * `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when a replayed write differs, and
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO`.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_memory_write(context, &memory, ptr, random_bytes, 16);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_memory_write(wasmtime_context_t *store,
                                           const wasmtime_memory_t *memory,
                                           uint64_t offset,
                                           const uint8_t *data,
                                           size_t len);

/**
 * Gives the address of a memory's bytes, for a host that may write through it.
 *
 * The RR-aware `wasmtime_memory_data`: the same address, and, on a store
 * recording with shadow memory (`wasmtime_rr_recorder_shadow_memory_set`),
 * a note that the host may now write guest memory directly. From a host's
 * first call of this function on, shadow memory copies and compares memory
 * only in the host turns (host function calls, and the time between calls
 * into the guest) in which the host asked for an address, so turns that
 * never touch memory cost nothing. The preload library puts every
 * `wasmtime_memory_data` call of an unmodified host here. A host that keeps
 * an address from an earlier turn and writes through it later is not seen;
 * the memory-digest setting reports that as a divergence at replay.
 *
 * \param store the store.
 * \param memory the memory; borrowed.
 * \param data receives the address of the memory's first byte (valid until
 * the memory grows).
 *
 * \return NULL on success, or an error owned by the caller; `*data` is
 * written only on success.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a memory of another store.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * uint8_t *base;
 * wasmtime_error_t *err = wasmtime_rr_memory_data(context, &memory, &base);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_memory_data(wasmtime_context_t *store,
                                          const wasmtime_memory_t *memory,
                                          uint8_t **data);

/**
 * Creates a recorder that writes its trace to a file.
 *
 * The file is created (or truncated) now, so a path that cannot be written
 * is reported here. Settings start at their defaults: no validation
 * metadata, an event window of 16, no memory digest.
 *
 * \param path the file's path, NUL-terminated; any bytes but NUL (the path
 * need not be UTF-8).
 * \param recorder_out receives the recorder, owned by the caller until it is
 * attached (`wasmtime_rr_store_record`) or freed
 * (`wasmtime_rr_recorder_delete`); written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the file cannot be created.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_t *recorder = NULL;
 * wasmtime_error_t *err = wasmtime_rr_recorder_new_file("session.wrr", &recorder);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_new_file(const char *path,
                                                wasmtime_rr_recorder_t **recorder_out);

/**
 * Creates a recorder that hands its trace to a write callback.
 *
 * The callback receives the header when the recorder is attached, then one
 * frame per window of events, then the last frame when the store is
 * finished (or freed). What it has acknowledged (returned `true` for) is
 * always a valid prefix of the trace. Settings start at their defaults.
 *
 * \param write the callback; it may run on any thread that uses the store.
 * \param data passed to `write` and `finalizer`.
 * \param finalizer called with `data` when the recorder is freed or its
 * recording ends (may be NULL).
 * \param recorder_out receives the recorder, owned by the caller until
 * attached or freed; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `write` or
 * `recorder_out` is NULL (the finalizer is then not called).
 *
 * Never aborts.
 *
 * Example:
 * \code
 * static bool append(void *buf, const uint8_t *bytes, size_t len) { ...; return true; }
 * wasmtime_rr_recorder_new_callback(append, &buffer, NULL, &recorder);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_new_callback(wasmtime_rr_write_callback_t write,
                                                    void *data,
                                                    void (*finalizer)(void*),
                                                    wasmtime_rr_recorder_t **recorder_out);

/**
 * Chooses whether host-call events also record their arguments.
 *
 * With validation metadata a replay checks that every host function is
 * called with the recorded arguments (a mismatch is a divergence); without
 * it (the default) a host-call event holds only its results, at most a few
 * bytes beyond them.
 *
 * \param recorder a recorder not yet attached; borrowed.
 * \param enable `true` to record arguments. Default `false`.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_validation_set(recorder, true);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_validation_set(wasmtime_rr_recorder_t *recorder,
                                                      bool enable);

/**
 * Sets how many events are buffered before each write to the trace.
 *
 * Each window is written as one CRC-checked frame. A smaller window loses
 * less on a crash and costs more writes. Default 16.
 *
 * \param recorder a recorder not yet attached; borrowed.
 * \param events the window, at least 1.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL
 * and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when `events` is 0.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_event_window_set(recorder, 4096);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_event_window_set(wasmtime_rr_recorder_t *recorder,
                                                        uint32_t events);

/**
 * Chooses whether each host-call event carries a digest of guest memory.
 *
 * The digest is taken after each host function returns and checked by a
 * replay: it catches host writes into guest memory that bypassed
 * `wasmtime_rr_memory_write`. It hashes every exported memory on every host
 * call, so it costs time in proportion to memory size. Default off.
 *
 * \param recorder a recorder not yet attached; borrowed.
 * \param enable `true` to record digests.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_memory_digest_set(recorder, true);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_memory_digest_set(wasmtime_rr_recorder_t *recorder,
                                                         bool enable);

/**
 * Sets how many bytes a recording batches before writing them out.
 *
 * A recording seals its events into CRC-checked frames (one per event
 * window) and hands sealed frames to the file or write callback in batches,
 * so that recording does not pay a system call every few events. Frames are
 * handed over when `bytes` have accumulated, when the last hand-over is
 * more than 100 ms old as a frame is sealed, when a call into the guest
 * ends with a trap or error, on `wasmtime_rr_store_flush`, at
 * `wasmtime_rr_store_finish` and when the store is freed. Whatever has been
 * handed over is a valid, replayable prefix of the trace; if the process is
 * killed, what was not yet handed over is lost. 0 hands every frame over as
 * soon as it is sealed. Default 65536.
 *
 * \param recorder a recorder not yet attached; borrowed.
 * \param bytes the batch size in bytes.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_flush_bytes_set(recorder, 0); // every frame at once
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_flush_bytes_set(wasmtime_rr_recorder_t *recorder,
                                                       size_t bytes);

/**
 * Chooses whether a recording's trace is compressed, and how hard.
 *
 * With a level from 1 to 19, every batch of frames a recording hands to its
 * destination (see `wasmtime_rr_recorder_flush_bytes_set`) is one zstd
 * block: the trace is typically several times smaller, and recording costs
 * the compression time (level 1 is the fastest). What the destination has
 * acknowledged is still a valid prefix (whole blocks). Replayers and
 * `wasmtime-rr inspect` read compressed and uncompressed traces alike.
 * Default 0: not compressed.
 *
 * \param recorder a recorder not yet attached; borrowed.
 * \param level 0 (off) or a zstd level from 1 to 19.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL
 * and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for another level.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_compression_set(recorder, 3);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_compression_set(wasmtime_rr_recorder_t *recorder,
                                                       int32_t level);

/**
 * Chooses whether a recording captures the host's raw memory writes.
 *
 * A host that writes into guest memory through `wasmtime_memory_data` (or
 * wasmtime-py's `Memory.write`, wasmtime-go's `Memory.UnsafeData`) instead
 * of `wasmtime_rr_memory_write` changes what the guest sees without the
 * trace knowing. With this setting the recording copies every known memory
 * (those exported by instances made through the RR-aware functions) when
 * control passes to the host (a host function starts, a call into the guest
 * returns) and compares it when control comes back: what changed is
 * recorded as memory writes, which a replay applies. It costs a copy and a
 * comparison of all that memory at each of those points (see the README
 * for measurements). Not caught: writes to memories of other instances,
 * host changes to globals or tables, and a write the host undoes before
 * the guest runs again. Default off; the environment switch
 * (`WASMTIME_RR_RECORD`) turns it on.
 *
 * \param recorder a recorder not yet attached; borrowed.
 * \param enable `true` to capture.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `recorder` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_shadow_memory_set(recorder, true);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_recorder_shadow_memory_set(wasmtime_rr_recorder_t *recorder,
                                                         bool enable);

/**
 * Frees a recorder that was never attached.
 *
 * Closes its file or runs its callback's finalizer. A NULL `recorder` is
 * ignored. Do not free a recorder that `wasmtime_rr_store_record` took.
 *
 * \param recorder the recorder, consumed; may be NULL.
 *
 * \return nothing.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * wasmtime_rr_recorder_delete(recorder);
 * \endcode
 */
void wasmtime_rr_recorder_delete(wasmtime_rr_recorder_t *recorder);

/**
 * Creates a replayer that reads a trace from a file.
 *
 * The file is opened now; its header is read and checked when the replayer
 * is attached (`wasmtime_rr_store_replay`).
 *
 * \param path the file's path, NUL-terminated (any bytes but NUL).
 * \param replayer_out receives the replayer, owned by the caller until
 * attached or freed; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument and
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the file cannot be opened.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_replayer_t *replayer = NULL;
 * wasmtime_error_t *err = wasmtime_rr_replayer_new_file("session.wrr", &replayer);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_replayer_new_file(const char *path,
                                                wasmtime_rr_replayer_t **replayer_out);

/**
 * Creates a replayer that reads a trace from memory.
 *
 * \param bytes the trace; copied, so it may be freed after the call. May be
 * NULL only when `len` is 0.
 * \param len its length in bytes.
 * \param replayer_out receives the replayer, owned by the caller until
 * attached or freed; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `bytes` is NULL with
 * a non-zero `len`, or `replayer_out` is NULL. An invalid trace is reported
 * when the replayer is attached.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_replayer_new_bytes(trace.data, trace.size, &replayer);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_replayer_new_bytes(const uint8_t *bytes,
                                                 size_t len,
                                                 wasmtime_rr_replayer_t **replayer_out);

/**
 * Creates a replayer that pulls its trace from a read callback.
 *
 * \param read the callback (see `wasmtime_rr_read_callback_t`); it may run
 * on any thread that uses the store.
 * \param data passed to `read` and `finalizer`.
 * \param finalizer called with `data` when the replayer is freed or its
 * replay ends (may be NULL).
 * \param replayer_out receives the replayer, owned by the caller until
 * attached or freed; written only on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `read` or
 * `replayer_out` is NULL (the finalizer is then not called).
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_replayer_new_callback(read_from_socket, &conn, NULL, &replayer);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_replayer_new_callback(wasmtime_rr_read_callback_t read,
                                                    void *data,
                                                    void (*finalizer)(void*),
                                                    wasmtime_rr_replayer_t **replayer_out);

/**
 * Chooses whether a replay writes the guest's recorded WASI output.
 *
 * While replaying, WASI functions have no effect: an `fd_write` to stdout
 * or stderr is checked against the recorded bytes and not performed. With
 * echo on, those recorded bytes are written to this process's stdout or
 * stderr as they are replayed, so a replay shows what the recording showed
 * (this is what `wasmtime-rr replay` does). Default off.
 *
 * \param replayer a replayer not yet attached; borrowed.
 * \param enable `true` to echo.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `replayer` is NULL.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_rr_replayer_echo_set(replayer, true);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_replayer_echo_set(wasmtime_rr_replayer_t *replayer,
                                                bool enable);

/**
 * Frees a replayer that was never attached.
 *
 * A NULL `replayer` is ignored. Do not free a replayer that
 * `wasmtime_rr_store_replay` took.
 *
 * \param replayer the replayer, consumed; may be NULL.
 *
 * \return nothing.
 *
 * Cannot fail. Cannot abort.
 *
 * Example:
 * \code
 * wasmtime_rr_replayer_delete(replayer);
 * \endcode
 */
void wasmtime_rr_replayer_delete(wasmtime_rr_replayer_t *replayer);

/**
 * Starts recording a store into a recorder's trace.
 *
 * Writes the trace header (magic, format version, Wasmtime version, the
 * record settings). From now on the RR-aware functions record every
 * instantiation, export call, host-function call and host memory write on
 * this store. A recorder belongs to exactly one store. End the recording with
 * `wasmtime_rr_store_finish`; if the store is freed first, the trace is
 * closed with an end marker saying so.
 *
 * \param context the store to record; its engine must be recording.
 * \param recorder consumed whenever it is non-NULL, also on failure.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the engine is not recording
 * or the store already has a recorder or replayer, and
 * `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the header cannot be written.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_store_record(wasmtime_store_context(store), recorder);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_store_record(wasmtime_context_t *context,
                                           wasmtime_rr_recorder_t *recorder);

/**
 * Starts replaying a store from a replayer's trace.
 *
 * Reads and checks the trace header. From now on the RR-aware functions on
 * this store follow the trace: host functions are not called, their recorded
 * results, traps and memory writes are applied instead; every instantiation,
 * export call and host write is checked against the trace, and a difference
 * is a `WASMTIME_RR_ERROR_KIND_DIVERGENCE` (or `..._MODULE_MISMATCH`) error.
 * End with `wasmtime_rr_store_finish`, which checks the trace has no events
 * left.
 *
 * \param context the store to replay into; its engine must be replaying.
 * \param replayer consumed whenever it is non-NULL, also on failure.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` for a NULL argument,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when the engine is not replaying
 * or the store already has a recorder or replayer,
 * `WASMTIME_RR_ERROR_KIND_TRACE_FORMAT` for a header that is not a valid
 * trace (bad magic, other format version, other Wasmtime major version,
 * corruption, truncation) and `WASMTIME_RR_ERROR_KIND_TRACE_IO` when reading
 * fails.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_store_replay(wasmtime_store_context(store), replayer);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_store_replay(wasmtime_context_t *context,
                                           wasmtime_rr_replayer_t *replayer);

/**
 * Hands everything a store has recorded so far to the trace destination.
 *
 * Seals the open frame and writes every pending frame to the file (or
 * write callback): when this returns, the destination holds a valid prefix
 * of the trace with every event recorded before the call, which survives
 * the process being killed. Does nothing on a replaying store.
 *
 * \param context the store.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
 * `context`, `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when nothing is
 * attached, and `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the write fails.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_store_flush(wasmtime_store_context(store));
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_store_flush(wasmtime_context_t *context);

/**
 * Ends the recording or replay of a store.
 *
 * Recording: writes the end marker and hands the last frame to the trace
 * destination (then closes the file or runs the callback's finalizer).
 * Replaying: checks that the trace has nothing left but its end marker.
 * Either way the recorder or replayer is released and the store can have
 * another one attached.
 *
 * \param context the store.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` when `context` is NULL,
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` when nothing is attached,
 * `WASMTIME_RR_ERROR_KIND_DIVERGENCE` when a replay has events left or had
 * diverged, and `WASMTIME_RR_ERROR_KIND_TRACE_IO` when the last write fails.
 * The session is released in every case.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_store_finish(wasmtime_store_context(store));
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_store_finish(wasmtime_context_t *context);

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

/**
 * Defines WASI preview 1 in a linker, recorded and replayed.
 *
 * The RR-aware `wasmtime_linker_define_wasi`: same parameter and result.
 * When the linker's engine records or replays, each of the 46 functions of
 * `wasi_snapshot_preview1` is defined as a wrapper around Wasmtime's own
 * implementation. On a store with a recorder attached, every call is
 * recorded: what it was given (descriptors, sizes, flags, paths), its errno,
 * every byte it wrote into guest memory (clock readings, random bytes, stdin
 * and file contents, metadata, directory entries, poll events),
 * `proc_exit` and its status, and the bytes written to stdout and stderr.
 * On a replaying store no WASI function runs: no file is opened, no clock or
 * random source read, no stdin consumed, nothing printed (see
 * `wasmtime_rr_replayer_echo_set`); each call is checked against the trace
 * (another function, other descriptors, sizes, paths or, with validation
 * metadata, pointers, or other bytes to stdout or stderr are a
 * `WASMTIME_RR_ERROR_KIND_DIVERGENCE` naming the event and the function)
 * and the recorded outputs are written where the guest asks.
 * On a store with nothing attached the functions behave as the stock ones.
 * The store's WASI context must come from `wasmtime_rr_context_set_wasi`.
 * When the engine neither records nor replays this is exactly
 * `wasmtime_linker_define_wasi`.
 *
 * \param linker the linker; borrowed.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
 * `linker`, and with Wasmtime's own error when a function of that name is
 * already defined (unless the linker allows shadowing).
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasmtime_error_t *err = wasmtime_rr_linker_define_wasi(linker);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_linker_define_wasi(wasmtime_linker_t *linker);

/**
 * Gives a store its WASI context, where the RR-aware WASI functions find it.
 *
 * The RR-aware `wasmtime_context_set_wasi`: same parameters and result, but
 * `wasi` is consumed only on success (on failure it is still the caller's).
 * When the store's engine records or replays, the context is kept for the
 * functions `wasmtime_rr_linker_define_wasi` defines (the stock WASI
 * definitions do not see it); otherwise this is exactly
 * `wasmtime_context_set_wasi`. A second call replaces the context. A
 * replaying store needs no WASI context (its calls are served from the
 * trace); when it has one, its arguments and environment variables must be
 * the recorded ones (else `WASMTIME_RR_ERROR_KIND_DIVERGENCE`), and nothing
 * else of it is used.
 *
 * \param context the store.
 * \param wasi the WASI configuration; consumed on success.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned argument.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasi_config_t *wasi = wasi_config_new();
 * wasi_config_inherit_stdout(wasi);
 * wasmtime_error_t *err = wasmtime_rr_context_set_wasi(wasmtime_store_context(store), wasi);
 * if (err) wasi_config_delete(wasi);
 * \endcode
 */
wasmtime_error_t *wasmtime_rr_context_set_wasi(wasmtime_context_t *context,
                                               wasi_config_t *wasi);

/**
 * Makes a WASI configuration's random source deterministic.
 *
 * The guest's `random_get` (and the insecure random source of WASI 0.2)
 * then yields the same bytes on every run with the same seed: a ChaCha12
 * generator (`rand`'s `StdRng`) seeded from `seed`. Use it to make a guest
 * reproducible without a trace; a recording records whatever the source
 * gives.
 *
 * \param config the WASI configuration; borrowed.
 * \param seed the seed.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned `config`.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasi_config_random_seed_set(wasi, 42);
 * \endcode
 */
wasmtime_error_t *wasi_config_random_seed_set(wasi_config_t *config,
                                              uint64_t seed);

/**
 * Gives a WASI configuration a virtual wall clock.
 *
 * The guest's first reading of the real-time clock (`clock_time_get` with
 * `realtime`, WASI 0.2's `wall-clock`) is `start_ns` nanoseconds since the
 * Unix epoch, and every reading advances the clock by `step_ns`, so a guest
 * reads the same times on every run. Its resolution is `step_ns` (at least
 * 1 ns). The clock stops at the largest value instead of wrapping.
 *
 * \param config the WASI configuration; borrowed.
 * \param start_ns the first reading, in nanoseconds since 1970-01-01 UTC.
 * \param step_ns how far each reading advances the clock, at most 10^15 ns.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
 * `config`, and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a larger step.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasi_config_wall_clock_set(wasi, 1764500000000000000ull, 1000);
 * \endcode
 */
wasmtime_error_t *wasi_config_wall_clock_set(wasi_config_t *config,
                                             uint64_t start_ns,
                                             uint64_t step_ns);

/**
 * Gives a WASI configuration a virtual monotonic clock.
 *
 * As `wasi_config_wall_clock_set`, for the monotonic clock
 * (`clock_time_get` with `monotonic`, WASI 0.2's `monotonic-clock`). A
 * guest that sleeps still waits for real time, but reads the same times.
 *
 * \param config the WASI configuration; borrowed.
 * \param start_ns the first reading, in nanoseconds.
 * \param step_ns how far each reading advances the clock, at most 10^15 ns.
 *
 * \return NULL on success, or an error owned by the caller.
 *
 * Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
 * `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
 * `config`, and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a larger step.
 *
 * Never aborts.
 *
 * Example:
 * \code
 * wasi_config_monotonic_clock_set(wasi, 0, 1000);
 * \endcode
 */
wasmtime_error_t *wasi_config_monotonic_clock_set(wasi_config_t *config,
                                                  uint64_t start_ns,
                                                  uint64_t step_ns);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* WASMTIME_RR_H */
