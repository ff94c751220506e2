/*
 * WASI record/replay overhead, measured side by side in one run:
 *   benches/run-wasi-bench.sh
 *
 * Two real guests built by clang with wasi-libc (tests/guests/wasi):
 *   clock_bench.wasm  reads the monotonic clock 1,000,000 times;
 *   read_bench.wasm   reads a 64 MiB file in 64 KiB chunks and sums it.
 * Variants, alternating within each round:
 *   plain    the stock wasmtime_linker_define_wasi / wasmtime_context_set_wasi;
 *   rr-idle  the RR-aware definitions on a recording engine, no recorder;
 *   record   recording to a trace file;
 *   replay   replaying that file (no WASI effect at all).
 * Every figure is the median of ROUNDS runs. Then: trace bytes per clock
 * reading, and the peak RSS of a process that records the file read against
 * one that runs it plainly (each in a child process of its own).
 *
 *   wasi_bench GUESTS_DIR DATA_DIR OUT_DIR
 *   wasi_bench --once GUESTS_DIR DATA_DIR OUT_DIR clock|read VARIANT   (one run)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wasmtime_rr.h>

#include "bench.h"

enum { ROUNDS = 7 };

typedef enum { PLAIN, RR_IDLE, RECORD, REPLAY, RECORD_ZSTD, VARIANTS } variant_t;
static const char *const NAMES[VARIANTS] = {"plain", "rr-idle", "record", "replay", "record-zstd3"};

typedef struct {
    wasm_engine_t *engine;
    wasmtime_module_t *module;
    wasmtime_linker_t *linker;
} setup_t;

static wasm_byte_vec_t read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    wasm_byte_vec_t bytes;
    wasm_byte_vec_new_uninitialized(&bytes, (size_t)size);
    if (fread(bytes.data, 1, (size_t)size, f) != (size_t)size) {
        perror(path);
        exit(1);
    }
    fclose(f);
    return bytes;
}

static setup_t make_setup(variant_t variant, const wasm_byte_vec_t *wasm) {
    setup_t s;
    wasm_config_t *config = wasm_config_new();
    wasmtime_rr_mode_t mode = variant == REPLAY   ? WASMTIME_RR_MODE_REPLAYING
                              : variant == PLAIN ? WASMTIME_RR_MODE_NONE
                                                 : WASMTIME_RR_MODE_RECORDING;
    die("mode", wasm_config_rr_mode_set(config, mode));
    die("determinism", wasm_config_enforce_determinism(config)); /* the same code in every variant */
    die("engine", wasm_engine_new_checked(config, &s.engine));
    die("module", wasmtime_rr_module_new(s.engine, (const uint8_t *)wasm->data, wasm->size, &s.module));
    s.linker = wasmtime_linker_new(s.engine);
    die("define wasi", variant == PLAIN ? wasmtime_linker_define_wasi(s.linker) : wasmtime_rr_linker_define_wasi(s.linker));
    return s;
}

static void free_setup(setup_t *s) {
    wasmtime_linker_delete(s->linker);
    wasmtime_rr_module_delete(s->module);
    wasm_engine_delete(s->engine);
}

