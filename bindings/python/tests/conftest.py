"""Shared helpers: repository paths, subprocess runs, a counting library.

Loading this file (before any test module imports wasmtime) makes the
interpreter's wasmtime-py load the library under test, as
``python -m wasmtime_rr.install_into_wasmtime_py`` does: so plain ``pytest`` in
bindings/python works after ``pip install -e 'bindings/python[test]'``. It
changes that venv's wasmtime-py (``--restore`` undoes it), and does nothing
when wasmtime-py's library is already a copy of the library under test. The
report header says which it did.
"""

from __future__ import annotations

import collections
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Callable, Counter, Dict, Iterable, List, Mapping, Optional, Tuple

import pytest

INSTALL_HINT = (
    "in a venv: pip install -e 'bindings/python[test]', then pytest in bindings/python "
    "(or: bindings/python/run-tests.sh target/release)"
)

try:
    import wasmtime_rr
except ModuleNotFoundError as error:
    if error.name != "wasmtime_rr":
        raise
    raise pytest.UsageError(f"wasmtime_rr is not installed for {sys.executable}; {INSTALL_HINT}") from None
from wasmtime_rr import _api
from wasmtime_rr._native import LIBRARY_ENV, Library, lib
from wasmtime_rr.install_into_wasmtime_py import install, wasmtime_py_library

REPO = Path(__file__).resolve().parents[3]
HEADER = REPO / "include" / "wasmtime_rr.h"
PACKAGE_DIR = Path(wasmtime_rr.__file__).resolve().parent
LIBRARY = Path(lib.path)

if PACKAGE_DIR != REPO / "bindings" / "python" / "src" / "wasmtime_rr":
    raise pytest.UsageError(
        f"these tests are for the source tree's wasmtime_rr, but {sys.executable} imports {PACKAGE_DIR}; {INSTALL_HINT}"
    )


def _use_the_library_in_wasmtime_py() -> str:
    """Installs LIBRARY as wasmtime-py's library unless it already is a copy of
    it; returns what was done (for the report header)."""
    try:
        target = wasmtime_py_library()
        if target.is_file() and filecmp.cmp(LIBRARY, target, shallow=False):
            return f"{target} is a copy of {LIBRARY}"
        return install(LIBRARY, target)
    except OSError as error:
        raise pytest.UsageError(f"cannot make wasmtime-py load {LIBRARY}: {error}; {INSTALL_HINT}") from None


WASMTIME_PY_SETUP = _use_the_library_in_wasmtime_py()


def pytest_report_header() -> List[str]:
    return [f"library under test: {LIBRARY}", f"wasmtime-py: {WASMTIME_PY_SETUP}"]

DEFAULT_DELETES = ("wasm_config_delete", "wasm_engine_delete", "wasmtime_error_delete", "wasm_byte_vec_delete")


def _c_type(text: str) -> str:
    """A C type spelled one way: ``const char*`` and ``const char *`` alike."""
    return " ".join(text.replace("*", " *").replace("(", " ( ").replace(")", " ) ").split())


def _parameter(param: str) -> Tuple[str, str]:
    """(type, name) of one C parameter; a function pointer ``void (*f)(void*)``
    has the type ``void ( * ) ( void * )``."""
    pointer = re.fullmatch(r"(.*)\(\s*\*\s*(\w+)\s*\)\s*(\(.*\))", param)
    if pointer:
        return _c_type(f"{pointer.group(1)}(*){pointer.group(3)}"), pointer.group(2)
    match = re.fullmatch(r"(.*?\**)\s*(\w+)", param)
    assert match, param
    return _c_type(match.group(1)), match.group(2)


