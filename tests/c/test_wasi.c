/*
 * WASI preview 1 under record/replay, with real guests built from source by
 * clang/wasi-libc and by Go (tests/guests/wasi): each reads both clocks,
 * random bytes, its arguments, environment and stdin, a preopened file, lists
 * a folder, sleeps, writes to stdout and stderr and exits with 7.
 *
 * For each guest: record it; replay it from C with the recording's own host
 * code, then (after deleting the folder) with a host that gives no WASI
 * context at all, then with `wasmtime-rr replay`; every replay prints the
 * recorded stdout and stderr byte for byte (echo) and exits 7, reads no
 * stdin (a pipe keeps its bytes) and touches no file (the folder is gone).
 * Divergences: another build of the guest, other arguments or environment,
 * other stdin bytes in the trace, a tampered trace. Then deterministic WASI
 * without a trace, and the new functions' error paths.
 *
 * Built with -DGUESTS_DIR="..." -DWASMTIME_RR_CLI="..."; run under ASan+UBSan.
 */
#include "rr_harness.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ARGV[] = {"guest", "alpha", "beta"};
static const char STDIN_TEXT[] = "line one\nline two\n";

typedef struct {
    const char *wasm_path;
    wasm_byte_vec_t wasm;
} guest_t;

static wasm_byte_vec_t read_all(const char *path) {
    wasm_byte_vec_t bytes = {0, NULL};
    FILE *f = fopen(path, "rb");
    if (!f) {
        REPORT("cannot open %s", path);
        return bytes;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    wasm_byte_vec_new_uninitialized(&bytes, (size_t)size);
    CHECK(fread(bytes.data, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    return bytes;
}

static bool same_file(const char *a, const char *b) {
    wasm_byte_vec_t x = read_all(a), y = read_all(b);
    bool same = x.size == y.size && (x.size == 0 || memcmp(x.data, y.data, x.size) == 0);
    if (!same) REPORT("%s (%zu bytes) and %s (%zu bytes) differ", a, x.size, b, y.size);
    wasm_byte_vec_delete(&x);
    wasm_byte_vec_delete(&y);
    return same;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* fd 0 becomes a pipe holding `text` (the write end closed). */
static void stdin_from(const char *text) {
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], text, strlen(text)) == (ssize_t)strlen(text));
    close(fds[1]);
    CHECK(dup2(fds[0], 0) == 0);
    close(fds[0]);
}

/* What fd 0 still holds. */
static size_t stdin_left(char *buffer, size_t size) {
    int flags = fcntl(0, F_GETFL);
    fcntl(0, F_SETFL, flags | O_NONBLOCK);
    ssize_t n = read(0, buffer, size - 1);
    fcntl(0, F_SETFL, flags);
    buffer[n > 0 ? n : 0] = 0;
    return n > 0 ? (size_t)n : 0;
}

/* How the host configures WASI; `data` NULL: no WASI context at all. */
typedef struct {
    const char *data; /* preopened as /data */
    const char **argv;
    size_t argc;
    const char *guest_name; /* GUEST_NAME */
    const char *out, *err;  /* stdout/stderr files (recording); NULL: inherit */
    const char *in;         /* stdin file; NULL: inherit the process's stdin */
} wasi_setup_t;

static wasi_config_t *make_wasi(const wasi_setup_t *setup) {
    wasi_config_t *wasi = wasi_config_new();
    CHECK(wasi_config_set_argv(wasi, setup->argc, setup->argv));
    const char *names[] = {"GUEST_NAME"}, *values[] = {setup->guest_name};
    CHECK(wasi_config_set_env(wasi, 1, names, values));
    if (setup->in) {
        CHECK(wasi_config_set_stdin_file(wasi, setup->in));
    } else {
        wasi_config_inherit_stdin(wasi);
    }
    if (setup->out) {
        CHECK(wasi_config_set_stdout_file(wasi, setup->out));
        CHECK(wasi_config_set_stderr_file(wasi, setup->err));
    } else {
        wasi_config_inherit_stdout(wasi);
        wasi_config_inherit_stderr(wasi);
    }
    CHECK(wasi_config_preopen_dir(wasi, setup->data, "/data", false));
    return wasi;
}

typedef struct {
    wasmtime_error_t *error; /* the first failure, if any */
    bool exited;
    int status;
} run_t;

/* The host program: one engine, module, linker and store; the RR-aware WASI
 * definitions; a recorder or replayer when given; then _start and finish. */
static run_t run_guest(const guest_t *guest, wasmtime_rr_mode_t mode, wasmtime_rr_recorder_t *recorder,
                       wasmtime_rr_replayer_t *replayer, const wasi_setup_t *setup) {
    run_t result = {NULL, false, 0};
    wasm_engine_t *engine = rr_engine(mode);
    wasmtime_module_t *module = NULL;
    CHECK_OK(wasmtime_rr_module_new(engine, (const uint8_t *)guest->wasm.data, guest->wasm.size, &module));
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    CHECK_OK(wasmtime_rr_linker_define_wasi(linker));
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    if (setup && setup->data) CHECK_OK(wasmtime_rr_context_set_wasi(context, make_wasi(setup)));
    if (recorder) result.error = wasmtime_rr_store_record(context, recorder);
    if (replayer) result.error = wasmtime_rr_store_replay(context, replayer);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    if (!result.error) result.error = wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap);
    if (!result.error) {
        CHECK(trap == NULL);
        wasmtime_extern_t start;
        CHECK(wasmtime_instance_export_get(context, &instance, "_start", 6, &start));
        wasmtime_error_t *error = wasmtime_rr_func_call(context, &start.of.func, NULL, 0, NULL, 0, &trap);
        CHECK(trap == NULL);
        if (error && wasmtime_error_exit_status(error, &result.status)) {
            result.exited = true;
            wasmtime_error_delete(error);
        } else {
            result.error = error;
        }
    }
    if (recorder || replayer) {
        wasmtime_error_t *finished = wasmtime_rr_store_finish(context);
        if (result.error) {
            wasmtime_error_delete(finished);
        } else {
            result.error = finished;
        }
    }
    wasmtime_store_delete(store);
    wasmtime_linker_delete(linker);
    wasmtime_rr_module_delete(module);
    wasm_engine_delete(engine);
    return result;
}

