/*
 * Helpers of the C tests that run components from real toolchains: a file's
 * bytes, and a "world" (engine, component, linker with RR-aware WASI preview
 * 2, store) that a test opens once per engine mode.
 */
#ifndef COMPONENT_HARNESS_H
#define COMPONENT_HARNESS_H

#include "rr_harness.h"

/* A whole file (owned by the caller); exits the test when it cannot be read. */
static inline uint8_t *read_binary_file(const char *path, size_t *size) {
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

/* The component, its linker (the test's own functions, then RR-aware WASI
 * preview 2) and a store of an engine in one record/replay mode. */
typedef struct {
    wasm_engine_t *engine;
    wasmtime_component_t *component;
    wasmtime_component_linker_t *linker;
    wasmtime_store_t *store;
    wasmtime_context_t *context;
    wasmtime_component_instance_t instance;
} world_t;

/* define (may be NULL) adds the test's host functions to the linker's root. */
static inline void world_open(world_t *w, wasmtime_rr_mode_t mode, const uint8_t *bytes, size_t size,
                              void (*define)(wasmtime_component_linker_instance_t *root)) {
    w->engine = rr_engine(mode);
    CHECK_OK(wasmtime_rr_component_new(w->engine, bytes, size, &w->component));
    w->linker = wasmtime_component_linker_new(w->engine);
    if (define != NULL) {
        wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(w->linker);
        define(root);
        wasmtime_component_linker_instance_delete(root);
    }
    CHECK_OK(wasmtime_rr_component_linker_add_wasip2(w->linker));
    w->store = wasmtime_store_new(w->engine, NULL, NULL);
    w->context = wasmtime_store_context(w->store);
}

static inline void world_close(world_t *w) {
    wasmtime_store_delete(w->store);
    wasmtime_component_linker_delete(w->linker);
    wasmtime_rr_component_delete(w->component);
    wasm_engine_delete(w->engine);
}

/* A fresh store of w's engine, whose WASI context (from
 * wasmtime_rr_context_set_wasi) is made of wasi (taken). */
static inline void world_fresh_store(world_t *w, wasi_config_t *wasi) {
    wasmtime_store_delete(w->store);
    w->store = wasmtime_store_new(w->engine, NULL, NULL);
    w->context = wasmtime_store_context(w->store);
    CHECK_OK(wasmtime_rr_context_set_wasi(w->context, wasi));
}

#endif
