"""Record and replay wasmtime-py stores: a host program runs the same script
while recording and while replaying; replay reproduces every export result
without calling the host functions, and every divergence or bad trace is an
exception of its kind. Also ownership (frees counted), callback lifetimes and
the RR-aware functions on stores with nothing attached."""

from __future__ import annotations

import collections
import gc
import hashlib
import io
import os
import time
from pathlib import Path
from typing import Any, Callable, Counter, Dict, Iterator, List, Optional, Tuple, Type

import pytest
import wasmtime
from wasmtime import _ffi as ffi

from wasmtime_rr import (
    DivergenceError,
    ErrorKind,
    InvalidArgumentError,
    Mode,
    ModuleMismatchError,
    TraceFormatError,
    TraceIoError,
    WasmtimeError,
    WasmtimeRRError,
    wasmtime_py as rr,
)
from wasmtime_rr._callbacks import callbacks
from wasmtime_rr._native import Finalizer

I32, I64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()

# A guest that reads a clock and fills its memory with random bytes through
# host functions, and calls a host function that fails.
GUEST = """
(module
  (import "env" "now" (func $now (result i64)))
  (import "env" "random" (func $random (param i32 i32)))
  (import "env" "fail" (func $fail (param i32)))
  (memory (export "memory") 1)
  (func (export "run") (param $x i32) (result i64 i32)
    (call $random (i32.const 16) (i32.const 8))
    (i64.add (call $now) (i64.load (i32.const 16)))
    (i32.add (local.get $x) (i32.load8_u (i32.const 17))))
  (func (export "trap") (param i32) (result i32)
    (if (local.get 0) (then unreachable))
    (i32.const 7))
  (func (export "boom") (param i32) (call $fail (local.get 0))))
"""
# The same guest rebuilt with one constant changed: another checksum.
OTHER_BUILD = GUEST.replace("(i32.const 7)", "(i32.const 8)")
SEED = b"seed"


class Host:
    """The outside world (a clock, a random source, a failing service), with
    its calls counted: a replay must call none of them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = collections.Counter()

    def now(self) -> int:
        self.calls["now"] += 1
        return time.time_ns()

    def random(self, caller: wasmtime.Caller, address: int, length: int) -> None:
        self.calls["random"] += 1
        memory = caller["memory"]
        assert isinstance(memory, wasmtime.Memory)
        rr.memory_write(caller, memory, address, os.urandom(length))

    def fail(self, how: int) -> None:
        self.calls["fail"] += 1
        if how == 0:
            raise wasmtime.Trap("host says no")
        raise ValueError(f"bad input {how}")

    def definitions(self) -> List[Tuple[str, wasmtime.FuncType, Callable[..., Any], bool]]:
        """(name, type, callable, access_caller) of each import, in import order."""
        return [
            ("now", wasmtime.FuncType([], [I64]), self.now, False),
            ("random", wasmtime.FuncType([I32, I32], []), self.random, True),
            ("fail", wasmtime.FuncType([I32], []), self.fail, False),
        ]


def rr_engine(mode: Mode) -> wasmtime.Engine:
    config = wasmtime.Config()
    rr.set_mode(config, mode)
    rr.enforce_determinism(config)
    return rr.new_engine(config)


def recording_store() -> wasmtime.Store:
    return wasmtime.Store(rr_engine(Mode.RECORDING))


def instantiate(store: wasmtime.Store, module: wasmtime.Module, host: Host, by: str) -> wasmtime.Instance:
    """The guest's instance, its imports given by a linker or as functions."""
    if by == "linker":
        linker = wasmtime.Linker(store.engine)
        for name, ty, function, access_caller in host.definitions():
            rr.define_func(linker, "env", name, ty, function, access_caller)
        return rr.linker_instantiate(linker, store, module)
    imports = [rr.func_new(store, ty, function, access_caller) for _, ty, function, access_caller in host.definitions()]
    return rr.instantiate(store, module, imports)


def export(store: wasmtime.Store, instance: wasmtime.Instance, name: str) -> Any:
    return instance.exports(store)[name]


def script(store: wasmtime.Store, module: wasmtime.Module, host: Host, by: str) -> List[Any]:
    """The host program: the same calls whether recording or replaying; returns what it saw."""
    instance = instantiate(store, module, host, by)
    memory = export(store, instance, "memory")
    rr.memory_write(store, memory, 0, SEED)  # a host write outside any host function
    seen: List[Any] = [rr.call(store, export(store, instance, "run"), x) for x in (5, -1)]
    with pytest.raises(wasmtime.Trap) as trap:
        rr.call(store, export(store, instance, "trap"), 1)
    seen += [trap.value.trap_code, rr.call(store, export(store, instance, "trap"), 0)]
    for how in (0, 1):
        with pytest.raises(WasmtimeError) as failed:
            rr.call(store, export(store, instance, "boom"), how)
        seen.append(str(failed.value))
    seen.append(bytes(memory.read(store, 0, 24)))
    return seen


class Recording:
    """A session recorded with a fresh :class:`Host`."""

    def __init__(self, recorder: Optional[rr.Recorder] = None, by: str = "linker") -> None:
        self.host = Host()
        self.recorder = recorder or rr.Recorder()
        engine = rr_engine(Mode.RECORDING)
        store = wasmtime.Store(engine)
        with rr.module_new(engine, GUEST) as module:
            rr.record(store, self.recorder)
            self.seen = script(store, module, self.host, by)
            rr.finish(store)

    @property
    def trace(self) -> bytes:
        return self.recorder.trace


