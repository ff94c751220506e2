// Tests of the C++ API (include/wasmtime_rr.hh) on top of wasmtime.hh:
// every function, its error path, and an engine from the checked constructor
// running code through Wasmtime's own C++ API. C++17, strict warnings, ASan.
#include <wasmtime_rr.hh>
#include <wasmtime_rr.hh>

#include <cstdio>

#include "check.hh"
#include <cstring>
#include <string>

namespace {


namespace rr = wasmtime::rr;

template <typename T>
bool fails_with(wasmtime::Result<T> result, rr::ErrorKind kind, const std::string &message) {
  if (result) {
    std::fprintf(stderr, "expected an error: %s\n", message.c_str());
    return false;
  }
  const wasmtime::Error &error = result.err_ref();
  if (rr::error_kind(error) != kind || error.message() != message) {
    std::fprintf(stderr, "expected [%s] %s\n     got [%s] %s\n", rr::error_kind_name(kind).data(),
                 message.c_str(), rr::error_kind_name(rr::error_kind(error)).data(),
                 error.message().c_str());
    return false;
  }
  return true;
}

const char kNan[] = "NaN canonicalization cannot be disabled when determinism is enforced";

void test_version() {
  CHECK(rr::version() == WASMTIME_RR_VERSION);
  CHECK(rr::compiled_in());
}

void test_modes() {
  wasmtime::Config config;
  CHECK(rr::record(config, true));
  CHECK(rr::replay(config, true)); // replaces recording
  CHECK(fails_with(rr::set_mode(config, static_cast<rr::Mode>(5)), rr::ErrorKind::InvalidArgument,
                   "wasm_config_rr_mode_set: unknown record/replay mode 5 (expected "
                   "WASMTIME_RR_MODE_NONE = 0, WASMTIME_RR_MODE_RECORDING = 1 or "
                   "WASMTIME_RR_MODE_REPLAYING = 2)"));
  auto engine = rr::new_engine(config);
  CHECK(bool(engine));
  CHECK(config.capi() == nullptr); // consumed on success
  auto mode = rr::mode(engine.ok_ref());
  CHECK(mode && mode.ok() == rr::Mode::Replaying);
  auto replaying = rr::is_replaying(engine.ok_ref());
  auto recording = rr::is_recording(engine.ok_ref());
  CHECK(replaying && replaying.ok() && recording && !recording.ok());

  wasmtime::Config off;
  CHECK(rr::set_mode(off, rr::Mode::Recording));
  CHECK(rr::replay(off, false)); // false turns record/replay off
  auto none = rr::new_engine(off);
  CHECK(none && rr::mode(none.ok_ref()).ok() == rr::Mode::None);
}

void test_rejected_config_is_an_error_not_an_abort() {
  wasmtime::Config config;
  CHECK(rr::record(config, true));
  config.cranelift_nan_canonicalization(false);
  CHECK(fails_with(rr::validate(config), rr::ErrorKind::InvalidConfig, kNan));
  CHECK(fails_with(rr::new_engine(config), rr::ErrorKind::InvalidConfig, kNan));
  CHECK(config.capi() != nullptr); // still ours after the failure
  CHECK(rr::enforce_determinism(config));
  CHECK(rr::validate(config));
  auto engine = rr::new_engine(config);
  CHECK(bool(engine));
  auto nan = rr::nan_canonicalization(engine.ok_ref());
  auto simd = rr::relaxed_simd_deterministic(engine.ok_ref());
  CHECK(nan && nan.ok() && simd && simd.ok());

  // The engine runs code through wasmtime.hh.
  wasmtime::Engine &built = engine.ok_ref();
  wasmtime::Store store(built);
  auto module = wasmtime::Module::compile(
      built, "(module (func (export \"sub\") (param i32 i32) (result i32)"
                                " local.get 0 local.get 1 i32.sub))");
  CHECK(bool(module));
  auto instance = wasmtime::Instance::create(store, module.ok(), {});
  CHECK(bool(instance));
  auto sub = std::get<wasmtime::Func>(*instance.ok().get(store, "sub"));
  auto results = sub.call(store, {wasmtime::Val(int32_t(50)), wasmtime::Val(int32_t(8))});
  CHECK(results && results.ok().size() == 1 && results.ok()[0].i32() == 42);
}

void test_errors() {
  CHECK(rr::error_kind_name(rr::ErrorKind::Unsupported) == "unsupported");
  CHECK(rr::error_kind_name(static_cast<rr::ErrorKind>(99)) == "unknown");
  wasmtime::Error theirs("plain wasmtime error");
  CHECK(rr::error_kind(theirs) == rr::ErrorKind::Wasmtime);
  for (auto kind : {rr::ErrorKind::NullArgument, rr::ErrorKind::InvalidArgument, rr::ErrorKind::Unsupported,
                    rr::ErrorKind::InvalidConfig, rr::ErrorKind::Panic}) {
    wasmtime::Error made = rr::make_error(kind, "made in C++");
    CHECK(rr::error_kind(made) == kind && made.message() == "made in C++");
  }
  wasmtime::Error refused = rr::make_error(rr::ErrorKind::None, "x");
  CHECK(rr::error_kind(refused) == rr::ErrorKind::InvalidArgument);
  wasmtime::Error bad_utf8 = rr::make_error(rr::ErrorKind::Panic, "\xff");
  CHECK(bad_utf8.message() == "wasmtime_rr_error_new: argument `message` is not valid UTF-8 "
                              "(invalid byte at offset 0)");
  // A moved-from config hands NULL to the library: an error, not a crash.
  wasmtime::Config config;
  wasmtime::Config taken = std::move(config);
  CHECK(fails_with(rr::record(config, true), rr::ErrorKind::NullArgument,
                   "wasm_config_record_set: argument `config` is NULL"));
}

bool ignore_bytes(void *, const uint8_t *, size_t) { return true; }

void test_flush() {
  // Nothing attached: flush and finish are invalid arguments.
  wasmtime::Engine plain;
  wasmtime::Store store(plain);
  CHECK(fails_with(rr::flush(store.context()), rr::ErrorKind::InvalidArgument,
                   "wasmtime_rr_store_flush: this store has no recorder or replayer attached"));
  CHECK(fails_with(rr::finish(store.context()), rr::ErrorKind::InvalidArgument,
                   "wasmtime_rr_store_finish: this store has no recorder or replayer attached"));
  // The setter: any size, NULL refused.
  rr::Recorder released(nullptr);
  CHECK(fails_with(released.flush_bytes(0), rr::ErrorKind::NullArgument,
                   "wasmtime_rr_recorder_flush_bytes_set: argument `recorder` is NULL"));
  wasmtime::Config config;
  CHECK(rr::record(config, true));
  CHECK(rr::enforce_determinism(config));
  auto engine = rr::new_engine(config);
  CHECK(bool(engine));
  wasmtime::Store recording(engine.ok_ref());
  auto recorder = rr::Recorder::callback(ignore_bytes, nullptr, nullptr);
  CHECK(bool(recorder));
  CHECK(recorder.ok_ref().flush_bytes(0));
  CHECK(recorder.ok_ref().flush_bytes(SIZE_MAX));
  CHECK(rr::record(recording.context(), recorder.ok()));
  CHECK(rr::flush(recording.context()));
  CHECK(rr::finish(recording.context()));
  CHECK(fails_with(rr::flush(recording.context()), rr::ErrorKind::InvalidArgument,
                   "wasmtime_rr_store_flush: this store has no recorder or replayer attached"));
}

} // namespace

int main() {
  test_version();
  test_modes();
  test_rejected_config_is_an_error_not_an_abort();
  test_errors();
  test_flush();
  return checks::finish();
}
