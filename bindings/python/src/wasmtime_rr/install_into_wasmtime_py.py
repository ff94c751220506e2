"""Installs libwasmtime_rr into wasmtime-py, or restores the original.

    python -m wasmtime_rr.install_into_wasmtime_py            # install
    python -m wasmtime_rr.install_into_wasmtime_py --restore  # undo

Installing puts two files into ``wasmtime/<platform>/`` of the wasmtime-py
found on ``sys.path``:

- ``_libwasmtime.so``, the file wasmtime-py opens by path: the preload
  library ``libwasmtime_rr_preload.so`` found beside the library
  :mod:`wasmtime_rr` loaded (see ``WASMTIME_RR_LIBRARY``). It defines the
  stock C API names wasmtime-py calls to make engines and stores, compile,
  define host functions and WASI, instantiate and call, and forwards each to
  libwasmtime_rr: to the stock function when neither ``WASMTIME_RR_RECORD``
  nor ``WASMTIME_RR_REPLAY`` is set, to its RR-aware variant when one is. So
  an unmodified wasmtime-py program runs as before, and records or replays
  every store with ``WASMTIME_RR_RECORD=trace.wrr`` /
  ``WASMTIME_RR_REPLAY=trace.wrr``. Every other name is libwasmtime_rr's own.
- libwasmtime_rr itself under its SONAME (``libwasmtime_rr.so.0.1``): the
  preload's ``NEEDED`` entry, found there through its ``RUNPATH $ORIGIN``.

The file ``_libwasmtime.so`` replaces is kept as ``_libwasmtime.so.orig`` (an
existing backup is kept, so installing twice still restores the original);
``--restore`` moves it back and removes the SONAME file. Files are replaced
by rename, never rewritten in place, so a process that has the old files
loaded keeps running.

One copy of the library per process: whichever of ``wasmtime`` and
``wasmtime_rr`` is imported first loads libwasmtime_rr, and the other uses
that copy (the dynamic loader matches the preload's ``NEEDED`` entry to an
already loaded library by its SONAME; :mod:`wasmtime_rr` looks for a loaded
library with its library's SONAME before loading a file).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import List, Optional

from ._native import lib, soname

_MACHINES = {"AMD64": "x86_64", "arm64": "aarch64", "ARM64": "aarch64"}

PRELOAD_NAME = "libwasmtime_rr_preload.so"
"""The preload library's file name, beside ``libwasmtime_rr.so`` in the build
output (``target/release``) and in the wheel (``wasmtime_rr/``)."""


def wasmtime_py_library() -> Path:
    """The library file wasmtime-py loads (as its ``_ffi`` module computes it),
    found without importing wasmtime-py."""
    spec = importlib.util.find_spec("wasmtime")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("wasmtime-py is not installed (pip install wasmtime==48.0.0)")
    machine = platform.machine()
    return Path(spec.origin).parent / f"{sys.platform}-{_MACHINES.get(machine, machine)}" / "_libwasmtime.so"


def _put(source: Path, target: Path) -> None:
    """Puts a copy of ``source`` at ``target`` by rename (never rewriting ``target``)."""
    staged = target.with_name(f"{target.name}.new-{os.getpid()}")
    shutil.copyfile(source, staged)
    os.replace(staged, target)


def install(source: Path, target: Path) -> str:
    """Puts a copy of ``source`` at ``target``, keeping ``target``'s original as
    ``<target>.orig``; returns what was done."""
    backup = target.with_name(target.name + ".orig")
    if target.exists() and os.path.samefile(source, target):
        return f"{target} is already {source}"
    target.parent.mkdir(parents=True, exist_ok=True)  # a source tree (the sdist) has no library folder
    staged = target.with_name(f"{target.name}.new-{os.getpid()}")
    shutil.copyfile(source, staged)
    if target.exists() and not backup.exists():
        os.replace(target, backup)
    os.replace(staged, target)
    if not backup.exists():
        return f"installed {source} as {target} (there was no original to keep)"
    return f"installed {source} as {target} (original kept as {backup})"


def preload_library(library: Path) -> Path:
    """The preload library beside ``library`` (the build output or the wheel)."""
    preload = Path(library).with_name(PRELOAD_NAME)
    if not preload.is_file():
        raise FileNotFoundError(
            f"no {PRELOAD_NAME} beside {library}: build it (cargo build --release builds both) "
            f"or point WASMTIME_RR_LIBRARY at a libwasmtime_rr.so that has it beside"
        )
    return preload


def install_preload(library: Path, preload: Path, target: Path) -> str:
    """Installs ``preload`` as ``target`` (wasmtime-py's ``_libwasmtime.so``,
    keeping its original as ``<target>.orig``) and ``library`` beside it under
    its SONAME; returns what was done. The SONAME file goes first, so the
    preload is never there without the library it needs."""
    beside = target.with_name(soname(library))
    target.parent.mkdir(parents=True, exist_ok=True)
    if beside.exists() and os.path.samefile(library, beside):
        put_library = f"{beside} is already {library}"
    else:
        _put(library, beside)
        put_library = f"installed {library} as {beside}"
    return f"{install(preload, target)}; {put_library}"


def restore(target: Path) -> str:
    """Moves ``<target>.orig`` back to ``target`` and removes the library a
    preload install put beside it (named by the SONAME of the library
    :mod:`wasmtime_rr` loaded); returns what was done."""
    backup = target.with_name(target.name + ".orig")
    if not backup.exists():
        raise FileNotFoundError(f"nothing to restore: no backup at {backup}")
    os.replace(backup, target)
    beside = target.with_name(soname(Path(lib.path)))
    if not beside.exists():
        return f"restored {target} from {backup}"
    beside.unlink()
    return f"restored {target} from {backup}; removed {beside}"


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m wasmtime_rr.install_into_wasmtime_py",
        description=(
            "Install libwasmtime_rr_preload.so as wasmtime-py's _libwasmtime.so (backup: _libwasmtime.so.orig) "
            "and libwasmtime_rr beside it under its SONAME: wasmtime-py programs then run as before, and record "
            "or replay with WASMTIME_RR_RECORD=TRACE or WASMTIME_RR_REPLAY=TRACE set."
        ),
    )
    parser.add_argument("--restore", action="store_true", help="put the original library back, remove ours")
    arguments = parser.parse_args(argv)
    try:
        target = wasmtime_py_library()
        if arguments.restore:
            print(restore(target))
        else:
            library = Path(lib.path)
            print(install_preload(library, preload_library(library), target))
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
