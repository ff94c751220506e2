/*
 * Helpers of the C record/replay tests: an in-memory trace buffer and
 * engines and modules made for recording or replaying.
 */
#ifndef RR_HARNESS_H
#define RR_HARNESS_H

#include "check.h"

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

/* CRC-32 as the trace format uses it (zlib's), to build traces by hand. */
static inline uint32_t crc32_of(const uint8_t *data, size_t len) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* A whole text file as a NUL-terminated string (owned by the caller); NULL
 * (after a failed check) when it cannot be read. */
static inline char *read_text_file(const char *path) {
    FILE *file = fopen(path, "rb");
    CHECK(file != NULL);
    if (file == NULL) return NULL;
    char *text = NULL;
    size_t size = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        text = realloc(text, size + got + 1);
        memcpy(text + size, chunk, got);
        size += got;
    }
    fclose(file);
    if (text == NULL) text = calloc(1, 1);
    text[size] = '\0';
    return text;
}

#endif
