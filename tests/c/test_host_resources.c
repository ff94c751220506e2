/*
 * Resources the host defines and makes (tests/guests/components/counter.wat):
 * a `counter` type added with wasmtime_rr_component_linker_instance_add_resource,
 * made by a host constructor (wasmtime_component_resource_host_new + _to_any),
 * passed to exports (given, and lent), dropped by the guest (the host's
 * destructor). Recorded, then replayed without running any host code: the
 * replay makes the host's resources again, serves the destructor's outcome,
 * and reports another `rep` or another call as a divergence.
 */
#include "component_harness.h"

#include <time.h>

#define COUNTER_TYPE 7u
#define MAX_COUNTERS 128

/* The host's counters, by rep. */
static uint32_t counters[MAX_COUNTERS];
static uint32_t next_rep;
static uint32_t nonce;     /* differs per recording: a replay must serve what was recorded */
static int host_runs;      /* every host callback (constructor, bump, destructor) */
static uint32_t destroyed[MAX_COUNTERS];
static int destroyed_count;
static uint32_t stuck_rep = UINT32_MAX; /* the destructor fails for this rep */
static int finalized;
static uint32_t given_rep = 40; /* the counter the host gives `take` */
static bool lend = true;        /* the host lends a counter to `peek` */

static wasmtime_context_t *current; /* the store the program runs in */

static wasmtime_component_val_t made_counter(bool owned, uint32_t rep) {
    wasmtime_component_resource_host_t *host = wasmtime_component_resource_host_new(owned, rep, COUNTER_TYPE);
    wasmtime_component_val_t value = {.kind = WASMTIME_COMPONENT_RESOURCE};
    CHECK_OK(wasmtime_component_resource_host_to_any(current, host, &value.of.resource));
    wasmtime_component_resource_host_delete(host);
    return value;
}

static wasmtime_error_t *host_new(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                  wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                  size_t nresults) {
    (void)env, (void)ty;
    host_runs++;
    CHECK(context == current && nargs == 1 && nresults == 1 && args[0].kind == WASMTIME_COMPONENT_U32);
    uint32_t rep = next_rep++;
    counters[rep] = args[0].of.u32 + nonce;
    results[0] = made_counter(true, rep);
    return NULL;
}

static wasmtime_error_t *host_bump(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                   wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                   size_t nresults) {
    (void)env, (void)ty;
    host_runs++;
    CHECK(nargs == 1 && nresults == 1 && args[0].kind == WASMTIME_COMPONENT_RESOURCE);
    CHECK(!wasmtime_component_resource_any_owned(args[0].of.resource));
    /* Reading the borrow's rep also ends the borrow, as Wasmtime requires. */
    wasmtime_component_resource_host_t *host = NULL;
    CHECK_OK(wasmtime_component_resource_any_to_host(context, args[0].of.resource, &host));
    uint32_t rep = wasmtime_component_resource_host_rep(host);
    CHECK(wasmtime_component_resource_host_type(host) == COUNTER_TYPE && rep < MAX_COUNTERS);
    wasmtime_component_resource_host_delete(host);
    results[0] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_U32};
    results[0].of.u32 = ++counters[rep % MAX_COUNTERS];
    return NULL;
}

static wasmtime_error_t *host_destroy(void *env, wasmtime_context_t *context, uint32_t rep) {
    CHECK(env == &finalized && context == current);
    host_runs++;
    if (rep == stuck_rep) return wasmtime_error_new("counter is stuck");
    destroyed[destroyed_count++ % MAX_COUNTERS] = rep;
    return NULL;
}

static void count_finalized(void *data) { *(int *)data += 1; }

static void define(wasmtime_component_linker_instance_t *root) {
    wasmtime_component_resource_type_t *ty = wasmtime_component_resource_type_new_host(COUNTER_TYPE);
    CHECK_OK(wasmtime_rr_component_linker_instance_add_resource(root, "counter", 7, ty, host_destroy, &finalized,
                                                                count_finalized));
    wasmtime_component_resource_type_delete(ty);
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "[constructor]counter", 20, host_new, NULL, NULL));
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "[method]counter.bump", 20, host_bump, NULL, NULL));
}

static char *WAT;
static size_t WAT_LEN;

typedef struct {
    uint32_t run3, taken, peeked, run1_after;
    int made_dropped; /* destructor calls when the host dropped `make`'s counter */
    char *stuck_message;
} observed_t;

