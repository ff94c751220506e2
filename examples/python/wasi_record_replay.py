"""Record a WASI program with wasmtime-py, then replay it without its inputs.

The guest (tests/guests/wasi/guest.c) reads both clocks, random bytes, its
arguments, an environment variable, stdin and a preopened folder, sleeps,
prints a report and exits with 7. It is recorded with its stdout and stderr
going to files; then its inputs are deleted and it is replayed: no WASI
function runs, every result comes from the trace, and the replayer's echo
prints the recorded output on this process's stdout and stderr.

    python examples/python/wasi_record_replay.py [GUEST.wasm]

GUEST.wasm defaults to target/wasi-guests/guest-c.wasm (in the repository),
which `bash tests/guests/wasi/build.sh target/wasi-guests` builds. Needs
wasmtime-py 48 running libwasmtime_rr
(`python -m wasmtime_rr.install_into_wasmtime_py`).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional, Union

import wasmtime

import wasmtime_rr
from wasmtime_rr import wasmtime_py as rr

DEFAULT_GUEST = Path(__file__).resolve().parents[2] / "target" / "wasi-guests" / "guest-c.wasm"


def engine(mode: wasmtime_rr.Mode) -> wasmtime.Engine:
    config = wasmtime.Config()
    rr.set_mode(config, mode)
    rr.enforce_determinism(config)
    return rr.new_engine(config)


def run(wasm: bytes, session: Union[rr.Recorder, rr.Replayer], wasi: Optional[wasmtime.WasiConfig]) -> int:
    """Runs the guest's ``_start`` once in a fresh store, recording into a
    ``Recorder`` or replaying from a ``Replayer``; returns its exit code."""
    recording = isinstance(session, rr.Recorder)
    rr_engine = engine(wasmtime_rr.Mode.RECORDING if recording else wasmtime_rr.Mode.REPLAYING)
    linker = wasmtime.Linker(rr_engine)
    rr.define_wasi(linker)  # the RR-aware Linker.define_wasi
    store = wasmtime.Store(rr_engine)
    if recording:
        rr.record(store, session)
    else:
        rr.replay(store, session)
    if wasi is not None:
        rr.set_wasi(store, wasi)  # the RR-aware Store.set_wasi; a replay needs none
    code = 0
    with rr.module_new(rr_engine, wasm) as module:
        start = rr.linker_instantiate(linker, store, module).exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        try:
            rr.call(store, start)
        except wasmtime.ExitTrap as exited:  # proc_exit, recorded or replayed
            code = exited.code
    rr.finish(store)  # a replay: checks that nothing of the trace is left
    return code


def main() -> None:
    guest = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GUEST
    if not guest.is_file():
        sys.exit(f"{guest} not found: build it with `bash tests/guests/wasi/build.sh target/wasi-guests`")
    try:
        rr.library()
    except wasmtime_rr.LibraryMismatchError as error:
        sys.exit(str(error))
    wasm = guest.read_bytes()

    with tempfile.TemporaryDirectory(prefix="wasi-rr-") as name:
        folder = Path(name)
        data = folder / "data"
        data.mkdir()
        (data / "input.txt").write_text("hello file\n")
        (folder / "stdin.txt").write_text("line one\nline two\n")
        trace = folder / "session.wrr"

        wasi = wasmtime.WasiConfig()
        wasi.argv = ["guest", "alpha", "beta"]
        wasi.env = [("GUEST_NAME", "rr")]
        wasi.stdin_file = str(folder / "stdin.txt")
        wasi.stdout_file = str(folder / "stdout")
        wasi.stderr_file = str(folder / "stderr")
        wasi.preopen_dir(str(data), "/data")
        recorded = run(wasm, rr.Recorder(trace), wasi)
        stdout_size = (folder / "stdout").stat().st_size
        stderr_size = (folder / "stderr").stat().st_size
        print(
            f"recorded {guest.name}: exit {recorded}, {stdout_size} bytes of stdout, "
            f"{stderr_size} bytes of stderr, trace of {trace.stat().st_size} bytes"
        )

        # The replay touches none of the inputs: delete them.
        shutil.rmtree(data)
        (folder / "stdin.txt").unlink()
        print("replaying with echo, the inputs deleted:")
        sys.stdout.flush()  # the echo writes to file descriptor 1 directly
        sys.stderr.flush()
        replayed = run(wasm, rr.Replayer(trace, echo=True), None)

    # Each write to stdout or stderr was checked against the recorded bytes
    # (a difference would have raised DivergenceError), and finish found
    # nothing left in the trace.
    if replayed != recorded:
        sys.exit(f"replay differs: exit {replayed}, recorded exit {recorded}")
    print(f"replay matched: exit {replayed}, {stdout_size} bytes of stdout")


if __name__ == "__main__":
    main()
