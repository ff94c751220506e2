"""The native layer: every header function declared as the header says, NULL
handling of every pointer argument through raw calls, error conversion and
freeing, argument conversion."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_bool, c_char_p, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, Callable, Dict

import pytest
import wasmtime
from conftest import CountingLibrary, header_functions
from wasmtime import _ffi as ffi

import wasmtime_rr
from wasmtime_rr import (
    ErrorKind,
    InvalidArgumentError,
    NullArgumentError,
    PanicError,
    WasmtimeError,
    WasmtimeRRError,
    _callbacks,
    _errors,
)
from wasmtime_rr import wasmtime_py
from wasmtime_rr._native import (
    ConfigPointer,
    EnginePointer,
    ErrorPointer,
    Finalizer,
    ReadCallback,
    RecorderPointer,
    ReplayerPointer,
    WriteCallback,
    as_bool,
    as_c_string,
    as_uint32,
    lib,
    library_for,
)

# C type (as the header spells it, normalized) -> the ctypes type declared for it.
# Wasmtime's own store-side types are c_void_p: wasmtime-py passes its own.
CTYPES: Dict[str, Any] = {
    "void": None,
    "wasmtime_error_t *": ErrorPointer,
    "const wasmtime_error_t *": ErrorPointer,
    "wasmtime_error_t * *": POINTER(ErrorPointer),
    "wasm_config_t *": ConfigPointer,
    "const wasm_config_t *": ConfigPointer,
    "wasm_engine_t * *": POINTER(EnginePointer),
    "const wasm_engine_t *": EnginePointer,
    "bool": c_bool,
    "bool *": POINTER(c_bool),
    "wasmtime_rr_mode_t": c_uint32,
    "wasmtime_rr_mode_t *": POINTER(c_uint32),
    "uint8_t * *": POINTER(c_void_p),
    "wasmtime_rr_error_kind_t": c_uint32,
    "const char *": c_char_p,
    "const uint8_t *": c_char_p,
    "size_t": c_size_t,
    "int32_t": c_int32,
    "uint32_t": c_uint32,
    "uint64_t": c_uint64,
    "void *": c_void_p,
    "void ( * ) ( void * )": Finalizer,
    "wasmtime_rr_write_callback_t": WriteCallback,
    "wasmtime_rr_read_callback_t": ReadCallback,
    "wasmtime_rr_recorder_t *": RecorderPointer,
    "wasmtime_rr_recorder_t * *": POINTER(RecorderPointer),
    "wasmtime_rr_replayer_t *": ReplayerPointer,
    "wasmtime_rr_replayer_t * *": POINTER(ReplayerPointer),
    "wasmtime_context_t *": c_void_p,
    "wasmtime_module_t *": c_void_p,
    "const wasmtime_module_t *": c_void_p,
    "wasmtime_module_t * *": c_void_p,
    "wasmtime_linker_t *": c_void_p,
    "const wasmtime_linker_t *": c_void_p,
    "const wasm_functype_t *": c_void_p,
    "wasmtime_func_callback_t": c_void_p,
    "wasmtime_func_unchecked_callback_t": c_void_p,
    "wasmtime_val_raw_t *": c_void_p,
    "wasmtime_func_t *": c_void_p,
    "const wasmtime_func_t *": c_void_p,
    "const wasmtime_extern_t *": c_void_p,
    "wasmtime_instance_t *": c_void_p,
    "wasm_trap_t * *": c_void_p,
    "const wasmtime_val_t *": c_void_p,
    "wasmtime_val_t *": c_void_p,
    "const wasmtime_memory_t *": c_void_p,
    "wasi_config_t *": c_void_p,
    "const wasmtime_component_t *": c_void_p,
    "wasmtime_component_t *": c_void_p,
    "wasmtime_component_t * *": c_void_p,
    "const wasmtime_component_linker_t *": c_void_p,
    "wasmtime_component_linker_t *": c_void_p,
    "wasmtime_component_linker_instance_t *": c_void_p,
    "wasmtime_component_instance_t *": c_void_p,
    "wasmtime_component_func_callback_t": c_void_p,
    "const wasmtime_component_resource_type_t *": c_void_p,
    "wasmtime_component_resource_destructor_t": c_void_p,
    "const wasmtime_component_func_t *": c_void_p,
    "const wasmtime_component_val_t *": c_void_p,
    "wasmtime_component_val_t *": c_void_p,
}

FUNCTIONS = header_functions()
FALLIBLE = [function for function in FUNCTIONS if function[0] == "wasmtime_error_t *"]


def test_the_header_has_the_functions_of_this_binding() -> None:
    assert [name for _, name, _ in FUNCTIONS] == [
        "wasmtime_rr_component_new",
        "wasmtime_rr_component_delete",
        "wasmtime_rr_component_linker_instantiate",
        "wasmtime_rr_component_linker_instance_add_func",
        "wasmtime_rr_component_linker_instance_add_resource",
        "wasmtime_rr_component_linker_add_wasip2",
        "wasmtime_rr_component_func_call",
        "wasm_config_record_set",
        "wasm_config_replay_set",
        "wasm_config_rr_mode_set",
        "wasm_config_enforce_determinism",
        "wasm_config_validate",
        "wasm_engine_new_checked",
        "wasm_engine_is_recording",
        "wasm_engine_is_replaying",
        "wasm_engine_rr_mode",
        "wasm_engine_nan_canonicalization",
        "wasm_engine_relaxed_simd_deterministic",
        "wasmtime_rr_env_mode",
        "wasmtime_rr_env_config",
        "wasmtime_rr_env_attach",
        "wasmtime_rr_error_kind",
        "wasmtime_rr_error_kind_name",
        "wasmtime_rr_error_new",
        "wasmtime_rr_module_new",
        "wasmtime_rr_module_delete",
        "wasmtime_rr_func_new",
        "wasmtime_rr_linker_define_func",
        "wasmtime_rr_instance_new",
        "wasmtime_rr_linker_instantiate",
        "wasmtime_rr_func_call",
        "wasmtime_rr_func_new_unchecked",
        "wasmtime_rr_linker_define_func_unchecked",
        "wasmtime_rr_func_call_unchecked",
        "wasmtime_rr_memory_write",
        "wasmtime_rr_memory_data",
        "wasmtime_rr_recorder_new_file",
        "wasmtime_rr_recorder_new_callback",
        "wasmtime_rr_recorder_validation_set",
        "wasmtime_rr_recorder_event_window_set",
        "wasmtime_rr_recorder_memory_digest_set",
        "wasmtime_rr_recorder_flush_bytes_set",
        "wasmtime_rr_recorder_compression_set",
        "wasmtime_rr_recorder_shadow_memory_set",
        "wasmtime_rr_recorder_delete",
        "wasmtime_rr_replayer_new_file",
        "wasmtime_rr_replayer_new_bytes",
        "wasmtime_rr_replayer_new_callback",
        "wasmtime_rr_replayer_echo_set",
        "wasmtime_rr_replayer_delete",
        "wasmtime_rr_store_record",
        "wasmtime_rr_store_replay",
        "wasmtime_rr_store_flush",
        "wasmtime_rr_store_finish",
        "wasmtime_rr_version",
        "wasmtime_rr_compiled_in",
        "wasmtime_rr_linker_define_wasi",
        "wasmtime_rr_context_set_wasi",
        "wasi_config_random_seed_set",
        "wasi_config_wall_clock_set",
        "wasi_config_monotonic_clock_set",
    ]


@pytest.mark.parametrize("result, name, params", FUNCTIONS, ids=[f[1] for f in FUNCTIONS])
def test_every_header_function_is_declared_as_the_header_says(result: str, name: str, params: list) -> None:
    function = getattr(lib, name)
    assert function.restype is CTYPES[result]
    assert list(function.argtypes) == [CTYPES[ctype] for ctype, _ in params]


@ffi.wasmtime_func_unchecked_callback_t
def _raw_host(env: Any, caller: Any, args_and_results: Any, nargs_and_results: int) -> int:
    """A host function of the raw calling convention that does nothing (never
    called here: every call it is given to fails first)."""
    return 0


# A component with one function export.
WORLD_COMPONENT = """(component
  (core module $m (func (export "f") (result i32) i32.const 1))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))"""

# A module with one export of each kind the RR-aware functions take.
WORLD_WAT = """(module (memory (export "m") 1)
  (func (export "f") (param i32) (result i32) local.get 0))"""


class World:
    """Valid arguments for every header function, made of wasmtime-py objects
    (on a plain engine) and called through wasmtime-py's library."""

    def __init__(self, tmp_path: Path) -> None:
        self.library = wasmtime_py.library()
        self.config = wasmtime.Config()
        self.engine = wasmtime.Engine()
        self.store = wasmtime.Store(self.engine)
        self.linker = wasmtime.Linker(self.engine)
        self.module = wasmtime_py.module_new(self.engine, WORLD_WAT)
        exports = wasmtime_py.instantiate(self.store, self.module, []).exports(self.store)
        func, memory = exports["f"], exports["m"]
        assert isinstance(func, wasmtime.Func) and isinstance(memory, wasmtime.Memory)
        self.func, self.memory = func, memory
        self.functype = wasmtime.FuncType([], [])
        # Not consumed by a failing call (the only kind made here); freed by wasmtime-py.
        self.wasi = wasmtime.WasiConfig()
        self.path = bytes(tmp_path / "trace.wrr")
        self.component = wasmtime_py.component_new(self.engine, WORLD_COMPONENT)
        self.component_linker = wasmtime.component.Linker(self.engine)
        self.component_instance = wasmtime_py.component_instantiate(self.component_linker, self.store, self.component)
        component_func = self.component_instance.get_func(self.store, "f")
        assert component_func is not None
        self.component_func = component_func
        # Another linker's root, taken raw: wasmtime-py's LinkerInstance would
        # lock that linker for as long as the world lives.
        self.other_linker = wasmtime.component.Linker(self.engine)
        self.linker_instance = ffi.wasmtime_component_linker_root(self.other_linker.ptr())
        self.resource_type = wasmtime.component.ResourceType.host(7)

    def recorder(self) -> Any:
        """A raw recorder nobody owns: only a call that consumes it gets one."""
        recorder = RecorderPointer()
        self.library.call(self.library.wasmtime_rr_recorder_new_file, self.path, byref(recorder))
        return recorder

    def replayer(self) -> Any:
        replayer = ReplayerPointer()
        self.library.call(self.library.wasmtime_rr_replayer_new_bytes, b"", 0, byref(replayer))
        return replayer

    def argument(self, ctype: str, name: str) -> Any:
        """A valid value for parameter ``name`` of C type ``ctype``; counts are
        1, so that a NULL array is an error."""
        values: Dict[str, Callable[[], Any]] = {
            "wasm_config_t *": lambda: ctypes.cast(self.config.ptr(), ConfigPointer),
            "const wasm_engine_t *": lambda: ctypes.cast(self.engine.ptr(), EnginePointer),
            "bool": lambda: True,
            "wasmtime_rr_mode_t": lambda: 1,
            "wasmtime_rr_error_kind_t": lambda: ErrorKind.PANIC,
            "const char *": lambda: self.path if name == "path" else b"message",
            "const uint8_t *": lambda: b"\0",
            "size_t": lambda: 1,
            "int32_t": lambda: 1,
            "uint32_t": lambda: 1,
            "uint64_t": lambda: 0,
            "void *": lambda: None,
            "void ( * ) ( void * )": Finalizer,  # NULL
            "wasmtime_rr_write_callback_t": lambda: _callbacks.write_trampoline,
            "wasmtime_rr_read_callback_t": lambda: _callbacks.read_trampoline,
            "wasmtime_rr_recorder_t *": self.recorder,
            "wasmtime_rr_replayer_t *": self.replayer,
            "wasmtime_context_t *": self.store._context,
            "const wasmtime_module_t *": self.module.ptr,
            "wasmtime_module_t * *": lambda: byref(POINTER(ffi.wasmtime_module_t)()),
            "wasmtime_linker_t *": self.linker.ptr,
            "const wasm_functype_t *": self.functype.ptr,
            "wasmtime_func_callback_t": lambda: wasmtime_py._host_trampoline,
            "wasmtime_func_unchecked_callback_t": lambda: _raw_host,
            "wasmtime_val_raw_t *": lambda: byref(ffi.wasmtime_val_raw_t(i32=1)),
            "wasmtime_func_t *": lambda: byref(ffi.wasmtime_func_t()),
            "const wasmtime_func_t *": lambda: byref(self.func._func),
            "const wasmtime_extern_t *": lambda: byref(self.func._as_extern()),
            "wasmtime_instance_t *": lambda: byref(ffi.wasmtime_instance_t()),
            "wasm_trap_t * *": lambda: byref(POINTER(ffi.wasm_trap_t)()),
            "const wasmtime_val_t *": lambda: byref(ffi.wasmtime_val_t(kind=ffi.WASMTIME_I32)),
            "wasmtime_val_t *": lambda: byref(ffi.wasmtime_val_t()),
            "const wasmtime_memory_t *": lambda: byref(self.memory._memory),
            "wasi_config_t *": self.wasi.ptr,
            "const wasmtime_component_t *": self.component.ptr,
            "wasmtime_component_t * *": lambda: byref(c_void_p()),
            "wasmtime_component_linker_t *": self.component_linker.ptr,
            "wasmtime_component_linker_instance_t *": lambda: self.linker_instance,
            "wasmtime_component_instance_t *": lambda: byref(ffi.wasmtime_component_instance_t()),
            "wasmtime_component_func_callback_t": lambda: ctypes.cast(
                wasmtime.component._linker.func_impl, c_void_p
            ),
            "const wasmtime_component_resource_type_t *": self.resource_type.ptr,
            "wasmtime_component_resource_destructor_t": lambda: ctypes.cast(
                wasmtime.component._linker.resource_dtor_impl, c_void_p
            ),
            "const wasmtime_component_func_t *": lambda: byref(self.component_func._func),
            "const wasmtime_component_val_t *": lambda: byref(ffi.wasmtime_component_val_t()),
            "wasmtime_component_val_t *": lambda: byref(ffi.wasmtime_component_val_t()),
        }
        aliases = {
            "const wasm_config_t *": "wasm_config_t *",
            "const wasmtime_linker_t *": "wasmtime_linker_t *",
            "const wasmtime_component_linker_t *": "wasmtime_component_linker_t *",
        }
        ctype = aliases.get(ctype, ctype)
        if ctype in values:
            return values[ctype]()
        return byref(CTYPES[ctype]._type_())  # an out-pointer of this library's own types


