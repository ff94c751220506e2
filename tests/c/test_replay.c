/*
 * Record/replay from C: a host program runs the same script while recording
 * and while replaying; replay must reproduce every export result bit for bit
 * without calling the host functions, and every divergence or bad trace must
 * come back as an error object. Built with strict warnings and ASan/UBSan.
 */
#include <stdint.h>
#include <unistd.h>

#include "rr_harness.h"
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The guest, shared with the trace fuzz targets: tests/guests/replay_guest.wat
 * (its path comes from the build, RR_GUEST_WAT). */
static char *GUEST;

/* The guest's imports and memory, for the other guests below. */
#define GUEST_IMPORTS \
    "  (import \"env\" \"now\" (func $now (result i64)))\n" \
    "  (import \"env\" \"fill\" (func $fill (param i32 i32)))\n" \
    "  (import \"env\" \"multi\" (func $multi (param i32) (result i32 i64 f32 f64)))\n" \
    "  (import \"env\" \"fail\" (func $fail))\n" \
    "  (memory (export \"memory\") 1)\n"

/* The same guest, rebuilt with one constant changed: another checksum. */
static const char OTHER_BUILD[] =
    "(module\n"
    GUEST_IMPORTS
    "  (func (export \"trap\") (param i32) (result i32) (i32.const 8)))\n";

/* Host functions count their calls: replay must not call them at all. */
static int host_calls;

static wasm_trap_t *host_now(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                             wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
    host_calls++;
    results[0].kind = WASMTIME_I64;
    results[0].of.i64 = 1000000007LL * host_calls + (int64_t)getpid() % 1000; /* the "outside world" */
    return NULL;
}

static wasm_trap_t *host_fill(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                              wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)nargs, (void)results, (void)nresults;
    host_calls++;
    wasmtime_extern_t memory;
    if (!wasmtime_caller_export_get(caller, "memory", 6, &memory)) {
        return wasmtime_trap_new("no memory", 9);
    }
    uint8_t bytes[64];
    size_t len = (size_t)args[1].of.i32;
    for (size_t i = 0; i < len && i < sizeof bytes; i++) {
        bytes[i] = (uint8_t)(host_calls * 31 + (int)i + getpid());
    }
    wasmtime_error_t *error = wasmtime_rr_memory_write(wasmtime_caller_context(caller), &memory.of.memory,
                                                       (uint64_t)args[0].of.i32, bytes, len);
    if (error != NULL) {
        char *text = message_of(error);
        wasmtime_error_delete(error);
        wasm_trap_t *trap = wasmtime_trap_new(text, strlen(text));
        free(text);
        return trap;
    }
    return NULL;
}

static wasm_trap_t *host_multi(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                               wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)nargs, (void)nresults;
    host_calls++;
    int32_t x = args[0].of.i32;
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = x * 3 + host_calls;
    results[1].kind = WASMTIME_I64;
    results[1].of.i64 = (int64_t)x * ((int64_t)1 << 40);
    results[2].kind = WASMTIME_F32;
    results[2].of.f32 = 0x7fc00000u | (uint32_t)host_calls; /* a NaN with a payload */
    results[3].kind = WASMTIME_F64;
    results[3].of.f64 = 0x8000000000000000ull; /* -0.0 */
    return NULL;
}

static wasm_trap_t *host_fail(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                              wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
    host_calls++;
    return wasmtime_trap_new("host says no", 12);
}

static wasm_functype_t *type_of(const wasm_valkind_t *params, size_t np, const wasm_valkind_t *results, size_t nr) {
    wasm_valtype_vec_t p, r;
    wasm_valtype_vec_new_uninitialized(&p, np);
    wasm_valtype_vec_new_uninitialized(&r, nr);
    for (size_t i = 0; i < np; i++) p.data[i] = wasm_valtype_new(params[i]);
    for (size_t i = 0; i < nr; i++) r.data[i] = wasm_valtype_new(results[i]);
    return wasm_functype_new(&p, &r);
}

static void define_host(wasmtime_linker_t *linker, const char *name, wasmtime_func_callback_t cb,
                        const wasm_valkind_t *params, size_t np, const wasm_valkind_t *results, size_t nr) {
    wasm_functype_t *ty = type_of(params, np, results, nr);
    CHECK_OK(wasmtime_rr_linker_define_func(linker, "env", 3, name, strlen(name), ty, cb, NULL, NULL));
    wasm_functype_delete(ty);
}

static wasmtime_linker_t *host_linker(wasm_engine_t *engine) {
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    const wasm_valkind_t i32 = WASM_I32, i64 = WASM_I64;
    const wasm_valkind_t two_i32[] = {WASM_I32, WASM_I32};
    const wasm_valkind_t multi[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
    define_host(linker, "now", host_now, NULL, 0, &i64, 1);
    define_host(linker, "fill", host_fill, two_i32, 2, NULL, 0);
    define_host(linker, "multi", host_multi, &i32, 1, multi, 4);
    define_host(linker, "fail", host_fail, NULL, 0, NULL, 0);
    return linker;
}

/* What the script observed: every export result, bit for bit. */
typedef struct {
    wasmtime_val_t run[2][5];
    int trapped_code;
    int32_t seven;
    char boom[512];
    bool funcref_non_null;
} observed_t;

static wasmtime_func_t export_func(wasmtime_context_t *context, wasmtime_instance_t *instance, const char *name) {
    wasmtime_extern_t item;
    CHECK(wasmtime_instance_export_get(context, instance, name, strlen(name), &item));
    CHECK(item.kind == WASMTIME_EXTERN_FUNC);
    return item.of.func;
}

/* Runs one call of the script; on an error (expected in failure tests) the
 * script stops there, since later calls have nothing valid to work on. */
#define STEP(expr)                                                                                 \
    do {                                                                                           \
        wasmtime_error_t *step_error = (expr);                                                     \
        if (step_error != NULL) {                                                                  \
            check_ok(step_error, #expr, __LINE__);                                                 \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* The host program: instantiate and make the same calls, recording or replaying. */
static void script(wasmtime_context_t *context, wasmtime_linker_t *linker, wasmtime_module_t *module,
                   observed_t *seen) {
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    STEP(wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap));
    CHECK(trap == NULL);
    wasmtime_func_t run = export_func(context, &instance, "run");
    const int32_t xs[2] = {5, -1};
    for (int i = 0; i < 2; i++) {
        wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = xs[i]};
        STEP(wasmtime_rr_func_call(context, &run, &arg, 1, seen->run[i], 5, &trap));
        CHECK(trap == NULL);
    }
    wasmtime_func_t trapper = export_func(context, &instance, "trap");
    wasmtime_val_t one = {.kind = WASMTIME_I32, .of.i32 = 1}, zero = {.kind = WASMTIME_I32, .of.i32 = 0}, result;
    STEP(wasmtime_rr_func_call(context, &trapper, &one, 1, &result, 1, &trap));
    wasmtime_trap_code_t code = 0;
    CHECK(trap != NULL && wasmtime_trap_code(trap, &code));
    seen->trapped_code = code;
    if (trap != NULL) {
        wasm_trap_delete(trap);
        trap = NULL;
    }
    STEP(wasmtime_rr_func_call(context, &trapper, &zero, 1, &result, 1, &trap));
    seen->seven = result.of.i32;
    /* A host function's trap comes back from the C API as an error object
     * (it carries no trap code), recorded and replayed as such. */
    wasmtime_func_t boom = export_func(context, &instance, "boom");
    wasmtime_error_t *boom_error = wasmtime_rr_func_call(context, &boom, NULL, 0, NULL, 0, &trap);
    CHECK(boom_error != NULL && trap == NULL);
    if (boom_error == NULL || wasmtime_rr_error_kind(boom_error) != WASMTIME_RR_ERROR_KIND_WASMTIME) {
        check_ok(boom_error, "boom", __LINE__);
        return;
    }
    char *text = message_of(boom_error);
    snprintf(seen->boom, sizeof seen->boom, "%s", text);
    free(text);
    wasmtime_error_delete(boom_error);
    wasmtime_func_t getf = export_func(context, &instance, "getf");
    wasmtime_val_t ref;
    STEP(wasmtime_rr_func_call(context, &getf, NULL, 0, &ref, 1, &trap));
    seen->funcref_non_null = ref.kind == WASMTIME_FUNCREF && ref.of.funcref.store_id != 0;
}

static bool same_bits(const wasmtime_val_t *a, const wasmtime_val_t *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case WASMTIME_I32: return a->of.i32 == b->of.i32;
    case WASMTIME_I64: return a->of.i64 == b->of.i64;
    case WASMTIME_F32: return a->of.f32 == b->of.f32;
    case WASMTIME_F64: return a->of.f64 == b->of.f64;
    case WASMTIME_V128: return memcmp(a->of.v128, b->of.v128, 16) == 0;
    default: return false;
    }
}

static void check_same(const observed_t *recorded, const observed_t *replayed) {
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 5; j++) CHECK(same_bits(&recorded->run[i][j], &replayed->run[i][j]));
    CHECK(recorded->trapped_code == WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED);
    CHECK(replayed->trapped_code == recorded->trapped_code);
    CHECK(recorded->seven == 7 && replayed->seven == 7);
    CHECK(strstr(recorded->boom, "host says no") != NULL);
    CHECK(strcmp(recorded->boom, replayed->boom) == 0);
    CHECK(recorded->funcref_non_null && replayed->funcref_non_null);
}

