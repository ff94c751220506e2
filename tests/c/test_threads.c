/*
 * Engines, configs and record/replay sessions used from several threads at
 * once, built with ThreadSanitizer (tests/run-c-tests.sh). Each thread:
 *  - builds configs in every shape (recording, replaying, none; determinism
 *    enforced or opted out of; out-of-range modes), validates them and
 *    creates engines with the checked constructor, checking each verdict and
 *    message against what that shape must give;
 *  - queries two engines shared by all threads;
 *  - validates one config shared by all threads;
 *  - records its own session on a shared recording engine and module, then
 *    replays it on a shared replaying engine and module, while the other
 *    threads do the same (the library keeps sessions in one registry).
 * The checks of check.h count in globals: threads check through t_ok,
 * t_err and t_check, which take a lock, after making their calls unlocked.
 */
#include <pthread.h>
#include <stdint.h>

#include "rr_harness.h"

#define THREADS 8
#define ROUNDS 24
#define CALLS 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void t_ok(wasmtime_error_t *error, const char *what, int line) {
    pthread_mutex_lock(&lock);
    check_ok(error, what, line);
    pthread_mutex_unlock(&lock);
}

static void t_err(wasmtime_error_t *error, wasmtime_rr_error_kind_t kind, const char *part, const char *what, int line) {
    pthread_mutex_lock(&lock);
    check_err(error, kind, part, false, what, line);
    pthread_mutex_unlock(&lock);
}

static void t_check(bool cond, const char *what, int line) {
    pthread_mutex_lock(&lock);
    if (cond) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, line, what);
    }
    pthread_mutex_unlock(&lock);
}

#define T_OK(expr) t_ok((expr), #expr, __LINE__)
#define T_ERR(expr, kind, part) t_err((expr), (kind), (part), #expr, __LINE__)
#define T_CHECK(cond) t_check((cond), #cond, __LINE__)

static const char GUEST_WAT[] =
    "(module\n"
    "  (import \"env\" \"now\" (func $now (result i64)))\n"
    "  (func (export \"f\") (param i64) (result i64)\n"
    "    (i64.add (call $now) (local.get 0))))\n";

/* What all threads share, made once by main. */
static struct {
    wasm_engine_t *recording, *replaying;
    wasmtime_module_t *recording_module, *replaying_module;
    wasm_config_t *config; /* validated by every thread at once */
} shared;

typedef struct {
    pthread_t thread;
    int index;
    int64_t host_calls; /* this thread's host function counter (its env) */
} worker_t;

/* A config shape, its expected verdict and, on success, what the engine says. */
static void config_round(int shape) {
    wasm_config_t *config = wasm_config_new();
    const char *expected = NULL; /* part of the expected error message, or NULL */
    wasmtime_rr_mode_t mode = WASMTIME_RR_MODE_NONE;
    bool nan = false;
    switch (shape % 5) {
    case 0: /* recording, determinism enforced */
        T_OK(wasm_config_record_set(config, true));
        T_OK(wasm_config_enforce_determinism(config));
        mode = WASMTIME_RR_MODE_RECORDING;
        nan = true;
        break;
    case 1: /* replaying with NaN canonicalization opted out of */
        T_OK(wasm_config_replay_set(config, true));
        wasmtime_config_cranelift_nan_canonicalization_set(config, false);
        expected = "NaN canonicalization cannot be disabled when determinism is enforced";
        break;
    case 2: /* no record/replay: the same opt-out is fine */
        wasmtime_config_cranelift_nan_canonicalization_set(config, false);
        break;
    case 3: /* an out-of-range mode is refused; then recording with relaxed SIMD opted out of */
        T_ERR(wasm_config_rr_mode_set(config, 7 + (wasmtime_rr_mode_t)shape), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "unknown record/replay mode");
        T_OK(wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_RECORDING));
        wasmtime_config_wasm_relaxed_simd_deterministic_set(config, false);
        expected = "Relaxed deterministic SIMD cannot be disabled when determinism is enforced";
        break;
    default: /* replaying with determinism enforced, then record/replay off again */
        T_OK(wasm_config_replay_set(config, true));
        T_OK(wasm_config_enforce_determinism(config));
        T_OK(wasm_config_replay_set(config, false));
        nan = true;
        break;
    }
    wasmtime_error_t *validated = wasm_config_validate(config);
    wasm_engine_t *engine = NULL;
    wasmtime_error_t *built = wasm_engine_new_checked(config, &engine);
    if (expected != NULL) {
        T_ERR(validated, WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, expected);
        T_ERR(built, WASMTIME_RR_ERROR_KIND_INVALID_CONFIG, expected);
        T_CHECK(engine == NULL);
        wasm_config_delete(config); /* not consumed on failure */
        return;
    }
    T_OK(validated);
    T_OK(built);
    T_CHECK(engine != NULL);
    if (engine == NULL) return;
    wasmtime_rr_mode_t got_mode = 99;
    bool got_nan = !nan;
    T_OK(wasm_engine_rr_mode(engine, &got_mode));
    T_CHECK(got_mode == mode);
    T_OK(wasm_engine_nan_canonicalization(engine, &got_nan));
    T_CHECK(got_nan == nan);
    wasm_engine_delete(engine);
}

