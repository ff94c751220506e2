"""Installs libwasmtime_rr as wasmtime-py's library, or restores the original.

    python -m wasmtime_rr.install_into_wasmtime_py            # install
    python -m wasmtime_rr.install_into_wasmtime_py --restore  # undo

Installing copies the library :mod:`wasmtime_rr` loaded (see
``WASMTIME_RR_LIBRARY``) over ``wasmtime/<platform>/_libwasmtime.so`` of the
wasmtime-py found on ``sys.path``, first keeping the file it replaces as
``_libwasmtime.so.orig`` (an existing backup is kept, so installing twice
still restores the original). Files are replaced by rename, never rewritten in
place, so a process that has the old file loaded keeps running.
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

from ._native import lib

_MACHINES = {"AMD64": "x86_64", "arm64": "aarch64", "ARM64": "aarch64"}


def wasmtime_py_library() -> Path:
    """The library file wasmtime-py loads (as its ``_ffi`` module computes it),
    found without importing wasmtime-py."""
    spec = importlib.util.find_spec("wasmtime")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("wasmtime-py is not installed (pip install wasmtime==48.0.0)")
    machine = platform.machine()
    return Path(spec.origin).parent / f"{sys.platform}-{_MACHINES.get(machine, machine)}" / "_libwasmtime.so"


def install(source: Path, target: Path) -> str:
    """Puts a copy of ``source`` at ``target``, keeping ``target``'s original as
    ``<target>.orig``; returns what was done."""
    backup = target.with_name(target.name + ".orig")
    if target.exists() and os.path.samefile(source, target):
        return f"{target} is already {source}"
    staged = target.with_name(f"{target.name}.new-{os.getpid()}")
    shutil.copyfile(source, staged)
    if target.exists() and not backup.exists():
        os.replace(target, backup)
    os.replace(staged, target)
    return f"installed {source} as {target} (original kept as {backup})"


def restore(target: Path) -> str:
    """Moves ``<target>.orig`` back to ``target``; returns what was done."""
    backup = target.with_name(target.name + ".orig")
    if not backup.exists():
        raise FileNotFoundError(f"nothing to restore: no backup at {backup}")
    os.replace(backup, target)
    return f"restored {target} from {backup}"


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m wasmtime_rr.install_into_wasmtime_py",
        description="Install libwasmtime_rr as wasmtime-py's _libwasmtime.so (backup: _libwasmtime.so.orig).",
    )
    parser.add_argument("--restore", action="store_true", help="put the original library back")
    arguments = parser.parse_args(argv)
    try:
        target = wasmtime_py_library()
        print(restore(target) if arguments.restore else install(Path(lib.path), target))
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