/* The test suite makes the seed corpus of the fuzz target trace_mutate: with
 * WASMTIME_RR_SEED_DIR set, every recording is also written there. */
static void save_seed(const buffer_t *trace, const char *name) {
    const char *dir = getenv("WASMTIME_RR_SEED_DIR");
    if (dir == NULL) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/replay_guest-%s.trace", dir, name);
    FILE *file = fopen(path, "wb");
    CHECK(file != NULL);
    if (file == NULL) return;
    CHECK(fwrite(trace->data, 1, trace->size, file) == trace->size);
    CHECK(fclose(file) == 0);
}

/* A recording or replaying store, with the guest and the host functions. */
typedef struct {
    wasm_engine_t *engine;
    wasmtime_module_t *module;
    wasmtime_linker_t *linker;
    wasmtime_store_t *store;
    wasmtime_context_t *context;
} session_t;

static void session_open(session_t *r, wasmtime_rr_mode_t mode, const char *wat) {
    r->engine = rr_engine(mode);
    r->module = rr_module(r->engine, wat);
    r->linker = host_linker(r->engine);
    r->store = wasmtime_store_new(r->engine, NULL, NULL);
    r->context = wasmtime_store_context(r->store);
}

/* A replaying session over `trace`; returns what attaching the replayer returned. */
static wasmtime_error_t *replay_open(session_t *r, const buffer_t *trace, const char *wat) {
    session_open(r, WASMTIME_RR_MODE_REPLAYING, wat);
    wasmtime_rr_replayer_t *replayer = NULL;
    CHECK_OK(wasmtime_rr_replayer_new_bytes(trace->data, trace->size, &replayer));
    return wasmtime_rr_store_replay(r->context, replayer);
}

static void session_close(session_t *r) {
    wasmtime_store_delete(r->store);
    wasmtime_linker_delete(r->linker);
    wasmtime_rr_module_delete(r->module);
    wasm_engine_delete(r->engine);
}

/* A recording session of the guest into `sink`; returns what attaching the
 * recorder returned. */
/* A recording into `sink` whose every frame is written as soon as it is
 * sealed (flush bytes 0), so the writes the tests count are the windows. */
static wasmtime_error_t *recording_open(session_t *r, buffer_t *sink, bool validation, bool digest, uint32_t window) {
    session_open(r, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, sink, buffer_finalize, &recorder));
    CHECK_OK(wasmtime_rr_recorder_validation_set(recorder, validation));
    CHECK_OK(wasmtime_rr_recorder_memory_digest_set(recorder, digest));
    CHECK_OK(wasmtime_rr_recorder_event_window_set(recorder, window));
    CHECK_OK(wasmtime_rr_recorder_flush_bytes_set(recorder, 0));
    return wasmtime_rr_store_record(r->context, recorder);
}

/* Records the script into `trace` with the given settings. */
static void record(buffer_t *trace, observed_t *seen, bool validation, bool digest, uint32_t window) {
    session_t r;
    CHECK_OK(recording_open(&r, trace, validation, digest, window));
    script(r.context, r.linker, r.module, seen);
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    CHECK(trace->finalized == 1); /* the recording released its sink */
    char name[64];
    snprintf(name, sizeof name, "v%d-d%d-w%u", validation, digest, window);
    save_seed(trace, name);
    session_close(&r);
}


static void test_record_and_session_twice(bool validation, bool digest, uint32_t window) {
    buffer_t trace = {.fail_after = -1};
    observed_t recorded, replayed;
    memset(&recorded, 0, sizeof recorded);
    host_calls = 0;
    record(&trace, &recorded, validation, digest, window);
    CHECK(host_calls == 9);
    for (int round = 0; round < 2; round++) {
        memset(&replayed, 0, sizeof replayed);
        session_t r;
        CHECK_OK(replay_open(&r, &trace, GUEST));
        script(r.context, r.linker, r.module, &replayed);
        CHECK_OK(wasmtime_rr_store_finish(r.context));
        session_close(&r);
        check_same(&recorded, &replayed);
        CHECK(host_calls == 9); /* the host was never called */
    }
    free(trace.data);
}

static void test_divergences(void) {
    buffer_t trace = {.fail_after = -1};
    observed_t seen;
    record(&trace, &seen, true, false, 16);
    session_t r;

    /* Another build of the module: both checksums named. */
    CHECK_OK(replay_open(&r, &trace, OTHER_BUILD));
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap),
              WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH, "the trace instantiates a module with sha256 ");
    /* The session stays failed: every later call says so. */
    CHECK_ERR_HAS(wasmtime_rr_store_finish(r.context), WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH, "but this module has sha256 ");
    session_close(&r);

    /* Calls in another order: the event index, the expectation, what happened. */
    CHECK_OK(replay_open(&r, &trace, GUEST));
    CHECK_OK(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap));
    wasmtime_func_t trapper = export_func(r.context, &instance, "trap");
    wasmtime_val_t zero = {.kind = WASMTIME_I32, .of.i32 = 0}, result;
    CHECK_ERR_HAS(wasmtime_rr_func_call(r.context, &trapper, &zero, 1, &result, 1, &trap), WASMTIME_RR_ERROR_KIND_DIVERGENCE,
              "replay diverged at event #3: expected a call of export `run` of instance #0, but the program calls `trap` of instance #0");
    session_close(&r);

    /* Other arguments. */
    CHECK_OK(replay_open(&r, &trace, GUEST));
    CHECK_OK(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap));
    wasmtime_func_t run = export_func(r.context, &instance, "run");
    wasmtime_val_t six = {.kind = WASMTIME_I32, .of.i32 = 6}, results[5];
    CHECK_ERR_HAS(wasmtime_rr_func_call(r.context, &run, &six, 1, results, 5, &trap), WASMTIME_RR_ERROR_KIND_DIVERGENCE,
              "export `run` was called with (i32:5), but now with (i32:6)");
    session_close(&r);

    /* Stopping early: events remain. */
    CHECK_OK(replay_open(&r, &trace, GUEST));
    CHECK_OK(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap));
    CHECK_ERR_HAS(wasmtime_rr_store_finish(r.context), WASMTIME_RR_ERROR_KIND_DIVERGENCE,
              "the replay finished, but the trace has more: call of export `run` of instance #0 with (i32:5)");
    session_close(&r);

    /* Going on past the end of the trace. */
    CHECK_OK(replay_open(&r, &trace, GUEST));
    observed_t again;
    script(r.context, r.linker, r.module, &again);
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap),
              WASMTIME_RR_ERROR_KIND_DIVERGENCE, "replay diverged at event #32: expected the end of the trace, but the program instantiates a module");
    session_close(&r);
    free(trace.data);
}

/* A guest whose host-call arguments come from memory: a replay that pokes
 * guest memory behind the library's back is caught by validation metadata
 * (the arguments differ) or by the memory digest. */
static const char PROBE[] =
    "(module\n"
    GUEST_IMPORTS
    "  (func (export \"probe\") (result i64)\n"
    "    (call $multi (i32.load (i32.const 100))) drop drop drop drop\n"
    "    (call $now))\n"
    "  (func (export \"branch\") (result i64)\n"
    "    (if (result i64) (i32.load (i32.const 100))\n"
    "      (then (call $multi (i32.const 1)) drop drop drop drop (i64.const 7))\n"
    "      (else (call $now)))))\n";

static void poke_and_replay(const char *export_name, bool validation, bool digest, const char *expected) {
    buffer_t trace = {.fail_after = -1};
    for (int mode = 0; mode < 2; mode++) { /* 0: record, 1: replay with memory poked */
        wasm_engine_t *engine = rr_engine(mode == 0 ? WASMTIME_RR_MODE_RECORDING : WASMTIME_RR_MODE_REPLAYING);
        wasmtime_module_t *module = rr_module(engine, PROBE);
        wasmtime_linker_t *linker = host_linker(engine);
        wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
        wasmtime_context_t *context = wasmtime_store_context(store);
        if (mode == 0) {
            wasmtime_rr_recorder_t *recorder = NULL;
            CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &trace, NULL, &recorder));
            CHECK_OK(wasmtime_rr_recorder_validation_set(recorder, validation));
            CHECK_OK(wasmtime_rr_recorder_memory_digest_set(recorder, digest));
            CHECK_OK(wasmtime_rr_store_record(context, recorder));
        } else {
            wasmtime_rr_replayer_t *replayer = NULL;
            CHECK_OK(wasmtime_rr_replayer_new_bytes(trace.data, trace.size, &replayer));
            CHECK_OK(wasmtime_rr_store_replay(context, replayer));
        }
        wasmtime_instance_t instance;
        wasm_trap_t *trap = NULL;
        CHECK_OK(wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap));
        if (mode == 1) {
            wasmtime_extern_t memory;
            CHECK(wasmtime_instance_export_get(context, &instance, "memory", 6, &memory));
            wasmtime_memory_data(context, &memory.of.memory)[100] = 5; /* not through the library */
        }
        wasmtime_func_t probe = export_func(context, &instance, export_name);
        wasmtime_val_t result;
        wasmtime_error_t *error = wasmtime_rr_func_call(context, &probe, NULL, 0, &result, 1, &trap);
        if (mode == 0) {
            CHECK_OK(error);
            CHECK_OK(wasmtime_rr_store_finish(context));
        } else {
            CHECK_ERR_HAS(error, WASMTIME_RR_ERROR_KIND_DIVERGENCE, expected);
        }
        wasmtime_store_delete(store);
        wasmtime_linker_delete(linker);
        wasmtime_rr_module_delete(module);
        wasm_engine_delete(engine);
    }
    free(trace.data);
}