/* The shared engines and config answer the same in every thread. */
static void shared_round(void) {
    bool recording = false, replaying = true, nan = false;
    wasmtime_rr_mode_t mode = 0;
    T_OK(wasm_engine_is_recording(shared.recording, &recording));
    T_CHECK(recording);
    T_OK(wasm_engine_is_replaying(shared.recording, &replaying));
    T_CHECK(!replaying);
    T_OK(wasm_engine_rr_mode(shared.replaying, &mode));
    T_CHECK(mode == WASMTIME_RR_MODE_REPLAYING);
    T_OK(wasm_engine_nan_canonicalization(shared.replaying, &nan));
    T_CHECK(nan);
    T_ERR(wasm_config_validate(shared.config), WASMTIME_RR_ERROR_KIND_INVALID_CONFIG,
          "NaN canonicalization cannot be disabled when determinism is enforced");
}

/* The host function: a per-thread clock. */
static wasm_trap_t *host_now(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                             wasmtime_val_t *results, size_t nresults) {
    (void)caller, (void)args, (void)nargs, (void)nresults;
    worker_t *self = env;
    self->host_calls++;
    results[0].kind = WASMTIME_I64;
    results[0].of.i64 = (int64_t)self->index * 1000000 + self->host_calls * 7;
    return NULL;
}

/* Instantiates the guest in a store of `engine` and calls `f` CALLS times. */
static void session(worker_t *self, wasm_engine_t *engine, wasmtime_module_t *module, wasmtime_context_t *context,
                    int64_t results[CALLS]) {
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    wasm_functype_t *type = wasm_functype_new_0_1(wasm_valtype_new_i64());
    T_OK(wasmtime_rr_linker_define_func(linker, "env", 3, "now", 3, type, host_now, self, NULL));
    wasm_functype_delete(type);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap);
    T_OK(error);
    T_CHECK(trap == NULL);
    if (error == NULL && trap == NULL) {
        wasmtime_extern_t f;
        T_CHECK(wasmtime_instance_export_get(context, &instance, "f", 1, &f) && f.kind == WASMTIME_EXTERN_FUNC);
        for (int i = 0; i < CALLS; i++) {
            wasmtime_val_t arg = {.kind = WASMTIME_I64, .of.i64 = i}, result = {.kind = WASMTIME_I32};
            T_OK(wasmtime_rr_func_call(context, &f.of.func, &arg, 1, &result, 1, &trap));
            T_CHECK(trap == NULL && result.kind == WASMTIME_I64);
            results[i] = result.of.i64;
        }
    }
    wasmtime_linker_delete(linker);
}

/* Records a session of this thread, then replays it; both concurrently with
 * the other threads' sessions on the same engines and modules. */
static void rr_round(worker_t *self) {
    buffer_t trace = {.fail_after = -1};
    int64_t recorded[CALLS] = {0}, replayed[CALLS] = {0};

    wasmtime_store_t *store = wasmtime_store_new(shared.recording, NULL, NULL);
    wasmtime_rr_recorder_t *recorder = NULL;
    T_OK(wasmtime_rr_recorder_new_callback(buffer_append, &trace, buffer_finalize, &recorder));
    T_OK(wasmtime_rr_store_record(wasmtime_store_context(store), recorder));
    int64_t before = self->host_calls;
    session(self, shared.recording, shared.recording_module, wasmtime_store_context(store), recorded);
    T_OK(wasmtime_rr_store_finish(wasmtime_store_context(store)));
    wasmtime_store_delete(store);
    T_CHECK(self->host_calls == before + CALLS && trace.finalized == 1);

    store = wasmtime_store_new(shared.replaying, NULL, NULL);
    wasmtime_rr_replayer_t *replayer = NULL;
    T_OK(wasmtime_rr_replayer_new_bytes(trace.data, trace.size, &replayer));
    T_OK(wasmtime_rr_store_replay(wasmtime_store_context(store), replayer));
    before = self->host_calls;
    session(self, shared.replaying, shared.replaying_module, wasmtime_store_context(store), replayed);
    T_OK(wasmtime_rr_store_finish(wasmtime_store_context(store)));
    wasmtime_store_delete(store);
    T_CHECK(self->host_calls == before); /* served from the trace */
    T_CHECK(memcmp(recorded, replayed, sizeof recorded) == 0);
    T_CHECK(recorded[CALLS - 1] / 1000000 == self->index); /* this thread's clock, not another's */
    free(trace.data);
}

static void *work(void *opaque) {
    worker_t *self = opaque;
    for (int round = 0; round < ROUNDS; round++) {
        config_round(self->index + round);
        shared_round();
        if (round % 4 == 0) rr_round(self);
    }
    return NULL;
}

int main(void) {
    shared.recording = rr_engine(WASMTIME_RR_MODE_RECORDING);
    shared.replaying = rr_engine(WASMTIME_RR_MODE_REPLAYING);
    shared.recording_module = rr_module(shared.recording, GUEST_WAT);
    shared.replaying_module = rr_module(shared.replaying, GUEST_WAT);
    shared.config = wasm_config_new();
    CHECK_OK(wasm_config_record_set(shared.config, true));
    wasmtime_config_cranelift_nan_canonicalization_set(shared.config, false);

    worker_t workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker_t){.index = i + 1};
        T_CHECK(pthread_create(&workers[i].thread, NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) T_CHECK(pthread_join(workers[i].thread, NULL) == 0);

    wasm_config_delete(shared.config);
    wasmtime_rr_module_delete(shared.recording_module);
    wasmtime_rr_module_delete(shared.replaying_module);
    wasm_engine_delete(shared.recording);
    wasm_engine_delete(shared.replaying);
    return finish();
}
