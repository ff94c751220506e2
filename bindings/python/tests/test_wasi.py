"""WASI preview 1 under record/replay, with the real guests of
tests/guests/wasi (C and Go, built by build.sh): a guest recorded with its
files, stdin, clocks and random source is replayed with none of them and
prints the same output (echoed) and exits the same way; another build,
other arguments or environment, and a tampered trace are errors of their
kind. Deterministic WASI without a trace (seeded random source, virtual
clocks), and misuse: wrong objects, NULL, closed or consumed configs, integer
ranges, and the ownership of a ``wasmtime.WasiConfig`` given to ``set_wasi``."""

from __future__ import annotations

import collections
import hashlib
import importlib.util
import shutil
from pathlib import Path
from typing import Any, Callable, Counter, Dict, List, NamedTuple, Optional

import pytest
import wasmtime
from conftest import LIBRARY, REPO, run_python
from test_record_replay import first_event_offset
from test_wasmtime_py import fake_wasmtime_package

from wasmtime_rr import (
    DivergenceError,
    InvalidArgumentError,
    Mode,
    ModuleMismatchError,
    NullArgumentError,
    TraceFormatError,
    WasmtimeError,
    wasmtime_py as rr,
)
from wasmtime_rr._native import LIBRARY_ENV

GUESTS = ["guest-c", "guest-go"]
ARGV = ["guest", "alpha", "beta"]
ENV = [("GUEST_NAME", "rr")]
STDIN = "line one\nline two\n"
FILES = {"input.txt": "hello file\n", "notes.md": "# notes\n", "empty.bin": ""}
STDERR = b"guest: done, exiting with 7\n"


