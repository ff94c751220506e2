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
#include <wasi.h>
#include <wasmtime_rr.h>

#include "component_bench.h"

static setup_t setup(mode_t_ mode, const char *wat, size_t len) {
    setup_t s = setup_engine(mode);
    if (mode == PLAIN) {
        die("wasi", wasmtime_component_linker_add_wasip2(s.linker));
    } else {
        die("wasi", wasmtime_rr_component_linker_add_wasip2(s.linker));
    }
    setup_compile(&s, mode, wat, len);
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
    open_session(context, mode, path);
    wasmtime_component_instance_t instance;
    instantiate(s, mode, context, &instance);
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(&instance, context, NULL, "sample", 6);
    wasmtime_component_func_t func;
    if (!index || !wasmtime_component_instance_get_func(&instance, context, index, &func)) exit(1);
    wasmtime_component_export_index_delete(index);
    double start = now_ms();
    for (int i = 0; i < CALLS; i++) {
        wasmtime_component_val_t result = {.kind = WASMTIME_COMPONENT_BOOL};
        call(mode, &func, context, NULL, 0, &result);
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
    static char wat[1 << 16];
    size_t len = read_wat(argv[1], wat, sizeof wat);
    char path[4096], data[4096], input[4200];
    snprintf(path, sizeof path, "%s/wasip2.wrr", argv[2]);
    snprintf(data, sizeof data, "%s/wasip2-data", argv[2]);
    mkdir(data, 0755);
    snprintf(input, sizeof input, "%s/input.txt", data);
    FILE *in = fopen(input, "wb");
    if (!in || fputs("K", in) < 0) return 1;
    fclose(in);
    setup_t setups[3] = {setup(PLAIN, wat, len), setup(RECORD, wat, len), setup(REPLAY, wat, len)};
    compare(setups, run_once, path, data,
            "a component export that makes 13 WASI preview 2 calls (stdout, stdin, a file of a\n"
            "preopened directory, the wall clock, random)",
            13);
    remove(input);
    return 0;
}
