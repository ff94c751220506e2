// C helpers of the record/replay object model; see shim.h.

#include <stdlib.h>
#include <string.h>

#include "_cgo_export.h"
#include "shim.h"

void wasmtimerr_val_set(wasmtime_val_t *val, uint8_t kind, uint64_t bits) {
    memset(val, 0, sizeof *val);
    val->kind = kind;
    switch (kind) {
    case WASMTIME_I32: val->of.i32 = (int32_t)(uint32_t)bits; break;
    case WASMTIME_I64: val->of.i64 = (int64_t)bits; break;
    case WASMTIME_F32: { uint32_t b = (uint32_t)bits; memcpy(&val->of.f32, &b, sizeof b); break; }
    case WASMTIME_F64: memcpy(&val->of.f64, &bits, sizeof bits); break;
    default: break;
    }
}

uint64_t wasmtimerr_val_bits(const wasmtime_val_t *val) {
    switch (val->kind) {
    case WASMTIME_I32: return (uint32_t)val->of.i32;
    case WASMTIME_I64: return (uint64_t)val->of.i64;
    case WASMTIME_F32: { uint32_t b; memcpy(&b, &val->of.f32, sizeof b); return b; }
    case WASMTIME_F64: { uint64_t b; memcpy(&b, &val->of.f64, sizeof b); return b; }
    default: return 0;
    }
}

static void valtypes(wasm_valtype_vec_t *vec, const uint8_t *kinds, size_t n) {
    wasm_valtype_vec_new_uninitialized(vec, n);
    for (size_t i = 0; i < n; i++) vec->data[i] = wasm_valtype_new(kinds[i]);
}

wasm_functype_t *wasmtimerr_functype(const uint8_t *params, size_t nparams, const uint8_t *results, size_t nresults) {
    wasm_valtype_vec_t p, r;
    valtypes(&p, params, nparams);
    valtypes(&r, results, nresults);
    return wasm_functype_new(&p, &r);
}

/* The trampolines: the callback data is a cgo.Handle (a non-zero integer). */

static bool write_trampoline(void *data, const uint8_t *bytes, size_t len) {
    return wasmtimerrWrite((uintptr_t)data, (uint8_t *)bytes, len);
}

static size_t read_trampoline(void *data, uint8_t *buffer, size_t capacity) {
    return wasmtimerrRead((uintptr_t)data, buffer, capacity);
}

static void release_trampoline(void *data) {
    wasmtimerrRelease((uintptr_t)data);
}

static wasm_trap_t *host_trampoline(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                    wasmtime_val_t *results, size_t nresults) {
    return wasmtimerrHostCall((uintptr_t)env, caller, (wasmtime_val_t *)args, nargs, results, nresults);
}

wasmtime_error_t *wasmtimerr_recorder_new_go(uintptr_t handle, wasmtime_rr_recorder_t **recorder_out) {
    return wasmtime_rr_recorder_new_callback(write_trampoline, (void *)handle, release_trampoline, recorder_out);
}

wasmtime_error_t *wasmtimerr_replayer_new_go(uintptr_t handle, wasmtime_rr_replayer_t **replayer_out) {
    return wasmtime_rr_replayer_new_callback(read_trampoline, (void *)handle, release_trampoline, replayer_out);
}

wasmtime_error_t *wasmtimerr_linker_define_go(wasmtime_linker_t *linker, const char *module, size_t module_len,
                                              const char *name, size_t name_len, const wasm_functype_t *type,
                                              uintptr_t handle) {
    return wasmtime_rr_linker_define_func(linker, module, module_len, name, name_len, type, host_trampoline,
                                          (void *)handle, release_trampoline);
}

wasmtime_error_t *wasmtimerr_func_new_go(wasmtime_context_t *context, const wasm_functype_t *type, uintptr_t handle,
                                         wasmtime_func_t *func_out) {
    return wasmtime_rr_func_new(context, type, host_trampoline, (void *)handle, release_trampoline, func_out);
}

wasmtime_error_t *wasmtimerr_instance_new_funcs(wasmtime_context_t *context, const wasmtime_module_t *module,
                                                const wasmtime_func_t *funcs, size_t nfuncs,
                                                wasmtime_instance_t *instance_out, wasm_trap_t **trap_out) {
    wasmtime_extern_t *imports = NULL;
    if (nfuncs > 0) {
        imports = calloc(nfuncs, sizeof *imports);
        if (imports == NULL) {
            return wasmtime_error_new("wasmtimerr: out of memory");
        }
        for (size_t i = 0; i < nfuncs; i++) {
            imports[i].kind = WASMTIME_EXTERN_FUNC;
            imports[i].of.func = funcs[i];
        }
    }
    wasmtime_error_t *error = wasmtime_rr_instance_new(context, module, imports, nfuncs, instance_out, trap_out);
    free(imports);
    return error;
}

int wasmtimerr_export_func(wasmtime_context_t *context, const wasmtime_instance_t *instance, const char *name,
                           size_t name_len, wasmtime_func_t *func_out, size_t *nresults) {
    wasmtime_extern_t item;
    if (!wasmtime_instance_export_get(context, instance, name, name_len, &item)) {
        return 0;
    }
    if (item.kind != WASMTIME_EXTERN_FUNC) {
        wasmtime_extern_delete(&item);
        return 2;
    }
    *func_out = item.of.func;
    /* Only the count: wasm_valtype_kind aborts on v128 and GC reference types. */
    wasm_functype_t *type = wasmtime_func_type(context, &item.of.func);
    *nresults = wasm_functype_results(type)->size;
    wasm_functype_delete(type);
    return 1;
}

wasmtime_error_t *wasmtimerr_caller_memory_write(wasmtime_caller_t *caller, const char *name, size_t name_len,
                                                 uint64_t offset, const uint8_t *data, size_t len, int *status) {
    wasmtime_extern_t item;
    if (!wasmtime_caller_export_get(caller, name, name_len, &item)) {
        *status = 1;
        return NULL;
    }
    if (item.kind != WASMTIME_EXTERN_MEMORY) {
        wasmtime_extern_delete(&item);
        *status = 2;
        return NULL;
    }
    *status = 0;
    return wasmtime_rr_memory_write(wasmtime_caller_context(caller), &item.of.memory, offset, data, len);
}
