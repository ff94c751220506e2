// The store-level switch of the C++ API (wasmtime::rr::Session, RAII) and the
// environment helpers (env_mode, env_config, env_attach, Session::from_env):
// one store of an engine recorded and replayed, the other untouched; a host
// function returning the wall clock replays its recorded value without being
// called; sessions end on destruction, on finish() and on move; bad paths and
// traces give errors of the right kind. The environment is read once per
// process, so those cases run this program again as a child (argv[1] ==
// "env-child") with WASMTIME_RR_RECORD / WASMTIME_RR_REPLAY set.
// C++17, strict warnings, ASan+UBSan.
#include <wasmtime_rr.hh>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "check.hh"

namespace {

namespace rr = wasmtime::rr;

int host_calls = 0;

// env.now: () -> i64, the wall clock in nanoseconds.
wasm_trap_t *now(void *, wasmtime_caller_t *, const wasmtime_val_t *, size_t, wasmtime_val_t *results, size_t) {
  ++host_calls;
  results[0].kind = WASMTIME_I64;
  results[0].of.i64 = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return nullptr;
}

const char *const clock_wat = R"(
(module
  (import "env" "now" (func $now (result i64)))
  (func (export "now") (result i64) (call $now)))
)";

wasmtime::Engine engine_in(rr::Mode mode) {
  wasmtime::Config config;
  if (mode != rr::Mode::None) {
    rr::set_mode(config, mode).unwrap();
    rr::enforce_determinism(config).unwrap();
  }
  return rr::new_engine(config).unwrap();
}

bool exists(const std::string &path) { return access(path.c_str(), F_OK) == 0; }

// A host program: an engine, a linker with env.now, a module, and a way to
// read the clock through the guest in any store of the engine.
struct Host {
  wasmtime::Engine &engine;
  wasmtime::Linker linker;
  wasmtime::Module module;

  explicit Host(wasmtime::Engine &e) : engine(e), linker(e), module(make_module(e)) {
    wasm_valtype_vec_t params, results;
    wasm_valtype_vec_new_empty(&params);
    wasm_valtype_vec_new_uninitialized(&results, 1);
    results.data[0] = wasm_valtype_new(WASM_I64);
    wasm_functype_t *type = wasm_functype_new(&params, &results);
    rr::define_func(linker, "env", "now", type, now).unwrap();
    wasm_functype_delete(type);
  }

  static wasmtime::Module make_module(wasmtime::Engine &e) {
    auto wasm = wasmtime::wat2wasm(clock_wat).unwrap();
    std::vector<uint8_t> bytes(wasm.begin(), wasm.end());
    return rr::module_new(e, bytes).unwrap();
  }

  // The value the guest read, and how many times the host was called for it;
  // -1 when the instantiation or call failed.
  std::pair<int64_t, int> read(wasmtime::Store &store) {
    int before = host_calls;
    auto instance = rr::instantiate(linker, store.context(), module);
    if (!instance) return {-1, 0};
    auto func = std::get<wasmtime::Func>(*instance.ok_ref().get(store.context(), "now"));
    auto results = rr::call(store.context(), func, {}, 1);
    if (!results) return {-1, 0};
    return {results.ok_ref()[0].i64(), host_calls - before};
  }
};

void test_store_level_switch(const std::string &dir) {
  const std::string trace = dir + "/switch.wrr";
  int64_t recorded = 0, plain_recorded = 0;
  {
    wasmtime::Engine engine = engine_in(rr::Mode::Recording);
    Host host(engine);
    wasmtime::Store store(engine), other(engine);
    // The switch: one line; the session lives until the end of this scope.
    auto session = rr::Session::record_to(store, trace).unwrap();
    CHECK(session.active());
    auto [value, calls] = host.read(store);
    auto [plain_value, plain_calls] = host.read(other);
    recorded = value;
    plain_recorded = plain_value;
    CHECK(calls == 1);
    CHECK(plain_calls == 1);
    int64_t wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    CHECK(value > 0 && value <= wall);
  } // the session finishes here, before the store goes
  CHECK(exists(trace));
  CHECK(!exists(trace + ".1")); // the other store wrote nothing

  usleep(1000);
  {
    wasmtime::Engine engine = engine_in(rr::Mode::Replaying);
    Host host(engine);
    wasmtime::Store store(engine), other(engine);
    auto session = rr::Session::replay_from(store, trace).unwrap();
    auto [value, calls] = host.read(store);
    CHECK(value == recorded); // the recorded clock, from the trace
    CHECK(calls == 0);        // without calling the host
    // The store that is not switched runs for real on the replaying engine.
    auto [plain_value, plain_calls] = host.read(other);
    CHECK(plain_calls == 1);
    CHECK(plain_value > plain_recorded);
    // The destructor above wrote the end marker: the replay used the whole
    // trace, so an explicit finish reports success; then the session is done.
    CHECK(session.finish());
    CHECK(!session.active());
    CHECK(session.finish()); // finishing again does nothing
  }
}

