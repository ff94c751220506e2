// The C demo in C++ (wasmtime_rr.hh over wasmtime.hh): enable recording, see
// a rejected config's message instead of an abort, build an engine with the
// checked constructor, print its record/replay state, run a small module.
//   examples/cpp/run.sh
#include <cstdio>
#include <wasmtime_rr.hh>

namespace rr = wasmtime::rr;

int main() {
  std::printf("wasmtime-rr %s (header %s), record/replay compiled in: %s\n", rr::version().data(),
              WASMTIME_RR_VERSION, rr::compiled_in() ? "yes" : "no");

  wasmtime::Config config;
  rr::record(config, true).unwrap();
  config.cranelift_nan_canonicalization(false);
  auto rejected = rr::new_engine(config); // wasmtime::Engine(config) would abort here
  if (rejected) {
    std::puts("unexpected: the conflicting config was accepted");
    return 1;
  }
  std::printf("rejected config: error [%s]: %s\n", rr::error_kind_name(rr::error_kind(rejected.err())).data(),
              rejected.err().message().c_str());

  rr::enforce_determinism(config).unwrap(); // the config is still ours
  wasmtime::Engine engine = rr::new_engine(config).unwrap();
  const char *mode = rr::mode(engine).unwrap() == rr::Mode::Recording ? "recording" : "other";
  std::printf("engine: mode=%s nan_canonicalization=%s relaxed_simd_deterministic=%s\n", mode,
              rr::nan_canonicalization(engine).unwrap() ? "on" : "off",
              rr::relaxed_simd_deterministic(engine).unwrap() ? "on" : "off");

  wasmtime::Store store(engine);
  auto module = wasmtime::Module::compile(engine, "(module (func (export \"mix\") (param i32 f32) (result f32)"
                                                  " local.get 1 local.get 0 f32.convert_i32_s f32.mul))")
                    .unwrap();
  auto instance = wasmtime::Instance::create(store, module, {}).unwrap();
  auto mix = std::get<wasmtime::Func>(*instance.get(store, "mix"));
  auto results = mix.call(store, {wasmtime::Val(int32_t(6)), wasmtime::Val(7.0f)}).unwrap();
  std::printf("mix(6, 7.0) = %g\n", double(results[0].f32()));
  return 0;
}