/* One run of the guest's _start in a fresh store; returns milliseconds. */
static double run(const setup_t *s, variant_t variant, const char *data_dir, const char *trace, const char *arg) {
    wasmtime_store_t *store = wasmtime_store_new(s->engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasi_config_t *wasi = wasi_config_new();
    const char *argv[] = {"guest", arg};
    wasi_config_set_argv(wasi, arg ? 2 : 1, argv);
    if (!wasi_config_set_stdout_file(wasi, "/dev/null") ||
        !wasi_config_preopen_dir(wasi, data_dir, "/data", false)) {
        fprintf(stderr, "cannot configure WASI (data folder %s)\n", data_dir);
        exit(1);
    }
    die("set wasi", variant == PLAIN ? wasmtime_context_set_wasi(context, wasi) : wasmtime_rr_context_set_wasi(context, wasi));
    if (variant == RECORD || variant == RECORD_ZSTD) {
        char compressed[4096];
        snprintf(compressed, sizeof compressed, "%s.zst", trace);
        wasmtime_rr_recorder_t *recorder;
        die("recorder", wasmtime_rr_recorder_new_file(variant == RECORD ? trace : compressed, &recorder));
        die("compression", wasmtime_rr_recorder_compression_set(recorder, variant == RECORD ? 0 : 3));
        die("record", wasmtime_rr_store_record(context, recorder));
    } else if (variant == REPLAY) {
        wasmtime_rr_replayer_t *replayer;
        die("replayer", wasmtime_rr_replayer_new_file(trace, &replayer));
        die("replay", wasmtime_rr_store_replay(context, replayer));
    }
    double start = now_ms();
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    die("instantiate", wasmtime_rr_linker_instantiate(s->linker, context, s->module, &instance, &trap));
    if (trap) {
        fprintf(stderr, "instantiation trapped\n");
        exit(1);
    }
    wasmtime_extern_t start_fn;
    if (!wasmtime_instance_export_get(context, &instance, "_start", 6, &start_fn)) {
        fprintf(stderr, "no _start\n");
        exit(1);
    }
    wasmtime_error_t *error = wasmtime_rr_func_call(context, &start_fn.of.func, NULL, 0, NULL, 0, &trap);
    int status;
    if (error && !wasmtime_error_exit_status(error, &status)) die("_start", error);
    if (error) wasmtime_error_delete(error);
    if (trap) {
        fprintf(stderr, "the guest trapped\n");
        exit(1);
    }
    double elapsed = now_ms() - start;
    if (variant != PLAIN && variant != RR_IDLE) die("finish", wasmtime_rr_store_finish(context));
    wasmtime_store_delete(store);
    return elapsed;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare);
    return v[n / 2];
}

/* Medians of each variant, variants alternating within each round. */
static void measure(const char *title, const wasm_byte_vec_t *wasm, const char *data_dir, const char *trace,
                    const char *arg, double out[VARIANTS]) {
    setup_t setups[VARIANTS];
    for (int v = 0; v < VARIANTS; v++) setups[v] = make_setup((variant_t)v, wasm);
    double times[VARIANTS][ROUNDS];
    run(&setups[RECORD], RECORD, data_dir, trace, arg); /* warm-up, and a trace for the first replay */
    for (int r = 0; r < ROUNDS; r++)
        for (int v = 0; v < VARIANTS; v++) times[v][r] = run(&setups[v], (variant_t)v, data_dir, trace, arg);
    for (int v = 0; v < VARIANTS; v++) {
        out[v] = median(times[v], ROUNDS);
        free_setup(&setups[v]);
    }
    printf("%s, median of %d rounds\n", title, ROUNDS);
    for (int v = 0; v < VARIANTS; v++)
        printf("  %-13s %9.1f ms   %.3fx plain\n", NAMES[v], out[v], out[v] / out[PLAIN]);
}

static const char *self_path;

/* Peak RSS (KiB) of a child process that runs one variant once: the bench
 * itself re-executed with --once (a forked copy of a process with Wasmtime's
 * and Tokio's threads could not go on safely). */
static long child_peak_rss(const char *guest, variant_t variant, char **dirs) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(126);
        execl(self_path, self_path, "--once", dirs[0], dirs[1], dirs[2], guest, NAMES[variant], (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "the measuring child failed\n");
        exit(1);
    }
    return usage.ru_maxrss;
}

static long file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(1);
    }
    return (long)st.st_size;
}

/* The guest file, its trace and its argument for "clock" or "read". */
static void guest_files(const char *guest, char **dirs, char *wasm, char *trace, size_t size, const char **arg) {
    int clock = strcmp(guest, "clock") == 0;
    snprintf(wasm, size, "%s/%s_bench.wasm", dirs[0], guest);
    snprintf(trace, size, "%s/wasi-%s.wrr", dirs[2], guest);
    *arg = clock ? NULL : "/data/big.bin";
}

