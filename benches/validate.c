/*
 * What validation and checked engine creation cost, side by side with the
 * stock constructor, in one run:
 *   benches/run-validate.sh        (builds the release library first)
 * Each figure is the median of 9 rounds of N calls, in microseconds per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wasmtime_rr.h>

#include "bench.h"

enum { N = 2000, ROUNDS = 9 };

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static wasm_config_t *recording_config(void) {
    wasm_config_t *config = wasm_config_new();
    wasmtime_error_t *error = wasm_config_record_set(config, true);
    if (error == NULL) {
        error = wasm_config_enforce_determinism(config);
    }
    if (error != NULL) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
    return config;
}

static void validate_once(wasm_config_t *config) {
    wasmtime_error_t *error = wasm_config_validate(config);
    if (error != NULL) {
        fprintf(stderr, "validation failed\n");
        exit(1);
    }
}

static void checked_once(void) {
    wasm_engine_t *engine = NULL;
    if (wasm_engine_new_checked(recording_config(), &engine) != NULL) {
        fprintf(stderr, "engine creation failed\n");
        exit(1);
    }
    wasm_engine_delete(engine);
}

static void stock_once(void) {
    wasm_engine_delete(wasm_engine_new_with_config(recording_config()));
}

static void config_only_once(void) {
    wasm_config_delete(recording_config());
}

typedef void (*body_t)(void);
static wasm_config_t *shared_config;
static void validate_shared(void) { validate_once(shared_config); }

static double median_us(body_t body) {
    double rounds[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double start = now_us();
        for (int i = 0; i < N; i++) {
            body();
        }
        rounds[r] = (now_us() - start) / N;
    }
    qsort(rounds, ROUNDS, sizeof rounds[0], cmp);
    return rounds[ROUNDS / 2];
}

int main(void) {
    shared_config = recording_config();
    checked_once(); /* first engine: installs signal handlers once */
    double config_only = median_us(config_only_once);
    double validate = median_us(validate_shared);
    double stock = median_us(stock_once);
    double checked = median_us(checked_once);
    printf("config new+record+determinism+delete: %8.2f us/call\n", config_only);
    printf("wasm_config_validate (recording):       %8.2f us/call\n", validate);
    printf("wasm_engine_new_with_config + delete:   %8.2f us/call (stock, includes config setup)\n", stock);
    printf("wasm_engine_new_checked + delete:       %8.2f us/call (includes config setup)\n", checked);
    printf("checked / stock engine creation:        %8.3f x\n", checked / stock);
    printf("validate / stock engine creation:       %8.3f x\n", validate / stock);
    wasm_config_delete(shared_config);
    return 0;
}
