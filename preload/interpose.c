/*
 * libwasmtime_rr_preload.so: records or replays an unmodified program.
 *
 * It defines the stock C API names a host uses to build engines and stores,
 * compile modules and components, define host functions and WASI,
 * instantiate and call.
 * With WASMTIME_RR_RECORD or WASMTIME_RR_REPLAY set, each goes to its
 * RR-aware variant in libwasmtime_rr (engines are made recording or
 * replaying, every new store gets its recorder or replayer); without, each
 * goes straight to the stock function in libwasmtime_rr. Every other name
 * is libwasmtime_rr's own, found through this library's dependency on it.
 *
 * Used two ways: LD_PRELOAD for programs linked against libwasmtime_rr
 * (C, C++, Go), and in place of wasmtime-py's _libwasmtime.so (which
 * wasmtime-py opens by path), next to libwasmtime_rr.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime_rr.h>

#ifndef WASMTIME_RR_SONAME
#error "build with -DWASMTIME_RR_SONAME=\"libwasmtime_rr.so.X\""
#endif

/* libwasmtime_rr's own definition of a name (never this library's). */
static void *stock(const char *name) {
    static void *library;
    void *handle = __atomic_load_n(&library, __ATOMIC_ACQUIRE);
    if (handle == NULL) {
        handle = dlopen(WASMTIME_RR_SONAME, RTLD_LAZY | RTLD_NOLOAD);
        if (handle == NULL) handle = dlopen(WASMTIME_RR_SONAME, RTLD_LAZY);
        if (handle == NULL) {
            fprintf(stderr, "wasmtime-rr preload: cannot find %s: %s\n", WASMTIME_RR_SONAME, dlerror());
            abort(); /* no C API at all: nothing sensible can run */
        }
        __atomic_store_n(&library, handle, __ATOMIC_RELEASE);
    }
    void *function = dlsym(handle, name);
    if (function == NULL) {
        fprintf(stderr, "wasmtime-rr preload: %s has no %s\n", WASMTIME_RR_SONAME, name);
        abort();
    }
    return function;
}

/* The stock function `name`, looked up once. */
#define STOCK(name)                                                                                  \
    ({                                                                                               \
        static __typeof__(&name) cached;                                                             \
        __typeof__(&name) found = __atomic_load_n(&cached, __ATOMIC_RELAXED);                        \
        if (found == NULL) {                                                                         \
            found = (__typeof__(&name))stock(#name);                                                 \
            __atomic_store_n(&cached, found, __ATOMIC_RELAXED);                                      \
        }                                                                                            \
        found;                                                                                       \
    })

/* Whether the environment switch is on (read once, by libwasmtime_rr). */
static int on(void) {
    static int mode = -1;
    int seen = __atomic_load_n(&mode, __ATOMIC_RELAXED);
    if (seen < 0) {
        seen = (int)wasmtime_rr_env_mode() != WASMTIME_RR_MODE_NONE;
        __atomic_store_n(&mode, seen, __ATOMIC_RELAXED);
    }
    return seen;
}

/* Says why the switch could not apply here; the program goes on without it. */
static void report(const char *what, wasmtime_error_t *error) {
    wasm_name_t message;
    wasmtime_error_message(error, &message);
    fprintf(stderr, "wasmtime-rr: %s: %.*s\n", what, (int)message.size, message.data);
    wasm_byte_vec_delete(&message);
    wasmtime_error_delete(error);
}

wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *config) {
    if (!on()) return STOCK(wasm_engine_new_with_config)(config);
    wasm_engine_t *engine = NULL;
    wasmtime_error_t *error = wasmtime_rr_env_config(config);
    if (error == NULL) error = wasm_engine_new_checked(config, &engine);
    if (error == NULL) return engine;
    report("this engine cannot record or replay, the program runs without", error);
    wasmtime_error_t *reset = wasm_config_rr_mode_set(config, WASMTIME_RR_MODE_NONE);
    if (reset != NULL) wasmtime_error_delete(reset);
    return STOCK(wasm_engine_new_with_config)(config);
}

wasm_engine_t *wasm_engine_new(void) {
    if (!on()) return STOCK(wasm_engine_new)();
    return wasm_engine_new_with_config(wasm_config_new());
}

wasmtime_store_t *wasmtime_store_new(wasm_engine_t *engine, void *data, void (*finalizer)(void *)) {
    wasmtime_store_t *store = STOCK(wasmtime_store_new)(engine, data, finalizer);
    if (on() && store != NULL) {
        wasmtime_error_t *error = wasmtime_rr_env_attach(wasmtime_store_context(store));
        if (error != NULL) report("this store is not recorded or replayed", error);
    }
    return store;
}