static wasmtime_rr_replayer_t *replayer_of(const char *trace, bool echo) {
    wasmtime_rr_replayer_t *replayer = NULL;
    CHECK_OK(wasmtime_rr_replayer_new_file(trace, &replayer));
    CHECK_OK(wasmtime_rr_replayer_echo_set(replayer, echo));
    return replayer;
}

/* Replays with echo, fds 1 and 2 redirected to files. */
static run_t replay_echoed(const guest_t *guest, const char *trace, const wasi_setup_t *setup, const char *out,
                           const char *err) {
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    run_t result = run_guest(guest, WASMTIME_RR_MODE_REPLAYING, NULL, replayer_of(trace, true), setup);
    fflush(stdout);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(out_fd), close(err_fd), close(saved_out), close(saved_err);
    return result;
}

/* `wasmtime-rr replay MODULE TRACE` with stdin closed; its exit status. */
static int cli_replay(const char *module, const char *trace, const char *out, const char *err) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(0);
        int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execl(WASMTIME_RR_CLI, WASMTIME_RR_CLI, "replay", module, trace, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_exit_7(run_t run, const char *what) {
    if (run.error) {
        char *message = message_of(run.error);
        REPORT("%s failed: %s", what, message);
        free(message);
        wasmtime_error_delete(run.error);
        return;
    }
    CHECK(run.exited && run.status == 7);
}

static char work[256];

static void path_in(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s/%s", work, name);
}

static void make_data_folder(const char *data) {
    mkdir(data, 0755);
    char path[512];
    snprintf(path, sizeof path, "%s/input.txt", data);
    write_file(path, "hello file\n");
    snprintf(path, sizeof path, "%s/notes.md", data);
    write_file(path, "notes\n");
}

static void remove_data_folder(const char *data) {
    char path[512];
    snprintf(path, sizeof path, "%s/input.txt", data);
    unlink(path);
    snprintf(path, sizeof path, "%s/notes.md", data);
    unlink(path);
    CHECK(rmdir(data) == 0);
}

/* Finds `needle` in a trace file's frames, changes it with `edit`, and fixes
 * the CRC of the frame that holds it. Frames: 5-byte padded length, payload,
 * CRC-32. */
/* Replaces byte `offset` of the first occurrence of `needle` in a frame,
 * fixing the frame's CRC. */
static bool edit_trace(const char *path, const char *needle, size_t offset, char replacement) {
    wasm_byte_vec_t trace = read_all(path);
    uint8_t *data = (uint8_t *)trace.data;
    size_t at = 8 + 1 + 1 + data[9] + 1 + 1 + 4; /* the header */
    bool done = false;
    while (!done && at + 5 <= trace.size) {
        size_t len = 0;
        for (int i = 0; i < 5; i++) len |= (size_t)(data[at + i] & 0x7f) << (7 * i);
        uint8_t *payload = data + at + 5;
        for (size_t i = 0; i + strlen(needle) <= len; i++) {
            if (memcmp(payload + i, needle, strlen(needle)) == 0) {
                payload[i + offset] = (uint8_t)replacement;
                uint32_t crc = crc32_of(payload, len);
                memcpy(payload + len, &crc, 4);
                done = true;
                break;
            }
        }
        at += 5 + len + 4;
    }
    FILE *f = fopen(path, "wb");
    fwrite(trace.data, 1, trace.size, f);
    fclose(f);
    wasm_byte_vec_delete(&trace);
    return done;
}

static void test_guest(const char *name) {
    char wasm_path[512], data[512], trace[512], out[512], err[512], rout[512], rerr[512], validated[512];
    snprintf(wasm_path, sizeof wasm_path, "%s/%s.wasm", GUESTS_DIR, name);
    guest_t guest = {wasm_path, read_all(wasm_path)};
    path_in(data, sizeof data, "data");
    path_in(trace, sizeof trace, "session.wrr");
    path_in(validated, sizeof validated, "validated.wrr");
    path_in(out, sizeof out, "recorded.out");
    path_in(err, sizeof err, "recorded.err");
    path_in(rout, sizeof rout, "replayed.out");
    path_in(rerr, sizeof rerr, "replayed.err");
    char in[512], vout[512], verr[512];
    path_in(in, sizeof in, "stdin.txt");
    path_in(vout, sizeof vout, "validated.out");
    path_in(verr, sizeof verr, "validated.err");
    make_data_folder(data);
    write_file(in, STDIN_TEXT);
    wasi_setup_t setup = {data, ARGV, 3, "rr", out, err, in};

    /* Record (stdin from a file). Then again with validation metadata and
     * memory digests: every WASI call's effect on memory is checked. The
     * process's own stdin (which replaying hosts inherit) is a pipe whose
     * bytes must stay unread. */
    stdin_from("UNREAD\n");
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_file(trace, &recorder));
    expect_exit_7(run_guest(&guest, WASMTIME_RR_MODE_RECORDING, recorder, NULL, &setup), "recording");
    wasm_byte_vec_t report = read_all(out);
    CHECK(report.size > 100 && memmem(report.data, report.size, "stdin: line one\\nline two\\n", 26) != NULL);
    CHECK(memmem(report.data, report.size, "file: hello file\\n", 17) != NULL);
    wasm_byte_vec_delete(&report);
    wasi_setup_t validated_setup = {data, ARGV, 3, "rr", vout, verr, in};
    CHECK_OK(wasmtime_rr_recorder_new_file(validated, &recorder));
    CHECK_OK(wasmtime_rr_recorder_validation_set(recorder, true));
    CHECK_OK(wasmtime_rr_recorder_memory_digest_set(recorder, true));
    expect_exit_7(run_guest(&guest, WASMTIME_RR_MODE_RECORDING, recorder, NULL, &validated_setup), "validated recording");

    /* Replay 1: the recording's host code, its WASI config inheriting this
     * process's stdin and stdout. */
    wasi_setup_t same_host = {data, ARGV, 3, "rr", NULL, NULL, NULL};
    expect_exit_7(replay_echoed(&guest, trace, &same_host, rout, rerr), "replay with the host's WASI config");
    CHECK(same_file(out, rout) && same_file(err, rerr));

    /* The folder goes. Replay 2: no WASI context at all; replay 3: the
     * validated trace, whose digests check memory after every WASI call. */
    remove_data_folder(data);
    expect_exit_7(replay_echoed(&guest, trace, NULL, rout, rerr), "replay without WASI context");
    CHECK(same_file(out, rout) && same_file(err, rerr));
    expect_exit_7(replay_echoed(&guest, validated, NULL, rout, rerr), "replay of the validated trace");
    CHECK(same_file(vout, rout) && same_file(verr, rerr));
    char left[64];
    CHECK(stdin_left(left, sizeof left) == 7 && strcmp(left, "UNREAD\n") == 0); /* no replay read stdin */
    struct stat gone;
    CHECK(stat(data, &gone) != 0);

    /* Without echo nothing is printed. */
    run_t quiet = replay_echoed(&guest, trace, NULL, rout, rerr);
    expect_exit_7(quiet, "quiet replay");
    CHECK(quiet.exited);

    /* The command line, stdin closed, the folder gone. */
    CHECK(cli_replay(wasm_path, trace, rout, rerr) == 7);
    CHECK(same_file(out, rout));
    wasm_byte_vec_t cli_err = read_all(rerr);
    wasm_byte_vec_t recorded_err = read_all(err);
    CHECK(cli_err.size > recorded_err.size && memcmp(cli_err.data, recorded_err.data, recorded_err.size) == 0);
    CHECK(memmem(cli_err.data, cli_err.size, "replay matched the recording", 28) != NULL);
    wasm_byte_vec_delete(&cli_err);
    wasm_byte_vec_delete(&recorded_err);

    /* Divergences. Another build of the guest: its checksum differs. */
    char other_path[512];
    snprintf(other_path, sizeof other_path, "%s/guest-c-other.wasm", GUESTS_DIR);
    guest_t other = {other_path, read_all(other_path)};
    run_t mismatch = run_guest(&other, WASMTIME_RR_MODE_REPLAYING, NULL, replayer_of(trace, false), NULL);
    CHECK_ERR_HAS(mismatch.error, WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH, "the trace instantiates a module with sha256 ");
    wasm_byte_vec_delete(&other.wasm);

    /* The replaying host configures other arguments, or environment. */
    make_data_folder(data);
    const char *other_argv[] = {"guest", "alpha", "gamma"};
    wasi_setup_t other_args = {data, other_argv, 3, "rr", NULL, NULL, NULL};
    run_t argv_run = run_guest(&guest, WASMTIME_RR_MODE_REPLAYING, NULL, replayer_of(trace, false), &other_args);
    CHECK_ERR_HAS(argv_run.error, WASMTIME_RR_ERROR_KIND_DIVERGENCE, "the replaying host configured other arguments");
    wasi_setup_t other_env = {data, ARGV, 3, "someone else", NULL, NULL, NULL};
    run_t env_run = run_guest(&guest, WASMTIME_RR_MODE_REPLAYING, NULL, replayer_of(trace, false), &other_env);
    CHECK_ERR_HAS(env_run.error, WASMTIME_RR_ERROR_KIND_DIVERGENCE, "the replaying host configured other environment");
    remove_data_folder(data);

    /* Other stdin bytes in the trace (CRC fixed): the guest reports them, so
     * its stdout differs from the recorded stdout, which the replay checks. */
    char edited[512];
    path_in(edited, sizeof edited, "edited.wrr");
    wasm_byte_vec_t bytes = read_all(trace);
    FILE *copy = fopen(edited, "wb");
    fwrite(bytes.data, 1, bytes.size, copy);
    fclose(copy);
    CHECK(edit_trace(edited, "line one", 0, 'L'));
    run_t stdin_run = run_guest(&guest, WASMTIME_RR_MODE_REPLAYING, NULL, replayer_of(edited, false), NULL);
    CHECK_ERR_HAS(stdin_run.error, WASMTIME_RR_ERROR_KIND_DIVERGENCE, "the guest writes other bytes to stdout than recorded");

    /* A flipped byte: corrupted. */
    bytes.data[bytes.size / 2] ^= 0x10;
    copy = fopen(edited, "wb");
    fwrite(bytes.data, 1, bytes.size, copy);
    fclose(copy);
    run_t tampered = run_guest(&guest, WASMTIME_RR_MODE_REPLAYING, NULL, replayer_of(edited, false), NULL);
    CHECK(wasmtime_rr_error_kind(tampered.error) == WASMTIME_RR_ERROR_KIND_TRACE_FORMAT);
    wasmtime_error_delete(tampered.error);
    wasm_byte_vec_delete(&bytes);
    wasm_byte_vec_delete(&guest.wasm);
}

