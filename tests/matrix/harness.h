/*
 * The misuse matrix: every function of include/wasmtime_rr.h called with each
 * pointer NULL, misaligned, or an object of another engine or store, and each
 * kind/mode value swept, one case per child process.
 *
 * tests/matrix/gen_matrix.py reads the header and writes the cases (one caller
 * per function plus a table of cases, target/matrix/matrix_cases.c). This file
 * declares what the generated code uses: the case description, the result a
 * child hands to the parent, and one factory per parameter type (harness.c).
 * A factory returns the parameter's valid ("baseline") value, unless the case
 * mutates that parameter: then it returns the mutated value instead.
 */
#ifndef MATRIX_HARNESS_H
#define MATRIX_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wasi.h>
#include <wasmtime.h>
#include <wasmtime_rr.h>

/* How a case changes one parameter. */
typedef enum {
    MUT_NONE,           /* the baseline call */
    MUT_NULL,           /* the pointer is NULL (its length, if any, unchanged) */
    MUT_NULL_EMPTY,     /* the pointer is NULL and its length 0 */
    MUT_MISALIGNED,     /* the address of a valid object (or out slot) + 1 */
    MUT_FOREIGN_STORE,  /* an object of another store of the same engine */
    MUT_FOREIGN_ENGINE, /* an object of another engine (same record/replay mode) */
    MUT_FOREIGN_MODE,   /* an object of an engine in another record/replay mode */
    MUT_ZEROED,         /* a handle whose bytes are all 0 */
    MUT_BOGUS,          /* a handle of the right store with a garbage index */
    MUT_KIND,           /* an enum/kind scalar parameter set to `value` */
    MUT_FIELD_KIND,     /* the `kind` field of array element `element` set to `value` */
} mutation_t;

/* The store and engine every case's objects come from. */
typedef enum {
    VAR_NONE,      /* the function takes no engine- or store-owned object */
    VAR_PLAIN,     /* a stock engine (wasm_engine_new), nothing attached */
    VAR_RECORDING, /* a recording engine; stores have a recorder attached */
    VAR_REPLAYING, /* a replaying engine; stores replay a recorded instantiation */
} variant_t;

/* Flags of a case's function. */
#define H_NO_ATTACH 1u /* the store gets no recorder (the function attaches one) */

/* What the case must give. */
typedef enum {
    EXP_OK,              /* NULL (success) */
    EXP_KIND,            /* an error object of kind `expected_kind` */
    EXP_NOT_PANIC,       /* success or an error of any kind but PANIC */
    EXP_ERROR_NOT_PANIC, /* an error of any kind but PANIC */
    EXP_NO_CRASH,        /* a function without a result: it returns */
    EXP_RET_KIND,        /* returns the kind value `expected_kind` */
    EXP_STRING,          /* returns a non-NULL string equal to `expected_string` */
} expect_t;

typedef enum {
    CLASS_BASELINE,
    CLASS_NULL,
    CLASS_NULL_EMPTY,
    CLASS_MISALIGNED,
    CLASS_FOREIGN,
    CLASS_BOGUS,
    CLASS_KIND,
    CLASS_COUNT,
} case_class_t;

typedef struct matrix_case matrix_case_t;

/* What a child reports (in memory shared with the parent). */
typedef struct {
    int returned;       /* 1 once the function returned */
    int setup_failed;   /* 1 when building the baseline objects failed */
    int is_error;       /* the function returned an error object */
    uint32_t kind;      /* its kind, or the kind the function returned */
    int has_text;       /* `text` holds a returned string */
    char text[1024];    /* the error message, returned string or setup failure */
} h_result_t;

struct matrix_case {
    const char *function;
    void (*call)(const matrix_case_t *, h_result_t *);
    variant_t variant;
    unsigned flags;
    case_class_t cls;
    int param;                /* the mutated parameter's index, -1 for none */
    const char *param_name;
    mutation_t mutation;
    int element;              /* array element, for MUT_FIELD_KIND */
    int64_t value;            /* the kind value, for MUT_KIND / MUT_FIELD_KIND */
    expect_t expect;
    uint32_t expected_kind;
    const char *expected_string;
    const char *label;        /* how the case is printed, e.g. "args[1].kind=255" */
};

/* Generated (target/matrix/matrix_cases.c). */
extern const matrix_case_t MATRIX_CASES[];
extern const size_t MATRIX_CASE_COUNT;
extern const char *const MATRIX_FUNCTIONS[];
extern const size_t MATRIX_FUNCTION_COUNT;