def null(ctype: str) -> Any:
    """NULL for a parameter of C type ``ctype``; ctypes wants a NULL function
    pointer of the declared type for a callback."""
    argtype = CTYPES[ctype]
    return argtype() if argtype in (WriteCallback, ReadCallback, Finalizer) else None


def must_not_be_null(ctype: str) -> bool:
    """Pointers and callbacks must not be NULL; user data and finalizers may."""
    return (ctype.endswith("*") and ctype != "void *") or ctype.endswith(("_callback_t", "_destructor_t"))


NULL_CASES = [
    (name, index, param)
    for _, name, params in FALLIBLE
    for index, (ctype, param) in enumerate(params)
    if must_not_be_null(ctype)
]


@pytest.mark.parametrize("name, index, param", NULL_CASES, ids=[f"{n}-{p}" for n, _, p in NULL_CASES])
def test_every_null_pointer_argument_is_a_null_argument_error(
    name: str, index: int, param: str, tmp_path: Path
) -> None:
    params = dict((n, p) for _, n, p in FALLIBLE)[name]
    world = World(tmp_path)
    args = [world.argument(ctype, param_name) for ctype, param_name in params]
    args[index] = null(params[index][0])
    with pytest.raises(NullArgumentError) as raised:
        world.library.call(getattr(world.library, name), *args)
    assert raised.value.kind is ErrorKind.NULL_ARGUMENT
    # Named as in the header: `store` for the functions whose parameter is so named, else `context`.
    assert str(raised.value) == f"{name}: argument `{param}` is NULL"
    wasmtime_py.validate(world.config)  # a failed call consumed nothing: the config is still alive


