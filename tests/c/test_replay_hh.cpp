// Record/replay through the C++ API (wasmtime_rr.hh) with wasmtime.hh
// objects: every RR-aware wrapper, recorded then replayed from a file, from
// bytes and from a read callback, with the host never called on replay, and
// the error paths (module mismatch, divergence, bad trace, I/O).
// C++17, strict warnings, ASan+UBSan.
#include <wasmtime_rr.hh>

#include <cstdio>

#include "check.hh"
#include <cstring>
#include <unistd.h>
#include <string>
#include <vector>

namespace {


namespace rr = wasmtime::rr;

int host_calls = 0;

// env.tick: () -> i64, a value from "outside".
wasm_trap_t *tick(void *, wasmtime_caller_t *, const wasmtime_val_t *, size_t, wasmtime_val_t *results, size_t) {
  ++host_calls;
  results[0].kind = WASMTIME_I64;
  results[0].of.i64 = 7000 + host_calls;
  return nullptr;
}

// env.noise: (i32 ptr) -> (), writes four bytes into the caller's memory.
wasm_trap_t *noise(void *, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t, wasmtime_val_t *, size_t) {
  ++host_calls;
  wasmtime_extern_t memory;
  if (!wasmtime_caller_export_get(caller, "memory", 6, &memory)) {
    return wasmtime_trap_new("no memory", 9);
  }
  const uint8_t bytes[4] = {uint8_t(host_calls), 0x5a, 0xa5, 0x11};
  wasmtime_error_t *error = wasmtime_rr_memory_write(wasmtime_caller_context(caller), &memory.of.memory,
                                                     uint64_t(args[0].of.i32), bytes, sizeof bytes);
  if (error != nullptr) {
    wasmtime_error_delete(error);
    return wasmtime_trap_new("write failed", 12);
  }
  return nullptr;
}

wasm_functype_t *functype(std::vector<wasm_valkind_t> params, std::vector<wasm_valkind_t> results) {
  wasm_valtype_vec_t p, r;
  wasm_valtype_vec_new_uninitialized(&p, params.size());
  wasm_valtype_vec_new_uninitialized(&r, results.size());
  for (size_t i = 0; i < params.size(); i++) p.data[i] = wasm_valtype_new(params[i]);
  for (size_t i = 0; i < results.size(); i++) r.data[i] = wasm_valtype_new(results[i]);
  return wasm_functype_new(&p, &r);
}

const char kGuest[] = R"((module
  (import "env" "tick" (func $tick (result i64)))
  (import "env" "noise" (func $noise (param i32)))
  (memory (export "memory") 1)
  (func (export "mix") (param i64) (result i64 f64)
    (call $noise (i32.const 64))
    (i64.add (i64.add (call $tick) (local.get 0)) (i64.load (i32.const 64)))
    (f64.convert_i64_s (call $tick))))
)";

std::vector<uint8_t> wasm_of(const char *wat) {
  auto wasm = wasmtime::wat2wasm(wat).unwrap();
  return std::vector<uint8_t>(wasm.begin(), wasm.end());
}

wasmtime::Engine engine_for(bool recording) {
  wasmtime::Config config;
  (recording ? rr::record(config, true) : rr::replay(config, true)).unwrap();
  rr::enforce_determinism(config).unwrap();
  return rr::new_engine(config).unwrap();
}

struct Results {
  int64_t sum = 0;
  uint64_t bits = 0;
};

