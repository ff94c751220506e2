/*
 * Record/replay overhead, measured side by side in one run:
 *   benches/run-rr-bench.sh
 *
 * 1. A guest calls an (i32) -> i32 host function 1,000,000 times: the plain C
 *    API definition, the RR-aware definition with no recorder, recording to a
 *    file, and replaying that file.
 * 2. A guest doing real work (hashing memory) with a host call every ~10 us:
 *    plain against recording.
 * 3. Trace bytes per host-call event beyond the encoded results.
 * Every figure is the median of ROUNDS runs; variants alternate within a round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wasmtime_rr.h>

#include "bench.h"

enum { CALLS = 1000000, ROUNDS = 7 };

static const char LOOP_WAT[] =
    "(module (import \"env\" \"f\" (func $f (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (func (export \"loop\") (param $n i32) (param $work i32) (result i32)\n"
    "    (local $acc i32) (local $i i32) (local $h i32)\n"
    "    (block $done (loop $outer\n"
    "      (br_if $done (i32.eqz (local.get $n)))\n"
    "      ;; $work rounds of hashing the first 4 KiB of memory between calls\n"
    "      (local.set $i (i32.mul (local.get $work) (i32.const 4096)))\n"
    "      (block $hashed (loop $hash\n"
    "        (br_if $hashed (i32.eqz (local.get $i)))\n"
    "        (local.set $i (i32.sub (local.get $i) (i32.const 4)))\n"
    "        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (i32.and (local.get $i) (i32.const 4095))))\n"
    "                               (i32.const 16777619)))\n"
    "        (br $hash)))\n"
    "      (local.set $acc (i32.add (local.get $acc) (call $f (i32.add (local.get $n) (local.get $h)))))\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br $outer)))\n"
    "    (local.get $acc)))\n";

static long long host_sum;

static wasm_trap_t *host_f(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller, (void)nargs, (void)nresults;
    int32_t x = args[0].of.i32;
    host_sum += x;
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = (x * 2654435761u) >> 7; /* values of every size */
    return NULL;
}

/* The same host function in the raw (unchecked) convention. */
static wasm_trap_t *host_f_raw(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results, size_t n) {
    (void)env, (void)caller, (void)n;
    int32_t x = args_and_results[0].i32;
    host_sum += x;
    args_and_results[0].i32 = (int32_t)((x * 2654435761u) >> 7);
    return NULL;
}

typedef enum { PLAIN, RR_NONE, RECORD, REPLAY } variant_t;

typedef struct {
    wasm_engine_t *engine;
    wasmtime_module_t *module;
    wasmtime_linker_t *linker;
} setup_t;

typedef enum { STOCK_DEFINE, RR_DEFINE, STOCK_UNCHECKED, RR_UNCHECKED } definition_t;

static setup_t make_setup(wasmtime_rr_mode_t mode, definition_t definition) {
    setup_t s;
    wasm_config_t *config = wasm_config_new();
    die("mode", wasm_config_rr_mode_set(config, mode));
    die("determinism", wasm_config_enforce_determinism(config));
    die("engine", wasm_engine_new_checked(config, &s.engine));
    wasm_byte_vec_t wasm;
    die("wat", wasmtime_wat2wasm(LOOP_WAT, strlen(LOOP_WAT), &wasm));
    die("module", wasmtime_rr_module_new(s.engine, (const uint8_t *)wasm.data, wasm.size, &s.module));
    wasm_byte_vec_delete(&wasm);
    s.linker = wasmtime_linker_new(s.engine);
    wasm_valtype_vec_t params, results;
    wasm_valtype_vec_new_uninitialized(&params, 1);
    wasm_valtype_vec_new_uninitialized(&results, 1);
    params.data[0] = wasm_valtype_new(WASM_I32);
    results.data[0] = wasm_valtype_new(WASM_I32);
    wasm_functype_t *ty = wasm_functype_new(&params, &results);
    switch (definition) {
    case RR_DEFINE: die("define", wasmtime_rr_linker_define_func(s.linker, "env", 3, "f", 1, ty, host_f, NULL, NULL)); break;
    case STOCK_DEFINE: die("define", wasmtime_linker_define_func(s.linker, "env", 3, "f", 1, ty, host_f, NULL, NULL)); break;
    case RR_UNCHECKED:
        die("define", wasmtime_rr_linker_define_func_unchecked(s.linker, "env", 3, "f", 1, ty, host_f_raw, NULL, NULL));
        break;
    case STOCK_UNCHECKED:
        die("define", wasmtime_linker_define_func_unchecked(s.linker, "env", 3, "f", 1, ty, host_f_raw, NULL, NULL));
        break;
    }
    wasm_functype_delete(ty);
    return s;
}

