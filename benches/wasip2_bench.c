/*
 * Cost of recording and replaying WASI preview 2: each call of
 * tests/guests/components/wasip2.wat's `sample` makes 13 WASI calls (stdout:
 * get, write, drop; stdin: get, read, drop; a preopened directory: list,
 * open-at, read a 1-byte file, two drops; the wall clock; a random u64).
 * CALLS calls per run; plain (the stock C API: wasmtime_component_linker_add_wasip2
 * on an engine that does not record), recording to a file, and replaying that
 * file, side by side in each of ROUNDS rounds; medians.
 *   wasip2_bench WASIP2_WAT DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <wasi.h>
#include <wasmtime_rr.h>

#include "bench.h"

enum { ROUNDS = 7, CALLS = 20000 };

typedef enum { PLAIN, RECORD, REPLAY } mode_t_;

typedef struct {
    wasm_engine_t *engine;
    wasmtime_component_t *component;
    wasmtime_component_linker_t *linker;
} setup_t;

static setup_t setup(mode_t_ mode, const char *wat, size_t len) {
    wasm_config_t *config = wasm_config_new();
    const wasmtime_rr_mode_t modes[] = {WASMTIME_RR_MODE_NONE, WASMTIME_RR_MODE_RECORDING, WASMTIME_RR_MODE_REPLAYING};
    die("mode", wasm_config_rr_mode_set(config, modes[mode]));
    die("determinism", wasm_config_enforce_determinism(config));
    setup_t s;
    die("engine", wasm_engine_new_checked(config, &s.engine));
    s.linker = wasmtime_component_linker_new(s.engine);
    if (mode == PLAIN) {
        die("wasi", wasmtime_component_linker_add_wasip2(s.linker));
        die("compile", wasmtime_component_new(s.engine, (const uint8_t *)wat, len, &s.component));
    } else {
        die("wasi", wasmtime_rr_component_linker_add_wasip2(s.linker));
        die("compile", wasmtime_rr_component_new(s.engine, (const uint8_t *)wat, len, &s.component));
    }
    return s;
}

/* One run of CALLS calls; milliseconds spent in the calls. */
static double run_once(const setup_t *s, mode_t_ mode, const char *path, const char *dir) {
    wasmtime_store_t *store = wasmtime_store_new(s->engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasi_config_t *wasi = wasi_config_new();
    if (!wasi_config_preopen_dir(wasi, dir, "/data", false)) exit(1);
    if (mode == PLAIN) {
        die("wasi", wasmtime_context_set_wasi(context, wasi));
    } else {
        die("wasi", wasmtime_rr_context_set_wasi(context, wasi));
    }
    if (mode == RECORD) {
        wasmtime_rr_recorder_t *recorder;
        die("recorder", wasmtime_rr_recorder_new_file(path, &recorder));
        die("record", wasmtime_rr_store_record(context, recorder));
    } else if (mode == REPLAY) {
        wasmtime_rr_replayer_t *replayer;
        die("replayer", wasmtime_rr_replayer_new_file(path, &replayer));
        die("replay", wasmtime_rr_store_replay(context, replayer));
    }
    wasmtime_component_instance_t instance;
    if (mode == PLAIN) {
        die("instantiate", wasmtime_component_linker_instantiate(s->linker, context, s->component, &instance));
    } else {
        die("instantiate", wasmtime_rr_component_linker_instantiate(s->linker, context, s->component, &instance));
    }
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(&instance, context, NULL, "sample", 6);
    wasmtime_component_func_t func;
    if (!index || !wasmtime_component_instance_get_func(&instance, context, index, &func)) exit(1);
    wasmtime_component_export_index_delete(index);
    double start = now_ms();
    for (int i = 0; i < CALLS; i++) {
        wasmtime_component_val_t result = {.kind = WASMTIME_COMPONENT_BOOL};
        if (mode == PLAIN) {
            die("call", wasmtime_component_func_call(&func, context, NULL, 0, &result, 1));
        } else {
            die("call", wasmtime_rr_component_func_call(&func, context, NULL, 0, &result, 1));
        }
        if (result.kind != WASMTIME_COMPONENT_U64) exit(1);
    }
    double elapsed = now_ms() - start;
    if (mode != PLAIN) die("finish", wasmtime_rr_store_finish(context));
    wasmtime_store_delete(store);
    return elapsed;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: wasip2_bench WASIP2_WAT DIR\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) return 1;
    static char wat[1 << 16];
    size_t len = fread(wat, 1, sizeof wat, file);
    fclose(file);
    char path[4096], data[4096], input[4200];
    snprintf(path, sizeof path, "%s/wasip2.wrr", argv[2]);
    snprintf(data, sizeof data, "%s/wasip2-data", argv[2]);
    mkdir(data, 0755);
    snprintf(input, sizeof input, "%s/input.txt", data);
    FILE *in = fopen(input, "wb");
    if (!in || fputs("K", in) < 0) return 1;
    fclose(in);
    setup_t setups[3] = {setup(PLAIN, wat, len), setup(RECORD, wat, len), setup(REPLAY, wat, len)};
    double times[3][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) { /* the three side by side in each round; replay reads this round's recording */
        for (int m = 0; m < 3; m++) times[m][r] = run_once(&setups[m], (mode_t_)m, path, data);
    }
    double med[3];
    for (int m = 0; m < 3; m++) {
        qsort(times[m], ROUNDS, sizeof times[m][0], cmp);
        med[m] = times[m][ROUNDS / 2];
    }
    struct stat st;
    if (stat(path, &st) != 0) return 1;
    printf("%d calls of a component export that makes 13 WASI preview 2 calls (stdout, stdin, a file of a\n"
           "preopened directory, the wall clock, random); median of %d rounds, side by side\n", CALLS, ROUNDS);
    printf("  %-10s %10s %12s %10s\n", "", "ms", "us per call", "x plain");
    const char *labels[] = {"plain", "recording", "replay"};
    for (int m = 0; m < 3; m++) {
        printf("  %-10s %10.1f %12.2f %9.2fx\n", labels[m], med[m], med[m] * 1e3 / CALLS, med[m] / med[0]);
    }
    printf("  trace: %lld bytes, %.1f bytes per export call, %.1f per WASI call\n", (long long)st.st_size,
           (double)st.st_size / CALLS, (double)st.st_size / CALLS / 13);
    for (int m = 0; m < 3; m++) {
        wasmtime_component_linker_delete(setups[m].linker);
        if (m == PLAIN) wasmtime_component_delete(setups[m].component);
        else wasmtime_rr_component_delete(setups[m].component);
        wasm_engine_delete(setups[m].engine);
    }
    remove(input);
    return 0;
}