/* Clock readings take the numbers-only fast paths (no WasiCall built): a
 * replay gives the recorded readings, and a trace that has another clock or
 * another function read is a divergence. */
typedef struct {
    wasm_engine_t *engine;
    wasmtime_module_t *module;
    wasmtime_linker_t *linker;
    wasmtime_store_t *store;
    wasmtime_instance_t instance;
} clock_host_t;

static clock_host_t clock_host(wasmtime_rr_mode_t mode) {
    clock_host_t h;
    h.engine = rr_engine(mode);
    h.module = rr_module(h.engine,
        "(module (import \"wasi_snapshot_preview1\" \"clock_time_get\" (func $t (param i32 i64 i32) (result i32)))"
        " (memory (export \"memory\") 1)"
        " (func (export \"read\") (param $clock i32) (param $at i32) (result i64)"
        "   (if (call $t (local.get $clock) (i64.const 1) (local.get $at)) (then unreachable))"
        "   (i64.load (local.get $at))))");
    h.linker = wasmtime_linker_new(h.engine);
    CHECK_OK(wasmtime_rr_linker_define_wasi(h.linker));
    h.store = wasmtime_store_new(h.engine, NULL, NULL);
    CHECK_OK(wasmtime_rr_context_set_wasi(wasmtime_store_context(h.store), wasi_config_new()));
    return h;
}