def replaying(replayer: rr.Replayer, wat: str = GUEST) -> Tuple[wasmtime.Store, wasmtime.Module]:
    """A fresh store of a replaying engine with ``replayer`` attached, and the guest built from ``wat``."""
    engine = rr_engine(Mode.REPLAYING)
    store = wasmtime.Store(engine)
    module = rr.module_new(engine, wat)
    rr.replay(store, replayer)
    return store, module


def replay(trace: bytes, host: Host, by: str = "linker") -> List[Any]:
    store, module = replaying(rr.Replayer(data=trace))
    seen = script(store, module, host, by)
    rr.finish(store)
    return seen


def raises(cls: Type[WasmtimeRRError], message: str, function: Callable[[], Any]) -> WasmtimeRRError:
    """Calls ``function``, which must raise ``cls`` with ``message`` in its message."""
    with pytest.raises(cls) as raised:
        function()
    assert message in str(raised.value), str(raised.value)
    return raised.value


EXPECTED_CALLS = {"now": 2, "random": 2, "fail": 2}


@pytest.mark.parametrize("by", ["linker", "func_new"])
@pytest.mark.parametrize(
    "settings",
    [{}, {"validation": True, "memory_digest": True, "event_window": 1}],
    ids=["defaults", "validation-digest-window1"],
)
def test_a_replay_reproduces_the_recording_without_calling_the_host(by: str, settings: Dict[str, Any]) -> None:
    recording = Recording(rr.Recorder(**settings), by)
    assert recording.host.calls == EXPECTED_CALLS
    seen = recording.seen
    assert [len(seen[0]), len(seen[1])] == [2, 2]  # run: (i64, i32), from the clock and random bytes
    assert seen[2:4] == [wasmtime.TrapCode.UNREACHABLE, 7]
    assert "host says no" in seen[4] and "ValueError: bad input 1" in seen[5]
    assert seen[6][:4] == SEED
    for _ in range(2):  # twice, each time in a fresh store
        assert replay(recording.trace, recording.host, by) == seen
        assert recording.host.calls == EXPECTED_CALLS  # the host was never called


def test_recording_to_a_file_and_through_a_write_callable(tmp_path: Path) -> None:
    chunks: List[bytes] = []

    def write(data: bytes) -> bool:
        chunks.append(data)
        return True

    from_callable = Recording(rr.Recorder(write=write, event_window=2, flush_bytes=0))
    assert len(chunks) > 3  # the header, then one write per window of two events (flush_bytes=0)
    with pytest.raises(ValueError, match="^this recorder writes to a file or a write callable, not to memory$"):
        from_callable.trace
    host = from_callable.host
    assert replay(b"".join(chunks), host) == from_callable.seen

    path = tmp_path / "session.wrr"
    to_file = Recording(rr.Recorder(path))
    assert path.stat().st_size > 100
    store, module = replaying(rr.Replayer(path))
    assert script(store, module, to_file.host, "linker") == to_file.seen
    rr.finish(store)
    with path.open("rb") as trace:
        store, module = replaying(rr.Replayer(read=trace.read))
        assert script(store, module, to_file.host, "linker") == to_file.seen
        rr.finish(store)
    assert to_file.host.calls == EXPECTED_CALLS


def test_a_host_exception_is_a_trap_and_the_cause_of_the_call_error() -> None:
    engine = rr_engine(Mode.RECORDING)
    store = wasmtime.Store(engine)
    module = rr.module_new(engine, GUEST)
    recorder = rr.Recorder()
    rr.record(store, recorder)
    host = Host()
    instance = instantiate(store, module, host, "func_new")
    error = raises(WasmtimeError, "ValueError: bad input 3", lambda: rr.call(store, export(store, instance, "boom"), 3))
    recorded = str(error)
    assert error.kind is ErrorKind.WASMTIME
    assert isinstance(error.__cause__, ValueError) and str(error.__cause__) == "bad input 3"
    error = raises(WasmtimeError, "host says no", lambda: rr.call(store, export(store, instance, "boom"), 0))
    assert isinstance(error.__cause__, wasmtime.Trap)
    rr.finish(store)

    store, rebuilt = replaying(rr.Replayer(data=recorder.trace))
    instance = instantiate(store, rebuilt, host, "func_new")
    replayed = raises(
        WasmtimeError, "ValueError: bad input 3", lambda: rr.call(store, export(store, instance, "boom"), 3)
    )
    assert replayed.__cause__ is None  # the host function did not run
    assert str(replayed) == recorded
    raises(WasmtimeError, "host says no", lambda: rr.call(store, export(store, instance, "boom"), 0))
    rr.finish(store)
    assert host.calls == {"fail": 2}


@pytest.mark.parametrize(
    "now, random, message",
    [
        (lambda: 1, lambda address, length: 1, "TypeError: the host function returned 1, but its type has no results"),
        (lambda: "soon", lambda address, length: None, "TypeError: don't know how to convert 'soon' to i64"),
    ],
    ids=["results-for-none", "unconvertible"],
)
def test_wrong_results_of_a_host_function_are_a_trap(
    now: Callable[[], Any], random: Callable[[int, int], Any], message: str
) -> None:
    store = wasmtime.Store()
    module = rr.module_new(store.engine, GUEST)
    imports = [
        rr.func_new(store, wasmtime.FuncType([], [I64]), now),
        rr.func_new(store, wasmtime.FuncType([I32, I32], []), random),
        rr.func_new(store, wasmtime.FuncType([I32], []), lambda how: None),
    ]
    instance = rr.instantiate(store, module, imports)
    error = raises(WasmtimeError, message, lambda: rr.call(store, export(store, instance, "run"), 1))
    assert isinstance(error.__cause__, TypeError)


