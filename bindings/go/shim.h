/*
 * C helpers of the record/replay object model (shim.c). They exist for what
 * cgo cannot express: C function pointers to the Go callbacks (callbacks.go),
 * callback data that is a cgo.Handle rather than a pointer, and the unions
 * of wasmtime_val_t and wasmtime_extern_t.
 */
#ifndef WASMTIMERR_SHIM_H
#define WASMTIMERR_SHIM_H

#include <stdint.h>
#include <wasmtime_rr.h>

/* Sets a value of kind WASMTIME_I32/I64/F32/F64 from its bits. */
void wasmtimerr_val_set(wasmtime_val_t *val, uint8_t kind, uint64_t bits);
/* The bits of a value of kind WASMTIME_I32/I64/F32/F64 (zero-extended). */
uint64_t wasmtimerr_val_bits(const wasmtime_val_t *val);

/* A function type from value kinds (wasm_valkind_t values); the caller owns it. */
wasm_functype_t *wasmtimerr_functype(const uint8_t *params, size_t nparams, const uint8_t *results, size_t nresults);

/* wasmtime_rr_recorder_new_callback / wasmtime_rr_replayer_new_callback with
 * the Go stream behind the cgo.Handle `handle`. */
wasmtime_error_t *wasmtimerr_recorder_new_go(uintptr_t handle, wasmtime_rr_recorder_t **recorder_out);
wasmtime_error_t *wasmtimerr_replayer_new_go(uintptr_t handle, wasmtime_rr_replayer_t **replayer_out);

/* wasmtime_rr_linker_define_func / wasmtime_rr_func_new with the Go host
 * function behind the cgo.Handle `handle`. */
wasmtime_error_t *wasmtimerr_linker_define_go(wasmtime_linker_t *linker, const char *module, size_t module_len,
                                              const char *name, size_t name_len, const wasm_functype_t *type,
                                              uintptr_t handle);
wasmtime_error_t *wasmtimerr_func_new_go(wasmtime_context_t *context, const wasm_functype_t *type, uintptr_t handle,
                                         wasmtime_func_t *func_out);

/* wasmtime_rr_instance_new with function imports only. */
wasmtime_error_t *wasmtimerr_instance_new_funcs(wasmtime_context_t *context, const wasmtime_module_t *module,
                                                const wasmtime_func_t *funcs, size_t nfuncs,
                                                wasmtime_instance_t *instance_out, wasm_trap_t **trap_out);

/* Looks up a function export (wasmtime_instance_export_get). Returns 0 when
 * there is no such export, 2 when it is not a function, else 1 after writing
 * the function and the number of its results. */
int wasmtimerr_export_func(wasmtime_context_t *context, const wasmtime_instance_t *instance, const char *name,
                           size_t name_len, wasmtime_func_t *func_out, size_t *nresults);

/* Writes into the caller's exported memory `name` with wasmtime_rr_memory_write.
 * *status receives 0 when the write was attempted, 1 when there is no such
 * export, 2 when it is not a memory. */
wasmtime_error_t *wasmtimerr_caller_memory_write(wasmtime_caller_t *caller, const char *name, size_t name_len,
                                                 uint64_t offset, const uint8_t *data, size_t len, int *status);

#endif
