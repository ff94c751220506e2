"""The native layer: finds and loads ``libwasmtime_rr.so``, declares the C
prototypes, and turns returned ``wasmtime_error_t*`` into exceptions.

Internal. ``lib`` is the loaded library; its attributes are the C functions,
callable directly (with ``None`` for NULL) for tests and advanced use.

Types of this library (config, engine, error, recorder, replayer, trace
callbacks) are declared exactly. Wasmtime's own store-side types (contexts,
modules, linkers, function types, ``wasmtime_func_t``, ``wasmtime_val_t``,
``wasmtime_val_raw_t``, ``wasmtime_extern_t``, ``wasmtime_instance_t``,
``wasmtime_memory_t``, traps, host-function callbacks of both conventions,
``wasi_config_t``) are declared as ``c_void_p``: their
layouts belong to the Wasmtime binding whose objects are passed (wasmtime-py),
which hands over its own pointers, ``byref`` structs and callbacks unchanged.
"""

from __future__ import annotations

import ctypes
import functools
import operator
import os
import struct
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    byref,
    c_bool,
    c_char,
    c_char_p,
    c_int,
    c_int32,
    c_size_t,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Any, Callable, List, Optional, Union

from ._errors import LibraryNotFoundError, WasmtimeRRError, exception_for

LIBRARY_ENV = "WASMTIME_RR_LIBRARY"
"""Environment variable naming the library to load, overriding the search."""

LIBRARY_NAME = "libwasmtime_rr.so"


class wasm_config_t(Structure):
    """Opaque C ``wasm_config_t``."""


class wasm_engine_t(Structure):
    """Opaque C ``wasm_engine_t``."""


class wasmtime_error_t(Structure):
    """Opaque C ``wasmtime_error_t``."""


class wasmtime_rr_recorder_t(Structure):
    """Opaque C ``wasmtime_rr_recorder_t``."""


class wasmtime_rr_replayer_t(Structure):
    """Opaque C ``wasmtime_rr_replayer_t``."""


class wasm_byte_vec_t(Structure):
    """C ``wasm_byte_vec_t`` (also ``wasm_name_t``): ``size`` bytes at ``data``."""

    _fields_ = [("size", c_size_t), ("data", POINTER(c_char))]


ConfigPointer = POINTER(wasm_config_t)
EnginePointer = POINTER(wasm_engine_t)
ErrorPointer = POINTER(wasmtime_error_t)
RecorderPointer = POINTER(wasmtime_rr_recorder_t)
ReplayerPointer = POINTER(wasmtime_rr_replayer_t)
CFunction = Callable[..., Any]

WriteCallback = CFUNCTYPE(c_bool, c_void_p, POINTER(c_uint8), c_size_t)
"""C ``wasmtime_rr_write_callback_t``: ``bool (*)(void *data, const uint8_t *bytes, size_t len)``."""
ReadCallback = CFUNCTYPE(c_size_t, c_void_p, POINTER(c_uint8), c_size_t)
"""C ``wasmtime_rr_read_callback_t``: ``size_t (*)(void *data, uint8_t *buffer, size_t capacity)``."""
Finalizer = CFUNCTYPE(None, c_void_p)
"""C ``void (*finalizer)(void *)``, the finalizer parameter of the callback constructors."""
READ_FAILED = ctypes.c_size_t(-1).value
"""What a read callback returns to report a failure (``SIZE_MAX``)."""

_RR_SYMBOL = "wasmtime_rr_version"
_IDENTITY_SYMBOL = "wasm_config_new"


def provides_rr(handle: ctypes.CDLL) -> bool:
    """Whether a loaded library is libwasmtime_rr (exports ``wasmtime_rr_version``)."""
    try:
        handle[_RR_SYMBOL]
    except AttributeError:
        return False
    return True