def _reference_checker() -> Callable[..., List[str]]:
    """``check_report`` of tests/guests/wasi/run_with_wasmtime_py.py: the
    project's own check of a guest's report for given inputs."""
    path = REPO / "tests" / "guests" / "wasi" / "run_with_wasmtime_py.py"
    spec = importlib.util.spec_from_file_location("run_with_wasmtime_py", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check_report  # type: ignore[no-any-return]


check_report = _reference_checker()


def rr_engine(mode: Mode) -> wasmtime.Engine:
    config = wasmtime.Config()
    rr.set_mode(config, mode)
    rr.enforce_determinism(config)
    return rr.new_engine(config)


def run_start(store: wasmtime.Store, instance: wasmtime.Instance) -> int:
    """Calls the guest's ``_start`` through ``rr.call``: its exit code (the
    guests always exit through ``proc_exit``, a ``wasmtime.ExitTrap``)."""
    start = instance.exports(store)["_start"]
    assert isinstance(start, wasmtime.Func)
    try:
        rr.call(store, start)
    except wasmtime.ExitTrap as exited:
        return exited.code
    raise AssertionError("the guest returned from _start instead of exiting")


def make_inputs(folder: Path) -> Dict[str, Path]:
    """The guest's inputs: the folder preopened as /data and the stdin file."""
    data = folder / "data"
    data.mkdir()
    for name, content in FILES.items():
        (data / name).write_text(content)
    stdin = folder / "stdin.txt"
    stdin.write_text(STDIN)
    return {"data": data, "stdin": stdin}


class Recording(NamedTuple):
    guest: str
    wasm: bytes
    trace: Path
    code: int
    stdout: bytes
    stderr: bytes
    problems: List[str]
    """What check_report found wrong in the recorded report (empty: none)."""
    inputs: Dict[str, Path]
    """The data folder and stdin file, deleted once recorded."""


def record_guest(wasm_path: Path, folder: Path) -> Recording:
    """Records one run of a guest with every kind of input, its stdout and
    stderr going to files; then deletes its inputs."""
    inputs = make_inputs(folder)
    trace = folder / "trace.wrr"
    engine = rr_engine(Mode.RECORDING)
    linker = wasmtime.Linker(engine)
    rr.define_wasi(linker)
    store = wasmtime.Store(engine)
    rr.record(store, rr.Recorder(trace))
    wasi = wasmtime.WasiConfig()
    wasi.argv = ARGV
    wasi.env = ENV
    wasi.stdin_file = inputs["stdin"]
    wasi.stdout_file = str(folder / "stdout")
    wasi.stderr_file = str(folder / "stderr")
    wasi.preopen_dir(str(inputs["data"]), "/data")
    rr.set_wasi(store, wasi)
    wasm = wasm_path.read_bytes()
    with rr.module_new(engine, wasm) as module:
        code = run_start(store, rr.linker_instantiate(linker, store, module))
    rr.finish(store)
    stdout, stderr = (folder / "stdout").read_bytes(), (folder / "stderr").read_bytes()
    problems = check_report(
        stdout.decode(), stderr.decode(), code, ARGV[1:], dict(ENV)["GUEST_NAME"], STDIN, str(inputs["data"])
    )
    shutil.rmtree(inputs["data"])
    inputs["stdin"].unlink()
    return Recording(wasm_path.stem, wasm, trace, code, stdout, stderr, problems, inputs)


@pytest.fixture(scope="module")
def recordings(wasi_guests: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Recording]:
    """One recording per guest, made on first use and shared by the tests."""
    made: Dict[str, Recording] = {}

    def recording(guest: str) -> Recording:
        if guest not in made:
            made[guest] = record_guest(wasi_guests / f"{guest}.wasm", tmp_path_factory.mktemp(guest))
        return made[guest]

    return recording


def replay_guest(
    wasm: bytes, *, path: Optional[Path] = None, data: Optional[bytes] = None, echo: bool = True, wasi: Any = None
) -> int:
    """Replays a recording in a fresh replaying engine and store, with no
    WASI context unless ``wasi`` is given; returns the replayed exit code."""
    engine = rr_engine(Mode.REPLAYING)
    linker = wasmtime.Linker(engine)
    rr.define_wasi(linker)
    store = wasmtime.Store(engine)
    rr.replay(store, rr.Replayer(path, data=data, echo=echo))
    if wasi is not None:
        rr.set_wasi(store, wasi)
    with rr.module_new(engine, wasm) as module:
        code = run_start(store, rr.linker_instantiate(linker, store, module))
    rr.finish(store)
    return code


def args_and_env(argv: List[str] = ARGV, env: Any = ENV) -> wasmtime.WasiConfig:
    """A WASI config with arguments and environment only: no stdin, no files."""
    wasi = wasmtime.WasiConfig()
    wasi.argv = argv
    wasi.env = env
    return wasi


# Record and replay.


@pytest.mark.parametrize("guest", GUESTS)
def test_the_recording_runs_the_guest_for_real(guest: str, recordings: Callable[[str], Recording]) -> None:
    recording = recordings(guest)
    assert recording.problems == []
    assert recording.code == 7
    assert recording.stderr == STDERR
    assert b"args: alpha beta\nenv: rr\n" in recording.stdout
    assert b"stdin: line one\\nline two\\n\nfile: hello file\\n\n" in recording.stdout
    assert recording.trace.stat().st_size > 0


@pytest.mark.parametrize("guest", GUESTS)
def test_a_replay_gives_the_recorded_output_and_exit_without_any_input(
    guest: str, recordings: Callable[[str], Recording], capfdbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    recording = recordings(guest)
    assert not recording.inputs["data"].exists() and not recording.inputs["stdin"].exists()
    # The second replay's store has a WASI context with the recorded
    # arguments and environment (allowed), whose stdout file stays empty:
    # nothing of the context but its strings is used.
    unused = tmp_path / "unused-stdout"
    with_context = args_and_env()
    with_context.stdout_file = str(unused)
    capfdbinary.readouterr()
    for wasi in (None, with_context):
        assert replay_guest(recording.wasm, path=recording.trace, wasi=wasi) == 7
        echoed = capfdbinary.readouterr()
        assert echoed.out == recording.stdout
        assert echoed.err == recording.stderr
    assert unused.read_bytes() == b""


def test_a_replay_without_echo_prints_nothing(
    recordings: Callable[[str], Recording], capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    recording = recordings("guest-c")
    capfdbinary.readouterr()
    assert replay_guest(recording.wasm, data=recording.trace.read_bytes(), echo=False) == 7
    assert capfdbinary.readouterr() == (b"", b"")


def test_a_replay_of_another_build_is_a_module_mismatch(
    recordings: Callable[[str], Recording], wasi_guests: Path
) -> None:
    recording = recordings("guest-c")
    other = (wasi_guests / "guest-c-other.wasm").read_bytes()
    engine = rr_engine(Mode.REPLAYING)
    linker = wasmtime.Linker(engine)
    rr.define_wasi(linker)
    store = wasmtime.Store(engine)
    rr.replay(store, rr.Replayer(recording.trace))
    with rr.module_new(engine, other) as module:
        with pytest.raises(ModuleMismatchError) as raised:
            rr.linker_instantiate(linker, store, module)
    message = str(raised.value)
    assert hashlib.sha256(recording.wasm).hexdigest() in message
    assert hashlib.sha256(other).hexdigest() in message
    with pytest.raises(ModuleMismatchError):  # finish reports the failed replay too
        rr.finish(store)


@pytest.mark.parametrize("guest", GUESTS)
@pytest.mark.parametrize(
    "wasi_strings, detail",
    [
        # Other sizes: told by args_sizes_get, before the strings are read.
        (
            (["guest", "alpha", "gamma"], ENV),
            'arguments than the recording had: recorded 3 strings of 17 bytes, now "guest alpha gamma"',
        ),
        # The same sizes: told by environ_get, with the recorded strings.
        (
            (ARGV, [("GUEST_NAME", "qq")]),
            'environment than the recording had: recorded "GUEST_NAME=rr", now "GUEST_NAME=qq"',
        ),
    ],
    ids=["argv", "env"],
)
def test_a_replay_with_other_arguments_or_environment_diverges(
    guest: str, wasi_strings: Any, detail: str, recordings: Callable[[str], Recording]
) -> None:
    recording = recordings(guest)
    with pytest.raises(DivergenceError) as raised:
        replay_guest(recording.wasm, path=recording.trace, echo=False, wasi=args_and_env(*wasi_strings))
    message = str(raised.value)
    assert message.startswith("wasmtime_rr_func_call: replay diverged at event #")
    assert message.endswith(f": the replaying host configured other {detail}")


@pytest.mark.parametrize("guest", GUESTS)
@pytest.mark.parametrize(
    "where, message",
    [
        # An event of the first frame: the instantiation reads that frame.
        ("first-frame", "wasmtime_rr_linker_instantiate: corrupted trace: checksum mismatch in frame #0 "),
        # The last frame's CRC: that frame holds the end marker, which finish reads.
        ("last-frame", "wasmtime_rr_store_finish: corrupted trace: checksum mismatch in frame #"),
    ],
)
def test_a_tampered_trace_is_a_trace_format_error(
    guest: str, where: str, message: str, recordings: Callable[[str], Recording]
) -> None:
    recording = recordings(guest)
    trace = bytearray(recording.trace.read_bytes())
    trace[first_event_offset(trace) + 1 if where == "first-frame" else len(trace) - 3] ^= 0x01
    with pytest.raises(TraceFormatError) as raised:
        replay_guest(recording.wasm, data=bytes(trace), echo=False)
    assert str(raised.value).startswith(message), str(raised.value)


def test_a_wasi_exit_through_call_is_wasmtime_pys_exit_trap() -> None:
    """``rr.call`` raises what ``func(store)`` raises for ``proc_exit``, on a
    store with nothing attached too."""
    wat = """(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3))))"""
    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    rr.define_wasi(linker)
    store = wasmtime.Store(engine)
    rr.set_wasi(store, wasmtime.WasiConfig())
    instance = rr.linker_instantiate(linker, store, rr.module_new(engine, wat))
    start = instance.exports(store)["_start"]
    assert isinstance(start, wasmtime.Func)
    for run in (lambda: rr.call(store, start), lambda: start(store)):
        with pytest.raises(wasmtime.ExitTrap) as exited:
            run()
        assert exited.value.code == 3
        assert "Exited with i32 exit status 3" in str(exited.value)


# Deterministic WASI, without a trace.

REALTIME_START, MONOTONIC_START = 1_764_500_000_000_000_000, 5_000_000_000


def run_deterministic(wasm: Path, folder: Path, seed: int, api: str) -> str:
    """One run of a guest on a plain engine with a seeded random source and
    virtual clocks, through wasmtime-py's own WASI calls or this binding's."""
    data = folder / "data"
    if not data.exists():
        make_inputs(folder)
    stdout = folder / f"stdout-{seed}-{api}"
    wasi = wasmtime.WasiConfig()
    wasi.argv = ARGV
    wasi.stdout_file = str(stdout)
    wasi.preopen_dir(str(data), "/data")
    rr.random_seed(wasi, seed)
    rr.wall_clock(wasi, REALTIME_START, 1_000)
    rr.monotonic_clock(wasi, MONOTONIC_START, 1_000_000)
    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    store = wasmtime.Store(engine)
    if api == "wasmtime-py":
        linker.define_wasi()
        store.set_wasi(wasi)
        start = linker.instantiate(store, wasmtime.Module(engine, wasm.read_bytes())).exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        with pytest.raises(wasmtime.ExitTrap) as exited:
            start(store)
        code = exited.value.code
    else:
        rr.define_wasi(linker)
        rr.set_wasi(store, wasi)
        code = run_start(store, rr.linker_instantiate(linker, store, rr.module_new(engine, wasm.read_bytes())))
    assert code == 7
    return stdout.read_text()


def report_line(report: str, key: str) -> str:
    (line,) = [line for line in report.splitlines() if line.startswith(f"{key}: ")]
    return line


@pytest.mark.parametrize("api", ["wasmtime-py", "wasmtime_rr"])
def test_a_seed_and_virtual_clocks_make_a_guest_reproducible(api: str, wasi_guests: Path, tmp_path: Path) -> None:
    wasm = wasi_guests / "guest-c.wasm"
    first, second = (run_deterministic(wasm, tmp_path, 42, api) for _ in range(2))
    assert first == second
    assert report_line(first, "realtime_ns") == f"realtime_ns: {REALTIME_START}"
    assert report_line(first, "monotonic_ns") == f"monotonic_ns: {MONOTONIC_START}"
    other_seed = run_deterministic(wasm, tmp_path, 43, api)
    assert report_line(other_seed, "random") != report_line(first, "random")
    without_random = [line for line in first.splitlines() if not line.startswith("random: ")]
    assert [line for line in other_seed.splitlines() if not line.startswith("random: ")] == without_random


def test_both_apis_give_the_same_deterministic_run(wasi_guests: Path, tmp_path: Path) -> None:
    wasm = wasi_guests / "guest-c.wasm"
    assert run_deterministic(wasm, tmp_path, 7, "wasmtime-py") == run_deterministic(wasm, tmp_path, 7, "wasmtime_rr")


# Misuse.


@pytest.fixture
def deletes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts wasmtime-py's frees of WASI configs."""
    counts: Counter[str] = collections.Counter()
    delete = wasmtime._ffi.wasi_config_delete

    def counted(pointer: Any) -> None:
        counts["wasi_config_delete"] += 1
        delete(pointer)

    monkeypatch.setattr(wasmtime._ffi, "wasi_config_delete", counted)
    return counts


class NullContextStore(wasmtime.Store):
    """A store whose context reads as NULL: makes the library's
    ``wasmtime_rr_context_set_wasi`` fail after every Python-side check."""

    def _context(self) -> Any:
        return None


def test_set_wasi_consumes_the_config_only_on_success(deletes: Counter[str]) -> None:
    wasi = args_and_env()
    with pytest.raises(NullArgumentError, match="^wasmtime_rr_context_set_wasi: argument `context` is NULL$"):
        rr.set_wasi(NullContextStore(wasmtime.Engine()), wasi)
    wasi.argv = ["still", "usable"]
    rr.random_seed(wasi, 1)
    rr.set_wasi(wasmtime.Store(), wasi)
    with pytest.raises(ValueError, match="^WASI config is closed or was consumed by a store$"):
        rr.random_seed(wasi, 1)
    with pytest.raises(ValueError, match="^WASI config is closed or was consumed by a store$"):
        rr.set_wasi(wasmtime.Store(), wasi)
    wasi.close()
    assert deletes == {}  # the store owns it now

    failed = args_and_env()
    with pytest.raises(NullArgumentError):
        rr.set_wasi(NullContextStore(wasmtime.Engine()), failed)
    failed.close()
    failed.close()
    assert deletes == {"wasi_config_delete": 1}


@pytest.mark.parametrize("mode", [Mode.NONE, Mode.RECORDING, Mode.REPLAYING])
def test_set_wasi_twice_replaces_the_context(mode: Mode) -> None:
    store = wasmtime.Store(rr_engine(mode))
    rr.set_wasi(store, args_and_env())
    rr.set_wasi(store, args_and_env(["other"]))


def test_the_library_checks_null_pointers(deletes: Counter[str]) -> None:
    library = rr.library()
    wasi = wasmtime.WasiConfig()
    calls = [
        ("wasmtime_rr_linker_define_wasi", "linker", (None,)),
        ("wasmtime_rr_context_set_wasi", "context", (None, wasi.ptr())),
        ("wasmtime_rr_context_set_wasi", "wasi", (wasmtime.Store()._context(), None)),
        ("wasi_config_random_seed_set", "config", (None, 1)),
        ("wasi_config_wall_clock_set", "config", (None, 1, 1)),
        ("wasi_config_monotonic_clock_set", "config", (None, 1, 1)),
        ("wasmtime_rr_replayer_echo_set", "replayer", (None, True)),
    ]
    for name, param, args in calls:
        with pytest.raises(NullArgumentError, match=f"^{name}: argument `{param}` is NULL$"):
            library.call(getattr(library, name), *args)
    rr.set_wasi(wasmtime.Store(), wasi)  # the failed call did not take it
    assert deletes == {}


def test_other_objects_are_type_errors() -> None:
    wasi = wasmtime.WasiConfig()
    store = wasmtime.Store()
    for bad in (None, object(), wasmtime.Config(), store):
        with pytest.raises(TypeError, match="^expected a wasmtime.WasiConfig, not "):
            rr.set_wasi(store, bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="^expected a wasmtime.WasiConfig, not "):
            rr.random_seed(bad, 1)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="^expected a wasmtime.WasiConfig, not "):
            rr.wall_clock(bad, 1, 1)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="^expected a wasmtime.WasiConfig, not "):
            rr.monotonic_clock(bad, 1, 1)  # type: ignore[arg-type]
    for bad_store in (None, wasi, wasmtime.Engine()):
        with pytest.raises(TypeError, match="^expected a wasmtime.Store, not "):
            rr.set_wasi(bad_store, wasi)  # type: ignore[arg-type]
    for bad_linker in (None, store, wasmtime.Engine()):
        with pytest.raises(TypeError, match="^expected a wasmtime.Linker, not "):
            rr.define_wasi(bad_linker)  # type: ignore[arg-type]
    rr.set_wasi(store, wasi)  # none of the failures took it


def test_closed_objects_are_value_errors() -> None:
    wasi = wasmtime.WasiConfig()
    wasi.close()
    for call in (
        lambda: rr.set_wasi(wasmtime.Store(), wasi),
        lambda: rr.random_seed(wasi, 1),
        lambda: rr.wall_clock(wasi, 1, 1),
        lambda: rr.monotonic_clock(wasi, 1, 1),
    ):
        with pytest.raises(ValueError, match="^WASI config is closed or was consumed by a store$"):
            call()
    linker = wasmtime.Linker(wasmtime.Engine())
    linker.close()
    with pytest.raises(ValueError):
        rr.define_wasi(linker)
    store = wasmtime.Store()
    store.close()
    live = wasmtime.WasiConfig()
    with pytest.raises(ValueError):
        rr.set_wasi(store, live)
    rr.set_wasi(wasmtime.Store(), live)


@pytest.mark.parametrize("mode", [Mode.NONE, Mode.RECORDING])
def test_defining_wasi_twice_is_wasmtimes_error(mode: Mode) -> None:
    linker = wasmtime.Linker(rr_engine(mode))
    rr.define_wasi(linker)
    with pytest.raises(WasmtimeError, match="defined twice|already defined"):
        rr.define_wasi(linker)
    linker.allow_shadowing = True
    rr.define_wasi(linker)


def test_seeds_and_clocks_are_uint64_and_steps_at_most_10_to_the_15() -> None:
    wasi = wasmtime.WasiConfig()
    for value in (0, 2**64 - 1):
        rr.random_seed(wasi, value)
        rr.wall_clock(wasi, value, 10**15)
        rr.monotonic_clock(wasi, value, 0)
    for value in (-1, 2**64):
        with pytest.raises(OverflowError, match=f"^seed {value} does not fit in a C uint64_t$"):
            rr.random_seed(wasi, value)
        with pytest.raises(OverflowError, match=f"^start_ns {value} does not fit in a C uint64_t$"):
            rr.wall_clock(wasi, value, 1)
        with pytest.raises(OverflowError, match=f"^step_ns {value} does not fit in a C uint64_t$"):
            rr.monotonic_clock(wasi, 0, value)
    for bad in ("1", 1.5, None):
        with pytest.raises(TypeError):
            rr.random_seed(wasi, bad)  # type: ignore[arg-type]
    too_big = "a step of 1000000000000001 ns is more than 1,000,000 seconds per reading"
    with pytest.raises(InvalidArgumentError, match=f"^wasi_config_wall_clock_set: {too_big}$"):
        rr.wall_clock(wasi, 0, 10**15 + 1)
    with pytest.raises(InvalidArgumentError, match=f"^wasi_config_monotonic_clock_set: {too_big}$"):
        rr.monotonic_clock(wasi, 0, 10**15 + 1)
    rr.set_wasi(wasmtime.Store(), wasi)  # still usable after every failure


def test_replayer_echo_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="^echo must be a bool, not int$"):
        rr.Replayer(data=b"", echo=1)  # type: ignore[arg-type]
    rr.Replayer(data=b"", echo=True).close()