void test_session_ends(const std::string &dir) {
  // finish() reports a replay that stopped early; the destructor of a
  // session that was moved from does nothing; move-assignment finishes the
  // session it replaces.
  const std::string trace = dir + "/two-calls.wrr";
  {
    wasmtime::Engine engine = engine_in(rr::Mode::Recording);
    Host host(engine);
    wasmtime::Store store(engine);
    rr::Session session = rr::Session::record_to(store, trace).unwrap();
    host.read(store);
    host.read(store);
    CHECK(session.finish());
    CHECK(!session.active());
    // A second session on the same store after the first finished.
    auto again = rr::Session::record_to(store, dir + "/again.wrr");
    CHECK(again);
    rr::Session moved(std::move(again.ok_ref()));
    CHECK(moved.active());
    CHECK(!again.ok_ref().active());
    rr::Session target;
    target = std::move(moved);
    CHECK(target.active() && !moved.active());
    target = rr::Session(); // finishes the recording
    CHECK(!target.active());
    // Nothing is attached any more: a third recording can start.
    CHECK(rr::Session::record_to(store, dir + "/third.wrr"));
  }
  {
    wasmtime::Engine engine = engine_in(rr::Mode::Replaying);
    Host host(engine);
    wasmtime::Store store(engine);
    auto session = rr::Session::replay_from(store, trace).unwrap();
    host.read(store); // one of the two recorded reads
    auto finished = session.finish();
    CHECK(!finished);
    CHECK(!finished && rr::error_kind(finished.err_ref()) == rr::ErrorKind::Divergence);
    CHECK(!session.active());
  }
  {
    // The recorder and replayer overloads, with settings.
    wasmtime::Engine engine = engine_in(rr::Mode::Recording);
    Host host(engine);
    wasmtime::Store store(engine);
    auto recorder = rr::Recorder::file(dir + "/settings.wrr").unwrap();
    recorder.validation(true).unwrap();
    auto session = rr::Session::record_to(store, std::move(recorder)).unwrap();
    CHECK(host.read(store).second == 1);
    CHECK(session.flush());
  }
  {
    wasmtime::Engine engine = engine_in(rr::Mode::Replaying);
    Host host(engine);
    wasmtime::Store store(engine);
    auto session = rr::Session::replay_from(store, rr::Replayer::file(dir + "/settings.wrr").unwrap()).unwrap();
    CHECK(host.read(store).second == 0);
    CHECK(session.finish());
  }
}

void test_session_errors(const std::string &dir) {
  wasmtime::Engine plain = engine_in(rr::Mode::None);
  wasmtime::Engine recording = engine_in(rr::Mode::Recording);
  wasmtime::Engine replaying = engine_in(rr::Mode::Replaying);
  {
    wasmtime::Store store(plain);
    auto session = rr::Session::record_to(store, dir + "/plain.wrr");
    CHECK(!session && rr::error_kind(session.err_ref()) == rr::ErrorKind::InvalidArgument);
  }
  {
    wasmtime::Store store(recording);
    auto session = rr::Session::record_to(store, "/nonexistent-dir/a.wrr");
    CHECK(!session && rr::error_kind(session.err_ref()) == rr::ErrorKind::TraceIo);
    auto first = rr::Session::record_to(store, dir + "/first.wrr");
    CHECK(first);
    auto second = rr::Session::record_to(store, dir + "/second.wrr");
    CHECK(!second && rr::error_kind(second.err_ref()) == rr::ErrorKind::InvalidArgument);
  }
  {
    const std::string junk = dir + "/junk.wrr";
    std::ofstream(junk) << "not a trace at all";
    wasmtime::Store store(replaying);
    auto missing = rr::Session::replay_from(store, dir + "/missing.wrr");
    CHECK(!missing && rr::error_kind(missing.err_ref()) == rr::ErrorKind::TraceIo);
    auto bad = rr::Session::replay_from(store, junk, true);
    CHECK(!bad && rr::error_kind(bad.err_ref()) == rr::ErrorKind::TraceFormat);
    CHECK(!bad && bad.err_ref().message().find("not a wasmtime-rr trace") != std::string::npos);
  }
  {
    rr::Session inactive;
    CHECK(!inactive.active());
    CHECK(inactive.finish());
    CHECK(inactive.flush());
  }
}

// ---------------------------------------------------------------------------
// The environment switch, in a child process.

// The child: env_mode, env_config, an engine, then two stores of which only
// the first is attached (Session::from_env). Prints key=value lines.
int env_child() {
  std::printf("env_mode=%d\n", static_cast<int>(rr::env_mode()));
  wasmtime::Config config;
  auto configured = rr::env_config(config);
  if (!configured) {
    std::printf("env_config=%s\n", rr::error_kind_name(rr::error_kind(configured.err_ref())).data());
    return 0;
  }
  wasmtime::Engine engine = rr::new_engine(config).unwrap();
  std::printf("engine_mode=%d\n", static_cast<int>(rr::mode(engine).unwrap()));
  Host host(engine);
  wasmtime::Store store(engine), other(engine);
  auto session = rr::Session::from_env(engine, store);
  if (!session) {
    std::printf("attach=%s\nmessage=%s\n", rr::error_kind_name(rr::error_kind(session.err_ref())).data(),
                session.err_ref().message().c_str());
    return 0;
  }
  std::printf("active=%d\n", session.ok_ref().active() ? 1 : 0);
  auto [value, calls] = host.read(store);
  auto [plain_value, plain_calls] = host.read(other);
  std::printf("value=%lld\ncalls=%d\nplain_value=%lld\nplain_calls=%d\n", static_cast<long long>(value), calls,
              static_cast<long long>(plain_value), plain_calls);
  auto finished = session.ok_ref().finish();
  std::printf("finish=%s\n", finished ? "ok" : rr::error_kind_name(rr::error_kind(finished.err_ref())).data());
  return 0;
}

