/*
 * The factories of the misuse matrix (see harness.h): the valid objects every
 * case starts from, and the mutated ones a case asks for.
 *
 * Everything is built in the child process that runs the case, lazily, only
 * as far as the case's function needs it. Three "worlds" exist: the main one
 * (the case's engine and store), another store of the same engine, a store
 * of another engine in the same record/replay mode, and a store of an engine
 * in another mode. A world has a
 * linker defining the guest's import, the guest module, a host function made
 * with wasmtime_rr_func_new, and an instance made with
 * wasmtime_rr_linker_instantiate whose exports `run` and `memory` are the
 * baseline func and memory. If building the baseline fails, the case reports
 * a setup failure (a bug of the library or of this harness, shown as such).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* gen_matrix.py sweeps the kind fields with Wasmtime 48's ranges. */
_Static_assert(WASMTIME_I32 == 0 && WASMTIME_FUNCREF == 5 && WASMTIME_EXNREF == 8, "wasmtime_valkind_t changed");
_Static_assert(WASMTIME_EXTERN_FUNC == 0 && WASMTIME_EXTERN_TAG == 5, "wasmtime_extern_kind_t changed");

/* The guest: one import (i32)->i32, a memory, and `run` (i32, funcref)->i32,
 * which calls the import (so a recording records a host call). */
static const char GUEST[] =
    "(module\n"
    "  (import \"env\" \"f\" (func $f (param i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (func $run (export \"run\") (param i32 funcref) (result i32) (call $f (local.get 0)))\n"
    "  (elem declare func $run))\n";

/* A component: `greet` (string) -> list<u32> imported and exported. */
static const char COMPONENT[] =
    "(component\n"
    "  (import \"greet\" (func $greet (param \"name\" string) (result (list u32))))\n"
    "  (core module $mem\n"
    "    (memory (export \"memory\") 1)\n"
    "    (global $next (mut i32) (i32.const 4096))\n"
    "    (func (export \"realloc\") (param i32 i32 i32 i32) (result i32)\n"
    "      (local $ret i32)\n"
    "      (local.set $ret (global.get $next))\n"
    "      (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get 3) (i32.const 7)) (i32.const -8))))\n"
    "      (local.get $ret)))\n"
    "  (core instance $m (instantiate $mem))\n"
    "  (alias core export $m \"memory\" (core memory $memory))\n"
    "  (alias core export $m \"realloc\" (core func $realloc))\n"
    "  (core func $lowered (canon lower (func $greet) (memory $memory) (realloc $realloc)))\n"
    "  (core module $code\n"
    "    (import \"host\" \"greet\" (func $greet (param i32 i32 i32)))\n"
    "    (func (export \"greet\") (param i32 i32) (result i32)\n"
    "      (call $greet (local.get 0) (local.get 1) (i32.const 2048)) (i32.const 2048)))\n"
    "  (core instance $c (instantiate $code (with \"host\" (instance (export \"greet\" (func $lowered))))))\n"
    "  (func $export (param \"name\" string) (result (list u32))\n"
    "    (canon lift (core func $c \"greet\") (memory $memory) (realloc $realloc)))\n"
    "  (export \"greet\" (func $export)))\n";

static const matrix_case_t *current;
static h_result_t *result;

/* Directory for trace files (set by the driver through MATRIX_TMPDIR). */
static const char *tmp_dir(void) {
    const char *dir = getenv("MATRIX_TMPDIR");
    return dir != NULL ? dir : "/tmp";
}

static void copy_text(char *to, size_t size, const char *from, size_t len) {
    if (len >= size) len = size - 1;
    memcpy(to, from, len);
    to[len] = '\0';
}

static void message_into(const wasmtime_error_t *error, char *to, size_t size) {
    wasm_name_t name;
    wasmtime_error_message(error, &name);
    copy_text(to, size, name.data, name.size);
    wasm_name_delete(&name);
}

/* Building the baseline failed: report it and end the child. */
static void setup_failed(const char *what, wasmtime_error_t *error) {
    char message[800] = "";
    if (error != NULL) message_into(error, message, sizeof message);
    result->setup_failed = 1;
    snprintf(result->text, sizeof result->text, "setup: %s%s%s", what, error != NULL ? ": " : "", message);
    _exit(0);
}

