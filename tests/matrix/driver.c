/*
 * Runs the misuse matrix: each case in a child process of its own, at most
 * two at once. The parent waits with a timeout and classifies the child:
 *
 *   pass        it returned what the case expects;
 *   wrong kind  it returned another error kind (or success, or another value);
 *   panic kind  it returned an error of kind PANIC (misuse must never do that),
 *               or, having no error result, said on stderr that it caught one;
 *   signal      it died of a signal (SIGABRT, SIGSEGV, ...) or exited abnormally;
 *   hang        it ran longer than the timeout and was killed;
 *   setup       the harness could not build the valid objects the case starts
 *               from (reported, counted as a failure).
 *
 *   matrix [-j JOBS] [-t SECONDS] [-f SUBSTRING] [-v] [-k] [-l]
 *     -j  parallel children, 1 or 2 (default 2)
 *     -t  timeout per case in seconds (default 10)
 *     -f  only cases whose "function(variant) label" contains SUBSTRING
 *     -v  print every case, not only failures
 *     -k  keep each case's stderr (case-N.log in a directory under $TMPDIR)
 *     -l  list the cases and exit
 *
 * Prints one line per failure, counts per class and totals; exits 1 if any
 * case failed.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 2

typedef enum { R_PASS, R_WRONG_KIND, R_PANIC_KIND, R_SIGNAL, R_HANG, R_SETUP, R_COUNT } outcome_t;

static const char *const OUTCOME_NAMES[R_COUNT] = {"pass", "wrong kind", "panic kind", "signal", "hang", "setup"};
static const char *const CLASS_NAMES[CLASS_COUNT] = {
    "baseline", "NULL", "NULL, length 0", "misaligned", "other engine/store", "bogus handle", "kinds",
};
static const char *const VARIANT_NAMES[] = {"", "plain", "recording", "replaying"};

typedef struct {
    pid_t pid;
    size_t index;
    double started;
    bool killed;
    char log[4096];
} slot_t;

static char tmpdir[2048];
static h_result_t *shared;
static slot_t slots[MAX_JOBS];
static int counts[CLASS_COUNT][R_COUNT];
static bool verbose;
static bool keep_logs;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *kind_name(uint32_t kind) {
    return wasmtime_rr_error_kind_name(kind);
}

static void describe_case(const matrix_case_t *c, char *out, size_t size) {
    if (c->variant == VAR_NONE)
        snprintf(out, size, "%s %s", c->function, c->label);
    else
        snprintf(out, size, "%s(%s) %s", c->function, VARIANT_NAMES[c->variant], c->label);
}

static void describe_expectation(const matrix_case_t *c, char *out, size_t size) {
    switch (c->expect) {
    case EXP_OK: snprintf(out, size, "success"); break;
    case EXP_KIND: snprintf(out, size, "[%s]", kind_name(c->expected_kind)); break;
    case EXP_NOT_PANIC: snprintf(out, size, "success or an error other than [panic]"); break;
    case EXP_ERROR_NOT_PANIC: snprintf(out, size, "an error other than [panic]"); break;
    case EXP_NO_CRASH: snprintf(out, size, "a return"); break;
    case EXP_RET_KIND: snprintf(out, size, "returns %s", kind_name(c->expected_kind)); break;
    case EXP_STRING: snprintf(out, size, "returns \"%s\"", c->expected_string); break;
    }
}

static void describe_result(const matrix_case_t *c, const h_result_t *r, char *out, size_t size) {
    if (c->expect == EXP_RET_KIND)
        snprintf(out, size, "returned %s (%u)", kind_name(r->kind), r->kind);
    else if (c->expect == EXP_STRING)
        snprintf(out, size, "returned %s%s%s", r->has_text ? "\"" : "NULL", r->has_text ? r->text : "",
                 r->has_text ? "\"" : "");
    else if (c->expect == EXP_NO_CRASH)
        snprintf(out, size, "returned%s%s", r->text[0] ? " " : "", r->text);
    else if (r->is_error)
        snprintf(out, size, "[%s] %s", kind_name(r->kind), r->text);
    else
        snprintf(out, size, "success");
}

/* Whether a returned result meets the case. */
static outcome_t judge(const matrix_case_t *c, const h_result_t *r) {
    if (r->setup_failed) return R_SETUP;
    bool error_kind_result = c->expect != EXP_RET_KIND && c->expect != EXP_STRING && c->expect != EXP_NO_CRASH;
    if (error_kind_result && r->is_error && r->kind == WASMTIME_RR_ERROR_KIND_PANIC) return R_PANIC_KIND;
    switch (c->expect) {
    case EXP_OK: return r->is_error ? R_WRONG_KIND : R_PASS;
    case EXP_KIND: return r->is_error && r->kind == c->expected_kind ? R_PASS : R_WRONG_KIND;
    case EXP_NOT_PANIC: return R_PASS;
    case EXP_ERROR_NOT_PANIC: return r->is_error ? R_PASS : R_WRONG_KIND;
    case EXP_NO_CRASH: return R_PASS;
    case EXP_RET_KIND:
        if (r->kind == WASMTIME_RR_ERROR_KIND_PANIC && c->expected_kind != WASMTIME_RR_ERROR_KIND_PANIC)
            return R_PANIC_KIND;
        return r->kind == c->expected_kind ? R_PASS : R_WRONG_KIND;
    case EXP_STRING:
        return r->has_text && strcmp(r->text, c->expected_string) == 0 ? R_PASS : R_WRONG_KIND;
    }
    return R_WRONG_KIND;
}