/* Recording a result (called by the generated callers). */
void h_returned_error(h_result_t *r, wasmtime_error_t *error);
void h_returned_kind(h_result_t *r, wasmtime_rr_error_kind_t kind);
void h_returned_string(h_result_t *r, const char *text);
void h_returned_void(h_result_t *r);
void h_returned_bool(h_result_t *r, bool value);

/* Called first by each generated caller. */
void h_begin(const matrix_case_t *c, h_result_t *r);

/* Factories: parameter `p` of case `c`. */
wasm_config_t *h_config(const matrix_case_t *c, int p);
wasm_engine_t *h_engine(const matrix_case_t *c, int p);
const wasmtime_error_t *h_error(const matrix_case_t *c, int p);
wasmtime_module_t *h_module(const matrix_case_t *c, int p);
wasmtime_context_t *h_context(const matrix_case_t *c, int p);
const wasm_functype_t *h_functype(const matrix_case_t *c, int p);
wasmtime_linker_t *h_linker(const matrix_case_t *c, int p);
const wasmtime_extern_t *h_imports(const matrix_case_t *c, int p, size_t *len);
const wasmtime_func_t *h_func(const matrix_case_t *c, int p);
const wasmtime_val_t *h_args(const matrix_case_t *c, int p, size_t *len);
wasmtime_val_raw_t *h_raw_args(const matrix_case_t *c, int p, size_t *len);
const wasmtime_memory_t *h_memory(const matrix_case_t *c, int p);
wasmtime_rr_recorder_t *h_recorder(const matrix_case_t *c, int p);
wasmtime_rr_replayer_t *h_replayer(const matrix_case_t *c, int p);
wasi_config_t *h_wasi_config(const matrix_case_t *c, int p);
wasmtime_component_t *h_component(const matrix_case_t *c, int p);
wasmtime_component_linker_t *h_component_linker(const matrix_case_t *c, int p);
wasmtime_component_linker_instance_t *h_linker_instance(const matrix_case_t *c, int p);
const wasmtime_component_func_t *h_component_func(const matrix_case_t *c, int p);
const wasmtime_component_val_t *h_component_args(const matrix_case_t *c, int p, size_t *len);
const uint8_t *h_component_bytes(const matrix_case_t *c, int p, size_t *len);
wasmtime_component_func_callback_t h_component_callback(const matrix_case_t *c, int p);
const wasmtime_component_resource_type_t *h_resource_type(const matrix_case_t *c, int p);
wasmtime_component_resource_destructor_t h_resource_destructor(const matrix_case_t *c, int p);

/* Byte strings with a length: module bytes, bytes for a memory write, trace
 * bytes, and names ("env", "g"). `len` receives the baseline length. */
const uint8_t *h_wasm(const matrix_case_t *c, int p, size_t *len);
const uint8_t *h_data(const matrix_case_t *c, int p, size_t *len);
const uint8_t *h_trace(const matrix_case_t *c, int p, size_t *len);
const char *h_name(const matrix_case_t *c, int p, const char *text, size_t *len);
/* The length paired with pointer parameter `ptr_param`: `baseline`, or 0
 * when that pointer is MUT_NULL_EMPTY. */
size_t h_len(const matrix_case_t *c, int ptr_param, size_t baseline);

/* NUL-terminated strings. */
const char *h_path(const matrix_case_t *c, int p);
const char *h_message(const matrix_case_t *c, int p);

/* An output location of `size` bytes (at most 256), 16-byte aligned in the
 * baseline, at that address + 1 when misaligned. */
void *h_out(const matrix_case_t *c, int p, size_t size);

/* Scalars of enum types: `baseline`, or the case's value. */
uint32_t h_kind(const matrix_case_t *c, int p, uint32_t baseline);

/* User data and callbacks. */
void *h_userdata(const matrix_case_t *c, int p);
typedef void (*h_finalizer_t)(void *);
h_finalizer_t h_finalizer(const matrix_case_t *c, int p);
wasmtime_func_callback_t h_func_callback(const matrix_case_t *c, int p);
wasmtime_func_unchecked_callback_t h_raw_callback(const matrix_case_t *c, int p);
wasmtime_rr_write_callback_t h_write_callback(const matrix_case_t *c, int p);
wasmtime_rr_read_callback_t h_read_callback(const matrix_case_t *c, int p);

#endif