#define SETUP(expr)                                                                                                    \
    do {                                                                                                               \
        wasmtime_error_t *setup_error = (expr);                                                                        \
        if (setup_error != NULL) setup_failed(#expr, setup_error);                                                     \
    } while (0)

/* ---- results ---- */

void h_begin(const matrix_case_t *c, h_result_t *r) {
    current = c;
    result = r;
}

void h_returned_error(h_result_t *r, wasmtime_error_t *error) {
    r->returned = 1;
    if (error == NULL) return;
    r->is_error = 1;
    r->kind = wasmtime_rr_error_kind(error);
    message_into(error, r->text, sizeof r->text);
}

void h_returned_kind(h_result_t *r, wasmtime_rr_error_kind_t kind) {
    r->returned = 1;
    r->kind = kind;
}

void h_returned_string(h_result_t *r, const char *text) {
    r->returned = 1;
    if (text == NULL) return;
    r->has_text = 1;
    copy_text(r->text, sizeof r->text, text, strlen(text));
}

void h_returned_void(h_result_t *r) {
    r->returned = 1;
}

void h_returned_bool(h_result_t *r, bool value) {
    r->returned = 1;
    snprintf(r->text, sizeof r->text, "%s", value ? "true" : "false");
}

/* ---- helpers ---- */

static bool mutated(const matrix_case_t *c, int p, mutation_t m) {
    return c->param == p && c->mutation == m;
}

static bool nulled(const matrix_case_t *c, int p) {
    return mutated(c, p, MUT_NULL) || mutated(c, p, MUT_NULL_EMPTY);
}

/* An opaque object's address + 1: inside the object, not aligned. */
static void *plus_one(const void *object) {
    return (char *)object + 1;
}

/* A copy of `size` bytes at an odd address (the object's content, misaligned). */
static void *misaligned_copy(const void *object, size_t size) {
    static _Alignas(16) unsigned char buffer[512];
    if (size + 1 > sizeof buffer) setup_failed("misaligned_copy: object too large", NULL);
    memcpy(buffer + 1, object, size);
    return buffer + 1;
}

/* Generic treatment of NULL and misaligned for an object `valid`. */
static void *pointer_mutation(const matrix_case_t *c, int p, void *valid) {
    if (nulled(c, p)) return NULL;
    if (mutated(c, p, MUT_MISALIGNED)) return plus_one(valid);
    return valid;
}

/* ---- callbacks ---- */

static int user_data;

static wasm_trap_t *host_add_one(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                                 wasmtime_val_t *results, size_t nresults) {
    (void)env, (void)caller;
    if (nargs != 1 || nresults != 1) return wasmtime_trap_new("arity", 5);
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = args[0].of.i32 + 1;
    return NULL;
}

static wasm_trap_t *raw_add_one(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *values, size_t n) {
    (void)env, (void)caller;
    if (n != 1) return wasmtime_trap_new("arity", 5);
    values[0].i32 += 1;
    return NULL;
}

static bool discard_write(void *data, const uint8_t *bytes, size_t len) {
    (void)data, (void)bytes, (void)len;
    return true;
}

typedef struct {
    uint8_t *data;
    size_t size;
} sink_t;

static bool sink_write(void *data, const uint8_t *bytes, size_t len) {
    sink_t *sink = data;
    uint8_t *grown = realloc(sink->data, sink->size + len);
    if (grown == NULL) return false;
    memcpy(grown + sink->size, bytes, len);
    sink->data = grown;
    sink->size += len;
    return true;
}

static size_t end_read(void *data, uint8_t *buffer, size_t capacity) {
    (void)data, (void)buffer, (void)capacity;
    return 0;
}

static void noop_finalizer(void *data) {
    (void)data;
}

void *h_userdata(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : &user_data;
}

h_finalizer_t h_finalizer(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : noop_finalizer;
}

/* greet: one element per byte of the name. */
static wasmtime_error_t *component_greet(void *env, wasmtime_context_t *context, const wasmtime_component_func_type_t *ty,
                                         wasmtime_component_val_t *args, size_t nargs, wasmtime_component_val_t *results,
                                         size_t nresults) {
    (void)env, (void)context, (void)ty;
    if (nargs != 1 || nresults != 1 || args[0].kind != WASMTIME_COMPONENT_STRING) return wasmtime_error_new("arity");
    size_t n = args[0].of.string.size;
    wasmtime_component_vallist_t list;
    wasmtime_component_vallist_new_uninit(&list, n);
    for (size_t i = 0; i < n; i++) {
        list.data[i].kind = WASMTIME_COMPONENT_U32;
        list.data[i].of.u32 = (uint8_t)args[0].of.string.data[i];
    }
    results[0].kind = WASMTIME_COMPONENT_LIST;
    results[0].of.list = list;
    return NULL;
}

wasmtime_component_func_callback_t h_component_callback(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : component_greet;
}

static wasmtime_error_t *resource_destructor(void *env, wasmtime_context_t *context, uint32_t rep) {
    (void)env, (void)context, (void)rep;
    return NULL;
}

wasmtime_component_resource_destructor_t h_resource_destructor(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : resource_destructor;
}

wasmtime_func_callback_t h_func_callback(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : host_add_one;
}

wasmtime_func_unchecked_callback_t h_raw_callback(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : raw_add_one;
}

wasmtime_rr_write_callback_t h_write_callback(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : discard_write;
}

wasmtime_rr_read_callback_t h_read_callback(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : end_read;
}

/* ---- worlds ---- */

/* The case's store; another store of its engine; a store of another engine
 * in the same mode; a store of an engine in another mode (a plain case gets a
 * recording one, the others a plain one). */
enum { W_MAIN, W_SAME_ENGINE, W_OTHER_ENGINE, W_OTHER_MODE, W_COUNT };

typedef struct {
    wasm_engine_t *engine;
    wasmtime_store_t *store;
    wasmtime_context_t *context;
    wasmtime_module_t *module;
    wasmtime_linker_t *linker;
    bool has_host, has_instance;
    wasmtime_func_t host;
    wasmtime_instance_t instance;
    wasmtime_func_t run;
    wasmtime_memory_t memory;
    wasmtime_component_t *component;
    wasmtime_component_linker_t *component_linker;
    bool has_component_instance;
    wasmtime_component_instance_t component_instance;
    wasmtime_component_func_t greet;
} world_t;

static world_t worlds[W_COUNT];
static wasm_engine_t *engines[3];
static wasm_byte_vec_t guest_wasm;

static wasm_functype_t *i32_to_i32(void) {
    return wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
}

static wasm_engine_t *engine_in_mode(variant_t variant) {
    if (variant == VAR_PLAIN || variant == VAR_NONE) return wasm_engine_new();
    wasm_config_t *config = wasm_config_new();
    SETUP(wasm_config_rr_mode_set(config, variant == VAR_RECORDING ? WASMTIME_RR_MODE_RECORDING
                                                                  : WASMTIME_RR_MODE_REPLAYING));
    SETUP(wasm_config_enforce_determinism(config));
    wasm_engine_t *engine = NULL;
    SETUP(wasm_engine_new_checked(config, &engine));
    return engine;
}

static const wasm_byte_vec_t *guest_bytes(void) {
    if (guest_wasm.data == NULL) SETUP(wasmtime_wat2wasm(GUEST, sizeof GUEST - 1, &guest_wasm));
    return &guest_wasm;
}

static wasmtime_linker_t *linker_for(wasm_engine_t *engine) {
    wasmtime_linker_t *linker = wasmtime_linker_new(engine);
    wasm_functype_t *type = i32_to_i32();
    SETUP(wasmtime_rr_linker_define_func(linker, "env", 3, "f", 1, type, host_add_one, NULL, NULL));
    wasm_functype_delete(type);
    return linker;
}

static wasmtime_module_t *module_for(wasm_engine_t *engine) {
    const wasm_byte_vec_t *wasm = guest_bytes();
    wasmtime_module_t *module = NULL;
    SETUP(wasmtime_rr_module_new(engine, (const uint8_t *)wasm->data, wasm->size, &module));
    return module;
}

static wasmtime_component_t *component_for(wasm_engine_t *engine) {
    wasmtime_component_t *component = NULL;
    SETUP(wasmtime_rr_component_new(engine, (const uint8_t *)COMPONENT, sizeof COMPONENT - 1, &component));
    return component;
}

static wasmtime_component_linker_t *component_linker_for(wasm_engine_t *engine) {
    wasmtime_component_linker_t *linker = wasmtime_component_linker_new(engine);
    wasmtime_component_linker_instance_t *root = wasmtime_component_linker_root(linker);
    SETUP(wasmtime_rr_component_linker_instance_add_func(root, "greet", 5, component_greet, NULL, NULL));
    wasmtime_component_linker_instance_delete(root);
    return linker;
}

/* The trace a replaying store replays: a recording of one instantiation of
 * the guest through the linker, which is what a world does first, then one
 * of the component (what a world with a component does next). Whatever a
 * case does after it diverges from the trace, by design. */
static const sink_t *recorded_trace(void) {
    static sink_t trace;
    if (trace.data != NULL) return &trace;
    wasm_engine_t *engine = engine_in_mode(VAR_RECORDING);
    wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
    wasmtime_context_t *context = wasmtime_store_context(store);
    wasmtime_rr_recorder_t *recorder = NULL;
    SETUP(wasmtime_rr_recorder_new_callback(sink_write, &trace, NULL, &recorder));
    SETUP(wasmtime_rr_store_record(context, recorder));
    wasmtime_linker_t *linker = linker_for(engine);
    wasmtime_module_t *module = module_for(engine);
    wasmtime_instance_t instance;
    wasm_trap_t *trap = NULL;
    SETUP(wasmtime_rr_linker_instantiate(linker, context, module, &instance, &trap));
    wasmtime_component_linker_t *component_linker = component_linker_for(engine);
    wasmtime_component_t *component = component_for(engine);
    wasmtime_component_instance_t component_instance;
    SETUP(wasmtime_rr_component_linker_instantiate(component_linker, context, component, &component_instance));
    SETUP(wasmtime_rr_store_finish(context));
    wasmtime_store_delete(store);
    wasmtime_component_linker_delete(component_linker);
    wasmtime_rr_component_delete(component);
    wasmtime_linker_delete(linker);
    wasmtime_rr_module_delete(module);
    wasm_engine_delete(engine);
    return &trace;
}

static variant_t world_mode(int w) {
    if (w != W_OTHER_MODE) return current->variant;
    return current->variant == VAR_PLAIN ? VAR_RECORDING : VAR_PLAIN;
}

static wasm_engine_t *world_engine(int w) {
    int e = w == W_OTHER_ENGINE ? 1 : w == W_OTHER_MODE ? 2 : 0;
    if (engines[e] == NULL) engines[e] = engine_in_mode(world_mode(w));
    worlds[w].engine = engines[e];
    return engines[e];
}

static wasmtime_context_t *world_context(int w) {
    world_t *world = &worlds[w];
    if (world->context != NULL) return world->context;
    world->store = wasmtime_store_new(world_engine(w), NULL, NULL);
    world->context = wasmtime_store_context(world->store);
    if (!(current->flags & H_NO_ATTACH)) {
        if (world_mode(w) == VAR_RECORDING) {
            wasmtime_rr_recorder_t *recorder = NULL;
            SETUP(wasmtime_rr_recorder_new_callback(discard_write, NULL, NULL, &recorder));
            SETUP(wasmtime_rr_store_record(world->context, recorder));
        } else if (world_mode(w) == VAR_REPLAYING) {
            const sink_t *trace = recorded_trace();
            wasmtime_rr_replayer_t *replayer = NULL;
            SETUP(wasmtime_rr_replayer_new_bytes(trace->data, trace->size, &replayer));
            SETUP(wasmtime_rr_store_replay(world->context, replayer));
        }
    }
    return world->context;
}

static wasmtime_module_t *world_module(int w) {
    world_t *world = &worlds[w];
    if (world->module == NULL) world->module = module_for(world_engine(w));
    return world->module;
}

static wasmtime_linker_t *world_linker(int w) {
    world_t *world = &worlds[w];
    if (world->linker == NULL) world->linker = linker_for(world_engine(w));
    return world->linker;
}

static const wasmtime_func_t *world_host(int w) {
    world_t *world = &worlds[w];
    if (!world->has_host) {
        wasm_functype_t *type = i32_to_i32();
        SETUP(wasmtime_rr_func_new(world_context(w), type, host_add_one, NULL, NULL, &world->host));
        wasm_functype_delete(type);
        world->has_host = true;
    }
    return &world->host;
}

static world_t *world_instance(int w) {
    world_t *world = &worlds[w];
    if (!world->has_instance) {
        wasmtime_context_t *context = world_context(w);
        wasm_trap_t *trap = NULL;
        SETUP(wasmtime_rr_linker_instantiate(world_linker(w), context, world_module(w), &world->instance, &trap));
        if (trap != NULL) setup_failed("the guest's instantiation trapped", NULL);
        wasmtime_extern_t item;
        if (!wasmtime_instance_export_get(context, &world->instance, "run", 3, &item) ||
            item.kind != WASMTIME_EXTERN_FUNC)
            setup_failed("no export `run`", NULL);
        world->run = item.of.func;
        if (!wasmtime_instance_export_get(context, &world->instance, "memory", 6, &item) ||
            item.kind != WASMTIME_EXTERN_MEMORY)
            setup_failed("no export `memory`", NULL);
        world->memory = item.of.memory;
        world->has_instance = true;
    }
    return world;
}

static wasmtime_component_t *world_component(int w) {
    world_t *world = &worlds[w];
    if (world->component == NULL) world->component = component_for(world_engine(w));
    return world->component;
}

static wasmtime_component_linker_t *world_component_linker(int w) {
    world_t *world = &worlds[w];
    if (world->component_linker == NULL) world->component_linker = component_linker_for(world_engine(w));
    return world->component_linker;
}

/* The component's export `greet`, after the core instance (the order of a
 * replaying world's trace). */
static const wasmtime_component_func_t *world_greet(int w) {
    world_t *world = &worlds[w];
    if (!world->has_component_instance) {
        world_instance(w);
        wasmtime_context_t *context = world_context(w);
        SETUP(wasmtime_rr_component_linker_instantiate(world_component_linker(w), context, world_component(w),
                                                       &world->component_instance));
        wasmtime_component_export_index_t *index =
            wasmtime_component_instance_get_export_index(&world->component_instance, context, NULL, "greet", 5);
        if (index == NULL || !wasmtime_component_instance_get_func(&world->component_instance, context, index, &world->greet))
            setup_failed("the component has no export greet", NULL);
        wasmtime_component_export_index_delete(index);
        world->has_component_instance = true;
    }
    return &world->greet;
}

/* The world a mutation takes its object from. */
static int world_for(const matrix_case_t *c, int p) {
    if (mutated(c, p, MUT_FOREIGN_STORE)) return W_SAME_ENGINE;
    if (mutated(c, p, MUT_FOREIGN_ENGINE)) return W_OTHER_ENGINE;
    if (mutated(c, p, MUT_FOREIGN_MODE)) return W_OTHER_MODE;
    return W_MAIN;
}

/* ---- object factories ---- */

wasm_config_t *h_config(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, wasm_config_new());
}