@ffi.wasmtime_func_callback_t
def _wrong_kind(env: Any, caller: Any, args: Any, nargs: int, results: Any, nresults: int) -> int:
    """A host function in C's terms that writes a result of an unknown kind."""
    results[0].kind = 255
    return 0


@pytest.mark.parametrize("mode", [Mode.NONE, Mode.RECORDING], ids=["plain", "recording"])
def test_a_raw_host_function_returning_a_wrong_kind_is_a_trap_not_an_abort(mode: Mode) -> None:
    """The library's trampoline checks the result kinds of every host function
    defined through it, on every engine: the call fails with Wasmtime's error
    carrying the trap's message."""
    wat = '(module (import "env" "bad" (func $bad (result i64))) (func (export "go") (result i64) (call $bad)))'
    engine = rr_engine(mode) if mode is Mode.RECORDING else wasmtime.Engine()
    store = wasmtime.Store(engine)
    if mode is Mode.RECORDING:
        rr.record(store, rr.Recorder())
    linker = wasmtime.Linker(engine)
    library = rr.library()
    ty = wasmtime.FuncType([], [I64])  # alive during the call
    library.call(
        library.wasmtime_rr_linker_define_func,
        linker.ptr(),
        b"env",
        3,
        b"bad",
        3,
        ty.ptr(),
        _wrong_kind,
        None,
        Finalizer(),
    )
    go = export(store, rr.linker_instantiate(linker, store, rr.module_new(engine, wat)), "go")
    raises(
        WasmtimeError,
        "host function `env.bad` returned a value of kind 255 as result #0, whose type is i64",
        lambda: rr.call(store, go),
    )
    if mode is Mode.RECORDING:
        rr.finish(store)


def test_replaying_another_build_of_the_module_is_a_module_mismatch() -> None:
    recording = Recording()
    store, module = replaying(rr.Replayer(data=recording.trace), OTHER_BUILD)
    error = raises(
        ModuleMismatchError,
        "wasmtime_rr_linker_instantiate: replay diverged at event #0: the trace instantiates a module with sha256 ",
        lambda: instantiate(store, module, recording.host, "linker"),
    )
    assert error.kind is ErrorKind.MODULE_MISMATCH
    recorded, rebuilt = (hashlib.sha256(wasmtime.wat2wasm(wat)).hexdigest() for wat in (GUEST, OTHER_BUILD))
    assert str(error).endswith(f"sha256 {recorded}, but this module has sha256 {rebuilt}")
    # The session stays failed: finishing says so again.
    raises(ModuleMismatchError, f"but this module has sha256 {rebuilt}", lambda: rr.finish(store))
    assert recording.host.calls == EXPECTED_CALLS


def replayed_instance(recording: Recording) -> Tuple[wasmtime.Store, wasmtime.Instance]:
    store, module = replaying(rr.Replayer(data=recording.trace))
    instance = instantiate(store, module, recording.host, "linker")
    rr.memory_write(store, export(store, instance, "memory"), 0, SEED)
    return store, instance


def test_calling_another_export_is_a_divergence() -> None:
    recording = Recording()
    store, instance = replayed_instance(recording)
    error = raises(
        DivergenceError,
        "wasmtime_rr_func_call: replay diverged at event #",
        lambda: rr.call(store, export(store, instance, "trap"), 0),
    )
    assert str(error).endswith(
        ": expected a call of export `run` of instance #0, but the program calls `trap` of instance #0"
    )
    assert error.kind is ErrorKind.DIVERGENCE


def test_calling_with_other_arguments_is_a_divergence() -> None:
    recording = Recording()
    store, instance = replayed_instance(recording)
    error = raises(
        DivergenceError, "replay diverged at event #", lambda: rr.call(store, export(store, instance, "run"), 6)
    )
    assert str(error).endswith("export `run` was called with (i32:5), but now with (i32:6)")


def test_another_host_write_is_a_divergence() -> None:
    recording = Recording()
    store, module = replaying(rr.Replayer(data=recording.trace))
    instance = instantiate(store, module, recording.host, "linker")
    raises(
        DivergenceError,
        "wasmtime_rr_memory_write: replay diverged at event #",
        lambda: rr.memory_write(store, export(store, instance, "memory"), 0, b"SEED"),
    )


def test_the_memory_digest_catches_a_host_write_that_bypassed_memory_write() -> None:
    wat = """(module (import "env" "poke" (func $poke)) (memory (export "memory") 1)
      (func (export "peek") (result i32) (call $poke) (i32.load (i32.const 0))))"""

    def poke(caller: wasmtime.Caller) -> None:
        memory = caller["memory"]
        assert isinstance(memory, wasmtime.Memory)
        memory.write(caller, os.urandom(4), 0)  # not through rr.memory_write

    def peek(store: wasmtime.Store, module: wasmtime.Module) -> int:
        linker = wasmtime.Linker(store.engine)
        rr.define_func(linker, "env", "poke", wasmtime.FuncType([], []), poke, access_caller=True)
        instance = rr.linker_instantiate(linker, store, module)
        result: int = rr.call(store, export(store, instance, "peek"))
        return result

    recorder = rr.Recorder(memory_digest=True)
    store = recording_store()
    rr.record(store, recorder)
    peek(store, rr.module_new(store.engine, wat))
    rr.finish(store)
    store, module = replaying(rr.Replayer(data=recorder.trace), wat)
    raises(
        DivergenceError,
        "guest memory after host function `env.poke` has digest ",
        lambda: peek(store, module),
    )


