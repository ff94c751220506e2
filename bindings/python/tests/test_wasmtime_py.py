"""wasmtime-py 48 interop: the functions on wasmtime-py objects, the abort they
avoid, library-copy mismatch detection and the install command."""

from __future__ import annotations

import ctypes
import filecmp
import importlib.util
import json
import shutil
import signal
import sys
import types
from pathlib import Path
from typing import Any, Dict

import pytest
import wasmtime
from conftest import LIBRARY, run_python

from wasmtime_rr import ErrorKind, InvalidArgumentError, InvalidConfigError, Mode, wasmtime_py
from wasmtime_rr._native import LIBRARY_ENV
from wasmtime_rr import install_into_wasmtime_py as installer
from wasmtime_rr._native import soname
from wasmtime_rr.install_into_wasmtime_py import PRELOAD_NAME
from wasmtime_rr.install_into_wasmtime_py import main as install_main
from wasmtime_rr.install_into_wasmtime_py import wasmtime_py_library

NAN_MESSAGE = "NaN canonicalization cannot be disabled when determinism is enforced"
SIMD_MESSAGE = "Relaxed deterministic SIMD cannot be disabled when determinism is enforced"
MIX_WAT = """
(module (func (export "mix") (param i32 f32) (result f32)
  local.get 1 local.get 0 f32.convert_i32_s f32.mul))
"""
WASMTIME_PY_LIBRARY = wasmtime_py_library()


def engine_state(engine: wasmtime.Engine) -> tuple:
    return (
        wasmtime_py.engine_mode(engine),
        wasmtime_py.is_recording(engine),
        wasmtime_py.is_replaying(engine),
        wasmtime_py.nan_canonicalization(engine),
        wasmtime_py.relaxed_simd_deterministic(engine),
    )


def recording_config(nan_canonicalization: bool) -> wasmtime.Config:
    config = wasmtime.Config()
    wasmtime_py.record(config, True)
    config.cranelift_nan_canonicalization = nan_canonicalization
    return config


def test_wasmtime_py_runs_libwasmtime_rr() -> None:
    assert WASMTIME_PY_LIBRARY == Path(wasmtime._ffi.filename)
    assert wasmtime_py.library().path == str(WASMTIME_PY_LIBRARY)
    assert wasmtime_py.library().handle is wasmtime._ffi.dll


def test_new_engine_builds_a_wasmtime_engine_that_runs_modules() -> None:
    config = recording_config(nan_canonicalization=True)
    wasmtime_py.enforce_determinism(config)
    engine = wasmtime_py.new_engine(config)
    assert type(engine) is wasmtime.Engine
    assert engine_state(engine) == (Mode.RECORDING, True, False, True, True)
    with pytest.raises(ValueError, match="already closed"):
        config.ptr()  # consumed
    store = wasmtime.Store(engine)
    mix = wasmtime.Instance(store, wasmtime.Module(engine, MIX_WAT), []).exports(store)["mix"]
    assert isinstance(mix, wasmtime.Func)
    assert mix(store, 6, 7.0) == 42.0


def test_new_engine_reports_what_wasmtime_engine_would_abort_on() -> None:
    config = recording_config(nan_canonicalization=False)
    with pytest.raises(InvalidConfigError) as raised:
        wasmtime_py.new_engine(config)
    assert raised.value.kind is ErrorKind.INVALID_CONFIG
    assert str(raised.value) == NAN_MESSAGE
    config.cranelift_nan_canonicalization = True  # still usable: fix and retry
    assert wasmtime_py.engine_mode(wasmtime_py.new_engine(config)) is Mode.RECORDING


def test_plain_wasmtime_engine_aborts_on_the_same_config() -> None:
    script = """
        import wasmtime
        from wasmtime_rr import wasmtime_py
        config = wasmtime.Config()
        wasmtime_py.record(config, True)
        config.cranelift_nan_canonicalization = False
        wasmtime.Engine(config)
        print("survived")
    """
    result = run_python(script, env={"RUST_BACKTRACE": "0"})
    assert result.returncode == -signal.SIGABRT
    assert result.stdout == ""
    assert f"called `Result::unwrap()` on an `Err` value: {NAN_MESSAGE}" in result.stderr


def test_replaying_and_modes() -> None:
    config = wasmtime.Config()
    wasmtime_py.replay(config, True)
    assert engine_state(wasmtime_py.new_engine(config)) == (Mode.REPLAYING, False, True, False, False)
    for mode in Mode:
        config = wasmtime.Config()
        wasmtime_py.set_mode(config, mode)
        assert wasmtime_py.engine_mode(wasmtime_py.new_engine(config)) is mode