static wasmtime_component_func_t export_func(world_t *w, const char *name) {
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(&w->instance, w->context, NULL, name, strlen(name));
    CHECK(index != NULL);
    wasmtime_component_func_t func;
    memset(&func, 0, sizeof func);
    CHECK(index != NULL && wasmtime_component_instance_get_func(&w->instance, w->context, index, &func));
    wasmtime_component_export_index_delete(index);
    return func;
}

static wasmtime_error_t *call_u32(world_t *w, const char *name, wasmtime_component_val_t arg, uint32_t *out) {
    wasmtime_component_func_t func = export_func(w, name);
    wasmtime_component_val_t result = {.kind = WASMTIME_COMPONENT_BOOL};
    wasmtime_error_t *error = wasmtime_rr_component_func_call(&func, w->context, &arg, 1, &result, 1);
    wasmtime_component_val_delete(&arg);
    if (error) return error;
    CHECK(result.kind == WASMTIME_COMPONENT_U32);
    *out = result.of.u32;
    return NULL;
}

/* The program: make and drop counters through every path. `first_n` is the
 * first `run`'s argument (a divergence when it differs from the
 * recording's). Returns the first error of ours (owned). */
static wasmtime_error_t *program(world_t *w, observed_t *o, uint32_t first_n) {
    memset(o, 0, sizeof *o);
    current = w->context;
    next_rep = 5;
    stuck_rep = UINT32_MAX;
    wasmtime_error_t *error = wasmtime_rr_component_linker_instantiate(w->linker, w->context, w->component, &w->instance);
    wasmtime_component_val_t n = {.kind = WASMTIME_COMPONENT_U32, .of.u32 = first_n};
    if (!error) error = call_u32(w, "run", n, &o->run3);
    if (!error) {
        counters[given_rep] = 7 + nonce;
        error = call_u32(w, "take", made_counter(true, given_rep), &o->taken);
    }
    if (!error && lend) {
        /* Lent: the host keeps its counter and drops it after the call (a
         * counter the host made has no destructor of its own). */
        counters[41] = 70 + nonce;
        wasmtime_component_val_t kept = made_counter(true, 41);
        wasmtime_component_resource_any_t *lent_one = wasmtime_component_resource_any_clone(kept.of.resource);
        error = call_u32(w, "peek", kept, &o->peeked);
        CHECK_OK(wasmtime_component_resource_any_drop(w->context, lent_one));
        wasmtime_component_resource_any_delete(lent_one);
    }
    if (!error) {
        /* The guest gives the host a counter; the host drops it, outside any
         * call: the destructor runs then, recorded, and served on replay. */
        wasmtime_component_func_t make = export_func(w, "make");
        wasmtime_component_val_t made = {.kind = WASMTIME_COMPONENT_BOOL};
        error = wasmtime_rr_component_func_call(&make, w->context, NULL, 0, &made, 1);
        if (!error) {
            CHECK(made.kind == WASMTIME_COMPONENT_RESOURCE && wasmtime_component_resource_any_owned(made.of.resource));
            o->made_dropped = destroyed_count;
            error = wasmtime_component_resource_any_drop(w->context, made.of.resource);
            o->made_dropped = destroyed_count - o->made_dropped;
            wasmtime_component_val_delete(&made);
        }
    }
    if (error) return error;
    /* The destructor fails for the next counter: the guest traps at its drop. */
    stuck_rep = next_rep;
    wasmtime_component_val_t one = {.kind = WASMTIME_COMPONENT_U32, .of.u32 = 1};
    wasmtime_error_t *failure = call_u32(w, "run", one, &o->run1_after);
    CHECK(failure != NULL);
    if (failure == NULL) return NULL;
    o->stuck_message = message_of(failure);
    if (wasmtime_rr_error_kind(failure) != WASMTIME_RR_ERROR_KIND_WASMTIME) return failure;
    wasmtime_error_delete(failure);
    return NULL;
}

static void record(buffer_t *trace, observed_t *o, bool validation) {
    world_t w;
    world_open(&w, WASMTIME_RR_MODE_RECORDING, (const uint8_t *)WAT, WAT_LEN, define);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, trace, NULL, &recorder));
    CHECK_OK(wasmtime_rr_recorder_validation_set(recorder, validation));
    CHECK_OK(wasmtime_rr_store_record(w.context, recorder));
    CHECK_OK(program(&w, o, 3));
    CHECK_OK(wasmtime_rr_store_finish(w.context));
    world_close(&w);
}

