"""Hatchling build hook: a wheel of this package carries libwasmtime_rr.so
and the preload library libwasmtime_rr_preload.so.

The wheel target (``pip wheel bindings/python``, ``python -m build --wheel
bindings/python``) puts the library at ``wasmtime_rr/libwasmtime_rr.so.0.1``
(its SONAME, which the preload library needs), where the package looks first
(``_native.search_paths``), and the preload
library beside it (``wasmtime_rr/libwasmtime_rr_preload.so``, which
``python -m wasmtime_rr.install_into_wasmtime_py`` installs as wasmtime-py's
``_libwasmtime.so``), and tags the wheel for the library's platform instead
of ``py3-none-any``:

- ``py3``, ``none``: the package is pure ctypes, so any Python 3 (the
  ``requires-python`` range) with any ABI can load it.
- ``manylinux_X_Y_<arch>``: the architecture of the ELF file, and the newest
  ``GLIBC_X.Y`` symbol version the library needs (the lowest glibc that can
  load it), read from its ``.gnu.version_r`` section. A library that needs no
  glibc symbol version is tagged ``linux_<arch>``. ``auditwheel show`` confirms
  the tag (``bindings/python/test-wheel.sh``): it also checks that every
  shared library the file needs is one manylinux allows.

The library is ``$WASMTIME_RR_LIBRARY`` (an absolute path) when set, else
``../../target/release/libwasmtime_rr.so`` of this project directory: the
repository's build output (``cargo build --release``, which builds the
preload library beside it). The preload library is the one beside the
library. Building a wheel without either is an error, never a wheel without
them. Editable installs
and the sdist carry no library: an editable install finds the build output
in ``target/``.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any, BinaryIO, Dict, Optional, Tuple

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LIBRARY_ENV = "WASMTIME_RR_LIBRARY"
LIBRARY_NAME = "libwasmtime_rr.so"
PRELOAD_NAME = "libwasmtime_rr_preload.so"

_ELF_MACHINES = {62: "x86_64", 183: "aarch64"}  # the architectures Wasmtime and wasmtime-py ship for Linux
_SHT_GNU_VERNEED = 0x6FFFFFFE
_SHN_LORESERVE = 0xFF00


class WasmtimeRRBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: Dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        library = self._library()
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag(library)}"
        # Under its SONAME (libwasmtime_rr.so.0.1): the preload library's
        # NEEDED entry, found beside it through its RUNPATH $ORIGIN (and so by
        # auditwheel); the package finds that name too.
        build_data["force_include"][str(library)] = f"wasmtime_rr/{soname(library)}"
        build_data["force_include"][str(self._preload(library))] = f"wasmtime_rr/{PRELOAD_NAME}"

    def _preload(self, library: Path) -> Path:
        preload = library.with_name(PRELOAD_NAME)
        if not preload.is_file():
            raise RuntimeError(
                f"a wheel of wasmtime-rr carries {PRELOAD_NAME} beside {LIBRARY_NAME}, but {preload} is not a "
                f"file: cargo build --release builds both into target/release"
            )
        return preload.resolve()

    def _library(self) -> Path:
        explicit = os.environ.get(LIBRARY_ENV)
        if explicit:
            path = Path(explicit)
            if not path.is_absolute():
                # The build backend runs in the project directory, not where
                # the command was typed: a relative path would mislead.
                raise RuntimeError(f"{LIBRARY_ENV}={explicit!r}: give an absolute path to build a wheel")
            where = f"{LIBRARY_ENV} names {path}"
        else:
            path = Path(self.root).resolve().parents[1] / "target" / "release" / LIBRARY_NAME
            where = f"{LIBRARY_ENV} is not set, and the repository's build output {path}"
        if not path.is_file():
            raise RuntimeError(
                f"a wheel of wasmtime-rr carries {LIBRARY_NAME}, but {where} is not a file: "
                f"build it (cargo build --release) or set {LIBRARY_ENV} to its absolute path"
            )
        return path.resolve()


def soname(library: Path) -> str:
    """The ``DT_SONAME`` of a 64-bit little-endian ELF shared library."""
    data = library.read_bytes()
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]
    dynamic = [s for s in segments if s[0] == 2]  # PT_DYNAMIC
    tags = {}
    for position in range(dynamic[0][2], dynamic[0][2] + dynamic[0][5], 16) if dynamic else ():
        tag, value = struct.unpack_from("<qQ", data, position)
        if tag == 0:  # DT_NULL
            break
        tags.setdefault(tag, value)
    if 5 not in tags or 14 not in tags:  # DT_STRTAB, DT_SONAME
        raise RuntimeError(f"{library} has no SONAME")
    for kind, _, offset, vaddr, _, filesz, _, _ in segments:
        if kind == 1 and vaddr <= tags[5] < vaddr + filesz:  # PT_LOAD holding the string table
            start = tags[5] - vaddr + offset + tags[14]
            return data[start : data.index(b"\0", start)].decode("ascii")
    raise RuntimeError(f"{library}: its string table is in no loaded segment")


def platform_tag(library: Path) -> str:
    """The wheel platform tag of an ELF shared library: ``manylinux_X_Y_ARCH``
    for the newest ``GLIBC_X.Y`` it needs, ``linux_ARCH`` when it needs none."""
    with open(library, "rb") as file:
        arch, glibc = _elf_requirements(file, library)
    if glibc is None:
        return f"linux_{arch}"
    return f"manylinux_{glibc[0]}_{glibc[1]}_{arch}"


def _elf_requirements(file: BinaryIO, name: Path) -> Tuple[str, Optional[Tuple[int, int]]]:
    """(architecture, newest ``GLIBC_X.Y`` version needed or None) of an ELF file."""
    ident = file.read(64)
    if len(ident) < 64 or ident[:4] != b"\x7fELF":
        raise RuntimeError(f"{name} is not an ELF file")
    if ident[4] != 2 or ident[5] != 1:
        raise RuntimeError(f"{name} is not a 64-bit little-endian ELF file")
    order = "<"
    (machine,) = struct.unpack_from(order + "H", ident, 18)
    (section_offset,) = struct.unpack_from(order + "Q", ident, 0x28)
    section_size, section_count = struct.unpack_from(order + "HH", ident, 0x3A)
    if machine not in _ELF_MACHINES:
        raise RuntimeError(f"{name}: ELF machine {machine} is none of x86-64 and aarch64")
    section_format = order + "IIQQQQIIQQ"

    def section(index: int) -> Tuple[int, ...]:
        file.seek(section_offset + index * section_size)
        return struct.unpack(section_format, file.read(struct.calcsize(section_format)))

    def read(offset: int, size: int) -> bytes:
        file.seek(offset)
        return file.read(size)

    if section_count == 0 and section_offset:
        section_count = section(0)[5]  # more than SHN_LORESERVE sections: the count is in section 0
    newest: Optional[Tuple[int, int]] = None
    for index in range(section_count):
        _, kind, _, _, offset, size, link, count, _, _ = section(index)
        if kind != _SHT_GNU_VERNEED or link >= _SHN_LORESERVE:
            continue
        needs = read(offset, size)
        strings_offset, strings_size = section(link)[4:6]
        strings = read(strings_offset, strings_size)
        entry = 0
        for _ in range(count):  # Elf64_Verneed entries, each with its Elf64_Vernaux list
            _, aux_count, _, aux, next_entry = struct.unpack_from(order + "HHIII", needs, entry)
            position = entry + aux
            for _ in range(aux_count):
                _, _, _, name_offset, next_aux = struct.unpack_from(order + "IHHII", needs, position)
                version = strings[name_offset : strings.index(b"\0", name_offset)].decode("ascii", "replace")
                if version.startswith("GLIBC_") and version[6:].replace(".", "").isdigit():
                    numbers = tuple(int(part) for part in version[6:].split("."))
                    if len(numbers) >= 2 and (newest is None or numbers[:2] > newest):
                        newest = (numbers[0], numbers[1])
                position += next_aux
            if not next_entry:
                break
            entry += next_entry
    return _ELF_MACHINES[machine], newest
