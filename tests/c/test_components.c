/*
 * Record/replay of components through the C API (tests/guests/components/
 * values.wat): every component value type across the host boundary both
 * ways, nested values, NaN bits, a host function that fails, replay without
 * running the host, divergences (other arguments, other component, other
 * host function), damaged traces, and malformed values from C. Runs under
 * ASan and UBSan.
 */
#include <time.h>

#include "rr_harness.h"

#include <unistd.h>

static char *WAT;
static size_t WAT_LEN;
static int host_calls;

/* ---- building and comparing component values ---------------------------- */

static wasmtime_component_val_t v_bool(bool b) { wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_BOOL}; v.of.boolean = b; return v; }
static wasmtime_component_val_t v_u8(uint8_t x) { wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_U8}; v.of.u8 = x; return v; }
static wasmtime_component_val_t v_u32(uint32_t x) { wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_U32}; v.of.u32 = x; return v; }
static wasmtime_component_val_t v_f64(double x) { wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_F64}; v.of.f64 = x; return v; }

static wasmtime_component_val_t v_str(const char *s) {
    wasmtime_component_val_t v = {.kind = WASMTIME_COMPONENT_STRING};
    wasm_byte_vec_new(&v.of.string, strlen(s), s);
    return v;
}

static wasmtime_component_val_t *boxed(wasmtime_component_val_t v) { return wasmtime_component_val_new(&v); }

/* A list (or tuple: same layout) of `n` values, taken over. */
static wasmtime_component_vallist_t items(size_t n, const wasmtime_component_val_t *values) {
    wasmtime_component_vallist_t list;
    wasmtime_component_vallist_new(&list, n, values);
    return list;
}

/* The `big` record: one field of every value type, nested lists and options. */
static wasmtime_component_val_t make_big(uint32_t seed, const char *text) {
    static const char *names[] = {"b", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
                                  "c", "s", "l", "t", "v", "e", "o", "r", "fl", "nested"};
    enum { FIELDS = 21 };
    wasmtime_component_val_t fields[FIELDS];
    fields[0] = v_bool(true);
    fields[1] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_S8, .of.s8 = -128};
    fields[2] = v_u8(255);
    fields[3] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_S16, .of.s16 = -30000};
    fields[4] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_U16, .of.u16 = 65535};
    fields[5] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_S32, .of.s32 = INT32_MIN};
    fields[6] = v_u32(seed);
    fields[7] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_S64, .of.s64 = INT64_MIN};
    fields[8] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_U64, .of.u64 = UINT64_MAX};
    uint32_t nan_bits = 0x7fc01234u; /* a NaN with a payload: must come back bit for bit */
    fields[9] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_F32};
    memcpy(&fields[9].of.f32, &nan_bits, 4);
    fields[10] = v_f64(-0.0);
    fields[11] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_CHAR, .of.character = 0x1F980};
    fields[12] = v_str(text);
    wasmtime_component_val_t l[3] = {v_u32(1), v_u32(seed), v_u32(0xffffffffu)};
    fields[13] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_LIST, .of.list = items(3, l)};
    wasmtime_component_val_t t[2] = {v_u8(7), v_str("tuple \xc3\xa9")};
    fields[14] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_TUPLE};
    wasmtime_component_valtuple_new(&fields[14].of.tuple, 2, t);
    fields[15] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_VARIANT};
    wasm_byte_vec_new(&fields[15].of.variant.discriminant, 6, "circle");
    fields[15].of.variant.val = boxed(v_f64(1.5));
    fields[16] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_ENUM};
    wasm_byte_vec_new(&fields[16].of.enumeration, 5, "green");
    fields[17] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_OPTION, .of.option = boxed(v_u32(seed * 2))};
    fields[18] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_RESULT};
    fields[18].of.result.is_ok = false;
    fields[18].of.result.val = boxed(v_u8(42));
    wasm_name_t flags[2];
    wasm_byte_vec_new(&flags[0], 4, "read");
    wasm_byte_vec_new(&flags[1], 4, "exec");
    fields[19] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_FLAGS};
    wasmtime_component_valflags_new(&fields[19].of.flags, 2, flags);
    /* nested: [some(("a", [1, 2])), none] */
    wasmtime_component_val_t bytes[2] = {v_u8(1), v_u8(2)};
    wasmtime_component_val_t pair[2] = {v_str("a"), {.kind = WASMTIME_COMPONENT_LIST, .of.list = items(2, bytes)}};
    wasmtime_component_val_t tuple = {.kind = WASMTIME_COMPONENT_TUPLE};
    wasmtime_component_valtuple_new(&tuple.of.tuple, 2, pair);
    wasmtime_component_val_t nested[2] = {{.kind = WASMTIME_COMPONENT_OPTION, .of.option = boxed(tuple)},
                                          {.kind = WASMTIME_COMPONENT_OPTION, .of.option = NULL}};
    fields[20] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_LIST, .of.list = items(2, nested)};

    wasmtime_component_valrecord_entry_t entries[FIELDS];
    for (int i = 0; i < FIELDS; i++) {
        wasm_byte_vec_new(&entries[i].name, strlen(names[i]), names[i]);
        entries[i].val = fields[i];
    }
    wasmtime_component_val_t record = {.kind = WASMTIME_COMPONENT_RECORD};
    wasmtime_component_valrecord_new(&record.of.record, FIELDS, entries);
    return record;
}

