/* wasmtime_rr.h compiles on its own (it includes what it needs) and survives
 * being included twice; compiled as C11 and as C++17 with strict warnings. */
#include <wasmtime_rr.h>
#include <wasmtime_rr.h>

#ifndef WASMTIME_RR_VERSION
#error "version macros missing"
#endif

int header_alone_uses_a_declaration(void);
int header_alone_uses_a_declaration(void) {
    wasmtime_rr_mode_t mode = WASMTIME_RR_MODE_RECORDING;
    wasmtime_rr_error_kind_t kind = WASMTIME_RR_ERROR_KIND_PANIC;
    wasmtime_error_t *(*setter)(wasm_config_t *, bool) = wasm_config_record_set;
    return (int)mode + (int)kind + (setter != 0);
}
