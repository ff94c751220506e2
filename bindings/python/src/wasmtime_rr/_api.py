"""The Pythonic surface: :class:`Config`, :class:`Engine`, :class:`Mode` and the
library-level functions, over the loaded library in :mod:`._native`."""

from __future__ import annotations

import ctypes
import enum
import sys
import weakref
from ctypes import byref, c_bool, c_uint32
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Type, TypeVar, Union

from ._errors import LibraryMismatchError, WasmtimeRRError
from ._native import (
    CFunction,
    ConfigPointer,
    EnginePointer,
    ErrorPointer,
    Library,
    as_bool,
    as_c_string,
    as_uint32,
    lib,
)

if TYPE_CHECKING:
    import wasmtime


class Mode(enum.IntEnum):
    """A record/replay mode (``WASMTIME_RR_MODE_*``)."""

    NONE = 0
    """Neither recording nor replaying (the default)."""
    RECORDING = 1
    """The engine records; Wasmtime enforces determinism."""
    REPLAYING = 2
    """The engine replays a recording; Wasmtime enforces determinism."""


def version() -> str:
    """The version of the loaded libwasmtime_rr (``wasmtime_rr_version``)."""
    text: bytes = lib.wasmtime_rr_version()
    return text.decode("utf-8")


def compiled_in() -> bool:
    """Whether record/replay support is compiled into the loaded library
    (``wasmtime_rr_compiled_in``); without it, recording and replaying raise
    :class:`UnsupportedError`."""
    return bool(lib.wasmtime_rr_compiled_in())


def error_kind_name(kind: int) -> str:
    """The stable name of an error kind, such as ``"invalid_config"``, or
    ``"unknown"`` for a value that is not a kind (``wasmtime_rr_error_kind_name``)."""
    name: bytes = lib.wasmtime_rr_error_kind_name(as_uint32(kind, "kind"))
    return name.decode("utf-8")


def make_error(kind: int, message: Union[str, bytes]) -> WasmtimeRRError:
    """The exception for a new library error of ``kind`` with ``message``
    (``wasmtime_rr_error_new``), returned, not raised.

    ``message`` is ``str`` (sent as UTF-8) or ``bytes`` (sent as is). Raises
    the library's error when it cannot make one: :class:`InvalidArgumentError`
    for the kinds ``NONE`` and ``WASMTIME``, an unknown kind, or bytes that are
    not UTF-8.
    """
    made = ErrorPointer()
    lib.call(lib.wasmtime_rr_error_new, as_uint32(kind, "kind"), as_c_string(message, "message"), byref(made))
    return lib.take_error(made)


_Self = TypeVar("_Self", bound="_Native")


class _Native:
    """One native object of one loaded library.

    An owned object is freed exactly once: by :meth:`close`, when garbage
    collected, or at interpreter exit, unless C took it over (consumed). A
    borrowed view (:meth:`_borrow`) frees nothing.
    """

    _noun: ClassVar[str]
    _pointer_type: ClassVar[Any]
    _consumed: ClassVar[str]
    """What later uses report, after the noun, once C took the object over
    (for the classes whose objects C consumes)."""

    def __init__(self, library: Library, pointer: Any, delete: Optional[CFunction]) -> None:
        self._lib = library
        self._ptr: Optional[Any] = pointer
        self._state = "is closed"
        self._finalizer = weakref.finalize(self, delete, pointer) if delete is not None else None

    @classmethod
    def _borrow(cls: Type[_Self], library: Library, pointer: Any) -> _Self:
        """A view of a pointer owned elsewhere, calling through ``library``."""
        view = cls.__new__(cls)
        _Native.__init__(view, library, pointer, None)
        return view

    def _pointer(self) -> Any:
        """The native pointer; ``ValueError`` once closed or consumed."""
        if self._ptr is None:
            raise ValueError(f"{self._noun} {self._state}")
        return self._ptr

    def _consume(self) -> None:
        """Records that C took ownership: nothing is freed here any more and
        the object is unusable."""
        if self._finalizer is not None:
            self._finalizer.detach()
        self._ptr = None
        self._state = self._consumed

    def close(self) -> None:
        """Frees the native object now. Idempotent; later use raises
        ``ValueError``."""
        if self._ptr is not None:
            self._ptr = None
            if self._finalizer is not None:
                self._finalizer()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Config(_Native):
    """An owned ``wasm_config_t``: the settings an :class:`Engine` is built from.

    Building an :class:`Engine` consumes the config on success only; after a
    failure it stays usable, so it can be fixed and used again.
    """

    _noun = "config"
    _pointer_type = ConfigPointer
    _consumed = "was consumed by an Engine"

    def __init__(self) -> None:
        super().__init__(lib, lib.wasm_config_new(), lib.wasm_config_delete)

    def _call(self, function: CFunction, *args: Any) -> None:
        self._lib.call(function, self._pointer(), *args)

    def _set(self, function: CFunction, enable: bool) -> None:
        function(self._pointer(), as_bool(enable, "enable"))

    def record(self, enable: bool) -> None:
        """``True`` selects recording (replacing replaying); ``False`` turns
        record/replay off (``wasm_config_record_set``).

        Raises :class:`UnsupportedError` for ``True`` when record/replay is not
        compiled in.
        """
        self._call(self._lib.wasm_config_record_set, as_bool(enable, "enable"))

    def replay(self, enable: bool) -> None:
        """``True`` selects replaying (replacing recording); ``False`` turns
        record/replay off (``wasm_config_replay_set``)."""
        self._call(self._lib.wasm_config_replay_set, as_bool(enable, "enable"))

    def set_mode(self, mode: int) -> None:
        """Sets the mode from a :class:`Mode` value (``wasm_config_rr_mode_set``).

        Any ``uint32_t`` reaches the library: other values than :class:`Mode`'s
        raise :class:`InvalidArgumentError`.
        """
        self._call(self._lib.wasm_config_rr_mode_set, as_uint32(mode, "mode"))

    def enforce_determinism(self) -> None:
        """Turns NaN canonicalization and deterministic relaxed SIMD on, the
        settings recording and replaying require (``wasm_config_enforce_determinism``).
        Never applied implicitly."""
        self._call(self._lib.wasm_config_enforce_determinism)

    def validate(self) -> None:
        """Raises what building an engine from this config would raise
        (:class:`InvalidConfigError` with Wasmtime's message), without
        consuming it (``wasm_config_validate``)."""
        self._call(self._lib.wasm_config_validate)

    def cranelift_nan_canonicalization(self, enable: bool) -> None:
        """Sets NaN canonicalization explicitly
        (``wasmtime_config_cranelift_nan_canonicalization_set``)."""
        self._set(self._lib.wasmtime_config_cranelift_nan_canonicalization_set, enable)

    def relaxed_simd_deterministic(self, enable: bool) -> None:
        """Sets deterministic relaxed SIMD explicitly
        (``wasmtime_config_wasm_relaxed_simd_deterministic_set``)."""
        self._set(self._lib.wasmtime_config_wasm_relaxed_simd_deterministic_set, enable)

    def relaxed_simd(self, enable: bool) -> None:
        """Enables or disables the relaxed SIMD proposal
        (``wasmtime_config_wasm_relaxed_simd_set``)."""
        self._set(self._lib.wasmtime_config_wasm_relaxed_simd_set, enable)