static bool same_name(const wasm_name_t *a, const wasm_name_t *b) {
    return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* Bit-for-bit equality of two component values. */
static bool same_val(const wasmtime_component_val_t *a, const wasmtime_component_val_t *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case WASMTIME_COMPONENT_BOOL: return a->of.boolean == b->of.boolean;
    case WASMTIME_COMPONENT_S8: case WASMTIME_COMPONENT_U8: return a->of.u8 == b->of.u8;
    case WASMTIME_COMPONENT_S16: case WASMTIME_COMPONENT_U16: return a->of.u16 == b->of.u16;
    case WASMTIME_COMPONENT_S32: case WASMTIME_COMPONENT_U32: case WASMTIME_COMPONENT_CHAR: return a->of.u32 == b->of.u32;
    case WASMTIME_COMPONENT_F32: return memcmp(&a->of.f32, &b->of.f32, 4) == 0;
    case WASMTIME_COMPONENT_S64: case WASMTIME_COMPONENT_U64: return a->of.u64 == b->of.u64;
    case WASMTIME_COMPONENT_F64: return memcmp(&a->of.f64, &b->of.f64, 8) == 0;
    case WASMTIME_COMPONENT_STRING: case WASMTIME_COMPONENT_ENUM: return same_name(&a->of.string, &b->of.string);
    case WASMTIME_COMPONENT_LIST: case WASMTIME_COMPONENT_TUPLE:
        if (a->of.list.size != b->of.list.size) return false;
        for (size_t i = 0; i < a->of.list.size; i++)
            if (!same_val(&a->of.list.data[i], &b->of.list.data[i])) return false;
        return true;
    case WASMTIME_COMPONENT_RECORD:
        if (a->of.record.size != b->of.record.size) return false;
        for (size_t i = 0; i < a->of.record.size; i++)
            if (!same_name(&a->of.record.data[i].name, &b->of.record.data[i].name) ||
                !same_val(&a->of.record.data[i].val, &b->of.record.data[i].val))
                return false;
        return true;
    case WASMTIME_COMPONENT_VARIANT:
        if (!same_name(&a->of.variant.discriminant, &b->of.variant.discriminant)) return false;
        if ((a->of.variant.val == NULL) != (b->of.variant.val == NULL)) return false;
        return a->of.variant.val == NULL || same_val(a->of.variant.val, b->of.variant.val);
    case WASMTIME_COMPONENT_OPTION:
        if ((a->of.option == NULL) != (b->of.option == NULL)) return false;
        return a->of.option == NULL || same_val(a->of.option, b->of.option);
    case WASMTIME_COMPONENT_RESULT:
        if (a->of.result.is_ok != b->of.result.is_ok || (a->of.result.val == NULL) != (b->of.result.val == NULL)) return false;
        return a->of.result.val == NULL || same_val(a->of.result.val, b->of.result.val);
    case WASMTIME_COMPONENT_FLAGS:
        if (a->of.flags.size != b->of.flags.size) return false;
        for (size_t i = 0; i < a->of.flags.size; i++)
            if (!same_name(&a->of.flags.data[i], &b->of.flags.data[i])) return false;
        return true;
    default: return false;
    }
}

/* ---- host functions ------------------------------------------------------ */

/* host(x) returns x with field u32 set to a value only this run knows. */
static wasmtime_error_t *host_big(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                  wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                  size_t nresults) {
    (void)env, (void)context, (void)ty;
    host_calls++;
    CHECK(nargs == 1 && nresults == 1 && args[0].kind == WASMTIME_COMPONENT_RECORD);
    wasmtime_component_val_clone(&args[0], &results[0]);
    results[0].of.record.data[6].val.of.u32 = 1000u + (uint32_t)rand() % 1000u;
    return NULL;
}

