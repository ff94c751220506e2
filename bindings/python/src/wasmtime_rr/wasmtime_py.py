"""Record/replay for wasmtime-py 48 objects (``wasmtime.Config``, ``wasmtime.Engine``).

wasmtime-py loads ``wasmtime/<platform>/_libwasmtime.so`` by absolute path.
For these functions that file must be libwasmtime_rr (install it with
``python -m wasmtime_rr.install_into_wasmtime_py``). Every call here goes
through wasmtime-py's own loaded library (``wasmtime._ffi.dll``), never
through the copy :mod:`wasmtime_rr` loaded, so the objects of two copies of
Wasmtime are never mixed. A ``wasmtime_rr.Config``/``Engine`` is accepted too,
but only when both packages loaded the same copy; otherwise, and when
wasmtime-py runs the official library, :class:`LibraryMismatchError` is raised.
"""

from __future__ import annotations

import ctypes
from typing import Union

import wasmtime

from ._api import Config, ConfigLike, Engine, Mode, native_pointer, new_engine_pointer
from ._errors import LibraryMismatchError
from ._native import Library, library_for, provides_rr

EngineLike = Union[Engine, wasmtime.Engine]

INSTALL_COMMAND = "python -m wasmtime_rr.install_into_wasmtime_py"


def library() -> Library:
    """libwasmtime_rr's prototypes declared on wasmtime-py's loaded library.

    Raises :class:`LibraryMismatchError` when wasmtime-py runs a library
    without record/replay (the official libwasmtime).
    """
    handle = wasmtime._ffi.dll
    if not provides_rr(handle):
        raise LibraryMismatchError(
            f"wasmtime-py loaded {wasmtime._ffi.filename}, which is not libwasmtime_rr (it lacks "
            f"wasmtime_rr_version: the official libwasmtime). Install ours into wasmtime-py with "
            f"`{INSTALL_COMMAND}` (`--restore` undoes it)."
        )
    return library_for(handle)


def _config(config: ConfigLike) -> Config:
    target = library()
    return Config._borrow(target, native_pointer(config, target, Config))


def _engine(engine: EngineLike) -> Engine:
    target = library()
    return Engine._borrow(target, native_pointer(engine, target, Engine))


def record(config: ConfigLike, enable: bool) -> None:
    """:meth:`wasmtime_rr.Config.record` for a ``wasmtime.Config``."""
    _config(config).record(enable)


def replay(config: ConfigLike, enable: bool) -> None:
    """:meth:`wasmtime_rr.Config.replay` for a ``wasmtime.Config``."""
    _config(config).replay(enable)


def set_mode(config: ConfigLike, mode: int) -> None:
    """:meth:`wasmtime_rr.Config.set_mode` for a ``wasmtime.Config``."""
    _config(config).set_mode(mode)


def enforce_determinism(config: ConfigLike) -> None:
    """:meth:`wasmtime_rr.Config.enforce_determinism` for a ``wasmtime.Config``."""
    _config(config).enforce_determinism()


def validate(config: ConfigLike) -> None:
    """:meth:`wasmtime_rr.Config.validate` for a ``wasmtime.Config``."""
    _config(config).validate()


def new_engine(config: ConfigLike) -> wasmtime.Engine:
    """A ``wasmtime.Engine`` built with ``wasm_engine_new_checked``.

    Unlike ``wasmtime.Engine(config)``, which aborts the process on a config
    Wasmtime rejects, this raises :class:`InvalidConfigError` and leaves the
    config usable; it is consumed only on success.
    """
    pointer = new_engine_pointer(library(), config)
    engine = wasmtime.Engine.__new__(wasmtime.Engine)
    engine._set_ptr(ctypes.cast(pointer, ctypes.POINTER(wasmtime._ffi.wasm_engine_t)))
    return engine


def engine_mode(engine: EngineLike) -> Mode:
    """:attr:`wasmtime_rr.Engine.mode` for a ``wasmtime.Engine``."""
    return _engine(engine).mode


def is_recording(engine: EngineLike) -> bool:
    """:attr:`wasmtime_rr.Engine.is_recording` for a ``wasmtime.Engine``."""
    return _engine(engine).is_recording


def is_replaying(engine: EngineLike) -> bool:
    """:attr:`wasmtime_rr.Engine.is_replaying` for a ``wasmtime.Engine``."""
    return _engine(engine).is_replaying


def nan_canonicalization(engine: EngineLike) -> bool:
    """:attr:`wasmtime_rr.Engine.nan_canonicalization` for a ``wasmtime.Engine``."""
    return _engine(engine).nan_canonicalization


def relaxed_simd_deterministic(engine: EngineLike) -> bool:
    """:attr:`wasmtime_rr.Engine.relaxed_simd_deterministic` for a ``wasmtime.Engine``."""
    return _engine(engine).relaxed_simd_deterministic
