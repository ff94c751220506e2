"""wasmtime-py with the preload library installed (what
``python -m wasmtime_rr.install_into_wasmtime_py`` does), in a copy of the
venv's wasmtime-py: one copy of libwasmtime_rr per process whichever package
is imported first, and an unmodified wasmtime-py program that runs live
without a variable and records and replays with WASMTIME_RR_RECORD /
WASMTIME_RR_REPLAY."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Dict, Optional

import pytest
import wasmtime
from conftest import LIBRARY, run_python

from wasmtime_rr._native import LIBRARY_ENV, soname
from wasmtime_rr.install_into_wasmtime_py import PRELOAD_NAME, install_preload

ENV_VARIABLES = ("WASMTIME_RR_RECORD", "WASMTIME_RR_REPLAY", LIBRARY_ENV)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a copy of wasmtime-py with the preload installed."""
    folder = tmp_path_factory.mktemp("site")
    package = folder / "wasmtime"
    shutil.copytree(
        Path(wasmtime.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "linux-*", "darwin-*")
    )
    target = package / "linux-x86_64" / "_libwasmtime.so"
    install_preload(LIBRARY, LIBRARY.with_name(PRELOAD_NAME), target)
    return folder


def environment(site: Path, **variables: str) -> Dict[str, Optional[str]]:
    env: Dict[str, Optional[str]] = {name: None for name in ENV_VARIABLES}
    env.update(variables)
    env["PYTHONPATH"] = str(site)
    return env


MAPPED = """
from wasmtime_rr._native import lib
mapped = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libwasmtime_rr" in line})
print(mapped)
print(lib.path)
print(lib.same_copy(wasmtime._ffi.dll))
"""


@pytest.mark.parametrize("first", ["wasmtime", "wasmtime_rr"])
def test_one_copy_of_the_library_whichever_package_comes_first(site: Path, first: str) -> None:
    second = "wasmtime_rr" if first == "wasmtime" else "wasmtime"
    result = run_python(f"import {first}\nimport {second}\n" + MAPPED, env=environment(site))
    assert result.returncode == 0, result.stderr
    mapped, path, same = result.stdout.splitlines()
    # wasmtime first: the preload's NEEDED entry loads the SONAME file beside
    # it, and wasmtime_rr finds that loaded copy. wasmtime_rr first: the
    # preload's NEEDED entry matches the loaded library's SONAME.
    expected = str(site / "wasmtime" / "linux-x86_64" / soname(LIBRARY)) if first == "wasmtime" else str(LIBRARY)
    assert mapped == repr([expected]) and path == expected and same == "True"


PROGRAM = textwrap.dedent(
    """
    import time
    from wasmtime import Engine, FuncType, Linker, Module, Store, ValType
    engine = Engine()
    linker = Linker(engine)
    linker.define_func("host", "now", FuncType([], [ValType.i64()]), time.time_ns)
    module = Module(engine, '''(module (import "host" "now" (func $now (result i64)))
                                        (func (export "now") (result i64) (call $now)))''')
    store = Store(engine)
    print(linker.instantiate(store, module).exports(store)["now"](store))
    """
)


def test_an_unmodified_program_runs_live_and_records_and_replays_from_the_environment(
    site: Path, tmp_path: Path
) -> None:
    trace = tmp_path / "trace.wrr"
    live = [run_python(PROGRAM, env=environment(site)) for _ in range(2)]
    assert all(run.returncode == 0 for run in live), live[0].stderr
    assert live[0].stdout != live[1].stdout, "no variable set: the host function runs live"
    assert not trace.exists()

    recorded = run_python(PROGRAM, env=environment(site, WASMTIME_RR_RECORD=str(trace)))
    assert recorded.returncode == 0 and recorded.stderr == "", recorded.stderr
    assert trace.stat().st_size > 0
    for _ in range(2):
        replayed = run_python(PROGRAM, env=environment(site, WASMTIME_RR_REPLAY=str(trace)))
        assert replayed.returncode == 0 and replayed.stderr == "", replayed.stderr
        assert replayed.stdout == recorded.stdout, "the replay did not print the recorded time"
    assert int(recorded.stdout) < int(run_python(PROGRAM, env=environment(site)).stdout)