/* greet(name) returns the name's bytes plus a per-run nonce. */
static wasmtime_error_t *host_greet(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                    wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                    size_t nresults) {
    (void)context, (void)ty, (void)nargs, (void)nresults;
    host_calls++;
    uint32_t nonce = env ? *(uint32_t *)env : 0;
    size_t n = args[0].of.string.size;
    wasmtime_component_val_t *values = calloc(n + 1, sizeof *values);
    for (size_t i = 0; i < n; i++) values[i] = v_u32((uint8_t)args[0].of.string.data[i]);
    values[n] = v_u32(nonce + (uint32_t)host_calls);
    results[0] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_LIST, .of.list = items(n + 1, values)};
    free(values);
    return NULL;
}

static wasmtime_error_t *host_fail(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                   wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                   size_t nresults) {
    (void)env, (void)context, (void)ty, (void)args, (void)nargs, (void)results, (void)nresults;
    host_calls++;
    const char *message = "disk on fire";
    return wasmtime_error_new(message);
}

/* A greet that writes an invalid char into its result: refused, not a crash. */
static wasmtime_error_t *host_greet_bad(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                        wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                        size_t nresults) {
    (void)env, (void)context, (void)ty, (void)args, (void)nargs, (void)nresults;
    host_calls++;
    results[0] = (wasmtime_component_val_t){.kind = WASMTIME_COMPONENT_CHAR, .of.character = 0xD800};
    return NULL;
}

static int finalized;
static void count_finalize(void *data) { (void)data; finalized++; }

/* ---- a session ------------------------------------------------------------ */

typedef struct {
    wasm_engine_t *engine;
    wasmtime_store_t *store;
    wasmtime_context_t *context;
    wasmtime_component_t *component;
    wasmtime_component_linker_t *linker;
    wasmtime_component_instance_t instance;
    uint32_t nonce;
} session_t;

static wasmtime_component_t *compile(wasm_engine_t *engine, const char *wat, size_t len) {
    wasmtime_component_t *component = NULL;
    CHECK_OK(wasmtime_rr_component_new(engine, (const uint8_t *)wat, len, &component));
    return component;
}

static void session_open(session_t *s, wasmtime_rr_mode_t mode, wasmtime_component_func_callback_t greet) {
    s->engine = rr_engine(mode);
    s->store = wasmtime_store_new(s->engine, NULL, NULL);
    s->context = wasmtime_store_context(s->store);
    s->component = compile(s->engine, WAT, WAT_LEN);
    s->linker = wasmtime_component_linker_new(s->engine);
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(s->linker);
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "host", 4, host_big, NULL, count_finalize));
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "greet", 5, greet, &s->nonce, NULL));
    CHECK_OK(wasmtime_rr_component_linker_instance_add_func(root, "fail", 4, host_fail, NULL, NULL));
    wasmtime_component_linker_instance_delete(root);
}

static void session_close(session_t *s) {
    wasmtime_component_linker_delete(s->linker);
    wasmtime_rr_component_delete(s->component);
    wasmtime_store_delete(s->store);
    wasm_engine_delete(s->engine);
}

static wasmtime_component_func_t lookup(session_t *s, const char *outer, const char *name) {
    wasmtime_component_export_index_t *parent = NULL;
    if (outer) parent = wasmtime_component_instance_get_export_index(&s->instance, s->context, NULL, outer, strlen(outer));
    wasmtime_component_export_index_t *index =
        wasmtime_component_instance_get_export_index(&s->instance, s->context, parent, name, strlen(name));
    CHECK(index != NULL);
    wasmtime_component_func_t func;
    memset(&func, 0, sizeof func);
    CHECK(wasmtime_component_instance_get_func(&s->instance, s->context, index, &func));
    wasmtime_component_export_index_delete(index);
    if (parent) wasmtime_component_export_index_delete(parent);
    return func;
}

/* What the program saw, to compare a replay with its recording. */
typedef struct {
    wasmtime_component_val_t echoed, through, greeted[2];
    char *fail_message;
} observed_t;

static void observed_free(observed_t *o) {
    wasmtime_component_val_delete(&o->echoed);
    wasmtime_component_val_delete(&o->through);
    wasmtime_component_val_delete(&o->greeted[0]);
    wasmtime_component_val_delete(&o->greeted[1]);
    free(o->fail_message);
}

/* The program: instantiate, then call every export. `echo_seed` changes the
 * first call's argument (a divergence when it differs from the recording's).
 * Returns the first error of ours (owned), NULL when all went through. */
