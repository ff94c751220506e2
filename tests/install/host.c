/*
 * A C host of the installed library (tests/run-install-tests.sh): it is built
 * only with what `pkg-config wasmtime-rr` gives, once against the shared
 * library and once against the static archive. It enables recording, builds
 * an engine with the checked constructor, checks the engine's mode and the
 * library's version against the header's, and runs a tiny module. Every step
 * prints what it checked; the exit status is 0 only when all held.
 */
#include <stdio.h>
#include <string.h>
#include <wasmtime_rr.h>

static int failures = 0;

static void check(bool ok, const char *what) {
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    failures += !ok;
}

/* Prints the error, if any, frees it, and says whether the call succeeded. */
static bool succeeded(const char *what, wasmtime_error_t *error) {
    if (error != NULL) {
        wasm_name_t message;
        wasmtime_error_message(error, &message);
        printf("%s: error [%s]: %.*s\n", what, wasmtime_rr_error_kind_name(wasmtime_rr_error_kind(error)),
               (int)message.size, message.data);
        wasm_name_delete(&message);
        wasmtime_error_delete(error);
    }
    check(error == NULL, what);
    return error == NULL;
}

/* Runs (add 40 2) through the C API; returns the result, or -1. */
static int32_t run_add(wasm_engine_t *engine) {
    static const char wat[] = "(module (func (export \"add\") (param i32 i32) (result i32)"
                              " local.get 0 local.get 1 i32.add))";
    int32_t answer = -1;
    wasm_byte_vec_t wasm;
    if (!succeeded("wasmtime_wat2wasm", wasmtime_wat2wasm(wat, strlen(wat), &wasm))) {
        return answer;
    }
    wasmtime_module_t *module = NULL;
    bool compiled = succeeded("wasmtime_module_new",
                              wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module));
    wasm_byte_vec_delete(&wasm);
    if (!compiled) {
        return answer;
    }
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasmtime_instance_t instance;
    wasmtime_extern_t add;
    wasm_trap_t *trap = NULL;
    if (succeeded("wasmtime_instance_new", wasmtime_instance_new(context, module, NULL, 0, &instance, &trap)) &&
        trap == NULL && wasmtime_instance_export_get(context, &instance, "add", 3, &add) &&
        add.kind == WASMTIME_EXTERN_FUNC) {
        wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 40}, {.kind = WASMTIME_I32, .of.i32 = 2}};
        wasmtime_val_t result;
        if (succeeded("wasmtime_func_call", wasmtime_func_call(context, &add.of.func, args, 2, &result, 1, &trap)) &&
            trap == NULL) {
            answer = result.of.i32;
        }
    }
    if (trap != NULL) {
        check(false, "no trap");
        wasm_trap_delete(trap);
    }
    wasmtime_store_delete(store);
    wasmtime_module_delete(module);
    return answer;
}

int main(void) {
    /* The script compares this line with Cargo.toml's version. */
    printf("wasmtime_rr_version() = %s\n", wasmtime_rr_version());
    check(strcmp(wasmtime_rr_version(), WASMTIME_RR_VERSION) == 0,
          "wasmtime_rr_version() equals WASMTIME_RR_VERSION (" WASMTIME_RR_VERSION ")");
    check(wasmtime_rr_compiled_in(), "record/replay compiled in");

    wasm_config_t *config = wasm_config_new();
    wasm_engine_t *engine = NULL;
    if (!succeeded("wasm_config_record_set(config, true)", wasm_config_record_set(config, true)) ||
        !succeeded("wasm_engine_new_checked", wasm_engine_new_checked(config, &engine))) {
        wasm_config_delete(config); /* still ours after a failure */
        return 1;
    }
    bool recording = false;
    if (succeeded("wasm_engine_is_recording", wasm_engine_is_recording(engine, &recording))) {
        check(recording, "the engine records");
    }
    int32_t answer = run_add(engine);
    printf("add(40, 2) = %d\n", answer);
    check(answer == 42, "add(40, 2) == 42");
    wasm_engine_delete(engine);

    printf("%s\n", failures == 0 ? "C host: all checks passed" : "C host: FAILED");
    return failures == 0 ? 0 : 1;
}
