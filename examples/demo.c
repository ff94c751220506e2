/*
 * The wasmtime-rr demo: turn recording on, see a rejected config's message
 * instead of an abort, build an engine with the checked constructor, print its
 * record/replay state, and run a small module on it.
 *
 * Build and run (README, "Try it"):  ./examples/run-demo.sh
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime_rr.h>

/* Prints an error's kind and message, frees it, and says whether there was one. */
static bool report(const char *what, wasmtime_error_t *error) {
    if (error == NULL) {
        return false;
    }
    wasm_name_t message;
    wasmtime_error_message(error, &message);
    printf("%s: error [%s]: %.*s\n", what, wasmtime_rr_error_kind_name(wasmtime_rr_error_kind(error)),
           (int)message.size, message.data);
    wasm_name_delete(&message);
    wasmtime_error_delete(error);
    return true;
}

static const char *mode_name(wasmtime_rr_mode_t mode) {
    switch (mode) {
    case WASMTIME_RR_MODE_RECORDING: return "recording";
    case WASMTIME_RR_MODE_REPLAYING: return "replaying";
    default: return "none";
    }
}

static int run_module(wasm_engine_t *engine) {
    static const char wat[] =
        "(module (func (export \"mix\") (param i32 f32) (result f32)\n"
        "  local.get 1 local.get 0 f32.convert_i32_s f32.mul))";
    wasm_byte_vec_t wasm;
    if (report("wat2wasm", wasmtime_wat2wasm(wat, strlen(wat), &wasm))) {
        return 1;
    }
    wasmtime_module_t *module = NULL;
    wasmtime_error_t *error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module);
    wasm_byte_vec_delete(&wasm);
    if (report("compile", error)) {
        return 1;
    }
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    int status = 1;
    if (!report("instantiate", wasmtime_instance_new(context, module, NULL, 0, &instance, &trap)) && trap == NULL) {
        wasmtime_extern_t mix;
        wasmtime_instance_export_get(context, &instance, "mix", 3, &mix);
        wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 6}, {.kind = WASMTIME_F32, .of.f32 = 7.0f}};
        wasmtime_val_t result;
        if (!report("call", wasmtime_func_call(context, &mix.of.func, args, 2, &result, 1, &trap)) && trap == NULL) {
            printf("mix(6, 7.0) = %g\n", (double)result.of.f32);
            status = 0;
        }
    }
    if (trap != NULL) {
        puts("trapped");
        wasm_trap_delete(trap);
    }
    wasmtime_store_delete(store);
    wasmtime_module_delete(module);
    return status;
}

int main(void) {
    printf("wasmtime-rr %s (header %s), record/replay compiled in: %s\n", wasmtime_rr_version(),
           WASMTIME_RR_VERSION, wasmtime_rr_compiled_in() ? "yes" : "no");

    /* 1. A config that records but explicitly disables NaN canonicalization:
     * wasm_engine_new_with_config would abort the process; we get a message. */
    wasm_config_t *config = wasm_config_new();
    if (report("record_set", wasm_config_record_set(config, true))) {
        wasm_config_delete(config);
        return 1;
    }
    wasmtime_config_cranelift_nan_canonicalization_set(config, false);
    wasm_engine_t *engine = NULL;
    if (!report("rejected config", wasm_engine_new_checked(config, &engine))) {
        puts("unexpected: the conflicting config was accepted");
        return 1;
    }

    /* 2. The same config, still ours after the failure, fixed explicitly. */
    report("enforce_determinism", wasm_config_enforce_determinism(config));
    if (report("validate", wasm_config_validate(config)) ||
        report("engine", wasm_engine_new_checked(config, &engine))) {
        wasm_config_delete(config);
        return 1;
    }

    /* 3. What the engine was built with (config was consumed). */
    wasmtime_rr_mode_t mode = WASMTIME_RR_MODE_NONE;
    bool nan = false, simd = false;
    report("mode", wasm_engine_rr_mode(engine, &mode));
    report("nan", wasm_engine_nan_canonicalization(engine, &nan));
    report("simd", wasm_engine_relaxed_simd_deterministic(engine, &simd));
    printf("engine: mode=%s nan_canonicalization=%s relaxed_simd_deterministic=%s\n", mode_name(mode),
           nan ? "on" : "off", simd ? "on" : "off");

    /* 4. Run a tiny module on it. */
    int status = run_module(engine);
    wasm_engine_delete(engine);
    return status;
}