/* The first lines of what the child wrote to stderr, on one line. */
static void log_excerpt(const char *path, char *out, size_t size) {
    out[0] = '\0';
    FILE *file = fopen(path, "r");
    if (file == NULL) return;
    char line[1024];
    size_t used = 0;
    int lines = 0;
    while (lines < 3 && fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0' || strncmp(line, "note: run with", 14) == 0) continue;
        int n = snprintf(out + used, size - used, "%s%s", lines ? " | " : "", line);
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
        lines++;
    }
    fclose(file);
}

static bool log_contains(const char *path, const char *text) {
    FILE *file = fopen(path, "r");
    if (file == NULL) return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, file) != NULL) found = strstr(line, text) != NULL;
    fclose(file);
    return found;
}

static void run_child(size_t index, h_result_t *r, const char *log) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    memset(r, 0, sizeof *r);
    const matrix_case_t *c = &MATRIX_CASES[index];
    c->call(c, r);
    _exit(0);
}

static void finish_case(slot_t *slot, int status) {
    const matrix_case_t *c = &MATRIX_CASES[slot->index];
    const h_result_t *r = &shared[slot - slots];
    char what[512], expected[256], got[1400], excerpt[1200];
    describe_case(c, what, sizeof what);
    describe_expectation(c, expected, sizeof expected);
    outcome_t outcome;
    if (slot->killed) {
        outcome = R_HANG;
        snprintf(got, sizeof got, "still running after the timeout (killed)");
    } else if (WIFSIGNALED(status)) {
        outcome = R_SIGNAL;
        log_excerpt(slot->log, excerpt, sizeof excerpt);
        snprintf(got, sizeof got, "signal %d (%s)%s%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
                 excerpt[0] ? ": " : "", excerpt);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || (!r->returned && !r->setup_failed)) {
        outcome = R_SIGNAL;
        log_excerpt(slot->log, excerpt, sizeof excerpt);
        snprintf(got, sizeof got, "exited with status %d without returning%s%s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, excerpt[0] ? ": " : "", excerpt);
    } else {
        outcome = judge(c, r);
        if (outcome == R_SETUP)
            snprintf(got, sizeof got, "%s", r->text);
        else
            describe_result(c, r, got, sizeof got);
        /* A function without an error result reports a panic it caught only
         * on stderr (and returns a default value): a panic all the same. */
        if (outcome == R_PASS && log_contains(slot->log, "internal panic caught at the C boundary")) {
            outcome = R_PANIC_KIND;
            log_excerpt(slot->log, excerpt, sizeof excerpt);
            snprintf(got + strlen(got), sizeof got - strlen(got), ", after a caught panic: %s", excerpt);
        }
    }
    counts[c->cls][outcome]++;
    if (outcome != R_PASS)
        printf("FAIL %-10s %s: expected %s, got %s\n", OUTCOME_NAMES[outcome], what, expected, got);
    else if (verbose)
        printf("ok   %s: %s\n", what, got);
    fflush(stdout);
    if (!keep_logs) unlink(slot->log);
    char trace[4200];
    snprintf(trace, sizeof trace, "%s/trace-%ld.wrr", tmpdir, (long)slot->pid);
    unlink(trace);
    slot->pid = 0;
}

/* Reaps finished children and kills those past the timeout; returns how many
 * slots are busy. */
static int poll_slots(int jobs, double timeout) {
    int busy = 0;
    for (int j = 0; j < jobs; j++) {
        slot_t *slot = &slots[j];
        if (slot->pid == 0) continue;
        int status = 0;
        pid_t done = waitpid(slot->pid, &status, WNOHANG);
        if (done == slot->pid) {
            finish_case(slot, status);
            continue;
        }
        if (!slot->killed && now() - slot->started > timeout) {
            kill(slot->pid, SIGKILL);
            slot->killed = true;
        }
        busy++;
    }
    return busy;
}

static bool selected(const matrix_case_t *c, const char *filter) {
    if (filter == NULL) return true;
    char what[512];
    describe_case(c, what, sizeof what);
    return strstr(what, filter) != NULL;
}

int main(int argc, char **argv) {
    int jobs = MAX_JOBS;
    double timeout = 10;
    const char *filter = NULL;
    bool list = false;
    int opt;
    while ((opt = getopt(argc, argv, "j:t:f:vkl")) != -1) {
        switch (opt) {
        case 'j': jobs = atoi(optarg); break;
        case 't': timeout = atof(optarg); break;
        case 'f': filter = optarg; break;
        case 'v': verbose = true; break;
        case 'k': keep_logs = true; break;
        case 'l': list = true; break;
        default: fprintf(stderr, "usage: %s [-j 1|2] [-t SECONDS] [-f SUBSTRING] [-v] [-k] [-l]\n", argv[0]); return 2;
        }
    }
    if (jobs < 1 || jobs > MAX_JOBS) jobs = MAX_JOBS;

    if (list) {
        for (size_t i = 0; i < MATRIX_CASE_COUNT; i++) {
            char what[512], expected[256];
            if (!selected(&MATRIX_CASES[i], filter)) continue;
            describe_case(&MATRIX_CASES[i], what, sizeof what);
            describe_expectation(&MATRIX_CASES[i], expected, sizeof expected);
            printf("%s: expect %s\n", what, expected);
        }
        return 0;
    }

    snprintf(tmpdir, sizeof tmpdir, "%s/wasmtime-rr-matrix-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    setenv("MATRIX_TMPDIR", tmpdir, 1);
    shared = mmap(NULL, sizeof(h_result_t) * MAX_JOBS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror("mmap");
        return 2;
    }

    printf("matrix: %zu functions swept from include/wasmtime_rr.h:", MATRIX_FUNCTION_COUNT);
    for (size_t i = 0; i < MATRIX_FUNCTION_COUNT; i++) printf(" %s", MATRIX_FUNCTIONS[i]);
    printf("\nmatrix: %zu cases, %d at once, timeout %.0f s per case\n", MATRIX_CASE_COUNT, jobs, timeout);
    fflush(stdout);

    double started = now();
    size_t run = 0;
    for (size_t i = 0; i < MATRIX_CASE_COUNT; i++) {
        if (!selected(&MATRIX_CASES[i], filter)) continue;
        int free_slot = -1;
        for (;;) {
            poll_slots(jobs, timeout);
            for (int j = 0; j < jobs && free_slot < 0; j++)
                if (slots[j].pid == 0) free_slot = j;
            if (free_slot >= 0) break;
            usleep(1000);
        }
        slot_t *slot = &slots[free_slot];
        slot->index = i;
        slot->killed = false;
        snprintf(slot->log, sizeof slot->log, "%s/case-%zu.log", tmpdir, i);
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) run_child(i, &shared[free_slot], slot->log);
        slot->pid = pid;
        slot->started = now();
        run++;
    }
    while (poll_slots(jobs, timeout) > 0) usleep(1000);
    if (keep_logs)
        printf("matrix: each case's stderr is kept in %s/case-N.log (N as in -l)\n", tmpdir);
    else
        rmdir(tmpdir);

    int total[R_COUNT] = {0};
    printf("\n%-20s %6s %6s %10s %10s %7s %5s %6s\n", "class", "cases", "passed", "wrong-kind", "panic-kind",
           "signal", "hang", "setup");
    for (int k = 0; k < CLASS_COUNT; k++) {
        int cases = 0;
        for (int o = 0; o < R_COUNT; o++) {
            cases += counts[k][o];
            total[o] += counts[k][o];
        }
        printf("%-20s %6d %6d %10d %10d %7d %5d %6d\n", CLASS_NAMES[k], cases, counts[k][R_PASS],
               counts[k][R_WRONG_KIND], counts[k][R_PANIC_KIND], counts[k][R_SIGNAL], counts[k][R_HANG],
               counts[k][R_SETUP]);
    }
    int failed = (int)run - total[R_PASS];
    printf("\nmatrix: %zu functions, %zu cases run in %.0f s: %d passed, %d failed "
           "(%d aborts/signals, %d hangs, %d wrong kinds, %d panic kinds, %d setup failures)\n",
           MATRIX_FUNCTION_COUNT, run, now() - started, total[R_PASS], failed, total[R_SIGNAL], total[R_HANG],
           total[R_WRONG_KIND], total[R_PANIC_KIND], total[R_SETUP]);
    return failed == 0 ? 0 : 1;
}