static wasmtime_error_t *program(session_t *s, observed_t *o, uint32_t echo_seed) {
    memset(o, 0, sizeof *o);
    wasmtime_error_t *error = wasmtime_rr_component_linker_instantiate(s->linker, s->context, s->component, &s->instance);
    if (error) return error;
    wasmtime_component_func_t echo = lookup(s, NULL, "echo"), through = lookup(s, NULL, "through-host");
    wasmtime_component_func_t greet = lookup(s, "api", "greet"), fail = lookup(s, "api", "fail");
    wasmtime_component_val_t big = make_big(echo_seed, "h\xc3\xa9llo \xf0\x9f\xa6\x80");
    error = wasmtime_rr_component_func_call(&echo, s->context, &big, 1, &o->echoed, 1);
    if (!error) error = wasmtime_rr_component_func_call(&through, s->context, &big, 1, &o->through, 1);
    wasmtime_component_val_delete(&big);
    for (int i = 0; i < 2 && !error; i++) {
        wasmtime_component_val_t name = v_str(i == 0 ? "ab" : "\xc3\xa9");
        error = wasmtime_rr_component_func_call(&greet, s->context, &name, 1, &o->greeted[i], 1);
        wasmtime_component_val_delete(&name);
    }
    if (error) return error;
    wasmtime_component_val_t ignored;
    wasmtime_error_t *failure = wasmtime_rr_component_func_call(&fail, s->context, NULL, 0, &ignored, 1);
    CHECK(failure != NULL);
    if (failure == NULL) return NULL;
    o->fail_message = message_of(failure);
    /* Our own errors (divergence) are the ones the caller wants. */
    if (wasmtime_rr_error_kind(failure) != WASMTIME_RR_ERROR_KIND_WASMTIME) return failure;
    wasmtime_error_delete(failure);
    return NULL;
}

static void record(buffer_t *trace, observed_t *o, bool validation) {
    session_t s = {.nonce = (uint32_t)rand()};
    session_open(&s, WASMTIME_RR_MODE_RECORDING, host_greet);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, trace, NULL, &recorder));
    CHECK_OK(wasmtime_rr_recorder_validation_set(recorder, validation));
    CHECK_OK(wasmtime_rr_store_record(s.context, recorder));
    CHECK_OK(program(&s, o, 7));
    CHECK_OK(wasmtime_rr_store_finish(s.context));
    session_close(&s);
}

/* Replays `trace` with the program; returns its error (owned) or NULL. */
static wasmtime_error_t *replay(const buffer_t *trace, observed_t *o, uint32_t echo_seed, const char *wat, size_t wat_len,
                                wasmtime_component_func_callback_t greet) {
    session_t s = {.nonce = (uint32_t)rand()};
    session_open(&s, WASMTIME_RR_MODE_REPLAYING, greet);
    if (wat) {
        wasmtime_rr_component_delete(s.component);
        s.component = compile(s.engine, wat, wat_len);
    }
    wasmtime_rr_replayer_t *replayer = NULL;
    CHECK_OK(wasmtime_rr_replayer_new_bytes(trace->data, trace->size, &replayer));
    wasmtime_error_t *error = wasmtime_rr_store_replay(s.context, replayer);
    if (!error) error = program(&s, o, echo_seed);
    if (!error) error = wasmtime_rr_store_finish(s.context);
    session_close(&s);
    return error;
}

