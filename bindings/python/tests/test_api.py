"""Config, Engine, Mode, version and compiled_in: values, errors, ownership."""

from __future__ import annotations

import gc
import importlib.metadata
import re
from ctypes import POINTER, byref, c_char, c_char_p, c_size_t
from typing import Callable, Optional

import pytest
from conftest import REPO, CountingLibrary, header_constants

import wasmtime_rr
from wasmtime_rr import (
    Config,
    Engine,
    ErrorKind,
    InvalidArgumentError,
    InvalidConfigError,
    Mode,
    WasmtimeError,
    WasmtimeRRError,
)
from wasmtime_rr._native import EnginePointer, ErrorPointer, lib, wasm_byte_vec_t

NAN_MESSAGE = "NaN canonicalization cannot be disabled when determinism is enforced"
SIMD_MESSAGE = "Relaxed deterministic SIMD cannot be disabled when determinism is enforced"


def engine_from(*steps: Callable[[Config], None]) -> Engine:
    config = Config()
    for step in steps:
        step(config)
    return Engine(config)


def state(engine: Engine) -> tuple:
    return (
        engine.mode,
        engine.is_recording,
        engine.is_replaying,
        engine.nan_canonicalization,
        engine.relaxed_simd_deterministic,
    )


def test_version_is_the_crates_and_the_packages() -> None:
    cargo = re.search(r'^version = "([^"]+)"', (REPO / "Cargo.toml").read_text(), re.M)
    assert cargo is not None
    assert wasmtime_rr.version() == wasmtime_rr.__version__ == cargo.group(1)
    assert importlib.metadata.version("wasmtime-rr") == cargo.group(1)


def test_record_replay_is_compiled_into_the_library_in_use() -> None:
    assert wasmtime_rr.compiled_in() is True


def test_modes_are_the_headers() -> None:
    assert {mode.name: mode.value for mode in Mode} == header_constants("WASMTIME_RR_MODE_")
    assert [mode.value for mode in Mode] == [0, 1, 2]


def test_public_names() -> None:
    assert all(hasattr(wasmtime_rr, name) for name in wasmtime_rr.__all__)


def test_a_default_engine_neither_records_nor_replays() -> None:
    assert state(engine_from()) == (Mode.NONE, False, False, False, False)


def test_recording_leaves_determinism_settings_at_their_defaults() -> None:
    engine = engine_from(lambda c: c.record(True))
    assert state(engine) == (Mode.RECORDING, True, False, False, False)
    assert type(engine.mode) is Mode


def test_replaying() -> None:
    assert state(engine_from(lambda c: c.replay(True))) == (Mode.REPLAYING, False, True, False, False)


def test_enforce_determinism_turns_both_settings_on() -> None:
    engine = engine_from(lambda c: c.record(True), Config.enforce_determinism)
    assert state(engine) == (Mode.RECORDING, True, False, True, True)


def test_explicit_settings_are_reported() -> None:
    engine = engine_from(
        lambda c: c.cranelift_nan_canonicalization(True), lambda c: c.relaxed_simd_deterministic(True)
    )
    assert state(engine) == (Mode.NONE, False, False, True, True)


def test_one_mode_per_config() -> None:
    assert engine_from(lambda c: c.record(True), lambda c: c.replay(True)).mode is Mode.REPLAYING
    assert engine_from(lambda c: c.replay(True), lambda c: c.record(True)).mode is Mode.RECORDING
    assert engine_from(lambda c: c.replay(True), lambda c: c.record(False)).mode is Mode.NONE
    assert engine_from(lambda c: c.record(True), lambda c: c.replay(False)).mode is Mode.NONE


@pytest.mark.parametrize("mode", list(Mode))
def test_set_mode(mode: Mode) -> None:
    assert engine_from(lambda c: c.set_mode(mode)).mode is mode
    assert engine_from(lambda c: c.set_mode(int(mode))).mode is mode