// The host program; `use_linker` picks wasmtime_rr_linker_define_func +
// linker instantiation, else wasmtime_rr_func_new + wasmtime_rr_instance_new.
wasmtime::Result<std::monostate, wasmtime::TrapError> script(wasmtime::Engine &engine, wasmtime::Store &store,
                                                             const std::vector<uint8_t> &wasm, bool use_linker,
                                                             std::vector<Results> &seen) {
  auto module = rr::module_new(engine, wasm);
  if (!module) return wasmtime::TrapError(module.err());
  wasm_functype_t *tick_ty = functype({}, {WASM_I64});
  wasm_functype_t *noise_ty = functype({WASM_I32}, {});
  wasmtime::TrapResult<wasmtime::Instance> instance = wasmtime::TrapError(wasmtime::Error("unset"));
  wasmtime::Linker linker(engine);
  if (use_linker) {
    rr::define_func(linker, "env", "tick", tick_ty, tick).unwrap();
    rr::define_func(linker, "env", "noise", noise_ty, noise).unwrap();
    instance = rr::instantiate(linker, store.context(), module.ok_ref());
  } else {
    auto t = rr::func_new(store.context(), tick_ty, tick);
    auto n = rr::func_new(store.context(), noise_ty, noise);
    if (!t) return wasmtime::TrapError(t.err());
    if (!n) return wasmtime::TrapError(n.err());
    instance = rr::instantiate(store.context(), module.ok_ref(), {t.ok(), n.ok()});
  }
  wasm_functype_delete(tick_ty);
  wasm_functype_delete(noise_ty);
  if (!instance) {
    rr::module_delete(std::move(module.ok_ref()));
    return instance.err();
  }
  auto mix = std::get<wasmtime::Func>(*instance.ok_ref().get(store.context(), "mix"));
  for (int64_t x : {1, 2, 3}) {
    auto results = rr::call(store.context(), mix, {wasmtime::Val(x)}, 2);
    if (!results) {
      rr::module_delete(std::move(module.ok_ref()));
      return results.err();
    }
    uint64_t bits = 0;
    double f64 = results.ok_ref()[1].f64();
    std::memcpy(&bits, &f64, sizeof bits);
    seen.push_back({results.ok_ref()[0].i64(), bits});
  }
  rr::module_delete(std::move(module.ok_ref()));
  return std::monostate();
}

struct Buffer {
  std::vector<uint8_t> bytes;
  size_t read = 0;
  int writes = 0;
};

bool append(void *data, const uint8_t *bytes, size_t len) {
  auto *buffer = static_cast<Buffer *>(data);
  buffer->bytes.insert(buffer->bytes.end(), bytes, bytes + len);
  ++buffer->writes;
  return true;
}

size_t pull(void *data, uint8_t *out, size_t cap) {
  auto *buffer = static_cast<Buffer *>(data);
  size_t n = std::min(cap, buffer->bytes.size() - buffer->read);
  std::memcpy(out, buffer->bytes.data() + buffer->read, n);
  buffer->read += n;
  return n;
}

std::string message_of(const wasmtime::TrapError &error) { return error.message(); }

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

// Records three calls of `mix` into `sink` with the given recorder settings
// (the module compiled first, so the recording itself takes well under the
// 100 ms after which a sealed frame is handed over anyway); leaves the
// recording open. Returns the results.
std::vector<Results> record_mixes(wasmtime::Engine &engine, wasmtime::Store &store, const std::vector<uint8_t> &wasm,
                                  rr::Recorder recorder) {
  auto module = rr::module_new(engine, wasm);
  wasmtime::Linker linker(engine);
  wasm_functype_t *tick_ty = functype({}, {WASM_I64});
  wasm_functype_t *noise_ty = functype({WASM_I32}, {});
  rr::define_func(linker, "env", "tick", tick_ty, tick).unwrap();
  rr::define_func(linker, "env", "noise", noise_ty, noise).unwrap();
  wasm_functype_delete(tick_ty);
  wasm_functype_delete(noise_ty);
  std::vector<Results> seen;
  CHECK(bool(rr::record(store.context(), std::move(recorder))));
  auto instance = rr::instantiate(linker, store.context(), module.ok_ref());
  CHECK(bool(instance));
  if (instance) {
    auto mix = std::get<wasmtime::Func>(*instance.ok_ref().get(store.context(), "mix"));
    for (int64_t x : {1, 2, 3}) {
      auto results = rr::call(store.context(), mix, {wasmtime::Val(x)}, 2);
      CHECK(bool(results));
      if (!results) break;
      uint64_t bits = 0;
      double f64 = results.ok_ref()[1].f64();
      std::memcpy(&bits, &f64, sizeof bits);
      seen.push_back({results.ok_ref()[0].i64(), bits});
    }
  }
  rr::module_delete(std::move(module.ok_ref()));
  return seen;
}

