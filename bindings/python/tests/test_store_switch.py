"""The store-level switches ``wasmtime_rr.recording(store, ...)`` and
``wasmtime_rr.replaying(store, ...)``: one ``with`` line records or replays
one wasmtime-py store; other stores of the same engine are not recorded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Tuple

import pytest
import wasmtime

import wasmtime_rr
from wasmtime_rr import Mode
from wasmtime_rr import wasmtime_py as rr

GUEST = """(module
  (import "host" "now" (func $now (result i64)))
  (func (export "now") (result i64) (call $now)))"""


def engine_for(mode: Mode) -> wasmtime.Engine:
    config = wasmtime.Config()
    rr.set_mode(config, mode)
    rr.enforce_determinism(config)
    return rr.new_engine(config)


def host(mode: Mode) -> Tuple[wasmtime.Engine, wasmtime.Linker, wasmtime.Module, List[int]]:
    """An engine, a linker whose host.now is time.time_ns (counted), the guest."""
    engine = engine_for(mode)
    calls: List[int] = []

    def now() -> int:
        value = time.time_ns()
        calls.append(value)
        return value

    linker = wasmtime.Linker(engine)
    # A FuncType per engine: Wasmtime's C API ties one to the first engine it
    # is used with (another engine then panics: the process aborts).
    rr.define_func(linker, "host", "now", wasmtime.FuncType([], [wasmtime.ValType.i64()]), now)
    return engine, linker, rr.module_new(engine, GUEST), calls


def now_export(linker: wasmtime.Linker, store: wasmtime.Store, module: wasmtime.Module) -> Callable[[], int]:
    export = rr.linker_instantiate(linker, store, module).exports(store)["now"]
    return lambda: rr.call(store, export)


def test_a_recorded_clock_replays_its_recorded_value(tmp_path: Path) -> None:
    trace = tmp_path / "trace.wrr"
    engine, linker, module, calls = host(Mode.RECORDING)
    store = wasmtime.Store(engine)
    with wasmtime_rr.recording(store, trace):
        recorded = now_export(linker, store, module)()
    assert calls == [recorded] and trace.stat().st_size > 0
    with pytest.raises(wasmtime_rr.InvalidArgumentError, match="no recorder or replayer attached"):
        rr.finish(store)

    time.sleep(0.01)
    engine, linker, module, calls = host(Mode.REPLAYING)
    store = wasmtime.Store(engine)
    with wasmtime_rr.replaying(store, trace):
        replayed = now_export(linker, store, module)()
    assert replayed == recorded, "the replay did not serve the recorded time"
    assert calls == [], "the replay called the host function"
    assert time.time_ns() > recorded  # the clock moved on: the value came from the trace


def test_the_store_not_switched_records_nothing() -> None:
    engine, linker, module, calls = host(Mode.RECORDING)
    switched, other = wasmtime.Store(engine), wasmtime.Store(engine)
    with wasmtime_rr.recording(switched) as recorder:  # in memory
        other_now = now_export(linker, other, module)
        before = [other_now(), other_now()]
        recorded = now_export(linker, switched, module)()
        after = other_now()
    # The other store ran the host function each time, live.
    assert calls == [before[0], before[1], recorded, after]
    assert before[0] <= before[1] <= recorded <= after
    with pytest.raises(wasmtime_rr.InvalidArgumentError, match="no recorder or replayer attached"):
        rr.finish(other)  # it never had a session

    # The trace holds the switched store's one instantiation, call and host
    # call only: replaying exactly that consumes it all (finish checks it).
    engine, linker, module, calls = host(Mode.REPLAYING)
    store = wasmtime.Store(engine)
    with wasmtime_rr.replaying(store, recorder.trace):
        assert now_export(linker, store, module)() == recorded
    assert calls == []


def test_a_replay_that_leaves_events_raises_at_the_end_of_the_block() -> None:
    engine, linker, module, _ = host(Mode.RECORDING)
    store = wasmtime.Store(engine)
    with wasmtime_rr.recording(store) as recorder:
        now = now_export(linker, store, module)
        now(), now()
    engine, linker, module, _ = host(Mode.REPLAYING)
    store = wasmtime.Store(engine)
    with pytest.raises(wasmtime_rr.DivergenceError):
        with wasmtime_rr.replaying(store, recorder.trace):
            now_export(linker, store, module)()  # one of the two calls


def test_an_exception_in_the_block_is_not_hidden_and_the_trace_is_ended(tmp_path: Path) -> None:
    engine, linker, module, _ = host(Mode.RECORDING)
    store = wasmtime.Store(engine)
    with pytest.raises(KeyError):
        with wasmtime_rr.recording(store, tmp_path / "t.wrr"):
            now_export(linker, store, module)()
            raise KeyError("the block's own error")
    with pytest.raises(wasmtime_rr.InvalidArgumentError, match="no recorder or replayer attached"):
        rr.finish(store)  # the block ended the session
    # ... and the trace is whole: a replay of its one call consumes it.
    engine, linker, module, _ = host(Mode.REPLAYING)
    store = wasmtime.Store(engine)
    with wasmtime_rr.replaying(store, tmp_path / "t.wrr"):
        now_export(linker, store, module)()


def test_recorders_replayers_and_settings(tmp_path: Path) -> None:
    engine, linker, module, _ = host(Mode.RECORDING)
    store = wasmtime.Store(engine)
    recorder = rr.Recorder(validation=True, flush_bytes=0)
    with wasmtime_rr.recording(store, recorder) as given:
        assert given is recorder
        value = now_export(linker, store, module)()
    with pytest.raises(TypeError, match="settings go to the Recorder"):
        wasmtime_rr.recording(wasmtime.Store(engine), rr.Recorder(), validation=True)
    engine, linker, module, _ = host(Mode.REPLAYING)
    store = wasmtime.Store(engine)
    with wasmtime_rr.replaying(store, rr.Replayer(data=recorder.trace)):
        assert now_export(linker, store, module)() == value


def test_misuse() -> None:
    engine = engine_for(Mode.RECORDING)
    with pytest.raises(TypeError, match="expected a wasmtime.Store"):
        wasmtime_rr.recording(engine)  # type: ignore[arg-type]
    plain = wasmtime.Store(wasmtime.Engine())
    with pytest.raises(wasmtime_rr.InvalidArgumentError):  # the engine does not record
        with wasmtime_rr.recording(plain):
            pass
    store = wasmtime.Store(engine)
    switch = wasmtime_rr.recording(store)
    with switch:
        with pytest.raises(wasmtime_rr.InvalidArgumentError, match="already has a recorder"):
            with wasmtime_rr.recording(store):
                pass
    with pytest.raises(ValueError, match="used already"):
        with switch:
            pass
    assert wasmtime_rr.recording is rr.recording and wasmtime_rr.replaying is rr.replaying
    with pytest.raises(AttributeError):
        wasmtime_rr.no_such_name  # type: ignore[attr-defined]
