"""Components through wasmtime-py's own component objects: ``api#greet`` of
tests/guests/components/values.wat recorded with a Python host function that
returns a per-run value, replayed without calling it, a replay with another
argument diverging, another component refused, a host exception, WASI
preview 2 (tests/guests/components/wasip2.wat: clock, random, stdout)
recorded and replayed, resources the host defines and makes
(tests/guests/components/counter.wat), and bad arguments."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import wasmtime
from conftest import REPO
from wasmtime.component import Linker

import wasmtime_rr
from wasmtime_rr import wasmtime_py as rr

VALUES = (REPO / "tests" / "guests" / "components" / "values.wat").read_text()
WASIP2 = (REPO / "tests" / "guests" / "components" / "wasip2.wat").read_text()
COUNTER = (REPO / "tests" / "guests" / "components" / "counter.wat").read_text()


def engine(mode: wasmtime_rr.Mode) -> wasmtime.Engine:
    config = wasmtime.Config()
    rr.set_mode(config, mode)
    rr.enforce_determinism(config)
    return rr.new_engine(config)


class Program:
    """The program under test: greet("ab") and greet(second), and a call of
    ``api#fail``, whose host function raises."""

    def __init__(self, mode: wasmtime_rr.Mode, source: Any = VALUES) -> None:
        self.calls = 0
        self.engine = engine(mode)
        self.store = wasmtime.Store(self.engine)
        self.linker = Linker(self.engine)
        with self.linker.root() as root:
            rr.component_add_func(root, "greet", self.greet)
            rr.component_add_func(root, "host", lambda store, x: x)
            rr.component_add_func(root, "fail", self.fail)
        self.component = rr.component_new(self.engine, source)

    def greet(self, store: Any, name: str) -> List[int]:
        self.calls += 1
        return [ord(c) for c in name] + [time.time_ns() % 1000000007]

    def fail(self, store: Any) -> int:
        self.calls += 1
        raise RuntimeError("disk on fire")

    def run(self, second: str) -> Tuple[List[List[int]], Optional[BaseException]]:
        instance = rr.component_instantiate(self.linker, self.store, self.component)
        api = instance.get_export_index(self.store, "api")
        greet = instance.get_func(self.store, instance.get_export_index(self.store, "greet", api))
        fail = instance.get_func(self.store, instance.get_export_index(self.store, "fail", api))
        lists = [rr.component_call(self.store, greet, name) for name in ("ab", second)]
        try:
            rr.component_call(self.store, fail)
            raised = None
        except Exception as error:  # what the call raises is part of the check
            raised = error
        return lists, raised


def test_a_component_is_recorded_and_replayed_without_its_host(tmp_path: Path) -> None:
    trace = tmp_path / "component.wrr"
    live = Program(wasmtime_rr.Mode.RECORDING)
    with rr.recording(live.store, trace):
        recorded, raised = live.run("xyz")
    assert live.calls == 3
    assert recorded[0][:2] == [97, 98] and recorded[1][:3] == [120, 121, 122]
    assert isinstance(raised, RuntimeError) and str(raised) == "disk on fire"

    replay = Program(wasmtime_rr.Mode.REPLAYING)
    with rr.replaying(replay.store, trace):
        replayed, raised = replay.run("xyz")
    assert replay.calls == 0, "a replay serves host results from the trace"
    assert replayed == recorded
    assert isinstance(raised, wasmtime_rr.WasmtimeError) and "python exception" in str(raised)


def test_divergences_and_mismatches_are_errors(tmp_path: Path) -> None:
    trace = tmp_path / "component.wrr"
    live = Program(wasmtime_rr.Mode.RECORDING)
    with rr.recording(live.store, trace):
        live.run("xyz")

    other = Program(wasmtime_rr.Mode.REPLAYING)
    with pytest.raises(wasmtime_rr.DivergenceError) as diverged:
        with rr.replaying(other.store, trace):
            other.run("xyw")
    assert 'component export `api#greet` was called with ("xyz") in the recording, but with ("xyw") now' in str(
        diverged.value
    )

    # Another build: the same component with a custom section appended.
    rebuilt = Program(wasmtime_rr.Mode.REPLAYING, bytes(wasmtime.wat2wasm(VALUES)) + bytes([0, 4, 3]) + b"abc")
    with pytest.raises(wasmtime_rr.ModuleMismatchError, match="the trace instantiates a component with sha256 "):
        with rr.replaying(rebuilt.store, trace):
            rebuilt.run("xyz")


def sample(mode: wasmtime_rr.Mode, session: Any, stock_wasi: bool = False) -> int:
    """One call of wasip2.wat's ``sample`` (wall clock seconds plus a random
    u64) in a store of a new engine; ``session`` attaches a recorder or
    replayer (a context manager factory)."""
    eng = engine(mode)
    linker = Linker(eng)
    if stock_wasi:
        linker.add_wasip2()
    else:
        rr.component_add_wasip2(linker)
    store = wasmtime.Store(eng)
    rr.set_wasi(store, wasmtime.WasiConfig())
    component = rr.component_new(eng, WASIP2)
    with session(store):
        instance = rr.component_instantiate(linker, store, component)
        func = instance.get_func(store, instance.get_export_index(store, "sample"))
        value = rr.component_call(store, func)
    assert isinstance(value, int)
    return value


