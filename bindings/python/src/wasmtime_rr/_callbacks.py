"""Python callables behind C callbacks.

Each C callback type has one ctypes trampoline, defined once and alive as long
as this module, so no ctypes callback object can be collected while the
library may still call it. The Python callable behind a callback lives in
:data:`callbacks`, keyed by the ``void *data`` the library hands back to the
trampoline; :data:`finalizer`, the finalizer passed along with it, drops the
entry when the library says it is done with it.

An exception raised by a callable cannot cross C: the trampoline reports a
failure to the library instead and keeps the exception; :func:`invoke` makes
it the ``__cause__`` of the error the library call then raises. A read
callable that returns something other than bytes is the caller's mistake,
not an I/O failure: :func:`invoke` raises that ``TypeError`` itself, with the
library's error as its ``__cause__``.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import threading
from typing import Any, Callable, Dict, Iterator, Optional, Union

from ._native import READ_FAILED, CFunction, Finalizer, Library, ReadCallback, WriteCallback

Write = Callable[[bytes], bool]
"""A trace destination: stores the bytes it is given; a true result means all were stored."""
Read = Callable[[int], Union[bytes, bytearray, memoryview]]
"""A trace source: returns at most the number of bytes asked for; empty at the end."""


class Registry:
    """Python callables reachable from C through an integer key.

    Keys are never reused, so a finalizer that runs late (or twice) can only
    drop the entry it was made for.
    """

    def __init__(self) -> None:
        self._entries: Dict[int, Any] = {}
        self._keys = itertools.count(1)  # 0 would be a NULL ``void *``

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: int) -> Any:
        """The callable registered under ``key``."""
        return self._entries[key]

    def drop(self, key: Optional[int]) -> None:
        """Forgets ``key``'s entry, if it is still there."""
        self._entries.pop(key or 0, None)

    @contextlib.contextmanager
    def entry(self, value: Any) -> Iterator[int]:
        """Registers ``value`` around the C call that hands its key to the
        library; yields the key. When the call fails the entry is dropped here,
        since the library then may not call the finalizer."""
        key = next(self._keys)
        self._entries[key] = value
        try:
            yield key
        except BaseException:
            self.drop(key)
            raise


callbacks = Registry()
"""Every Python callable the library may call, by key."""


@Finalizer
def finalizer(key: Optional[int]) -> None:
    """The finalizer passed with every callback: drops the callable's entry."""
    callbacks.drop(key)


_pending = threading.local()


class _Misuse(TypeError):
    """A callable broke its contract (a read callable returned no bytes):
    :func:`invoke` raises it, as a ``TypeError``, instead of the library's
    error."""


def keep(error: BaseException) -> None:
    """Keeps the first exception a callable raised during the current library
    call on this thread, for :func:`invoke` to chain."""
    if getattr(_pending, "error", None) is None:
        _pending.error = error


def _take() -> Optional[BaseException]:
    error: Optional[BaseException] = getattr(_pending, "error", None)
    _pending.error = None
    return error


def invoke(
    library: Library,
    function: CFunction,
    *args: Any,
    special: Optional[Callable[[Any], Optional[BaseException]]] = None,
) -> None:
    """Calls a C function returning ``wasmtime_error_t*`` and raises its error
    (freed once), with the exception a Python callback raised meanwhile, if
    any, as the error's ``__cause__``.

    ``special``, when given, sees a returned error first: when it returns an
    exception, it took the error over and that exception is raised instead."""
    _take()  # one left by a callback that ran outside any call (a store freed by the GC)
    error = function(*args)
    cause = _take()
    if error:
        exception = special(error) if special is not None else None
        if exception is None:
            exception = library.take_error(error)
        if isinstance(cause, _Misuse):
            misuse = TypeError(str(cause))
            raise misuse from exception
        if cause is not None:
            exception.__cause__ = cause
        raise exception


@WriteCallback
def write_trampoline(key: int, data: Any, length: int) -> bool:
    """The ``wasmtime_rr_write_callback_t`` of every Python trace destination."""
    try:
        write: Write = callbacks.get(key)
        return bool(write(ctypes.string_at(data, length)))
    except BaseException as error:
        keep(error)
        return False


@ReadCallback
def read_trampoline(key: int, buffer: Any, capacity: int) -> int:
    """The ``wasmtime_rr_read_callback_t`` of every Python trace source."""
    try:
        read: Read = callbacks.get(key)
        returned = read(capacity)
        if not isinstance(returned, (bytes, bytearray, memoryview)):
            raise _Misuse(
                f"the read callable must return bytes, bytearray or memoryview, not {type(returned).__name__}"
            )
        chunk = bytes(returned)
        if len(chunk) > capacity:
            raise ValueError(f"the read callable returned {len(chunk)} bytes, more than the {capacity} asked for")
        ctypes.memmove(buffer, chunk, len(chunk))
        return len(chunk)
    except BaseException as error:
        keep(error)
        return READ_FAILED