def test_set_mode_passes_an_unknown_mode_to_the_library() -> None:
    config = Config()
    with pytest.raises(InvalidArgumentError) as raised:
        config.set_mode(7)
    assert raised.value.kind is ErrorKind.INVALID_ARGUMENT
    assert str(raised.value) == (
        "wasm_config_rr_mode_set: unknown record/replay mode 7 (expected WASMTIME_RR_MODE_NONE = 0, "
        "WASMTIME_RR_MODE_RECORDING = 1 or WASMTIME_RR_MODE_REPLAYING = 2)"
    )
    assert Engine(config).mode is Mode.NONE  # unchanged by the failure


def test_set_mode_rejects_what_a_uint32_cannot_hold() -> None:
    config = Config()
    with pytest.raises(OverflowError):
        config.set_mode(2**32 + 1)  # would wrap to RECORDING
    with pytest.raises(TypeError):
        config.set_mode("1")  # type: ignore[arg-type]
    assert Engine(config).mode is Mode.NONE


@pytest.mark.parametrize(
    "method",
    ["record", "replay", "cranelift_nan_canonicalization", "relaxed_simd_deterministic", "relaxed_simd"],
)
def test_bool_settings_take_only_bools(method: str) -> None:
    with pytest.raises(TypeError, match="^enable must be a bool, not str$"):
        getattr(Config(), method)("yes")


def test_recording_with_nan_canonicalization_disabled_is_an_invalid_config() -> None:
    config = Config()
    config.record(True)
    config.cranelift_nan_canonicalization(False)
    with pytest.raises(InvalidConfigError) as raised:
        config.validate()
    assert raised.value.kind is ErrorKind.INVALID_CONFIG
    assert str(raised.value) == raised.value.message == NAN_MESSAGE
    with pytest.raises(InvalidConfigError, match=f"^{NAN_MESSAGE}$"):
        Engine(config)


def test_replaying_with_relaxed_simd_nondeterministic_is_an_invalid_config() -> None:
    config = Config()
    config.replay(True)
    config.relaxed_simd_deterministic(False)
    with pytest.raises(InvalidConfigError, match=f"^{SIMD_MESSAGE}$"):
        config.validate()
    with pytest.raises(InvalidConfigError, match=f"^{SIMD_MESSAGE}$"):
        Engine(config)


def test_enforce_determinism_replaces_earlier_opt_outs_but_not_later_ones() -> None:
    config = Config()
    config.record(True)
    config.cranelift_nan_canonicalization(False)
    config.enforce_determinism()
    config.validate()
    config.relaxed_simd_deterministic(False)
    with pytest.raises(InvalidConfigError, match=f"^{SIMD_MESSAGE}$"):
        config.validate()


def compile_error(engine: Engine, wat: str) -> Optional[WasmtimeRRError]:
    """What compiling ``wat`` for ``engine`` with Wasmtime's own C API raises."""
    wat2wasm = lib.handle["wasmtime_wat2wasm"]
    wat2wasm.restype = ErrorPointer
    wat2wasm.argtypes = [c_char_p, c_size_t, POINTER(wasm_byte_vec_t)]
    validate = lib.handle["wasmtime_module_validate"]
    validate.restype = ErrorPointer
    validate.argtypes = [EnginePointer, POINTER(c_char), c_size_t]
    wasm = wasm_byte_vec_t()
    lib.call(wat2wasm, wat.encode(), len(wat), byref(wasm))
    try:
        lib.call(validate, engine._pointer(), wasm.data, wasm.size)
    except WasmtimeRRError as error:
        return error
    finally:
        lib.wasm_byte_vec_delete(byref(wasm))
    return None


RELAXED_WAT = "(module (func (param v128) (result v128) local.get 0 i32x4.relaxed_trunc_f32x4_s))"


def test_relaxed_simd_setter_reaches_the_engine() -> None:
    assert compile_error(engine_from(lambda c: c.relaxed_simd(True)), RELAXED_WAT) is None
    error = compile_error(engine_from(lambda c: c.relaxed_simd(False)), RELAXED_WAT)
    assert type(error) is WasmtimeError and error.kind is ErrorKind.WASMTIME
    assert "relaxed SIMD support is not enabled" in str(error)


