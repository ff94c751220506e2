/*
 * A host that knows nothing of record/replay: only the stock Wasmtime C API
 * (no wasmtime_rr_ name). tests/run-env-tests.sh runs it with the
 * environment switch: recorded, then replayed, it must print the same.
 *
 * Its inputs from the outside world: the time and the process id, returned
 * by a host function, written by a host function through a raw pointer
 * (wasmtime_memory_data), and written by the host before a call; and a WASI
 * guest (argv[1]) reading clocks, random bytes, stdin and a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi.h>
#include <wasmtime.h>

static const char GUEST[] =
    "(module (import \"env\" \"now\" (func $now (result i64)))\n"
    "  (import \"env\" \"fill\" (func $fill (param i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (func (export \"run\") (result i64)\n"
    "    (call $fill (i32.const 64))\n"
    "    (i64.add (i64.add (call $now) (i64.load (i32.const 64))) (i64.load (i32.const 128)))))\n";

static int64_t outside(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_nsec * 7919 + getpid();
}

static void fail(const char *what, wasmtime_error_t *error, wasm_trap_t *trap) {
    wasm_byte_vec_t message = {0, NULL};
    if (error) wasmtime_error_message(error, &message);
    if (trap) wasm_trap_message(trap, &message);
    fprintf(stderr, "%s: %.*s\n", what, (int)message.size, message.data);
    exit(1);
}

static wasm_trap_t *now(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                        wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
    results[0].kind = WASMTIME_I64;
    results[0].of.i64 = outside();
    return NULL;
}

/* Writes through the raw memory pointer, as unmodified hosts do. */
static wasm_trap_t *fill(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                         wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)nargs, (void)results, (void)nresults;
    wasmtime_extern_t memory;
    if (!wasmtime_caller_export_get(caller, "memory", 6, &memory)) return wasmtime_trap_new("no memory", 9);
    uint8_t *data = wasmtime_memory_data(wasmtime_caller_context(caller), &memory.of.memory);
    int64_t value = outside();
    memcpy(data + args[0].of.i32, &value, sizeof value);
    return NULL;
}

static wasm_functype_t *type(size_t params, wasm_valkind_t param, size_t results, wasm_valkind_t result) {
    wasm_valtype_vec_t p, r;
    wasm_valtype_vec_new_uninitialized(&p, params);
    wasm_valtype_vec_new_uninitialized(&r, results);
    if (params) p.data[0] = wasm_valtype_new(param);
    if (results) r.data[0] = wasm_valtype_new(result);
    return wasm_functype_new(&p, &r);
}

int main(int argc, char **argv) {
    wasm_engine_t *engine = wasm_engine_new();
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasm_byte_vec_t wasm;
    wasmtime_error_t *error = wasmtime_wat2wasm(GUEST, strlen(GUEST), &wasm);
    if (error) fail("wat", error, NULL);
    wasmtime_module_t *module;
    error = wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module);
    if (error) fail("module", error, NULL);
    wasm_byte_vec_delete(&wasm);
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    wasm_functype_t *now_type = type(0, 0, 1, WASM_I64), *fill_type = type(1, WASM_I32, 0, 0);
    if ((error = wasmtime_linker_define_func(linker, "env", 3, "now", 3, now_type, now, NULL, NULL))) fail("now", error, NULL);
    if ((error = wasmtime_linker_define_func(linker, "env", 3, "fill", 4, fill_type, fill, NULL, NULL))) fail("fill", error, NULL);
    wasm_functype_delete(now_type);
    wasm_functype_delete(fill_type);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    if ((error = wasmtime_linker_instantiate(linker, context, module, &instance, &trap)) || trap) fail("instantiate", error, trap);
    wasmtime_extern_t run, memory;
    wasmtime_instance_export_get(context, &instance, "run", 3, &run);
    wasmtime_instance_export_get(context, &instance, "memory", 6, &memory);
    for (int i = 0; i < 3; i++) {
        /* The host writes before the call, through the raw pointer too. */
        int64_t before = outside();
        memcpy(wasmtime_memory_data(context, &memory.of.memory) + 128, &before, sizeof before);
        wasmtime_val_t result;
        if ((error = wasmtime_func_call(context, &run.of.func, NULL, 0, &result, 1, &trap)) || trap) fail("run", error, trap);
        printf("run #%d = %lld\n", i, (long long)result.of.i64);
    }
    fflush(stdout);

    /* A WASI guest, in a second store: the stock WASI functions. */
    if (argc > 2) {
        wasmtime_store_t *wasi_store = wasmtime_store_new(engine, NULL, NULL);
        wasmtime_context_t *wasi_context = wasmtime_store_context(wasi_store);
        FILE *f = fopen(argv[1], "rb");
        if (!f) return 2;
        fseek(f, 0, SEEK_END);
        size_t size = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *bytes = malloc(size);
        if (fread(bytes, 1, size, f) != size) return 2;
        fclose(f);
        wasmtime_module_t *guest;
        if ((error = wasmtime_module_new(engine, bytes, size, &guest))) fail("guest", error, NULL);
        free(bytes);
        wasmtime_linker_t *wasi_linker = wasmtime_linker_new(engine);
        if ((error = wasmtime_linker_define_wasi(wasi_linker))) fail("define wasi", error, NULL);
        wasi_config_t *wasi = wasi_config_new();
        const char *guest_argv[] = {"guest", "env", "switch"};
        wasi_config_set_argv(wasi, 3, guest_argv);
        const char *names[] = {"GUEST_NAME"}, *values[] = {"plain host"};
        wasi_config_set_env(wasi, 1, names, values);
        wasi_config_inherit_stdout(wasi);
        wasi_config_inherit_stderr(wasi);
        wasi_config_inherit_stdin(wasi);
        if (!wasi_config_preopen_dir(wasi, argv[2], "/data", false)) {
            fprintf(stderr, "cannot open %s\n", argv[2]);
            wasi_config_delete(wasi);
        } else if ((error = wasmtime_context_set_wasi(wasi_context, wasi))) {
            fail("set wasi", error, NULL);
        }
        wasmtime_instance_t guest_instance;
        if ((error = wasmtime_linker_instantiate(wasi_linker, wasi_context, guest, &guest_instance, &trap)) || trap)
            fail("instantiate guest", error, trap);
        wasmtime_extern_t start;
        wasmtime_instance_export_get(wasi_context, &guest_instance, "_start", 6, &start);
        error = wasmtime_func_call(wasi_context, &start.of.func, NULL, 0, NULL, 0, &trap);
        int status = 0;
        if (error && wasmtime_error_exit_status(error, &status)) {
            printf("guest exit status %d\n", status);
            wasmtime_error_delete(error);
        } else if (error || trap) {
            fail("_start", error, trap);
        }
        wasmtime_linker_delete(wasi_linker);
        wasmtime_module_delete(guest);
        wasmtime_store_delete(wasi_store);
    }
    wasmtime_linker_delete(linker);
    wasmtime_module_delete(module);
    wasmtime_store_delete(store);
    wasm_engine_delete(engine);
    return 0;
}