static void test_validation_and_digest_catch_what_results_cannot(void) {
    poke_and_replay("probe", true, false, "host function `env.multi` was called with (i32:0), but now with (i32:5)");
    poke_and_replay("probe", false, true, "guest memory after host function `env.multi` has digest ");
    /* The guest takes another branch: it calls another import than recorded. */
    poke_and_replay("branch", false, false,
                    "expected a call of host function `env.now`, but the guest calls `env.multi`");
}

static void test_bad_traces(void) {
    buffer_t trace = {.fail_after = -1};
    observed_t seen;
    record(&trace, &seen, false, false, 4);
    session_t r;

    /* Every truncation is refused: at attach (header) or while replaying. */
    for (size_t cut = 0; cut < trace.size; cut++) { /* every cut: each error path, deterministically */
        buffer_t shorter = {.data = trace.data, .size = cut};
        wasmtime_error_t *error = replay_open(&r, &shorter, GUEST);
        if (error == NULL) {
            observed_t partial;
            expect_failures(true);
            script(r.context, r.linker, r.module, &partial);
            expect_failures(false);
            error = wasmtime_rr_store_finish(r.context);
        }
        CHECK(error != NULL && wasmtime_rr_error_kind(error) == WASMTIME_RR_ERROR_KIND_TRACE_FORMAT);
        wasmtime_error_delete(error);
        session_close(&r);
    }

    /* A flipped byte in the first frame's events: corrupted, by checksum.
     * The header: magic, version, Wasmtime version string, flags, window,
     * CRC; then the frame's 5-byte length. */
    size_t first_event = 8 + 1 + 1 + trace.data[9] + 1 + 1 + 4 + 5;
    buffer_t corrupt = {.data = malloc(trace.size), .size = trace.size};
    memcpy(corrupt.data, trace.data, trace.size);
    corrupt.data[first_event + 1] ^= 0x40;
    CHECK_OK(replay_open(&r, &corrupt, GUEST));
    observed_t partial;
    expect_failures(true);
    script(r.context, r.linker, r.module, &partial);
    expect_failures(false);
    CHECK_ERR_HAS(wasmtime_rr_store_finish(r.context), WASMTIME_RR_ERROR_KIND_TRACE_FORMAT, "corrupted trace: checksum mismatch in frame #");
    session_close(&r);

    /* A trace holding only its end marker (found by fuzzing: the replay
     * computed the index of that event with an unsigned underflow). The
     * header is the recorded one: magic, version, string, flags, window. */
    size_t header = 8 + 1 + 1 + trace.data[9] + 1 + 1 + 4;
    const uint8_t end_event[3] = {0x00, 0x00, 0x00}; /* end: finished after 0 events */
    uint32_t crc = crc32_of(end_event, 3);
    buffer_t end_only = {.data = malloc(header + 1 + 3 + 4)};
    memcpy(end_only.data, trace.data, header);
    end_only.data[header] = 3;
    memcpy(end_only.data + header + 1, end_event, 3);
    for (int i = 0; i < 4; i++) end_only.data[header + 4 + i] = (uint8_t)(crc >> (8 * i));
    end_only.size = header + 1 + 3 + 4;
    CHECK_OK(replay_open(&r, &end_only, GUEST));
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_DIVERGENCE, "replay diverged at event #0: expected the end of the trace");
    CHECK(trap == NULL);
    session_close(&r);
    CHECK_OK(replay_open(&r, &end_only, GUEST));
    CHECK_OK(wasmtime_rr_store_finish(r.context)); /* nothing was recorded, nothing is replayed */
    session_close(&r);
    free(end_only.data);

    /* Not a trace at all. */
    memcpy(corrupt.data, "not a trace", 11);
    CHECK_ERR_HAS(replay_open(&r, &corrupt, GUEST), WASMTIME_RR_ERROR_KIND_TRACE_FORMAT, "not a wasmtime-rr trace (bad magic bytes)");
    session_close(&r);
    free(corrupt.data);
    free(trace.data);
}

/* Faults while recording. A small script: instantiate, then call `run`
 * FAULT_CALLS times, stopping at the first error (kept in `error`). */
#define FAULT_CALLS 6
typedef struct {
    int ok; /* calls that returned */
    wasmtime_val_t results[FAULT_CALLS][5];
    wasmtime_error_t *error;
} run_log_t;

static void run_calls(wasmtime_context_t *context, wasmtime_linker_t *linker, wasmtime_module_t *module, run_log_t *log) {
    memset(log, 0, sizeof *log);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    log->error = wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap);
    if (log->error != NULL) return;
    CHECK(trap == NULL);
    wasmtime_func_t run = export_func(context, &instance, "run");
    for (int i = 0; i < FAULT_CALLS; i++) {
        wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = i};
        log->error = wasmtime_rr_func_call(context, &run, &arg, 1, log->results[i], 5, &trap);
        if (log->error != NULL) return;
        CHECK(trap == NULL);
        log->ok++;
    }
}

/* Records run_calls into `sink` (which may refuse writes); `finished` gets
 * what wasmtime_rr_store_finish returned. Host results depend only on
 * host_calls, reset here, so equal runs write equal bytes. */
static void record_calls(buffer_t *sink, uint32_t window, run_log_t *log, wasmtime_error_t **finished) {
    host_calls = 0;
    session_t r;
    memset(log, 0, sizeof *log);
    log->error = recording_open(&r, sink, false, false, window);
    *finished = NULL;
    if (log->error == NULL) {
        run_calls(r.context, r.linker, r.module, log);
        *finished = wasmtime_rr_store_finish(r.context);
    }
    session_close(&r);
}

/* The write callback fails at every possible write in turn. The recording
 * reports the failure as an error object (from the call whose events could
 * not be written, and again from finish), the sink keeps exactly what it
 * acknowledged (a byte prefix of the complete recording), and that prefix
 * replays: every call it holds gives the recorded results bit for bit, then
 * the replay (or, if only the end marker was lost, finishing it) stops with
 * "truncated trace". With a window of one event every
 * call that returned while recording is in the prefix. */
static void test_write_failure_midway(void) {
    const uint32_t windows[] = {1, 4};
    for (size_t w = 0; w < 2; w++) {
        buffer_t full = {.fail_after = -1};
        run_log_t complete;
        wasmtime_error_t *finished = NULL;
        record_calls(&full, windows[w], &complete, &finished);
        CHECK(complete.error == NULL && complete.ok == FAULT_CALLS);
        CHECK_OK(finished);
        CHECK(full.writes > 3);
        for (int k = 0; k < full.writes; k++) {
            buffer_t sink = {.fail_after = k};
            run_log_t recorded;
            record_calls(&sink, windows[w], &recorded, &finished);
            CHECK(sink.writes == k && sink.finalized == 1);
            CHECK(sink.size <= full.size && (sink.size == 0 || memcmp(sink.data, full.data, sink.size) == 0));
            if (k == 0) { /* the header itself: attaching fails */
                CHECK_ERR_HAS(recorded.error, WASMTIME_RR_ERROR_KIND_TRACE_IO, "the trace write callback reported a failure");
                CHECK(finished == NULL);
                continue;
            }
            if (recorded.error != NULL) {
                CHECK_ERR_HAS(recorded.error, WASMTIME_RR_ERROR_KIND_TRACE_IO, "the trace write callback reported a failure");
            }
            CHECK_ERR_HAS(finished, WASMTIME_RR_ERROR_KIND_TRACE_IO, "the trace write callback reported a failure");

            session_t r;
            CHECK_OK(replay_open(&r, &sink, GUEST));
            run_log_t replayed;
            run_calls(r.context, r.linker, r.module, &replayed);
            /* Every call may be in the prefix when only the end marker was lost. */
            wasmtime_error_t *stop = replayed.error != NULL ? replayed.error : wasmtime_rr_store_finish(r.context);
            CHECK_ERR_HAS(stop, WASMTIME_RR_ERROR_KIND_TRACE_FORMAT, "truncated trace");
            CHECK(replayed.ok <= recorded.ok);
            if (windows[w] == 1) CHECK(replayed.ok == recorded.ok);
            for (int i = 0; i < replayed.ok; i++)
                for (int j = 0; j < 5; j++) CHECK(same_bits(&replayed.results[i][j], &complete.results[i][j]));
            session_close(&r);
            free(sink.data);
        }
        free(full.data);
    }
}

/* Default settings batch sealed frames: the sink sees only the header until
 * 64 KiB accumulate, a call traps, the host flushes or finishes. Whatever it
 * was handed replays. */