std::string self_exe;

// Runs the child with the given variables; returns its key=value lines.
std::string run_child(const std::string &vars) {
  std::string command = "env -u WASMTIME_RR_RECORD -u WASMTIME_RR_REPLAY " + vars + " '" + self_exe +
                        "' env-child 2>/dev/null";
  FILE *pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  CHECK(pclose(pipe) == 0);
  return out;
}

// The value of `key` in key=value lines, "" when absent.
std::string field(const std::string &out, const std::string &key) {
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

void test_env(const std::string &dir) {
  const std::string trace = dir + "/env.wrr";
  const std::string none = std::to_string(WASMTIME_RR_MODE_NONE);
  const std::string recording = std::to_string(WASMTIME_RR_MODE_RECORDING);
  const std::string replaying = std::to_string(WASMTIME_RR_MODE_REPLAYING);

  std::string off = run_child("");
  CHECK(field(off, "env_mode") == none);
  CHECK(field(off, "engine_mode") == none);
  CHECK(field(off, "active") == "0");
  CHECK(field(off, "calls") == "1");

  std::string rec = run_child("WASMTIME_RR_RECORD='" + trace + "'");
  CHECK(field(rec, "env_mode") == recording);
  CHECK(field(rec, "engine_mode") == recording);
  CHECK(field(rec, "active") == "1");
  CHECK(field(rec, "calls") == "1");
  CHECK(field(rec, "plain_calls") == "1");
  CHECK(field(rec, "finish") == "ok");
  CHECK(exists(trace));
  CHECK(!exists(trace + ".1")); // the store not attached records nothing

  usleep(1000);
  std::string rep = run_child("WASMTIME_RR_REPLAY='" + trace + "'");
  CHECK(field(rep, "env_mode") == replaying);
  CHECK(field(rep, "engine_mode") == replaying);
  CHECK(field(rep, "active") == "1");
  CHECK(!field(rec, "value").empty() && field(rep, "value") == field(rec, "value"));
  CHECK(field(rep, "calls") == "0");
  CHECK(field(rep, "plain_calls") == "1");
  CHECK(field(rep, "plain_value") != field(rec, "plain_value"));
  CHECK(field(rep, "finish") == "ok");

  std::string unwritable = run_child("WASMTIME_RR_RECORD=/nonexistent-dir/env.wrr");
  CHECK(field(unwritable, "env_mode") == recording);
  CHECK(field(unwritable, "attach") == "trace_io");
  CHECK(field(unwritable, "message").find("/nonexistent-dir/env.wrr") != std::string::npos);

  const std::string junk = dir + "/env-junk.wrr";
  std::ofstream(junk) << "not a trace at all";
  std::string bad = run_child("WASMTIME_RR_REPLAY='" + junk + "'");
  CHECK(field(bad, "attach") == "trace_format");

  std::string both = run_child("WASMTIME_RR_RECORD='" + dir + "/both.wrr' WASMTIME_RR_REPLAY='" + dir + "/both.wrr'");
  CHECK(field(both, "env_mode") == none);
  CHECK(field(both, "active") == "0");
  CHECK(!exists(dir + "/both.wrr"));

  // In this process (no variable set by the test runner): env_config leaves
  // the config alone, and from_env attaches nothing.
  if (std::getenv("WASMTIME_RR_RECORD") == nullptr && std::getenv("WASMTIME_RR_REPLAY") == nullptr) {
    CHECK(rr::env_mode() == rr::Mode::None);
    wasmtime::Config config;
    CHECK(rr::env_config(config));
    wasmtime::Engine engine = rr::new_engine(config).unwrap();
    CHECK(rr::mode(engine).unwrap() == rr::Mode::None);
    wasmtime::Store store(engine);
    CHECK(rr::env_attach(store));
    auto session = rr::Session::from_env(engine, store);
    CHECK(session && !session.ok_ref().active());
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1 && std::strcmp(argv[1], "env-child") == 0) return env_child();
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return 2;
  exe[n] = '\0';
  self_exe = exe;
  char dir_template[] = "/tmp/wasmtime-rr-session-XXXXXX";
  const char *dir = mkdtemp(dir_template);
  if (dir == nullptr) return 2;

  test_store_level_switch(dir);
  test_session_ends(dir);
  test_session_errors(dir);
  test_env(dir);

  std::string cleanup = std::string("rm -rf '") + dir + "'";
  if (std::system(cleanup.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir);
  return checks::finish();
}