def test_set_mode_rejects_an_unknown_mode() -> None:
    with pytest.raises(InvalidArgumentError, match="^wasm_config_rr_mode_set: unknown record/replay mode 7 "):
        wasmtime_py.set_mode(wasmtime.Config(), 7)


def test_validate_keeps_the_config() -> None:
    config = wasmtime.Config()
    wasmtime_py.replay(config, True)
    config.wasm_relaxed_simd_deterministic = False
    with pytest.raises(InvalidConfigError, match=f"^{SIMD_MESSAGE}$"):
        wasmtime_py.validate(config)
    wasmtime_py.enforce_determinism(config)
    wasmtime_py.validate(config)
    assert engine_state(wasmtime_py.new_engine(config)) == (Mode.REPLAYING, False, True, True, True)


def test_queries_work_on_engines_built_by_wasmtime_py_itself() -> None:
    assert engine_state(wasmtime.Engine()) == (Mode.NONE, False, False, False, False)
    config = recording_config(nan_canonicalization=True)
    config.wasm_relaxed_simd_deterministic = True
    assert engine_state(wasmtime.Engine(config)) == (Mode.RECORDING, True, False, True, True)


def test_closed_wasmtime_objects_raise_wasmtime_pys_error() -> None:
    engine = wasmtime.Engine()
    engine.close()
    with pytest.raises(ValueError, match="^already closed$"):
        wasmtime_py.is_recording(engine)
    config = wasmtime.Config()
    config.close()
    with pytest.raises(ValueError, match="^already closed$"):
        wasmtime_py.record(config, True)


def test_other_objects_are_type_errors() -> None:
    with pytest.raises(TypeError, match="^expected wasmtime_rr.Config or wasmtime.Config, not object$"):
        wasmtime_py.record(object(), True)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="^expected wasmtime_rr.Engine or wasmtime.Engine, not Config$"):
        wasmtime_py.engine_mode(wasmtime.Config())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^enable must be a bool, not int$"):
        wasmtime_py.record(wasmtime.Config(), 1)  # type: ignore[call-overload]


def test_wasmtime_pys_own_prototypes_are_left_alone() -> None:
    wasmtime_py.new_engine(wasmtime.Config())
    assert wasmtime._ffi.dll.wasm_config_new.restype is ctypes.POINTER(wasmtime._ffi.wasm_config_t)
    assert wasmtime._bindings._wasm_engine_delete.argtypes == [ctypes.POINTER(wasmtime._ffi.wasm_engine_t)]


# One script, run in fresh interpreters with different library set-ups.
MIXING_PROBE = """
import json
import wasmtime
import wasmtime_rr
from wasmtime_rr import wasmtime_py

results = {}
state = {"wasmtime_file": wasmtime.__file__,
         "same_copy": wasmtime_rr._native.lib.same_copy(wasmtime._ffi.dll)}

def consumed(check):
    try:
        check()
    except ValueError:
        return True
    return False

def probe(name, function):
    try:
        results[name] = ["ok", function()]
    except Exception as error:
        results[name] = [type(error).__name__, str(error)]

def ours_from_theirs():
    config = wasmtime.Config()
    try:
        return wasmtime_rr.Engine(config).mode.name
    finally:
        state["theirs_consumed"] = consumed(config.ptr)

def record_ours():
    config = wasmtime_rr.Config()
    wasmtime_py.record(config, True)
    return wasmtime_rr.Engine(config).mode.name

def theirs_from_ours():
    config = wasmtime_rr.Config()
    try:
        engine = wasmtime_py.new_engine(config)
        return [type(engine).__module__ + "." + type(engine).__name__, wasmtime_py.engine_mode(engine).name]
    finally:
        state["ours_consumed"] = consumed(config.validate)

def mode_of_ours():
    return wasmtime_py.engine_mode(wasmtime_rr.Engine(wasmtime_rr.Config())).name

def theirs_through_theirs():
    config = wasmtime.Config()
    wasmtime_py.record(config, True)
    wasmtime_py.enforce_determinism(config)
    return wasmtime_py.engine_mode(wasmtime_py.new_engine(config)).name

for function in (ours_from_theirs, record_ours, theirs_from_ours, mode_of_ours, theirs_through_theirs):
    probe(function.__name__, function)
print(json.dumps({"results": results, "state": state}))
"""


