/*
 * A component from a real toolchain: a Python guest built with
 * componentize-py (tests/guests/components/python), a WASI preview 2 program.
 * On a plain engine it runs through the RR-aware functions exactly as with
 * the stock ones (its host function `greet` called). Recorded twice (its
 * results hold the wall clock and random bytes, so the two differ), then
 * replayed without the host: the recorded results, every WASI preview 2 call
 * (clock, random, stdout, environment, ...) served from the trace; another
 * argument diverges. The stock WASI preview 2 in a recording store is
 * refused. ASan+UBSan.
 *   test_python_component APP_WASM [TRACE_OUT]
 */
#include "component_harness.h"

#include <unistd.h>

static int host_calls;

/* Elements of run's result: greet's 6, then length, clock, random, file length, file's first byte. */
#define N 11

/* The directory preopened as /data, and its input.txt. */
static char data_dir[] = "/tmp/test_python_component.XXXXXX";

static void write_input(const char *text) {
    char path[sizeof data_dir + 16];
    snprintf(path, sizeof path, "%s/input.txt", data_dir);
    FILE *file = fopen(path, "wb");
    CHECK(file != NULL && fputs(text, file) >= 0);
    if (file) fclose(file);
}

/* A WASI configuration with data_dir preopened as /data. */
static wasi_config_t *wasi_with_data(void) {
    wasi_config_t *wasi = wasi_config_new();
    CHECK(wasi_config_preopen_dir(wasi, data_dir, "/data", false));
    return wasi;
}

/* greet(name): one element per byte of the name. */
static wasmtime_error_t *greet(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                               wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                               size_t nresults) {
    (void)env, (void)context, (void)ty;
    host_calls++;
    CHECK(nargs == 1 && nresults == 1 && args[0].kind == WASMTIME_COMPONENT_STRING);
    size_t n = args[0].of.string.size;
    wasmtime_component_vallist_t list;
    wasmtime_component_vallist_new_uninit(&list, n);
    for (size_t i = 0; i < n; i++) {
        list.data[i].kind = WASMTIME_COMPONENT_U32;
        list.data[i].of.u32 = (uint8_t)args[0].of.string.data[i];
    }
    results[0].kind = WASMTIME_COMPONENT_LIST;
    results[0].of.list = list;
    return NULL;
}

static void define_greet(wasmtime_component_linker_instance_t *root) {
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "greet", 5, greet, NULL, NULL));
}

/* Calls run("héllo"); the results' elements go to out (up to N), the count is returned. */
static size_t run_hello(world_t *w, const char *arg_text, uint32_t out[N], wasmtime_error_t **error) {
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(&w->instance, w->context, NULL, "run", 3);
    wasmtime_component_func_t run;
    CHECK(index != NULL && wasmtime_component_instance_get_func(&w->instance, w->context, index, &run));
    wasmtime_component_export_index_delete(index);
    wasmtime_component_val_t arg = {.kind = WASMTIME_COMPONENT_STRING}, result;
    wasm_byte_vec_new(&arg.of.string, strlen(arg_text), arg_text);
    *error = wasmtime_rr_component_func_call(&run, w->context, &arg, 1, &result, 1);
    wasmtime_component_val_delete(&arg);
    if (*error != NULL) return 0;
    size_t n = 0;
    CHECK(result.kind == WASMTIME_COMPONENT_LIST);
    for (; result.kind == WASMTIME_COMPONENT_LIST && n < result.of.list.size && n < N; n++) {
        CHECK(result.of.list.data[n].kind == WASMTIME_COMPONENT_U32);
        out[n] = result.of.list.data[n].of.u32;
    }
    wasmtime_component_val_delete(&result);
    return n;
}

static const char *HELLO = "h\xc3\xa9llo"; /* "héllo": 6 bytes, 5 characters */

static void check_greeting(const uint32_t got[N], size_t n) {
    uint32_t expected[] = {'h', 0xc3, 0xa9, 'l', 'l', 'o', 5};
    CHECK(n == N);
    for (size_t i = 0; i < 7 && i < n; i++) CHECK(got[i] == expected[i]);
}

/* A fresh store of w's engine with data_dir preopened. */
static void fresh_store(world_t *w) {
    world_fresh_store(w, wasi_with_data());
}

