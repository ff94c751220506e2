/*
 * What the component benchmarks share: the three ways they run the same
 * calls (the stock C API on a plain engine, recording to a file, replaying
 * that file), the engine, linker and component of each, and the report of
 * medians side by side.
 */
#ifndef COMPONENT_BENCH_H
#define COMPONENT_BENCH_H

#include <string.h>
#include <sys/stat.h>

#include "bench.h"

enum { ROUNDS = 7, CALLS = 20000 };

typedef enum { PLAIN, RECORD, REPLAY } mode_t_;

typedef struct {
    wasm_engine_t *engine;
    wasmtime_component_t *component;
    wasmtime_component_linker_t *linker;
} setup_t;

/* An engine of the mode (determinism enforced in each) and an empty linker. */
static inline setup_t setup_engine(mode_t_ mode) {
    wasm_config_t *config = wasm_config_new();
    const wasmtime_rr_mode_t modes[] = {WASMTIME_RR_MODE_NONE, WASMTIME_RR_MODE_RECORDING, WASMTIME_RR_MODE_REPLAYING};
    die("mode", wasm_config_rr_mode_set(config, modes[mode]));
    die("determinism", wasm_config_enforce_determinism(config));
    setup_t s;
    die("engine", wasm_engine_new_checked(config, &s.engine));
    s.linker = wasmtime_component_linker_new(s.engine);
    return s;
}

/* Compiles the component text: the stock function when plain, the RR-aware one otherwise. */
static inline void setup_compile(setup_t *s, mode_t_ mode, const char *wat, size_t len) {
    if (mode == PLAIN) {
        die("compile", wasmtime_component_new(s->engine, (const uint8_t *)wat, len, &s->component));
    } else {
        die("compile", wasmtime_rr_component_new(s->engine, (const uint8_t *)wat, len, &s->component));
    }
}

static inline void setup_free(setup_t *s, mode_t_ mode) {
    wasmtime_component_linker_delete(s->linker);
    if (mode == PLAIN) wasmtime_component_delete(s->component);
    else wasmtime_rr_component_delete(s->component);
    wasm_engine_delete(s->engine);
}

/* Starts recording to, or replaying from, the trace file; nothing when plain. */
static inline void open_session(wasmtime_context_t *context, mode_t_ mode, const char *path) {
    if (mode == RECORD) {
        wasmtime_rr_recorder_t *recorder;
        die("recorder", wasmtime_rr_recorder_new_file(path, &recorder));
        die("record", wasmtime_rr_store_record(context, recorder));
    } else if (mode == REPLAY) {
        wasmtime_rr_replayer_t *replayer;
        die("replayer", wasmtime_rr_replayer_new_file(path, &replayer));
        die("replay", wasmtime_rr_store_replay(context, replayer));
    }
}

static inline void instantiate(const setup_t *s, mode_t_ mode, wasmtime_context_t *context,
                               wasmtime_component_instance_t *instance) {
    if (mode == PLAIN) {
        die("instantiate", wasmtime_component_linker_instantiate(s->linker, context, s->component, instance));
    } else {
        die("instantiate", wasmtime_rr_component_linker_instantiate(s->linker, context, s->component, instance));
    }
}

/* One call; `result` must hold a value (the stock call frees it first). */
static inline void call(mode_t_ mode, const wasmtime_component_func_t *func, wasmtime_context_t *context,
                        const wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *result) {
    if (mode == PLAIN) {
        die("call", wasmtime_component_func_call(func, context, args, nargs, result, 1));
    } else {
        die("call", wasmtime_rr_component_func_call(func, context, args, nargs, result, 1));
    }
}

/* A text file's bytes, into a static buffer. */
static inline size_t read_wat(const char *path, char *wat, size_t size) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    size_t len = fread(wat, 1, size, file);
    fclose(file);
    return len;
}

/* Runs the three modes side by side in each of ROUNDS rounds (a replay reads
 * that round's recording) and prints their medians, per call and against
 * plain, then the trace's size per call (and per `per` inner calls, if > 1). */
static inline void compare(setup_t setups[3], double (*run_once)(const setup_t *, mode_t_, const char *, const char *),
                           const char *path, const char *dir, const char *what, int per) {
    double times[3][ROUNDS], med[3];
    for (int r = 0; r < ROUNDS; r++) {
        for (int m = 0; m < 3; m++) times[m][r] = run_once(&setups[m], (mode_t_)m, path, dir);
    }
    for (int m = 0; m < 3; m++) {
        qsort(times[m], ROUNDS, sizeof times[m][0], cmp);
        med[m] = times[m][ROUNDS / 2];
    }
    struct stat st;
    if (stat(path, &st) != 0) exit(1);
    printf("%d calls of %s; median of %d rounds, side by side\n", CALLS, what, ROUNDS);
    printf("  %-10s %10s %12s %10s\n", "", "ms", "us per call", "x plain");
    const char *labels[] = {"plain", "recording", "replay"};
    for (int m = 0; m < 3; m++) {
        printf("  %-10s %10.1f %12.2f %9.2fx\n", labels[m], med[m], med[m] * 1e3 / CALLS, med[m] / med[0]);
    }
    printf("  trace: %lld bytes, %.1f bytes per call", (long long)st.st_size, (double)st.st_size / CALLS);
    if (per > 1) printf(", %.1f per inner call", (double)st.st_size / CALLS / per);
    printf("\n");
    for (int m = 0; m < 3; m++) setup_free(&setups[m], (mode_t_)m);
}

#endif
