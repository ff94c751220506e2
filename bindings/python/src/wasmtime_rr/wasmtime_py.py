"""Record/replay for wasmtime-py 48 objects.

Configuration: the record/replay settings of a ``wasmtime.Config``
(``record(config, enable)``, ``replay(config, enable)``, :func:`set_mode`,
...), an engine built from it without the risk of an abort
(:func:`new_engine`), and the state of a ``wasmtime.Engine``.

Sessions: a :class:`Recorder` or :class:`Replayer` attached to a
``wasmtime.Store`` (``record(store, recorder)``, ``replay(store, replayer)``,
:func:`flush`, :func:`finish`), and the RR-aware counterparts of
wasmtime-py's calls, which record or replay what happens on that store:
:func:`module_new` (``wasmtime.Module(...)``),
:func:`func_new` (``wasmtime.Func(...)``), :func:`define_func`
(``Linker.define_func``), :func:`instantiate` (``wasmtime.Instance(...)``),
:func:`linker_instantiate` (``Linker.instantiate``), :func:`call`
(``func(store, ...)``) and :func:`memory_write` (``Memory.write``). They take
and return wasmtime-py objects; on a store with nothing attached they do what
wasmtime-py's calls do.

Components (``wasmtime.component``): :func:`component_new`
(``Component(...)``), :func:`component_add_func` (``LinkerInstance.add_func``),
:func:`component_add_resource` (``LinkerInstance.add_resource``),
:func:`component_instantiate` (``Linker.instantiate``), :func:`component_call`
(``func(store, ...)``) and :func:`component_add_wasip2`
(``Linker.add_wasip2``: WASI preview 2, recorded and replayed; with
:func:`set_wasi` for the store's WASI context).

WASI preview 1: :func:`define_wasi` (``Linker.define_wasi``) and
:func:`set_wasi` (``Store.set_wasi``) record and replay a guest's WASI calls;
:func:`random_seed`, :func:`wall_clock` and :func:`monotonic_clock` make a
``wasmtime.WasiConfig`` deterministic without a trace.

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
import os
from ctypes import byref, c_void_p
from typing import Any, Callable, ContextManager, List, NamedTuple, Optional, Sequence, Tuple, Union, overload

import wasmtime
import wasmtime.component
from wasmtime import _ffi as ffi
from wasmtime._exportable import AsExtern
from wasmtime._extern import get_extern_ptr
from wasmtime._wat2wasm import _to_wasm

from ._api import Config, ConfigLike, Engine, Mode, _Native, native_pointer, new_engine_pointer
from ._callbacks import Read, Write, callbacks, finalizer, invoke, keep, read_trampoline, write_trampoline
from ._errors import LibraryMismatchError
from ._native import (
    CFunction,
    Finalizer,
    Library,
    RecorderPointer,
    ReplayerPointer,
    as_bool,
    as_c_string,
    as_size_t,
    as_uint32,
    as_uint64,
    library_for,
    provides_rr,
)

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


# Record/replay sessions on wasmtime-py stores.

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
BytesLike = Union[bytes, bytearray, memoryview]
StoreLike = Union[wasmtime.Store, wasmtime.Caller, wasmtime.StoreContext]
"""What the session functions accept as a store: a store, or the caller a host function is given."""


def _expect(value: Any, cls: Union[type, Tuple[type, ...]], what: str) -> None:
    if not isinstance(value, cls):
        raise TypeError(f"expected {what}, not {type(value).__name__}")


def _context(store: StoreLike) -> Any:
    """The ``wasmtime_context_t*`` of a wasmtime-py store or caller."""
    _expect(store, (wasmtime.Store, wasmtime.Caller, wasmtime.StoreContext), "a wasmtime.Store or wasmtime.Caller")
    return store._context()


def _new(target: Library, function: CFunction, out_type: Any, *args: Any) -> Any:
    """Calls a constructor ``function(*args, &out)`` and returns ``out``."""
    out = out_type()
    invoke(target, function, *args, byref(out))
    return out


def _path(path: PathArg) -> bytes:
    return as_c_string(os.fsencode(path), "path")


def _bytes(data: BytesLike) -> bytes:
    return bytes(memoryview(data))


def _appender(buffer: bytearray) -> Write:
    """A write callable storing into ``buffer``. It must not refer to its
    recorder: held by the callback registry, it would keep it alive."""

    def append(data: bytes) -> bool:
        buffer.extend(data)
        return True

    return append


class Recorder(_Native):
    """A trace destination with record settings (``wasmtime_rr_recorder_t``),
    until :func:`record` attaches it to a store.

    The trace goes to the file at ``path``, created or truncated now
    (``wasmtime_rr_recorder_new_file``); or to ``write``
    (``wasmtime_rr_recorder_new_callback``), called with the bytes of the
    header, then of batches of frames (see ``flush_bytes``), and returning
    true when it stored them all (false, or an exception, ends the recording
    with a :class:`TraceIoError`); or, when neither is given, to memory, read
    back with :attr:`trace`.

    Settings: ``validation`` records host-function arguments too, so that a
    replay checks them (``wasmtime_rr_recorder_validation_set``);
    ``event_window`` is how many events are sealed into one CRC-checked
    frame, at least 1 (``wasmtime_rr_recorder_event_window_set``);
    ``memory_digest`` records a digest of guest memory after each host call
    (``wasmtime_rr_recorder_memory_digest_set``); ``flush_bytes`` is how many
    bytes of sealed frames are batched before they are handed to the file or
    ``write`` (``wasmtime_rr_recorder_flush_bytes_set``): frames are handed
    over when that many have accumulated, when the last hand-over is over
    100 ms old as a frame is sealed, when a call into the guest ends with a
    trap or error, on :func:`flush`, at :func:`finish` and when the store is
    freed; 0 hands every frame over as soon as it is sealed. What was handed
    over is always a valid, replayable prefix of the trace.

    The native recorder is freed exactly once: by the store once
    :func:`record` took it over (also when attaching fails), else by
    :meth:`close`, at the end of a ``with`` block, or when collected. ``write``
    is kept until the library is done with it.
    """

    _noun = "recorder"
    _pointer_type = RecorderPointer
    _consumed = "was handed to a store"

    def __init__(
        self,
        path: Optional[PathArg] = None,
        *,
        write: Optional[Write] = None,
        validation: bool = False,
        event_window: int = 16,
        memory_digest: bool = False,
        flush_bytes: int = 65536,
    ) -> None:
        if path is not None and write is not None:
            raise TypeError("Recorder takes a path or a write callable, not both")
        target = library()
        settings = [
            (target.wasmtime_rr_recorder_validation_set, as_bool(validation, "validation")),
            (target.wasmtime_rr_recorder_event_window_set, as_uint32(event_window, "event_window")),
            (target.wasmtime_rr_recorder_memory_digest_set, as_bool(memory_digest, "memory_digest")),
            (target.wasmtime_rr_recorder_flush_bytes_set, as_size_t(flush_bytes, "flush_bytes")),
        ]
        self._memory: Optional[bytearray] = None
        if path is not None:
            pointer = _new(target, target.wasmtime_rr_recorder_new_file, RecorderPointer, _path(path))
        else:
            if write is None:
                self._memory = bytearray()
                write = _appender(self._memory)
            with callbacks.entry(write) as key:
                pointer = _new(
                    target, target.wasmtime_rr_recorder_new_callback, RecorderPointer, write_trampoline, key, finalizer
                )
        super().__init__(target, pointer, target.wasmtime_rr_recorder_delete)
        try:
            for setter, value in settings:
                invoke(target, setter, pointer, value)
        except BaseException:
            self.close()
            raise

    @property
    def trace(self) -> bytes:
        """What a recorder without ``path`` or ``write`` has been handed so
        far (see ``flush_bytes``): the whole trace once the store is
        finished. ``ValueError`` for another recorder."""
        if self._memory is None:
            raise ValueError("this recorder writes to a file or a write callable, not to memory")
        return bytes(self._memory)


class Replayer(_Native):
    """A trace source (``wasmtime_rr_replayer_t``), until :func:`replay`
    attaches it to a store.

    Exactly one of: ``path``, a trace file, opened now
    (``wasmtime_rr_replayer_new_file``); ``data``, the trace's bytes, copied
    (``wasmtime_rr_replayer_new_bytes``); ``read``
    (``wasmtime_rr_replayer_new_callback``), called with a byte count and
    returning at most that many bytes (``bytes``, ``bytearray`` or
    ``memoryview``: anything else makes the call that read it raise
    ``TypeError``), empty at the end of the trace (an exception is a
    :class:`TraceIoError`; ``file.read`` fits). It must not call this module
    for its own store. The trace itself is checked when attached.

    ``echo``: a replay performs no WASI call, so a guest's output is not
    printed; with ``echo=True`` the recorded bytes the guest writes to its
    stdout and stderr are written to this process's file descriptors 1 and 2
    as they are replayed (``wasmtime_rr_replayer_echo_set``). They bypass
    ``sys.stdout``/``sys.stderr``: flush those first to keep the order.

    Freed exactly once, like a :class:`Recorder`.
    """

    _noun = "replayer"
    _pointer_type = ReplayerPointer
    _consumed = "was handed to a store"

    def __init__(
        self,
        path: Optional[PathArg] = None,
        *,
        data: Optional[BytesLike] = None,
        read: Optional[Read] = None,
        echo: bool = False,
    ) -> None:
        given = sum(source is not None for source in (path, data, read))
        if given != 1:
            raise TypeError(f"Replayer takes exactly one of path, data and read ({given} given)")
        target = library()
        echo = as_bool(echo, "echo")
        if path is not None:
            pointer = _new(target, target.wasmtime_rr_replayer_new_file, ReplayerPointer, _path(path))
        elif data is not None:
            trace = _bytes(data)
            pointer = _new(target, target.wasmtime_rr_replayer_new_bytes, ReplayerPointer, trace, len(trace))
        else:
            with callbacks.entry(read) as key:
                pointer = _new(
                    target, target.wasmtime_rr_replayer_new_callback, ReplayerPointer, read_trampoline, key, finalizer
                )
        super().__init__(target, pointer, target.wasmtime_rr_replayer_delete)
        try:
            invoke(target, target.wasmtime_rr_replayer_echo_set, pointer, echo)
        except BaseException:
            self.close()
            raise


def _attach(store: wasmtime.Store, session: _Native, cls: type, function: str) -> None:
    _expect(session, cls, f"a wasmtime_rr.wasmtime_py.{cls.__name__}")
    context = _context(store)
    pointer = session._pointer()
    session._consume()  # the library takes it over, also when attaching fails
    invoke(session._lib, getattr(session._lib, function), context, pointer)


def _config_or_store(
    target: Any, setting: Any, configure: Callable[[Config, bool], None], cls: type, attach: str
) -> None:
    """``configure`` a config, or ``attach`` a session to a store."""
    if isinstance(target, wasmtime.Store):
        _attach(target, setting, cls, attach)
    else:
        configure(_config(target), setting)


@overload
def record(config: ConfigLike, enable: bool, /) -> None: ...


@overload
def record(store: wasmtime.Store, recorder: Recorder, /) -> None: ...


def record(target: Any, setting: Any, /) -> None:
    """Two uses, told apart by the first argument.

    ``record(config, enable)``: :meth:`wasmtime_rr.Config.record` for a
    ``wasmtime.Config``: ``True`` selects recording, ``False`` turns
    record/replay off.

    ``record(store, recorder)``: starts recording a ``wasmtime.Store`` into
    ``recorder``'s trace (``wasmtime_rr_store_record``), which takes the
    recorder over. From now on the functions of this module record every
    instantiation, export call, host-function call and host memory write on
    the store, until :func:`finish`. Raises :class:`InvalidArgumentError` when
    the store's engine is not recording or the store already has a recorder
    or replayer, :class:`TraceIoError` when the trace header cannot be
    written.
    """
    _config_or_store(target, setting, Config.record, Recorder, "wasmtime_rr_store_record")


@overload
def replay(config: ConfigLike, enable: bool, /) -> None: ...


@overload
def replay(store: wasmtime.Store, replayer: Replayer, /) -> None: ...


def replay(target: Any, setting: Any, /) -> None:
    """Two uses, told apart by the first argument.

    ``replay(config, enable)``: :meth:`wasmtime_rr.Config.replay` for a
    ``wasmtime.Config``: ``True`` selects replaying, ``False`` turns
    record/replay off.

    ``replay(store, replayer)``: starts replaying a ``wasmtime.Store`` from
    ``replayer``'s trace (``wasmtime_rr_store_replay``), which takes the
    replayer over. From now on host functions are not called: their recorded
    results, traps and memory writes are applied, and every instantiation and
    call is checked against the trace (:class:`DivergenceError`,
    :class:`ModuleMismatchError`), until :func:`finish`. Raises
    :class:`InvalidArgumentError` when the store's engine is not replaying or
    the store already has a recorder or replayer, :class:`TraceFormatError`
    for a trace whose header is not valid, :class:`TraceIoError` when reading
    fails.
    """
    _config_or_store(target, setting, Config.replay, Replayer, "wasmtime_rr_store_replay")


def flush(store: wasmtime.Store) -> None:
    """Hands everything ``store`` has recorded so far to the trace destination
    (``wasmtime_rr_store_flush``): seals the open frame and writes every
    pending one to the file or write callable, so that the destination holds
    a valid prefix of the trace with every event recorded before the call
    (one a process killed afterwards still leaves behind). Writes nothing
    for a replaying store. Raises :class:`InvalidArgumentError` when nothing
    is attached (or when called from inside one of the session's own trace
    callables), :class:`TraceIoError` when the write fails (the failure is
    sticky, as for any call).
    """
    target = library()
    invoke(target, target.wasmtime_rr_store_flush, _context(store))


def finish(store: wasmtime.Store) -> None:
    """Ends the recording or replay of ``store`` (``wasmtime_rr_store_finish``).

    Recording: writes the end of the trace and releases its destination.
    Replaying: checks that the trace has nothing left (else
    :class:`DivergenceError`). The session is released in every case; the
    store may have another one attached. Raises :class:`InvalidArgumentError`
    when nothing is attached, and when called from inside one of the
    session's host functions or trace callables (the session then goes on).
    """
    target = library()
    invoke(target, target.wasmtime_rr_store_finish, _context(store))


class _Switch:
    """The context manager :func:`recording` and :func:`replaying` return."""

    def __init__(self, store: wasmtime.Store, session: Any, attach: Callable[[wasmtime.Store, Any], None]) -> None:
        _expect(store, wasmtime.Store, "a wasmtime.Store")
        self._store = store
        self._session = session
        self._attach = attach
        self._entered = False

    def __enter__(self) -> Any:
        if self._entered:
            raise ValueError("this switch was used already: make a new one for another session")
        self._entered = True
        self._attach(self._store, self._session)
        return self._session

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if error is None:
            finish(self._store)
            return
        try:  # the block's exception is what matters; the trace is ended all the same
            finish(self._store)
        except Exception:
            pass


def recording(
    store: wasmtime.Store, trace: Union[PathArg, Recorder, None] = None, /, **settings: Any
) -> "ContextManager[Recorder]":
    """Records ``store`` for the duration of a ``with`` block: the block starts
    with :func:`record` (``wasmtime_rr_store_record``) and ends with
    :func:`finish` (``wasmtime_rr_store_finish``), also when it raises::

        with wasmtime_rr.recording(store, "trace.wrr"):
            print(rr.call(store, run))

    ``trace`` is a file path, a :class:`Recorder`, or nothing for a recording
    kept in memory; ``settings`` are :class:`Recorder`'s keywords
    (``validation``, ``event_window``, ``memory_digest``, ``flush_bytes``).
    ``as`` gives the recorder (``.trace`` after the block, for one in memory).
    The store's engine must record (``record(config, True)``,
    :func:`new_engine`); other stores are not affected. What is recorded is
    what goes through this module's RR-aware functions on the store
    (:func:`module_new`, :func:`define_func`, :func:`func_new`,
    :func:`instantiate`, :func:`linker_instantiate`, :func:`call`,
    :func:`memory_write`, :func:`define_wasi`, :func:`set_wasi`); an exception
    leaving the block is not hidden by an error of ending the trace.
    """
    if isinstance(trace, Recorder):
        if settings:
            raise TypeError("settings go to the Recorder itself when one is given")
        recorder = trace
    elif trace is None:
        recorder = Recorder(**settings)
    else:
        recorder = Recorder(trace, **settings)
    return _Switch(store, recorder, record)


def replaying(
    store: wasmtime.Store, trace: Union[PathArg, Replayer, BytesLike], /, *, echo: bool = False
) -> "ContextManager[Replayer]":
    """Replays ``store`` for the duration of a ``with`` block, from ``trace``:
    a file path, the trace's bytes, or a :class:`Replayer`. The block starts
    with :func:`replay` (``wasmtime_rr_store_replay``) and ends with
    :func:`finish`, which raises :class:`DivergenceError` when the block left
    recorded events unreplayed (unless the block itself raised)::

        with wasmtime_rr.replaying(store, "trace.wrr"):
            print(rr.call(store, run))   # the recorded results; host functions are not called

    ``echo`` writes the guest's recorded WASI stdout and stderr to this
    process's (see :class:`Replayer`). The store's engine must replay.
    """
    if isinstance(trace, Replayer):
        replayer = trace
    elif isinstance(trace, (bytes, bytearray, memoryview)):
        replayer = Replayer(data=trace, echo=echo)
    else:
        replayer = Replayer(trace, echo=echo)
    return _Switch(store, replayer, replay)


class RRModule(wasmtime.Module):
    """A ``wasmtime.Module`` made by :func:`module_new`.

    Freeing it (``close()``, the end of a ``with`` block, or collection)
    calls ``wasmtime_rr_module_delete``, which also forgets the checksum
    recorded for it.
    """

    def _delete(self, ptr: Any) -> None:
        library().wasmtime_rr_module_delete(ptr)


def module_new(engine: EngineLike, wasm: Union[str, bytes, bytearray]) -> RRModule:
    """Compiles a module (``wasmtime_rr_module_new``), as ``wasmtime.Module(engine, wasm)``
    does, and, when the engine records or replays, remembers the SHA-256 of its
    binary: only such modules can be instantiated in a recorded or replayed
    store. ``wasm`` is a binary or text (WAT), as for ``wasmtime.Module``.

    Raises :class:`wasmtime_rr.WasmtimeError` when the module does not compile.
    """
    return _compiled("wasmtime_rr_module_new", ffi.wasmtime_module_t, RRModule, engine, wasm)


def _compiled(function: str, raw_type: Any, cls: Any, engine: EngineLike, wasm: Union[str, bytes, bytearray]) -> Any:
    """Compiles ``wasm`` (binary or text) with ``function`` into a ``cls``."""
    target = library()
    binary = bytes(_to_wasm(wasm))
    pointer = _new(
        target, getattr(target, function), ctypes.POINTER(raw_type), native_pointer(engine, target, Engine), binary,
        len(binary)
    )
    compiled = cls.__new__(cls)
    compiled._set_ptr(pointer)
    return compiled


class _Host(NamedTuple):
    """A Python host function as the trampoline calls it."""

    function: Callable[..., Any]
    results: List[wasmtime.ValType]
    access_caller: bool


def _host(ty: wasmtime.FuncType, function: Callable[..., Any], access_caller: bool) -> _Host:
    _expect(ty, wasmtime.FuncType, "a wasmtime.FuncType")
    if not callable(function):
        raise TypeError(f"expected a callable, not {type(function).__name__}")
    return _Host(function, ty.results, as_bool(access_caller, "access_caller"))


def _results(outcome: Any, count: int) -> Sequence[Any]:
    """A host function's return value as its ``count`` results, read as
    wasmtime-py reads it: ``None`` for none, the value for one, a sequence for
    more."""
    if count == 0:
        if outcome is not None:
            raise TypeError(f"the host function returned {outcome!r}, but its type has no results")
        return ()
    if count == 1:
        return (outcome,)
    values = list(outcome)
    if len(values) != count:
        raise TypeError(f"the host function returned {len(values)} results, but its type has {count}")
    return values


def _outcome(values: List[Any]) -> Any:
    """Results as wasmtime-py returns them: ``None``, the value, or a list."""
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _trap_for(error: BaseException) -> int:
    """A new trap for an exception a host function raised, as the address the
    library takes over: a ``wasmtime.Trap``'s own message, else the
    exception's type and message."""
    try:
        message = error.message if isinstance(error, wasmtime.Trap) else f"{type(error).__name__}: {error}"
    except Exception:  # a trap already freed, a __str__ that raises
        message = type(error).__name__
    return ctypes.cast(wasmtime.Trap(message)._consume(), ctypes.c_void_p).value or 0