static void test_record_and_replay(bool validation) {
    buffer_t trace = {.fail_after = -1};
    observed_t recorded, replayed;
    host_calls = 0;
    finalized = 0;
    record(&trace, &recorded, validation);
    CHECK(host_calls == 4); /* host, greet twice, fail, and nothing else */
    CHECK(finalized == 1);  /* the `host` definition's data, freed with its linker */
    CHECK(same_val(&recorded.echoed, &recorded.echoed));
    wasmtime_component_val_t big = make_big(7, "h\xc3\xa9llo \xf0\x9f\xa6\x80");
    CHECK(same_val(&recorded.echoed, &big)); /* every type through the guest and back, NaN bits too */
    CHECK(!same_val(&recorded.through, &big));
    CHECK(recorded.through.of.record.data[6].val.of.u32 >= 1000);
    wasmtime_component_val_delete(&big);
    CHECK(recorded.greeted[0].kind == WASMTIME_COMPONENT_LIST && recorded.greeted[0].of.list.size == 3);
    CHECK(recorded.greeted[0].of.list.data[0].of.u32 == 'a');
    CHECK(recorded.fail_message && strstr(recorded.fail_message, "disk on fire"));

    for (int round = 0; round < 2; round++) {
        host_calls = 0;
        CHECK_OK(replay(&trace, &replayed, 7, NULL, 0, host_greet));
        CHECK(host_calls == 0); /* the host never ran: its results came from the trace */
        CHECK(same_val(&replayed.echoed, &recorded.echoed));
        CHECK(same_val(&replayed.through, &recorded.through));
        CHECK(same_val(&replayed.greeted[0], &recorded.greeted[0]));
        CHECK(same_val(&replayed.greeted[1], &recorded.greeted[1]));
        CHECK(replayed.fail_message && strcmp(replayed.fail_message, recorded.fail_message) == 0);
        observed_free(&replayed);
    }

    /* Other arguments: a divergence naming the export and both values. */
    CHECK_ERR_HAS(replay(&trace, &replayed, 8, NULL, 0, host_greet), WASMTIME_RR_ERROR_KIND_DIVERGENCE,
                  "component export `echo` was called with ({b: true, s8: -128, u8: 255, s16: -30000, u16: 65535, "
                  "s32: -2147483648, u32: 7,");
    observed_free(&replayed);

    /* Another component: a module mismatch naming both checksums. */
    char *other = malloc(WAT_LEN + 32);
    memcpy(other, WAT, WAT_LEN);
    const char *extra = "\n;; another build\n";
    memcpy(other + WAT_LEN, extra, strlen(extra));
    CHECK_ERR_HAS(replay(&trace, &replayed, 7, other, WAT_LEN + strlen(extra), host_greet),
                  WASMTIME_RR_ERROR_KIND_MODULE_MISMATCH, "the trace instantiates a component with sha256 ");
    free(other);
    observed_free(&replayed);

    if (validation) {
        /* The trace was made with these settings: inspect shows it readably. */
        const char *out = getenv("COMPONENT_TRACE_OUT");
        if (out) {
            FILE *file = fopen(out, "wb");
            CHECK(file != NULL);
            if (file) {
                CHECK(fwrite(trace.data, 1, trace.size, file) == trace.size);
                fclose(file);
            }
        }
    }

    /* Every prefix and a flipped byte at many places: an error, never a crash. */
    int refused = 0, runs = 0;
    for (size_t cut = 0; cut < trace.size; cut += 1 + trace.size / 48) {
        buffer_t damaged = {.data = trace.data, .size = cut};
        wasmtime_error_t *error = replay(&damaged, &replayed, 7, NULL, 0, host_greet);
        runs++;
        refused += error != NULL;
        if (error) wasmtime_error_delete(error);
        observed_free(&replayed);
    }
    CHECK(refused == runs);
    for (size_t at = 16; at < trace.size; at += 1 + trace.size / 48) {
        uint8_t *copy = malloc(trace.size);
        memcpy(copy, trace.data, trace.size);
        copy[at] ^= 0x5a;
        buffer_t damaged = {.data = copy, .size = trace.size};
        wasmtime_error_t *error = replay(&damaged, &replayed, 7, NULL, 0, host_greet);
        CHECK(error != NULL); /* the frame checksum catches every flipped byte */
        if (error) wasmtime_error_delete(error);
        observed_free(&replayed);
        free(copy);
    }
    observed_free(&recorded);
    free(trace.data);
}

/* A host function that writes an invalid value: the call fails, recorded
 * as such, nothing crashes. */
static void test_bad_host_result(void) {
    buffer_t trace = {.fail_after = -1};
    session_t s = {0};
    session_open(&s, WASMTIME_RR_MODE_RECORDING, host_greet_bad);
    wasmtime_rr_recorder_t *recorder = NULL;
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &trace, NULL, &recorder));
    CHECK_OK(wasmtime_rr_store_record(s.context, recorder));
    CHECK_OK(wasmtime_rr_component_linker_instantiate(s.linker, s.context, s.component, &s.instance));
    wasmtime_component_func_t greet = lookup(&s, "api", "greet");
    wasmtime_component_val_t name = v_str("x"), result;
    CHECK_ERR_HAS(wasmtime_rr_component_func_call(&greet, s.context, &name, 1, &result, 1),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "component value result #0 of host function `greet`: is char 0xd800, not a Unicode scalar value");
    wasmtime_component_val_delete(&name);
    CHECK_OK(wasmtime_rr_store_finish(s.context));
    session_close(&s);
    free(trace.data);
}