def mixing(env: Dict[str, Any]) -> Dict[str, Any]:
    result = run_python(MIXING_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def mismatch_message(obj: str, owner: Path, target: Path) -> str:
    return (
        f"this {obj} belongs to the copy of Wasmtime loaded from {owner}, but the call goes through the "
        f"copy loaded from {target}: objects of two loaded copies cannot be mixed. Use wasmtime_rr.wasmtime_py "
        "for wasmtime-py objects, or make both packages load one copy: set WASMTIME_RR_LIBRARY to "
        f"wasmtime-py's library, {WASMTIME_PY_LIBRARY}."
    )


def test_objects_of_two_loaded_copies_are_never_mixed(library_copy: Path) -> None:
    outcome = mixing({LIBRARY_ENV: str(library_copy)})
    mismatch = "LibraryMismatchError"
    ours, theirs = "wasmtime_rr._api.Config", "wasmtime._config.Config"
    assert outcome["results"] == {
        "ours_from_theirs": [mismatch, mismatch_message(theirs, WASMTIME_PY_LIBRARY, library_copy)],
        "record_ours": [mismatch, mismatch_message(ours, library_copy, WASMTIME_PY_LIBRARY)],
        "theirs_from_ours": [mismatch, mismatch_message(ours, library_copy, WASMTIME_PY_LIBRARY)],
        "mode_of_ours": [
            mismatch,
            mismatch_message("wasmtime_rr._api.Engine", library_copy, WASMTIME_PY_LIBRARY),
        ],
        "theirs_through_theirs": ["ok", "RECORDING"],
    }
    assert outcome["state"] == {
        "wasmtime_file": wasmtime.__file__,
        "same_copy": False,
        "theirs_consumed": False,
        "ours_consumed": False,
    }


def test_one_loaded_copy_shares_objects_both_ways() -> None:
    outcome = mixing({LIBRARY_ENV: str(WASMTIME_PY_LIBRARY)})
    assert outcome["results"] == {
        "ours_from_theirs": ["ok", "NONE"],
        "record_ours": ["ok", "RECORDING"],
        "theirs_from_ours": ["ok", ["wasmtime._engine.Engine", "NONE"]],
        "mode_of_ours": ["ok", "NONE"],
        "theirs_through_theirs": ["ok", "RECORDING"],
    }
    assert outcome["state"] == {
        "wasmtime_file": wasmtime.__file__,
        "same_copy": True,
        "theirs_consumed": True,
        "ours_consumed": True,
    }


def fake_wasmtime_package(root: Path, library: Path) -> Path:
    """A copy of wasmtime-py in ``root`` whose library file links to ``library``."""
    package = Path(wasmtime.__file__).parent
    copy = root / "wasmtime"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "_libwasmtime.so*"))
    (copy / WASMTIME_PY_LIBRARY.relative_to(package)).symlink_to(library)
    return copy


def test_wasmtime_py_on_the_official_library_is_detected(tmp_path: Path, official_library: Path) -> None:
    fake_wasmtime_package(tmp_path, official_library)
    outcome = mixing({"PYTHONPATH": str(tmp_path), LIBRARY_ENV: str(LIBRARY)})
    official = Path(tmp_path / "wasmtime" / WASMTIME_PY_LIBRARY.relative_to(Path(wasmtime.__file__).parent))
    not_ours = [
        "LibraryMismatchError",
        f"wasmtime-py loaded {official}, which is not libwasmtime_rr (it lacks wasmtime_rr_version: the "
        "official libwasmtime). Install ours into wasmtime-py with "
        "`python -m wasmtime_rr.install_into_wasmtime_py` (`--restore` undoes it).",
    ]
    results = outcome["results"]
    assert results.pop("ours_from_theirs")[0] == "LibraryMismatchError"
    assert results == {name: not_ours for name in results}
    assert len(results) == 4
    assert outcome["state"]["wasmtime_file"] == str(tmp_path / "wasmtime" / "__init__.py")
    assert outcome["state"]["same_copy"] is False
    assert outcome["state"]["theirs_consumed"] is False