@ffi.wasmtime_func_callback_t
def _host_trampoline(key: int, caller_ptr: Any, params: Any, nparams: int, results: Any, nresults: int) -> int:
    """The ``wasmtime_func_callback_t`` of every Python host function, with
    wasmtime-py's own value conversions. An exception becomes a trap (kept as
    the cause of the error the export call raises)."""
    caller = wasmtime.Caller(caller_ptr)
    try:
        host: _Host = callbacks.get(key)
        args = [wasmtime.Val._from_raw(caller, params[i], owned=False).value for i in range(nparams)]
        outcome = host.function(caller, *args) if host.access_caller else host.function(*args)
        for i, value in enumerate(_results(outcome, nresults)):
            results[i] = wasmtime.Val._convert_to_raw(caller, host.results[i], value)
        return 0
    except BaseException as error:
        keep(error)
        return _trap_for(error)
    finally:
        caller._invalidate()


def func_new(
    store: wasmtime.Store, ty: wasmtime.FuncType, function: Callable[..., Any], access_caller: bool = False
) -> wasmtime.Func:
    """A host function whose calls are recorded or replayed
    (``wasmtime_rr_func_new``): ``wasmtime.Func(store, ty, function,
    access_caller)``, and as there ``function`` takes and returns Python
    values (with the ``wasmtime.Caller`` first when ``access_caller``).

    While the store records, guest calls run ``function`` and record what it
    returned or raised; while it replays, ``function`` is never called. An
    exception it raises becomes a trap: a ``wasmtime.Trap`` with its message,
    anything else with ``"TypeName: message"``. A recording or replaying
    store needs its recorder or replayer attached first
    (:class:`InvalidArgumentError`). The function's name in the trace is the
    import it is given to by :func:`instantiate`.
    """
    target = library()
    host = _host(ty, function, access_caller)
    func = ffi.wasmtime_func_t()
    with callbacks.entry(host) as key:
        invoke(
            target,
            target.wasmtime_rr_func_new,
            _context(store),
            ty.ptr(),
            _host_trampoline,
            key,
            finalizer,
            byref(func),
        )
    return wasmtime.Func._from_raw(func)


