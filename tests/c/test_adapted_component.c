/*
 * A core module turned into a component by wasm-tools: the WASI preview-1 C
 * guest (tests/guests/wasi/guest.c, clang + wasi-libc) with Wasmtime's
 * command adapter (tests/guests/components/adapted/build.sh), so every
 * preview-1 call it makes is served by WASI preview 2: arguments,
 * environment, clocks, random bytes, stdin, a file and a listing of a
 * preopened folder, a sleep (poll), stdout, stderr and exit.
 *
 * Its `wasi:cli/run` export runs plainly, is recorded twice (the random
 * bytes and clocks differ), then replayed without its folder, with other
 * stdin, environment and arguments: the recorded output comes back byte for
 * byte (echoed to this process's stdout, captured here) while the WASI
 * context's own stdout file stays empty, and the recorded exit status is the
 * call's. Cut and flipped traces fail with an error, never a crash. ASan+UBSan.
 *   test_adapted_component COMPONENT_WASM
 */
#include "component_harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scratch folder: data/ (preopened as /data), stdin, stdout, stderr, echo. */
static char scratch[] = "/tmp/test_adapted_component.XXXXXX";

static char *path_of(const char *name) {
    static char paths[8][sizeof scratch + 32];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", scratch, name);
    return path;
}

static void write_text(const char *name, const char *text) {
    FILE *file = fopen(path_of(name), "wb");
    CHECK(file != NULL && fputs(text, file) >= 0);
    if (file) fclose(file);
}

/* A WASI configuration: arguments, GUEST_NAME, stdin from a file holding
 * stdin_text, stdout and stderr into files, and data/ as /data when with_data. */
static wasi_config_t *wasi_for(const char *arg, const char *name, const char *stdin_text, bool with_data) {
    write_text("stdin", stdin_text);
    wasi_config_t *wasi = wasi_config_new();
    const char *argv[] = {"guest", arg, "two"};
    const char *names[] = {"GUEST_NAME"}, *values[] = {name};
    CHECK(wasi_config_set_argv(wasi, 3, argv));
    CHECK(wasi_config_set_env(wasi, 1, names, values));
    CHECK(wasi_config_set_stdin_file(wasi, path_of("stdin")));
    CHECK(wasi_config_set_stdout_file(wasi, path_of("stdout")));
    CHECK(wasi_config_set_stderr_file(wasi, path_of("stderr")));
    if (with_data) CHECK(wasi_config_preopen_dir(wasi, path_of("data"), "/data", false));
    return wasi;
}

/* Instantiates w's component in its store and calls its `wasi:cli/run`
 * export (whatever 0.2 version the adapter names). Returns the guest's exit
 * status, or -1 when the call failed otherwise (*error then holds why). */
static int run_command(world_t *w, wasmtime_error_t **error) {
    *error = wasmtime_rr_component_linker_instantiate(w->linker, w->context, w->component, &w->instance);
    if (*error != NULL) return -1;
    wasmtime_component_export_index_t *interface = NULL;
    for (int minor = 0; minor < 20 && interface == NULL; minor++) {
        char name[32];
        int len = snprintf(name, sizeof name, "wasi:cli/run@0.2.%d", minor);
        interface = wasmtime_component_instance_get_export_index(&w->instance, w->context, NULL, name, (size_t)len);
    }
    CHECK(interface != NULL);
    if (interface == NULL) exit(finish());
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(&w->instance, w->context, interface, "run", 3);
    wasmtime_component_export_index_delete(interface);
    wasmtime_component_func_t run;
    CHECK(index != NULL && wasmtime_component_instance_get_func(&w->instance, w->context, index, &run));
    wasmtime_component_export_index_delete(index);
    wasmtime_component_val_t result;
    *error = wasmtime_rr_component_func_call(&run, w->context, NULL, 0, &result, 1);
    if (*error == NULL) {
        /* The adapter exits through wasi:cli/exit; run returning is a failed check. */
        CHECK(!"run returned instead of exiting");
        wasmtime_component_val_delete(&result);
        return 0;
    }
    int status = 0;
    if (!wasmtime_error_exit_status(*error, &status)) return -1;
    wasmtime_error_delete(*error);
    *error = NULL;
    return status;
}

/* Records one run into trace; the guest's stdout is returned (owned). */
static char *record_once(world_t *w, buffer_t *trace) {
    world_fresh_store(w, wasi_for("one", "recorded", "from stdin\n", true));
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, trace, NULL, &recorder));
    CHECK_OK(wasmtime_rr_store_record(w->context, recorder));
    wasmtime_error_t *error = NULL;
    /* proc_exit(7) becomes wasi:cli/exit's exit(err): status 1. */
    CHECK(run_command(w, &error) == 1);
    CHECK_OK(error);
    CHECK_OK(wasmtime_rr_store_finish(w->context));
    return read_text_file(path_of("stdout"));
}

/* Replays trace in a fresh store of w (its folder gone, other inputs), with
 * this process's stdout captured while the replayer echoes (or not).
 * Returns what was echoed (owned); *status is the exit status, -1 on error. */