class Library:
    """One loaded copy of libwasmtime_rr with every prototype declared.

    Function objects come from ``handle[name]``, which makes new ones: declaring
    them never alters the prototypes another package (wasmtime-py) declared on
    the same handle.
    """

    def __init__(self, handle: ctypes.CDLL) -> None:
        self.handle = handle
        self.path: str = handle._name
        declare = self._declare
        # include/wasmtime_rr.h
        self.wasm_config_record_set = declare("wasm_config_record_set", ErrorPointer, ConfigPointer, c_bool)
        self.wasm_config_replay_set = declare("wasm_config_replay_set", ErrorPointer, ConfigPointer, c_bool)
        self.wasm_config_rr_mode_set = declare("wasm_config_rr_mode_set", ErrorPointer, ConfigPointer, c_uint32)
        self.wasm_config_enforce_determinism = declare("wasm_config_enforce_determinism", ErrorPointer, ConfigPointer)
        self.wasm_config_validate = declare("wasm_config_validate", ErrorPointer, ConfigPointer)
        self.wasm_engine_new_checked = declare(
            "wasm_engine_new_checked", ErrorPointer, ConfigPointer, POINTER(EnginePointer)
        )
        self.wasm_engine_is_recording = declare("wasm_engine_is_recording", ErrorPointer, EnginePointer, POINTER(c_bool))
        self.wasm_engine_is_replaying = declare("wasm_engine_is_replaying", ErrorPointer, EnginePointer, POINTER(c_bool))
        self.wasm_engine_rr_mode = declare("wasm_engine_rr_mode", ErrorPointer, EnginePointer, POINTER(c_uint32))
        self.wasm_engine_nan_canonicalization = declare(
            "wasm_engine_nan_canonicalization", ErrorPointer, EnginePointer, POINTER(c_bool)
        )
        self.wasm_engine_relaxed_simd_deterministic = declare(
            "wasm_engine_relaxed_simd_deterministic", ErrorPointer, EnginePointer, POINTER(c_bool)
        )
        self.wasmtime_rr_error_kind = declare("wasmtime_rr_error_kind", c_uint32, ErrorPointer)
        self.wasmtime_rr_error_kind_name = declare("wasmtime_rr_error_kind_name", c_char_p, c_uint32)
        self.wasmtime_rr_error_new = declare(
            "wasmtime_rr_error_new", ErrorPointer, c_uint32, c_char_p, POINTER(ErrorPointer)
        )
        # include/wasmtime_rr.h: the environment switch (WASMTIME_RR_RECORD / WASMTIME_RR_REPLAY)
        self.wasmtime_rr_env_mode = declare("wasmtime_rr_env_mode", c_uint32)
        self.wasmtime_rr_env_config = declare("wasmtime_rr_env_config", ErrorPointer, ConfigPointer)
        self.wasmtime_rr_env_attach = declare("wasmtime_rr_env_attach", ErrorPointer, c_void_p)
        self.wasmtime_rr_version = declare("wasmtime_rr_version", c_char_p)
        self.wasmtime_rr_compiled_in = declare("wasmtime_rr_compiled_in", c_bool)
        # include/wasmtime_rr.h: recorders, replayers, sessions
        self.wasmtime_rr_recorder_new_file = declare(
            "wasmtime_rr_recorder_new_file", ErrorPointer, c_char_p, POINTER(RecorderPointer)
        )
        self.wasmtime_rr_recorder_new_callback = declare(
            "wasmtime_rr_recorder_new_callback",
            ErrorPointer,
            WriteCallback,
            c_void_p,
            Finalizer,
            POINTER(RecorderPointer),
        )
        self.wasmtime_rr_recorder_validation_set = declare(
            "wasmtime_rr_recorder_validation_set", ErrorPointer, RecorderPointer, c_bool
        )
        self.wasmtime_rr_recorder_event_window_set = declare(
            "wasmtime_rr_recorder_event_window_set", ErrorPointer, RecorderPointer, c_uint32
        )
        self.wasmtime_rr_recorder_memory_digest_set = declare(
            "wasmtime_rr_recorder_memory_digest_set", ErrorPointer, RecorderPointer, c_bool
        )
        self.wasmtime_rr_recorder_flush_bytes_set = declare(
            "wasmtime_rr_recorder_flush_bytes_set", ErrorPointer, RecorderPointer, c_size_t
        )
        self.wasmtime_rr_recorder_compression_set = declare(
            "wasmtime_rr_recorder_compression_set", ErrorPointer, RecorderPointer, c_int32
        )
        self.wasmtime_rr_recorder_shadow_memory_set = declare(
            "wasmtime_rr_recorder_shadow_memory_set", ErrorPointer, RecorderPointer, c_bool
        )
        self.wasmtime_rr_recorder_delete = declare("wasmtime_rr_recorder_delete", None, RecorderPointer)
        self.wasmtime_rr_replayer_new_file = declare(
            "wasmtime_rr_replayer_new_file", ErrorPointer, c_char_p, POINTER(ReplayerPointer)
        )
        self.wasmtime_rr_replayer_new_bytes = declare(
            "wasmtime_rr_replayer_new_bytes", ErrorPointer, c_char_p, c_size_t, POINTER(ReplayerPointer)
        )
        self.wasmtime_rr_replayer_new_callback = declare(
            "wasmtime_rr_replayer_new_callback",
            ErrorPointer,
            ReadCallback,
            c_void_p,
            Finalizer,
            POINTER(ReplayerPointer),
        )
        self.wasmtime_rr_replayer_echo_set = declare(
            "wasmtime_rr_replayer_echo_set", ErrorPointer, ReplayerPointer, c_bool
        )
        self.wasmtime_rr_replayer_delete = declare("wasmtime_rr_replayer_delete", None, ReplayerPointer)
        self.wasmtime_rr_store_record = declare("wasmtime_rr_store_record", ErrorPointer, c_void_p, RecorderPointer)
        self.wasmtime_rr_store_replay = declare("wasmtime_rr_store_replay", ErrorPointer, c_void_p, ReplayerPointer)
        self.wasmtime_rr_store_flush = declare("wasmtime_rr_store_flush", ErrorPointer, c_void_p)
        self.wasmtime_rr_store_finish = declare("wasmtime_rr_store_finish", ErrorPointer, c_void_p)
        # include/wasmtime_rr.h: the RR-aware variants of Wasmtime C API functions
        self.wasmtime_rr_module_new = declare(
            "wasmtime_rr_module_new", ErrorPointer, EnginePointer, c_char_p, c_size_t, c_void_p
        )
        self.wasmtime_rr_module_delete = declare("wasmtime_rr_module_delete", None, c_void_p)
        self.wasmtime_rr_func_new = declare(
            "wasmtime_rr_func_new", ErrorPointer, c_void_p, c_void_p, c_void_p, c_void_p, Finalizer, c_void_p
        )
        self.wasmtime_rr_linker_define_func = declare(
            "wasmtime_rr_linker_define_func",
            ErrorPointer,
            c_void_p,
            c_char_p,
            c_size_t,
            c_char_p,
            c_size_t,
            c_void_p,
            c_void_p,
            c_void_p,
            Finalizer,
        )
        self.wasmtime_rr_instance_new = declare(
            "wasmtime_rr_instance_new", ErrorPointer, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_void_p
        )
        self.wasmtime_rr_linker_instantiate = declare(
            "wasmtime_rr_linker_instantiate", ErrorPointer, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p
        )
        self.wasmtime_rr_func_call = declare(
            "wasmtime_rr_func_call",
            ErrorPointer,
            c_void_p,
            c_void_p,
            c_void_p,
            c_size_t,
            c_void_p,
            c_size_t,
            c_void_p,
        )
        self.wasmtime_rr_func_new_unchecked = declare(
            "wasmtime_rr_func_new_unchecked", ErrorPointer, c_void_p, c_void_p, c_void_p, c_void_p, Finalizer, c_void_p
        )
        self.wasmtime_rr_linker_define_func_unchecked = declare(
            "wasmtime_rr_linker_define_func_unchecked",
            ErrorPointer,
            c_void_p,
            c_char_p,
            c_size_t,
            c_char_p,
            c_size_t,
            c_void_p,
            c_void_p,
            c_void_p,
            Finalizer,
        )
        self.wasmtime_rr_func_call_unchecked = declare(
            "wasmtime_rr_func_call_unchecked", ErrorPointer, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p
        )
        self.wasmtime_rr_memory_data = declare(
            "wasmtime_rr_memory_data", ErrorPointer, c_void_p, c_void_p, POINTER(c_void_p)
        )
        self.wasmtime_rr_memory_write = declare(
            "wasmtime_rr_memory_write", ErrorPointer, c_void_p, c_void_p, c_uint64, c_char_p, c_size_t
        )
        # include/wasmtime_rr.h: components
        self.wasmtime_rr_component_new = declare(
            "wasmtime_rr_component_new", ErrorPointer, EnginePointer, c_char_p, c_size_t, c_void_p
        )
        self.wasmtime_rr_component_delete = declare("wasmtime_rr_component_delete", None, c_void_p)
        self.wasmtime_rr_component_linker_instantiate = declare(
            "wasmtime_rr_component_linker_instantiate", ErrorPointer, c_void_p, c_void_p, c_void_p, c_void_p
        )
        self.wasmtime_rr_component_linker_instance_add_func = declare(
            "wasmtime_rr_component_linker_instance_add_func",
            ErrorPointer,
            c_void_p,
            c_char_p,
            c_size_t,
            c_void_p,
            c_void_p,
            Finalizer,
        )
        self.wasmtime_rr_component_linker_instance_add_resource = declare(
            "wasmtime_rr_component_linker_instance_add_resource",
            ErrorPointer,
            c_void_p,
            c_char_p,
            c_size_t,
            c_void_p,
            c_void_p,
            c_void_p,
            Finalizer,
        )
        self.wasmtime_rr_component_linker_add_wasip2 = declare(
            "wasmtime_rr_component_linker_add_wasip2", ErrorPointer, c_void_p
        )
        self.wasmtime_rr_component_func_call = declare(
            "wasmtime_rr_component_func_call", ErrorPointer, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t
        )
        # include/wasmtime_rr.h: WASI preview 1 (RR-aware definitions and context, deterministic sources)
        self.wasmtime_rr_linker_define_wasi = declare("wasmtime_rr_linker_define_wasi", ErrorPointer, c_void_p)
        self.wasmtime_rr_context_set_wasi = declare("wasmtime_rr_context_set_wasi", ErrorPointer, c_void_p, c_void_p)
        self.wasi_config_random_seed_set = declare("wasi_config_random_seed_set", ErrorPointer, c_void_p, c_uint64)
        self.wasi_config_wall_clock_set = declare(
            "wasi_config_wall_clock_set", ErrorPointer, c_void_p, c_uint64, c_uint64
        )
        self.wasi_config_monotonic_clock_set = declare(
            "wasi_config_monotonic_clock_set", ErrorPointer, c_void_p, c_uint64, c_uint64
        )
        # Wasmtime's own C API (wasm.h, wasmtime/config.h, wasmtime/error.h)
        self.wasm_config_new = declare("wasm_config_new", ConfigPointer)
        self.wasm_config_delete = declare("wasm_config_delete", None, ConfigPointer)
        self.wasm_engine_delete = declare("wasm_engine_delete", None, EnginePointer)
        self.wasmtime_error_message = declare("wasmtime_error_message", None, ErrorPointer, POINTER(wasm_byte_vec_t))
        self.wasmtime_error_delete = declare("wasmtime_error_delete", None, ErrorPointer)
        self.wasmtime_error_exit_status = declare("wasmtime_error_exit_status", c_bool, ErrorPointer, POINTER(c_int))
        self.wasm_byte_vec_delete = declare("wasm_byte_vec_delete", None, POINTER(wasm_byte_vec_t))
        self.wasmtime_config_cranelift_nan_canonicalization_set = declare(
            "wasmtime_config_cranelift_nan_canonicalization_set", None, ConfigPointer, c_bool
        )
        self.wasmtime_config_wasm_relaxed_simd_deterministic_set = declare(
            "wasmtime_config_wasm_relaxed_simd_deterministic_set", None, ConfigPointer, c_bool
        )
        self.wasmtime_config_wasm_relaxed_simd_set = declare(
            "wasmtime_config_wasm_relaxed_simd_set", None, ConfigPointer, c_bool
        )

    def _declare(self, name: str, restype: Any, *argtypes: Any) -> CFunction:
        function = self.handle[name]
        function.restype = restype
        function.argtypes = argtypes
        return function

    def same_copy(self, handle: ctypes.CDLL) -> bool:
        """Whether ``handle`` is this very loaded copy of the library (the same
        symbol resolves to the same address), so objects can be shared."""
        return _symbol_address(self.handle) == _symbol_address(handle)

    def take_error(self, error: Any) -> WasmtimeRRError:
        """Turns a non-NULL ``wasmtime_error_t*`` into its exception and frees
        the error (and its message) exactly once."""
        try:
            kind = self.wasmtime_rr_error_kind(error)
            message = wasm_byte_vec_t()
            self.wasmtime_error_message(error, byref(message))
            try:
                text = ctypes.string_at(message.data, message.size).decode("utf-8", "replace")
            finally:
                self.wasm_byte_vec_delete(byref(message))
        finally:
            self.wasmtime_error_delete(error)
        return exception_for(kind, text)

    def check(self, error: Any) -> None:
        """Raises (and frees) ``error`` when it is not NULL."""
        if error:
            raise self.take_error(error)

    def call(self, function: CFunction, *args: Any) -> None:
        """Calls a C function returning ``wasmtime_error_t*``; raises its error."""
        self.check(function(*args))

    def query(self, function: CFunction, pointer: Any, out_type: Any) -> Any:
        """Calls ``function(pointer, &out)`` (an out-parameter query returning
        ``wasmtime_error_t*``) and returns ``out``'s value; raises its error."""
        out = out_type()
        self.call(function, pointer, byref(out))
        return out.value


