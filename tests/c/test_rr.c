/*
 * C tests of every function in wasmtime_rr.h, with their error paths.
 *
 * Built with -Wall -Wextra -Wpedantic -Werror and AddressSanitizer/UBSan (with
 * leak detection) by tests/run-c-tests.sh. EXPECT_RR is 1 for a library built
 * with record/replay support, 0 without. Ends with "N passed, N failed".
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#ifndef EXPECT_RR
#error "define EXPECT_RR to 1 or 0"
#endif

static const char NAN_MSG[] = "NaN canonicalization cannot be disabled when determinism is enforced";
static const char SIMD_MSG[] =
    "Relaxed deterministic SIMD cannot be disabled when determinism is enforced";

/* Builds an engine (consuming config) and returns its mode, or 99 on failure. */
static wasmtime_rr_mode_t mode_of(wasm_config_t *config) {
    wasm_engine_t *engine = NULL;
    wasmtime_error_t *error = wasm_engine_new_checked(config, &engine);
    if (error != NULL) {
        check_ok(error, "wasm_engine_new_checked", __LINE__);
        wasm_config_delete(config);
        return 99;
    }
    wasmtime_rr_mode_t mode = 99;
    bool recording = true, replaying = true;
    CHECK_OK(wasm_engine_rr_mode(engine, &mode));
    CHECK_OK(wasm_engine_is_recording(engine, &recording));
    CHECK_OK(wasm_engine_is_replaying(engine, &replaying));
    CHECK(recording == (mode == WASMTIME_RR_MODE_RECORDING));
    CHECK(replaying == (mode == WASMTIME_RR_MODE_REPLAYING));
    wasm_engine_delete(engine);
    return mode;
}

typedef wasmtime_error_t *(*flag_setter_t)(wasm_config_t *, bool);

/* Applies one or two boolean setters to a new config and checks the mode of
 * the engine built from it. */
static void expect_mode_after(flag_setter_t first, bool a, flag_setter_t second, bool b,
                              wasmtime_rr_mode_t expected) {
    wasm_config_t *config = wasm_config_new();
    CHECK_OK(first(config, a));
    if (second != NULL) {
        CHECK_OK(second(config, b));
    }
    CHECK(mode_of(config) == expected);
}

static void test_version(void) {
    CHECK(strcmp(wasmtime_rr_version(), WASMTIME_RR_VERSION) == 0);
    char composed[64];
    snprintf(composed, sizeof composed, "%d.%d.%d", WASMTIME_RR_VERSION_MAJOR,
             WASMTIME_RR_VERSION_MINOR, WASMTIME_RR_VERSION_PATCH);
    CHECK(strcmp(composed, WASMTIME_RR_VERSION) == 0);
    CHECK(wasmtime_rr_compiled_in() == (EXPECT_RR != 0));
}