wasm_engine_t *h_engine(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, world_engine(world_for(c, p)));
}

const wasmtime_error_t *h_error(const matrix_case_t *c, int p) {
    wasmtime_error_t *error = NULL;
    SETUP(wasmtime_rr_error_new(WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, "matrix", &error));
    return pointer_mutation(c, p, error);
}

wasmtime_module_t *h_module(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, world_module(world_for(c, p)));
}

wasmtime_context_t *h_context(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, world_context(world_for(c, p)));
}

const wasm_functype_t *h_functype(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, i32_to_i32());
}

wasmtime_linker_t *h_linker(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, world_linker(world_for(c, p)));
}

const wasmtime_func_t *h_func(const matrix_case_t *c, int p) {
    static wasmtime_func_t func;
    if (nulled(c, p)) return NULL;
    if (mutated(c, p, MUT_ZEROED)) {
        world_instance(W_MAIN);
        memset(&func, 0, sizeof func);
        return &func;
    }
    func = world_instance(world_for(c, p))->run;
    if (mutated(c, p, MUT_MISALIGNED)) return misaligned_copy(&func, sizeof func);
    return &func;
}

const wasmtime_memory_t *h_memory(const matrix_case_t *c, int p) {
    static wasmtime_memory_t memory;
    if (nulled(c, p)) return NULL;
    memory = world_instance(world_for(c, p))->memory;
    if (mutated(c, p, MUT_ZEROED)) memset(&memory, 0, sizeof memory);
    if (mutated(c, p, MUT_BOGUS)) {
        memory.__private1 = 0x7654321u; /* no such instance */
        memory.__private2 = 0x7654321u; /* no such memory */
    }
    if (mutated(c, p, MUT_MISALIGNED)) return misaligned_copy(&memory, sizeof memory);
    return &memory;
}

