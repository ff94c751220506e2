/*
 * A component from a real toolchain: a Python guest built with
 * componentize-py (tests/guests/components/python), a WASI preview 2 program.
 * On a plain engine it runs through the RR-aware functions exactly as with
 * the stock ones (its host function `greet` called, WASI preview 2 added with
 * wasmtime_rr_component_linker_add_wasip2). In a store that records it is
 * refused with `unsupported`, naming a `wasi:` import: its WASI calls would
 * run unrecorded. ASan+UBSan.
 *   test_python_component APP_WASM
 */
#include "rr_harness.h"

static int host_calls;

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

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    CHECK(file != NULL);
    if (file == NULL) exit(finish());
    fseek(file, 0, SEEK_END);
    *size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    uint8_t *bytes = malloc(*size);
    CHECK(fread(bytes, 1, *size, file) == *size);
    fclose(file);
    return bytes;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: test_python_component APP_WASM\n");
        return 2;
    }
    size_t size = 0;
    uint8_t *bytes = read_file(argv[1], &size);
    buffer_t trace = {.fail_after = -1};
    /* Replaying takes the same refusal as recording (tests/c/test_components.c
     * checks it); compiling this 18 MB component takes seconds per engine. */
    const wasmtime_rr_mode_t modes[] = {WASMTIME_RR_MODE_NONE, WASMTIME_RR_MODE_RECORDING};
    for (int m = 0; m < 2; m++) {
        wasm_engine_t *engine = rr_engine(modes[m]);
        wasmtime_component_t *component = NULL;
        CHECK_OK(wasmtime_rr_component_new(engine, bytes, size, &component));
        wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
        wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(linker);
        CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "greet", 5, greet, NULL, NULL));
        wasmtime_component_linker_instance_delete(root);
        wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
        wasmtime_context_t *context = wasmtime_store_context(store);
        CHECK_OK(wasmtime_context_set_wasi(context, wasi_config_new()));
        wasmtime_component_instance_t instance;
        if (modes[m] == WASMTIME_RR_MODE_NONE) {
            CHECK_OK(wasmtime_rr_component_linker_add_wasip2(linker));
            CHECK_OK(wasmtime_rr_component_linker_instantiate(linker, context, component, &instance));
            wasmtime_component_export_index_t *index =
                wasmtime_component_instance_get_export_index(&instance, context, NULL, "run", 3);
            wasmtime_component_func_t run;
            CHECK(index != NULL && wasmtime_component_instance_get_func(&instance, context, index, &run));
            wasmtime_component_export_index_delete(index);
            wasmtime_component_val_t arg = {.kind = WASMTIME_COMPONENT_STRING}, result;
            wasm_byte_vec_new(&arg.of.string, 6, "h\xc3\xa9llo"); /* "héllo": 6 bytes, 5 characters */
            host_calls = 0;
            CHECK_OK(wasmtime_rr_component_func_call(&run, context, &arg, 1, &result, 1));
            CHECK(host_calls == 1);
            uint32_t expected[] = {'h', 0xc3, 0xa9, 'l', 'l', 'o', 5};
            CHECK(result.kind == WASMTIME_COMPONENT_LIST && result.of.list.size == 7);
            for (size_t i = 0; result.kind == WASMTIME_COMPONENT_LIST && i < result.of.list.size && i < 7; i++) {
                CHECK(result.of.list.data[i].of.u32 == expected[i]);
            }
            wasmtime_component_val_delete(&result);
            wasmtime_component_val_delete(&arg);
        } else {
            CHECK_ERR_HAS(wasmtime_rr_component_linker_add_wasip2(linker), WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
                          "WASI preview 2 cannot be recorded or replayed yet");
            CHECK_OK(wasmtime_component_linker_add_wasip2(linker)); /* the stock function: still refused below */
            wasmtime_rr_recorder_t *recorder = NULL;
            CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &trace, NULL, &recorder));
            CHECK_OK(wasmtime_rr_store_record(context, recorder));
            CHECK_ERR_HAS(wasmtime_rr_component_linker_instantiate(linker, context, component, &instance),
                          WASMTIME_RR_ERROR_KIND_UNSUPPORTED, "the component imports `wasi:");
            CHECK_OK(wasmtime_rr_store_finish(context));
        }
        wasmtime_store_delete(store);
        wasmtime_component_linker_delete(linker);
        wasmtime_rr_component_delete(component);
        wasm_engine_delete(engine);
    }
    free(trace.data);
    free(bytes);
    return finish();
}