def test_null_cases_cover_every_pointer_and_callback_parameter() -> None:
    assert len(NULL_CASES) == 115


@pytest.mark.parametrize(
    "args, nargs, nresults, message",
    [
        ([], 0, 1, "the function takes 1 arguments, 0 were given"),
        ([(ffi.WASMTIME_I32.value, 1)] * 2, 2, 1, "the function takes 1 arguments, 2 were given"),
        ([(ffi.WASMTIME_I32.value, 1)], 1, 0, "the function returns 1 results, room for 0 was given"),
        ([(ffi.WASMTIME_I64.value, 1)], 1, 1, "argument #0 is an i64 (kind 1), the function takes an i32 (kind 0)"),
        ([(9, 0)], 1, 1, "argument #0 has the unknown value kind 9"),
    ],
    ids=["too-few", "too-many", "results-room", "kind", "unknown-kind"],
)
def test_call_arguments_are_checked_with_nothing_attached(
    args: list, nargs: int, nresults: int, message: str, tmp_path: Path
) -> None:
    """Before any call, in every mode: an invalid_argument error of the
    library, not Wasmtime's own error."""
    world = World(tmp_path)
    raw_args = (ffi.wasmtime_val_t * max(1, len(args)))()
    for i, (kind, value) in enumerate(args):
        raw_args[i].kind = kind
        raw_args[i].of.i64 = value
    results = (ffi.wasmtime_val_t * 1)()
    trap = POINTER(ffi.wasm_trap_t)()
    with pytest.raises(InvalidArgumentError) as raised:
        world.library.call(
            world.library.wasmtime_rr_func_call,
            world.store._context(),
            byref(world.func._func),
            raw_args,
            nargs,
            results,
            nresults,
            byref(trap),
        )
    assert str(raised.value) == f"wasmtime_rr_func_call: {message}"
    assert not trap
    # The store is usable: a correct call goes on.
    raw_args[0].kind, raw_args[0].of.i32 = ffi.WASMTIME_I32.value, 41
    world.library.call(
        world.library.wasmtime_rr_func_call,
        world.store._context(),
        byref(world.func._func),
        raw_args,
        1,
        results,
        1,
        byref(trap),
    )
    assert not trap and results[0].kind == ffi.WASMTIME_I32.value and results[0].of.i32 == 41