def test_stopping_early_is_a_divergence() -> None:
    recording = Recording()
    store, _ = replayed_instance(recording)
    raises(
        DivergenceError,
        "the replay finished, but the trace has more: call of export `run` of instance #0 with (i32:5)",
        lambda: rr.finish(store),
    )


def test_going_on_past_the_end_of_the_trace_is_a_divergence() -> None:
    recording = Recording()
    store, module = replaying(rr.Replayer(data=recording.trace))
    script(store, module, recording.host, "linker")
    raises(
        DivergenceError,
        "expected the end of the trace, but the program instantiates a module",
        lambda: instantiate(store, module, recording.host, "linker"),
    )


def replay_to_the_end(trace: bytes) -> None:
    """Replays ``trace`` as far as it goes and finishes; raises what went wrong."""
    store, module = replaying(rr.Replayer(data=trace))
    try:
        script(store, module, Host(), "linker")
    finally:
        rr.finish(store)


def test_every_truncation_of_a_trace_is_a_trace_format_error() -> None:
    trace = Recording(rr.Recorder(event_window=4)).trace
    for cut in range(0, len(trace), 1 + len(trace) // 25):
        with pytest.raises(TraceFormatError, match="truncated trace: ") as raised:
            replay_to_the_end(trace[:cut])
        assert raised.value.kind is ErrorKind.TRACE_FORMAT


def test_a_cut_header_is_refused_when_the_replayer_is_attached() -> None:
    trace = Recording().trace
    raises(
        TraceFormatError,
        "wasmtime_rr_store_replay: truncated trace: it ends inside the header",
        lambda: replaying(rr.Replayer(data=trace[:10])),
    )


def first_event_offset(trace: bytes) -> int:
    """Where the first frame's events start: after the header (magic 8, format
    version 1, the Wasmtime version string with its 1-byte length, flags 1,
    event window 1, CRC 4) and the frame's 5-byte padded length."""
    return 8 + 1 + 1 + trace[9] + 1 + 1 + 4 + 5


def test_a_corrupted_trace_is_a_trace_format_error() -> None:
    trace = Recording().trace
    corrupted = bytearray(trace)
    corrupted[first_event_offset(trace) + 1] ^= 0x40
    with pytest.raises(TraceFormatError, match=r"corrupted trace: checksum mismatch in frame #0\b"):
        replay_to_the_end(bytes(corrupted))
    raises(
        TraceFormatError,
        "wasmtime_rr_store_replay: not a wasmtime-rr trace (bad magic bytes)",
        lambda: replaying(rr.Replayer(data=b"not a trace" + bytes(corrupted[11:]))),
    )


def test_a_damaged_last_frame_is_reported_by_finish() -> None:
    """The last frame holds the end marker: every call replays, and finish
    finds the damage (here in the frame's CRC, the trace's last 4 bytes)."""
    recording = Recording()
    corrupted = bytearray(recording.trace)
    corrupted[-3] ^= 0x40
    store, module = replaying(rr.Replayer(data=bytes(corrupted)))
    assert script(store, module, recording.host, "linker") == recording.seen
    raises(
        TraceFormatError,
        "wasmtime_rr_store_finish: corrupted trace: checksum mismatch in frame #",
        lambda: rr.finish(store),
    )


def test_a_trace_of_an_unsupported_format_version_is_refused() -> None:
    trace = bytearray(Recording().trace)
    assert trace[8] == 2  # the format version this library writes
    trace[8] = 3
    raises(
        TraceFormatError,
        "wasmtime_rr_store_replay: trace format version 3 is not supported (this library reads versions 1 to 2)",
        lambda: replaying(rr.Replayer(data=bytes(trace))),
    )


def test_an_unwritable_path_is_a_trace_io_error() -> None:
    error = raises(
        TraceIoError,
        "wasmtime_rr_recorder_new_file: cannot create trace file /nonexistent-dir/trace.wrr",
        lambda: rr.Recorder("/nonexistent-dir/trace.wrr"),
    )
    assert error.kind is ErrorKind.TRACE_IO
    raises(
        TraceIoError,
        "wasmtime_rr_replayer_new_file: cannot open trace file /nonexistent-dir/trace.wrr",
        lambda: rr.Replayer(Path("/nonexistent-dir/trace.wrr")),
    )


@pytest.mark.parametrize("result", [False, None, 0])
def test_a_write_callable_reporting_failure_is_a_trace_io_error(result: Any) -> None:
    error = raises(
        TraceIoError,
        "wasmtime_rr_store_record: the trace write callback reported a failure",
        lambda: rr.record(recording_store(), rr.Recorder(write=lambda data: result)),
    )
    assert error.__cause__ is None


def test_a_write_callable_that_fails_later_ends_the_recording() -> None:
    writes: List[bytes] = []

    def header_only(data: bytes) -> bool:
        writes.append(data)
        return len(writes) == 1

    store = recording_store()
    module = rr.module_new(store.engine, GUEST)
    rr.record(store, rr.Recorder(write=header_only, event_window=1, flush_bytes=0))
    raises(
        TraceIoError,
        "the trace write callback reported a failure",
        lambda: instantiate(store, module, Host(), "linker"),
    )
    assert len(writes) == 2


def test_what_a_failing_write_callable_acknowledged_replays_up_to_the_failure() -> None:
    """The write callable refuses its 31st write (one event per write, with
    ``flush_bytes=0``: every frame is handed over as soon as it is sealed). The
    recording raises TraceIoError from the call whose events could not be
    written, and again from finish; the writes it accepted replay: every call
    that returned gives the same results, then the replay stops with
    "truncated trace"."""
    accepted: List[bytes] = []

    def write(data: bytes) -> bool:
        if len(accepted) == 30:
            return False
        accepted.append(data)
        return True

    engine = rr_engine(Mode.RECORDING)
    store = wasmtime.Store(engine)
    with rr.module_new(engine, GUEST) as module:
        rr.record(store, rr.Recorder(write=write, event_window=1, flush_bytes=0))
        run = export(store, instantiate(store, module, Host(), "linker"), "run")
        returned: List[Any] = []
        with pytest.raises(TraceIoError, match="the trace write callback reported a failure"):
            for x in range(100):
                returned.append(rr.call(store, run, x))
        assert 0 < len(returned) < 100 and len(accepted) == 30
        raises(TraceIoError, "the trace write callback reported a failure", lambda: rr.finish(store))

    host = Host()
    store, module = replaying(rr.Replayer(data=b"".join(accepted)))
    run = export(store, instantiate(store, module, host, "linker"), "run")
    assert [rr.call(store, run, x) for x in range(len(returned))] == returned
    raises(TraceFormatError, "truncated trace", lambda: rr.call(store, run, len(returned)))
    assert not host.calls


def test_an_exception_in_a_trace_callable_is_the_cause_of_the_trace_io_error() -> None:
    def write(data: bytes) -> bool:
        raise OSError("disk full")

    error = raises(
        TraceIoError,
        "the trace write callback reported a failure",
        lambda: rr.record(recording_store(), rr.Recorder(write=write)),
    )
    assert isinstance(error.__cause__, OSError) and str(error.__cause__) == "disk full"

    def read(size: int) -> bytes:
        raise OSError("network down")

    error = raises(
        TraceIoError,
        "wasmtime_rr_store_replay: reading the trace failed: the trace read callback reported a failure",
        lambda: replaying(rr.Replayer(read=read)),
    )
    assert isinstance(error.__cause__, OSError) and str(error.__cause__) == "network down"
    error = raises(
        TraceIoError, "reading the trace failed", lambda: replaying(rr.Replayer(read=lambda size: b"x" * (size + 1)))
    )
    assert isinstance(error.__cause__, ValueError)
    assert str(error.__cause__) == "the read callable returned 8193 bytes, more than the 8192 asked for"


@pytest.mark.parametrize("value", [8192, "trace", None, [0x89, 0x57]], ids=["int", "str", "None", "list"])
def test_a_read_callable_returning_no_bytes_is_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError) as raised:
        replaying(rr.Replayer(read=lambda size: value))
    assert str(raised.value) == (
        f"the read callable must return bytes, bytearray or memoryview, not {type(value).__name__}"
    )
    assert isinstance(raised.value.__cause__, TraceIoError)
    assert "the trace read callback reported a failure" in str(raised.value.__cause__)