/* Malformed input from C: an error object, never a crash or an abort. */
static void test_bad_input(void) {
    session_t s = {0};
    session_open(&s, WASMTIME_RR_MODE_NONE, host_greet);
    CHECK_OK(wasmtime_rr_component_linker_instantiate(s.linker, s.context, s.component, &s.instance));
    wasmtime_component_func_t greet = lookup(&s, "api", "greet");
    wasmtime_component_val_t result;

    CHECK_ERR(wasmtime_rr_component_func_call(NULL, s.context, NULL, 0, &result, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_func_call: argument `func` is NULL");
    CHECK_ERR(wasmtime_rr_component_func_call(&greet, NULL, NULL, 0, &result, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_func_call: argument `context` is NULL");
    wasmtime_component_val_t bad = {.kind = WASMTIME_COMPONENT_CHAR, .of.character = 0xD800};
    CHECK_ERR(wasmtime_rr_component_func_call(&greet, s.context, &bad, 1, &result, 1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_component_func_call: component value argument #0: is char 0xd800, not a Unicode scalar value");
    unsigned char raw[sizeof(wasmtime_component_val_t)];
    memset(raw, 0, sizeof raw);
    raw[0] = 99;
    CHECK_ERR_HAS(wasmtime_rr_component_func_call(&greet, s.context, (wasmtime_component_val_t *)(void *)raw, 1, &result, 1),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "has kind 99, which is not a wasmtime_component_valkind_t");
    wasmtime_component_val_t text = {.kind = WASMTIME_COMPONENT_STRING};
    text.of.string.size = 2;
    text.of.string.data = (char *)"\xff\xfe";
    CHECK_ERR(wasmtime_rr_component_func_call(&greet, s.context, &text, 1, &result, 1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_component_func_call: component value argument #0: is not valid UTF-8 (invalid byte at offset 0)");
    text.of.string.data = NULL;
    CHECK_ERR_HAS(wasmtime_rr_component_func_call(&greet, s.context, &text, 1, &result, 1), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "has 2 elements but a NULL or misaligned data pointer");
    wasmtime_component_val_t name = v_str("ok");
    CHECK_ERR(wasmtime_rr_component_func_call(&greet, s.context, &name, 1, &result, 2), WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_component_func_call: the function has 1 results, but `results` has room for 2");
    CHECK_ERR_HAS(wasmtime_rr_component_func_call(&greet, s.context, &name, 1, NULL, 1), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
                  "argument `results` is NULL");
    /* Without a session, the functions are the stock ones. */
    host_calls = 0;
    CHECK_OK(wasmtime_rr_component_func_call(&greet, s.context, &name, 1, &result, 1));
    CHECK(host_calls == 1 && result.kind == WASMTIME_COMPONENT_LIST && result.of.list.size == 3);
    wasmtime_component_val_delete(&result);
    wasmtime_component_val_delete(&name);

    /* A function of another store. */
    session_t other = {0};
    session_open(&other, WASMTIME_RR_MODE_NONE, host_greet);
    CHECK_OK(wasmtime_rr_component_linker_instantiate(other.linker, other.context, other.component, &other.instance));
    wasmtime_component_func_t foreign = lookup(&other, "api", "greet");
    name = v_str("x");
    CHECK_ERR_HAS(wasmtime_rr_component_func_call(&foreign, s.context, &name, 1, &result, 1),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "`func` is not an object of this store");
    wasmtime_component_val_delete(&name);
    CHECK_ERR_HAS(wasmtime_rr_component_linker_instantiate(other.linker, s.context, other.component, &s.instance),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "belong to different engines");
    session_close(&other);

    /* Linker instance arguments. */
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(s.linker);
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_func(root, "\xff", 1, host_greet, NULL, NULL),
              WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_func: argument `name` is not valid UTF-8 (invalid byte at offset 0)");
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_func(root, "x", 1, NULL, NULL, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_func: argument `callback` is NULL");
    CHECK_ERR(wasmtime_rr_component_linker_instance_add_func(NULL, "x", 1, host_greet, NULL, NULL), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_linker_instance_add_func: argument `linker_instance` is NULL");
    CHECK_ERR_HAS(wasmtime_rr_component_linker_instance_add_func(root, "greet", 5, host_greet, NULL, NULL),
                  WASMTIME_RR_ERROR_KIND_WASMTIME, "greet");
    wasmtime_component_linker_instance_delete(root);
    /* A wrong type is Wasmtime's own error (and, as with the stock function,
     * the instance cannot be entered again). */
    wasmtime_component_val_t number = v_u32(3);
    CHECK_ERR_HAS(wasmtime_rr_component_func_call(&greet, s.context, &number, 1, &result, 1), WASMTIME_RR_ERROR_KIND_WASMTIME,
                  "type mismatch");
    wasmtime_component_t *broken = NULL;
    CHECK_ERR_HAS(wasmtime_rr_component_new(s.engine, (const uint8_t *)"(component", 10, &broken), WASMTIME_RR_ERROR_KIND_WASMTIME, "");
    CHECK(broken == NULL);
    CHECK_ERR(wasmtime_rr_component_new(NULL, (const uint8_t *)"", 0, &broken), WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
              "wasmtime_rr_component_new: argument `engine` is NULL");
    wasmtime_rr_component_delete(NULL);
    session_close(&s);
}

/* A component made with the stock wasmtime_component_new has no checksum. */
static void test_stock_component_refused(void) {
    session_t s = {0};
    session_open(&s, WASMTIME_RR_MODE_RECORDING, host_greet);
    wasmtime_rr_recorder_t *recorder = NULL;
    buffer_t trace = {.fail_after = -1};
    CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, &trace, NULL, &recorder));
    CHECK_OK(wasmtime_rr_store_record(s.context, recorder));
    wasmtime_component_t *stock = NULL;
    CHECK_OK(wasmtime_component_new(s.engine, (const uint8_t *)WAT, WAT_LEN, &stock));
    CHECK_ERR_HAS(wasmtime_rr_component_linker_instantiate(s.linker, s.context, stock, &s.instance),
                  WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                  "the component's checksum is unknown: create components that are recorded or replayed with "
                  "wasmtime_rr_component_new");
    wasmtime_component_delete(stock);
    CHECK_OK(wasmtime_rr_store_finish(s.context));
    session_close(&s);
    free(trace.data);
}

/* tests/guests/components/wasip2.wat: a component that uses WASI preview 2
 * (clock, random, stdout). */
static char *WASI_P2;

/* Writes a trace where the test command asks (the fuzz seeds and the CLI checks). */
static void save_trace(const char *variable, const buffer_t *trace) {
    const char *path = getenv(variable);
    if (path == NULL) return;
    FILE *file = fopen(path, "wb");
    CHECK(file != NULL);
    if (file == NULL) return;
    CHECK(fwrite(trace->data, 1, trace->size, file) == trace->size);
    CHECK(fclose(file) == 0);
}

/* One call of `sample` in a store of `engine`: with WASI preview 2 added by
 * `add` and, when given, a recorder or replayer attached. */
static wasmtime_error_t *sample_once(wasm_engine_t *engine, wasmtime_component_t *component,
                                     wasmtime_error_t *(*add)(wasmtime_component_linker_t *), buffer_t *record_into,
                                     const buffer_t *replay_from, bool echo, const char *stdin_text,
                                     const char *data_dir, uint64_t *out) {
    wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
    CHECK_OK(add(linker));
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasi_config_t *wasi = wasi_config_new();
    wasm_byte_vec_t input;
    wasm_byte_vec_new(&input, strlen(stdin_text), stdin_text);
    wasi_config_set_stdin_bytes(wasi, &input);
    if (data_dir) CHECK(wasi_config_preopen_dir(wasi, data_dir, "/data", false));
    CHECK_OK(wasmtime_rr_context_set_wasi(context, wasi));
    if (record_into) {
        wasmtime_rr_recorder_t *recorder = NULL;
        CHECK_OK(wasmtime_rr_recorder_new_callback(buffer_append, record_into, NULL, &recorder));
        CHECK_OK(wasmtime_rr_store_record(context, recorder));
    }
    wasmtime_error_t *error = NULL;
    if (replay_from) {
        /* A damaged trace may fail here already: the error is the result. */
        wasmtime_rr_replayer_t *replayer = NULL;
        error = wasmtime_rr_replayer_new_bytes(replay_from->data, replay_from->size, &replayer);
        if (!error) CHECK_OK(wasmtime_rr_replayer_echo_set(replayer, echo));
        if (!error) error = wasmtime_rr_store_replay(context, replayer);
    }
    wasmtime_component_instance_t instance;
    if (!error) error = wasmtime_rr_component_linker_instantiate(linker, context, component, &instance);
    if (!error) {
        wasmtime_component_export_index_t *index =
            wasmtime_component_instance_get_export_index(&instance, context, NULL, "sample", 6);
        wasmtime_component_func_t sample;
        CHECK(index != NULL && wasmtime_component_instance_get_func(&instance, context, index, &sample));
        wasmtime_component_export_index_delete(index);
        wasmtime_component_val_t result;
        error = wasmtime_rr_component_func_call(&sample, context, NULL, 0, &result, 1);
        if (!error) {
            CHECK(result.kind == WASMTIME_COMPONENT_U64);
            *out = result.of.u64;
        }
    }
    if (!error && (record_into || replay_from)) error = wasmtime_rr_store_finish(context);
    wasmtime_store_delete(store);
    wasmtime_component_linker_delete(linker);
    return error;
}

/* Whether replaying a damaged trace fails (as it must), with an error object. */
static bool sample_once_fails(wasm_engine_t *engine, wasmtime_component_t *component, const buffer_t *trace) {
    uint64_t ignored = 0;
    wasmtime_error_t *error =
        sample_once(engine, component, wasmtime_rr_component_linker_add_wasip2, NULL, trace, false, "", NULL, &ignored);
    if (error == NULL) return false;
    CHECK(wasmtime_rr_error_kind(error) != WASMTIME_RR_ERROR_KIND_PANIC);
    wasmtime_error_delete(error);
    return true;
}

/* WASI preview 2 recorded and replayed: clock, random, stdout, stdin and a
 * file in a preopened directory. */
static void test_wasi_p2(void) {
    char dir[] = "/tmp/test_components.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char file[sizeof dir + 16];
    snprintf(file, sizeof file, "%s/input.txt", dir);
    FILE *input = fopen(file, "wb");
    CHECK(input != NULL && fputs("K", input) >= 0);
    if (input) fclose(input);
    wasm_engine_t *plain = rr_engine(WASMTIME_RR_MODE_NONE);
    wasmtime_component_t *component = compile(plain, WASI_P2, strlen(WASI_P2));
    uint64_t value = 0;
    CHECK_OK(sample_once(plain, component, wasmtime_rr_component_linker_add_wasip2, NULL, NULL, false, "", dir, &value));
    CHECK(value > 1700000000u); /* at least the seconds since 1970, plus a random number */
    wasmtime_rr_component_delete(component);
    wasm_engine_delete(plain);

    wasm_engine_t *recording = rr_engine(WASMTIME_RR_MODE_RECORDING);
    component = compile(recording, WASI_P2, strlen(WASI_P2));
    buffer_t traces[2] = {{.fail_after = -1}, {.fail_after = -1}};
    uint64_t recorded[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        CHECK_OK(sample_once(recording, component, wasmtime_rr_component_linker_add_wasip2, &traces[i], NULL, false,
                             i == 0 ? "Q" : "R", dir, &recorded[i]));
    }
    CHECK(recorded[0] != recorded[1]); /* a random u64 each time */
    /* A directory without input.txt: open-at's error code is recorded and replayed. */
    char empty[] = "/tmp/test_components.XXXXXX";
    CHECK(mkdtemp(empty) != NULL);
    buffer_t missing = {.fail_after = -1};
    uint64_t recorded_missing = 0;
    CHECK_OK(sample_once(recording, component, wasmtime_rr_component_linker_add_wasip2, &missing, NULL, false, "",
                         empty, &recorded_missing));
    CHECK(rmdir(empty) == 0);
    /* WASI preview 2 added with the stock function would run unrecorded: refused. */
    buffer_t refused = {.fail_after = -1};
    CHECK_ERR_HAS(sample_once(recording, component, wasmtime_component_linker_add_wasip2, &refused, NULL, false, "", dir, &value),
                  WASMTIME_RR_ERROR_KIND_UNSUPPORTED,
                  "the component imports `wasi:clocks/wall-clock@0.2.0`, but the linker's WASI preview 2 was not "
                  "added with wasmtime_rr_component_linker_add_wasip2: its calls would run unrecorded");
    free(refused.data);
    wasmtime_rr_component_delete(component);
    wasm_engine_delete(recording);
    save_trace("COMPONENT_WASIP2_TRACE_OUT", &traces[0]);

    wasm_engine_t *replaying = rr_engine(WASMTIME_RR_MODE_REPLAYING);
    component = compile(replaying, WASI_P2, strlen(WASI_P2));
    for (int i = 0; i < 2; i++) {
        uint64_t replayed = 0;
        /* Other stdin than recorded and no directory: the replay reads neither. */
        CHECK_OK(sample_once(replaying, component, wasmtime_rr_component_linker_add_wasip2, NULL, &traces[i], i == 1,
                             "Z", NULL, &replayed));
        CHECK(replayed == recorded[i]);
    }
    uint64_t replayed_missing = 0;
    CHECK_OK(sample_once(replaying, component, wasmtime_rr_component_linker_add_wasip2, NULL, &missing, false, "", dir,
                         &replayed_missing));
    CHECK(replayed_missing == recorded_missing); /* no-entry as recorded, though the directory now has the file */
    free(missing.data);
    /* Damaged traces: every prefix and flipped bytes are errors, never a crash. */
    for (size_t len = 0; len < traces[0].size; len += 1 + traces[0].size / 50) {
        buffer_t cut = {.data = traces[0].data, .size = len, .fail_after = -1};
        CHECK(sample_once_fails(replaying, component, &cut));
    }
    for (size_t at = 8; at < traces[0].size; at += 1 + traces[0].size / 40) {
        buffer_t flipped = {.data = malloc(traces[0].size), .size = traces[0].size, .fail_after = -1};
        memcpy(flipped.data, traces[0].data, traces[0].size);
        flipped.data[at] ^= 0x20;
        CHECK(sample_once_fails(replaying, component, &flipped));
        free(flipped.data);
    }
    wasmtime_rr_component_delete(component);
    wasm_engine_delete(replaying);
    free(traces[0].data);
    free(traces[1].data);
    CHECK(remove(file) == 0 && rmdir(dir) == 0);
}

int main(void) {
    srand((unsigned)time(NULL));
    WAT = read_text_file(COMPONENT_WAT);
    WAT_LEN = strlen(WAT);
    WASI_P2 = read_text_file(COMPONENT_WASIP2_WAT);
    test_record_and_replay(false);
    test_record_and_replay(true);
    test_bad_host_result();
    test_bad_input();
    test_stock_component_refused();
    test_wasi_p2();
    free(WAT);
    free(WASI_P2);
    return finish();
}