static wasmtime_error_t *replay(const uint8_t *trace, size_t size, observed_t *o, uint32_t first_n) {
    memset(o, 0, sizeof *o);
    world_t w;
    world_open(&w, WASMTIME_RR_MODE_REPLAYING, (const uint8_t *)WAT, WAT_LEN, define);
    wasmtime_rr_replayer_t *replayer = NULL;
    wasmtime_error_t *error = wasmtime_rr_replayer_new_bytes(trace, size, &replayer);
    if (!error) error = wasmtime_rr_store_replay(w.context, replayer);
    if (!error) error = program(&w, o, first_n);
    if (!error) error = wasmtime_rr_store_finish(w.context);
    world_close(&w);
    return error;
}

static void save(const char *path, const buffer_t *trace) {
    FILE *file = fopen(path, "wb");
    CHECK(file != NULL && fwrite(trace->data, 1, trace->size, file) == trace->size);
    if (file) fclose(file);
}

static void test_plain(void) {
    /* No recorder: the destructor simply runs. */
    world_t w;
    world_open(&w, WASMTIME_RR_MODE_NONE, (const uint8_t *)WAT, WAT_LEN, define);
    observed_t o;
    host_runs = destroyed_count = 0;
    nonce = 0;
    CHECK_OK(program(&w, &o, 3));
    /* run(3): 101+102+103 from start 100, guest handle 1 */
    CHECK(o.run3 == 101 + 102 + 103 + 1000);
    CHECK(o.taken == 8 && o.peeked == 71);
    CHECK(o.stuck_message && strstr(o.stuck_message, "counter is stuck"));
    CHECK(destroyed_count == 3 && destroyed[0] == 5 && destroyed[1] == 40 && destroyed[2] == 6);
    CHECK(o.made_dropped == 1);
    /* new, 3 bumps, destructor; bump, destructor; bump; new, destructor (the
     * host's drop); new, bump, failing destructor */
    CHECK(host_runs == 13);
    free(o.stuck_message);
    world_close(&w);
    CHECK(finalized == 1);
    finalized = 0;
}

static void test_record_and_replay(bool validation) {
    buffer_t trace = {.fail_after = -1};
    observed_t recorded, replayed;
    host_runs = destroyed_count = 0;
    nonce = 1000u + (uint32_t)(rand() % 1000);
    record(&trace, &recorded, validation);
    CHECK(host_runs == 13 && destroyed_count == 3 && recorded.made_dropped == 1);
    CHECK(recorded.run3 == 3 * (100 + nonce) + 6 + 1000);
    CHECK(recorded.taken == 8 + nonce && recorded.peeked == 71 + nonce);
    CHECK(recorded.stuck_message && strstr(recorded.stuck_message, "counter is stuck"));
    CHECK(finalized == 1);

    for (int i = 0; i < 2; i++) {
        host_runs = destroyed_count = 0;
        finalized = 0;
        nonce = 5u; /* another host state: the trace decides */
        CHECK_OK(replay(trace.data, trace.size, &replayed, 3));
        CHECK(host_runs == 0 && destroyed_count == 0); /* no host code ran, no destructor either */
        CHECK(replayed.made_dropped == 0);
        CHECK(finalized == 1);
        CHECK(replayed.run3 == recorded.run3 && replayed.taken == recorded.taken && replayed.peeked == recorded.peeked);
        CHECK(replayed.stuck_message && strcmp(replayed.stuck_message, recorded.stuck_message) == 0);
        free(replayed.stuck_message);
    }

    /* The program calls `run` with another argument than in the recording. */
    CHECK_ERR(replay(trace.data, trace.size, &replayed, 2), WASMTIME_RR_ERROR_KIND_DIVERGENCE,
              "wasmtime_rr_component_func_call: replay diverged at event #4: component export `run` was called with "
              "(3) in the recording, but with (2) now");
    free(replayed.stuck_message);

    /* The host gives `take` another counter than in the recording: the trace
     * has the rep of each counter the host made and gave. */
    given_rep = 39;
    CHECK_ERR_HAS(replay(trace.data, trace.size, &replayed, 3), WASMTIME_RR_ERROR_KIND_DIVERGENCE,
                  validation ? "component export `take` was called with (own#4(host type 7, rep 40)) in the recording, "
                               "but with (own#4(host type 7, rep 39)) now"
                             : "component export `take` was called with (own#1(host type 7, rep 40)) in the recording, "
                               "but with (own#1(host type 7, rep 39)) now");
    given_rep = 40;
    free(replayed.stuck_message);

    /* The inspector's view: the host's resources with their rep and type,
     * the destructor as a call with the rep. */
    const char *out = getenv("HOST_RESOURCES_TRACE_OUT");
    if (out != NULL && validation) {
        /* Two traces for `wasmtime-rr replay`: this one (the host lends a
         * counter: a replay without the host cannot make it), and one where
         * the host makes and gives counters only. */
        char lent_path[4096];
        snprintf(lent_path, sizeof lent_path, "%s.lent", out);
        save(lent_path, &trace);
        buffer_t given = {.fail_after = -1};
        observed_t o;
        lend = false;
        record(&given, &o, true);
        lend = true;
        save(out, &given);
        free(o.stuck_message);
        free(given.data);
    }

    /* Damaged traces: every cut and a flipped byte in every frame are refused
     * with an error, never a crash. */
    int runs = 0, refused = 0;
    for (size_t cut = 1; cut < trace.size; cut += 1 + trace.size / 40) {
        runs++;
        wasmtime_error_t *error = replay(trace.data, cut, &replayed, 3);
        if (error) {
            refused++;
            CHECK(wasmtime_rr_error_kind(error) != WASMTIME_RR_ERROR_KIND_PANIC);
            wasmtime_error_delete(error);
        }
        free(replayed.stuck_message);
    }
    CHECK(refused == runs);
    uint8_t *flipped = malloc(trace.size);
    for (size_t at = 16; at < trace.size; at += 1 + trace.size / 25) {
        memcpy(flipped, trace.data, trace.size);
        flipped[at] ^= 0x20;
        wasmtime_error_t *error = replay(flipped, trace.size, &replayed, 3);
        CHECK(error != NULL);
        if (error) {
            CHECK(wasmtime_rr_error_kind(error) != WASMTIME_RR_ERROR_KIND_PANIC);
            wasmtime_error_delete(error);
        }
        free(replayed.stuck_message);
    }
    free(flipped);
    free(recorded.stuck_message);
    free(trace.data);
    finalized = 0;
}