ConfigLike = Union[Config, "wasmtime.Config"]


class Engine(_Native):
    """An owned ``wasm_engine_t`` built with ``wasm_engine_new_checked``.

    ``config`` is a :class:`Config`, or a ``wasmtime.Config`` when wasmtime-py
    runs the very library this package loaded (see
    :class:`LibraryMismatchError`). It is consumed only when the engine is
    built; a rejected config raises :class:`InvalidConfigError` and stays
    usable.
    """

    _noun = "engine"
    _pointer_type = EnginePointer

    def __init__(self, config: ConfigLike) -> None:
        super().__init__(lib, new_engine_pointer(lib, config), lib.wasm_engine_delete)

    def _query(self, function: CFunction, out_type: Any = c_bool) -> Any:
        return self._lib.query(function, self._pointer(), out_type)

    @property
    def is_recording(self) -> bool:
        """Whether the engine records (``wasm_engine_is_recording``)."""
        return bool(self._query(self._lib.wasm_engine_is_recording))

    @property
    def is_replaying(self) -> bool:
        """Whether the engine replays (``wasm_engine_is_replaying``)."""
        return bool(self._query(self._lib.wasm_engine_is_replaying))

    @property
    def mode(self) -> Mode:
        """The record/replay mode the engine was built with (``wasm_engine_rr_mode``)."""
        return Mode(self._query(self._lib.wasm_engine_rr_mode, c_uint32))

    @property
    def nan_canonicalization(self) -> bool:
        """The effective NaN canonicalization (``wasm_engine_nan_canonicalization``)."""
        return bool(self._query(self._lib.wasm_engine_nan_canonicalization))

    @property
    def relaxed_simd_deterministic(self) -> bool:
        """The effective relaxed-SIMD determinism (``wasm_engine_relaxed_simd_deterministic``)."""
        return bool(self._query(self._lib.wasm_engine_relaxed_simd_deterministic))


def native_pointer(obj: object, target: Library, ours: Type[_Native]) -> Any:
    """The native pointer of ``obj`` (an instance of ``ours`` or of wasmtime-py's
    class of the same name) for a call through ``target``.

    Raises :class:`LibraryMismatchError` when ``obj`` belongs to another loaded
    copy of the library than ``target``, ``TypeError`` for other objects, and
    ``ValueError`` for a closed or consumed object.
    """
    kind = ours.__name__
    wasmtime_py = sys.modules.get("wasmtime")
    if isinstance(obj, ours):
        owner, pointer = obj._lib.handle, obj._pointer()
    elif wasmtime_py is not None and isinstance(obj, getattr(wasmtime_py, kind)):
        owner, pointer = wasmtime_py._ffi.dll, ctypes.cast(obj.ptr(), ours._pointer_type)
    else:
        raise TypeError(f"expected wasmtime_rr.{kind} or wasmtime.{kind}, not {type(obj).__name__}")
    if not target.same_copy(owner):
        raise LibraryMismatchError(
            f"this {type(obj).__module__}.{kind} belongs to the copy of Wasmtime loaded from {owner._name}, "
            f"but the call goes through the copy loaded from {target.path}: objects of two loaded copies "
            "cannot be mixed. Use wasmtime_rr.wasmtime_py for wasmtime-py objects, or make both packages "
            "load one copy: set WASMTIME_RR_LIBRARY to wasmtime-py's library, "
            f"{sys.modules['wasmtime']._ffi.filename}."
        )
    return pointer


def new_engine_pointer(target: Library, config: ConfigLike) -> Any:
    """``wasm_engine_new_checked`` through ``target``: the new engine's pointer.
    ``config`` (ours or wasmtime-py's) is consumed only on success."""
    engine = EnginePointer()
    target.call(target.wasm_engine_new_checked, native_pointer(config, target, Config), byref(engine))
    config._consume()
    return engine