static void test_batched_writes(void) {
    host_calls = 0;
    buffer_t sink = {.fail_after = -1};
    session_t r;
    session_open(&r, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &sink, buffer_finalize, &recorder));
    CHECK_OK(wasmtime_rr_recorder_event_window_set(recorder, 1));
    CHECK_ERR_HAS(wasmtime_rr_recorder_flush_bytes_set(NULL, 0), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `recorder` is NULL");
    CHECK_OK(wasmtime_rr_store_record(r.context, recorder));
    run_log_t recorded;
    run_calls(r.context, r.linker, r.module, &recorded);
    CHECK(recorded.error == NULL && recorded.ok == FAULT_CALLS);
    CHECK(sink.writes == 1); /* the header: every event is still batched */
    size_t header_only = sink.size;
    CHECK_OK(wasmtime_rr_store_flush(r.context));
    CHECK(sink.writes == 2 && sink.size > header_only);

    /* What was flushed is a valid prefix holding every call. */
    buffer_t prefix = {.data = malloc(sink.size), .size = sink.size};
    memcpy(prefix.data, sink.data, sink.size);
    session_t p;
    CHECK_OK(replay_open(&p, &prefix, GUEST));
    run_log_t replayed;
    run_calls(p.context, p.linker, p.module, &replayed);
    CHECK(replayed.error == NULL && replayed.ok == FAULT_CALLS);
    for (int i = 0; i < replayed.ok; i++)
        for (int j = 0; j < 5; j++) CHECK(same_bits(&replayed.results[i][j], &recorded.results[i][j]));
    CHECK_ERR_HAS(wasmtime_rr_store_finish(p.context), WASMTIME_RR_ERROR_KIND_TRACE_FORMAT, "truncated trace");
    session_close(&p);
    free(prefix.data);

    CHECK_OK(wasmtime_rr_store_flush(r.context)); /* nothing new: no write */
    CHECK(sink.writes == 2);
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    CHECK(sink.writes == 3 && sink.finalized == 1);
    CHECK_ERR_HAS(wasmtime_rr_store_flush(r.context), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "no recorder or replayer attached");
    CHECK_ERR_HAS(wasmtime_rr_store_flush(NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `context` is NULL");
    session_close(&r);
    free(sink.data);
}

/* The host frees the store in the middle of a recording, after two calls:
 * the trace is closed with an end marker saying so, everything before it
 * replays, and a replay that goes further is told the trace is incomplete. */
static void test_store_dropped_mid_recording(void) {
    host_calls = 0;
    buffer_t sink = {.fail_after = -1};
    session_t r;
    CHECK_OK(recording_open(&r, &sink, false, false, 16));
    run_log_t recorded;
    run_calls(r.context, r.linker, r.module, &recorded); /* all FAULT_CALLS calls */
    CHECK(recorded.error == NULL && recorded.ok == FAULT_CALLS);
    session_close(&r); /* frees the store; no wasmtime_rr_store_finish */
    CHECK(sink.finalized == 1);
    /* Last frame: end tag 0, status 1 (store dropped), then the event count. */
    size_t crc = 4, count = 1;
    CHECK(sink.size > 16 && sink.data[sink.size - crc - count - 2] == 0x00 && sink.data[sink.size - crc - count - 1] == 0x01);
    save_seed(&sink, "store-dropped"); /* tests/run-fuzz.sh shows what the CLI says of it */

    /* The same calls replay bit for bit and the replay finishes cleanly. */
    CHECK_OK(replay_open(&r, &sink, GUEST));
    run_log_t replayed;
    run_calls(r.context, r.linker, r.module, &replayed);
    CHECK_OK(replayed.error);
    CHECK(replayed.ok == FAULT_CALLS);
    for (int i = 0; i < FAULT_CALLS; i++)
        for (int j = 0; j < 5; j++) CHECK(same_bits(&replayed.results[i][j], &recorded.results[i][j]));
    /* One call more than was recorded: the error says the trace is incomplete. */
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(r.linker, r.context, r.module, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_DIVERGENCE,
                  "expected the end of the trace, which is INCOMPLETE: the recording's store was freed before the "
                  "recording was finished, but the program instantiates a module");
    session_close(&r);
    free(sink.data);
}

/* A trace file that cannot be created: the error names the path and the
 * cause, nothing is attached, and the store records nothing. */
static void test_file_cannot_be_created(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s", "/proc/wasmtime-rr-cannot-create-this.wrr");
    wasmtime_rr_recorder_t *recorder = (wasmtime_rr_recorder_t *)&path; /* must stay untouched */
    CHECK_ERR_HAS(wasmtime_rr_recorder_new_file(path, &recorder), WASMTIME_RR_ERROR_KIND_TRACE_IO,
                  "cannot create trace file /proc/wasmtime-rr-cannot-create-this.wrr");
    CHECK(recorder == (wasmtime_rr_recorder_t *)&path);
    /* A directory in place of the file. */
    recorder = NULL;
    CHECK_ERR_HAS(wasmtime_rr_recorder_new_file("/tmp", &recorder), WASMTIME_RR_ERROR_KIND_TRACE_IO,
                  "cannot create trace file /tmp");
    CHECK(recorder == NULL);
}

static void test_sinks_and_attachment(void) {
    wasm_engine_t *engine = rr_engine(WASMTIME_RR_MODE_RECORDING);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_ERR_HAS(wasmtime_rr_recorder_new_file("/nonexistent-dir/trace.wrr", &recorder), WASMTIME_RR_ERROR_KIND_TRACE_IO,
              "cannot create trace file /nonexistent-dir/trace.wrr");
    CHECK(recorder == NULL);
    CHECK_ERR_HAS(wasmtime_rr_recorder_new_file(NULL, &recorder), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `path` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_recorder_new_callback(NULL, NULL, NULL, &recorder), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `write` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_replayer_new_file("/nonexistent-dir/trace.wrr", (wasmtime_rr_replayer_t **)&recorder),
              WASMTIME_RR_ERROR_KIND_TRACE_IO, "cannot open trace file");
    CHECK_ERR_HAS(wasmtime_rr_replayer_new_bytes(NULL, 5, (wasmtime_rr_replayer_t **)&recorder), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `bytes` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_recorder_event_window_set(NULL, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `recorder` is NULL");

    buffer_t sink = {.fail_after = -1};
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &sink, buffer_finalize, &recorder));
    CHECK_ERR_HAS(wasmtime_rr_recorder_event_window_set(recorder, 0), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "at least one event");
    wasmtime_rr_recorder_delete(recorder);
    CHECK(sink.finalized == 1 && sink.size == 0);
    wasmtime_rr_recorder_delete(NULL);
    wasmtime_rr_replayer_delete(NULL);

    /* A store of a non-recording engine refuses a recorder (consumed anyway). */
    wasm_engine_t *plain = wasm_engine_new();
    wasmtime_store_t *store = wasmtime_store_new(plain, NULL, NULL);
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &sink, buffer_finalize, &recorder));
    CHECK_ERR_HAS(wasmtime_rr_store_record(wasmtime_store_context(store), recorder), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "the store's engine is not recording");
    CHECK(sink.finalized == 2);
    CHECK_ERR_HAS(wasmtime_rr_store_finish(wasmtime_store_context(store)), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "this store has no recorder or replayer attached");
    CHECK_ERR_HAS(wasmtime_rr_store_record(NULL, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `context` is NULL");
    wasmtime_store_delete(store);
    wasm_engine_delete(plain);

    /* A failing write callback: the error comes back, what was acknowledged stays a valid prefix. */
    buffer_t failing = {.fail_after = 0};
    store = wasmtime_store_new(engine, NULL, NULL);
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &failing, buffer_finalize, &recorder));
    CHECK_ERR_HAS(wasmtime_rr_store_record(wasmtime_store_context(store), recorder), WASMTIME_RR_ERROR_KIND_TRACE_IO,
              "the trace write callback reported a failure");
    CHECK(failing.finalized == 1);
    wasmtime_store_delete(store);

    /* A store freed while recording: the trace ends marked as cut off, and a new
     * store (maybe at the same address) has nothing attached. */
    buffer_t dropped = {.fail_after = -1};
    store = wasmtime_store_new(engine, NULL, NULL);
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &dropped, buffer_finalize, &recorder));
    CHECK_OK(wasmtime_rr_store_record(wasmtime_store_context(store), recorder));
    CHECK_ERR_HAS(wasmtime_rr_store_record(wasmtime_store_context(store), NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "recorder");
    wasmtime_store_delete(store);
    CHECK(dropped.finalized == 1 && dropped.size > 0);
    /* The last frame ends with the end marker: tag 0, status 1 (store dropped), 0 events. */
    const uint8_t *end = dropped.data + dropped.size - 4 - 3;
    CHECK(dropped.size > 7 && end[0] == 0x00 && end[1] == 0x01 && end[2] == 0x00);
    for (int i = 0; i < 4; i++) {
        wasmtime_store_t *next = wasmtime_store_new(engine, NULL, NULL);
        CHECK_ERR_HAS(wasmtime_rr_store_finish(wasmtime_store_context(next)), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "no recorder or replayer attached");
        wasmtime_store_delete(next);
    }
    free(dropped.data);
    free(sink.data);
    wasm_engine_delete(engine);
}