def define_func(
    linker: wasmtime.Linker,
    module: str,
    name: str,
    ty: wasmtime.FuncType,
    function: Callable[..., Any],
    access_caller: bool = False,
) -> None:
    """Defines ``module.name`` in ``linker`` as a host function whose calls
    are recorded or replayed (``wasmtime_rr_linker_define_func``):
    ``linker.define_func(module, name, ty, function, access_caller)``, with
    the behaviour of :func:`func_new`. Raises
    :class:`wasmtime_rr.WasmtimeError` for a name defined already.
    """
    _expect(linker, wasmtime.Linker, "a wasmtime.Linker")
    target = library()
    host = _host(ty, function, access_caller)
    module_name, field = module.encode("utf-8"), name.encode("utf-8")
    with callbacks.entry(host) as key:
        invoke(
            target,
            target.wasmtime_rr_linker_define_func,
            linker.ptr(),
            module_name,
            len(module_name),
            field,
            len(field),
            ty.ptr(),
            _host_trampoline,
            key,
            finalizer,
        )


def _exit_trap(target: Library, error: Any) -> Optional[wasmtime.ExitTrap]:
    """For an error that is a WASI exit (``proc_exit``, which Wasmtime reports
    as an error with an exit status): wasmtime-py's ``wasmtime.ExitTrap``,
    with ``.code``, as ``func(store, ...)`` raises it; it takes the error
    over. ``None`` for any other error."""
    status = ctypes.c_int()
    if not target.wasmtime_error_exit_status(error, byref(status)):
        return None
    exit_trap = wasmtime.WasmtimeError._from_ptr(ctypes.cast(error, ctypes.POINTER(ffi.wasmtime_error_t)))
    assert isinstance(exit_trap, wasmtime.ExitTrap)
    return exit_trap


