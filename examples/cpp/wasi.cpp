// A WASI guest recorded and replayed through the C++ API (wasmtime_rr.hh over
// wasmtime.hh): the guest reads the clock and random bytes, prints them and
// exits with 3. The recording sends its stdout and stderr to files; the
// replay, on a fresh engine and store with no WASI context, reads nothing
// from the host and, with echo on, prints the recorded output again. Then a
// replay whose host configures other arguments diverges.
//   examples/cpp/run-wasi.sh
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>
#include <wasmtime_rr.hh>

namespace rr = wasmtime::rr;

namespace {

// The guest: a WASI command that asks for the size of its arguments, prints
// the real-time clock and 8 random bytes in hex on stdout, a line on stderr,
// then calls proc_exit(3).
const char kDice[] = R"((module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "now=0x0000000000000000 random=0x0000000000000000\n")
  (data (i32.const 128) "guest: exiting with 3\n")
  (func $hex (param $v i64) (param $out i32)
    (local $i i32) (local $n i32)
    (loop $digit
      (local.set $n (i32.wrap_i64 (i64.and (i64.const 15)
        (i64.shr_u (local.get $v) (i64.extend_i32_u (i32.sub (i32.const 60) (i32.shl (local.get $i) (i32.const 2))))))))
      (i32.store8 (i32.add (local.get $out) (local.get $i))
        (i32.add (local.get $n) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $n) (i32.const 10)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $i) (i32.const 16)))))
  (func $print (param $fd i32) (param $text i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $text))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "_start")
    (drop (call $args_sizes (i32.const 32) (i32.const 36)))
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0)))
    (drop (call $random (i32.const 8) (i32.const 8)))
    (call $hex (i64.load (i32.const 0)) (i32.const 70))
    (call $hex (i64.load (i32.const 8)) (i32.const 96))
    (call $print (i32.const 1) (i32.const 64) (i32.const 49))
    (call $print (i32.const 2) (i32.const 128) (i32.const 22))
    (call $exit (i32.const 3))))
)";

// The recorder's callback: appends each frame of the trace to a vector.
bool append(void *data, const uint8_t *bytes, size_t len) {
  static_cast<std::vector<uint8_t> *>(data)->insert(static_cast<std::vector<uint8_t> *>(data)->end(), bytes,
                                                    bytes + len);
  return true;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "error [kind]: message", as the C demo prints errors.
std::string describe(const wasmtime::Error &error) {
  return "error [" + std::string(rr::error_kind_name(rr::error_kind(error))) + "]: " + error.message();
}

// Runs the guest's _start once on a fresh engine: recording into `trace`, or
// replaying it, with `echo` or silently. `wasi` becomes the store's WASI
// context when given; a replay needs none. Returns the guest's exit status,
// or the error.
wasmtime::Result<int32_t> session(bool recording, const std::vector<uint8_t> &wasm, std::vector<uint8_t> &trace,
                                  std::optional<wasmtime::WasiConfig> wasi, bool echo = false) {
  wasmtime::Config config;
  rr::set_mode(config, recording ? rr::Mode::Recording : rr::Mode::Replaying).unwrap();
  rr::enforce_determinism(config).unwrap();
  auto engine = rr::new_engine(config);
  if (!engine) return engine.err();
  auto module = rr::module_new(engine.ok_ref(), wasm);
  if (!module) return module.err();
  wasmtime::Store store(engine.ok_ref());
  wasmtime::Linker linker(engine.ok_ref());
  auto run = [&]() -> wasmtime::Result<int32_t> {
    if (auto defined = rr::define_wasi(linker); !defined) return defined.err(); // recorded/replayed WASI
    if (recording) {
      auto recorder = rr::Recorder::callback(append, &trace, nullptr);
      if (!recorder) return recorder.err();
      if (auto started = rr::record(store.context(), recorder.ok()); !started) return started.err();
    } else {
      auto replayer = rr::Replayer::bytes(trace);
      if (!replayer) return replayer.err();
      if (auto echoed = replayer.ok_ref().echo(echo); !echoed) return echoed.err();
      if (auto started = rr::replay(store.context(), replayer.ok()); !started) return started.err();
    }
    if (wasi) {
      if (auto set = rr::set_wasi(store.context(), std::move(*wasi)); !set) return set.err();
    }
    auto instance = rr::instantiate(linker, store.context(), module.ok_ref());
    if (!instance) {
      if (auto *error = std::get_if<wasmtime::Error>(&instance.err_ref().data)) return std::move(*error);
      return wasmtime::Error(instance.err().message()); // a trap of a start function
    }
    auto start = std::get<wasmtime::Func>(*instance.ok_ref().get(store.context(), "_start"));
    auto called = rr::call(store.context(), start, {}, 0);
    int32_t status = 0;
    if (!called) {
      auto *error = std::get_if<wasmtime::Error>(&called.err_ref().data);
      if (error == nullptr) return wasmtime::Error(called.err().message()); // a trap
      if (!error->i32_exit()) return std::move(*error);
      status = *error->i32_exit(); // the guest's proc_exit
    }
    // Recording: the last frame. Replaying: checks that nothing is left.
    if (auto finished = rr::finish(store.context()); !finished) return finished.err();
    return status;
  };
  auto result = run();
  rr::module_delete(std::move(module.ok_ref()));
  return result;
}

} // namespace

int main() {
  auto wat = wasmtime::wat2wasm(kDice).unwrap();
  const std::vector<uint8_t> wasm(wat.begin(), wat.end());
  const std::string out = "/tmp/wasmtime_rr_wasi_example_" + std::to_string(::getpid());
  std::vector<uint8_t> trace;

  // 1. Record, with the guest's stdout and stderr in files.
  wasmtime::WasiConfig wasi;
  wasi.argv({"dice"});
  if (!wasi.stdout_file(out + ".out") || !wasi.stderr_file(out + ".err")) {
    std::puts("cannot create the output files");
    return 1;
  }
  auto recorded = session(true, wasm, trace, std::move(wasi));
  std::string printed = read_file(out + ".out"), printed_err = read_file(out + ".err");
  std::remove((out + ".out").c_str());
  std::remove((out + ".err").c_str());
  if (!recorded) {
    std::printf("recording: %s\n", describe(recorded.err()).c_str());
    return 1;
  }
  if (!printed.empty() && printed.back() == '\n') printed.pop_back();
  std::printf("wasi: recorded: %s (exit status %d, trace %zu bytes)\n", printed.c_str(), recorded.ok(), trace.size());
  std::printf("wasi: recorded stderr: %s", printed_err.c_str());

  // 2. Replay on a fresh engine and store, no WASI context: the echo prints
  // the recorded bytes (stdout here, stderr on stderr).
  std::puts("wasi: replaying with echo, no WASI context:");
  std::fflush(stdout);
  auto replayed = session(false, wasm, trace, std::nullopt, true);
  if (!replayed) {
    std::printf("replaying: %s\n", describe(replayed.err()).c_str());
    return 1;
  }
  std::printf("wasi: replayed: exit status %d, trace consumed\n", replayed.ok());

  // 3. A replaying host that configures other arguments than recorded (no
  // echo): the guest's args_sizes_get diverges.
  wasmtime::WasiConfig other;
  other.argv({"dice", "--other"});
  auto diverged = session(false, wasm, trace, std::move(other));
  if (diverged) {
    std::puts("unexpected: the replay with other arguments did not diverge");
    return 1;
  }
  std::printf("wasi: replay with other arguments: %s\n", describe(diverged.err()).c_str());
  return 0;
}