static wasmtime_error_t *clock_start(clock_host_t *h) {
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_rr_linker_instantiate(h->linker, wasmtime_store_context(h->store), h->module,
                                                             &h->instance, &trap);
    CHECK(trap == NULL);
    return error;
}

static wasmtime_error_t *clock_read(clock_host_t *h, int32_t clock, int32_t at, int64_t *reading) {
    wasmtime_context_t *context = wasmtime_store_context(h->store);
    wasmtime_extern_t read;
    CHECK(wasmtime_instance_export_get(context, &h->instance, "read", 4, &read));
    wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = clock}, {.kind = WASMTIME_I32, .of.i32 = at}};
    wasmtime_val_t result = {.kind = WASMTIME_I64, .of.i64 = -1};
    wasm_trap_t *trap = NULL;
    wasmtime_error_t *error = wasmtime_rr_func_call(context, &read.of.func, args, 2, &result, 1, &trap);
    if (trap) wasm_trap_delete(trap);
    *reading = result.of.i64;
    return error;
}

static void clock_host_delete(clock_host_t *h) {
    wasmtime_store_delete(h->store);
    wasmtime_linker_delete(h->linker);
    wasmtime_rr_module_delete(h->module);
    wasm_engine_delete(h->engine);
}

/* Replays `trace` and reads clock `clock` at `at`: the first error, if any. */
static wasmtime_error_t *clock_replay(const char *trace, int32_t clock, int32_t at, const int64_t expected[2]) {
    clock_host_t h = clock_host(WASMTIME_RR_MODE_REPLAYING);
    CHECK_OK(wasmtime_rr_store_replay(wasmtime_store_context(h.store), replayer_of(trace, false)));
    CHECK_OK(clock_start(&h));
    wasmtime_error_t *error = NULL;
    for (int i = 0; i < 2 && !error; i++) {
        int64_t reading = 0;
        error = clock_read(&h, clock, at + 8 * i, &reading);
        if (!error) CHECK(reading == expected[i]);
    }
    if (!error) error = wasmtime_rr_store_finish(wasmtime_store_context(h.store));
    clock_host_delete(&h);
    return error;
}