def test_misaligned_pointers(tmp_path: Path) -> None:
    """The kind of a misaligned error pointer is invalid_argument; deleters
    ignore misaligned pointers as they ignore NULL; a misaligned recorder or
    replayer is refused."""
    words = (ctypes.c_uint64 * 4)()
    misaligned = ctypes.addressof(words) + 1
    assert lib.wasmtime_rr_error_kind(ctypes.cast(misaligned, ErrorPointer)) == ErrorKind.INVALID_ARGUMENT
    lib.wasmtime_rr_recorder_delete(ctypes.cast(misaligned, RecorderPointer))
    lib.wasmtime_rr_replayer_delete(ctypes.cast(misaligned, ReplayerPointer))
    lib.wasmtime_rr_module_delete(misaligned)
    assert bytes(words) == bytes(32)
    world = World(tmp_path)
    for function, pointer_type, param in [
        ("wasmtime_rr_store_record", RecorderPointer, "recorder"),
        ("wasmtime_rr_store_replay", ReplayerPointer, "replayer"),
    ]:
        with pytest.raises(InvalidArgumentError) as raised:
            world.library.call(
                getattr(world.library, function), world.store._context(), ctypes.cast(misaligned, pointer_type)
            )
        assert str(raised.value) == f"{function}: argument `{param}` is not aligned to 8 bytes"
    with pytest.raises(InvalidArgumentError) as raised:
        world.library.call(world.library.wasmtime_rr_store_flush, misaligned)
    assert str(raised.value) == "wasmtime_rr_store_flush: argument `context` is not aligned to 8 bytes"
    with pytest.raises(InvalidArgumentError) as raised:
        world.library.call(world.library.wasmtime_rr_store_flush, world.store._context())
    assert str(raised.value) == "wasmtime_rr_store_flush: this store has no recorder or replayer attached"