WASI_ON_THE_OFFICIAL_LIBRARY = """
import json
import wasmtime
from wasmtime_rr import wasmtime_py

results = {}
wasi = wasmtime.WasiConfig()
for name, call in [
    ("define_wasi", lambda: wasmtime_py.define_wasi(wasmtime.Linker(wasmtime.Engine()))),
    ("set_wasi", lambda: wasmtime_py.set_wasi(wasmtime.Store(), wasi)),
    ("random_seed", lambda: wasmtime_py.random_seed(wasi, 1)),
    ("wall_clock", lambda: wasmtime_py.wall_clock(wasi, 1, 1)),
    ("monotonic_clock", lambda: wasmtime_py.monotonic_clock(wasi, 1, 1)),
    ("Replayer", lambda: wasmtime_py.Replayer(data=b"", echo=True)),
]:
    try:
        call()
        results[name] = "ok"
    except Exception as error:
        results[name] = type(error).__name__
wasi.argv = ["still", "usable"]
print(json.dumps(results))
"""


def test_wasmtime_py_on_the_official_library_is_refused(tmp_path: Path, official_library: Path) -> None:
    fake_wasmtime_package(tmp_path, official_library)
    result = run_python(WASI_ON_THE_OFFICIAL_LIBRARY, env={"PYTHONPATH": str(tmp_path), LIBRARY_ENV: str(LIBRARY)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '{"define_wasi": "LibraryMismatchError", "set_wasi": "LibraryMismatchError", '
        '"random_seed": "LibraryMismatchError", "wall_clock": "LibraryMismatchError", '
        '"monotonic_clock": "LibraryMismatchError", "Replayer": "LibraryMismatchError"}'
    )