def _trapping(target: Library, function: CFunction, *args: Any) -> None:
    """Calls ``function(*args, &trap)``: raises its error (a WASI exit as
    ``wasmtime.ExitTrap``), or its trap as a ``wasmtime.Trap``."""
    trap = ctypes.POINTER(ffi.wasm_trap_t)()
    invoke(target, function, *args, byref(trap), special=lambda error: _exit_trap(target, error))
    if trap:
        raise wasmtime.Trap._from_ptr(trap)


def _instance(function: str, *args: Any) -> wasmtime.Instance:
    target = library()
    instance = ffi.wasmtime_instance_t()
    _trapping(target, getattr(target, function), *args, byref(instance))
    return wasmtime.Instance._from_raw(instance)


def instantiate(store: wasmtime.Store, module: wasmtime.Module, imports: Sequence[AsExtern]) -> wasmtime.Instance:
    """Instantiates ``module`` with ``imports`` (``wasmtime_rr_instance_new``):
    ``wasmtime.Instance(store, module, imports)``, recorded or replayed.

    While recording or replaying, ``module`` must come from
    :func:`module_new` (:class:`InvalidArgumentError`); a replay of another
    module than recorded raises :class:`ModuleMismatchError`. A trap of the
    start function is raised as ``wasmtime.Trap``.
    """
    _expect(module, wasmtime.Module, "a wasmtime.Module")
    externs = (ffi.wasmtime_extern_t * len(imports))(*(get_extern_ptr(item) for item in imports))
    return _instance("wasmtime_rr_instance_new", _context(store), module.ptr(), externs, len(imports))


