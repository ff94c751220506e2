/**
 * \file wasmtime_rr.hh
 *
 * C++ API for wasmtime-rr's record/replay configuration and record/replay (WASI preview 1
 * and components included), on top of Wasmtime's own C++ API (`wasmtime.hh`,
 * `wasmtime/component.hh`). Header-only: every function
 * forwards to one C function of `wasmtime_rr.h` and maps its `wasmtime_error_t*` into
 * `wasmtime::Result`. It adds no logic of its own, except `Session` (the store-level
 * switch: a store records or replays while a `Session` object lives).
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
#include <memory>
#include <string>
#include <vector>
#include <string_view>
#include <utility>
#include <variant>
#include <cstring>
#include <wasmtime.hh>
#include <wasmtime/component.hh>
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


// ---------------------------------------------------------------------------
// Record and replay (see the C header for the full contract of each call).

/// An owned recorder: a trace destination and record settings
/// (`wasmtime_rr_recorder_t`). Moved into `record`.
class Recorder {
  struct deleter {
    void operator()(wasmtime_rr_recorder_t *r) const { wasmtime_rr_recorder_delete(r); }
  };
  std::unique_ptr<wasmtime_rr_recorder_t, deleter> ptr;

public:
  /// Takes ownership of a raw recorder.
  explicit Recorder(wasmtime_rr_recorder_t *raw) : ptr(raw) {}

  /// A recorder writing to a file (`wasmtime_rr_recorder_new_file`).
  static Result<Recorder> file(const std::string &path) {
    wasmtime_rr_recorder_t *raw = nullptr;
    wasmtime_error_t *error = wasmtime_rr_recorder_new_file(path.c_str(), &raw);
    if (error != nullptr) {
      return Error(error);
    }
    return Recorder(raw);
  }

  /// A recorder handing frames to a callback (`wasmtime_rr_recorder_new_callback`).
  static Result<Recorder> callback(wasmtime_rr_write_callback_t write, void *data,
                                   void (*finalizer)(void *)) {
    wasmtime_rr_recorder_t *raw = nullptr;
    wasmtime_error_t *error = wasmtime_rr_recorder_new_callback(write, data, finalizer, &raw);
    if (error != nullptr) {
      return Error(error);
    }
    return Recorder(raw);
  }

  /// Records host-call arguments too (`wasmtime_rr_recorder_validation_set`).
  Result<std::monostate> validation(bool enable) {
    return detail::wrap(wasmtime_rr_recorder_validation_set(ptr.get(), enable), std::monostate());
  }

  /// Events per written frame (`wasmtime_rr_recorder_event_window_set`).
  Result<std::monostate> event_window(uint32_t events) {
    return detail::wrap(wasmtime_rr_recorder_event_window_set(ptr.get(), events), std::monostate());
  }

  /// A memory digest after each host call (`wasmtime_rr_recorder_memory_digest_set`).
  Result<std::monostate> memory_digest(bool enable) {
    return detail::wrap(wasmtime_rr_recorder_memory_digest_set(ptr.get(), enable), std::monostate());
  }

  /// Bytes of sealed frames batched before they are handed to the file or
  /// callback; 0 hands every frame over as soon as it is sealed; default
  /// 65536 (`wasmtime_rr_recorder_flush_bytes_set`). See `flush`.
  Result<std::monostate> flush_bytes(size_t bytes) {
    return detail::wrap(wasmtime_rr_recorder_flush_bytes_set(ptr.get(), bytes), std::monostate());
  }

  /// Gives up ownership of the raw recorder.
  wasmtime_rr_recorder_t *release() { return ptr.release(); }
};

/// An owned replayer: a trace source (`wasmtime_rr_replayer_t`). Moved into `replay`.
class Replayer {
  struct deleter {
    void operator()(wasmtime_rr_replayer_t *r) const { wasmtime_rr_replayer_delete(r); }
  };
  std::unique_ptr<wasmtime_rr_replayer_t, deleter> ptr;

  template <typename F> static Result<Replayer> make(F create) {
    wasmtime_rr_replayer_t *raw = nullptr;
    wasmtime_error_t *error = create(&raw);
    if (error != nullptr) {
      return Error(error);
    }
    return Replayer(raw);
  }

public:
  /// Takes ownership of a raw replayer.
  explicit Replayer(wasmtime_rr_replayer_t *raw) : ptr(raw) {}

  /// A replayer reading a file (`wasmtime_rr_replayer_new_file`).
  static Result<Replayer> file(const std::string &path) {
    return make([&](wasmtime_rr_replayer_t **out) { return wasmtime_rr_replayer_new_file(path.c_str(), out); });
  }

  /// A replayer over a copy of bytes (`wasmtime_rr_replayer_new_bytes`).
  static Result<Replayer> bytes(Span<const uint8_t> trace) {
    return make([&](wasmtime_rr_replayer_t **out) {
      return wasmtime_rr_replayer_new_bytes(trace.data(), trace.size(), out);
    });
  }

  /// A replayer pulling from a callback (`wasmtime_rr_replayer_new_callback`).
  static Result<Replayer> callback(wasmtime_rr_read_callback_t read, void *data, void (*finalizer)(void *)) {
    return make([&](wasmtime_rr_replayer_t **out) { return wasmtime_rr_replayer_new_callback(read, data, finalizer, out); });
  }

  /// Writes the guest's recorded WASI stdout and stderr bytes to this
  /// process's stdout and stderr as they are replayed; default off, when a
  /// replay prints nothing (`wasmtime_rr_replayer_echo_set`).
  Result<std::monostate> echo(bool enable) {
    return detail::wrap(wasmtime_rr_replayer_echo_set(ptr.get(), enable), std::monostate());
  }

  /// Gives up ownership of the raw replayer.
  wasmtime_rr_replayer_t *release() { return ptr.release(); }
};

/// Starts recording a store (`wasmtime_rr_store_record`); consumes the recorder.
inline Result<std::monostate> record(Store::Context cx, Recorder recorder) {
  return detail::wrap(wasmtime_rr_store_record(cx.capi(), recorder.release()), std::monostate());
}

/// Starts replaying a store (`wasmtime_rr_store_replay`); consumes the replayer.
inline Result<std::monostate> replay(Store::Context cx, Replayer replayer) {
  return detail::wrap(wasmtime_rr_store_replay(cx.capi(), replayer.release()), std::monostate());
}

/// Hands everything a store has recorded so far to its trace destination, a
/// valid prefix of the trace; does nothing on a replaying store
/// (`wasmtime_rr_store_flush`).
inline Result<std::monostate> flush(Store::Context cx) {
  return detail::wrap(wasmtime_rr_store_flush(cx.capi()), std::monostate());
}

/// Ends the recording or replay of a store (`wasmtime_rr_store_finish`).
inline Result<std::monostate> finish(Store::Context cx) {
  return detail::wrap(wasmtime_rr_store_finish(cx.capi()), std::monostate());
}

/// Compiles a module and keeps its checksum (`wasmtime_rr_module_new`).
/// Release it with `module_delete` to drop the checksum too.
inline Result<Module> module_new(Engine &engine, Span<const uint8_t> wasm) {
  wasmtime_module_t *raw = nullptr;
  wasmtime_error_t *error = wasmtime_rr_module_new(engine.capi(), wasm.data(), wasm.size(), &raw);
  if (error != nullptr) {
    return Error(error);
  }
  return Module(raw);
}

/// Frees a module from `module_new` and its checksum (`wasmtime_rr_module_delete`).
inline void module_delete(Module &&module) { wasmtime_rr_module_delete(module.capi_release()); }

/// Defines a recorded/replayed host function (`wasmtime_rr_linker_define_func`).
inline Result<std::monostate> define_func(Linker &linker, std::string_view module, std::string_view name,
                                          const wasm_functype_t *type, wasmtime_func_callback_t callback,
                                          void *data = nullptr, void (*finalizer)(void *) = nullptr) {
  return detail::wrap(wasmtime_rr_linker_define_func(linker.capi(), module.data(), module.size(), name.data(),
                                                     name.size(), type, callback, data, finalizer),
                      std::monostate());
}

/// Creates a recorded/replayed host function in a store (`wasmtime_rr_func_new`).
inline Result<Func> func_new(Store::Context cx, const wasm_functype_t *type, wasmtime_func_callback_t callback,
                             void *data = nullptr, void (*finalizer)(void *) = nullptr) {
  wasmtime_func_t func;
  wasmtime_error_t *error = wasmtime_rr_func_new(cx.capi(), type, callback, data, finalizer, &func);
  if (error != nullptr) {
    return Error(error);
  }
  return Func(func);
}

namespace detail {
/// Maps the (error, trap) pair of an instantiation or call.
template <typename T> TrapResult<T> trap_result(wasmtime_error_t *error, wasm_trap_t *trap, T value) {
  if (error != nullptr) {
    return TrapError(Error(error));
  }
  if (trap != nullptr) {
    return TrapError(Trap(trap));
  }
  return value;
}
} // namespace detail

/// Instantiates through a linker, recorded/replayed (`wasmtime_rr_linker_instantiate`).
inline TrapResult<Instance> instantiate(Linker &linker, Store::Context cx, const Module &module) {
  wasmtime_instance_t instance{};
  wasm_trap_t *trap = nullptr;
  wasmtime_error_t *error = wasmtime_rr_linker_instantiate(linker.capi(), cx.capi(), module.capi(), &instance, &trap);
  return detail::trap_result(error, trap, Instance(instance));
}

/// Instantiates with function imports, recorded/replayed (`wasmtime_rr_instance_new`).
inline TrapResult<Instance> instantiate(Store::Context cx, const Module &module, const std::vector<Func> &imports) {
  std::vector<wasmtime_extern_t> raw(imports.size());
  for (size_t i = 0; i < imports.size(); i++) {
    raw[i].kind = WASMTIME_EXTERN_FUNC;
    raw[i].of.func = imports[i].capi();
  }
  wasmtime_instance_t instance{};
  wasm_trap_t *trap = nullptr;
  wasmtime_error_t *error =
      wasmtime_rr_instance_new(cx.capi(), module.capi(), raw.data(), raw.size(), &instance, &trap);
  return detail::trap_result(error, trap, Instance(instance));
}

/// Calls a guest export, recorded/replayed (`wasmtime_rr_func_call`).
inline TrapResult<std::vector<Val>> call(Store::Context cx, const Func &func, const std::vector<Val> &args,
                                         size_t nresults) {
  std::vector<wasmtime_val_t> raw_args;
  for (const Val &arg : args) {
    raw_args.push_back(*arg.capi());
  }
  std::vector<wasmtime_val_t> raw_results(nresults);
  wasm_trap_t *trap = nullptr;
  wasmtime_error_t *error = wasmtime_rr_func_call(cx.capi(), &func.capi(), raw_args.data(), raw_args.size(),
                                                  raw_results.data(), raw_results.size(), &trap);
  std::vector<Val> results;
  if (error == nullptr && trap == nullptr) {
    results.assign(raw_results.begin(), raw_results.end());
  }
  return detail::trap_result(error, trap, std::move(results));
}

/// Writes into guest memory, recorded/replayed (`wasmtime_rr_memory_write`).
inline Result<std::monostate> memory_write(Store::Context cx, const Memory &memory, uint64_t offset,
                                           Span<const uint8_t> bytes) {
  return detail::wrap(wasmtime_rr_memory_write(cx.capi(), &memory.capi(), offset, bytes.data(), bytes.size()),
                      std::monostate());
}

#ifdef WASMTIME_FEATURE_WASI
// ---------------------------------------------------------------------------
// WASI preview 1 under record/replay, and deterministic WASI configurations.

/// Defines WASI preview 1 in a linker, recorded/replayed when its engine
/// records or replays, else exactly `Linker::define_wasi`
/// (`wasmtime_rr_linker_define_wasi`). Use it with `set_wasi`.
inline Result<std::monostate> define_wasi(Linker &linker) {
  return detail::wrap(wasmtime_rr_linker_define_wasi(linker.capi()), std::monostate());
}

/// Gives a store its WASI context where the functions of `define_wasi` find
/// it (`wasmtime_rr_context_set_wasi`), the RR-aware
/// `Store::Context::set_wasi`. On success `config` is consumed (left empty,
/// like a moved-from WasiConfig); on failure it is left unchanged and still
/// the caller's. A replaying store needs no WASI context; when it has one, its
/// arguments and environment must be the recorded ones.
inline Result<std::monostate> set_wasi(Store::Context cx, WasiConfig &&config) {
  wasmtime_error_t *error = wasmtime_rr_context_set_wasi(cx.capi(), config.capi());
  if (error != nullptr) {
    return Error(error);
  }
  config.capi_release(); // now owned, and freed, by the store
  return std::monostate();
}

/// Makes the guest's random source a generator seeded with `seed`
/// (`wasi_config_random_seed_set`).
inline Result<std::monostate> random_seed(WasiConfig &config, uint64_t seed) {
  return detail::wrap(wasi_config_random_seed_set(config.capi(), seed), std::monostate());
}

/// Gives the guest a virtual wall clock: `start_ns` since the Unix epoch,
/// advancing `step_ns` (at most 10^15) per reading (`wasi_config_wall_clock_set`).
inline Result<std::monostate> wall_clock(WasiConfig &config, uint64_t start_ns, uint64_t step_ns) {
  return detail::wrap(wasi_config_wall_clock_set(config.capi(), start_ns, step_ns), std::monostate());
}

/// Gives the guest a virtual monotonic clock, as `wall_clock`
/// (`wasi_config_monotonic_clock_set`).
inline Result<std::monostate> monotonic_clock(WasiConfig &config, uint64_t start_ns, uint64_t step_ns) {
  return detail::wrap(wasi_config_monotonic_clock_set(config.capi(), start_ns, step_ns), std::monostate());
}
#endif // WASMTIME_FEATURE_WASI

// ---------------------------------------------------------------------------
// Switches: record or replay one store (Session), or as the environment asks
// (WASMTIME_RR_RECORD=PATH / WASMTIME_RR_REPLAY=PATH, read once per process).

/// What the environment asks for (`wasmtime_rr_env_mode`): `Recording` when
/// `WASMTIME_RR_RECORD` is set, `Replaying` when `WASMTIME_RR_REPLAY` is,
/// `None` when neither or both are.
inline Mode env_mode() { return static_cast<Mode>(wasmtime_rr_env_mode()); }

/// Makes a config record or replay as the environment asks, with determinism
/// enforced; unchanged when the switch is off (`wasmtime_rr_env_config`).
inline Result<std::monostate> env_config(Config &config) {
  return detail::wrap(wasmtime_rr_env_config(config.capi()), std::monostate());
}

/// Attaches the environment's recorder or replayer to a store whose engine
/// records or replays: the first store so attached uses PATH, the next ones
/// PATH.1, PATH.2, ...; does nothing when the switch is off
/// (`wasmtime_rr_env_attach`). End it with `finish` (or use `Session::from_env`).
inline Result<std::monostate> env_attach(Store::Context cx) {
  return detail::wrap(wasmtime_rr_env_attach(cx.capi()), std::monostate());
}

/// The store-level switch: one store records (replays) while a `Session`
/// lives; the engine's other stores are not touched. The session ends when it
/// is destroyed (a recording writes its end marker and closes its file; the
/// result is ignored) or earlier with `finish()`, which reports it:
///
/// \code
/// auto session = wasmtime::rr::Session::record_to(store, "session.wrr").unwrap();
/// ...                        // everything `store` does is recorded
/// session.finish().unwrap(); // optional: the destructor finishes too
/// \endcode
///
/// The store's engine must record (replay): `record(config, true)`, or
/// `env_config`. A session refers to its store: destroy (or finish) it before
/// the store, that is, declare it after the store. Move-only.
class Session {
  wasmtime_context_t *cx = nullptr; // null: nothing to finish

  explicit Session(wasmtime_context_t *context) : cx(context) {}

  static Result<Session> attached(wasmtime_context_t *context, wasmtime_error_t *error) {
    if (error != nullptr) {
      return Error(error);
    }
    return Session(context);
  }

  void end() noexcept {
    if (cx != nullptr) {
      wasmtime_error_t *error = wasmtime_rr_store_finish(std::exchange(cx, nullptr));
      if (error != nullptr) {
        wasmtime_error_delete(error);
      }
    }
  }

public:
  /// A session that has nothing attached.
  Session() = default;
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  /// Takes the other session over; the other has nothing attached afterwards.
  Session(Session &&other) noexcept : cx(std::exchange(other.cx, nullptr)) {}
  /// Finishes this session, then takes the other one over.
  Session &operator=(Session &&other) noexcept {
    if (this != &other) {
      end();
      cx = std::exchange(other.cx, nullptr);
    }
    return *this;
  }
  /// Finishes the session if it is still attached; errors are ignored (call
  /// `finish()` to see them).
  ~Session() { end(); }

  /// Records the store into the file at `path` (`wasmtime_rr_recorder_new_file`,
  /// then `wasmtime_rr_store_record`). The file is created before the store is
  /// attached. Errors: `TraceIo` for a path that cannot be written,
  /// `InvalidArgument` when the engine does not record or the store is
  /// recording or replaying already.
  static Result<Session> record_to(Store::Context cx, const std::string &path) {
    wasmtime_rr_recorder_t *recorder = nullptr;
    wasmtime_error_t *error = wasmtime_rr_recorder_new_file(path.c_str(), &recorder);
    if (error == nullptr) {
      error = wasmtime_rr_store_record(cx.capi(), recorder);
    }
    return attached(cx.capi(), error);
  }

  /// Records the store with a recorder made and set up by the caller
  /// (`wasmtime_rr_store_record`; the recorder is consumed).
  static Result<Session> record_to(Store::Context cx, Recorder recorder) {
    return attached(cx.capi(), wasmtime_rr_store_record(cx.capi(), recorder.release()));
  }

  /// Replays the store from the file at `path` (`wasmtime_rr_replayer_new_file`,
  /// then `wasmtime_rr_store_replay`); `echo` writes the guest's recorded WASI
  /// output to this process's stdout and stderr. Errors: `TraceIo` for a file
  /// that cannot be opened, `TraceFormat` for one that is no trace,
  /// `InvalidArgument` when the engine does not replay.
  static Result<Session> replay_from(Store::Context cx, const std::string &path, bool echo = false) {
    wasmtime_rr_replayer_t *replayer = nullptr;
    wasmtime_error_t *error = wasmtime_rr_replayer_new_file(path.c_str(), &replayer);
    if (error == nullptr && echo) {
      error = wasmtime_rr_replayer_echo_set(replayer, true);
      if (error != nullptr) {
        wasmtime_rr_replayer_delete(replayer);
      }
    }
    if (error == nullptr) {
      error = wasmtime_rr_store_replay(cx.capi(), replayer);
    }
    return attached(cx.capi(), error);
  }

  /// Replays the store with a replayer made and set up by the caller
  /// (`wasmtime_rr_store_replay`; the replayer is consumed).
  static Result<Session> replay_from(Store::Context cx, Replayer replayer) {
    return attached(cx.capi(), wasmtime_rr_store_replay(cx.capi(), replayer.release()));
  }

  /// Records or replays the store as the environment asks (`env_attach`):
  /// when the switch is off, or `engine` is not in the mode the environment
  /// asks for, nothing is attached and the session is inactive.
  static Result<Session> from_env(const Engine &engine, Store::Context cx) {
    auto engine_mode = mode(engine);
    if (!engine_mode) {
      return engine_mode.err();
    }
    wasmtime_error_t *error = wasmtime_rr_env_attach(cx.capi());
    if (error != nullptr) {
      return Error(error);
    }
    const Mode wanted = env_mode();
    if (wanted == Mode::None || engine_mode.ok_ref() != wanted) {
      return Session();
    }
    return Session(cx.capi());
  }

  /// Whether a recording or replay is attached through this session.
  bool active() const { return cx != nullptr; }

  /// Hands everything recorded so far to the trace (`wasmtime_rr_store_flush`).
  Result<std::monostate> flush() {
    if (cx == nullptr) {
      return std::monostate();
    }
    return detail::wrap(wasmtime_rr_store_flush(cx), std::monostate());
  }

  /// Ends the session now (`wasmtime_rr_store_finish`) and reports how: a
  /// replay with events left gives `Divergence`, a failed last write
  /// `TraceIo`. Afterwards the session is inactive (finishing it again, or an
  /// inactive session, succeeds and does nothing), except when the library
  /// refuses because it is called from inside one of the session's own
  /// callbacks (`InvalidArgument`; the session goes on).
  Result<std::monostate> finish() {
    if (cx == nullptr) {
      return std::monostate();
    }
    wasmtime_error_t *error = wasmtime_rr_store_finish(cx);
    if (error == nullptr || wasmtime_rr_error_kind(error) != WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT) {
      cx = nullptr;
    }
    return detail::wrap(error, std::monostate());
  }
};

/// Record/replay of components: the RR-aware variants of
/// `wasmtime::component`'s compile, add_func, add_resource, instantiate and call. Same
/// arguments as the stock methods, as free functions.
namespace component {

/// Compiles a component and keeps its checksum (`wasmtime_rr_component_new`):
/// the bytes may be the binary or the text format. Release it with
/// `component_delete` to drop the checksum too.
inline Result<wasmtime::component::Component> component_new(Engine &engine, Span<const uint8_t> bytes) {
  wasmtime_component_t *raw = nullptr;
  wasmtime_error_t *error = wasmtime_rr_component_new(engine.capi(), bytes.data(), bytes.size(), &raw);
  if (error != nullptr) {
    return Error(error);
  }
  return wasmtime::component::Component(raw);
}

/// `component_new` from text (or binary bytes held in a string).
inline Result<wasmtime::component::Component> component_new(Engine &engine, std::string_view text) {
  return component_new(engine, Span<const uint8_t>(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
}

/// Frees a component from `component_new` and its checksum (`wasmtime_rr_component_delete`).
inline void component_delete(wasmtime::component::Component &&component) {
  wasmtime_rr_component_delete(component.capi_release());
}

namespace detail {

/// Runs a C++ host function `F` for the library (the signature of
/// `wasmtime::component::LinkerInstance::add_func`'s functions).
template <typename F>
wasmtime_error_t *host_call(void *env, wasmtime_context_t *store, const wasmtime_component_func_type_t *ty,
                            wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                            size_t nresults) {
  using wasmtime::component::FuncType;
  using wasmtime::component::Val;
  static_assert(sizeof(Val) == sizeof(wasmtime_component_val_t), "a Val is a wasmtime_component_val_t");
  auto *type = const_cast<wasmtime_component_func_type_t *>(ty);
  Result<std::monostate> result = (*static_cast<F *>(env))(
      Store::Context(store), *FuncType::from_capi(&type), Span<Val>(Val::from_capi(args), nargs),
      Span<Val>(Val::from_capi(results), nresults));
  return result ? nullptr : result.err().capi_release();
}

template <typename F> void host_free(void *env) { delete static_cast<F *>(env); }

/// Runs a C++ destructor `F` for the library (the signature of
/// `wasmtime::component::LinkerInstance::add_resource`'s destructors).
template <typename F> wasmtime_error_t *host_destructor(void *env, wasmtime_context_t *store, uint32_t rep) {
  Result<std::monostate> result = (*static_cast<F *>(env))(Store::Context(store), rep);
  return result ? nullptr : result.err().capi_release();
}

} // namespace detail

/// Adds a recorded/replayed host function to a linker instance
/// (`wasmtime_rr_component_linker_instance_add_func`); `f` is called as
/// `LinkerInstance::add_func` calls it, and not at all while replaying.
template <typename F>
Result<std::monostate> add_func(wasmtime::component::LinkerInstance &instance, std::string_view name, F &&f) {
  using Fn = std::remove_reference_t<F>;
  wasmtime_error_t *error = wasmtime_rr_component_linker_instance_add_func(
      instance.capi(), name.data(), name.size(), detail::host_call<Fn>, new Fn(std::forward<F>(f)),
      detail::host_free<Fn>);
  return rr::detail::wrap(error, std::monostate());
}

/// Adds a host resource type whose destructor is recorded/replayed
/// (`wasmtime_rr_component_linker_instance_add_resource`); `f` is called as
/// `LinkerInstance::add_resource` calls it, with the resource's `rep`, and not
/// at all while replaying. Resources made with `ResourceHost` and given to
/// the guest are recorded with their rep and type and made again on replay.
template <typename F>
Result<std::monostate> add_resource(wasmtime::component::LinkerInstance &instance, std::string_view name,
                                    const wasmtime::component::ResourceType &ty, F &&f) {
  using Fn = std::remove_reference_t<F>;
  wasmtime_error_t *error = wasmtime_rr_component_linker_instance_add_resource(
      instance.capi(), name.data(), name.size(), ty.capi(), detail::host_destructor<Fn>, new Fn(std::forward<F>(f)),
      detail::host_free<Fn>);
  return rr::detail::wrap(error, std::monostate());
}

/// Instantiates a component, recorded or replayed (`wasmtime_rr_component_linker_instantiate`).
inline Result<wasmtime::component::Instance> instantiate(wasmtime::component::Linker &linker, Store::Context cx,
                                                        const wasmtime::component::Component &component) {
  wasmtime_component_instance_t raw;
  wasmtime_error_t *error = wasmtime_rr_component_linker_instantiate(linker.capi(), cx.capi(), component.capi(), &raw);
  if (error != nullptr) {
    return Error(error);
  }
  return wasmtime::component::Instance(raw);
}

/// Calls a component export, recorded or replayed (`wasmtime_rr_component_func_call`).
/// As with `Func::call`, what `results` held is released once the call succeeds.
inline Result<std::monostate> call(Store::Context cx, const wasmtime::component::Func &func,
                                   Span<const wasmtime::component::Val> args,
                                   Span<wasmtime::component::Val> results) {
  using wasmtime::component::Val;
  // The library writes over the results without reading them: the old
  // values are kept aside and released after a successful call.
  std::vector<wasmtime_component_val_t> old(results.size());
  if (!old.empty()) {
    std::memcpy(static_cast<void *>(old.data()), Val::to_capi(results.data()), old.size() * sizeof old[0]);
  }
  wasmtime_error_t *error = wasmtime_rr_component_func_call(func.capi(), cx.capi(), Val::to_capi(args.data()),
                                                            args.size(), Val::to_capi(results.data()), results.size());
  if (error != nullptr) {
    return Error(error);
  }
  for (wasmtime_component_val_t &value : old) {
    wasmtime_component_val_delete(&value);
  }
  return std::monostate();
}

/// Adds WASI preview 2 to a linker (`wasmtime_rr_component_linker_add_wasip2`):
/// recorded and replayed when its engine records or replays; the store's
/// WASI context then comes from `wasmtime_rr_context_set_wasi`.
inline Result<std::monostate> add_wasip2(wasmtime::component::Linker &linker) {
  return rr::detail::wrap(wasmtime_rr_component_linker_add_wasip2(linker.capi()), std::monostate());
}

} // namespace component

} // namespace rr
} // namespace wasmtime

#endif // WASMTIME_RR_HH
