/*
 * Cost of shadow memory (wasmtime_rr_recorder_shadow_memory_set): a guest
 * with M MiB of memory makes N calls of a host function that does nothing;
 * recorded with shadow memory off and on, side by side, medians of 7
 * rounds. The difference per host call divided by M is the cost per MiB of
 * guest memory per host call (a copy when the host call starts, a
 * comparison when it returns). Then the same for a host that asks for
 * addresses with wasmtime_rr_memory_data (every host under the preload
 * library): only the calls that ask pay.
 *   shadow_bench DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasmtime_rr.h>

#include "bench.h"

enum { ROUNDS = 7, CALLS = 2000 };

/* How often the host function writes guest memory through a raw pointer
 * (asking for it with wasmtime_rr_memory_data): every `every`-th call, never
 * when 0. */
static int every, count;

static wasm_trap_t *host(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                         wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)args, (void)nargs, (void)results, (void)nresults;
    if (every > 0 && ++count % every == 0) {
        wasmtime_context_t *context = wasmtime_caller_context(caller);
        wasmtime_extern_t memory;
        if (!wasmtime_caller_export_get(caller, "memory", 6, &memory)) abort();
        uint8_t *base;
        wasmtime_error_t *error = wasmtime_rr_memory_data(context, &memory.of.memory, &base);
        if (error) abort();
        base[count % 4096] ^= 1;
    }
    return NULL;
}

typedef enum { OFF, EAGER, ANNOUNCED } shadow_t;

/* One recording of CALLS host calls with `pages` of memory; milliseconds. */
static double record_once(wasm_engine_t *engine, wasmtime_module_t *module, wasmtime_linker_t *linker, shadow_t shadow,
                          int writes_every, const char *path) {
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasmtime_rr_recorder_t *recorder;
    die("recorder", wasmtime_rr_recorder_new_file(path, &recorder));
    die("shadow", wasmtime_rr_recorder_shadow_memory_set(recorder, shadow != OFF));
    die("record", wasmtime_rr_store_record(context, recorder));
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    die("instantiate", wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap));
    wasmtime_extern_t run;
    if (!wasmtime_instance_export_get(context, &instance, "run", 3, &run)) exit(1);
    if (shadow == ANNOUNCED) { /* the host says it asks for addresses (as the preload does) */
        wasmtime_extern_t memory;
        if (!wasmtime_instance_export_get(context, &instance, "memory", 6, &memory)) exit(1);
        uint8_t *base;
        die("memory data", wasmtime_rr_memory_data(context, &memory.of.memory, &base));
    }
    every = writes_every;
    count = 0;
    wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = CALLS};
    double start = now_ms();
    die("call", wasmtime_rr_func_call(context, &run.of.func, &arg, 1, NULL, 0, &trap));
    double elapsed = now_ms() - start;
    if (trap) exit(1);
    die("finish", wasmtime_rr_store_finish(context));
    wasmtime_store_delete(store);
    return elapsed;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    char path[4096];
    snprintf(path, sizeof path, "%s/shadow.wrr", dir);
    wasm_config_t *config = wasm_config_new();
    die("mode", wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_RECORDING));
    die("determinism", wasm_config_enforce_determinism(config));
    wasm_engine_t *engine;
    die("engine", wasm_engine_new_checked(config, &engine));
    printf("%d calls of a host function that does nothing, recorded; median of %d rounds\n", CALLS, ROUNDS);
    printf("recorded with shadow memory off; on, copying at every host call (a host that never calls\n"
           "wasmtime_rr_memory_data); on, for a host that asks for addresses (as the preload makes every\n"
           "host do) and writes in 1 of 100 calls, or in every call\n");
    printf("  %9s %11s %14s %14s %14s %14s\n", "memory", "off", "on, copying", "per MiB-call", "asks 1/100", "asks always");
    const int mib[] = {1, 16, 64};
    for (size_t m = 0; m < sizeof mib / sizeof mib[0]; m++) {
        char wat[512];
        snprintf(wat, sizeof wat,
                 "(module (import \"env\" \"f\" (func $f)) (memory (export \"memory\") %d)\n"
                 "  (func (export \"run\") (param $n i32)\n"
                 "    (loop $l (call $f) (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l))))",
                 mib[m] * 16);
        wasm_byte_vec_t wasm;
        die("wat", wasmtime_wat2wasm(wat, strlen(wat), &wasm));
        wasmtime_module_t *module;
        die("module", wasmtime_rr_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module));
        wasm_byte_vec_delete(&wasm);
        wasmtime_linker_t *linker = wasmtime_linker_new(engine);
        wasm_valtype_vec_t none;
        wasm_valtype_vec_new_empty(&none);
        wasm_valtype_vec_t none2;
        wasm_valtype_vec_new_empty(&none2);
        wasm_functype_t *ty = wasm_functype_new(&none, &none2);
        die("define", wasmtime_rr_linker_define_func(linker, "env", 3, "f", 1, ty, host, NULL, NULL));
        wasm_functype_delete(ty);
        enum { VARIANTS = 4 };
        double times[VARIANTS][ROUNDS];
        const shadow_t modes[VARIANTS] = {OFF, EAGER, ANNOUNCED, ANNOUNCED};
        const int writes[VARIANTS] = {0, 0, 100, 1};
        for (int r = 0; r < ROUNDS; r++) { /* variants alternate within each round */
            for (int v = 0; v < VARIANTS; v++) times[v][r] = record_once(engine, module, linker, modes[v], writes[v], path);
        }
        double med[VARIANTS];
        for (int v = 0; v < VARIANTS; v++) {
            qsort(times[v], ROUNDS, sizeof times[v][0], cmp);
            med[v] = times[v][ROUNDS / 2];
        }
        double per_mib_call_us = (med[1] - med[0]) * 1e3 / CALLS / mib[m];
        printf("  %6d MiB %8.2f ms %11.2f ms %11.2f us %11.2f ms %11.2f ms\n", mib[m], med[0], med[1], per_mib_call_us,
               med[2], med[3]);
        wasmtime_linker_delete(linker);
        wasmtime_rr_module_delete(module);
    }
    wasm_engine_delete(engine);
    return 0;
}
