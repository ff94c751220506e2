package main

// mix runs a module through Wasmtime's C API directly on Engine.Ptr(), as the
// C demo does (the binding's own small object model is for record/replay; see
// replay.go). These flags find the repository's build output, like the
// binding's.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -isystem ${SRCDIR}/../../target/release/include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lwasmtime_rr -Wl,-rpath,${SRCDIR}/../../target/release
#include <string.h>
#include <wasmtime_rr.h>

// Compiles the demo module and calls mix(a, b). Returns an error (owned by the
// caller) or NULL; *trapped is set when the call trapped instead.
static wasmtime_error_t *run_mix(wasm_engine_t *engine, int32_t a, float b, float *result, int *trapped) {
	static const char wat[] =
		"(module (func (export \"mix\") (param i32 f32) (result f32)\n"
		"  local.get 1 local.get 0 f32.convert_i32_s f32.mul))";
	wasm_byte_vec_t wasm;
	wasmtime_error_t *error = wasmtime_wat2wasm(wat, strlen(wat), &wasm);
	if (error != NULL) {
		return error;
	}
	wasmtime_module_t *module = NULL;
	error = wasmtime_module_new(engine, (const uint8_t *)wasm.data, wasm.size, &module);
	wasm_byte_vec_delete(&wasm);
	if (error != NULL) {
		return error;
	}
	wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
	wasmtime_context_t *context = wasmtime_store_context(store);
	wasmtime_instance_t instance;
	wasm_trap_t *trap = NULL;
	error = wasmtime_instance_new(context, module, NULL, 0, &instance, &trap);
	if (error == NULL && trap == NULL) {
		wasmtime_extern_t item;
		if (!wasmtime_instance_export_get(context, &instance, "mix", 3, &item) ||
		    item.kind != WASMTIME_EXTERN_FUNC) {
			error = wasmtime_error_new("the module has no function `mix`");
		} else {
			wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = a}, {.kind = WASMTIME_F32, .of.f32 = b}};
			wasmtime_val_t out;
			error = wasmtime_func_call(context, &item.of.func, args, 2, &out, 1, &trap);
			if (error == NULL && trap == NULL) {
				*result = out.of.f32;
			}
		}
	}
	if (trap != NULL) {
		*trapped = 1;
		wasm_trap_delete(trap);
	}
	wasmtime_store_delete(store);
	wasmtime_module_delete(module);
	return error;
}
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// headerVersion is the WASMTIME_RR_VERSION macro of the header this program
// was compiled against.
func headerVersion() string {
	return C.WASMTIME_RR_VERSION
}

// mix runs the demo module's mix(a, b) = float(a) * b on the engine.
func mix(engine *wasmtimerr.Engine, a int32, b float32) (float32, error) {
	var result C.float
	var trapped C.int
	raw := C.run_mix((*C.wasm_engine_t)(engine.Ptr()), C.int32_t(a), C.float(b), &result, &trapped)
	runtime.KeepAlive(engine)
	if err := wasmtimerr.ErrorFromPtr(unsafe.Pointer(raw)); err != nil {
		return 0, err
	}
	if trapped != 0 {
		return 0, errors.New("mix trapped")
	}
	return float32(result), nil
}
