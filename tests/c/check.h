/*
 * The checks shared by the C tests: counted checks, error checks by kind and
 * message, and the closing "N passed, N failed" line (see finish()).
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdbool.h>
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
/* Checks an error's kind and its exact message, then frees it. */
#define CHECK_ERR(expr, kind, message) check_err((expr), (kind), (message), true, #expr, __LINE__)
/* Checks an error's kind and that its message contains `part`, then frees it. */
#define CHECK_ERR_HAS(expr, kind, part) check_err((expr), (kind), (part), false, #expr, __LINE__)

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
                             bool exact, const char *expr, int line) {
    if (error == NULL) {
        failed++;
        REPORT("%s:%d: %s succeeded, expected [%s] ...%s...\n", __FILE__, line, expr,
                wasmtime_rr_error_kind_name(kind), part);
        return;
    }
    char *text = message_of(error);
    wasmtime_rr_error_kind_t got = wasmtime_rr_error_kind(error);
    bool matches = exact ? strcmp(text, part) == 0 : strstr(text, part) != NULL;
    if (got == kind && matches) {
        passed++;
    } else {
        failed++;
        REPORT("%s:%d: %s\n  expected [%s] %s%s%s\n  got      [%s] %s\n", __FILE__, line, expr,
                wasmtime_rr_error_kind_name(kind), exact ? "" : "...", part, exact ? "" : "...",
                wasmtime_rr_error_kind_name(got), text);
    }
    free(text);
    wasmtime_error_delete(error);
}

/* Prints the closing line and gives the exit status. */
static inline int finish(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
