/*
 * Cost of recording and replaying a component host call with a string
 * argument and a list result: the export `api#greet` of
 * tests/guests/components/values.wat passes a string to the host function
 * `greet`, which returns a list<u32> (one element per byte, and one more),
 * and returns that list. CALLS calls per run; plain (the stock C API on an
 * engine that does not record), recording to a file, and replaying that
 * file, side by side in each of ROUNDS rounds; medians.
 *   component_bench VALUES_WAT DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <wasmtime_rr.h>

#include "bench.h"

enum { ROUNDS = 7, CALLS = 20000 };

static wasmtime_error_t *greet(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                               wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                               size_t nresults) {
    (void)env, (void)context, (void)ty, (void)nargs, (void)nresults;
    size_t n = args[0].of.string.size;
    wasmtime_component_vallist_t list;
    wasmtime_component_vallist_new_uninit(&list, n + 1);
    for (size_t i = 0; i < n; i++) {
        list.data[i].kind = WASMTIME_COMPONENT_U32;
        list.data[i].of.u32 = (uint8_t)args[0].of.string.data[i];
    }
    list.data[n].kind = WASMTIME_COMPONENT_U32;
    list.data[n].of.u32 = (uint32_t)n;
    results[0].kind = WASMTIME_COMPONENT_LIST;
    results[0].of.list = list;
    return NULL;
}

/* The other imports of values.wat, never called here. */
static wasmtime_error_t *unused(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                size_t nresults) {
    (void)env, (void)context, (void)ty, (void)args, (void)nargs, (void)results, (void)nresults;
    return wasmtime_error_new("not used by the benchmark");
}

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
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(s.linker);
    const char *names[] = {"greet", "host", "fail"};
    for (int i = 0; i < 3; i++) {
        wasmtime_component_func_callback_t cb = i == 0 ? greet : unused;
        if (mode == PLAIN) {
            die("define", wasmtime_component_linker_instance_add_func(root, names[i], strlen(names[i]), cb, NULL, NULL));
            continue;
        }
        die("define", wasmtime_rr_component_linker_instance_add_func(root, names[i], strlen(names[i]), cb, NULL, NULL));
    }
    wasmtime_component_linker_instance_delete(root);
    if (mode == PLAIN) {
        die("compile", wasmtime_component_new(s.engine, (const uint8_t *)wat, len, &s.component));
    } else {
        die("compile", wasmtime_rr_component_new(s.engine, (const uint8_t *)wat, len, &s.component));
    }
    return s;
}

/* One run of CALLS calls; milliseconds spent in the calls. */
static double run_once(const setup_t *s, mode_t_ mode, const char *path) {
    wasmtime_store_t *store = wasmtime_store_new(s->engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
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
    wasmtime_component_export_index_t *api = wasmtime_component_instance_get_export_index(&instance, context, NULL, "api", 3);
    wasmtime_component_export_index_t *index = wasmtime_component_instance_get_export_index(&instance, context, api, "greet", 5);
    wasmtime_component_func_t func;
    if (!index || !wasmtime_component_instance_get_func(&instance, context, index, &func)) exit(1);
    wasmtime_component_export_index_delete(index);
    wasmtime_component_export_index_delete(api);
    wasmtime_component_val_t arg = {.kind = WASMTIME_COMPONENT_STRING};
    wasm_byte_vec_new(&arg.of.string, 12, "hello, world");
    double start = now_ms();
    for (int i = 0; i < CALLS; i++) {
        /* The stock call frees what `result` held first: it must be a value. */
        wasmtime_component_val_t result = {.kind = WASMTIME_COMPONENT_BOOL};
        if (mode == PLAIN) {
            die("call", wasmtime_component_func_call(&func, context, &arg, 1, &result, 1));
        } else {
            die("call", wasmtime_rr_component_func_call(&func, context, &arg, 1, &result, 1));
        }
        if (result.kind != WASMTIME_COMPONENT_LIST || result.of.list.size != 13) exit(1);
        wasmtime_component_val_delete(&result);
    }
    double elapsed = now_ms() - start;
    wasmtime_component_val_delete(&arg);
    if (mode != PLAIN) die("finish", wasmtime_rr_store_finish(context));
    wasmtime_store_delete(store);
    return elapsed;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: component_bench VALUES_WAT DIR\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) return 1;
    static char wat[1 << 16];
    size_t len = fread(wat, 1, sizeof wat, file);
    fclose(file);
    char path[4096];
    snprintf(path, sizeof path, "%s/component.wrr", argv[2]);
    setup_t setups[3] = {setup(PLAIN, wat, len), setup(RECORD, wat, len), setup(REPLAY, wat, len)};
    double times[3][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) { /* the three side by side in each round; replay reads this round's recording */
        for (int m = 0; m < 3; m++) times[m][r] = run_once(&setups[m], (mode_t_)m, path);
    }
    double med[3];
    for (int m = 0; m < 3; m++) {
        qsort(times[m], ROUNDS, sizeof times[m][0], cmp);
        med[m] = times[m][ROUNDS / 2];
    }
    struct stat st;
    if (stat(path, &st) != 0) return 1;
    printf("%d calls of a component export that passes a 12-byte string to a host function and returns\n"
           "its list<u32> of 13 elements; median of %d rounds, side by side\n", CALLS, ROUNDS);
    printf("  %-10s %10s %12s %10s\n", "", "ms", "us per call", "x plain");
    const char *labels[] = {"plain", "recording", "replay"};
    for (int m = 0; m < 3; m++) {
        printf("  %-10s %10.1f %12.2f %9.2fx\n", labels[m], med[m], med[m] * 1e3 / CALLS, med[m] / med[0]);
    }
    printf("  trace: %lld bytes, %.1f bytes per call\n", (long long)st.st_size, (double)st.st_size / CALLS);
    for (int m = 0; m < 3; m++) {
        wasmtime_component_linker_delete(setups[m].linker);
        if (m == PLAIN) wasmtime_component_delete(setups[m].component);
        else wasmtime_rr_component_delete(setups[m].component);
        wasm_engine_delete(setups[m].engine);
    }
    return 0;
}
