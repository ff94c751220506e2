// A C++17 translation unit over wasmtime_rr.h: the header is C++-compatible
// (extern "C", no C-only constructs), survives a second include, and every
// function links and behaves the same when called from C++.
#include <wasmtime_rr.h>
#include <wasmtime_rr.h>

#include <cstdio>

#include "check.hh"
#include <cstring>
#include <memory>
#include <string>

namespace {


struct ErrorDeleter {
    void operator()(wasmtime_error_t *e) const { wasmtime_error_delete(e); }
};
using Error = std::unique_ptr<wasmtime_error_t, ErrorDeleter>;

std::string message(const Error &error) {
    wasm_name_t name;
    wasmtime_error_message(error.get(), &name);
    std::string text(name.data, name.size);
    wasm_name_delete(&name);
    return text;
}

bool is(const Error &error, wasmtime_rr_error_kind_t kind, const std::string &text) {
    return error && wasmtime_rr_error_kind(error.get()) == kind && message(error) == text;
}

}  // namespace

int main() {
    CHECK(std::strcmp(wasmtime_rr_version(), WASMTIME_RR_VERSION) == 0);
    const bool rr = wasmtime_rr_compiled_in();
    CHECK(std::strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_PANIC), "panic") == 0);

    wasm_config_t *config = wasm_config_new();
    CHECK(is(Error(wasm_config_record_set(nullptr, true)), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
             "wasm_config_record_set: argument `config` is NULL"));
    if (rr) {
        CHECK(!Error(wasm_config_replay_set(config, true)));
        CHECK(!Error(wasm_config_record_set(config, true)));
        CHECK(!Error(wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_RECORDING)));
        wasmtime_config_wasm_relaxed_simd_deterministic_set(config, false);
        CHECK(is(Error(wasm_config_validate(config)), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG,
                 "Relaxed deterministic SIMD cannot be disabled when determinism is enforced"));
    }
    CHECK(is(Error(wasm_config_rr_mode_set(config, 9)), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
             "wasm_config_rr_mode_set: unknown record/replay mode 9 (expected WASMTIME_RR_MODE_NONE = 0, "
             "WASMTIME_RR_MODE_RECORDING = 1 or WASMTIME_RR_MODE_REPLAYING = 2)"));
    CHECK(!Error(wasm_config_enforce_determinism(config)));
    CHECK(!Error(wasm_config_validate(config)));

    wasm_engine_t *engine = nullptr;
    CHECK(!Error(wasm_engine_new_checked(config, &engine)));
    bool recording = false, replaying = true, nan = false, simd = false;
    wasmtime_rr_mode_t mode = 99;
    CHECK(!Error(wasm_engine_is_recording(engine, &recording)));
    CHECK(!Error(wasm_engine_is_replaying(engine, &replaying)));
    CHECK(!Error(wasm_engine_rr_mode(engine, &mode)));
    CHECK(!Error(wasm_engine_nan_canonicalization(engine, &nan)));
    CHECK(!Error(wasm_engine_relaxed_simd_deterministic(engine, &simd)));
    CHECK(recording == rr && !replaying && nan && simd);
    CHECK(mode == (rr ? WASMTIME_RR_MODE_RECORDING : WASMTIME_RR_MODE_NONE));
    wasm_engine_delete(engine);

    wasmtime_error_t *made = nullptr;
    CHECK(!Error(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_UNSUPPORTED, "from C++", &made)));
    CHECK(is(Error(made), WASMTIME_RR_ERROR_KIND_UNSUPPORTED, "from C++"));
    CHECK(wasmtime_rr_error_kind(nullptr) == WASMTIME_RR_ERROR_KIND_NONE);

    return checks::finish();
}
