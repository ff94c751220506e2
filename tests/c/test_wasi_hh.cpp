// WASI preview 1 under record/replay through the C++ API (wasmtime_rr.hh):
// define_wasi, set_wasi, Replayer::echo and the deterministic WASI settings,
// with the real C guest of tests/guests/wasi (guest-c.wasm and its other
// build guest-c-other.wasm). The guest reads both clocks, 16 random bytes, its
// arguments, GUEST_NAME, stdin, /data/input.txt and the listing of /data,
// prints a report and exits with 7.
//   test_wasi_hh [GUESTS_DIR]   (default: the RR_WASI_GUESTS macro)
// C++17, strict warnings, ASan+UBSan.
#include <wasmtime_rr.hh>

#include "check.hh"

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace rr = wasmtime::rr;
namespace fs = std::filesystem;

const std::vector<std::string> kArgv = {"guest", "alpha", "beta"};
const char kStdin[] = "line one\nline two\n";
const char kStderr[] = "guest: done, exiting with 7\n";

std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<uint8_t> read_bytes(const std::string &path) {
  std::string text = read_text(path);
  return std::vector<uint8_t>(text.begin(), text.end());
}

void write_text(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The report's lines by key ("args" -> "alpha beta"); empty when malformed.
std::map<std::string, std::string> report_of(const std::string &stdout_text) {
  std::map<std::string, std::string> report;
  std::istringstream lines(stdout_text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t colon = line.find(": ");
    if (colon == std::string::npos) return {};
    report[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return report;
}

wasmtime::Engine engine_for(rr::Mode mode) {
  wasmtime::Config config;
  rr::set_mode(config, mode).unwrap();
  if (mode != rr::Mode::None) rr::enforce_determinism(config).unwrap();
  return rr::new_engine(config).unwrap();
}

// A WASI configuration with the guest's arguments and GUEST_NAME.
wasmtime::WasiConfig wasi_with(const std::vector<std::string> &argv, const std::string &name) {
  wasmtime::WasiConfig wasi;
  wasi.argv(argv);
  wasi.env({{"GUEST_NAME", name}});
  return wasi;
}

// What a run of the guest came to.
struct Outcome {
  std::optional<int32_t> exit;              // the guest's exit status
  rr::ErrorKind kind = rr::ErrorKind::None; // otherwise the first failure
  std::string message;
  bool attached = false;
  rr::ErrorKind finish_kind = rr::ErrorKind::None; // of finish, when attached
  std::string finish_message;
};

using Attach = std::function<wasmtime::Result<std::monostate>(wasmtime::Store::Context)>;

// The host program, the same for every run: compile, define WASI, attach a
// recorder or replayer (unless `attach` is empty), set the WASI context
// (unless `wasi` is empty), instantiate and call _start; then finish.
Outcome run_guest(wasmtime::Engine &engine, const std::vector<uint8_t> &wasm, const Attach &attach,
                  std::optional<wasmtime::WasiConfig> wasi) {
  Outcome out;
  auto fail = [&](const wasmtime::Error &error) {
    out.kind = rr::error_kind(error);
    out.message = error.message();
  };
  auto module = rr::module_new(engine, wasm);
  if (!module) {
    fail(module.err());
    return out;
  }
  wasmtime::Store store(engine);
  wasmtime::Linker linker(engine);
  [&] {
    if (auto defined = rr::define_wasi(linker); !defined) return fail(defined.err());
    if (attach) {
      auto attached = attach(store.context());
      if (!attached) return fail(attached.err());
      out.attached = true;
    }
    if (wasi) {
      auto set = rr::set_wasi(store.context(), std::move(*wasi));
      if (!set) return fail(set.err());
      CHECK(wasi->capi() == nullptr); // consumed
    }
    auto instance = rr::instantiate(linker, store.context(), module.ok_ref());
    if (!instance) {
      if (auto *error = std::get_if<wasmtime::Error>(&instance.err_ref().data)) return fail(*error);
      out.kind = rr::ErrorKind::Wasmtime;
      out.message = instance.err().message();
      return;
    }
    auto start = std::get<wasmtime::Func>(*instance.ok_ref().get(store.context(), "_start"));
    auto called = rr::call(store.context(), start, {}, 0);
    if (called) {
      out.exit = 0; // returned without proc_exit
      return;
    }
    auto *error = std::get_if<wasmtime::Error>(&called.err_ref().data);
    if (error != nullptr && error->i32_exit()) {
      out.exit = *error->i32_exit();
    } else if (error != nullptr) {
      fail(*error);
    } else {
      out.kind = rr::ErrorKind::Wasmtime; // a trap
      out.message = called.err().message();
    }
  }();
  if (out.attached) {
    auto finished = rr::finish(store.context());
    if (!finished) {
      out.finish_kind = rr::error_kind(finished.err());
      out.finish_message = finished.err().message();
    }
  }
  rr::module_delete(std::move(module.ok_ref()));
  return out;
}

Attach record_to(const std::string &trace) {
  return [trace](wasmtime::Store::Context cx) -> wasmtime::Result<std::monostate> {
    auto recorder = rr::Recorder::file(trace);
    if (!recorder) return recorder.err();
    return rr::record(cx, recorder.ok());
  };
}

Attach replay_from(const std::vector<uint8_t> &trace, bool echo) {
  return [trace, echo](wasmtime::Store::Context cx) -> wasmtime::Result<std::monostate> {
    auto replayer = rr::Replayer::bytes(trace);
    if (!replayer) return replayer.err();
    if (auto set = replayer.ok_ref().echo(echo); !set) return set.err();
    return rr::replay(cx, replayer.ok());
  };
}

// Runs f with this process's fds 1 and 2 going to files, and returns what
// was written to them.
template <typename F> std::pair<std::string, std::string> captured(const std::string &dir, F f) {
  const std::string out_path = dir + "/captured.out", err_path = dir + "/captured.err";
  std::fflush(stdout);
  std::fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  close(out_fd);
  close(err_fd);
  f();
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  return {read_text(out_path), read_text(err_path)};
}

bool contains(const std::string &text, const char *part) { return text.find(part) != std::string::npos; }

void report_outcome(const char *what, const Outcome &o) {
  if (o.kind != rr::ErrorKind::None || o.finish_kind != rr::ErrorKind::None) {
    std::fprintf(stderr, "%s: [%s] %s / finish [%s] %s\n", what, rr::error_kind_name(o.kind).data(), o.message.c_str(),
                 rr::error_kind_name(o.finish_kind).data(), o.finish_message.c_str());
  }
}

// A run of the guest on a plain engine with deterministic random and clocks.
std::string deterministic_run(const std::string &dir, const std::vector<uint8_t> &wasm, uint64_t seed) {
  wasmtime::Engine engine = engine_for(rr::Mode::None);
  wasmtime::WasiConfig wasi = wasi_with({"guest", "one"}, "plain");
  CHECK(bool(rr::random_seed(wasi, seed)));
  CHECK(bool(rr::wall_clock(wasi, 1700000000000000000ull, 1000)));
  CHECK(bool(rr::monotonic_clock(wasi, 5000, 250)));
  const std::string out = dir + "/plain.out";
  CHECK(wasi.stdout_file(out));
  CHECK(wasi.preopen_dir(dir + "/plain-data", "/data", false));
  Outcome o = run_guest(engine, wasm, Attach(), std::move(wasi));
  report_outcome("deterministic run", o);
  CHECK(o.exit == 7 && !o.attached);
  return read_text(out);
}

} // namespace

int main(int argc, char **argv) {
#ifdef RR_WASI_GUESTS
  std::string guests = RR_WASI_GUESTS;
#else
  std::string guests;
#endif
  if (argc > 1) guests = argv[1];
  if (guests.empty()) {
    std::fprintf(stderr, "usage: %s GUESTS_DIR (built by tests/guests/wasi/build.sh)\n", argv[0]);
    return 2;
  }
  const std::vector<uint8_t> wasm = read_bytes(guests + "/guest-c.wasm");
  const std::vector<uint8_t> other_wasm = read_bytes(guests + "/guest-c-other.wasm");
  if (wasm.empty() || other_wasm.empty()) {
    std::fprintf(stderr, "no guest-c.wasm / guest-c-other.wasm in %s\n", guests.c_str());
    return 2;
  }
  const std::string dir = "/tmp/wasmtime_rr_test_wasi_hh_" + std::to_string(::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir + "/data");
  write_text(dir + "/data/input.txt", "hello file\n");
  write_text(dir + "/data/notes.md", "# notes\n");
  write_text(dir + "/stdin.txt", kStdin);
  const std::string trace_path = dir + "/trace.wrr";

  // Record: stdin from a file, stdout and stderr to files, /data preopened.
  std::string recorded_out;
  {
    wasmtime::Engine engine = engine_for(rr::Mode::Recording);
    wasmtime::WasiConfig wasi = wasi_with(kArgv, "rr");
    CHECK(wasi.stdin_file(dir + "/stdin.txt"));
    CHECK(wasi.stdout_file(dir + "/stdout"));
    CHECK(wasi.stderr_file(dir + "/stderr"));
    CHECK(wasi.preopen_dir(dir + "/data", "/data", false));
    Outcome o = run_guest(engine, wasm, record_to(trace_path), std::move(wasi));
    report_outcome("recording", o);
    CHECK(o.exit == 7);
    CHECK(o.kind == rr::ErrorKind::None && o.finish_kind == rr::ErrorKind::None);
    recorded_out = read_text(dir + "/stdout");
    auto report = report_of(recorded_out);
    CHECK(report["args"] == "alpha beta");
    CHECK(report["env"] == "rr");
    CHECK(report["stdin"] == "line one\\nline two\\n");
    CHECK(report["file"] == "hello file\\n");
    CHECK(report["random"].size() == 32);
    CHECK(read_text(dir + "/stderr") == kStderr);
  }
  // The replays need none of the guest's inputs.
  fs::remove_all(dir + "/data");
  fs::remove(dir + "/stdin.txt");
  const std::vector<uint8_t> trace = read_bytes(trace_path);
  CHECK(!trace.empty());

  // Replay twice without echo: nothing printed, exit status 7, the whole
  // trace consumed (finish succeeds). Once with the recorded arguments and
  // environment configured, once with no WASI context.
  for (bool with_wasi : {true, false}) {
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o;
    auto printed = captured(dir, [&] {
      o = run_guest(engine, wasm, replay_from(trace, false),
                    with_wasi ? std::optional<wasmtime::WasiConfig>(wasi_with(kArgv, "rr")) : std::nullopt);
    });
    report_outcome("replay", o);
    CHECK(o.exit == 7);
    CHECK(o.kind == rr::ErrorKind::None && o.finish_kind == rr::ErrorKind::None);
    CHECK(printed.first.empty() && printed.second.empty());
  }

  // With echo: the recorded stdout and stderr bytes, on fds 1 and 2.
  {
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o;
    auto printed = captured(dir, [&] { o = run_guest(engine, wasm, replay_from(trace, true), std::nullopt); });
    report_outcome("replay with echo", o);
    CHECK(o.exit == 7 && o.finish_kind == rr::ErrorKind::None);
    CHECK(printed.first == recorded_out);
    CHECK(printed.second == kStderr);
  }

  // Divergences.
  {
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o = run_guest(engine, other_wasm, replay_from(trace, false), std::nullopt);
    CHECK(o.kind == rr::ErrorKind::ModuleMismatch);
    CHECK(contains(o.message, "the trace instantiates a module with sha256 "));
    CHECK(contains(o.message, "but this module has sha256 "));
    CHECK(o.finish_kind == rr::ErrorKind::ModuleMismatch);
  }
  {
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o = run_guest(engine, wasm, replay_from(trace, false), wasi_with({"guest", "alpha", "gamma"}, "rr"));
    CHECK(o.kind == rr::ErrorKind::Divergence && !o.exit);
    CHECK(contains(o.message, "replay diverged at event #"));
    CHECK(contains(o.message, "other arguments"));
    CHECK(o.finish_kind == rr::ErrorKind::Divergence); // sticky
  }
  {
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o = run_guest(engine, wasm, replay_from(trace, false), wasi_with(kArgv, "someone else"));
    CHECK(o.kind == rr::ErrorKind::Divergence);
    CHECK(contains(o.message, "environment"));
  }
  for (size_t offset : {trace.size() / 2, trace.size() - 9}) {
    std::vector<uint8_t> tampered = trace;
    tampered[offset] ^= 0x5a;
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o = run_guest(engine, wasm, replay_from(tampered, false), std::nullopt);
    // A damaged last frame (the end marker) is found when the replay finishes.
    bool at_end = o.kind == rr::ErrorKind::None;
    CHECK((at_end ? o.finish_kind : o.kind) == rr::ErrorKind::TraceFormat);
    CHECK(contains(at_end ? o.finish_message : o.message, at_end ? "trace" : "corrupted trace"));
  }
  {
    std::vector<uint8_t> cut(trace.begin(), trace.begin() + long(trace.size() * 2 / 3));
    wasmtime::Engine engine = engine_for(rr::Mode::Replaying);
    Outcome o = run_guest(engine, wasm, replay_from(cut, false), std::nullopt);
    CHECK(o.kind == rr::ErrorKind::TraceFormat);
  }

  // Deterministic WASI on a plain engine: the same seed and clocks give the
  // same output; another seed changes the random line only.
  fs::create_directories(dir + "/plain-data");
  write_text(dir + "/plain-data/input.txt", "fixed\n");
  {
    const std::string first = deterministic_run(dir, wasm, 42);
    const std::string second = deterministic_run(dir, wasm, 42);
    const std::string other = deterministic_run(dir, wasm, 43);
    CHECK(!first.empty() && first == second);
    auto a = report_of(first), b = report_of(other);
    CHECK(a.size() == 9 && b.size() == 9);
    CHECK(a["realtime_ns"] == "1700000000000000000" && a["monotonic_ns"] == "5000");
    CHECK(a["random"] != b["random"]);
    for (const auto &[key, value] : a) {
      if (key != "random") CHECK(b[key] == value);
    }
    wasmtime::WasiConfig wasi;
    auto step = rr::wall_clock(wasi, 0, 1000000000000001ull);
    CHECK(!step && rr::error_kind(step.err()) == rr::ErrorKind::InvalidArgument);
    CHECK(bool(rr::monotonic_clock(wasi, 0, 1000000000000000ull)));
  }

  // Ownership and misuse.
  {
    wasmtime::Engine engine = engine_for(rr::Mode::Recording);
    wasmtime::Store store(engine);
    wasmtime::WasiConfig wasi = wasi_with(kArgv, "rr");
    // A failed set_wasi leaves the configuration with the caller.
    auto refused = rr::set_wasi(wasmtime::Store::Context(static_cast<wasmtime_context_t *>(nullptr)), std::move(wasi));
    CHECK(!refused && rr::error_kind(refused.err()) == rr::ErrorKind::NullArgument);
    CHECK(wasi.capi() != nullptr);
    CHECK(bool(rr::random_seed(wasi, 1)));
    CHECK(bool(rr::set_wasi(store.context(), std::move(wasi))));
    CHECK(wasi.capi() == nullptr);
    // An empty (consumed or moved-from) configuration is NULL to the library.
    auto again = rr::set_wasi(store.context(), std::move(wasi));
    CHECK(!again && rr::error_kind(again.err()) == rr::ErrorKind::NullArgument);
    auto seed = rr::random_seed(wasi, 1);
    CHECK(!seed && rr::error_kind(seed.err()) == rr::ErrorKind::NullArgument);
    auto wall = rr::wall_clock(wasi, 1, 1);
    CHECK(!wall && rr::error_kind(wall.err()) == rr::ErrorKind::NullArgument);
    auto mono = rr::monotonic_clock(wasi, 1, 1);
    CHECK(!mono && rr::error_kind(mono.err()) == rr::ErrorKind::NullArgument);

    wasmtime::Linker linker(engine);
    CHECK(bool(rr::define_wasi(linker)));
    auto twice = rr::define_wasi(linker);
    CHECK(!twice && rr::error_kind(twice.err()) == rr::ErrorKind::Wasmtime);
    CHECK(!twice && contains(twice.err().message(), "defined twice"));

    auto replayer = rr::Replayer::bytes(trace);
    CHECK(bool(replayer.ok_ref().echo(true)));
    rr::Replayer spent = replayer.ok();
    wasmtime::Engine replaying = engine_for(rr::Mode::Replaying);
    wasmtime::Store replay_store(replaying);
    CHECK(bool(rr::replay(replay_store.context(), std::move(spent))));
    auto late = spent.echo(true); // moved into the store
    CHECK(!late && rr::error_kind(late.err()) == rr::ErrorKind::NullArgument);
  }

  fs::remove_all(dir);
  return checks::finish();
}