def test_wasi_preview_2_is_recorded_and_replayed(tmp_path: Path) -> None:
    traces = [tmp_path / "a.wrr", tmp_path / "b.wrr"]
    recorded = [sample(wasmtime_rr.Mode.RECORDING, lambda store, t=t: rr.recording(store, t)) for t in traces]
    assert recorded[0] != recorded[1], "a random u64 each run"
    assert recorded[0] > 1_700_000_000
    for trace, value in zip(traces, recorded):
        assert sample(wasmtime_rr.Mode.REPLAYING, lambda store, t=trace: rr.replaying(store, t)) == value
    # The stock WASI preview 2 would run unrecorded: refused.
    with pytest.raises(wasmtime_rr.UnsupportedError, match="was not added with wasmtime_rr_component_linker_add_wasip2"):
        sample(wasmtime_rr.Mode.RECORDING, lambda store: rr.recording(store, tmp_path / "c.wrr"), stock_wasi=True)


class Counters:
    """counter.wat with its host resource type (number 7): ``run(3)`` makes a
    counter (rep 5, from ``start``), bumps it three times and drops it;
    ``take`` gets a counter the host makes (rep 40)."""

    def __init__(self, mode: wasmtime_rr.Mode, start: int) -> None:
        self.start = start
        self.host_runs = 0
        self.destroyed: List[int] = []
        self.values: Dict[int, int] = {}
        self.engine = engine(mode)
        self.store = wasmtime.Store(self.engine)
        self.linker = Linker(self.engine)
        with self.linker.root() as root:
            rr.component_add_resource(root, "counter", wasmtime.component.ResourceType.host(7), self.destroy)
            rr.component_add_func(root, "[constructor]counter", self.make)
            rr.component_add_func(root, "[method]counter.bump", self.bump)
        self.component = rr.component_new(self.engine, COUNTER)

    def destroy(self, store: Any, rep: int) -> None:
        self.host_runs += 1
        self.destroyed.append(rep)

    def make(self, store: Any, start: int) -> Any:
        self.host_runs += 1
        self.values[5] = start + self.start
        return wasmtime.component.ResourceHost.own(5, 7)

    def bump(self, store: Any, counter: Any) -> int:
        self.host_runs += 1
        rep = counter.to_host(store).rep
        self.values[rep] += 1
        return self.values[rep]

    def run(self) -> Tuple[int, int]:
        instance = rr.component_instantiate(self.linker, self.store, self.component)
        run = instance.get_func(self.store, instance.get_export_index(self.store, "run"))
        take = instance.get_func(self.store, instance.get_export_index(self.store, "take"))
        self.values[40] = 7 + self.start
        return rr.component_call(self.store, run, 3), rr.component_call(
            self.store, take, wasmtime.component.ResourceHost.own(40, 7)
        )


def test_resources_the_host_makes_are_made_again_on_replay(tmp_path: Path) -> None:
    trace = tmp_path / "counters.wrr"
    live = Counters(wasmtime_rr.Mode.RECORDING, 1000)
    with rr.recording(live.store, trace):
        recorded = live.run()
    assert recorded == (1101 + 1102 + 1103 + 1000, 1008)
    assert live.destroyed == [5, 40] and live.host_runs == 7
    replay = Counters(wasmtime_rr.Mode.REPLAYING, 0)
    with rr.replaying(replay.store, trace):
        assert replay.run() == recorded
    assert replay.host_runs == 0 and replay.destroyed == [], "no host code runs on replay"
    # A host that gives `take` another counter diverges.
    other = Counters(wasmtime_rr.Mode.REPLAYING, 0)
    with pytest.raises(wasmtime_rr.DivergenceError, match=r"rep 40\)\) in the recording, but with .*rep 39\)\) now"):
        with rr.replaying(other.store, trace):
            instance = rr.component_instantiate(other.linker, other.store, other.component)
            run = instance.get_func(other.store, instance.get_export_index(other.store, "run"))
            take = instance.get_func(other.store, instance.get_export_index(other.store, "take"))
            rr.component_call(other.store, run, 3)
            rr.component_call(other.store, take, wasmtime.component.ResourceHost.own(39, 7))


def test_bad_arguments_are_refused() -> None:
    recording = engine(wasmtime_rr.Mode.RECORDING)
    rr.component_add_wasip2(Linker(wasmtime.Engine()))  # a plain engine: the stock behaviour
    with pytest.raises(TypeError, match="a wasmtime.component.ResourceType"):
        with Linker(recording).root() as root:
            rr.component_add_resource(root, "counter", 7, lambda store, rep: None)
    with pytest.raises(TypeError, match="a wasmtime.component.Linker"):
        rr.component_instantiate(object(), wasmtime.Store(recording), rr.component_new(recording, VALUES))
    with pytest.raises(wasmtime_rr.WasmtimeError):
        rr.component_new(recording, b"\0asm\x0d\x00\x01\x00not a component")
    program = Program(wasmtime_rr.Mode.RECORDING)
    stock = wasmtime.component.Component(program.engine, VALUES)  # no checksum kept
    with rr.recording(program.store, Path("/dev/null")):
        with pytest.raises(wasmtime_rr.InvalidArgumentError, match="the component's checksum is unknown"):
            rr.component_instantiate(program.linker, program.store, stock)
