/*
 * The record/replay showcase host. The guest (guest.wat) asks this host for
 * the time and for random bytes and writes a report; this host prints it.
 *
 *   rr_demo record GUEST.wat TRACE     run live, recording into TRACE
 *   rr_demo replay GUEST.wat TRACE     run again from TRACE (host not called)
 *   rr_demo wasm   GUEST.wat OUT.wasm  compile the text for `wasmtime-rr replay`
 *   rr_demo tamper TRACE HEX OUT       flip a bit of the recorded random bytes
 *
 * The only differences between recording and replaying are the engine mode
 * and recorder vs replayer: the same host code runs both (examples/rr/run.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <wasmtime_rr.h>

static int host_calls; /* replay must leave this at 0 */

static int fail(const char *what, wasmtime_error_t *error) {
    wasm_name_t message;
    wasmtime_error_message(error, &message);
    fprintf(stderr, "%s: error [%s]: %.*s\n", what, wasmtime_rr_error_kind_name(wasmtime_rr_error_kind(error)),
            (int)message.size, message.data);
    wasm_name_delete(&message);
    wasmtime_error_delete(error);
    return 1;
}

#define TRY(what, expr)                                                                            \
    do {                                                                                           \
        wasmtime_error_t *try_error = (expr);                                                      \
        if (try_error != NULL) return fail(what, try_error);                                       \
    } while (0)

static wasm_trap_t *now_ns(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)args, (void)nargs, (void)nresults;
    host_calls++;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    results[0].kind = WASMTIME_I64;
    results[0].of.i64 = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    return NULL;
}

static wasm_trap_t *random_bytes(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                 wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)nargs, (void)results, (void)nresults;
    host_calls++;
    uint8_t bytes[64];
    size_t len = (size_t)args[1].of.i32 < sizeof bytes ? (size_t)args[1].of.i32 : sizeof bytes;
    if (getrandom(bytes, len, 0) != (ssize_t)len) {
        return wasmtime_trap_new("getrandom failed", 16);
    }
    wasmtime_extern_t memory;
    if (!wasmtime_caller_export_get(caller, "memory", 6, &memory)) {
        return wasmtime_trap_new("no memory export", 16);
    }
    /* The RR-aware write: recorded, and re-applied on replay. */
    wasmtime_error_t *error = wasmtime_rr_memory_write(wasmtime_caller_context(caller), &memory.of.memory,
                                                       (uint64_t)args[0].of.i32, bytes, len);
    if (error != NULL) {
        wasmtime_error_delete(error);
        return wasmtime_trap_new("memory write failed", 19);
    }
    return NULL;
}

static wasm_functype_t *functype(size_t nparams, wasm_valkind_t param, size_t nresults, wasm_valkind_t result) {
    wasm_valtype_vec_t params, results;
    wasm_valtype_vec_new_uninitialized(&params, nparams);
    wasm_valtype_vec_new_uninitialized(&results, nresults);
    for (size_t i = 0; i < nparams; i++) params.data[i] = wasm_valtype_new(param);
    for (size_t i = 0; i < nresults; i++) results.data[i] = wasm_valtype_new(result);
    return wasm_functype_new(&params, &results);
}

static int read_file(const char *path, wasm_byte_vec_t *out) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        return 1;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    wasm_byte_vec_new_uninitialized(out, (size_t)size);
    size_t got = fread(out->data, 1, (size_t)size, file);
    fclose(file);
    return got == (size_t)size ? 0 : 1;
}

static int write_file(const char *path, const void *data, size_t size) {
    FILE *file = fopen(path, "wb");
    int ok = file != NULL && fwrite(data, 1, size, file) == size;
    if (file != NULL) fclose(file);
    return ok ? 0 : 1;
}

/* The host program, identical for recording and replaying. */
static int session(wasm_engine_t *engine, wasmtime_store_t *store, const wasm_byte_vec_t *wat) {
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasm_byte_vec_t wasm;
    TRY("wat2wasm", wasmtime_wat2wasm(wat->data, wat->size, &wasm));
    wasmtime_module_t *module = NULL;
    wasmtime_error_t *error = wasmtime_rr_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module);
    wasm_byte_vec_delete(&wasm);
    if (error != NULL) return fail("compile", error);

    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    wasm_functype_t *clock = functype(0, WASM_I32, 1, WASM_I64), *rand = functype(2, WASM_I32, 0, WASM_I32);
    TRY("define now_ns", wasmtime_rr_linker_define_func(linker, "env", 3, "now_ns", 6, clock, now_ns, NULL, NULL));
    TRY("define random", wasmtime_rr_linker_define_func(linker, "env", 3, "random", 6, rand, random_bytes, NULL, NULL));
    wasm_functype_delete(clock);
    wasm_functype_delete(rand);

    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    TRY("instantiate", wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap));
    wasmtime_extern_t report, memory;
    wasmtime_instance_export_get(context, &instance, "report", 6, &report);
    wasmtime_instance_export_get(context, &instance, "memory", 6, &memory);
    for (int i = 0; i < 2; i++) {
        wasmtime_val_t n = {.kind = WASMTIME_I32, .of.i32 = 8}, out[3];
        TRY("report", wasmtime_rr_func_call(context, &report.of.func, &n, 1, out, 3, &trap));
        if (trap != NULL) {
            wasm_trap_delete(trap);
            fprintf(stderr, "report trapped\n");
            return 1;
        }
        const uint8_t *data = wasmtime_memory_data(context, &memory.of.memory);
        printf("%.*s\n", (int)out[1].of.i32, (const char *)data + out[0].of.i32);
    }
    TRY("finish", wasmtime_rr_store_finish(context));
    wasmtime_linker_delete(linker);
    wasmtime_rr_module_delete(module);
    return 0;
}