static void test_clock_fast_paths(void) {
    char trace[512];
    path_in(trace, sizeof trace, "clock.wrr");
    clock_host_t h = clock_host(WASMTIME_RR_MODE_RECORDING);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_file(trace, &recorder));
    CHECK_OK(wasmtime_rr_store_record(wasmtime_store_context(h.store), recorder));
    CHECK_OK(clock_start(&h));
    int64_t recorded[2] = {0, 0};
    CHECK_OK(clock_read(&h, 1, 16, &recorded[0]));
    CHECK_OK(clock_read(&h, 1, 24, &recorded[1]));
    CHECK(recorded[0] > 0 && recorded[1] >= recorded[0]);
    CHECK_OK(wasmtime_rr_store_finish(wasmtime_store_context(h.store)));
    clock_host_delete(&h);

    /* The recorded readings. */
    CHECK_OK(clock_replay(trace, 1, 16, recorded));

    /* The trace says the realtime clock was read (event: DONE tag 0x0c,
     * clock_time_get 5, clock 1, precision 1), or that it was
     * clock_res_get (4): the guest reading the monotonic clock diverges. */
    char edited[512];
    path_in(edited, sizeof edited, "clock-edited.wrr");
    const struct { size_t offset; char byte; const char *expected; } edits[] = {
        {2, 0, "the trace has the WASI call clock_time_get(realtime, 1) = 0 -> "},
        {1, 4, "the trace has the WASI call clock_res_get(monotonic) = 0 -> 1, but the guest calls "
               "clock_time_get(monotonic, 1)"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        wasm_byte_vec_t bytes = read_all(trace);
        FILE *copy = fopen(edited, "wb");
        fwrite(bytes.data, 1, bytes.size, copy);
        fclose(copy);
        wasm_byte_vec_delete(&bytes);
        CHECK(edit_trace(edited, "\x0c\x05\x01\x01", edits[i].offset, edits[i].byte));
        CHECK_ERR_HAS(clock_replay(edited, 1, 16, recorded), WASMTIME_RR_ERROR_KIND_DIVERGENCE, edits[i].expected);
    }
    unlink(edited);
    unlink(trace);
}

