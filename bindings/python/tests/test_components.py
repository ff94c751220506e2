"""Components through wasmtime-py's own component objects: ``api#greet`` of
tests/guests/components/values.wat recorded with a Python host function that
returns a per-run value, replayed without calling it, a replay with another
argument diverging, another component refused, a host exception, WASI
preview 2 (tests/guests/components/wasip2.wat: clock, random, stdout)
recorded and replayed, and bad arguments."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest
import wasmtime
from conftest import REPO
from wasmtime.component import Linker

import wasmtime_rr
from wasmtime_rr import wasmtime_py as rr

VALUES = (REPO / "tests" / "guests" / "components" / "values.wat").read_text()
WASIP2 = (REPO / "tests" / "guests" / "components" / "wasip2.wat").read_text()


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


def test_bad_arguments_are_refused() -> None:
    recording = engine(wasmtime_rr.Mode.RECORDING)
    rr.component_add_wasip2(Linker(wasmtime.Engine()))  # a plain engine: the stock behaviour
    with pytest.raises(TypeError, match="a wasmtime.component.Linker"):
        rr.component_instantiate(object(), wasmtime.Store(recording), rr.component_new(recording, VALUES))
    with pytest.raises(wasmtime_rr.WasmtimeError):
        rr.component_new(recording, b"\0asm\x0d\x00\x01\x00not a component")
    program = Program(wasmtime_rr.Mode.RECORDING)
    stock = wasmtime.component.Component(program.engine, VALUES)  # no checksum kept
    with rr.recording(program.store, Path("/dev/null")):
        with pytest.raises(wasmtime_rr.InvalidArgumentError, match="the component's checksum is unknown"):
            rr.component_instantiate(program.linker, program.store, stock)