def linker_instantiate(linker: wasmtime.Linker, store: wasmtime.Store, module: wasmtime.Module) -> wasmtime.Instance:
    """Instantiates ``module`` with ``linker``'s definitions
    (``wasmtime_rr_linker_instantiate``): ``linker.instantiate(store,
    module)``, recorded or replayed as by :func:`instantiate`."""
    _expect(linker, wasmtime.Linker, "a wasmtime.Linker")
    _expect(module, wasmtime.Module, "a wasmtime.Module")
    return _instance("wasmtime_rr_linker_instantiate", linker.ptr(), _context(store), module.ptr())


def call(store: StoreLike, func: wasmtime.Func, *args: Any) -> Any:
    """Calls a guest export (``wasmtime_rr_func_call``): ``func(store,
    *args)``, recorded or replayed, with the same argument conversions and
    results (``None``, one value, or a list).

    ``func`` must be an export of an instance made by :func:`instantiate` or
    :func:`linker_instantiate` while recording or replaying. A guest trap is
    raised as ``wasmtime.Trap``; a host function's trap comes back from
    Wasmtime as an error, :class:`wasmtime_rr.WasmtimeError` (with the
    exception the host function raised, when it ran, as ``__cause__``).
    A guest that exits through WASI's ``proc_exit`` raises
    ``wasmtime.ExitTrap`` with its ``code``, as in wasmtime-py (also when
    the exit is replayed). A replayed call that differs from the trace raises
    :class:`DivergenceError`.
    """
    _expect(func, wasmtime.Func, "a wasmtime.Func")
    target = library()
    ty = func.type(store)
    params, result_types = ty.params, ty.results
    if len(args) != len(params):
        raise TypeError(f"the function takes {len(params)} arguments ({len(args)} given)")
    raw_args = (ffi.wasmtime_val_t * len(args))()
    raw_results = (ffi.wasmtime_val_t * len(result_types))()
    rooted = 0
    try:
        for param, arg in zip(params, args):
            raw_args[rooted] = wasmtime.Val._convert_to_raw(store, param, arg)
            rooted += 1
        _trapping(
            target,
            target.wasmtime_rr_func_call,
            _context(store),
            byref(func._func),
            raw_args,
            len(args),
            raw_results,
            len(result_types),
        )
    finally:
        for i in range(rooted):
            ffi.wasmtime_val_unroot(byref(raw_args[i]))
    return _outcome([wasmtime.Val._from_raw(store, raw).value for raw in raw_results])