static void test_mode_setters(void) {
    CHECK_ERR(wasm_config_record_set(NULL, true), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_config_record_set: argument `config` is NULL");
    CHECK_ERR(wasm_config_replay_set(NULL, false), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_config_replay_set: argument `config` is NULL");
    CHECK_ERR(wasm_config_rr_mode_set(NULL, WASMTIME_RR_MODE_NONE), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_config_rr_mode_set: argument `config` is NULL");

    CHECK(mode_of(wasm_config_new()) == WASMTIME_RR_MODE_NONE); /* the default */
    wasm_config_t *config;

#if EXPECT_RR
    expect_mode_after(wasm_config_record_set, true, NULL, false, WASMTIME_RR_MODE_RECORDING);
    expect_mode_after(wasm_config_replay_set, true, NULL, false, WASMTIME_RR_MODE_REPLAYING);
    /* One mode per config: the later setter replaces the earlier. */
    expect_mode_after(wasm_config_record_set, true, wasm_config_replay_set, true, WASMTIME_RR_MODE_REPLAYING);
    expect_mode_after(wasm_config_replay_set, true, wasm_config_record_set, true, WASMTIME_RR_MODE_RECORDING);
    /* `false` turns record/replay off, whichever mode was selected. */
    expect_mode_after(wasm_config_replay_set, true, wasm_config_record_set, false, WASMTIME_RR_MODE_NONE);
    expect_mode_after(wasm_config_record_set, true, wasm_config_replay_set, false, WASMTIME_RR_MODE_NONE);

    /* The enum setter, and an unknown value that leaves the config alone. */
    config = wasm_config_new();
    CHECK_OK(wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_REPLAYING));
    CHECK_OK(wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_RECORDING));
    CHECK_ERR(wasm_config_rr_mode_set(config, 3), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasm_config_rr_mode_set: unknown record/replay mode 3 (expected "
              "WASMTIME_RR_MODE_NONE = 0, WASMTIME_RR_MODE_RECORDING = 1 or "
              "WASMTIME_RR_MODE_REPLAYING = 2)");
    CHECK_ERR(wasm_config_rr_mode_set(config, UINT32_MAX), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasm_config_rr_mode_set: unknown record/replay mode 4294967295 (expected "
              "WASMTIME_RR_MODE_NONE = 0, WASMTIME_RR_MODE_RECORDING = 1 or "
              "WASMTIME_RR_MODE_REPLAYING = 2)");
    CHECK(mode_of(config) == WASMTIME_RR_MODE_RECORDING);
#else
    config = wasm_config_new();
    CHECK_ERR(wasm_config_record_set(config, true), WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
              "wasm_config_record_set: record/replay support is not compiled into this build of "
              "wasmtime-rr (build it with the Cargo feature `rr`)");
    CHECK_ERR(wasm_config_replay_set(config, true), WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
              "wasm_config_replay_set: record/replay support is not compiled into this build of "
              "wasmtime-rr (build it with the Cargo feature `rr`)");
    CHECK_ERR(wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_RECORDING), WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
              "wasm_config_rr_mode_set: record/replay support is not compiled into this build of "
              "wasmtime-rr (build it with the Cargo feature `rr`)");
    CHECK_OK(wasm_config_record_set(config, false));
    CHECK_OK(wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_NONE));
    CHECK(mode_of(config) == WASMTIME_RR_MODE_NONE);
    (void)expect_mode_after;
#endif
}

/* Records, applies `tweak`, and checks validation and checked creation agree. */
static void expect_rejected(void (*tweak)(wasm_config_t *), const char *message) {
    wasm_config_t *config = wasm_config_new();
    CHECK_OK(wasm_config_record_set(config, true));
    tweak(config);
    CHECK_ERR(wasm_config_validate(config), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, message);
    /* Validation does not change the config: it fails the same way again. */
    CHECK_ERR(wasm_config_validate(config), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, message);

    wasm_engine_t *sentinel = (wasm_engine_t *)&passed; /* never a real engine */
    wasm_engine_t *engine = sentinel;
    CHECK_ERR(wasm_engine_new_checked(config, &engine), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, message);
    CHECK(engine == sentinel); /* output untouched on failure */

    /* The config is still ours: fix it explicitly and retry. */
    CHECK_OK(wasm_config_enforce_determinism(config));
    CHECK_OK(wasm_config_validate(config));
    CHECK_OK(wasm_engine_new_checked(config, &engine));
    CHECK(engine != sentinel && engine != NULL);
    bool nan = false, simd = false;
    CHECK_OK(wasm_engine_nan_canonicalization(engine, &nan));
    CHECK_OK(wasm_engine_relaxed_simd_deterministic(engine, &simd));
    CHECK(nan && simd);
    wasm_engine_delete(engine);
}

static void nan_off(wasm_config_t *config) {
    wasmtime_config_cranelift_nan_canonicalization_set(config, false);
}
static void simd_nondeterministic(wasm_config_t *config) {
    wasmtime_config_wasm_relaxed_simd_deterministic_set(config, false);
}
static void nan_flag_off(wasm_config_t *config) {
    wasmtime_config_cranelift_flag_set(config, "enable_nan_canonicalization", "false");
}

static void test_validation_and_checked_engine(void) {
    CHECK_ERR(wasm_config_validate(NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_config_validate: argument `config` is NULL");
    CHECK_ERR(wasm_config_enforce_determinism(NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_config_enforce_determinism: argument `config` is NULL");

    wasm_engine_t *engine = NULL;
    CHECK_ERR(wasm_engine_new_checked(NULL, &engine), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_engine_new_checked: argument `config` is NULL");
    CHECK(engine == NULL);
    wasm_config_t *config = wasm_config_new();
    CHECK_ERR(wasm_engine_new_checked(config, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_engine_new_checked: argument `engine_out` is NULL");
    /* A misaligned output pointer is refused, not written through. */
    uintptr_t odd = (uintptr_t)&engine + 1;
    CHECK_ERR(wasm_engine_new_checked(config, (wasm_engine_t **)odd), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasm_engine_new_checked: argument `engine_out` is not aligned to 8 bytes");
    /* Without record/replay nothing is enforced: an opt-out is fine. */
    nan_off(config);
    CHECK_OK(wasm_config_validate(config));
    CHECK_OK(wasm_engine_new_checked(config, &engine));
    bool nan = true;
    CHECK_OK(wasm_engine_nan_canonicalization(engine, &nan));
    CHECK(!nan);
    wasm_engine_delete(engine);

#if EXPECT_RR
    expect_rejected(nan_off, NAN_MSG);
    expect_rejected(nan_flag_off, NAN_MSG);
    expect_rejected(simd_nondeterministic, SIMD_MSG);

    /* Replaying enforces determinism too. */
    config = wasm_config_new();
    CHECK_OK(wasm_config_replay_set(config, true));
    nan_off(config);
    CHECK_ERR(wasm_config_validate(config), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, NAN_MSG);
    wasm_config_delete(config);

    /* Last write wins: an opt-out after enforcing stands and is rejected. */
    config = wasm_config_new();
    CHECK_OK(wasm_config_enforce_determinism(config));
    CHECK_OK(wasm_config_record_set(config, true));
    simd_nondeterministic(config);
    CHECK_ERR(wasm_config_validate(config), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, SIMD_MSG);
    wasm_config_delete(config);

    /* Defaults are not enforced: recording builds, and reports both off. */
    config = wasm_config_new();
    CHECK_OK(wasm_config_record_set(config, true));
    CHECK_OK(wasm_engine_new_checked(config, &engine));
    bool simd = true;
    nan = true;
    CHECK_OK(wasm_engine_nan_canonicalization(engine, &nan));
    CHECK_OK(wasm_engine_relaxed_simd_deterministic(engine, &simd));
    CHECK(!nan && !simd);
    wasm_engine_delete(engine);
#else
    (void)expect_rejected;
    (void)simd_nondeterministic;
    (void)nan_flag_off;
    (void)SIMD_MSG;
    (void)NAN_MSG;
#endif
}

static void test_engine_queries_check_pointers(void) {
    wasm_engine_t *engine = wasm_engine_new();
    bool flag = true;
    wasmtime_rr_mode_t mode = 77;
    typedef wasmtime_error_t *(*bool_query_t)(const wasm_engine_t *, bool *);
    static const struct {
        const char *name;
        bool_query_t query;
    } queries[] = {
        {"wasm_engine_is_recording", wasm_engine_is_recording},
        {"wasm_engine_is_replaying", wasm_engine_is_replaying},
        {"wasm_engine_nan_canonicalization", wasm_engine_nan_canonicalization},
        {"wasm_engine_relaxed_simd_deterministic", wasm_engine_relaxed_simd_deterministic},
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char expected[128];
        snprintf(expected, sizeof expected, "%s: argument `engine` is NULL", queries[i].name);
        CHECK_ERR(queries[i].query(NULL, &flag), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, expected);
        snprintf(expected, sizeof expected, "%s: argument `out` is NULL", queries[i].name);
        CHECK_ERR(queries[i].query(engine, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, expected);
    }
    CHECK_ERR(wasm_engine_rr_mode(NULL, &mode), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_engine_rr_mode: argument `engine` is NULL");
    CHECK_ERR(wasm_engine_rr_mode(engine, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasm_engine_rr_mode: argument `out` is NULL");
    CHECK(flag == true && mode == 77); /* outputs untouched by failures */
    /* Queries work on engines from the stock constructors too. */
    CHECK_OK(wasm_engine_rr_mode(engine, &mode));
    CHECK(mode == WASMTIME_RR_MODE_NONE);
    wasm_engine_delete(engine);
}

static void test_error_kinds(void) {
    CHECK(wasmtime_rr_error_kind(NULL) == WASMTIME_RR_ERROR_KIND_NONE);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_NONE), "none") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_WASMTIME), "wasmtime") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT), "null_argument") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT), "invalid_argument") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_UNSUPPORTED), "unsupported") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_INVALID_CONFIG), "invalid_config") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_PANIC), "panic") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_TRACE_IO), "trace_io") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_TRACE_FORMAT), "trace_format") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_DIVERGENCE), "divergence") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH), "module_mismatch") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(11), "unknown") == 0);
    CHECK(strcmp(wasmtime_rr_error_kind_name(UINT32_MAX), "unknown") == 0);

    /* Errors made by Wasmtime's own C API are of kind WASMTIME, message kept. */
    wasmtime_error_t *theirs = wasmtime_error_new("from wasmtime");
    CHECK_ERR(theirs, WASMTIME_RR_ERROR_KIND_WASMTIME, "from wasmtime");
    wasm_engine_t *engine = wasm_engine_new();
    wasmtime_module_t *module = NULL;
    static const uint8_t garbage[] = {1, 2, 3};
    wasmtime_error_t *compile = wasmtime_module_new(engine, garbage, sizeof garbage, &module);
    CHECK(compile != NULL && wasmtime_rr_error_kind(compile) == WASMTIME_RR_ERROR_KIND_WASMTIME);
    wasmtime_error_delete(compile);
    wasm_engine_delete(engine);

    /* Every creatable kind reads back, message verbatim. */
    const wasmtime_rr_error_kind_t kinds[] = {
        WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
        WASMTIME_RR_ERROR_KIND_UNSUPPORTED, WASMTIME_RR_ERROR_KIND_INVALID_CONFIG,
        WASMTIME_RR_ERROR_KIND_PANIC, WASMTIME_RR_ERROR_KIND_TRACE_IO, WASMTIME_RR_ERROR_KIND_TRACE_FORMAT,
        WASMTIME_RR_ERROR_KIND_DIVERGENCE, WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        wasmtime_error_t *made = NULL;
        CHECK_OK(wasmtime_rr_error_new(kinds[i], "made by the host", &made));
        CHECK_ERR(made, kinds[i], "made by the host");
    }
    wasmtime_error_t *made = NULL;
    CHECK_ERR(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_NONE, "x", &made), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_error_new: error kind 0 (none) cannot be created; use one of "
              "WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT .. WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH");
    CHECK_ERR(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_WASMTIME, "x", &made), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_error_new: error kind 1 (wasmtime) cannot be created; use one of "
              "WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT .. WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH");
    CHECK_ERR(wasmtime_rr_error_new(1000, "x", &made), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_error_new: error kind 1000 (unknown) cannot be created; use one of "
              "WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT .. WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH");
    CHECK_ERR(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_PANIC, NULL, &made), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_error_new: argument `message` is NULL");
    CHECK_ERR(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_PANIC, "x", NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_error_new: argument `error_out` is NULL");
    CHECK_ERR(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_PANIC, "ok\xff\xfe", &made),
              WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_error_new: argument `message` is not valid UTF-8 (invalid byte at offset 2)");
    CHECK(made == NULL);
}

