"""Python binding of libwasmtime_rr: Wasmtime 48's record/replay configuration
and record/replay sessions, with every failure reported as an exception
instead of a crash.

Importing this package loads ``libwasmtime_rr.so`` (see :mod:`._native` for
where it is looked for) and raises :class:`LibraryNotFoundError` when it
cannot. :mod:`wasmtime_rr.wasmtime_py` applies the same functions to
wasmtime-py objects and records and replays wasmtime-py stores;
``wasmtime_rr.recording(store, path)`` and ``wasmtime_rr.replaying(store,
path)`` are its store-level switches (``with`` blocks).
"""

from ._api import Config, Engine, Mode, compiled_in, error_kind_name, make_error, version
from ._errors import (
    DivergenceError,
    ErrorKind,
    InvalidArgumentError,
    InvalidConfigError,
    LibraryMismatchError,
    LibraryNotFoundError,
    ModuleMismatchError,
    NullArgumentError,
    PanicError,
    TraceFormatError,
    TraceIoError,
    UnsupportedError,
    WasmtimeError,
    WasmtimeRRError,
)

__version__ = version()


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    """``wasmtime_rr.recording`` and ``wasmtime_rr.replaying``: the store-level
    switches of :mod:`wasmtime_rr.wasmtime_py`, imported (with wasmtime-py)
    on first use only, so ``import wasmtime_rr`` never needs wasmtime-py."""
    if name in ("recording", "replaying"):
        from . import wasmtime_py

        return getattr(wasmtime_py, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Config",
    "DivergenceError",
    "Engine",
    "ErrorKind",
    "InvalidArgumentError",
    "InvalidConfigError",
    "LibraryMismatchError",
    "LibraryNotFoundError",
    "Mode",
    "ModuleMismatchError",
    "NullArgumentError",
    "PanicError",
    "TraceFormatError",
    "TraceIoError",
    "UnsupportedError",
    "WasmtimeError",
    "WasmtimeRRError",
    "compiled_in",
    "error_kind_name",
    "make_error",
    "version",
]