static void free_setup(setup_t *s) {
    wasmtime_linker_delete(s->linker);
    wasmtime_rr_module_delete(s->module);
    wasm_engine_delete(s->engine);
}

/* One run: a fresh store, instantiate, call loop(calls, work); milliseconds. */
static int compression; /* the zstd level of recordings (0: off) */

static double run(setup_t *s, variant_t variant, int calls, int work, const char *trace, uint32_t window) {
    wasmtime_store_t *store = wasmtime_store_new(s->engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    if (variant == RECORD) {
        wasmtime_rr_recorder_t *recorder = NULL;
        die("recorder", wasmtime_rr_recorder_new_file(trace, &recorder));
        die("window", wasmtime_rr_recorder_event_window_set(recorder, window));
        die("compression", wasmtime_rr_recorder_compression_set(recorder, compression));
        die("record", wasmtime_rr_store_record(context, recorder));
    } else if (variant == REPLAY) {
        wasmtime_rr_replayer_t *replayer = NULL;
        die("replayer", wasmtime_rr_replayer_new_file(trace, &replayer));
        die("replay", wasmtime_rr_store_replay(context, replayer));
    }
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    if (variant == PLAIN) {
        die("instantiate", wasmtime_linker_instantiate(s->linker, context, s->module, &instance, &trap));
    } else {
        die("instantiate", wasmtime_rr_linker_instantiate(s->linker, context, s->module, &instance, &trap));
    }
    wasmtime_extern_t loop;
    wasmtime_instance_export_get(context, &instance, "loop", 4, &loop);
    wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = calls}, {.kind = WASMTIME_I32, .of.i32 = work}};
    wasmtime_val_t result;
    double start = now_ms();
    if (variant == PLAIN) {
        die("call", wasmtime_func_call(context, &loop.of.func, args, 2, &result, 1, &trap));
    } else {
        die("call", wasmtime_rr_func_call(context, &loop.of.func, args, 2, &result, 1, &trap));
    }
    if (variant == RECORD || variant == REPLAY) {
        die("finish", wasmtime_rr_store_finish(context));
    }
    double elapsed = now_ms() - start;
    if (trap != NULL) {
        fprintf(stderr, "trapped\n");
        exit(1);
    }
    wasmtime_store_delete(store);
    return elapsed;
}

static double median(double *values) {
    qsort(values, ROUNDS, sizeof values[0], cmp);
    return values[ROUNDS / 2];
}

static size_t file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fclose(f);
    return size;
}