/* The engine from the checked constructor works with the rest of the C API. */
static void test_engine_runs_code(void) {
    wasm_config_t *config = wasm_config_new();
#if EXPECT_RR
    CHECK_OK(wasm_config_record_set(config, true));
    CHECK_OK(wasm_config_enforce_determinism(config));
#endif
    wasm_engine_t *engine = NULL;
    CHECK_OK(wasm_engine_new_checked(config, &engine));
    static const char wat[] = "(module (func (export \"add\") (param i64 i64) (result i64)"
                              " local.get 0 local.get 1 i64.add))";
    wasm_byte_vec_t wasm;
    CHECK_OK(wasmtime_wat2wasm(wat, strlen(wat), &wasm));
    wasmtime_module_t *module = NULL;
    CHECK_OK(wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module));
    wasm_byte_vec_delete(&wasm);
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_OK(wasmtime_instance_new(context, module, NULL, 0, &instance, &trap));
    CHECK(trap == NULL);
    wasmtime_extern_t add;
    CHECK(wasmtime_instance_export_get(context, &instance, "add", 3, &add));
    wasmtime_val_t args[2] = {{.kind = WASMTIME_I64, .of.i64 = 40}, {.kind = WASMTIME_I64, .of.i64 = 2}};
    wasmtime_val_t result = {.kind = WASMTIME_I32, .of.i32 = 0};
    CHECK_OK(wasmtime_func_call(context, &add.of.func, args, 2, &result, 1, &trap));
    CHECK(trap == NULL && result.kind == WASMTIME_I64 && result.of.i64 == 42);
    wasmtime_store_delete(store);
    wasmtime_module_delete(module);
    wasm_engine_delete(engine);
}

/* The stock constructor aborts on the same config (shown in a child process). */
static void test_stock_constructor_aborts(void) {
#if EXPECT_RR
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2); /* the panic message is expected; keep the log clean */
        wasm_config_t *config = wasm_config_new();
        wasmtime_error_t *error = wasm_config_record_set(config, true);
        wasmtime_config_cranelift_nan_canonicalization_set(config, false);
        wasm_engine_t *engine = wasm_engine_new_with_config(config);
        (void)error;
        (void)engine;
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
#endif
}

int main(void) {
    test_version();
    test_mode_setters();
    test_validation_and_checked_engine();
    test_engine_queries_check_pointers();
    test_error_kinds();
    test_engine_runs_code();
    test_stock_constructor_aborts();
    return finish();
}