wasmtime_error_t *wasmtime_module_new(wasm_engine_t *engine, const uint8_t *wasm, size_t len,
                                      wasmtime_module_t **ret) {
    if (!on()) return STOCK(wasmtime_module_new)(engine, wasm, len, ret);
    return wasmtime_rr_module_new(engine, wasm, len, ret);
}

void wasmtime_module_delete(wasmtime_module_t *module) {
    if (!on()) {
        STOCK(wasmtime_module_delete)(module);
        return;
    }
    wasmtime_rr_module_delete(module);
}

wasmtime_error_t *wasmtime_linker_define_func(wasmtime_linker_t *linker, const char *module, size_t module_len,
                                              const char *name, size_t name_len, const wasm_functype_t *ty,
                                              wasmtime_func_callback_t cb, void *data, void (*finalizer)(void *)) {
    if (!on()) return STOCK(wasmtime_linker_define_func)(linker, module, module_len, name, name_len, ty, cb, data, finalizer);
    return wasmtime_rr_linker_define_func(linker, module, module_len, name, name_len, ty, cb, data, finalizer);
}

wasmtime_error_t *wasmtime_linker_define_func_unchecked(wasmtime_linker_t *linker, const char *module,
                                                        size_t module_len, const char *name, size_t name_len,
                                                        const wasm_functype_t *ty,
                                                        wasmtime_func_unchecked_callback_t cb, void *data,
                                                        void (*finalizer)(void *)) {
    if (!on())
        return STOCK(wasmtime_linker_define_func_unchecked)(linker, module, module_len, name, name_len, ty, cb, data,
                                                            finalizer);
    return wasmtime_rr_linker_define_func_unchecked(linker, module, module_len, name, name_len, ty, cb, data, finalizer);
}

void wasmtime_func_new(wasmtime_context_t *store, const wasm_functype_t *type, wasmtime_func_callback_t callback,
                       void *env, void (*finalizer)(void *), wasmtime_func_t *ret) {
    if (on()) {
        wasmtime_error_t *error = wasmtime_rr_func_new(store, type, callback, env, finalizer, ret);
        if (error == NULL) return;
        report("this host function is not recorded or replayed", error);
    }
    STOCK(wasmtime_func_new)(store, type, callback, env, finalizer, ret);
}

void wasmtime_func_new_unchecked(wasmtime_context_t *store, const wasm_functype_t *type,
                                 wasmtime_func_unchecked_callback_t callback, void *env, void (*finalizer)(void *),
                                 wasmtime_func_t *ret) {
    if (on()) {
        wasmtime_error_t *error = wasmtime_rr_func_new_unchecked(store, type, callback, env, finalizer, ret);
        if (error == NULL) return;
        report("this host function is not recorded or replayed", error);
    }
    STOCK(wasmtime_func_new_unchecked)(store, type, callback, env, finalizer, ret);
}

wasmtime_error_t *wasmtime_linker_instantiate(const wasmtime_linker_t *linker, wasmtime_context_t *store,
                                              const wasmtime_module_t *module, wasmtime_instance_t *instance,
                                              wasm_trap_t **trap) {
    if (!on()) return STOCK(wasmtime_linker_instantiate)(linker, store, module, instance, trap);
    return wasmtime_rr_linker_instantiate(linker, store, module, instance, trap);
}

wasmtime_error_t *wasmtime_instance_new(wasmtime_context_t *store, const wasmtime_module_t *module,
                                        const wasmtime_extern_t *imports, size_t nimports,
                                        wasmtime_instance_t *instance, wasm_trap_t **trap) {
    if (!on()) return STOCK(wasmtime_instance_new)(store, module, imports, nimports, instance, trap);
    return wasmtime_rr_instance_new(store, module, imports, nimports, instance, trap);
}

wasmtime_error_t *wasmtime_func_call(wasmtime_context_t *store, const wasmtime_func_t *func,
                                     const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results,
                                     size_t nresults, wasm_trap_t **trap) {
    if (!on()) return STOCK(wasmtime_func_call)(store, func, args, nargs, results, nresults, trap);
    return wasmtime_rr_func_call(store, func, args, nargs, results, nresults, trap);
}

wasmtime_error_t *wasmtime_func_call_unchecked(wasmtime_context_t *store, const wasmtime_func_t *func,
                                               wasmtime_val_raw_t *args_and_results, size_t args_and_results_len,
                                               wasm_trap_t **trap) {
    if (!on()) return STOCK(wasmtime_func_call_unchecked)(store, func, args_and_results, args_and_results_len, trap);
    return wasmtime_rr_func_call_unchecked(store, func, args_and_results, args_and_results_len, trap);
}