/* With no recorder or replayer the RR-aware functions are the stock ones. */
static void test_plain_forwarding(void) {
    wasm_engine_t *engine = wasm_engine_new();
    wasmtime_module_t *module = rr_module(engine, "(module (memory (export \"m\") 1)"
                                                  " (func (export \"f\") (param i32) (result i32) local.get 0 i32.const 1 i32.add))");
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_OK(wasmtime_rr_instance_new(context, module, NULL, 0, &instance, &trap));
    wasmtime_func_t f = export_func(context, &instance, "f");
    wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 41}, result;
    CHECK_OK(wasmtime_rr_func_call(context, &f, &arg, 1, &result, 1, &trap));
    CHECK(result.of.i32 == 42);
    wasmtime_extern_t memory;
    CHECK(wasmtime_instance_export_get(context, &instance, "m", 1, &memory));
    CHECK_OK(wasmtime_rr_memory_write(context, &memory.of.memory, 65530, (const uint8_t *)"abcdef", 6));
    CHECK_ERR_HAS(wasmtime_rr_memory_write(context, &memory.of.memory, 65531, (const uint8_t *)"abcdef", 6),
              WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "a write of 6 bytes at offset 65531 does not fit a memory of 65536 bytes");
    CHECK(memcmp(wasmtime_memory_data(context, &memory.of.memory) + 65530, "abcdef", 6) == 0);
    CHECK_ERR_HAS(wasmtime_rr_func_call(context, NULL, NULL, 0, NULL, 0, &trap), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `func` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_func_call(context, &f, NULL, 1, &result, 1, &trap), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `args` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_instance_new(NULL, module, NULL, 0, &instance, &trap), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `store` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_module_new(engine, NULL, 3, &module), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `wasm` is NULL");
    static const uint8_t junk[] = {0, 1, 2};
    wasmtime_module_t *bad = NULL;
    wasmtime_error_t *compile = wasmtime_rr_module_new(engine, junk, sizeof junk, &bad);
    CHECK(compile != NULL && wasmtime_rr_error_kind(compile) == WASMTIME_RR_ERROR_KIND_WASMTIME && bad == NULL);
    wasmtime_error_delete(compile);
    wasmtime_store_delete(store);
    wasmtime_rr_module_delete(module);
    wasmtime_rr_module_delete(NULL);
    wasm_engine_delete(engine);
}

/* Regressions of the adversarial test (#11): each case used to abort the
 * host, hang, or give the wrong kind. All are error objects now. */

/* The write callback below calls back into the library for its own store. */
static wasmtime_context_t *reentry_context;
static wasmtime_error_t *reentry_result;

static bool reentering_append(void *opaque, const uint8_t *bytes, size_t len) {
    if (reentry_context != NULL && reentry_result == NULL) {
        wasmtime_context_t *context = reentry_context;
        reentry_context = NULL;
        reentry_result = wasmtime_rr_store_finish(context); /* the same store: refused, no deadlock */
    }
    return buffer_append(opaque, bytes, len);
}

static wasmtime_error_t *finished_inside;

static wasm_trap_t *host_finishes(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                  wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)args, (void)nargs, (void)nresults;
    wasmtime_error_t *error = wasmtime_rr_store_finish(wasmtime_caller_context(caller));
    if (finished_inside == NULL) {
        finished_inside = error; /* the first; `run` calls `now` twice */
    } else {
        wasmtime_error_delete(error);
    }
    results[0].kind = WASMTIME_I64;
    results[0].of.i64 = 1;
    return NULL;
}

static wasm_trap_t *host_wrong_kind(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                    wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
    results[0].kind = 255; /* the C API's conversion would panic (abort) on this */
    return NULL;
}

static wasmtime_instance_t instantiate_ok(session_t *r) {
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_OK(wasmtime_rr_linker_instantiate(r->linker, r->context, r->module, &instance, &trap));
    CHECK(trap == NULL);
    return instance;
}