/* The guest's imports: [the host function made with wasmtime_rr_func_new]. */
const wasmtime_extern_t *h_imports(const matrix_case_t *c, int p, size_t *len) {
    static wasmtime_extern_t imports[1];
    *len = 1;
    if (nulled(c, p)) return NULL;
    imports[0].kind = WASMTIME_EXTERN_FUNC;
    imports[0].of.func = *world_host(world_for(c, p));
    if (mutated(c, p, MUT_ZEROED)) memset(&imports[0].of, 0, sizeof imports[0].of);
    if (mutated(c, p, MUT_FIELD_KIND)) imports[c->element].kind = (wasmtime_extern_kind_t)c->value;
    if (mutated(c, p, MUT_MISALIGNED)) return misaligned_copy(imports, sizeof imports);
    return imports;
}

/* run's arguments: (i32 7, funcref run); a foreign case passes the `run` of
 * another store or engine as the funcref. */
const wasmtime_val_t *h_args(const matrix_case_t *c, int p, size_t *len) {
    static wasmtime_val_t args[2];
    *len = 2;
    if (nulled(c, p)) return NULL;
    memset(args, 0, sizeof args);
    args[0].kind = WASMTIME_I32;
    args[0].of.i32 = 7;
    args[1].kind = WASMTIME_FUNCREF;
    args[1].of.funcref = world_instance(world_for(c, p))->run;
    if (mutated(c, p, MUT_FIELD_KIND)) args[c->element].kind = (wasmtime_valkind_t)c->value;
    if (mutated(c, p, MUT_MISALIGNED)) return misaligned_copy(args, sizeof args);
    return args;
}