/* Records one call of run("héllo") into trace, in a fresh store of w; its results go to out. */
static void record_once(world_t *w, buffer_t *trace, uint32_t out[N]) {
    fresh_store(w);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, trace, NULL, &recorder));
    CHECK_OK(wasmtime_rr_store_record(w->context, recorder));
    CHECK_OK(wasmtime_rr_component_linker_instantiate(w->linker, w->context, w->component, &w->instance));
    host_calls = 0;
    wasmtime_error_t *error = NULL;
    size_t n = run_hello(w, HELLO, out, &error);
    CHECK_OK(error);
    CHECK(host_calls == 1);
    check_greeting(out, n);
    CHECK_OK(wasmtime_rr_store_finish(w->context));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_python_component APP_WASM [TRACE_OUT]\n");
        return 2;
    }
    size_t size = 0;
    uint8_t *bytes = read_binary_file(argv[1], &size);
    CHECK(mkdtemp(data_dir) != NULL);
    write_input("alpha");

    /* A plain engine: the stock path (stock WASI context), the host called. */
    {
        world_t w;
        world_open(&w, WASMTIME_RR_MODE_NONE, bytes, size, define_greet);
        CHECK_OK(wasmtime_context_set_wasi(w.context, wasi_with_data()));
        CHECK_OK(wasmtime_rr_component_linker_instantiate(w.linker, w.context, w.component, &w.instance));
        uint32_t got[N];
        wasmtime_error_t *error = NULL;
        host_calls = 0;
        size_t n = run_hello(&w, HELLO, got, &error);
        CHECK_OK(error);
        CHECK(host_calls == 1);
        check_greeting(got, n);
        CHECK(got[9] == 5 && got[10] == 'a'); /* /data/input.txt read through the preopen */
        world_close(&w);
    }

    /* Two recordings: clock and random differ between them. */
    buffer_t trace = {.fail_after = -1}, other = {.fail_after = -1};
    uint32_t recorded[N], recorded_other[N];
    world_t rec;
    world_open(&rec, WASMTIME_RR_MODE_RECORDING, bytes, size, define_greet);
    record_once(&rec, &trace, recorded);
    record_once(&rec, &other, recorded_other);
    CHECK(recorded[7] != recorded_other[7] || recorded[8] != recorded_other[8]);
    CHECK(recorded[9] == 5 && recorded[10] == 'a');
    if (argc > 2) {
        FILE *out = fopen(argv[2], "wb");
        CHECK(out != NULL && fwrite(trace.data, 1, trace.size, out) == trace.size);
        if (out != NULL) fclose(out);
    }

    /* The stock WASI preview 2 in a recording store is refused: its calls would go unrecorded. */
    wasmtime_component_linker_t *stock = wasmtime_component_linker_new(rec.engine);
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(stock);
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "greet", 5, greet, NULL, NULL));
    wasmtime_component_linker_instance_delete(root);
    CHECK_OK(wasmtime_component_linker_add_wasip2(stock));
    fresh_store(&rec);
    buffer_t refused = {.fail_after = -1};
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &refused, NULL, &recorder));
    CHECK_OK(wasmtime_rr_store_record(rec.context, recorder));
    CHECK_ERR_HAS(wasmtime_rr_component_linker_instantiate(stock, rec.context, rec.component, &rec.instance),
                  WASMTIME_RR_ERROR_KIND_UNSUPPORTED, "was not added with wasmtime_rr_component_linker_add_wasip2");
    CHECK_OK(wasmtime_rr_store_finish(rec.context));
    wasmtime_component_linker_delete(stock);
    free(refused.data);
    world_close(&rec);

    /* Replays: the recorded results (the file's recorded contents, not today's),
     * the host never called; another argument diverges. */
    write_input("omega, changed since");
    world_t w;
    world_open(&w, WASMTIME_RR_MODE_REPLAYING, bytes, size, define_greet);
    for (int round = 0; round < 3; round++) {
        fresh_store(&w);
        wasmtime_rr_replayer_t *replayer = NULL;
        CHECK_OK(wasmtime_rr_replayer_new_bytes(trace.data, trace.size, &replayer));
        CHECK_OK(wasmtime_rr_store_replay(w.context, replayer));
        CHECK_OK(wasmtime_rr_component_linker_instantiate(w.linker, w.context, w.component, &w.instance));
        uint32_t got[N];
        wasmtime_error_t *error = NULL;
        host_calls = 0;
        size_t n = run_hello(&w, round < 2 ? HELLO : "hi", got, &error);
        CHECK(host_calls == 0);
        if (round < 2) {
            CHECK_OK(error);
            CHECK(n == N && memcmp(got, recorded, sizeof recorded) == 0);
            CHECK_OK(wasmtime_rr_store_finish(w.context));
        } else {
            CHECK_ERR_HAS(error, WASMTIME_RR_ERROR_KIND_DIVERGENCE, "\"hi\"");
        }
    }
    world_close(&w);
    char path[sizeof data_dir + 16];
    snprintf(path, sizeof path, "%s/input.txt", data_dir);
    CHECK(remove(path) == 0 && rmdir(data_dir) == 0);
    free(trace.data);
    free(other.data);
    free(bytes);
    return finish();
}
