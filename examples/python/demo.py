"""The wasmtime-rr demo in Python (the same steps as examples/demo.c).

Turn recording on, see a rejected config's error instead of an abort, fix it,
build an engine with the checked constructor and print its record/replay
state; then, with wasmtime-py running libwasmtime_rr, run a small module on an
engine from ``wasmtime_rr.wasmtime_py.new_engine``.

    python examples/python/demo.py
"""

from __future__ import annotations

import wasmtime_rr

MIX_WAT = """
(module (func (export "mix") (param i32 f32) (result f32)
  local.get 1 local.get 0 f32.convert_i32_s f32.mul))
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


def run_module() -> None:
    """Step 4: a recording wasmtime-py engine, built without risk of abort."""
    try:
        import wasmtime
        from wasmtime_rr import wasmtime_py
    except ImportError:
        print("wasmtime-py is not installed (pip install wasmtime==48.0.0): module run skipped")
        return
    config = wasmtime.Config()
    try:
        wasmtime_py.record(config, True)
        wasmtime_py.enforce_determinism(config)
        engine = wasmtime_py.new_engine(config)
    except wasmtime_rr.LibraryMismatchError as error:
        print(f"module run skipped: {error}")
        return
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, MIX_WAT), [])
    mix = instance.exports(store)["mix"]
    assert isinstance(mix, wasmtime.Func)
    print(f"mix(6, 7.0) = {mix(store, 6, 7.0):g}")


def main() -> None:
    compiled = "yes" if wasmtime_rr.compiled_in() else "no"
    print(f"wasmtime-rr {wasmtime_rr.version()}, record/replay compiled in: {compiled}")
    show_engine()
    run_module()


if __name__ == "__main__":
    main()
