"""Where the library is looked for, in order; each case imports the package in
a fresh interpreter, since the lookup happens at import."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, Optional

from conftest import LIBRARY, PACKAGE_DIR, REPO, copy_package, run_python, without_library_env

from wasmtime_rr._native import LIBRARY_ENV, LIBRARY_NAME, search_paths

PROBE = """
import json
try:
    import wasmtime_rr
except ImportError as error:
    print(json.dumps({"error": type(error).__name__, "is_import_error": True, "message": str(error)}))
else:
    print(json.dumps({"path": wasmtime_rr._native.lib.path, "package": wasmtime_rr.__file__}))
"""


def probe(env: Dict[str, Optional[str]], cwd: Optional[Path] = None) -> dict:
    result = run_python(PROBE, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def link_library(path: Path) -> Path:
    """A symlink to the library at ``path`` (a distinct path, no 40 MB copy)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(LIBRARY)
    return path


def test_search_paths_order() -> None:
    assert search_paths(Path("/a/b")) == [
        Path("/a/b/libwasmtime_rr.so"),
        Path("/a/b/target/release/libwasmtime_rr.so"),
        Path("/a/b/target/debug/libwasmtime_rr.so"),
        Path("/a/target/release/libwasmtime_rr.so"),
        Path("/a/target/debug/libwasmtime_rr.so"),
        Path("/target/release/libwasmtime_rr.so"),
        Path("/target/debug/libwasmtime_rr.so"),
    ]


def test_the_environment_variable_comes_first(tmp_path: Path) -> None:
    chosen = link_library(tmp_path / "chosen" / LIBRARY_NAME)
    assert probe({LIBRARY_ENV: str(chosen)})["path"] == str(chosen)


def test_a_relative_environment_variable_is_relative_to_the_working_directory(tmp_path: Path) -> None:
    link_library(tmp_path / "lib" / LIBRARY_NAME)
    assert probe({LIBRARY_ENV: f"lib/{LIBRARY_NAME}"}, cwd=tmp_path)["path"] == str(tmp_path / "lib" / LIBRARY_NAME)


def test_a_bad_environment_variable_is_an_error_not_skipped(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / LIBRARY_NAME
    # The editable package would find target/*/ by walking up; it must not.
    result = probe({LIBRARY_ENV: str(missing)})
    assert result == {
        "error": "LibraryNotFoundError",
        "is_import_error": True,
        "message": f"{LIBRARY_NAME} not found: {LIBRARY_ENV} is set to '{missing}', which is not a file "
        f"(looked at {missing}). Point it at libwasmtime_rr.so or unset it to search the default places.",
    }


def test_an_empty_environment_variable_counts_as_unset() -> None:
    found = next(path for path in search_paths(PACKAGE_DIR) if path.is_file())
    assert probe({LIBRARY_ENV: ""})["path"] == str(found)
    assert found.parent.parent == REPO / "target"


def test_a_file_that_is_not_a_library_is_reported(tmp_path: Path) -> None:
    text = tmp_path / LIBRARY_NAME
    text.write_text("not a library")
    result = probe({LIBRARY_ENV: str(text)})
    assert result["error"] == "LibraryNotFoundError"
    assert result["message"].startswith(f"{text} could not be loaded: ")


def test_a_library_without_record_replay_is_reported(official_library: Path) -> None:
    result = probe({LIBRARY_ENV: str(official_library)})
    assert result["error"] == "LibraryNotFoundError"
    assert result["message"] == (
        f"{official_library} is not libwasmtime_rr: it lacks wasmtime_rr_version (is it the official libwasmtime?)"
    )


def test_next_to_the_package_comes_before_build_outputs(tmp_path: Path) -> None:
    package = copy_package(tmp_path / "site")
    beside = link_library(package / LIBRARY_NAME)
    link_library(tmp_path / "target" / "release" / LIBRARY_NAME)
    result = probe(without_library_env(tmp_path / "site"))
    assert result == {"path": str(beside), "package": str(package / "__init__.py")}


def test_release_comes_before_debug(tmp_path: Path) -> None:
    copy_package(tmp_path / "project" / "python")
    release = link_library(tmp_path / "project" / "target" / "release" / LIBRARY_NAME)
    link_library(tmp_path / "project" / "target" / "debug" / LIBRARY_NAME)
    assert probe(without_library_env(tmp_path / "project" / "python"))["path"] == str(release)


def test_debug_is_used_without_release(tmp_path: Path) -> None:
    copy_package(tmp_path / "project" / "python")
    debug = link_library(tmp_path / "project" / "target" / "debug" / LIBRARY_NAME)
    assert probe(without_library_env(tmp_path / "project" / "python"))["path"] == str(debug)


def test_the_nearest_build_output_wins(tmp_path: Path) -> None:
    copy_package(tmp_path / "project" / "python")
    link_library(tmp_path / "project" / "target" / "release" / LIBRARY_NAME)
    nearer = link_library(tmp_path / "project" / "python" / "target" / "debug" / LIBRARY_NAME)
    assert probe(without_library_env(tmp_path / "project" / "python"))["path"] == str(nearer)


def test_not_found_lists_every_place_looked(tmp_path: Path) -> None:
    package = copy_package(tmp_path / "site")
    result = probe(without_library_env(tmp_path / "site"))
    assert result["error"] == "LibraryNotFoundError" and result["is_import_error"]
    real = package.resolve()
    places = [f"  {path}" for path in search_paths(real)]
    assert result["message"].split("\n") == [
        f"{LIBRARY_NAME} not found. Looked in, in order:",
        f"  ${LIBRARY_ENV} (not set)",
        *places,
        f"Build it (cargo build --release) or set {LIBRARY_ENV} to its path.",
    ]
    assert places[0] == f"  {real / LIBRARY_NAME}" and places[-1] == f"  {os.sep}target{os.sep}debug{os.sep}{LIBRARY_NAME}"
