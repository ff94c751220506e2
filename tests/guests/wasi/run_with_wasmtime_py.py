#!/usr/bin/env python3
"""Runs a WASI preview-1 guest under stock wasmtime-py (48.0.0): a reference
run, with no record/replay, to compare wasmtime-rr's runs with.

    python3 run_with_wasmtime_py.py GUEST.wasm [--data DIR] [--stdin FILE]
                                    [--arg A ...] [--no-env] [--check]

The guest gets argv ["guest", "alpha", "beta"] (or "guest" and the --arg
values), the environment GUEST_NAME=rr (none with --no-env), stdin from FILE
(default: a file holding "line one\\nline two\\n") and /data preopened from DIR
(default: a new folder holding input.txt = "hello file\\n", notes.md and
empty.bin). It prints the guest's exit code, stdout and stderr, and how long
compiling and running took. With --check it also checks that stdout is the
report of guest.c / go/main.go for these inputs and that the guest exited
with 7 after printing its stderr line; it exits 1 if not.
"""

import argparse
import os
import re
import sys
import tempfile
import time

import wasmtime

DEFAULT_ARGS = ["alpha", "beta"]
DEFAULT_STDIN = "line one\nline two\n"
DEFAULT_FILES = {"input.txt": "hello file\n", "notes.md": "# notes\n", "empty.bin": ""}
STDERR_LINES = ("guest: done, exiting with 7", "guest: done (other build), exiting with 7")


def escape(text):
    return text.replace("\n", "\\n")


def check_report(stdout, stderr, code, args, env_name, stdin_text, data_dir):
    """Returns the list of differences from the expected report (empty if none)."""
    problems = []
    with open(os.path.join(data_dir, "input.txt")) as f:
        file_text = f.read()
    expected = [
        ("args", re.escape(" ".join(args))),
        ("env", re.escape(env_name if env_name is not None else "(unset)")),
        ("realtime_ns", r"[0-9]+"),
        ("monotonic_ns", r"[0-9]+"),
        ("random", r"[0-9a-f]{32}"),
        ("stdin", re.escape(escape(stdin_text))),
        ("file", re.escape(escape(file_text))),
        ("dir", r"[^\n]*"),
        ("slept_ms_at_least_20", "yes"),
    ]
    lines = stdout.split("\n")
    if lines[-1] != "":
        problems.append("stdout does not end with a newline")
    lines = lines[:-1] if lines[-1] == "" else lines
    if len(lines) != len(expected):
        problems.append(f"stdout has {len(lines)} lines, expected {len(expected)}")
    for line, (key, pattern) in zip(lines, expected):
        if not re.fullmatch(re.escape(key) + ": " + pattern, line):
            problems.append(f"line {line!r} does not match {key}: {pattern}")
        if key == "dir" and line.startswith("dir: "):
            names = line[len("dir: "):].split(",")
            if sorted(names) != sorted(os.listdir(data_dir)):
                problems.append(f"dir lists {names}, the folder holds {sorted(os.listdir(data_dir))}")
        if key == "realtime_ns" and line.startswith("realtime_ns: "):
            # A real wall clock: within a minute of the host's.
            if abs(int(line.split(": ")[1]) - time.time_ns()) > 60 * 10**9:
                problems.append(f"{line} is not within a minute of the host's clock")
    if stderr not in (s + "\n" for s in STDERR_LINES):
        problems.append(f"stderr is {stderr!r}")
    if code != 7:
        problems.append(f"exit code {code}, expected 7")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("guest", help="the .wasm file")
    parser.add_argument("--data", help="host folder preopened as /data")
    parser.add_argument("--stdin", help="file given to the guest as stdin")
    parser.add_argument("--arg", action="append", help="a guest argument (repeatable)")
    parser.add_argument("--no-env", action="store_true", help="leave GUEST_NAME unset")
    parser.add_argument("--check", action="store_true", help="check the guest's report")
    opts = parser.parse_args()

    work = tempfile.TemporaryDirectory(prefix="wasi-guest-")
    data_dir = opts.data
    if data_dir is None:
        data_dir = os.path.join(work.name, "data")
        os.mkdir(data_dir)
        for name, content in DEFAULT_FILES.items():
            with open(os.path.join(data_dir, name), "w") as f:
                f.write(content)
    stdin_path = opts.stdin
    if stdin_path is None:
        stdin_path = os.path.join(work.name, "stdin.txt")
        with open(stdin_path, "w") as f:
            f.write(DEFAULT_STDIN)
    with open(stdin_path) as f:
        stdin_text = f.read()
    args = opts.arg if opts.arg is not None else DEFAULT_ARGS
    env_name = None if opts.no_env else "rr"
    stdout_path = os.path.join(work.name, "stdout")
    stderr_path = os.path.join(work.name, "stderr")

    engine = wasmtime.Engine()
    started = time.perf_counter()
    module = wasmtime.Module.from_file(engine, opts.guest)
    compiled = time.perf_counter()

    # argv, env and the stdio files are setter properties in wasmtime-py.
    wasi = wasmtime.WasiConfig()
    wasi.argv = ["guest"] + args
    if env_name is not None:
        wasi.env = [("GUEST_NAME", env_name)]
    wasi.stdin_file = stdin_path
    wasi.stdout_file = stdout_path
    wasi.stderr_file = stderr_path
    wasi.preopen_dir(data_dir, "/data")

    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    start_func = instance.exports(store)["_start"]
    code = 0
    ran = time.perf_counter()
    try:
        start_func(store)
    except wasmtime.ExitTrap as exit_trap:
        code = exit_trap.code
    finished = time.perf_counter()

    with open(stdout_path) as f:
        stdout = f.read()
    with open(stderr_path) as f:
        stderr = f.read()
    print(f"exit code: {code}")
    print("stdout:")
    sys.stdout.write(stdout)
    print("stderr:")
    sys.stdout.write(stderr)
    print(f"compile: {(compiled - started) * 1000:.0f} ms, run (_start): {(finished - ran) * 1000:.0f} ms")

    if opts.check:
        problems = check_report(stdout, stderr, code, args, env_name, stdin_text, data_dir)
        for problem in problems:
            print(f"check: {problem}")
        print("check: " + ("FAILED" if problems else "ok, the report has the expected format and values"))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