def test_a_read_callable_returning_no_bytes_later_is_a_type_error_of_that_call() -> None:
    """Past the header: the call whose read failed raises the TypeError; the
    replay is failed, and finish says so."""
    recording = Recording()
    source = io.BytesIO(recording.trace)
    header = first_event_offset(recording.trace)

    def read(size: int) -> Any:
        return source.read(min(size, header - source.tell())) if source.tell() < header else 0

    store, module = replaying(rr.Replayer(read=read))
    with pytest.raises(TypeError, match="^the read callable must return bytes, bytearray or memoryview, not int$"):
        instantiate(store, module, recording.host, "linker")
    raises(TraceIoError, "the trace read callback reported a failure", lambda: rr.finish(store))


def test_by_default_frames_are_batched_until_flush_or_finish() -> None:
    """Default settings: a write callable sees only the header until 64 KiB
    accumulate, a call traps or fails, the last hand-over is over 100 ms old
    as a frame is sealed, or the host flushes or finishes. What a flush
    handed over is a valid prefix: it replays every call made before it."""
    for _ in range(5):
        chunks: List[bytes] = []

        def write(data: bytes) -> bool:
            chunks.append(data)
            return True

        engine = rr_engine(Mode.RECORDING)
        store = wasmtime.Store(engine)
        module = rr.module_new(engine, GUEST)
        linker = wasmtime.Linker(engine)
        for name, ty, function, access_caller in Host().definitions():
            rr.define_func(linker, "env", name, ty, function, access_caller)
        started = time.monotonic()
        rr.record(store, rr.Recorder(write=write, event_window=1))
        run = export(store, rr.linker_instantiate(linker, store, module), "run")
        returned = [rr.call(store, run, x) for x in range(5)]
        if time.monotonic() - started < 0.1:
            break
        rr.finish(store)  # too slow: the 100 ms rule may have handed frames over; again
    else:
        pytest.fail("five recordings of five calls each took 100 ms or more")
    assert len(chunks) == 1  # the header: every frame is still batched
    rr.flush(store)
    assert len(chunks) == 2  # every sealed frame in one write
    prefix = b"".join(chunks)
    rr.flush(store)  # nothing new: no write
    assert len(chunks) == 2

    replay_host = Host()
    replay_store, replay_module = replaying(rr.Replayer(data=prefix))
    replay_run = export(replay_store, instantiate(replay_store, replay_module, replay_host, "linker"), "run")
    assert [rr.call(replay_store, replay_run, x) for x in range(5)] == returned
    rr.flush(replay_store)  # a replaying store: nothing to do
    raises(TraceFormatError, "wasmtime_rr_store_finish: truncated trace", lambda: rr.finish(replay_store))
    assert not replay_host.calls

    returned += [rr.call(store, run, x) for x in range(5, 8)]
    rr.finish(store)  # the rest, with the end marker
    assert len(chunks) == 3
    replay_store, replay_module = replaying(rr.Replayer(data=b"".join(chunks)))
    replay_run = export(replay_store, instantiate(replay_store, replay_module, replay_host, "linker"), "run")
    assert [rr.call(replay_store, replay_run, x) for x in range(8)] == returned
    rr.finish(replay_store)
    nothing = "wasmtime_rr_store_flush: this store has no recorder or replayer attached"
    raises(InvalidArgumentError, nothing, lambda: rr.flush(store))
    raises(InvalidArgumentError, nothing, lambda: rr.flush(wasmtime.Store()))
    with pytest.raises(TypeError, match="^expected a wasmtime.Store or wasmtime.Caller, not Engine$"):
        rr.flush(engine)  # type: ignore[arg-type]


