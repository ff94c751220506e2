/*
 * What every benchmark program here shares: failing loudly, a monotonic
 * clock, and the comparison that sorts timings for their median.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wasmtime_rr.h>

/* Ends the program with the error's message, if there is an error. */
static inline void die(const char *what, wasmtime_error_t *error) {
    if (error == NULL) return;
    wasm_name_t message;
    wasmtime_error_message(error, &message);
    fprintf(stderr, "%s: %.*s\n", what, (int)message.size, message.data);
    exit(1);
}

static inline double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* qsort's comparison of doubles. */
static inline int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