def test_the_kind_of_a_null_error_is_none() -> None:
    assert lib.wasmtime_rr_error_kind(None) == ErrorKind.NONE


def test_check_of_null_is_success_and_frees_nothing() -> None:
    counting = CountingLibrary()
    counting.library.check(ErrorPointer())
    counting.library.check(None)
    assert counting.counts == {}


def raw_error(kind: int, message: bytes) -> Any:
    made = ErrorPointer()
    assert not lib.wasmtime_rr_error_new(kind, message, byref(made))
    return made


def test_an_error_and_its_message_are_freed_exactly_once() -> None:
    counting = CountingLibrary()
    with pytest.raises(PanicError, match="^boom$"):
        counting.library.check(raw_error(ErrorKind.PANIC, b"boom"))
    assert counting.counts == {"wasmtime_error_delete": 1, "wasm_byte_vec_delete": 1}


def test_an_error_made_by_wasmtimes_own_c_api_is_a_wasmtime_error() -> None:
    wasmtime_error_new = lib.handle["wasmtime_error_new"]
    wasmtime_error_new.restype = ErrorPointer
    wasmtime_error_new.argtypes = [c_char_p]
    with pytest.raises(WasmtimeError) as raised:
        lib.check(wasmtime_error_new(b"from the host"))
    assert raised.value.kind is ErrorKind.WASMTIME
    assert str(raised.value) == raised.value.message == "from the host"