def test_a_trap_hands_the_batch_over_and_flush_reports_a_failed_write() -> None:
    chunks: List[bytes] = []

    def write(data: bytes) -> bool:
        chunks.append(data)
        return len(chunks) < 3

    store = recording_store()
    rr.record(store, rr.Recorder(write=write))
    instance = instantiate(store, rr.module_new(store.engine, GUEST), Host(), "linker")
    rr.call(store, export(store, instance, "trap"), 0)
    assert len(chunks) == 1
    with pytest.raises(wasmtime.Trap):
        rr.call(store, export(store, instance, "trap"), 1)
    assert len(chunks) == 2  # a call that ends with a trap hands its frames over
    rr.call(store, export(store, instance, "trap"), 0)
    failed = "the trace write callback reported a failure"
    raises(TraceIoError, f"wasmtime_rr_store_flush: {failed}", lambda: rr.flush(store))
    raises(TraceIoError, f"wasmtime_rr_store_flush: {failed}", lambda: rr.flush(store))  # sticky
    raises(TraceIoError, f"wasmtime_rr_store_finish: {failed}", lambda: rr.finish(store))


REENTERED = "this store's recording or replay is in the middle of another operation"


def test_a_trace_callable_calling_back_into_the_library_is_refused() -> None:
    """A write or read callable that calls the library for its own store
    gets InvalidArgumentError; so does finishing from inside a host
    function. The session goes on: the recording replays."""
    refused: List[str] = []
    chunks: List[bytes] = []
    store = recording_store()
    attached = False

    def reenter(session_store: wasmtime.Store) -> None:
        for function in (rr.flush, rr.finish):
            try:
                function(session_store)
            except InvalidArgumentError as error:
                refused.append(str(error))

    def write(data: bytes) -> bool:
        chunks.append(data)
        if attached:
            reenter(store)
        return True

    finished_inside: List[str] = []

    def now(caller: wasmtime.Caller) -> int:
        try:
            rr.finish(caller)
        except InvalidArgumentError as error:
            finished_inside.append(str(error))
        return 42

    rr.record(store, rr.Recorder(write=write, event_window=1, flush_bytes=0))
    attached = True
    host = Host()
    linker = wasmtime.Linker(store.engine)
    for name, ty, function, access_caller in host.definitions():
        if name == "now":
            function, access_caller = now, True
        rr.define_func(linker, "env", name, ty, function, access_caller)
    run = export(store, rr.linker_instantiate(linker, store, rr.module_new(store.engine, GUEST)), "run")
    recorded = rr.call(store, run, 3)
    assert finished_inside == [
        "wasmtime_rr_store_finish: a recording or replay cannot be finished from inside one of its host functions"
    ]
    assert len(refused) > 2 and len(refused) == 2 * (len(chunks) - 1)
    for message in refused:
        assert message.startswith(("wasmtime_rr_store_flush: ", "wasmtime_rr_store_finish: ")), message
        assert REENTERED in message, message
    attached = False
    rr.finish(store)

    # Replayed from a read callable that tries the same, in small pieces.
    source = io.BytesIO(b"".join(chunks))
    refused.clear()
    engine = rr_engine(Mode.REPLAYING)
    replay_store = wasmtime.Store(engine)

    def read(size: int) -> bytes:
        if attached:
            reenter(replay_store)
        return source.read(min(size, 16))

    rr.replay(replay_store, rr.Replayer(read=read))
    attached = True
    replay_host = Host()
    instance = instantiate(replay_store, rr.module_new(engine, GUEST), replay_host, "linker")
    assert rr.call(replay_store, export(replay_store, instance, "run"), 3) == recorded
    assert refused and all(REENTERED in message for message in refused)
    attached = False
    rr.finish(replay_store)
    assert not replay_host.calls


def test_a_callers_mistake_leaves_the_recording_going() -> None:
    recorder = rr.Recorder()
    store = recording_store()
    rr.record(store, recorder)
    host = Host()
    run = export(store, instantiate(store, rr.module_new(store.engine, GUEST), host, "linker"), "run")
    with pytest.raises(TypeError, match=r"^the function takes 1 arguments \(0 given\)$"):
        rr.call(store, run)
    with pytest.raises(TypeError, match="^don't know how to convert 'x' to i32$"):
        rr.call(store, run, "x")
    recorded = rr.call(store, run, 4)
    rr.finish(store)
    replay_store, module = replaying(rr.Replayer(data=recorder.trace))
    replay_run = export(replay_store, instantiate(replay_store, module, host, "linker"), "run")
    assert rr.call(replay_store, replay_run, 4) == recorded
    rr.finish(replay_store)
    assert host.calls == {"now": 1, "random": 1}


