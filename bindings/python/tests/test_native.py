"""The native layer: every header function declared as the header says, NULL
handling of every pointer argument through raw calls, error conversion and
freeing, argument conversion."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_bool, c_char_p, c_size_t, c_uint32, c_void_p
from typing import Any, Dict

import pytest
from conftest import CountingLibrary, header_functions

import wasmtime_rr
from wasmtime_rr import ErrorKind, NullArgumentError, PanicError, WasmtimeError, WasmtimeRRError, _errors
from wasmtime_rr._native import (
    ConfigPointer,
    EnginePointer,
    ErrorPointer,
    as_bool,
    as_c_string,
    as_uint32,
    lib,
    library_for,
)

# C type (as the header spells it, normalized) -> the ctypes type declared for it.
CTYPES: Dict[str, Any] = {
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
    "wasmtime_rr_error_kind_t": c_uint32,
    "const char *": c_char_p,
}

FUNCTIONS = header_functions()
FALLIBLE = [function for function in FUNCTIONS if function[0] == "wasmtime_error_t *"]


def test_the_header_has_the_sixteen_functions_of_the_readme() -> None:
    assert [name for _, name, _ in FUNCTIONS] == [
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
        "wasmtime_rr_error_kind",
        "wasmtime_rr_error_kind_name",
        "wasmtime_rr_error_new",
        "wasmtime_rr_version",
        "wasmtime_rr_compiled_in",
    ]


@pytest.mark.parametrize("result, name, params", FUNCTIONS, ids=[f[1] for f in FUNCTIONS])
def test_every_header_function_is_declared_as_the_header_says(result: str, name: str, params: list) -> None:
    function = getattr(lib, name)
    assert function.restype is CTYPES[result]
    assert list(function.argtypes) == [CTYPES[ctype] for ctype, _ in params]


def valid_argument(ctype: str, config: Any, engine: Any) -> Any:
    """A valid value for a parameter of C type ``ctype``."""
    values = {
        "wasm_config_t *": config,
        "const wasm_config_t *": config,
        "const wasm_engine_t *": engine,
        "bool": True,
        "wasmtime_rr_mode_t": 1,
        "wasmtime_rr_error_kind_t": ErrorKind.PANIC,
        "const char *": b"message",
    }
    return values[ctype] if ctype in values else byref(CTYPES[ctype]._type_())  # an out-pointer


NULL_CASES = [
    (name, index, param)
    for _, name, params in FALLIBLE
    for index, (ctype, param) in enumerate(params)
    if ctype.endswith("*")
]


@pytest.mark.parametrize("name, index, param", NULL_CASES, ids=[f"{n}-{p}" for n, _, p in NULL_CASES])
def test_every_null_pointer_argument_is_a_null_argument_error(name: str, index: int, param: str) -> None:
    params = dict((n, p) for _, n, p in FALLIBLE)[name]
    with wasmtime_rr.Config() as config, wasmtime_rr.Engine(wasmtime_rr.Config()) as engine:
        args = [valid_argument(ctype, config._pointer(), engine._pointer()) for ctype, _ in params]
        args[index] = None
        with pytest.raises(NullArgumentError) as raised:
            lib.call(getattr(lib, name), *args)
        assert raised.value.kind is ErrorKind.NULL_ARGUMENT
        assert str(raised.value) == f"{name}: argument `{param}` is NULL"
        config.validate()  # a failed call consumed nothing: the config is still alive


def test_null_cases_cover_every_pointer_parameter() -> None:
    assert len(NULL_CASES) == 19


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