static size_t sleb_len(int64_t v) {
    size_t n = 1;
    while (!((v >> 6) == 0 || (v >> 6) == -1)) {
        v >>= 7;
        n++;
    }
    return n;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    char trace[512], trace_big[512];
    snprintf(trace, sizeof trace, "%s/bench.wrr", dir);
    snprintf(trace_big, sizeof trace_big, "%s/bench-window.wrr", dir);
    if (argc == 5 && strcmp(argv[2], "once") == 0) {
        /* rr_bench DIR once record|replay CALLS: one run in this process (for peak RSS). */
        bool record = strcmp(argv[3], "record") == 0;
        setup_t s = make_setup(record ? WASMTIME_RR_MODE_RECORDING : WASMTIME_RR_MODE_REPLAYING, RR_DEFINE);
        run(&s, record ? RECORD : REPLAY, atoi(argv[4]), 0, trace, 16);
        free_setup(&s);
        return 0;
    }
    if (argc == 3 && strcmp(argv[2], "memory") == 0) {
        /* Peak RSS of recording and replaying 1,000,000 and 100,000,000 calls. */
        const char *counts[] = {"1000000", "100000000"};
        printf("peak RSS of a process that records or replays N host calls (trace to a file)\n");
        for (int c = 0; c < 2; c++) {
            for (int v = 0; v < 2; v++) {
                const char *variant = v == 0 ? "record" : "replay";
                double start = now_ms();
                pid_t pid = fork();
                if (pid == 0) {
                    execl(argv[0], argv[0], dir, "once", variant, counts[c], (char *)NULL);
                    _exit(127);
                }
                int status;
                struct rusage usage;
                if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                    fprintf(stderr, "the child failed\n");
                    return 1;
                }
                printf("  %-6s %11s calls: %7ld KiB peak RSS, %8.1f s, trace %zu bytes\n", variant, counts[c],
                       usage.ru_maxrss, (now_ms() - start) / 1000, file_size(trace));
            }
        }
        return 0;
    }
    if (argc > 2) {
        /* rr_bench DIR record|replay: that variant alone, ten times (for profiles) */
        bool record = strcmp(argv[2], "record") == 0;
        definition_t definition = argc > 3 ? RR_UNCHECKED : RR_DEFINE;
        setup_t s = make_setup(record ? WASMTIME_RR_MODE_RECORDING : WASMTIME_RR_MODE_REPLAYING, definition);
        double total = 0;
        for (int i = 0; i < 10; i++) total += run(&s, record ? RECORD : REPLAY, CALLS, 0, trace, 16);
        printf("%s: %.1f ms per run\n", argv[2], total / 10);
        free_setup(&s);
        return 0;
    }
    setup_t plain = make_setup(WASMTIME_RR_MODE_NONE, STOCK_DEFINE);
    setup_t rr_none = make_setup(WASMTIME_RR_MODE_NONE, RR_DEFINE);
    setup_t recording = make_setup(WASMTIME_RR_MODE_RECORDING, RR_DEFINE);
    setup_t replaying = make_setup(WASMTIME_RR_MODE_REPLAYING, RR_DEFINE);
    setup_t plain_raw = make_setup(WASMTIME_RR_MODE_NONE, STOCK_UNCHECKED);
    setup_t recording_raw = make_setup(WASMTIME_RR_MODE_RECORDING, RR_UNCHECKED);
    setup_t replaying_raw = make_setup(WASMTIME_RR_MODE_REPLAYING, RR_UNCHECKED);
    char trace_raw[512];
    snprintf(trace_raw, sizeof trace_raw, "%s/bench-unchecked.wrr", dir);

    /* 1. A million host calls. */
    double t_plain[ROUNDS], t_none[ROUNDS], t_rec[ROUNDS], t_rec_big[ROUNDS], t_rep[ROUNDS];
    run(&plain, PLAIN, 1000, 0, NULL, 0); /* warm up */
    for (int r = 0; r < ROUNDS; r++) {
        t_plain[r] = run(&plain, PLAIN, CALLS, 0, NULL, 0);
        t_none[r] = run(&rr_none, RR_NONE, CALLS, 0, NULL, 0);
        t_rec[r] = run(&recording, RECORD, CALLS, 0, trace, 16);
        t_rec_big[r] = run(&recording, RECORD, CALLS, 0, trace_big, 4096);
        t_rep[r] = run(&replaying, REPLAY, CALLS, 0, trace, 0);
    }
    double p = median(t_plain), n = median(t_none), rec = median(t_rec), recb = median(t_rec_big), rep = median(t_rep);
    printf("1,000,000 calls of an (i32) -> i32 host function, median of %d rounds\n", ROUNDS);
    printf("  plain wasmtime_linker_define_func       %8.1f ms   1.000x\n", p);
    printf("  RR-aware definition, no recorder        %8.1f ms   %.3fx plain\n", n, n / p);
    printf("  recording to a file (window 16)         %8.1f ms   %.3fx plain\n", rec, rec / p);
    printf("  recording to a file (window 4096)       %8.1f ms   %.3fx plain\n", recb, recb / p);
    printf("  replaying that file                     %8.1f ms   %.3fx plain, %.3fx recording\n", rep, rep / p, rep / rec);

    /* 1a. Compressed traces: recording and replay time, bytes per event. */
    char trace_z[512];
    snprintf(trace_z, sizeof trace_z, "%s/bench-zstd.wrr", dir);
    for (int level = 1; level <= 3; level += 2) {
        double z_rec[ROUNDS], z_rep[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            compression = level;
            z_rec[r] = run(&recording, RECORD, CALLS, 0, trace_z, 16);
            compression = 0;
            z_rep[r] = run(&replaying, REPLAY, CALLS, 0, trace_z, 0);
        }
        double zr = median(z_rec), zq = median(z_rep);
        size_t bytes = file_size(trace_z);
        printf("  recording compressed (zstd %d)          %8.1f ms   %.3fx plain, %.3f bytes/event\n", level, zr, zr / p,
               (double)bytes / CALLS);
        printf("  replaying it                            %8.1f ms   %.3fx plain\n", zq, zq / p);
    }

    /* 1b. The same through the unchecked (raw) definitions. */
    double u_plain[ROUNDS], u_rec[ROUNDS], u_rep[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        u_plain[r] = run(&plain_raw, PLAIN, CALLS, 0, NULL, 0);
        u_rec[r] = run(&recording_raw, RECORD, CALLS, 0, trace_raw, 16);
        u_rep[r] = run(&replaying_raw, REPLAY, CALLS, 0, trace_raw, 0);
    }
    double up = median(u_plain), ur = median(u_rec), uq = median(u_rep);
    printf("the same host function defined unchecked (raw values), median of %d rounds\n", ROUNDS);
    printf("  plain wasmtime_linker_define_func_unchecked %4.1f ms   %.1f ns per call\n", up, up * 1e6 / CALLS);
    printf("  recording (wasmtime_rr_..._unchecked)   %8.1f ms   %.3fx plain unchecked\n", ur, ur / up);
    printf("  replaying that file                     %8.1f ms   %.3fx plain unchecked\n", uq, uq / up);

    /* 3. Trace size: every result value the host returned, as sleb. */
    size_t results_bytes = 0;
    for (int32_t x = CALLS; x > 0; x--) {
        results_bytes += sleb_len((int32_t)((x * 2654435761u) >> 7));
    }
    size_t size = file_size(trace);
    printf("trace size: %zu bytes for %d host calls = %.3f bytes/event, %.3f beyond the encoded results\n", size,
           CALLS, (double)size / CALLS, (double)(size - results_bytes) / CALLS);

    /* 2. Real work: hashing between host calls. */
    enum { WORK_CALLS = 10000 };
    int work = 9;
    double w_plain[ROUNDS], w_rec[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        w_plain[r] = run(&plain, PLAIN, WORK_CALLS, work, NULL, 0);
        w_rec[r] = run(&recording, RECORD, WORK_CALLS, work, trace, 16);
    }
    double wp = median(w_plain), wr = median(w_rec);
    printf("real work: %d host calls, %.1f us of hashing between calls, median of %d rounds\n", WORK_CALLS,
           wp * 1000.0 / WORK_CALLS, ROUNDS);
    printf("  plain                                   %8.1f ms\n", wp);
    printf("  recording to a file (window 16)         %8.1f ms   %+.2f%%\n", wr, (wr / wp - 1) * 100);
    printf("(host checksum %lld)\n", host_sum);
    free_setup(&plain);
    free_setup(&rr_none);
    free_setup(&recording);
    free_setup(&replaying);
    free_setup(&plain_raw);
    free_setup(&recording_raw);
    free_setup(&replaying_raw);
    return 0;
}