@pytest.fixture
def deletes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the calls of the library's delete functions made by this binding."""
    gc.collect()  # objects of earlier tests are freed now, uncounted
    counts: Counter[str] = collections.Counter()
    library = rr.library()
    for name in ("wasmtime_rr_recorder_delete", "wasmtime_rr_replayer_delete", "wasmtime_rr_module_delete"):

        def counted(pointer: Any, name: str = name, delete: Callable[[Any], None] = getattr(library, name)) -> None:
            counts[name] += 1
            delete(pointer)

        monkeypatch.setattr(library, name, counted)
    return counts


@pytest.fixture
def no_leaked_callbacks() -> Iterator[None]:
    """The callback registry holds no more entries after the test than before."""
    gc.collect()
    before = len(callbacks)
    yield
    gc.collect()
    assert len(callbacks) == before


def test_settings_are_checked_and_a_refused_recorder_is_freed(deletes: Counter[str], no_leaked_callbacks: None) -> None:
    error = raises(
        InvalidArgumentError,
        "wasmtime_rr_recorder_event_window_set: the event window must hold at least one event",
        lambda: rr.Recorder(event_window=0),
    )
    assert error.kind is ErrorKind.INVALID_ARGUMENT
    assert deletes == {"wasmtime_rr_recorder_delete": 1}
    with pytest.raises(OverflowError, match="^event_window 4294967296 does not fit in a C uint32_t$"):
        rr.Recorder(event_window=2**32)
    with pytest.raises(TypeError, match="^validation must be a bool, not int$"):
        rr.Recorder(validation=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^memory_digest must be a bool, not str$"):
        rr.Recorder(memory_digest="yes")  # type: ignore[arg-type]
    with pytest.raises(OverflowError, match="^flush_bytes -1 does not fit in a C size_t$"):
        rr.Recorder(flush_bytes=-1)
    with pytest.raises(OverflowError, match=f"^flush_bytes {2**64} does not fit in a C size_t$"):
        rr.Recorder(flush_bytes=2**64)
    with pytest.raises(TypeError):
        rr.Recorder(flush_bytes=1.5)  # type: ignore[arg-type]
    assert deletes == {"wasmtime_rr_recorder_delete": 1}  # nothing else was made
    for flush_bytes in (0, 1, 2**64 - 1):
        rr.Recorder(flush_bytes=flush_bytes).close()


def test_sources_and_destinations_are_one_each() -> None:
    with pytest.raises(TypeError, match="^Recorder takes a path or a write callable, not both$"):
        rr.Recorder("trace.wrr", write=lambda data: True)
    with pytest.raises(TypeError, match=r"^Replayer takes exactly one of path, data and read \(0 given\)$"):
        rr.Replayer()
    with pytest.raises(TypeError, match=r"^Replayer takes exactly one of path, data and read \(2 given\)$"):
        rr.Replayer("trace.wrr", data=b"")
    with pytest.raises(TypeError):
        rr.Replayer(data=3)  # type: ignore[arg-type]


def test_attaching_to_a_store_of_the_wrong_engine_is_an_invalid_argument(deletes: Counter[str]) -> None:
    recorder = rr.Recorder()
    error = raises(
        InvalidArgumentError,
        "wasmtime_rr_store_record: the store's engine is not recording",
        lambda: rr.record(wasmtime.Store(), recorder),
    )
    assert error.kind is ErrorKind.INVALID_ARGUMENT
    # Taken over by the library also on failure: freed there, unusable here.
    with pytest.raises(ValueError, match="^recorder was handed to a store$"):
        rr.record(recording_store(), recorder)
    recorder.close()
    raises(
        InvalidArgumentError,
        "wasmtime_rr_store_replay: the store's engine is not replaying",
        lambda: rr.replay(recording_store(), rr.Replayer(data=b"")),
    )
    assert deletes == {}


def test_a_store_takes_one_session_at_a_time() -> None:
    store = recording_store()
    rr.record(store, rr.Recorder())
    raises(InvalidArgumentError, "wasmtime_rr_store_record: ", lambda: rr.record(store, rr.Recorder()))
    rr.finish(store)
    rr.record(store, rr.Recorder())  # another one, once finished
    rr.finish(store)


def test_finishing_twice_or_with_nothing_attached_is_an_invalid_argument() -> None:
    nothing = "wasmtime_rr_store_finish: this store has no recorder or replayer attached"
    raises(InvalidArgumentError, nothing, lambda: rr.finish(wasmtime.Store()))
    raises(InvalidArgumentError, nothing, lambda: rr.finish(recording_store()))
    recording = Recording()
    store, module = replaying(rr.Replayer(data=recording.trace))
    script(store, module, recording.host, "linker")
    rr.finish(store)
    raises(InvalidArgumentError, nothing, lambda: rr.finish(store))


def test_host_functions_need_the_session_attached_first() -> None:
    raises(
        InvalidArgumentError,
        "wasmtime_rr_func_new: attach a recorder or replayer to the store",
        lambda: rr.func_new(recording_store(), wasmtime.FuncType([], []), lambda: None),
    )


def test_a_recorded_module_must_come_from_module_new() -> None:
    store = recording_store()
    rr.record(store, rr.Recorder())
    raises(
        InvalidArgumentError,
        "wasmtime_rr_instance_new: the module's checksum is unknown",
        lambda: rr.instantiate(store, wasmtime.Module(store.engine, "(module)"), []),
    )


def test_a_trapping_start_function_raises_a_trap() -> None:
    store = recording_store()
    rr.record(store, rr.Recorder())
    module = rr.module_new(store.engine, "(module (func $start unreachable) (start $start))")
    with pytest.raises(wasmtime.Trap) as trap:
        rr.instantiate(store, module, [])
    assert trap.value.trap_code is wasmtime.TrapCode.UNREACHABLE


def test_every_native_object_is_freed_exactly_once(deletes: Counter[str], no_leaked_callbacks: None) -> None:
    recorder, replayer = rr.Recorder(write=lambda data: True), rr.Replayer(data=b"")
    for session in (recorder, replayer):
        session.close()
        session.close()
    with pytest.raises(ValueError, match="^recorder is closed$"):
        rr.record(recording_store(), recorder)
    with pytest.raises(ValueError, match="^replayer is closed$"):
        rr.replay(wasmtime.Store(rr_engine(Mode.REPLAYING)), replayer)
    with rr.Replayer(read=io.BytesIO().read):
        pass
    del recorder, replayer
    gc.collect()
    rr.Recorder()  # collected at once
    gc.collect()
    assert deletes == {"wasmtime_rr_recorder_delete": 2, "wasmtime_rr_replayer_delete": 2}

    store = recording_store()
    rr.record(store, rr.Recorder())  # the store frees it, not the binding
    with rr.module_new(store.engine, GUEST) as module:
        assert isinstance(module, rr.RRModule) and isinstance(module, wasmtime.Module)
        instance = instantiate(store, module, Host(), "func_new")
        rr.call(store, export(store, instance, "trap"), 0)
    module.close()
    rr.module_new(store.engine, "(module)")  # collected at once
    rr.finish(store)
    del store, instance
    gc.collect()
    assert deletes == {
        "wasmtime_rr_recorder_delete": 2,
        "wasmtime_rr_replayer_delete": 2,
        "wasmtime_rr_module_delete": 2,
    }


def test_callables_are_released_when_the_library_is_done_with_them(no_leaked_callbacks: None) -> None:
    before = len(callbacks)
    store = recording_store()
    recorder = rr.Recorder()
    assert len(callbacks) == before + 1  # its write callable
    rr.record(store, recorder)
    linker = wasmtime.Linker(store.engine)
    host = Host()
    for name, ty, function, access_caller in host.definitions():
        rr.define_func(linker, "env", name, ty, function, access_caller)
    assert len(callbacks) == before + 4
    # A refused definition keeps nothing.
    with pytest.raises(WasmtimeError, match="defined twice"):
        rr.define_func(linker, "env", "now", wasmtime.FuncType([], [I64]), host.now)
    assert len(callbacks) == before + 4
    rr.finish(store)  # the recording ends: its write callable is released
    assert len(callbacks) == before + 3
    del linker
    gc.collect()
    assert len(callbacks) == before


def test_type_errors() -> None:
    store = wasmtime.Store()
    with pytest.raises(TypeError, match="^expected a wasmtime.Store or wasmtime.Caller, not Engine$"):
        rr.finish(store.engine)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^expected a wasmtime_rr.wasmtime_py.Recorder, not Replayer$"):
        rr.record(recording_store(), rr.Replayer(data=b""))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="^expected a wasmtime.FuncType, not list$"):
        rr.func_new(store, [], lambda: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^expected a callable, not int$"):
        rr.func_new(store, wasmtime.FuncType([], []), 3)  # type: ignore[arg-type]
    module = rr.module_new(store.engine, '(module (func (export "f") (param i32)))')
    f = export(store, rr.instantiate(store, module, []), "f")
    with pytest.raises(TypeError, match=r"^the function takes 1 arguments \(0 given\)$"):
        rr.call(store, f)
    with pytest.raises(TypeError, match="^expected a wasmtime.Func, not str$"):
        rr.call(store, "f")  # type: ignore[arg-type]


def test_without_a_session_the_functions_are_wasmtime_pys() -> None:
    store = wasmtime.Store()
    module = rr.module_new(
        store.engine,
        '(module (import "env" "double" (func $double (param i32) (result i32))) (memory (export "m") 1)'
        ' (func (export "f") (param i32) (result i32) local.get 0 call $double i32.const 1 i32.add))',
    )
    instance = rr.instantiate(store, module, [rr.func_new(store, wasmtime.FuncType([I32], [I32]), lambda x: 2 * x)])
    assert rr.call(store, export(store, instance, "f"), 20) == 41
    memory = export(store, instance, "m")
    rr.memory_write(store, memory, 65530, b"abcdef")
    assert memory.read(store, 65530, 65536) == b"abcdef"
    raises(
        InvalidArgumentError,
        "wasmtime_rr_memory_write: a write of 6 bytes at offset 65531 does not fit a memory of 65536 bytes",
        lambda: rr.memory_write(store, memory, 65531, b"abcdef"),
    )
    with pytest.raises(OverflowError, match="^offset -1 does not fit in a C uint64_t$"):
        rr.memory_write(store, memory, -1, b"")
    error = raises(WasmtimeError, "failed to parse WebAssembly module", lambda: rr.module_new(store.engine, b"\0\1\2"))
    assert error.kind is ErrorKind.WASMTIME
    linker = wasmtime.Linker(store.engine)
    rr.define_func(linker, "env", "double", wasmtime.FuncType([I32], [I32]), lambda x: 3 * x)
    instance = rr.linker_instantiate(linker, store, module)
    assert rr.call(store, export(store, instance, "f"), 20) == 61
