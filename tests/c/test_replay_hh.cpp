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
};

bool append(void *data, const uint8_t *bytes, size_t len) {
  auto *buffer = static_cast<Buffer *>(data);
  buffer->bytes.insert(buffer->bytes.end(), bytes, bytes + len);
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