/* run's arguments as raw values: (i32 7, funcref run), room for its result;
 * a foreign case passes the `run` of another store or engine. */
wasmtime_val_raw_t *h_raw_args(const matrix_case_t *c, int p, size_t *len) {
    static wasmtime_val_raw_t raw[2];
    *len = 2;
    if (nulled(c, p)) return NULL;
    memset(raw, 0, sizeof raw);
    int w = world_for(c, p);
    raw[0].i32 = 7;
    raw[1].funcref = wasmtime_func_to_raw(world_context(w), &world_instance(w)->run);
    if (mutated(c, p, MUT_MISALIGNED)) return (wasmtime_val_raw_t *)misaligned_copy(raw, sizeof raw);
    return raw;
}

wasmtime_rr_recorder_t *h_recorder(const matrix_case_t *c, int p) {
    wasmtime_rr_recorder_t *recorder = NULL;
    SETUP(wasmtime_rr_recorder_new_callback(discard_write, NULL, NULL, &recorder));
    return pointer_mutation(c, p, recorder);
}

/* A replayer of a valid trace for a replaying case, else of bytes that are
 * no trace (reported only when attached). */
wasmtime_rr_replayer_t *h_replayer(const matrix_case_t *c, int p) {
    wasmtime_rr_replayer_t *replayer = NULL;
    if (c->variant == VAR_REPLAYING) {
        const sink_t *trace = recorded_trace();
        SETUP(wasmtime_rr_replayer_new_bytes(trace->data, trace->size, &replayer));
    } else {
        SETUP(wasmtime_rr_replayer_new_bytes((const uint8_t *)"not a trace", 11, &replayer));
    }
    return pointer_mutation(c, p, replayer);
}