def memory_write(store: StoreLike, memory: wasmtime.Memory, offset: int, data: BytesLike) -> None:
    """Writes ``data`` into guest memory at ``offset``
    (``wasmtime_rr_memory_write``), recorded or replayed.

    Host functions must write into guest memory this way (``store`` is then
    their ``wasmtime.Caller``) for the write to be recorded and re-applied on
    replay. Raises :class:`InvalidArgumentError` when the range does not fit
    the memory, :class:`DivergenceError` when a replayed write differs.
    """
    _expect(memory, wasmtime.Memory, "a wasmtime.Memory")
    target = library()
    payload = _bytes(data)
    invoke(
        target,
        target.wasmtime_rr_memory_write,
        _context(store),
        byref(memory._memory),
        as_uint64(offset, "offset"),
        payload,
        len(payload),
    )


# WASI preview 1.


def define_wasi(linker: wasmtime.Linker) -> None:
    """Defines WASI preview 1 in ``linker`` (``wasmtime_rr_linker_define_wasi``):
    ``linker.define_wasi()``, recorded and replayed.

    When the linker's engine records or replays, each of the 46 functions of
    ``wasi_snapshot_preview1`` is defined as a wrapper of Wasmtime's own: on
    a recorded store every call is recorded (its arguments, errno, what it
    wrote into guest memory, the bytes written to stdout and stderr,
    ``proc_exit``); on a replayed store no WASI function runs (no file, clock,
    random source or stdin is touched, nothing is printed: see
    ``Replayer(echo=True)``) and each call is checked against the trace
    (:class:`DivergenceError`). Such definitions find the WASI context that
    :func:`set_wasi` gave the store, and only that one: use both functions
    together. When the engine neither records nor replays this is exactly
    ``linker.define_wasi()``. Raises :class:`wasmtime_rr.WasmtimeError` when a
    WASI name is defined already (and shadowing is off).
    """
    _expect(linker, wasmtime.Linker, "a wasmtime.Linker")
    target = library()
    invoke(target, target.wasmtime_rr_linker_define_wasi, linker.ptr())


def _wasi_config(wasi: wasmtime.WasiConfig) -> Any:
    """The ``wasi_config_t*`` of a ``wasmtime.WasiConfig``."""
    _expect(wasi, wasmtime.WasiConfig, "a wasmtime.WasiConfig")
    try:
        return wasi.ptr()
    except ValueError:
        raise ValueError("WASI config is closed or was consumed by a store") from None