static void test_bad_arguments(void) {
    wasm_engine_t *engine = rr_engine(WASMTIME_RR_MODE_RECORDING);
    wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(linker);
    wasmtime_component_resource_type_t *ty = wasmtime_component_resource_type_new_host(COUNTER_TYPE);
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_resource(NULL, "c", 1, ty, host_destroy, NULL, NULL),
              WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_resource: argument `linker_instance` is NULL");
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_resource(root, NULL, 1, ty, host_destroy, NULL, NULL),
              WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_resource: argument `name` is NULL");
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_resource(root, "c\xff", 2, ty, host_destroy, NULL, NULL),
              WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_resource: argument `name` is not valid UTF-8 (invalid byte "
              "at offset 1)");
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_resource(root, "c", 1, NULL, host_destroy, NULL, NULL),
              WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_resource: argument `ty` is NULL");
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_resource(root, "c", 1, ty, NULL, NULL, NULL),
              WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_resource: argument `destructor` is NULL");
    /* Refused arguments leave data alone; a name defined twice is Wasmtime's
     * error, and the definition's data is finalized as with the stock function. */
    int count = 0;
    CHECK(finalized == 0);
    CHECK_OK(wasmtime_rr_component_linker_instance_add_resource(root, "c", 1, ty, host_destroy, &count, count_finalized));
    CHECK_ERR_HAS(wasmtime_rr_component_linker_instance_add_resource(root, "c", 1, ty, host_destroy, &count, count_finalized),
                  WASMTIME_RR_ERROR_KIND_WASMTIME, "c");
    CHECK(count == 1);
    wasmtime_component_resource_type_delete(ty);
    wasmtime_component_linker_instance_delete(root);
    wasmtime_component_linker_delete(linker);
    CHECK(count == 2);
    wasm_engine_delete(engine);
}

int main(int argc, char **argv) {
    CHECK(argc == 2);
    if (argc != 2) return finish();
    uint8_t *bytes = read_binary_file(argv[1], &WAT_LEN);
    WAT = (char *)bytes;
    srand((unsigned)time(NULL));
    test_plain();
    test_record_and_replay(false);
    test_record_and_replay(true);
    test_bad_arguments();
    free(bytes);
    return finish();
}