static int run(const char *wat_path, const char *trace, bool recording) {
    wasm_byte_vec_t wat;
    if (read_file(wat_path, &wat) != 0) return 1;
    wasm_config_t *config = wasm_config_new();
    TRY("mode", recording ? wasm_config_record_set(config, true) : wasm_config_replay_set(config, true));
    TRY("determinism", wasm_config_enforce_determinism(config));
    wasm_engine_t *engine = NULL;
    TRY("engine", wasm_engine_new_checked(config, &engine));
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    if (recording) {
        wasmtime_rr_recorder_t *recorder = NULL;
        TRY("recorder", wasmtime_rr_recorder_new_file(trace, &recorder));
        TRY("record", wasmtime_rr_store_record(context, recorder));
    } else {
        wasmtime_rr_replayer_t *replayer = NULL;
        TRY("replayer", wasmtime_rr_replayer_new_file(trace, &replayer));
        TRY("replay", wasmtime_rr_store_replay(context, replayer));
    }
    int status = session(engine, store, &wat);
    if (status == 0 && !recording) {
        printf("replay matched the recording; host functions called: %d\n", host_calls);
    }
    wasmtime_store_delete(store);
    wasm_engine_delete(engine);
    wasm_byte_vec_delete(&wat);
    return status;
}

static int compile_wat(const char *wat_path, const char *out) {
    wasm_byte_vec_t wat, wasm;
    if (read_file(wat_path, &wat) != 0) return 1;
    TRY("wat2wasm", wasmtime_wat2wasm(wat.data, wat.size, &wasm));
    int status = write_file(out, wasm.data, wasm.size);
    wasm_byte_vec_delete(&wat);
    wasm_byte_vec_delete(&wasm);
    return status;
}

/* CRC-32 (IEEE), as the trace frames use: to keep a tampered frame valid. */
static uint32_t crc32(const uint8_t *data, size_t len) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static size_t read_uleb(const uint8_t *data, size_t *pos) {
    size_t value = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t byte = data[(*pos)++];
        value |= (size_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return value;
    }
}

/* Flips a bit of the recorded random bytes (found by their hex in the
 * report) and re-seals the frame, as a tampering that passes the checksum. */
static int tamper(const char *trace, const char *hex, const char *out) {
    wasm_byte_vec_t bytes;
    if (read_file(trace, &bytes) != 0) return 1;
    uint8_t *data = (uint8_t *)bytes.data, needle[32];
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n && i < sizeof needle; i++) sscanf(hex + 2 * i, "%2hhx", &needle[i]);
    /* Skip the header: magic, version, Wasmtime version, flags, window, CRC. */
    size_t pos = 8;
    read_uleb(data, &pos);
    pos += read_uleb(data, &pos);
    pos += 1;
    read_uleb(data, &pos);
    pos += 4;
    while (pos < bytes.size) {
        size_t len = read_uleb(data, &pos);
        for (size_t i = pos; i + n <= pos + len; i++) {
            if (memcmp(data + i, needle, n) == 0) {
                data[i] ^= 0x01;
                uint32_t crc = crc32(data + pos, len);
                memcpy(data + pos + len, &crc, 4); /* little-endian host */
                int status = write_file(out, data, bytes.size);
                wasm_byte_vec_delete(&bytes);
                return status;
            }
        }
        pos += len + 4;
    }
    fprintf(stderr, "the random bytes %s are not in %s\n", hex, trace);
    wasm_byte_vec_delete(&bytes);
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "record") == 0) return run(argv[2], argv[3], true);
    if (argc == 4 && strcmp(argv[1], "replay") == 0) return run(argv[2], argv[3], false);
    if (argc == 4 && strcmp(argv[1], "wasm") == 0) return compile_wat(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "tamper") == 0) return tamper(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: rr_demo record|replay GUEST.wat TRACE | wasm GUEST.wat OUT.wasm | tamper TRACE HEX OUT\n");
    return 2;
}