def set_wasi(store: wasmtime.Store, wasi: wasmtime.WasiConfig) -> None:
    """Gives ``store`` its WASI context from ``wasi``
    (``wasmtime_rr_context_set_wasi``): ``store.set_wasi(wasi)``, where the
    functions :func:`define_wasi` defines find it.

    ``wasi`` is consumed only on success (then, as after
    ``store.set_wasi``, any use of it raises ``ValueError``); when this raises,
    ``wasi`` is untouched and still usable. When the engine neither records
    nor replays this is exactly ``store.set_wasi(wasi)``. A replaying store
    needs no WASI context; when it has one, its arguments and environment
    variables must be the recorded ones (else the replay raises
    :class:`DivergenceError`), and nothing else of it is used. A second call
    replaces the context.
    """
    _expect(store, wasmtime.Store, "a wasmtime.Store")
    target = library()
    invoke(target, target.wasmtime_rr_context_set_wasi, store._context(), _wasi_config(wasi))
    wasi._consume()  # only now: the library took it over


def random_seed(wasi: wasmtime.WasiConfig, seed: int) -> None:
    """Makes the guest's random source deterministic
    (``wasi_config_random_seed_set``): the same bytes on every run with the
    same ``seed`` (any integer from 0 to 2**64-1, else ``OverflowError``).
    No trace is needed; a recording records whatever the source gives."""
    target = library()
    invoke(target, target.wasi_config_random_seed_set, _wasi_config(wasi), as_uint64(seed, "seed"))


def _clock(function: str, wasi: wasmtime.WasiConfig, start_ns: int, step_ns: int) -> None:
    target = library()
    invoke(
        target,
        getattr(target, function),
        _wasi_config(wasi),
        as_uint64(start_ns, "start_ns"),
        as_uint64(step_ns, "step_ns"),
    )


def wall_clock(wasi: wasmtime.WasiConfig, start_ns: int, step_ns: int) -> None:
    """Gives the guest a virtual wall clock (``wasi_config_wall_clock_set``):
    its first reading is ``start_ns`` nanoseconds since the Unix epoch, and
    each reading advances it by ``step_ns`` (its resolution; at most 10**15,
    else :class:`InvalidArgumentError`). Integers outside ``uint64_t`` raise
    ``OverflowError``."""
    _clock("wasi_config_wall_clock_set", wasi, start_ns, step_ns)


def monotonic_clock(wasi: wasmtime.WasiConfig, start_ns: int, step_ns: int) -> None:
    """Gives the guest a virtual monotonic clock
    (``wasi_config_monotonic_clock_set``), as :func:`wall_clock` does for the
    wall clock. A guest that sleeps still waits for real time, but reads the
    same times."""
    _clock("wasi_config_monotonic_clock_set", wasi, start_ns, step_ns)


# ---- components -------------------------------------------------------------


class RRComponent(wasmtime.component.Component):
    """A ``wasmtime.component.Component`` made by :func:`component_new`.

    Freeing it calls ``wasmtime_rr_component_delete``, which also forgets the
    checksum recorded for it.
    """

    def _delete(self, ptr: Any) -> None:
        library().wasmtime_rr_component_delete(ptr)


def component_new(engine: EngineLike, wasm: Union[str, bytes, bytearray]) -> RRComponent:
    """Compiles a component (``wasmtime_rr_component_new``), as
    ``wasmtime.component.Component(engine, wasm)`` does, and, when the engine
    records or replays, remembers the SHA-256 of its binary: only such
    components can be instantiated in a recorded or replayed store. ``wasm``
    is a binary or text (WAT).

    Raises :class:`wasmtime_rr.WasmtimeError` when it does not compile.
    """
    return _compiled("wasmtime_rr_component_new", ffi.wasmtime_component_t, RRComponent, engine, wasm)


def component_add_func(instance: Any, name: str, func: Callable[..., Any]) -> None:
    """Defines a host function in a ``wasmtime.component.LinkerInstance``
    (``wasmtime_rr_component_linker_instance_add_func``), as
    ``instance.add_func(name, func)`` does: ``func(store, *args)`` gets and
    returns Python values as wasmtime-py converts them. On a store that
    records, its results (or its exception, as an error) are recorded; on a
    store that replays, it is not called and the guest gets the recorded
    results.
    """
    from wasmtime.component._linker import FUNCTIONS, func_finalize, func_impl

    _add_to_instance("add_func", instance, name, (), (FUNCTIONS, func, func_impl, func_finalize))


def _add_to_instance(what: str, instance: Any, name: str, middle: Tuple[Any, ...], callback: Tuple[Any, ...]) -> None:
    """Calls ``wasmtime_rr_component_linker_instance_<what>`` with a name, the
    ``middle`` arguments, and a Python callable registered in wasmtime-py's
    slab ``callback = (slab, callable, trampoline, finalizer)``, as
    wasmtime-py's own ``LinkerInstance`` methods do."""
    from wasmtime.component import LinkerInstance

    _expect(instance, LinkerInstance, "a wasmtime.component.LinkerInstance")
    instance._assert_not_locked()
    slab, function, trampoline, finalize = callback
    target = library()
    encoded = name.encode("utf-8")
    index = slab.allocate(function)
    native = getattr(target, f"wasmtime_rr_component_linker_instance_{what}")
    invoke(
        target,
        native,
        instance.ptr(),
        encoded,
        len(encoded),
        *middle,
        ctypes.cast(trampoline, c_void_p),
        index,
        ctypes.cast(finalize, Finalizer),
    )