static void test_misuse_regressions(void) {
    uint64_t words[8] = {0};
    void *misaligned = (char *)words + 1;

    /* 1. Objects of another engine or store. */
    session_t a, b;
    buffer_t sink = {.fail_after = -1};
    CHECK_OK(recording_open(&a, &sink, false, false, 16));
    session_open(&b, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(a.linker, b.context, b.module, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "the linker and the store belong to different engines");
    wasmtime_instance_t ia = instantiate_ok(&a);
    wasmtime_instance_t ib = instantiate_ok(&b);
    wasmtime_extern_t memory_b;
    CHECK(wasmtime_instance_export_get(b.context, &ib, "memory", 6, &memory_b));
    const uint8_t byte = 1;
    CHECK_ERR_HAS(wasmtime_rr_memory_write(a.context, &memory_b.of.memory, 0, &byte, 1),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "is not an object of this store");
    wasmtime_memory_t zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    CHECK_ERR_HAS(wasmtime_rr_memory_write(a.context, &zeroed, 0, &byte, 1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "`memory` is not a memory handle (its store id is 0)");
    wasmtime_extern_t memory_a;
    CHECK(wasmtime_instance_export_get(a.context, &ia, "memory", 6, &memory_a));
    wasmtime_memory_t bogus = memory_a.of.memory;
    memset((char *)&bogus + 8, 0x7f, sizeof bogus - 8); /* the right store, an index that names nothing */
    CHECK_ERR_HAS(wasmtime_rr_memory_write(a.context, &bogus, 0, &byte, 1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "is not an object of this store");
    wasmtime_func_t run_b = export_func(b.context, &ib, "run");
    wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 1};
    wasmtime_val_t results[5];
    CHECK_ERR_HAS(wasmtime_rr_func_call(a.context, &run_b, &arg, 1, results, 5, &trap),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "`func` is not an object of this store");

    /* 2. Value and extern kinds from C, with and without a recorder. */
    wasm_engine_t *plain_engine = rr_engine(WASMTIME_RR_MODE_NONE);
    wasmtime_store_t *plain_store = wasmtime_store_new(plain_engine, NULL, NULL);
    wasmtime_context_t *plain = wasmtime_store_context(plain_store);
    wasmtime_module_t *id_module = rr_module(plain_engine, "(module (func (export \"id\") (param i32) (result i32) local.get 0))");
    wasmtime_instance_t plain_instance;
    CHECK_OK(wasmtime_rr_instance_new(plain, id_module, NULL, 0, &plain_instance, &trap));
    wasmtime_func_t id = export_func(plain, &plain_instance, "id");
    wasmtime_func_t run_a = export_func(a.context, &ia, "run");
    const uint8_t bad_kinds[] = {9, 255};
    for (size_t k = 0; k < sizeof bad_kinds; k++) {
        wasmtime_val_t bad = {.kind = bad_kinds[k], .of.i64 = 0};
        CHECK_ERR_HAS(wasmtime_rr_func_call(plain, &id, &bad, 1, results, 1, &trap), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                      "argument #0 has the unknown value kind");
        CHECK_ERR_HAS(wasmtime_rr_func_call(a.context, &run_a, &bad, 1, results, 5, &trap),
                      WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "argument #0 has the unknown value kind");
    }
    wasmtime_module_t *importer = rr_module(plain_engine,
        "(module (import \"m\" \"f\" (func (param i32) (result i32))))");
    wasmtime_extern_t import = {.kind = WASMTIME_EXTERN_MEMORY};
    import.of.func = id; /* a function handle labelled as a memory */
    wasmtime_error_t *mislabelled = wasmtime_rr_instance_new(plain, importer, &import, 1, &plain_instance, &trap);
    CHECK(mislabelled != NULL && wasmtime_rr_error_kind(mislabelled) != WASMTIME_RR_ERROR_KIND_PANIC);
    wasmtime_error_delete(mislabelled);
    import.kind = 77;
    CHECK_ERR_HAS(wasmtime_rr_instance_new(plain, importer, &import, 1, &plain_instance, &trap),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "import #0 has the unknown extern kind 77");
    wasmtime_rr_module_delete(importer);

    /* A host function that returns a value of the wrong kind: a trap, not an
     * abort, on a plain store and while recording (recorded as a trap). */
    wasmtime_module_t *caller_module = rr_module(plain_engine,
        "(module (import \"env\" \"bad\" (func $bad (result i64))) (func (export \"go\") (result i64) (call $bad)))");
    wasmtime_linker_t *bad_linker = wasmtime_linker_new(plain_engine);
    const wasm_valkind_t i64 = WASM_I64;
    wasm_functype_t *bad_type = type_of(NULL, 0, &i64, 1);
    CHECK_OK(wasmtime_rr_linker_define_func(bad_linker, "env", 3, "bad", 3, bad_type, host_wrong_kind, NULL, NULL));
    wasm_functype_delete(bad_type);
    wasmtime_instance_t bad_instance;
    CHECK_OK(wasmtime_rr_linker_instantiate(bad_linker, plain, caller_module, &bad_instance, &trap));
    wasmtime_func_t go = export_func(plain, &bad_instance, "go");
    /* A host function's trap comes back from the C API as an error object. */
    CHECK_ERR_HAS(wasmtime_rr_func_call(plain, &go, NULL, 0, results, 1, &trap), WASMTIME_RR_ERROR_KIND_WASMTIME,
                  "returned a value of kind 255 as result #0, whose type is i64");
    CHECK(trap == NULL);
    wasmtime_linker_delete(bad_linker);
    wasmtime_rr_module_delete(caller_module);

    /* 3. Pointers: misaligned stores, recorders, replayers, error objects. */
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &sink, NULL, &recorder));
    CHECK_ERR_HAS(wasmtime_rr_store_record(misaligned, recorder), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument `context` is not aligned");
    CHECK_ERR_HAS(wasmtime_rr_store_record(b.context, misaligned), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument `recorder` is not aligned");
    CHECK_ERR_HAS(wasmtime_rr_store_replay(b.context, misaligned), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument `replayer` is not aligned");
    CHECK_ERR_HAS(wasmtime_rr_store_replay(misaligned, NULL), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument `context` is not aligned");
    wasm_functype_t *unit = type_of(NULL, 0, NULL, 0);
    wasmtime_func_t made;
    CHECK_ERR_HAS(wasmtime_rr_func_new(misaligned, unit, host_fail, NULL, NULL, &made), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument `context` is not aligned");
    wasm_functype_delete(unit);
    CHECK_ERR_HAS(wasmtime_rr_func_call(misaligned, &run_a, &arg, 1, results, 5, &trap), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument `store` is not aligned");
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(a.linker, misaligned, a.module, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "argument `store` is not aligned");
    wasmtime_rr_recorder_delete(misaligned); /* ignored, as NULL is */
    wasmtime_rr_replayer_delete(misaligned);
    wasmtime_rr_module_delete(misaligned);
    /* (recorder was consumed by the first wasmtime_rr_store_record, as documented) */
    CHECK(wasmtime_rr_error_kind(misaligned) == WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT);
    CHECK(wasmtime_rr_error_kind(NULL) == WASMTIME_RR_ERROR_KIND_NONE);

    /* 4. A caller's mistake does not end a recording: wrong arity or types
     * are recoverable errors, nothing is written, later calls go on. */
    CHECK_ERR_HAS(wasmtime_rr_func_call(a.context, &run_a, NULL, 0, results, 5, &trap), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "the function takes 1 arguments, 0 were given");
    wasmtime_val_t wrong = {.kind = WASMTIME_I64, .of.i64 = 1};
    CHECK_ERR_HAS(wasmtime_rr_func_call(a.context, &run_a, &wrong, 1, results, 5, &trap), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "argument #0 is an i64 (kind 1), the function takes an i32 (kind 0)");
    CHECK_ERR_HAS(wasmtime_rr_func_call(a.context, &run_a, &arg, 1, results, 2, &trap), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "the function returns 5 results, room for 2 was given");
    CHECK_OK(wasmtime_rr_func_call(a.context, &run_a, &arg, 1, results, 5, &trap));
    CHECK(trap == NULL);

    /* 6. Re-entry: finishing from inside a host function is refused; so is a
     * trace callback calling back into the library for its own store. */
    CHECK_OK(wasmtime_rr_store_finish(a.context));
    session_close(&a);
    session_open(&a, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_linker_delete(a.linker);
    a.linker = host_linker(a.engine);
    wasmtime_linker_allow_shadowing(a.linker, true);
    wasm_functype_t *now_type = type_of(NULL, 0, &i64, 1);
    CHECK_OK(wasmtime_rr_linker_define_func(a.linker, "env", 3, "now", 3, now_type, host_finishes, NULL, NULL));
    wasm_functype_delete(now_type);
    buffer_t reentrant = {.fail_after = -1};
    CHECK_OK(wasmtime_rr_recorder_new_callback(reentering_append, &reentrant, NULL, &recorder));
    CHECK_OK(wasmtime_rr_recorder_flush_bytes_set(recorder, 0));
    CHECK_OK(wasmtime_rr_recorder_event_window_set(recorder, 1));
    CHECK_OK(wasmtime_rr_store_record(a.context, recorder));
    ia = instantiate_ok(&a);
    run_a = export_func(a.context, &ia, "run");
    reentry_context = a.context;
    finished_inside = NULL;
    CHECK_OK(wasmtime_rr_func_call(a.context, &run_a, &arg, 1, results, 5, &trap));
    CHECK(trap == NULL);
    CHECK_ERR_HAS(finished_inside, WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "cannot be finished from inside one of its host functions");
    CHECK_ERR_HAS(reentry_result, WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "in the middle of another operation");
    reentry_result = NULL;
    CHECK_OK(wasmtime_rr_store_finish(a.context)); /* the recording went on and ends well */
    session_t again;
    CHECK_OK(replay_open(&again, &reentrant, GUEST));
    wasmtime_linker_delete(again.linker);
    again.linker = host_linker(again.engine);
    wasmtime_instance_t ir = instantiate_ok(&again);
    wasmtime_func_t run_r = export_func(again.context, &ir, "run");
    wasmtime_val_t replayed[5];
    CHECK_OK(wasmtime_rr_func_call(again.context, &run_r, &arg, 1, replayed, 5, &trap));
    for (int j = 0; j < 5; j++) CHECK(same_bits(&replayed[j], &results[j]));
    CHECK_OK(wasmtime_rr_store_finish(again.context));
    session_close(&again);
    free(reentrant.data);

    session_close(&a);
    session_close(&b);
    free(sink.data);
    wasmtime_rr_module_delete(id_module);
    wasmtime_store_delete(plain_store);
    wasm_engine_delete(plain_engine);
}

/* 7. Anything the recorder writes, the replayer reads: one host write larger
 * than the old frame limit (2^28 bytes) records and replays. */
/* The defects the host_api fuzz target found (fuzz/corpus/host_api keeps
 * their inputs), each a regression test here. */
static wasmtime_context_t *finish_reentry_context;
static wasmtime_memory_t finish_reentry_memory;
static wasmtime_error_t *finish_reentry_result;

static bool finish_reentering_append(void *opaque, const uint8_t *bytes, size_t len) {
    if (finish_reentry_context != NULL) {
        wasmtime_context_t *context = finish_reentry_context;
        finish_reentry_context = NULL;
        const uint8_t byte = 7;
        finish_reentry_result = wasmtime_rr_memory_write(context, &finish_reentry_memory, 0, &byte, 1);
    }
    return buffer_append(opaque, bytes, len);
}

static wasmtime_memory_t memory_of(session_t *r, wasmtime_instance_t *instance) {
    wasmtime_extern_t item;
    CHECK(wasmtime_instance_export_get(r->context, instance, "memory", 6, &item));
    CHECK(item.kind == WASMTIME_EXTERN_MEMORY);
    return item.of.memory;
}

static void test_fuzz_findings(void) {
    /* 1. Imports that cannot satisfy a module are refused before anything is
     * recorded: the replay of the program without those calls matches. */
    session_t r;
    buffer_t trace = {.fail_after = -1};
    session_open(&r, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(finish_reentering_append, &trace, buffer_finalize, &recorder));
    CHECK_OK(wasmtime_rr_recorder_validation_set(recorder, true));
    CHECK_OK(wasmtime_rr_recorder_flush_bytes_set(recorder, 0));
    CHECK_OK(wasmtime_rr_store_record(r.context, recorder));
    wasmtime_module_t *missing = rr_module(r.engine, "(module (import \"env\" \"absent\" (func)))");
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_ERR_HAS(wasmtime_rr_linker_instantiate(r.linker, r.context, missing, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_WASMTIME, "absent");
    wasmtime_instance_t good = instantiate_ok(&r);
    wasmtime_memory_t memory = memory_of(&r, &good);
    wasmtime_module_t *wants_func = rr_module(r.engine, "(module (import \"env\" \"f\" (func (param i32))))");
    wasmtime_extern_t wrong = {.kind = WASMTIME_EXTERN_MEMORY};
    wrong.of.memory = memory;
    CHECK_ERR_HAS(wasmtime_rr_instance_new(r.context, wants_func, &wrong, 1, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_WASMTIME, "incompatible import type");
    CHECK_ERR_HAS(wasmtime_rr_instance_new(r.context, wants_func, NULL, 0, &instance, &trap),
                  WASMTIME_RR_ERROR_KIND_WASMTIME, "expected 1 imports, found 0");
    const uint8_t eight[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK_OK(wasmtime_rr_memory_write(r.context, &memory, 64, eight, sizeof eight));
    /* 3. Calls from the sink's callback while finish writes the end marker
     * are refused like at any other time, never run unrecorded. */
    finish_reentry_context = r.context;
    finish_reentry_memory = memory;
    finish_reentry_result = NULL;
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    CHECK(finish_reentry_context == NULL); /* the callback ran during finish */
    CHECK_ERR_HAS(finish_reentry_result, WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "in the middle of another operation");
    wasmtime_rr_module_delete(missing);
    wasmtime_rr_module_delete(wants_func);
    session_close(&r);

    /* 2. A host write that cannot land is refused before a replay compares
     * it with the trace: the correct write after it still matches. */
    CHECK_OK(replay_open(&r, &trace, GUEST));
    good = instantiate_ok(&r);
    memory = memory_of(&r, &good);
    CHECK_ERR_HAS(wasmtime_rr_memory_write(r.context, &memory, 65532, eight, sizeof eight),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "does not fit a memory of 65536 bytes");
    CHECK_OK(wasmtime_rr_memory_write(r.context, &memory, 64, eight, sizeof eight));
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    session_close(&r);
    free(trace.data);
}

/* One function type used to define host functions on two engines: the C
 * API binds a type to the first engine and would panic (abort) on the
 * second; every RR-aware definition works on its own copy. */
static wasm_trap_t *host_multi_raw(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *values, size_t n);

static void test_type_reused_across_engines(void) {
    wasm_valtype_vec_t params, results;
    wasm_valtype_vec_new_empty(&params);
    wasm_valtype_vec_new_uninitialized(&results, 1);
    results.data[0] = wasm_valtype_new(WASM_I64);
    wasm_functype_t *ty = wasm_functype_new(&params, &results);
    for (int round = 0; round < 2; round++) {
        wasm_engine_t *engine = rr_engine(round == 0 ? WASMTIME_RR_MODE_NONE : WASMTIME_RR_MODE_RECORDING);
        wasmtime_linker_t *linker = wasmtime_linker_new(engine);
        CHECK_OK(wasmtime_rr_linker_define_func(linker, "env", 3, "now", 3, ty, host_now, NULL, NULL));
        CHECK_OK(wasmtime_rr_linker_define_func_unchecked(linker, "env", 3, "raw", 3, ty, host_multi_raw, NULL, NULL));
        wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
        wasmtime_context_t *context = wasmtime_store_context(store);
        if (round == 1) {
            wasmtime_rr_recorder_t *recorder = NULL;
            buffer_t sink = {.fail_after = -1};
            CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &sink, NULL, &recorder));
            CHECK_OK(wasmtime_rr_store_record(context, recorder));
            wasmtime_func_t func;
            CHECK_OK(wasmtime_rr_func_new(context, ty, host_now, NULL, NULL, &func));
            CHECK_OK(wasmtime_rr_store_finish(context));
            free(sink.data);
        } else {
            wasmtime_func_t func;
            CHECK_OK(wasmtime_rr_func_new(context, ty, host_now, NULL, NULL, &func));
        }
        wasmtime_store_delete(store);
        wasmtime_linker_delete(linker);
        wasm_engine_delete(engine);
    }
    wasm_functype_delete(ty);
}

static wasm_trap_t *host_big_write(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                   wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)args, (void)nargs, (void)results, (void)nresults;
    wasmtime_extern_t memory;
    CHECK(wasmtime_caller_export_get(caller, "memory", 6, &memory));
    size_t len = ((size_t)1 << 28) + 61;
    uint8_t *bytes = malloc(len);
    for (size_t i = 0; i < len; i += 4096) bytes[i] = (uint8_t)(i >> 12);
    wasmtime_error_t *error = wasmtime_rr_memory_write(wasmtime_caller_context(caller), &memory.of.memory, 0, bytes, len);
    free(bytes);
    CHECK_OK(error);
    return NULL;
}

static void test_write_beyond_the_old_frame_limit(void) {
    static const char wat[] = "(module (import \"env\" \"big\" (func $big)) (memory (export \"memory\") 4200)"
                              " (func (export \"go\") (result i32) (call $big) (i32.load8_u (i32.const 409600))))";
    char path[] = "/tmp/wasmtime-rr-big-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    int32_t seen[2] = {-1, -2};
    for (int pass = 0; pass < 2; pass++) {
        wasm_engine_t *engine = rr_engine(pass == 0 ? WASMTIME_RR_MODE_RECORDING : WASMTIME_RR_MODE_REPLAYING);
        wasmtime_module_t *module = rr_module(engine, wat);
        wasmtime_linker_t *linker = wasmtime_linker_new(engine);
        wasm_functype_t *unit = type_of(NULL, 0, NULL, 0);
        CHECK_OK(wasmtime_rr_linker_define_func(linker, "env", 3, "big", 3, unit, host_big_write, NULL, NULL));
        wasm_functype_delete(unit);
        wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
        wasmtime_context_t *context = wasmtime_store_context(store);
        if (pass == 0) {
            wasmtime_rr_recorder_t *recorder;
            CHECK_OK(wasmtime_rr_recorder_new_file(path, &recorder));
            CHECK_OK(wasmtime_rr_store_record(context, recorder));
        } else {
            wasmtime_rr_replayer_t *replayer;
            CHECK_OK(wasmtime_rr_replayer_new_file(path, &replayer));
            CHECK_OK(wasmtime_rr_store_replay(context, replayer));
        }
        wasmtime_instance_t instance;
        wasm_trap_t *trap = NULL;
        CHECK_OK(wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap));
        wasmtime_func_t go = export_func(context, &instance, "go");
        wasmtime_val_t result;
        CHECK_OK(wasmtime_rr_func_call(context, &go, NULL, 0, &result, 1, &trap));
        CHECK(trap == NULL);
        seen[pass] = result.of.i32;
        CHECK_OK(wasmtime_rr_store_finish(context));
        wasmtime_store_delete(store);
        wasmtime_linker_delete(linker);
        wasmtime_rr_module_delete(module);
        wasm_engine_delete(engine);
    }
    CHECK(seen[0] == 100 && seen[1] == 100); /* byte 409600 = 100 * 4096 */
    unlink(path);
}

/* The unchecked (raw) convention: definitions and calls. The guest's
 * `multi` goes through wasmtime_rr_linker_define_func_unchecked and `run`
 * is called with wasmtime_rr_func_call_unchecked; the replay gives the
 * recorded results bit for bit without calling the host. */
static int raw_calls;

static wasm_trap_t *host_multi_raw(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *values, size_t n) {
    (void)env, (void)caller;
    CHECK(n == 4); /* max(1 parameter, 4 results) */
    raw_calls++;
    int32_t x = values[0].i32;
    values[0].i32 = x * 5 + raw_calls;
    values[1].i64 = (int64_t)x << 33;
    values[2].f32 = 0x7fc00000u | (uint32_t)raw_calls; /* a NaN with a payload */
    values[3].f64 = 0x8000000000000000ull;
    return NULL;
}

static void unchecked_session(session_t *r, wasmtime_rr_mode_t mode) {
    session_open(r, mode, GUEST);
    wasmtime_linker_allow_shadowing(r->linker, true);
    const wasm_valkind_t i32 = WASM_I32;
    const wasm_valkind_t multi[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
    wasm_functype_t *ty = type_of(&i32, 1, multi, 4);
    CHECK_OK(wasmtime_rr_linker_define_func_unchecked(r->linker, "env", 3, "multi", 5, ty, host_multi_raw, NULL, NULL));
    wasm_functype_delete(ty);
}

static void call_run_unchecked(session_t *r, wasmtime_val_raw_t out[2][5]) {
    wasmtime_instance_t instance = instantiate_ok(r);
    wasmtime_func_t run = export_func(r->context, &instance, "run");
    for (int i = 0; i < 2; i++) {
        memset(out[i], 0, sizeof out[i]);
        out[i][0].i32 = 10 + i;
        wasm_trap_t *trap = NULL;
        CHECK_OK(wasmtime_rr_func_call_unchecked(r->context, &run, out[i], 5, &trap));
        CHECK(trap == NULL);
    }
    wasm_trap_t *trap = NULL;
    wasmtime_val_raw_t small[2];
    CHECK_ERR_HAS(wasmtime_rr_func_call_unchecked(r->context, &run, small, 2, &trap), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "the function needs room for 5 values, the buffer holds 2");
}

static void test_unchecked_convention(void) {
    buffer_t trace = {.fail_after = -1};
    session_t r;
    unchecked_session(&r, WASMTIME_RR_MODE_RECORDING);
    wasmtime_rr_recorder_t *recorder;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &trace, buffer_finalize, &recorder));
    CHECK_OK(wasmtime_rr_store_record(r.context, recorder));
    raw_calls = 0;
    wasmtime_val_raw_t recorded[2][5], replayed[2][5];
    call_run_unchecked(&r, recorded);
    CHECK(raw_calls == 2);
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    session_close(&r);

    unchecked_session(&r, WASMTIME_RR_MODE_REPLAYING);
    wasmtime_rr_replayer_t *replayer;
    CHECK_OK(wasmtime_rr_replayer_new_bytes(trace.data, trace.size, &replayer));
    CHECK_OK(wasmtime_rr_store_replay(r.context, replayer));
    call_run_unchecked(&r, replayed);
    CHECK(raw_calls == 2); /* not called on replay */
    CHECK(memcmp(recorded, replayed, sizeof recorded) == 0);
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    session_close(&r);

    /* Error paths of the new functions. */
    session_open(&r, WASMTIME_RR_MODE_NONE, GUEST);
    wasm_functype_t *unit = type_of(NULL, 0, NULL, 0);
    wasmtime_func_t made;
    CHECK_ERR_HAS(wasmtime_rr_func_new_unchecked(r.context, unit, NULL, NULL, NULL, &made), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
                  "argument `callback` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_linker_define_func_unchecked(r.linker, "env", 3, "x", 1, unit, NULL, NULL, NULL),
                  WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `cb` is NULL");
    CHECK_OK(wasmtime_rr_func_new_unchecked(r.context, unit, host_multi_raw, NULL, NULL, &made));
    wasm_trap_t *trap = NULL;
    CHECK_ERR_HAS(wasmtime_rr_func_call_unchecked(NULL, &made, NULL, 0, &trap), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
                  "argument `store` is NULL");
    wasm_functype_delete(unit);
    session_close(&r);
    free(trace.data);
}

/* A compressed trace: smaller, and replayed bit for bit like any other. */
static void test_compressed_trace(void) {
    buffer_t plain = {.fail_after = -1}, packed = {.fail_after = -1};
    observed_t first, second, replayed;
    memset(&first, 0, sizeof first);
    memset(&second, 0, sizeof second);
    memset(&replayed, 0, sizeof replayed);
    host_calls = 0;
    record(&plain, &first, false, false, 16);
    session_t r;
    session_open(&r, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &packed, buffer_finalize, &recorder));
    CHECK_ERR_HAS(wasmtime_rr_recorder_compression_set(recorder, 20), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "compression level 20 is neither 0 (off) nor a zstd level from 1 to 19");
    CHECK_ERR_HAS(wasmtime_rr_recorder_compression_set(recorder, -1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "compression level -1");
    CHECK_ERR_HAS(wasmtime_rr_recorder_compression_set(NULL, 3), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `recorder` is NULL");
    CHECK_OK(wasmtime_rr_recorder_compression_set(recorder, 3));
    CHECK_OK(wasmtime_rr_store_record(r.context, recorder));
    host_calls = 0;
    script(r.context, r.linker, r.module, &second);
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    session_close(&r);
    save_seed(&packed, "compressed");
    CHECK(packed.size > 0 && packed.data[8 + 1 + 1 + packed.data[9]] & 4); /* the header's compression flag */
    CHECK_OK(replay_open(&r, &packed, GUEST));
    script(r.context, r.linker, r.module, &replayed);
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    session_close(&r);
    check_same(&second, &replayed);
    /* Damage inside a block: an error of the trace, never a crash. */
    packed.data[packed.size / 2] ^= 0x40;
    wasmtime_error_t *error = replay_open(&r, &packed, GUEST);
    if (error == NULL) {
        expect_failures(true);
        script(r.context, r.linker, r.module, &replayed);
        expect_failures(false);
        error = wasmtime_rr_store_finish(r.context);
    }
    CHECK(wasmtime_rr_error_kind(error) == WASMTIME_RR_ERROR_KIND_TRACE_FORMAT);
    wasmtime_error_delete(error);
    session_close(&r);
    free(plain.data);
    free(packed.data);
}

/* Re-entry while a trace starts: the header goes through the write
 * callback before the session is attached; the callback's calls back for
 * the same store are refused, and the outer attach succeeds. */
static wasmtime_context_t *attaching_context;
static wasmtime_error_t *attach_results[3];

static bool attaching_append(void *opaque, const uint8_t *bytes, size_t len) {
    if (attaching_context != NULL) {
        wasmtime_context_t *context = attaching_context;
        attaching_context = NULL;
        wasmtime_rr_recorder_t *inner = NULL;
        CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, opaque, NULL, &inner));
        attach_results[0] = wasmtime_rr_store_record(context, inner);
        attach_results[1] = wasmtime_rr_store_flush(context);
        attach_results[2] = wasmtime_rr_store_finish(context);
    }
    return buffer_append(opaque, bytes, len);
}

static void test_reentry_while_attaching(void) {
    buffer_t sink = {.fail_after = -1};
    session_t r;
    session_open(&r, WASMTIME_RR_MODE_RECORDING, GUEST);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(attaching_append, &sink, NULL, &recorder));
    attaching_context = r.context;
    CHECK_OK(wasmtime_rr_store_record(r.context, recorder));
    for (int i = 0; i < 3; i++) {
        CHECK_ERR_HAS(attach_results[i], WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "in the middle of another operation");
    }
    CHECK_OK(wasmtime_rr_store_finish(r.context));
    session_close(&r);
    free(sink.data);
}

/* A recording process killed with SIGKILL: what survives is every batch the
 * recorder handed to its file (batches go at 64 KiB, or 100 ms after the last
 * one), a valid prefix that replays up to its end. The child is this program
 * run again with --record-until-killed (a fork of a process with Wasmtime's
 * threads could not go on safely). */
static const char SPIN[] =
    "(module (import \"env\" \"tick\" (func $tick (result i64)))\n"
    "  (func (export \"spin\") (param $n i64) (result i64) (local $acc i64)\n"
    "    (block $done (loop $next\n"
    "      (br_if $done (i64.eqz (local.get $n)))\n"
    "      (local.set $acc (i64.add (local.get $acc) (call $tick)))\n"
    "      (local.set $n (i64.sub (local.get $n) (i64.const 1)))\n"
    "      (br $next)))\n"
    "    (local.get $acc)))\n";

static int64_t ticks;

static wasm_trap_t *host_tick(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                              wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
    ticks++;
    results[0].kind = WASMTIME_I64;
    results[0].of.i64 = ticks * 7 + 1;
    return NULL;
}

/* spin(huge) on a store recording to, or replaying from, `path`. */
static wasmtime_error_t *spin(wasmtime_rr_mode_t mode, const char *path, bool announce) {
    session_t r;
    r.engine = rr_engine(mode);
    r.module = rr_module(r.engine, SPIN);
    r.linker = wasmtime_linker_new(r.engine);
    const wasm_valkind_t i64 = WASM_I64;
    wasm_functype_t *ty = type_of(NULL, 0, &i64, 1);
    CHECK_OK(wasmtime_rr_linker_define_func(r.linker, "env", 3, "tick", 4, ty, host_tick, NULL, NULL));
    wasm_functype_delete(ty);
    r.store = wasmtime_store_new(r.engine, NULL, NULL);
    r.context = wasmtime_store_context(r.store);
    if (mode == WASMTIME_RR_MODE_RECORDING) {
        wasmtime_rr_recorder_t *recorder;
        CHECK_OK(wasmtime_rr_recorder_new_file(path, &recorder));
        CHECK_OK(wasmtime_rr_store_record(r.context, recorder));
    } else {
        wasmtime_rr_replayer_t *replayer;
        CHECK_OK(wasmtime_rr_replayer_new_file(path, &replayer));
        CHECK_OK(wasmtime_rr_store_replay(r.context, replayer));
    }
    wasmtime_instance_t instance = instantiate_ok(&r);
    wasmtime_func_t run = export_func(r.context, &instance, "spin");
    if (announce) {
        fputs("recording\n", stdout);
        fflush(stdout);
    }
    wasmtime_val_t arg = {.kind = WASMTIME_I64, .of.i64 = INT64_MAX}, result;
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_rr_func_call(r.context, &run, &arg, 1, &result, 1, &trap);
    CHECK(trap == NULL);
    session_close(&r);
    return error;
}

static void test_killed_recording(const char *self) {
    char path[] = "/tmp/wasmtime-rr-killed-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_fds[1], 1);
        close(pipe_fds[0]);
        execl(self, self, "--record-until-killed", path, (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);
    char started[16] = {0};
    CHECK(read(pipe_fds[0], started, sizeof started - 1) > 0 && strcmp(started, "recording\n") == 0);
    struct timespec pause = {0, 600 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK(kill(child, SIGKILL) == 0);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(pipe_fds[0]);

    /* The replay reproduces every call in the prefix, then meets its end. */
    ticks = 0;
    wasmtime_error_t *error = spin(WASMTIME_RR_MODE_REPLAYING, path, false);
    CHECK(ticks == 0);
    char *message = error ? message_of(error) : NULL;
    CHECK(wasmtime_rr_error_kind(error) == WASMTIME_RR_ERROR_KIND_TRACE_FORMAT);
    /* A kill during a hand-over may tear the last batch: then the last frame
     * is cut short; either way the replay stops at the last whole frame. */
    CHECK(message != NULL && strstr(message, "truncated trace: ") != NULL);
    const char *after = message ? strstr(message, " after ") : NULL;
    long events = after ? strtol(after + strlen(" after "), NULL, 10) : 0;
    printf("killed recording: a prefix of %ld events replayed (%s)\n", events, message ? message : "no error");
    CHECK(events > 100000); /* 0.6 s of recording, flushed every 100 ms */
    free(message);
    wasmtime_error_delete(error);
    unlink(path);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--record-until-killed") == 0) {
        wasmtime_error_delete(spin(WASMTIME_RR_MODE_RECORDING, argv[2], true));
        return 1; /* never reached: the parent kills this process */
    }
    GUEST = read_text_file(RR_GUEST_WAT);
    test_record_and_session_twice(false, false, 16);
    test_record_and_session_twice(true, true, 1);
    test_record_and_session_twice(false, true, 3);
    test_divergences();
    test_validation_and_digest_catch_what_results_cannot();
    test_bad_traces();
    test_sinks_and_attachment();
    test_write_failure_midway();
    test_file_cannot_be_created();
    test_store_dropped_mid_recording();
    test_batched_writes();
    test_misuse_regressions();
    test_fuzz_findings();
    test_type_reused_across_engines();
    test_write_beyond_the_old_frame_limit();
    test_unchecked_convention();
    test_compressed_trace();
    test_plain_forwarding();
    test_reentry_while_attaching();
    test_killed_recording(argv[0]);
    free(GUEST);
    return finish();
}