/* Reproducible WASI without a trace: the same seed and clocks give the
 * same output; another seed other random bytes. */
static void test_deterministic_wasi(void) {
    char wasm_path[512], data[512], out1[512], out2[512], out3[512], err[512];
    snprintf(wasm_path, sizeof wasm_path, "%s/guest-c.wasm", GUESTS_DIR);
    guest_t guest = {wasm_path, read_all(wasm_path)};
    path_in(data, sizeof data, "data");
    path_in(out1, sizeof out1, "det1.out");
    path_in(out2, sizeof out2, "det2.out");
    path_in(out3, sizeof out3, "det3.out");
    path_in(err, sizeof err, "det.err");
    make_data_folder(data);
    const char *outs[] = {out1, out2, out3};
    const uint64_t seeds[] = {42, 42, 43};
    char in[512];
    path_in(in, sizeof in, "stdin.txt");
    write_file(in, STDIN_TEXT);
    for (int i = 0; i < 3; i++) {
        wasm_engine_t *engine = rr_engine(WASMTIME_RR_MODE_NONE);
        wasmtime_module_t *module = NULL;
        CHECK_OK(wasmtime_rr_module_new(engine, (const uint8_t *)guest.wasm.data, guest.wasm.size, &module));
        wasmtime_linker_t *linker = wasmtime_linker_new(engine);
        CHECK_OK(wasmtime_linker_define_wasi(linker)); /* the stock functions see the sources too */
        wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
        wasi_setup_t setup = {data, ARGV, 3, "rr", outs[i], err, in};
        wasi_config_t *wasi = make_wasi(&setup);
        CHECK_OK(wasi_config_random_seed_set(wasi, seeds[i]));
        CHECK_OK(wasi_config_wall_clock_set(wasi, 1764500000123456789ull, 1000));
        CHECK_OK(wasi_config_monotonic_clock_set(wasi, 5000, 250));
        CHECK_OK(wasmtime_context_set_wasi(wasmtime_store_context(store), wasi));
        wasmtime_instance_t instance;
        wasm_trap_t *trap = NULL;
        CHECK_OK(wasmtime_linker_instantiate(linker, wasmtime_store_context(store), module, &instance, &trap));
        wasmtime_extern_t start;
        CHECK(wasmtime_instance_export_get(wasmtime_store_context(store), &instance, "_start", 6, &start));
        wasmtime_error_t *error = wasmtime_func_call(wasmtime_store_context(store), &start.of.func, NULL, 0, NULL, 0, &trap);
        int status = 0;
        CHECK(error != NULL && wasmtime_error_exit_status(error, &status) && status == 7);
        wasmtime_error_delete(error);
        wasmtime_store_delete(store);
        wasmtime_linker_delete(linker);
        wasmtime_rr_module_delete(module);
        wasm_engine_delete(engine);
    }
    CHECK(same_file(out1, out2));
    wasm_byte_vec_t first = read_all(out1), third = read_all(out3);
    CHECK(memmem(first.data, first.size, "realtime_ns: 1764500000123456789\n", 33) != NULL);
    CHECK(memmem(first.data, first.size, "monotonic_ns: 5", 15) != NULL);
    const char *r1 = memmem(first.data, first.size, "random: ", 8), *r3 = memmem(third.data, third.size, "random: ", 8);
    CHECK(r1 && r3 && memcmp(r1, r3, 40) != 0);
    wasm_byte_vec_delete(&first);
    wasm_byte_vec_delete(&third);
    remove_data_folder(data);
    wasm_byte_vec_delete(&guest.wasm);
}

