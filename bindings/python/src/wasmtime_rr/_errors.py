"""Exception classes: one per error kind of libwasmtime_rr, plus the two
environment errors (library not found, library mismatch).

This module needs no native library, so the loader can raise
:class:`LibraryNotFoundError` before anything is loaded.
"""

from __future__ import annotations

import enum
from typing import Dict, Type, Union


class ErrorKind(enum.IntEnum):
    """The stable kind of an error (``WASMTIME_RR_ERROR_KIND_*``)."""

    NONE = 0
    """No error (the kind of a NULL error pointer); never raised."""
    WASMTIME = 1
    """An error made by Wasmtime's own C API."""
    NULL_ARGUMENT = 2
    """A required pointer argument was NULL."""
    INVALID_ARGUMENT = 3
    """An argument was outside its documented range."""
    UNSUPPORTED = 4
    """The library was built without the support the call needs."""
    INVALID_CONFIG = 5
    """Wasmtime rejected the configuration (Wasmtime's own message)."""
    PANIC = 6
    """The library panicked internally; the panic was caught."""
    TRACE_IO = 7
    """Reading or writing a trace failed (a file, a callback)."""
    TRACE_FORMAT = 8
    """A trace is not valid: truncated, corrupted, of another format version."""
    DIVERGENCE = 9
    """A replay diverged from its trace (the message names the event)."""
    MODULE_MISMATCH = 10
    """A replay instantiated another module than recorded (both SHA-256 named)."""


class WasmtimeRRError(Exception):
    """An error object returned by libwasmtime_rr, as an exception.

    ``kind`` is the :class:`ErrorKind` the library reported (a plain ``int``
    for a value this binding does not know), ``message`` the library's message;
    ``str(exc)`` is the message exactly.
    """

    def __init__(self, message: str, kind: Union[ErrorKind, int]) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class WasmtimeError(WasmtimeRRError):
    """An error made by Wasmtime's own C API (:attr:`ErrorKind.WASMTIME`)."""


class NullArgumentError(WasmtimeRRError):
    """A required pointer was NULL (:attr:`ErrorKind.NULL_ARGUMENT`)."""


class InvalidArgumentError(WasmtimeRRError):
    """An argument was out of range (:attr:`ErrorKind.INVALID_ARGUMENT`)."""


class UnsupportedError(WasmtimeRRError):
    """The library lacks the needed support (:attr:`ErrorKind.UNSUPPORTED`)."""


class InvalidConfigError(WasmtimeRRError):
    """Wasmtime rejected the config (:attr:`ErrorKind.INVALID_CONFIG`)."""


class PanicError(WasmtimeRRError):
    """The library caught an internal panic (:attr:`ErrorKind.PANIC`)."""


class TraceIoError(WasmtimeRRError):
    """Reading or writing a trace failed (:attr:`ErrorKind.TRACE_IO`): a file
    that cannot be created or opened, a write callback that reported failure."""


class TraceFormatError(WasmtimeRRError):
    """A trace is not valid (:attr:`ErrorKind.TRACE_FORMAT`): truncated,
    corrupted, of another format or Wasmtime major version."""


class DivergenceError(WasmtimeRRError):
    """A replay diverged from its trace (:attr:`ErrorKind.DIVERGENCE`); the
    message names the event index, what was expected and what happened."""


class ModuleMismatchError(WasmtimeRRError):
    """A replay instantiated a module whose SHA-256 differs from the recorded
    one (:attr:`ErrorKind.MODULE_MISMATCH`); the message names both."""


_CLASS_BY_KIND: Dict[int, Type[WasmtimeRRError]] = {
    ErrorKind.WASMTIME: WasmtimeError,
    ErrorKind.NULL_ARGUMENT: NullArgumentError,
    ErrorKind.INVALID_ARGUMENT: InvalidArgumentError,
    ErrorKind.UNSUPPORTED: UnsupportedError,
    ErrorKind.INVALID_CONFIG: InvalidConfigError,
    ErrorKind.PANIC: PanicError,
    ErrorKind.TRACE_IO: TraceIoError,
    ErrorKind.TRACE_FORMAT: TraceFormatError,
    ErrorKind.DIVERGENCE: DivergenceError,
    ErrorKind.MODULE_MISMATCH: ModuleMismatchError,
}


def exception_for(kind: int, message: str) -> WasmtimeRRError:
    """The exception for an error of ``kind``: the subclass of that kind, or
    :class:`WasmtimeRRError` itself for a kind without one."""
    known: Union[ErrorKind, int]
    try:
        known = ErrorKind(kind)
    except ValueError:
        known = kind
    return _CLASS_BY_KIND.get(kind, WasmtimeRRError)(message, known)


class LibraryNotFoundError(ImportError):
    """``libwasmtime_rr.so`` could not be found or loaded when ``wasmtime_rr``
    was imported; the message lists every place looked."""


class LibraryMismatchError(RuntimeError):
    """Objects of two different loaded copies of Wasmtime would be mixed, or
    wasmtime-py runs the official libwasmtime instead of libwasmtime_rr.

    Not a :class:`WasmtimeRRError`: the library reported nothing; the binding
    refused the call before reaching it.
    """
