"""The wasmtime-rr demo in Python (the same steps as examples/demo.c, then a
recording).

Turn recording on, see a rejected config's error instead of an abort, fix it,
build an engine with the checked constructor and print its record/replay
state; then, with wasmtime-py running libwasmtime_rr, run a small module on an
engine from ``wasmtime_rr.wasmtime_py.new_engine``; last, record a guest that
reads a clock and random bytes from its host into a trace file, and replay it
without the host.

    python examples/python/demo.py
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Optional, Union

import wasmtime_rr

try:
    import wasmtime

    from wasmtime_rr import wasmtime_py
except ImportError:  # wasmtime-py is optional: its steps are skipped
    HAVE_WASMTIME_PY = False
else:
    HAVE_WASMTIME_PY = True

MIX_WAT = """
(module (func (export "mix") (param i32 f32) (result f32)
  local.get 1 local.get 0 f32.convert_i32_s f32.mul))
"""

# A guest whose result depends on the outside world: its host's clock and
# random bytes (written into its memory by the host).
TOKEN_WAT = """
(module
  (import "host" "now" (func $now (result i64)))
  (import "host" "random" (func $random (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "token") (result i64)
    (call $random (i32.const 0) (i32.const 8))
    (i64.xor (call $now) (i64.load (i32.const 0)))))
"""


def on_off(flag: bool) -> str:
    return "on" if flag else "off"


def show_engine() -> None:
    """Steps 1-3: a rejected config, fixed, and the engine built from it."""
    with wasmtime_rr.Config() as config:
        config.record(True)
        config.cranelift_nan_canonicalization(False)
        try:
            wasmtime_rr.Engine(config)
        except wasmtime_rr.WasmtimeRRError as error:
            kind = wasmtime_rr.error_kind_name(error.kind)
            print(f"rejected config: {type(error).__name__} [{kind}]: {error}")
        # The config is still ours after the failure: fix it and retry.
        config.enforce_determinism()
        config.validate()
        with wasmtime_rr.Engine(config) as engine:
            print(
                f"engine: mode={engine.mode.name.lower()} "
                f"nan_canonicalization={on_off(engine.nan_canonicalization)} "
                f"relaxed_simd_deterministic={on_off(engine.relaxed_simd_deterministic)}"
            )


def wasmtime_py_missing() -> Optional[str]:
    """Why the wasmtime-py steps cannot run, or ``None`` when they can."""
    if not HAVE_WASMTIME_PY:
        return "wasmtime-py is not installed (pip install wasmtime==48.0.0)"
    try:
        wasmtime_py.library()
    except wasmtime_rr.LibraryMismatchError as error:
        return str(error)
    return None


def run_module() -> None:
    """Step 4: a recording wasmtime-py engine, built without risk of abort."""
    config = wasmtime.Config()
    wasmtime_py.record(config, True)
    wasmtime_py.enforce_determinism(config)
    engine = wasmtime_py.new_engine(config)
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, MIX_WAT), [])
    mix = instance.exports(store)["mix"]
    assert isinstance(mix, wasmtime.Func)
    print(f"mix(6, 7.0) = {mix(store, 6, 7.0):g}")


class OutsideWorld:
    """The host functions of the token guest, counting their calls."""

    def __init__(self) -> None:
        self.calls = 0

    def now(self) -> int:
        self.calls += 1
        return time.time_ns()

    def random(self, caller: wasmtime.Caller, address: int, length: int) -> None:
        self.calls += 1
        memory = caller["memory"]
        assert isinstance(memory, wasmtime.Memory)
        # Through wasmtime_py.memory_write, so that the write is recorded.
        wasmtime_py.memory_write(caller, memory, address, os.urandom(length))


def run_token(session: Union[wasmtime_py.Recorder, wasmtime_py.Replayer], world: OutsideWorld) -> int:
    """Runs the token guest once in a fresh store, recording into a
    ``Recorder`` or replaying from a ``Replayer``."""
    mode = wasmtime_rr.Mode.RECORDING if isinstance(session, wasmtime_py.Recorder) else wasmtime_rr.Mode.REPLAYING
    config = wasmtime.Config()
    wasmtime_py.set_mode(config, mode)
    wasmtime_py.enforce_determinism(config)
    engine = wasmtime_py.new_engine(config)
    linker = wasmtime.Linker(engine)
    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    wasmtime_py.define_func(linker, "host", "now", wasmtime.FuncType([], [i64]), world.now)
    wasmtime_py.define_func(linker, "host", "random", wasmtime.FuncType([i32, i32], []), world.random, True)
    store = wasmtime.Store(engine)
    if isinstance(session, wasmtime_py.Recorder):
        wasmtime_py.record(store, session)
    else:
        wasmtime_py.replay(store, session)
    with wasmtime_py.module_new(engine, TOKEN_WAT) as module:
        instance = wasmtime_py.linker_instantiate(linker, store, module)
        export = instance.exports(store)["token"]
        assert isinstance(export, wasmtime.Func)
        token: int = wasmtime_py.call(store, export)
    wasmtime_py.finish(store)
    return token


def record_and_replay() -> None:
    """Step 5: record a session into a trace file, then replay it: the same
    result, without calling the host."""
    world = OutsideWorld()
    with tempfile.TemporaryDirectory() as folder:
        trace = os.path.join(folder, "session.wrr")
        recorded = run_token(wasmtime_py.Recorder(trace), world)
        host_calls, size = world.calls, os.path.getsize(trace)
        replayed = run_token(wasmtime_py.Replayer(trace), world)
    print(f"recorded: token() = {recorded} ({host_calls} host calls, trace of {size} bytes)")
    print(f"replayed: token() = {replayed} ({world.calls - host_calls} host calls)")
    print(f"replay matches the recording: {'yes' if replayed == recorded else 'no'}")


def main() -> None:
    compiled = "yes" if wasmtime_rr.compiled_in() else "no"
    print(f"wasmtime-rr {wasmtime_rr.version()}, record/replay compiled in: {compiled}")
    show_engine()
    missing = wasmtime_py_missing()
    if missing is not None:
        print(f"wasmtime-py steps skipped: {missing}")
        return
    run_module()
    record_and_replay()


if __name__ == "__main__":
    main()