/* The new functions on bad input: error objects of the right kind. */
static void test_wasi_errors(void) {
    CHECK_ERR_HAS(wasmtime_rr_linker_define_wasi(NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `linker` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_context_set_wasi(NULL, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `context` is NULL");
    CHECK_ERR_HAS(wasi_config_random_seed_set(NULL, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `config` is NULL");
    CHECK_ERR_HAS(wasi_config_wall_clock_set(NULL, 1, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `config` is NULL");
    CHECK_ERR_HAS(wasi_config_monotonic_clock_set(NULL, 1, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `config` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_replayer_echo_set(NULL, true), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "argument `replayer` is NULL");
    wasi_config_t *wasi = wasi_config_new();
    CHECK_ERR_HAS(wasi_config_wall_clock_set(wasi, 0, 2000000000000000000ull), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "more than 1,000,000 seconds per reading");
    uint64_t words[4];
    CHECK_ERR_HAS(wasi_config_random_seed_set((wasi_config_t *)((char *)words + 1), 1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "is not aligned");

    /* set_wasi keeps the config on failure (a misaligned context) and takes
     * it on success; a second call replaces the context. */
    CHECK_ERR_HAS(wasmtime_rr_context_set_wasi((wasmtime_context_t *)((char *)words + 1), wasi),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "argument `context` is not aligned");
    wasm_engine_t *engine = rr_engine(WASMTIME_RR_MODE_RECORDING);
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    CHECK_OK(wasmtime_rr_context_set_wasi(wasmtime_store_context(store), wasi));
    CHECK_OK(wasmtime_rr_context_set_wasi(wasmtime_store_context(store), wasi_config_new()));

    /* A guest calling WASI on a recording engine without a WASI context from
     * wasmtime_rr_context_set_wasi traps with a message, never aborts. */
    wasmtime_module_t *module = rr_module(engine,
        "(module (import \"wasi_snapshot_preview1\" \"sched_yield\" (func $y (result i32)))"
        " (memory (export \"memory\") 1) (func (export \"run\") (result i32) (call $y)))");
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    CHECK_OK(wasmtime_rr_linker_define_wasi(linker));
    CHECK_ERR_HAS(wasmtime_rr_linker_define_wasi(linker), WASMTIME_RR_ERROR_KIND_WASMTIME, "defined twice");
    wasmtime_store_t *bare = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    CHECK_OK(wasmtime_rr_linker_instantiate(linker, wasmtime_store_context(bare), module, &instance, &trap));
    wasmtime_extern_t run;
    CHECK(wasmtime_instance_export_get(wasmtime_store_context(bare), &instance, "run", 3, &run));
    wasmtime_val_t result;
    wasmtime_error_t *error = wasmtime_rr_func_call(wasmtime_store_context(bare), &run.of.func, NULL, 0, &result, 1, &trap);
    char *message = error ? message_of(error) : NULL;
    CHECK(message != NULL && strstr(message, "the store has no WASI context") != NULL);
    free(message);
    wasmtime_error_delete(error);
    if (trap) wasm_trap_delete(trap);
    wasmtime_store_delete(bare);
    wasmtime_linker_delete(linker);
    wasmtime_rr_module_delete(module);
    wasmtime_store_delete(store);
    wasm_engine_delete(engine);
}

int main(void) {
    snprintf(work, sizeof work, "/tmp/wasmtime-rr-wasi-test-%d", (int)getpid());
    CHECK(mkdir(work, 0755) == 0);
    test_wasi_errors();
    test_clock_fast_paths();
    test_guest("guest-c");
    test_guest("guest-go");
    test_deterministic_wasi();
    const char *names[] = {"session.wrr", "validated.wrr", "edited.wrr", "recorded.out", "recorded.err", "replayed.out",
                           "replayed.err", "validated.out", "validated.err", "stdin.txt", "det1.out", "det2.out",
                           "det3.out", "det.err"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[512];
        path_in(path, sizeof path, names[i]);
        unlink(path);
    }
    rmdir(work);
    return finish();
}