def test_a_rejected_config_stays_usable_and_is_consumed_on_success() -> None:
    config = Config()
    config.record(True)
    config.cranelift_nan_canonicalization(False)
    with pytest.raises(InvalidConfigError):
        Engine(config)
    config.enforce_determinism()
    engine = Engine(config)
    assert engine.mode is Mode.RECORDING
    with pytest.raises(ValueError, match="^config was consumed by an Engine$"):
        config.validate()


@pytest.mark.parametrize(
    "use",
    [
        lambda c: c.record(True),
        lambda c: c.replay(True),
        lambda c: c.set_mode(0),
        Config.enforce_determinism,
        Config.validate,
        lambda c: c.cranelift_nan_canonicalization(True),
        lambda c: c.relaxed_simd_deterministic(True),
        lambda c: c.relaxed_simd(True),
        Engine,
    ],
)
def test_every_use_of_a_consumed_or_closed_config_raises(use: Callable[[Config], object]) -> None:
    consumed = Config()
    Engine(consumed)
    with pytest.raises(ValueError, match="^config was consumed by an Engine$"):
        use(consumed)
    consumed.close()  # closing a consumed config does nothing, and says so later
    with pytest.raises(ValueError, match="^config was consumed by an Engine$"):
        use(consumed)
    closed = Config()
    closed.close()
    with pytest.raises(ValueError, match="^config is closed$"):
        use(closed)


@pytest.mark.parametrize(
    "query", ["mode", "is_recording", "is_replaying", "nan_canonicalization", "relaxed_simd_deterministic"]
)
def test_every_use_of_a_closed_engine_raises(query: str) -> None:
    engine = engine_from()
    engine.close()
    with pytest.raises(ValueError, match="^engine is closed$"):
        getattr(engine, query)


def test_engine_takes_only_configs() -> None:
    with pytest.raises(TypeError, match="^expected wasmtime_rr.Config or wasmtime.Config, not str$"):
        Engine("config")  # type: ignore[arg-type]


def test_context_managers_return_themselves_and_close() -> None:
    with Config() as config:
        assert isinstance(config, Config)
        config.record(True)
        with Engine(config) as engine:
            assert engine.is_recording is True
    with pytest.raises(ValueError, match="^engine is closed$"):
        engine.mode
    with pytest.raises(ValueError, match="^config was consumed by an Engine$"):
        config.validate()
    with Config() as unused:
        pass
    with pytest.raises(ValueError, match="^config is closed$"):
        unused.validate()


def test_close_frees_once_however_often_it_is_called(counting: CountingLibrary) -> None:
    config = Config()
    config.close()
    config.close()
    del config
    gc.collect()
    engine = Engine(Config())
    engine.close()
    engine.close()
    assert counting.counts == {"wasm_config_delete": 1, "wasm_engine_delete": 1}


def test_garbage_collection_frees_what_was_not_closed(counting: CountingLibrary) -> None:
    config = Config()
    engine = Engine(Config())
    del config, engine
    gc.collect()
    assert counting.counts == {"wasm_config_delete": 1, "wasm_engine_delete": 1}


def test_a_consumed_config_is_never_freed_by_python(counting: CountingLibrary) -> None:
    config = Config()
    engine = Engine(config)
    config.close()
    del config
    gc.collect()
    assert counting.counts == {}
    engine.close()
    assert counting.counts == {"wasm_engine_delete": 1}


def test_a_rejected_config_is_still_freed_once(counting: CountingLibrary) -> None:
    config = Config()
    config.record(True)
    config.cranelift_nan_canonicalization(False)
    with pytest.raises(InvalidConfigError):
        Engine(config)
    assert counting.counts == {"wasmtime_error_delete": 1, "wasm_byte_vec_delete": 1}
    config.close()
    assert counting.counts["wasm_config_delete"] == 1