wasi_config_t *h_wasi_config(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, wasi_config_new());
}

wasmtime_component_t *h_component(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, world_component(world_for(c, p)));
}

wasmtime_component_linker_t *h_component_linker(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, world_component_linker(world_for(c, p)));
}

/* The root instance of a fresh linker of the case's engine. */
wasmtime_component_linker_instance_t *h_linker_instance(const matrix_case_t *c, int p) {
    wasmtime_component_linker_t *linker = wasmtime_component_linker_new(world_engine(world_for(c, p)));
    return pointer_mutation(c, p, wasmtime_component_linker_root(linker));
}

/* A host resource type, number 7 (one per case: the matrix runs each case once). */
const wasmtime_component_resource_type_t *h_resource_type(const matrix_case_t *c, int p) {
    return pointer_mutation(c, p, wasmtime_component_resource_type_new_host(7));
}

const wasmtime_component_func_t *h_component_func(const matrix_case_t *c, int p) {
    static wasmtime_component_func_t func;
    if (nulled(c, p)) return NULL;
    if (mutated(c, p, MUT_ZEROED)) {
        world_greet(W_MAIN);
        memset(&func, 0, sizeof func);
        return &func;
    }
    func = *world_greet(world_for(c, p));
    if (mutated(c, p, MUT_MISALIGNED)) return misaligned_copy(&func, sizeof func);
    return &func;
}

