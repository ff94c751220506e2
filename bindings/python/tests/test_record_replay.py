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

    from_callable = Recording(rr.Recorder(write=write, event_window=2))
    assert len(chunks) > 3  # the header, then one write per window of two events
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


def test_a_corrupted_trace_is_a_trace_format_error() -> None:
    corrupted = bytearray(Recording().trace)
    corrupted[-10] ^= 0x40
    with pytest.raises(TraceFormatError, match="corrupted trace: checksum mismatch in frame #"):
        replay_to_the_end(bytes(corrupted))
    raises(
        TraceFormatError,
        "wasmtime_rr_store_replay: not a wasmtime-rr trace (bad magic bytes)",
        lambda: replaying(rr.Replayer(data=b"not a trace" + bytes(corrupted[11:]))),
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
    rr.record(store, rr.Recorder(write=header_only, event_window=1))
    raises(
        TraceIoError,
        "the trace write callback reported a failure",
        lambda: instantiate(store, module, Host(), "linker"),
    )
    assert len(writes) == 2


def test_what_a_failing_write_callable_acknowledged_replays_up_to_the_failure() -> None:
    """The write callable refuses its 31st write (one event per write). The
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
        rr.record(store, rr.Recorder(write=write, event_window=1))
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
    assert deletes == {"wasmtime_rr_recorder_delete": 1}  # nothing else was made


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