static char *replay_once(world_t *w, const buffer_t *trace, bool echo, int *status, wasmtime_error_t **error) {
    world_fresh_store(w, wasi_for("other", "replayed", "other stdin\n", false));
    wasmtime_rr_replayer_t *replayer = NULL;
    CHECK_OK(wasmtime_rr_replayer_new_bytes(trace->data, trace->size, &replayer));
    CHECK_OK(wasmtime_rr_replayer_echo_set(replayer, echo));
    *error = wasmtime_rr_store_replay(w->context, replayer); /* a damaged header fails here */
    if (*error != NULL) {
        *status = -1;
        return calloc(1, 1);
    }
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int capture = open(path_of("echo"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(saved >= 0 && capture >= 0 && dup2(capture, STDOUT_FILENO) == STDOUT_FILENO);
    close(capture);
    *status = run_command(w, error);
    if (*error == NULL) *error = wasmtime_rr_store_finish(w->context);
    fflush(stdout);
    CHECK(dup2(saved, STDOUT_FILENO) == STDOUT_FILENO);
    close(saved);
    return read_text_file(path_of("echo"));
}

/* Whether replaying damaged fails with an error of another kind than a panic. */
static bool replay_fails(world_t *w, const buffer_t *damaged) {
    int status = 0;
    wasmtime_error_t *error = NULL;
    free(replay_once(w, damaged, false, &status, &error));
    if (error == NULL) return status != 1; /* a damaged byte the trace could not notice must not pass silently */
    CHECK(wasmtime_rr_error_kind(error) != WASMTIME_RR_ERROR_KIND_PANIC);
    wasmtime_error_delete(error);
    return true;
}

static bool has_line(const char *text, const char *line) {
    size_t len = strlen(line);
    for (const char *at = text; (at = strstr(at, line)) != NULL; at++) {
        if ((at == text || at[-1] == '\n') && at[len] == '\n') return true;
    }
    return false;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_adapted_component COMPONENT_WASM\n");
        return 2;
    }
    size_t size = 0;
    uint8_t *bytes = read_binary_file(argv[1], &size);
    CHECK(mkdtemp(scratch) != NULL);
    CHECK(mkdir(path_of("data"), 0700) == 0);
    write_text("data/input.txt", "hello file\n");

    /* A plain engine, the stock WASI context: the program runs as under `wasmtime run`. */
    {
        world_t w;
        world_open(&w, WASMTIME_RR_MODE_NONE, bytes, size, NULL);
        CHECK_OK(wasmtime_context_set_wasi(w.context, wasi_for("one", "plain", "from stdin\n", true)));
        wasmtime_error_t *error = NULL;
        CHECK(run_command(&w, &error) == 1);
        CHECK_OK(error);
        char *out = read_text_file(path_of("stdout")), *err = read_text_file(path_of("stderr"));
        CHECK(out && has_line(out, "args: one two") && has_line(out, "env: plain"));
        CHECK(out && has_line(out, "stdin: from stdin\\n") && has_line(out, "file: hello file\\n"));
        CHECK(out && has_line(out, "dir: input.txt") && has_line(out, "slept_ms_at_least_20: yes"));
        CHECK(err && has_line(err, "guest: done, exiting with 7"));
        free(out);
        free(err);
        world_close(&w);
    }

    /* Two recordings: the random bytes (and clocks) differ. */
    world_t rec;
    world_open(&rec, WASMTIME_RR_MODE_RECORDING, bytes, size, NULL);
    buffer_t traces[2] = {{.fail_after = -1}, {.fail_after = -1}};
    char *recorded[2];
    for (int i = 0; i < 2; i++) {
        recorded[i] = record_once(&rec, &traces[i]);
        CHECK(recorded[i] && has_line(recorded[i], "env: recorded") && has_line(recorded[i], "args: one two"));
    }
    CHECK(recorded[0] && recorded[1] && strcmp(recorded[0], recorded[1]) != 0);
    world_close(&rec);

    /* The folder is gone; each replay brings back its own recording's output. */
    CHECK(remove(path_of("data/input.txt")) == 0 && rmdir(path_of("data")) == 0);
    world_t w;
    world_open(&w, WASMTIME_RR_MODE_REPLAYING, bytes, size, NULL);
    for (int i = 0; i < 2; i++) {
        int status = 0;
        wasmtime_error_t *error = NULL;
        char *echoed = replay_once(&w, &traces[i], true, &status, &error);
        CHECK_OK(error);
        CHECK(status == 1);
        CHECK(echoed && recorded[i] && strcmp(echoed, recorded[i]) == 0);
        char *out = read_text_file(path_of("stdout"));
        CHECK(out && out[0] == '\0'); /* a replay writes nothing through the WASI context */
        free(out);
        free(echoed);
    }
    /* Without echo nothing is printed; the status is still the recorded one. */
    int status = 0;
    wasmtime_error_t *error = NULL;
    char *echoed = replay_once(&w, &traces[0], false, &status, &error);
    CHECK_OK(error);
    CHECK(status == 1 && echoed && echoed[0] == '\0');
    free(echoed);

    /* Damaged traces: cut anywhere, or a byte flipped, fail cleanly. */
    const buffer_t *trace = &traces[0];
    for (size_t at = 0; at < trace->size; at += 1 + trace->size / 25) {
        buffer_t cut = {.data = trace->data, .size = at, .fail_after = -1};
        CHECK(replay_fails(&w, &cut));
    }
    for (size_t at = 8; at < trace->size; at += 1 + trace->size / 25) {
        buffer_t flipped = {.data = malloc(trace->size), .size = trace->size, .fail_after = -1};
        memcpy(flipped.data, trace->data, trace->size);
        flipped.data[at] ^= 0x20;
        CHECK(replay_fails(&w, &flipped));
        free(flipped.data);
    }
    world_close(&w);

    for (int i = 0; i < 2; i++) {
        free(recorded[i]);
        free(traces[i].data);
    }
    const char *files[] = {"stdin", "stdout", "stderr", "echo"};
    for (size_t i = 0; i < 4; i++) CHECK(remove(path_of(files[i])) == 0);
    CHECK(rmdir(scratch) == 0);
    free(bytes);
    return finish();
}