def _symbol_address(handle: ctypes.CDLL) -> Optional[int]:
    return ctypes.cast(handle[_IDENTITY_SYMBOL], c_void_p).value


@functools.lru_cache(maxsize=None)
def library_for(handle: ctypes.CDLL) -> Library:
    """The :class:`Library` declared on ``handle`` (made once per handle)."""
    return Library(handle)


def as_bool(value: object, name: str) -> bool:
    """``value`` as a C ``bool``; only ``True`` and ``False`` are accepted."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _as_unsigned(value: int, name: str, bits: int, c_type: Optional[str] = None) -> int:
    number = operator.index(value)
    if not 0 <= number < 1 << bits:
        raise OverflowError(f"{name} {number} does not fit in a C {c_type or f'uint{bits}_t'}")
    return number


def as_uint32(value: int, name: str) -> int:
    """``value`` as a C ``uint32_t``: any integer the type can hold is passed
    through (the library judges it); others raise ``OverflowError``."""
    return _as_unsigned(value, name, 32)


def as_uint64(value: int, name: str) -> int:
    """``value`` as a C ``uint64_t``, like :func:`as_uint32`."""
    return _as_unsigned(value, name, 64)


def as_size_t(value: int, name: str) -> int:
    """``value`` as a C ``size_t``, like :func:`as_uint32`."""
    return _as_unsigned(value, name, 8 * ctypes.sizeof(c_size_t), "size_t")


def as_c_string(value: Union[str, bytes], name: str) -> bytes:
    """``value`` as a NUL-terminated C string: ``str`` is encoded as UTF-8,
    ``bytes`` is passed as is (the library checks its UTF-8)."""
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif isinstance(value, bytes):
        data = value
    else:
        raise TypeError(f"{name} must be str or bytes, not {type(value).__name__}")
    if b"\0" in data:
        raise ValueError(f"{name} contains a NUL character, which a C string cannot hold")
    return data


def search_paths(package_dir: Path) -> List[Path]:
    """Where the library is looked for when ``WASMTIME_RR_LIBRARY`` is not set,
    in order: next to the package (``libwasmtime_rr.so``, then a versioned
    ``libwasmtime_rr.so.*``, as a wheel carries it), then ``target/release`` and
    ``target/debug`` of the package directory and each of its parents."""
    # A wheel carries the library under its SONAME (libwasmtime_rr.so.0.1),
    # the name the preload library beside it needs.
    paths = [package_dir / LIBRARY_NAME, *sorted(package_dir.glob(LIBRARY_NAME + ".*"))]
    for directory in (package_dir, *package_dir.parents):
        paths += [directory / "target" / profile / LIBRARY_NAME for profile in ("release", "debug")]
    return paths


def find_library(package_dir: Path) -> Path:
    """The library file to load, or :class:`LibraryNotFoundError` naming every
    place looked.

    A set ``WASMTIME_RR_LIBRARY`` is authoritative: when it names no file the
    search stops with an error instead of silently loading another copy.
    """
    explicit = os.environ.get(LIBRARY_ENV)
    if explicit:
        path = Path(os.path.abspath(explicit))
        if path.is_file():
            return path
        raise LibraryNotFoundError(
            f"{LIBRARY_NAME} not found: {LIBRARY_ENV} is set to {explicit!r}, which is not a file "
            f"(looked at {path}). Point it at libwasmtime_rr.so or unset it to search the default places."
        )
    paths = search_paths(package_dir)
    for path in paths:
        if path.is_file():
            return path
    looked = "\n".join(f"  {path}" for path in paths)
    raise LibraryNotFoundError(
        f"{LIBRARY_NAME} not found. Looked in, in order:\n  ${LIBRARY_ENV} (not set)\n{looked}\n"
        f"Build it (cargo build --release) or set {LIBRARY_ENV} to its path."
    )


_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_STRTAB, _DT_SONAME = 0, 5, 14


def soname(library: Union[str, Path]) -> str:
    """The ``DT_SONAME`` of a 64-bit little-endian ELF shared library
    (``libwasmtime_rr.so.0.1``), read from its dynamic segment; ``OSError``
    for a file that is no such library or has no SONAME."""
    data = Path(library).read_bytes()
    if data[:4] != b"\x7fELF" or len(data) < 64 or data[4] != 2 or data[5] != 1:
        raise OSError(f"{library} is not a 64-bit little-endian ELF file")
    try:
        (phoff,) = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        segments = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]
        dynamic = next((s for s in segments if s[0] == _PT_DYNAMIC), None)
        strtab = name = None
        for position in range(dynamic[2], dynamic[2] + dynamic[5], 16) if dynamic else ():
            tag, value = struct.unpack_from("<qQ", data, position)
            if tag == _DT_NULL:
                break
            if tag == _DT_STRTAB:
                strtab = value
            elif tag == _DT_SONAME:
                name = value
        if strtab is None or name is None:
            raise OSError(f"{library} has no SONAME")
        for kind, _, offset, vaddr, _, filesz, _, _ in segments:  # the string table's file offset
            if kind == _PT_LOAD and vaddr <= strtab < vaddr + filesz:
                start = strtab - vaddr + offset + name
                return data[start : data.index(b"\0", start)].decode("ascii")
    except (struct.error, ValueError, UnicodeDecodeError) as error:
        raise OSError(f"{library}: malformed ELF file ({error})") from None
    raise OSError(f"{library}: its string table is in no loaded segment")


class _DlInfo(Structure):
    _fields_ = [("dli_fname", c_char_p), ("dli_fbase", c_void_p), ("dli_sname", c_char_p), ("dli_saddr", c_void_p)]


def loaded_copy(path: Path) -> Optional[Path]:
    """The file of a libwasmtime_rr already loaded in this process with the
    SONAME of ``path`` (loaded by wasmtime-py: its ``_libwasmtime.so``, the
    preload library, needs libwasmtime_rr by SONAME), or ``None``."""
    try:
        name = soname(path)
        handle = ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        address = ctypes.cast(handle[_RR_SYMBOL], c_void_p)
        info = _DlInfo()
        if not ctypes.CDLL(None).dladdr(address, byref(info)) or not info.dli_fname:
            return None
    except (OSError, AttributeError):
        return None
    return Path(os.fsdecode(info.dli_fname))


def load(package_dir: Path) -> Library:
    """Finds, loads and declares the library (see :func:`find_library`).

    Without ``WASMTIME_RR_LIBRARY``, a library with the found file's SONAME
    that is already loaded (by wasmtime-py running the preload library) is
    used instead of the file, so the process holds one copy."""
    path = find_library(package_dir)
    if not os.environ.get(LIBRARY_ENV):
        path = loaded_copy(path) or path
    try:
        handle = ctypes.CDLL(str(path))
    except OSError as error:
        raise LibraryNotFoundError(f"{path} could not be loaded: {error}") from error
    if not provides_rr(handle):
        raise LibraryNotFoundError(
            f"{path} is not libwasmtime_rr: it lacks {_RR_SYMBOL} (is it the official libwasmtime?)"
        )
    return library_for(handle)


lib = load(Path(__file__).resolve().parent)
"""The library this package loaded."""
