// Components through the C++ API (wasmtime::rr::component over
// wasmtime/component.hh): tests/guests/components/values.wat's `api#greet`
// recorded with a host function that returns a per-run nonce, replayed
// without calling it (same results), a replay with another argument
// diverging, another component refused, and WASI preview 2
// (tests/guests/components/wasip2.wat: clock, random, stdout) and a host
// resource type (tests/guests/components/counter.wat) recorded and replayed.
// C++17, strict warnings, ASan+UBSan.
#include <wasmtime_rr.hh>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "check.hh"

namespace {

namespace rr = wasmtime::rr;
namespace wc = wasmtime::component;

int host_calls = 0;

std::string read_file(const char *path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

wasmtime::Engine engine_in(rr::Mode mode) {
  wasmtime::Config config;
  rr::set_mode(config, mode).unwrap();
  rr::enforce_determinism(config).unwrap();
  return rr::new_engine(config).unwrap();
}

// The host functions of values.wat; greet returns the name's bytes and a
// value only this run knows.
void define_hosts(wc::Linker &linker, uint32_t nonce) {
  auto root = linker.root();
  auto greet = [nonce](wasmtime::Store::Context, const wc::FuncType &, wasmtime::Span<wc::Val> args,
                       wasmtime::Span<wc::Val> results) -> wasmtime::Result<std::monostate> {
    ++host_calls;
    std::vector<wc::Val> items;
    for (char c : args[0].get_string()) items.emplace_back(static_cast<uint32_t>(static_cast<unsigned char>(c)));
    items.emplace_back(nonce);
    results[0] = wc::Val(wc::List(items));
    return std::monostate();
  };
  auto unused = [](wasmtime::Store::Context, const wc::FuncType &, wasmtime::Span<wc::Val>,
                   wasmtime::Span<wc::Val>) -> wasmtime::Result<std::monostate> {
    return wasmtime::Error("not used by this test");
  };
  CHECK(rr::component::add_func(root, "greet", greet));
  CHECK(rr::component::add_func(root, "host", unused));
  CHECK(rr::component::add_func(root, "fail", unused));
}

// Runs api#greet("ab") and api#greet(other) in a store with a session on
// `path`; the results, or the first error's message.
struct Run {
  std::vector<std::vector<uint32_t>> lists;
  std::string error;
};

Run run(rr::Mode mode, const std::string &source, const std::string &path, const char *second) {
  Run out;
  wasmtime::Engine engine = engine_in(mode);
  wasmtime::Store store(engine);
  auto session = mode == rr::Mode::Recording ? rr::Session::record_to(store, path) : rr::Session::replay_from(store, path);
  if (!session) {
    out.error = session.err().message();
    return out;
  }
  wc::Linker linker(engine);
  define_hosts(linker, static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  auto component = rr::component::component_new(engine, source).unwrap();
  auto instance = rr::component::instantiate(linker, store, component);
  if (!instance) {
    out.error = instance.err().message();
    rr::component::component_delete(std::move(component));
    return out;
  }
  auto api = instance.ok().get_export_index(store, nullptr, "api");
  auto index = instance.ok().get_export_index(store, &*api, "greet");
  wc::Func greet = *instance.ok().get_func(store, *index);
  for (const char *name : {"ab", second}) {
    std::vector<wc::Val> args{wc::Val::string(name)};
    std::vector<wc::Val> results{wc::Val(false)};
    auto called = rr::component::call(store, greet, args, results);
    if (!called) {
      out.error = called.err().message();
      break;
    }
    std::vector<uint32_t> list;
    for (const wc::Val &item : results[0].get_list()) list.push_back(item.get_u32());
    out.lists.push_back(list);
  }
  if (out.error.empty()) {
    auto finished = session.ok().finish();
    if (!finished) out.error = finished.err().message();
  }
  rr::component::component_delete(std::move(component));
  return out;
}

// One call of wasip2.wat's `sample` (clock seconds plus a random u64) in a
// store with a session on `path`; 0 and the error's message on failure.
uint64_t sample(rr::Mode mode, const std::string &source, const std::string &path, std::string &error) {
  wasmtime::Engine engine = engine_in(mode);
  wasmtime::Store store(engine);
  CHECK(rr::set_wasi(store.context(), wasmtime::WasiConfig()));
  auto session = mode == rr::Mode::Recording ? rr::Session::record_to(store, path) : rr::Session::replay_from(store, path);
  CHECK(session);
  wc::Linker linker(engine);
  CHECK(rr::component::add_wasip2(linker));
  auto component = rr::component::component_new(engine, source).unwrap();
  uint64_t value = 0;
  auto instance = rr::component::instantiate(linker, store, component);
  if (!instance) {
    error = instance.err().message();
  } else {
    auto index = instance.ok().get_export_index(store, nullptr, "sample");
    wc::Func func = *instance.ok().get_func(store, *index);
    std::vector<wc::Val> args, results{wc::Val(false)};
    auto called = rr::component::call(store, func, args, results);
    if (!called) {
      error = called.err().message();
    } else {
      value = results[0].get_u64();
      CHECK(session.ok().finish());
    }
  }
  rr::component::component_delete(std::move(component));
  return value;
}

// tests/guests/components/counter.wat with a host resource type: `run(3)`
// makes a counter (host rep 5, start value plus `start`), bumps it three
// times and drops it (the destructor). Returns run's result; counts the
// host's runs and destructor calls.
struct Counters {
  uint32_t result = 0;
  int host_runs = 0;
  std::vector<uint32_t> destroyed;
  std::string error;
};

Counters counters(rr::Mode mode, const std::string &source, const std::string &path, uint32_t start) {
  Counters out;
  wasmtime::Engine engine = engine_in(mode);
  wasmtime::Store store(engine);
  auto session = mode == rr::Mode::Recording ? rr::Session::record_to(store, path) : rr::Session::replay_from(store, path);
  CHECK(session);
  wc::Linker linker(engine);
  auto root = linker.root();
  std::vector<uint32_t> values(8);
  auto destroy = [&out](wasmtime::Store::Context, uint32_t rep) -> wasmtime::Result<std::monostate> {
    ++out.host_runs;
    out.destroyed.push_back(rep);
    return std::monostate();
  };
  auto make = [&out, &values, start](wasmtime::Store::Context cx, const wc::FuncType &, wasmtime::Span<wc::Val> args,
                                     wasmtime::Span<wc::Val> results) -> wasmtime::Result<std::monostate> {
    ++out.host_runs;
    values[5] = args[0].get_u32() + start;
    results[0] = wc::Val(wc::ResourceHost(true, 5, 7).to_any(cx).unwrap());
    return std::monostate();
  };
  auto bump = [&out, &values](wasmtime::Store::Context cx, const wc::FuncType &, wasmtime::Span<wc::Val> args,
                              wasmtime::Span<wc::Val> results) -> wasmtime::Result<std::monostate> {
    ++out.host_runs;
    uint32_t rep = args[0].get_resource().to_host(cx).unwrap().rep();
    results[0] = wc::Val(++values[rep % values.size()]);
    return std::monostate();
  };
  CHECK(rr::component::add_resource(root, "counter", wc::ResourceType(7), destroy));
  CHECK(rr::component::add_func(root, "[constructor]counter", make));
  CHECK(rr::component::add_func(root, "[method]counter.bump", bump));
  auto component = rr::component::component_new(engine, source).unwrap();
  auto instance = rr::component::instantiate(linker, store, component);
  if (!instance) {
    out.error = instance.err().message();
  } else {
    auto index = instance.ok().get_export_index(store, nullptr, "run");
    wc::Func run = *instance.ok().get_func(store, *index);
    std::vector<wc::Val> args{wc::Val(uint32_t(3))}, results{wc::Val(false)};
    auto called = rr::component::call(store, run, args, results);
    if (!called) {
      out.error = called.err().message();
    } else {
      out.result = results[0].get_u32();
      CHECK(session.ok().finish());
    }
  }
  rr::component::component_delete(std::move(component));
  return out;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: test_components_hh VALUES_WAT WASIP2_WAT COUNTER_WAT\n");
    return 2;
  }
  const std::string source = read_file(argv[1]);
  const std::string path = "/tmp/test_components_hh." + std::to_string(getpid()) + ".wrr";

  host_calls = 0;
  Run recorded = run(rr::Mode::Recording, source, path, "xyz");
  CHECK(recorded.error.empty());
  CHECK(host_calls == 2);
  CHECK(recorded.lists.size() == 2);
  CHECK(recorded.lists.size() == 2 && recorded.lists[0].size() == 3 && recorded.lists[0][0] == 'a' &&
        recorded.lists[0][1] == 'b');

  host_calls = 0;
  Run replayed = run(rr::Mode::Replaying, source, path, "xyz");
  CHECK(replayed.error.empty());
  CHECK(host_calls == 0); // results from the trace, the host never called
  CHECK(replayed.lists == recorded.lists);

  Run other_args = run(rr::Mode::Replaying, source, path, "xyw");
  CHECK(other_args.error.find("component export `api#greet` was called with (\"xyz\") in the recording, but with "
                              "(\"xyw\") now") != std::string::npos);

  Run other_component = run(rr::Mode::Replaying, source + "\n;; another build\n", path, "xyz");
  CHECK(other_component.error.find("the trace instantiates a component with sha256 ") != std::string::npos);

  // WASI preview 2: two recordings differ (a random u64), each replays as recorded.
  const std::string wasip2 = read_file(argv[2]);
  std::string error;
  uint64_t first = sample(rr::Mode::Recording, wasip2, path, error);
  CHECK(error.empty() && first > 1700000000u);
  const std::string path2 = path + ".2";
  uint64_t second = sample(rr::Mode::Recording, wasip2, path2, error);
  CHECK(error.empty() && second != first);
  CHECK(sample(rr::Mode::Replaying, wasip2, path, error) == first && error.empty());
  CHECK(sample(rr::Mode::Replaying, wasip2, path2, error) == second && error.empty());
  std::remove(path2.c_str());

  // Host resources: made, bumped and destroyed by the host while recording;
  // made again from the trace on replay, no host code run.
  const std::string counter = read_file(argv[3]);
  Counters made = counters(rr::Mode::Recording, counter, path, 1000);
  CHECK(made.error.empty());
  CHECK(made.result == 1101 + 1102 + 1103 + 1000); // guest handle 1
  CHECK(made.host_runs == 5 && made.destroyed == std::vector<uint32_t>{5});
  Counters again = counters(rr::Mode::Replaying, counter, path, 0);
  CHECK(again.error.empty());
  CHECK(again.result == made.result && again.host_runs == 0 && again.destroyed.empty());

  // Added once; a second time is Wasmtime's own error.
  wasmtime::Engine recording = engine_in(rr::Mode::Recording);
  wc::Linker linker(recording);
  CHECK(rr::component::add_wasip2(linker));
  auto twice = rr::component::add_wasip2(linker);
  CHECK(!twice && rr::error_kind(twice.err()) == rr::ErrorKind::Wasmtime);

  std::remove(path.c_str());
  return checks::finish();
}