def header_functions() -> List[Tuple[str, str, List[Tuple[str, str]]]]:
    """The functions of include/wasmtime_rr.h: (return type, name, [(param type, param name)])."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", HEADER.read_text(), flags=re.S)
    functions = []
    # A parameter list may hold function pointers: one level of nested parentheses.
    for result, name, params in re.findall(
        r"^([A-Za-z_][\w ]*?\s*\**)\s*(\w+)\(((?:[^()]|\([^()]*\))*)\);", text, re.M
    ):
        parsed = []
        for param in re.split(r",(?![^()]*\))", params):
            param = " ".join(param.split())
            if param and param != "void":
                parsed.append(_parameter(param))
        functions.append((_c_type(result), name, parsed))
    return functions


def header_constants(prefix: str) -> Dict[str, int]:
    """The ``#define PREFIX<NAME> <value>`` integer constants of the header, by NAME."""
    pattern = rf"^#define {prefix}(\w+) (\d+)$"
    return {name: int(value) for name, value in re.findall(pattern, HEADER.read_text(), re.M)}


def run_python(
    code: str,
    *,
    env: Optional[Mapping[str, Optional[str]]] = None,
    cwd: Optional[Path] = None,
) -> subprocess.CompletedProcess:
    """Runs ``code`` in a fresh interpreter; ``env`` entries override the
    environment (``None`` removes a variable). The working directory defaults
    to the temporary directory, so the source tree's ``wasmtime_rr`` folder is
    not imported by accident from ``sys.path[0]``."""
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=environment,
        cwd=str(cwd or tempfile.gettempdir()),
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_package(destination: Path) -> Path:
    """A copy of the wasmtime_rr sources (no library) in ``destination``; returns the package dir."""
    package = destination / "wasmtime_rr"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    return package


def without_library_env(pythonpath: Path) -> Dict[str, Optional[str]]:
    """Subprocess environment: ``pythonpath`` first, no WASMTIME_RR_LIBRARY."""
    return {LIBRARY_ENV: None, "PYTHONPATH": str(pythonpath)}


class CountingLibrary:
    """A :class:`Library` on the loaded handle whose free functions count calls."""

    def __init__(self, names: Iterable[str] = DEFAULT_DELETES) -> None:
        self.library = Library(lib.handle)
        self.counts: Counter[str] = collections.Counter()
        for name in names:
            setattr(self.library, name, self._counted(name, getattr(self.library, name)))

    def _counted(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            self.counts[name] += 1
            return function(*args)

        return counted


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingLibrary:
    """Config and Engine made during the test use a counting library."""
    counting_library = CountingLibrary()
    monkeypatch.setattr(_api, "lib", counting_library.library)
    return counting_library


@pytest.fixture(scope="session")
def official_library() -> Path:
    """wasmtime-py's own libwasmtime, which the install command kept as a backup."""
    path = wasmtime_py_library().with_name("_libwasmtime.so.orig")
    assert path.is_file(), f"{path} is missing: installing our library into wasmtime-py (conftest.py) keeps the original there"
    return path


WASI_GUESTS = REPO / "target" / "wasi-guests"
WASI_GUEST_BUILD = REPO / "tests" / "guests" / "wasi" / "build.sh"


@pytest.fixture(scope="session")
def wasi_guests() -> Path:
    """The folder of the real WASI guests (guest-c.wasm, guest-c-other.wasm,
    guest-go.wasm, ...), built by tests/guests/wasi/build.sh, which leaves
    up-to-date ones alone. A guest that cannot be built fails the tests that
    need it: they are never skipped."""
    result = subprocess.run(
        ["bash", str(WASI_GUEST_BUILD), str(WASI_GUESTS)], capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        pytest.fail(
            f"{WASI_GUEST_BUILD.relative_to(REPO)} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}",
            pytrace=False,
        )
    for name in ("guest-c", "guest-c-other", "guest-go"):
        assert (WASI_GUESTS / f"{name}.wasm").is_file(), f"build.sh did not make {name}.wasm"
    return WASI_GUESTS


@pytest.fixture(scope="session")
def library_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second copy of the library file at another path (a distinct loaded copy)."""
    copy = tmp_path_factory.mktemp("copy") / "libwasmtime_rr.so"
    shutil.copyfile(LIBRARY, copy)
    return copy