// Replays `trace` with `script`; returns what it saw and the finish result.
std::vector<Results> replay_trace(const std::vector<uint8_t> &trace, const std::vector<uint8_t> &wasm,
                                  wasmtime::Result<std::monostate> &finished) {
  wasmtime::Engine engine = engine_for(false);
  wasmtime::Store store(engine);
  CHECK(bool(rr::replay(store.context(), rr::Replayer::bytes(trace).ok())));
  std::vector<Results> seen;
  host_calls = 0;
  auto ran = script(engine, store, wasm, true, seen);
  if (!ran) std::fprintf(stderr, "replay: %s\n", message_of(ran.err()).c_str());
  CHECK(bool(ran));
  CHECK(bool(rr::flush(store.context()))); // a replaying store: nothing to do
  CHECK(host_calls == 0);
  finished = rr::finish(store.context());
  return seen;
}

bool same(const std::vector<Results> &a, const std::vector<Results> &b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i].sum != b[i].sum || a[i].bits != b[i].bits) return false;
  }
  return true;
}

} // namespace

int main() {
  const std::string path = "/tmp/wasmtime_rr_test_" + std::to_string(::getpid()) + ".wrr";
  const std::vector<uint8_t> wasm = wasm_of(kGuest);
  for (bool use_linker : {true, false}) {
    // Record to a file and (same session shape) to a callback buffer.
    std::vector<Results> recorded;
    Buffer buffer;
    {
      wasmtime::Engine engine = engine_for(true);
      wasmtime::Store store(engine);
      auto recorder = rr::Recorder::file(path);
      CHECK(bool(recorder));
      CHECK(bool(recorder.ok_ref().validation(true)));
      CHECK(bool(recorder.ok_ref().memory_digest(true)));
      CHECK(bool(recorder.ok_ref().event_window(2)));
      CHECK(bool(rr::record(store.context(), recorder.ok())));
      host_calls = 0;
      CHECK(bool(script(engine, store, wasm, use_linker, recorded)));
      CHECK(bool(rr::finish(store.context())));
      CHECK(host_calls == 9 && recorded.size() == 3);
    }
    {
      wasmtime::Engine engine = engine_for(true);
      wasmtime::Store store(engine);
      auto recorder = rr::Recorder::callback(append, &buffer, nullptr);
      CHECK(bool(rr::record(store.context(), recorder.ok())));
      std::vector<Results> again;
      host_calls = 0;
      CHECK(bool(script(engine, store, wasm, use_linker, again)));
      CHECK(bool(rr::finish(store.context())));
      CHECK(!buffer.bytes.empty());
    }
    // Replay three ways: file, bytes, callback. The host is never called.
    for (int source = 0; source < 3; source++) {
      wasmtime::Engine engine = engine_for(false);
      wasmtime::Store store(engine);
      auto replayer = source == 0 ? rr::Replayer::file(path)
                      : source == 1 ? rr::Replayer::bytes(buffer.bytes)
                                    : rr::Replayer::callback(pull, &buffer, nullptr);
      buffer.read = 0;
      CHECK(bool(replayer));
      CHECK(bool(rr::replay(store.context(), replayer.ok())));
      std::vector<Results> replayed;
      host_calls = 0;
      auto ran = script(engine, store, wasm, use_linker, replayed);
      if (!ran) std::fprintf(stderr, "replay: %s\n", message_of(ran.err()).c_str());
      CHECK(bool(ran));
      CHECK(bool(rr::finish(store.context())));
      CHECK(host_calls == 0);
      CHECK(replayed.size() == 3);
      for (size_t i = 0; i < replayed.size() && i < 3; i++) {
        // The callback recording ran its own host values: compare only the file one bit for bit.
        if (source == 0) CHECK(replayed[i].sum == recorded[i].sum && replayed[i].bits == recorded[i].bits);
      }
    }
  }

  // Another build of the guest: a module mismatch naming both checksums.
  {
    wasmtime::Engine engine = engine_for(false);
    wasmtime::Store store(engine);
    CHECK(bool(rr::replay(store.context(), rr::Replayer::file(path).ok())));
    std::vector<Results> seen;
    std::string other(kGuest);
    other.replace(other.find("i32.const 64))"), 14, "i32.const 65))");
    auto ran = script(engine, store, wasm_of(other.c_str()), true, seen);
    CHECK(!ran);
    if (!ran) {
      const std::string text = message_of(ran.err());
      CHECK(text.find("the trace instantiates a module with sha256 ") != std::string::npos);
      CHECK(text.find("but this module has sha256 ") != std::string::npos);
    }
  }

  // A memory write that differs from the recorded one (outside host calls).
  {
    wasmtime::Engine engine = engine_for(false);
    wasmtime::Store store(engine);
    CHECK(bool(rr::replay(store.context(), rr::Replayer::file(path).ok())));
    auto module = rr::module_new(engine, wasm);
    wasmtime::Linker linker(engine);
    wasm_functype_t *tick_ty = functype({}, {WASM_I64});
    wasm_functype_t *noise_ty = functype({WASM_I32}, {});
    rr::define_func(linker, "env", "tick", tick_ty, tick).unwrap();
    rr::define_func(linker, "env", "noise", noise_ty, noise).unwrap();
    wasm_functype_delete(tick_ty);
    wasm_functype_delete(noise_ty);
    auto instance = rr::instantiate(linker, store.context(), module.ok_ref());
    CHECK(bool(instance));
    auto memory = std::get<wasmtime::Memory>(*instance.ok_ref().get(store.context(), "memory"));
    const uint8_t byte = 1;
    auto wrote = rr::memory_write(store.context(), memory, 0, wasmtime::Span<const uint8_t>(&byte, 1));
    CHECK(!wrote && rr::error_kind(wrote.err()) == rr::ErrorKind::Divergence);
    CHECK(!wrote && wrote.err().message().find("replay diverged at event #") != std::string::npos);
    rr::module_delete(std::move(module.ok_ref()));
  }

  // Batched writes: with default settings the callback gets only the header
  // until flush or finish; what flush handed over is a valid prefix.
  {
    Buffer sink;
    wasmtime::Engine engine = engine_for(true);
    wasmtime::Store store(engine);
    auto recorder = rr::Recorder::callback(append, &sink, nullptr);
    CHECK(bool(recorder.ok_ref().event_window(1)));
    host_calls = 0;
    std::vector<Results> recorded = record_mixes(engine, store, wasm, recorder.ok());
    CHECK(recorded.size() == 3 && host_calls == 9);
    CHECK(sink.writes == 1); // the header: every frame is still batched
    CHECK(bool(rr::flush(store.context())));
    CHECK(sink.writes == 2);
    const std::vector<uint8_t> prefix = sink.bytes;
    CHECK(bool(rr::flush(store.context()))); // nothing new: no write
    CHECK(sink.writes == 2);
    wasmtime::Result<std::monostate> finished = std::monostate();
    CHECK(same(replay_trace(prefix, wasm, finished), recorded));
    CHECK(!finished && rr::error_kind(finished.err()) == rr::ErrorKind::TraceFormat &&
          contains(finished.err().message(), "wasmtime_rr_store_finish: truncated trace"));
    CHECK(bool(rr::finish(store.context())));
    CHECK(sink.writes == 3);
    CHECK(same(replay_trace(sink.bytes, wasm, finished), recorded));
    CHECK(bool(finished));
    auto after = rr::flush(store.context());
    CHECK(!after && rr::error_kind(after.err()) == rr::ErrorKind::InvalidArgument &&
          after.err().message() == "wasmtime_rr_store_flush: this store has no recorder or replayer attached");
  }

  // flush_bytes(0): every frame is handed over as soon as it is sealed (one
  // write per event with a window of one).
  {
    Buffer sink;
    wasmtime::Engine engine = engine_for(true);
    wasmtime::Store store(engine);
    auto recorder = rr::Recorder::callback(append, &sink, nullptr);
    CHECK(bool(recorder.ok_ref().event_window(1)));
    CHECK(bool(recorder.ok_ref().flush_bytes(0)));
    std::vector<Results> recorded = record_mixes(engine, store, wasm, recorder.ok());
    const int writes = sink.writes;
    CHECK(writes > 10);
    CHECK(bool(rr::flush(store.context())));
    CHECK(sink.writes == writes); // nothing was pending
    CHECK(bool(rr::finish(store.context())));
    wasmtime::Result<std::monostate> finished = std::monostate();
    CHECK(same(replay_trace(sink.bytes, wasm, finished), recorded));
    CHECK(bool(finished));
    rr::Recorder released(nullptr);
    auto refused = released.flush_bytes(0);
    CHECK(!refused && rr::error_kind(refused.err()) == rr::ErrorKind::NullArgument &&
          refused.err().message() == "wasmtime_rr_recorder_flush_bytes_set: argument `recorder` is NULL");
  }

  // A damaged first frame is found by the call that reads it; a damaged
  // last frame, which holds only the end marker with a window of one event,
  // by finish.
  {
    std::vector<uint8_t> trace;
    {
      Buffer sink;
      wasmtime::Engine engine = engine_for(true);
      wasmtime::Store store(engine);
      auto recorder = rr::Recorder::callback(append, &sink, nullptr);
      CHECK(bool(recorder.ok_ref().event_window(1)));
      record_mixes(engine, store, wasm, recorder.ok());
      CHECK(bool(rr::finish(store.context())));
      trace = sink.bytes;
    }
    CHECK(trace.size() > 40 && trace[8] == 2); // format version 2
    // The header: magic 8, version 1, Wasmtime version string, flags 1,
    // window 1, CRC 4; then the first frame's 5-byte length.
    const size_t first_event = 8 + 1 + 1 + trace[9] + 1 + 1 + 4 + 5;
    std::vector<uint8_t> first = trace;
    first[first_event + 1] ^= 0x40;
    wasmtime::Engine engine = engine_for(false);
    wasmtime::Store store(engine);
    CHECK(bool(rr::replay(store.context(), rr::Replayer::bytes(first).ok())));
    std::vector<Results> seen;
    auto ran = script(engine, store, wasm, true, seen);
    CHECK(!ran && contains(message_of(ran.err()), "corrupted trace: checksum mismatch in frame #0 "));
    CHECK(!rr::finish(store.context()));
    std::vector<uint8_t> last = trace;
    last[last.size() - 3] ^= 0x40;
    wasmtime::Result<std::monostate> finished = std::monostate();
    CHECK(replay_trace(last, wasm, finished).size() == 3);
    CHECK(!finished && rr::error_kind(finished.err()) == rr::ErrorKind::TraceFormat &&
          contains(finished.err().message(), "wasmtime_rr_store_finish: corrupted trace: checksum mismatch in frame #"));
    std::vector<uint8_t> future = trace;
    future[8] = 3;
    wasmtime::Store other(engine);
    auto refused = rr::replay(other.context(), rr::Replayer::bytes(future).ok());
    CHECK(!refused && rr::error_kind(refused.err()) == rr::ErrorKind::TraceFormat &&
          refused.err().message() == "wasmtime_rr_store_replay: trace format version 3 is not supported "
                                     "(this library reads versions 1 to 2)");
  }

  // Bad traces and I/O.
  {
    auto missing = rr::Recorder::file("/nonexistent-dir/x.wrr");
    CHECK(!missing && rr::error_kind(missing.err()) == rr::ErrorKind::TraceIo);
    wasmtime::Engine engine = engine_for(false);
    wasmtime::Store store(engine);
    std::vector<uint8_t> junk = {0x89, 'W', 'T', 'R', 'R', '\r', '\n', 0x1a, 9};
    auto refused = rr::replay(store.context(), rr::Replayer::bytes(junk).ok());
    CHECK(!refused && rr::error_kind(refused.err()) == rr::ErrorKind::TraceFormat);
    auto none = rr::finish(store.context());
    CHECK(!none && rr::error_kind(none.err()) == rr::ErrorKind::InvalidArgument);
  }
  std::remove(path.c_str());
  return checks::finish();
}