def component_add_resource(instance: Any, name: str, ty: Any, dtor: Callable[..., Any]) -> None:
    """Defines a host resource type in a ``wasmtime.component.LinkerInstance``
    (``wasmtime_rr_component_linker_instance_add_resource``), as
    ``instance.add_resource(name, ty, dtor)`` does: ``ty`` is a
    ``wasmtime.component.ResourceType.host(n)``, ``dtor(store, rep)`` runs
    when the guest drops a resource of the type. On a store that records, each
    destructor call is recorded with its ``rep`` and outcome; on a store that
    replays, ``dtor`` is not called and the recorded outcome is served.
    Resources made with ``ResourceHost.own(rep, n)`` and given to the guest
    are recorded with their rep and type and made again on replay.
    """
    from wasmtime.component import ResourceType
    from wasmtime.component._linker import RESOURCE_DTORS, resource_dtor_finalize, resource_dtor_impl

    _expect(ty, ResourceType, "a wasmtime.component.ResourceType")
    callback = (RESOURCE_DTORS, dtor, resource_dtor_impl, resource_dtor_finalize)
    _add_to_instance("add_resource", instance, name, (ty.ptr(),), callback)


def component_instantiate(linker: Any, store: wasmtime.Store, component: Any) -> Any:
    """Instantiates ``component`` (``wasmtime_rr_component_linker_instantiate``):
    ``linker.instantiate(store, component)``, recorded or replayed. While
    recording or replaying, ``component`` must come from
    :func:`component_new` (:class:`InvalidArgumentError`); a replay of another
    component raises :class:`ModuleMismatchError`; a component that imports
    WASI preview 2 raises :class:`UnsupportedError`.
    """
    from wasmtime.component import Component, Instance, Linker

    _expect(linker, Linker, "a wasmtime.component.Linker")
    _expect(component, Component, "a wasmtime.component.Component")
    linker._assert_not_locked()
    target = library()
    instance = ffi.wasmtime_component_instance_t()
    invoke(target, target.wasmtime_rr_component_linker_instantiate, linker.ptr(), _context(store), component.ptr(),
           byref(instance))
    return Instance._from_raw(instance)


def _host_exception(target: Library) -> Callable[[Any], Optional[BaseException]]:
    """An exception a host function raised (wasmtime-py keeps it aside while
    the call returns an error): raised instead of the error, which becomes
    its ``__cause__``."""
    from wasmtime.component import _enter

    def special(error: Any) -> Optional[BaseException]:
        exception = _enter.LAST_EXCEPTION
        if exception is None:
            return None
        _enter.LAST_EXCEPTION = None
        exception.__cause__ = target.take_error(error)
        return exception

    return special


def component_call(store: StoreLike, func: Any, *params: Any) -> Any:
    """Calls a component export (``wasmtime_rr_component_func_call``):
    ``func(store, *params)``, recorded or replayed, with wasmtime-py's value
    conversions (its result, or ``None``). While recording or replaying,
    ``func`` must be an export of an instance made by
    :func:`component_instantiate`. A replayed call with other arguments than
    recorded raises :class:`DivergenceError`; an exception a host function
    raised is raised again (not while replaying: the host does not run).
    """
    from wasmtime.component import Func

    _expect(func, Func, "a wasmtime.component.Func")
    ty = func.type(store)
    param_types, result_type = ty.params, ty.result
    if len(params) != len(param_types):
        raise TypeError(f"the function takes {len(param_types)} arguments ({len(params)} given)")
    target = library()
    raw_params = (ffi.wasmtime_component_val_t * len(params))()
    converted = 0
    try:
        for (_, param_type), value in zip(param_types, params):
            param_type.convert_to_c(store, value, ctypes.pointer(raw_params[converted]))
            converted += 1
        result = ffi.wasmtime_component_val_t()
        count = 0 if result_type is None else 1
        invoke(
            target,
            target.wasmtime_rr_component_func_call,
            byref(func._func),
            _context(store),
            raw_params,
            converted,
            byref(result),
            count,
            special=_host_exception(target),
        )
        # wasmtime-py's conversion takes the result over (and frees it).
        return None if result_type is None else result_type.convert_from_c(result)
    finally:
        for i in range(converted):
            ffi.wasmtime_component_val_delete(byref(raw_params[i]))


def component_add_wasip2(linker: Any) -> None:
    """``linker.add_wasip2()`` (``wasmtime_rr_component_linker_add_wasip2``):
    when the linker's engine records or replays, WASI preview 2 recorded and
    replayed (clocks, random, environment, exit, stdio streams, pollables,
    preopens and files); the store's WASI context must then come from
    :func:`set_wasi`. A replay reads nothing from the outside world (no file
    either) and prints nothing unless it echoes. The network is refused
    (``UnsupportedError`` from the guest's call) in a store that records or
    replays."""
    from wasmtime.component import Linker

    _expect(linker, Linker, "a wasmtime.component.Linker")
    linker._assert_not_locked()
    target = library()
    invoke(target, target.wasmtime_rr_component_linker_add_wasip2, linker.ptr())