wasmtime_error_t *wasmtime_linker_define_wasi(wasmtime_linker_t *linker) {
    if (!on()) return STOCK(wasmtime_linker_define_wasi)(linker);
    return wasmtime_rr_linker_define_wasi(linker);
}

wasmtime_error_t *wasmtime_context_set_wasi(wasmtime_context_t *context, wasi_config_t *wasi) {
    if (!on()) return STOCK(wasmtime_context_set_wasi)(context, wasi);
    wasmtime_error_t *error = wasmtime_rr_context_set_wasi(context, wasi);
    if (error != NULL && wasi != NULL) wasi_config_delete(wasi); /* the stock function always takes it */
    return error;
}

/* Shadow memory copies and compares memory only in host turns in which the
 * host asked for an address (see src/rr/shadow.rs). */
uint8_t *wasmtime_memory_data(wasmtime_context_t *store, const wasmtime_memory_t *memory) {
    if (on()) {
        uint8_t *data = NULL;
        wasmtime_error_t *error = wasmtime_rr_memory_data(store, memory, &data);
        if (error == NULL) return data;
        report("this memory access is not seen by shadow memory", error);
    }
    return STOCK(wasmtime_memory_data)(store, memory);
}

/* Components: compiled with their checksum, instantiated, called and given
 * host functions through the RR-aware variants. */
wasmtime_error_t *wasmtime_component_new(const wasm_engine_t *engine, const uint8_t *buf, size_t len,
                                         wasmtime_component_t **component_out) {
    if (!on()) return STOCK(wasmtime_component_new)(engine, buf, len, component_out);
    return wasmtime_rr_component_new(engine, buf, len, component_out);
}

void wasmtime_component_delete(wasmtime_component_t *component) {
    if (!on()) {
        STOCK(wasmtime_component_delete)(component);
        return;
    }
    wasmtime_rr_component_delete(component);
}

wasmtime_error_t *wasmtime_component_linker_instance_add_func(wasmtime_component_linker_instance_t *linker_instance,
                                                              const char *name, size_t name_len,
                                                              wasmtime_component_func_callback_t callback, void *data,
                                                              void (*finalizer)(void *)) {
    if (!on())
        return STOCK(wasmtime_component_linker_instance_add_func)(linker_instance, name, name_len, callback, data,
                                                                  finalizer);
    return wasmtime_rr_component_linker_instance_add_func(linker_instance, name, name_len, callback, data, finalizer);
}

wasmtime_error_t *wasmtime_component_linker_instance_add_resource(
    wasmtime_component_linker_instance_t *linker_instance, const char *name, size_t name_len,
    const wasmtime_component_resource_type_t *ty, wasmtime_component_resource_destructor_t destructor, void *data,
    void (*finalizer)(void *)) {
    if (!on())
        return STOCK(wasmtime_component_linker_instance_add_resource)(linker_instance, name, name_len, ty, destructor,
                                                                      data, finalizer);
    return wasmtime_rr_component_linker_instance_add_resource(linker_instance, name, name_len, ty, destructor, data,
                                                              finalizer);
}

wasmtime_error_t *wasmtime_component_linker_instantiate(const wasmtime_component_linker_t *linker,
                                                        wasmtime_context_t *context,
                                                        const wasmtime_component_t *component,
                                                        wasmtime_component_instance_t *instance_out) {
    if (!on()) return STOCK(wasmtime_component_linker_instantiate)(linker, context, component, instance_out);
    return wasmtime_rr_component_linker_instantiate(linker, context, component, instance_out);
}

wasmtime_error_t *wasmtime_component_func_call(const wasmtime_component_func_t *func, wasmtime_context_t *context,
                                               const wasmtime_component_val_t *args, size_t args_size,
                                               wasmtime_component_val_t *results, size_t results_size) {
    if (!on()) return STOCK(wasmtime_component_func_call)(func, context, args, args_size, results, results_size);
    /* On success the stock call frees what the results held before; the
     * RR-aware one writes over them without reading them. So the old values
     * are kept aside and freed once the call has succeeded. */
    wasmtime_component_val_t *old = NULL;
    if (results != NULL && results_size > 0) {
        old = malloc(results_size * sizeof *old);
        if (old != NULL) memcpy(old, results, results_size * sizeof *old);
    }
    wasmtime_error_t *error = wasmtime_rr_component_func_call(func, context, args, args_size, results, results_size);
    for (size_t i = 0; error == NULL && old != NULL && i < results_size; i++) wasmtime_component_val_delete(&old[i]);
    free(old);
    return error;
}

wasmtime_error_t *wasmtime_component_linker_add_wasip2(wasmtime_component_linker_t *linker) {
    if (!on()) return STOCK(wasmtime_component_linker_add_wasip2)(linker);
    return wasmtime_rr_component_linker_add_wasip2(linker);
}
