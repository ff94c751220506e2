/*
 * Shared helpers of the C record/replay tests: checks with counting, error
 * checks by kind and message, and an in-memory trace buffer.
 */
#ifndef RR_HARNESS_H
#define RR_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasmtime_rr.h>

static int passed, failed;
/* While set, failed checks are neither counted nor printed: a script runs
 * over a broken trace on purpose and only its final error is checked. */
static bool expecting_failures;
static int failed_before;

static inline void expect_failures(bool on) {
    if (on) {
        failed_before = failed;
    } else {
        failed = failed_before;
    }
    expecting_failures = on;
}

/* Reports a failed check, unless failures are expected right now. */
#define REPORT(...)                                                                                \
    do {                                                                                           \
        if (!expecting_failures) {                                                                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            REPORT("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                       \
        }                                                                                          \
    } while (0)

#define CHECK_OK(expr) check_ok((expr), #expr, __LINE__)
/* Checks the kind of an error and that its message contains `part`, then frees it. */
#define CHECK_ERR(expr, kind, part) check_err((expr), (kind), (part), #expr, __LINE__)

static inline char *message_of(const wasmtime_error_t *error) {
    wasm_name_t name;
    wasmtime_error_message(error, &name);
    char *text = malloc(name.size + 1);
    memcpy(text, name.data, name.size);
    text[name.size] = '\0';
    wasm_name_delete(&name);
    return text;
}

static inline void check_ok(wasmtime_error_t *error, const char *expr, int line) {
    if (error == NULL) {
        passed++;
        return;
    }
    char *text = message_of(error);
    failed++;
    REPORT("%s:%d: %s failed: %s\n", __FILE__, line, expr, text);
    free(text);
    wasmtime_error_delete(error);
}

static inline void check_err(wasmtime_error_t *error, wasmtime_rr_error_kind_t kind, const char *part,
                             const char *expr, int line) {
    if (error == NULL) {
        failed++;
        REPORT("%s:%d: %s succeeded, expected [%s] ...%s...\n", __FILE__, line, expr,
                wasmtime_rr_error_kind_name(kind), part);
        return;
    }
    char *text = message_of(error);
    wasmtime_rr_error_kind_t got = wasmtime_rr_error_kind(error);
    if (got == kind && strstr(text, part) != NULL) {
        passed++;
    } else {
        failed++;
        REPORT("%s:%d: %s\n  expected [%s] ...%s...\n  got      [%s] %s\n", __FILE__, line, expr,
                wasmtime_rr_error_kind_name(kind), part, wasmtime_rr_error_kind_name(got), text);
    }
    free(text);
    wasmtime_error_delete(error);
}

/* A growable byte buffer, used as a trace destination. */
typedef struct {
    uint8_t *data;
    size_t size;
    int writes;
    int fail_after; /* refuse the write with this index (-1: never) */
    int finalized;
} buffer_t;

static inline bool buffer_append(void *opaque, const uint8_t *bytes, size_t len) {
    buffer_t *buffer = opaque;
    if (buffer->fail_after >= 0 && buffer->writes >= buffer->fail_after) {
        return false;
    }
    buffer->writes++;
    buffer->data = realloc(buffer->data, buffer->size + len);
    memcpy(buffer->data + buffer->size, bytes, len);
    buffer->size += len;
    return true;
}

static inline void buffer_finalize(void *opaque) {
    ((buffer_t *)opaque)->finalized++;
}

/* An engine in the given record/replay mode, with determinism enforced. */
static inline wasm_engine_t *rr_engine(wasmtime_rr_mode_t mode) {
    wasm_config_t *config = wasm_config_new();
    CHECK_OK(wasm_config_rr_mode_set(config, mode));
    CHECK_OK(wasm_config_enforce_determinism(config));
    wasm_engine_t *engine = NULL;
    CHECK_OK(wasm_engine_new_checked(config, &engine));
    return engine;
}

static inline wasmtime_module_t *rr_module(wasm_engine_t *engine, const char *wat) {
    wasm_byte_vec_t wasm;
    CHECK_OK(wasmtime_wat2wasm(wat, strlen(wat), &wasm));
    wasmtime_module_t *module = NULL;
    CHECK_OK(wasmtime_rr_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module));
    wasm_byte_vec_delete(&wasm);
    return module;
}

#endif
