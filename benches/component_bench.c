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
#include <wasmtime_rr.h>

#include "component_bench.h"

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

static setup_t setup(mode_t_ mode, const char *wat, size_t len) {
    setup_t s = setup_engine(mode);
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
    setup_compile(&s, mode, wat, len);
    return s;
}

/* One run of CALLS calls; milliseconds spent in the calls. */
static double run_once(const setup_t *s, mode_t_ mode, const char *path, const char *dir) {
    (void)dir;
    wasmtime_store_t *store = wasmtime_store_new(s->engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    open_session(context, mode, path);
    wasmtime_component_instance_t instance;
    instantiate(s, mode, context, &instance);
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
        wasmtime_component_val_t result = {.kind = WASMTIME_COMPONENT_BOOL};
        call(mode, &func, context, &arg, 1, &result);
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
    static char wat[1 << 16];
    size_t len = read_wat(argv[1], wat, sizeof wat);
    char path[4096];
    snprintf(path, sizeof path, "%s/component.wrr", argv[2]);
    setup_t setups[3] = {setup(PLAIN, wat, len), setup(RECORD, wat, len), setup(REPLAY, wat, len)};
    compare(setups, run_once, path, argv[2],
            "a component export that passes a 12-byte string to a host function and returns\n"
            "its list<u32> of 13 elements",
            1);
    return 0;
}