int main(int argc, char **argv) {
    self_path = argv[0];
    char wasm_path[4096], trace[4096];
    const char *arg;
    if (argc == 7 && strcmp(argv[1], "--once") == 0) {
        /* One run of one variant, for RSS measurements and profiles. */
        guest_files(argv[5], argv + 2, wasm_path, trace, sizeof trace, &arg);
        variant_t variant = VARIANTS;
        for (int v = 0; v < VARIANTS; v++)
            if (strcmp(argv[6], NAMES[v]) == 0) variant = (variant_t)v;
        if (variant == VARIANTS) return 2;
        wasm_byte_vec_t wasm = read_file(wasm_path);
        setup_t s = make_setup(variant, &wasm);
        printf("%s %s: %.1f ms\n", argv[5], argv[6], run(&s, variant, argv[3], trace, arg));
        free_setup(&s);
        wasm_byte_vec_delete(&wasm);
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: %s GUESTS_DIR DATA_DIR OUT_DIR\n       %s --once GUESTS_DIR DATA_DIR OUT_DIR clock|read VARIANT\n",
                argv[0], argv[0]);
        return 2;
    }
    char **dirs = argv + 1;

    guest_files("clock", dirs, wasm_path, trace, sizeof trace, &arg);
    wasm_byte_vec_t clock_wasm = read_file(wasm_path);
    double clock[VARIANTS];
    measure("1,000,000 clock_time_get calls (clock_bench.wasm)", &clock_wasm, dirs[1], trace, arg, clock);
    long clock_bytes = file_size(trace);
    char zst[4200];
    snprintf(zst, sizeof zst, "%s.zst", trace);
    printf("  trace: %ld bytes = %.2f bytes per clock reading (everything included); zstd 3: %ld bytes = %.2f\n",
           clock_bytes, (double)clock_bytes / 1e6, file_size(zst), (double)file_size(zst) / 1e6);

    guest_files("read", dirs, wasm_path, trace, sizeof trace, &arg);
    wasm_byte_vec_t read_wasm = read_file(wasm_path);
    double reads[VARIANTS];
    measure("reading a 64 MiB file in 64 KiB chunks (read_bench.wasm)", &read_wasm, dirs[1], trace, arg, reads);
    snprintf(zst, sizeof zst, "%s.zst", trace);
    printf("  trace: %ld bytes; zstd 3: %ld bytes (the file is random bytes)\n", file_size(trace), file_size(zst));
    long plain_rss = child_peak_rss("read", PLAIN, dirs);
    long record_rss = child_peak_rss("read", RECORD, dirs);
    long replay_rss = child_peak_rss("read", REPLAY, dirs);
    printf("  peak RSS of a process running it once: plain %ld KiB, recording %ld KiB (%+ld), replaying %ld KiB (%+ld)\n",
           plain_rss, record_rss, record_rss - plain_rss, replay_rss, replay_rss - plain_rss);

    printf("goals: clock recording <= 1.5x plain: %s; file-read recording <= 1.2x plain: %s;\n"
           "       replay <= plain: clock %s, file read %s; clock reading <= 12 bytes: %s\n",
           clock[RECORD] <= 1.5 * clock[PLAIN] ? "met" : "NOT met", reads[RECORD] <= 1.2 * reads[PLAIN] ? "met" : "NOT met",
           clock[REPLAY] <= clock[PLAIN] ? "met" : "NOT met", reads[REPLAY] <= reads[PLAIN] ? "met" : "NOT met",
           clock_bytes <= 12 * 1000000L ? "met" : "NOT met");
    wasm_byte_vec_delete(&clock_wasm);
    wasm_byte_vec_delete(&read_wasm);
    return 0;
}