/* greet's argument: the string "ab". */
const wasmtime_component_val_t *h_component_args(const matrix_case_t *c, int p, size_t *len) {
    static wasmtime_component_val_t args[1];
    *len = 1;
    if (nulled(c, p)) return NULL;
    memset(args, 0, sizeof args);
    args[0].kind = WASMTIME_COMPONENT_STRING;
    args[0].of.string.size = 2;
    args[0].of.string.data = (char *)"ab";
    if (mutated(c, p, MUT_MISALIGNED)) return misaligned_copy(args, sizeof args);
    return args;
}

const uint8_t *h_component_bytes(const matrix_case_t *c, int p, size_t *len) {
    *len = sizeof COMPONENT - 1;
    return nulled(c, p) ? NULL : (const uint8_t *)COMPONENT;
}

/* ---- bytes, strings, lengths ---- */

const uint8_t *h_wasm(const matrix_case_t *c, int p, size_t *len) {
    const wasm_byte_vec_t *wasm = guest_bytes();
    *len = wasm->size;
    return nulled(c, p) ? NULL : (const uint8_t *)wasm->data;
}

const uint8_t *h_data(const matrix_case_t *c, int p, size_t *len) {
    static const uint8_t bytes[16] = "0123456789abcdef";
    *len = sizeof bytes;
    return nulled(c, p) ? NULL : bytes;
}

const uint8_t *h_trace(const matrix_case_t *c, int p, size_t *len) {
    static const uint8_t bytes[] = "not a trace";
    *len = sizeof bytes - 1;
    return nulled(c, p) ? NULL : bytes;
}

const char *h_name(const matrix_case_t *c, int p, const char *text, size_t *len) {
    *len = strlen(text);
    return nulled(c, p) ? NULL : text;
}

size_t h_len(const matrix_case_t *c, int ptr_param, size_t baseline) {
    return mutated(c, ptr_param, MUT_NULL_EMPTY) ? 0 : baseline;
}

/* A trace file path in the driver's directory, unique to this child. */
const char *h_path(const matrix_case_t *c, int p) {
    static char path[4096];
    if (nulled(c, p)) return NULL;
    snprintf(path, sizeof path, "%s/trace-%ld.wrr", tmp_dir(), (long)getpid());
    FILE *file = fopen(path, "wb"); /* exists, so that a replayer can open it */
    if (file == NULL) setup_failed("cannot create a trace file in MATRIX_TMPDIR", NULL);
    fclose(file);
    return path;
}

const char *h_message(const matrix_case_t *c, int p) {
    return nulled(c, p) ? NULL : "a message from the matrix";
}

void *h_out(const matrix_case_t *c, int p, size_t size) {
    static _Alignas(16) unsigned char slots[16][272];
    if (p >= 16 || size > 256) setup_failed("h_out: slot too small", NULL);
    if (nulled(c, p)) return NULL;
    memset(slots[p], 0xA5, sizeof slots[p]);
    return mutated(c, p, MUT_MISALIGNED) ? slots[p] + 1 : slots[p];
}

uint32_t h_kind(const matrix_case_t *c, int p, uint32_t baseline) {
    return mutated(c, p, MUT_KIND) ? (uint32_t)c->value : baseline;
}