def test_a_wasmtime_error_from_compiling_an_invalid_module() -> None:
    validate = lib.handle["wasmtime_module_validate"]
    validate.restype = ErrorPointer
    validate.argtypes = [EnginePointer, c_char_p, c_size_t]
    with wasmtime_rr.Engine(wasmtime_rr.Config()) as engine:
        with pytest.raises(WasmtimeError) as raised:
            lib.call(validate, engine._pointer(), b"not wasm", 8)
    assert raised.value.kind is ErrorKind.WASMTIME
    assert "magic header not detected" in str(raised.value)


def test_an_unknown_kind_maps_to_the_base_class() -> None:
    error = _errors.exception_for(99, "from the future")
    assert type(error) is WasmtimeRRError
    assert error.kind == 99 and not isinstance(error.kind, ErrorKind)
    assert str(error) == "from the future"


def test_the_none_kind_maps_to_the_base_class() -> None:
    error = _errors.exception_for(0, "odd")
    assert type(error) is WasmtimeRRError
    assert error.kind is ErrorKind.NONE


def test_as_bool_accepts_only_bools() -> None:
    assert as_bool(True, "enable") is True
    assert as_bool(False, "enable") is False
    with pytest.raises(TypeError, match="^enable must be a bool, not int$"):
        as_bool(1, "enable")


def test_as_uint32_passes_every_uint32_and_rejects_the_rest() -> None:
    assert as_uint32(0, "mode") == 0
    assert as_uint32(0xFFFFFFFF, "mode") == 0xFFFFFFFF
    assert as_uint32(ErrorKind.PANIC, "kind") == 6
    with pytest.raises(OverflowError, match="^mode 4294967296 does not fit in a C uint32_t$"):
        as_uint32(2**32, "mode")
    with pytest.raises(OverflowError, match="^mode -1 does not fit in a C uint32_t$"):
        as_uint32(-1, "mode")
    with pytest.raises(TypeError):
        as_uint32("1", "mode")  # type: ignore[arg-type]


def test_as_c_string_encodes_str_and_passes_bytes() -> None:
    assert as_c_string("déjà", "message") == "déjà".encode("utf-8")
    assert as_c_string(b"\xff", "message") == b"\xff"
    with pytest.raises(ValueError, match="^message contains a NUL character"):
        as_c_string("a\0b", "message")
    with pytest.raises(TypeError, match="^message must be str or bytes, not int$"):
        as_c_string(3, "message")  # type: ignore[arg-type]


def test_library_for_declares_once_per_handle() -> None:
    assert library_for(lib.handle) is lib


def test_declaring_makes_new_function_objects() -> None:
    # handle[name] never hands out the object cached by handle.name, so our
    # prototypes never change those another package declared on the handle.
    assert lib.wasm_config_new is not lib.handle["wasm_config_new"]
    assert lib.same_copy(lib.handle)
    assert ctypes.cast(lib.wasm_config_new, c_void_p).value == ctypes.cast(  # type: ignore[arg-type]
        lib.handle["wasm_config_new"], c_void_p
    ).value
