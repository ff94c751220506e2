"""Error kinds, their exception classes, error_kind_name and make_error."""

from __future__ import annotations

import traceback
from typing import Type

import pytest
from conftest import header_constants

import wasmtime_rr
from wasmtime_rr import (
    DivergenceError,
    ErrorKind,
    InvalidArgumentError,
    InvalidConfigError,
    LibraryMismatchError,
    LibraryNotFoundError,
    ModuleMismatchError,
    NullArgumentError,
    PanicError,
    TraceFormatError,
    TraceIoError,
    UnsupportedError,
    WasmtimeError,
    WasmtimeRRError,
    error_kind_name,
    make_error,
)

CLASSES = {
    ErrorKind.WASMTIME: WasmtimeError,
    ErrorKind.NULL_ARGUMENT: NullArgumentError,
    ErrorKind.INVALID_ARGUMENT: InvalidArgumentError,
    ErrorKind.UNSUPPORTED: UnsupportedError,
    ErrorKind.INVALID_CONFIG: InvalidConfigError,
    ErrorKind.PANIC: PanicError,
    ErrorKind.TRACE_IO: TraceIoError,
    ErrorKind.TRACE_FORMAT: TraceFormatError,
    ErrorKind.DIVERGENCE: DivergenceError,
    ErrorKind.MODULE_MISMATCH: ModuleMismatchError,
}
CREATABLE = [kind for kind in CLASSES if kind is not ErrorKind.WASMTIME]


def test_error_kinds_are_the_headers() -> None:
    assert {kind.name: kind.value for kind in ErrorKind} == header_constants("WASMTIME_RR_ERROR_KIND_")
    assert [kind.value for kind in ErrorKind] == list(range(11))


def test_every_kind_but_none_has_its_class() -> None:
    assert set(CLASSES) == set(ErrorKind) - {ErrorKind.NONE}
    assert all(cls.__name__.endswith("Error") for cls in CLASSES.values())
    assert all(cls in vars(wasmtime_rr).values() and cls.__name__ in wasmtime_rr.__all__ for cls in CLASSES.values())


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_error_kind_name_is_the_librarys(kind: ErrorKind) -> None:
    assert error_kind_name(kind) == kind.name.lower()


def test_error_kind_name_of_an_unknown_value_is_unknown() -> None:
    assert error_kind_name(1000) == "unknown"
    assert error_kind_name(0xFFFFFFFF) == "unknown"


def test_error_kind_name_rejects_values_c_cannot_hold() -> None:
    with pytest.raises(OverflowError, match="^kind 4294967296 does not fit in a C uint32_t$"):
        error_kind_name(2**32)


@pytest.mark.parametrize("kind", CREATABLE, ids=[kind.name for kind in CREATABLE])
def test_make_error_returns_the_exception_of_each_creatable_kind(kind: ErrorKind) -> None:
    error = make_error(kind, f"a {kind.name} error")
    assert type(error) is CLASSES[kind]
    assert isinstance(error, WasmtimeRRError)
    assert error.kind is kind
    assert error.message == str(error) == f"a {kind.name} error"


def test_make_error_accepts_an_int_kind_and_bytes() -> None:
    error = make_error(6, b"as bytes")
    assert type(error) is PanicError
    assert str(error) == "as bytes"


def test_make_error_keeps_a_unicode_message_exactly() -> None:
    assert str(make_error(ErrorKind.UNSUPPORTED, "déjà vu ✓ 🦀")) == "déjà vu ✓ 🦀"
    assert str(make_error(ErrorKind.UNSUPPORTED, "")) == ""


@pytest.mark.parametrize("kind, name", [(0, "none"), (1, "wasmtime"), (11, "unknown"), (1000, "unknown")])
def test_make_error_of_a_kind_that_cannot_be_made_raises_the_creation_error(kind: int, name: str) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        make_error(kind, "x")
    assert raised.value.kind is ErrorKind.INVALID_ARGUMENT
    # The range's upper end is the header's newest kind.
    newest = max(header_constants("WASMTIME_RR_ERROR_KIND_").items(), key=lambda item: item[1])[0]
    assert newest == "MODULE_MISMATCH"
    assert str(raised.value) == (
        f"wasmtime_rr_error_new: error kind {kind} ({name}) cannot be created; "
        f"use one of WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT .. WASMTIME_RR_ERROR_KIND_{newest}"
    )


def test_make_error_with_invalid_utf8_is_an_invalid_argument_error() -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        make_error(ErrorKind.PANIC, b"ok\xff")
    assert str(raised.value) == (
        "wasmtime_rr_error_new: argument `message` is not valid UTF-8 (invalid byte at offset 2)"
    )


def test_make_error_rejects_a_message_c_cannot_hold() -> None:
    with pytest.raises(ValueError, match="NUL"):
        make_error(ErrorKind.PANIC, "a\0b")


@pytest.mark.parametrize("cls", list(CLASSES.values()))
def test_every_kind_class_derives_from_the_base(cls: Type[WasmtimeRRError]) -> None:
    assert issubclass(cls, WasmtimeRRError) and issubclass(cls, Exception)


def test_environment_errors_are_not_library_errors() -> None:
    assert issubclass(LibraryNotFoundError, ImportError)
    assert issubclass(LibraryMismatchError, RuntimeError)
    assert not issubclass(LibraryMismatchError, WasmtimeRRError)


def test_a_raised_error_reads_as_its_class_and_message() -> None:
    config = wasmtime_rr.Config()
    config.record(True)
    config.cranelift_nan_canonicalization(False)
    with pytest.raises(InvalidConfigError) as raised:
        config.validate()
    assert traceback.format_exception_only(raised.type, raised.value) == [
        "wasmtime_rr._errors.InvalidConfigError: "
        "NaN canonicalization cannot be disabled when determinism is enforced\n"
    ]