@pytest.fixture
def fake_wasmtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed-looking wasmtime-py in ``tmp_path`` that the installer finds
    (through ``sys.modules``); returns its library file, holding placeholder bytes."""
    package = tmp_path / "wasmtime"
    target = package / WASMTIME_PY_LIBRARY.relative_to(Path(wasmtime.__file__).parent)
    target.parent.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    target.write_bytes(b"the official library")
    module = types.ModuleType("wasmtime")
    module.__spec__ = importlib.util.spec_from_file_location("wasmtime", package / "__init__.py")
    monkeypatch.setitem(sys.modules, "wasmtime", module)
    return target


def test_the_installer_finds_the_file_wasmtime_py_loads(fake_wasmtime: Path) -> None:
    assert wasmtime_py_library() == fake_wasmtime


def test_install_keeps_the_original_and_restore_puts_it_back(
    fake_wasmtime: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = fake_wasmtime.with_name("_libwasmtime.so.orig")
    preload = LIBRARY.with_name(PRELOAD_NAME)
    beside = fake_wasmtime.with_name(soname(LIBRARY))
    assert beside.name == "libwasmtime_rr.so.0.1"
    for _ in range(2):  # installing twice keeps the first backup
        assert install_main([]) == 0
        assert capsys.readouterr().out == (
            f"installed {preload} as {fake_wasmtime} (original kept as {backup}); installed {LIBRARY} as {beside}\n"
        )
        assert filecmp.cmp(preload, fake_wasmtime, shallow=False)
        assert filecmp.cmp(LIBRARY, beside, shallow=False)
        assert backup.read_bytes() == b"the official library"
    assert sorted(path.name for path in fake_wasmtime.parent.iterdir()) == [
        "_libwasmtime.so",
        "_libwasmtime.so.orig",
        "libwasmtime_rr.so.0.1",
    ]

    assert install_main(["--restore"]) == 0
    assert capsys.readouterr().out == f"restored {fake_wasmtime} from {backup}; removed {beside}\n"
    assert fake_wasmtime.read_bytes() == b"the official library"
    assert sorted(path.name for path in fake_wasmtime.parent.iterdir()) == ["_libwasmtime.so"]

    assert install_main(["--restore"]) == 1
    assert capsys.readouterr().err == f"error: nothing to restore: no backup at {backup}\n"


def test_install_into_a_source_tree_without_a_library(fake_wasmtime: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """wasmtime-py's sdist has no library folder: installing makes it, keeps no backup."""
    shutil.rmtree(fake_wasmtime.parent)
    assert install_main([]) == 0
    beside = fake_wasmtime.with_name(soname(LIBRARY))
    assert capsys.readouterr().out == (
        f"installed {LIBRARY.with_name(PRELOAD_NAME)} as {fake_wasmtime} (there was no original to keep); "
        f"installed {LIBRARY} as {beside}\n"
    )
    assert sorted(path.name for path in fake_wasmtime.parent.iterdir()) == ["_libwasmtime.so", "libwasmtime_rr.so.0.1"]


def test_install_over_the_loaded_libraries_themselves_changes_nothing(
    fake_wasmtime: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preload = LIBRARY.with_name(PRELOAD_NAME)
    beside = fake_wasmtime.with_name(soname(LIBRARY))
    fake_wasmtime.unlink()
    fake_wasmtime.symlink_to(preload)
    beside.symlink_to(LIBRARY)
    assert install_main([]) == 0
    assert capsys.readouterr().out == f"{fake_wasmtime} is already {preload}; {beside} is already {LIBRARY}\n"
    assert fake_wasmtime.is_symlink() and beside.is_symlink()
    assert not fake_wasmtime.with_name("_libwasmtime.so.orig").exists()


def test_install_without_the_preload_library(
    fake_wasmtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    alone = tmp_path / "alone" / "libwasmtime_rr.so"
    alone.parent.mkdir()
    alone.symlink_to(LIBRARY)
    monkeypatch.setattr(installer.lib, "path", str(alone))
    assert install_main([]) == 1
    assert capsys.readouterr().err.startswith(f"error: no {PRELOAD_NAME} beside {alone}: build it")
    assert fake_wasmtime.read_bytes() == b"the official library"


def test_soname_of_elf_files(tmp_path: Path) -> None:
    assert soname(LIBRARY) == "libwasmtime_rr.so.0.1"
    with pytest.raises(OSError, match="has no SONAME"):
        soname(LIBRARY.with_name(PRELOAD_NAME))
    (tmp_path / "text").write_bytes(b"not an ELF file at all, long enough to hold a header" * 2)
    with pytest.raises(OSError, match="is not a 64-bit little-endian ELF file"):
        soname(tmp_path / "text")


def test_install_without_wasmtime_py(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "wasmtime", None)
    assert install_main([]) == 1
    assert capsys.readouterr().err == "error: wasmtime-py is not installed (pip install wasmtime==48.0.0)\n"


def test_the_command_line_runs_as_a_module() -> None:
    result = run_python(
        "import runpy, sys\n"
        "sys.argv = ['install_into_wasmtime_py', '--help']\n"
        "runpy.run_module('wasmtime_rr.install_into_wasmtime_py', run_name='__main__')\n"
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m wasmtime_rr.install_into_wasmtime_py [-h] [--restore]")
