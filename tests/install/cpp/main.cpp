// A C++ host of the installed library (tests/run-install-tests.sh), built from
// find_package(wasmtime-rr) alone, once per imported target (shared, static).
// Record/replay goes through wasmtime_rr.hh, everything else through
// Wasmtime's own wasmtime.hh. Prints each check; exits 0 only if all held.
#include <wasmtime.hh>
#include <wasmtime_rr.hh>

#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>

namespace rr = wasmtime::rr;

namespace {

int failures = 0;

void check(bool ok, const std::string &what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
  failures += ok ? 0 : 1;
}

// Runs (add 40 2) on the engine through wasmtime.hh; -1 when anything fails.
int32_t run_add(wasmtime::Engine &engine) {
  wasmtime::Store store(engine);
  auto module = wasmtime::Module::compile(
      engine, "(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))");
  if (!module) {
    return -1;
  }
  auto instance = wasmtime::Instance::create(store, module.ok(), {});
  if (!instance) {
    return -1;
  }
  auto add = instance.ok().get(store, "add");
  if (!add || !std::holds_alternative<wasmtime::Func>(*add)) {
    return -1;
  }
  auto results = std::get<wasmtime::Func>(*add).call(store, {wasmtime::Val(int32_t(40)), wasmtime::Val(int32_t(2))});
  return results && results.ok().size() == 1 ? results.ok()[0].i32() : -1;
}

} // namespace

int main() {
  // The script compares this line with Cargo.toml's version.
  std::printf("wasmtime_rr_version() = %s\n", std::string(rr::version()).c_str());
  check(rr::version() == WASMTIME_RR_VERSION, "rr::version() equals WASMTIME_RR_VERSION");

  wasmtime::Config config;
  check(bool(rr::record(config, true)), "rr::record(config, true)");
  config.cranelift_nan_canonicalization(false);
  auto rejected = rr::new_engine(config);
  check(!rejected && rr::error_kind(rejected.err_ref()) == rr::ErrorKind::InvalidConfig,
        "recording without NaN canonicalization is an invalid_config error");
  check(bool(rr::enforce_determinism(config)), "rr::enforce_determinism(config)");
  auto engine = rr::new_engine(config);
  if (!engine) {
    check(false, "rr::new_engine: " + engine.err_ref().message());
    return 1;
  }
  auto recording = rr::is_recording(engine.ok_ref());
  check(recording && recording.ok(), "the engine records");
  int32_t answer = run_add(engine.ok_ref());
  std::printf("add(40, 2) = %d\n", static_cast<int>(answer));
  check(answer == 42, "add(40, 2) == 42");

  std::printf("%s\n", failures == 0 ? "C++ host: all checks passed" : "C++ host: FAILED");
  return failures == 0 ? 0 : 1;
}
