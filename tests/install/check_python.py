"""The Python binding against the installed library (tests/run-install-tests.sh).

    WASMTIME_RR_LIBRARY=PREFIX/lib/libwasmtime_rr.so PYTHONPATH=<the binding> \\
        python3 tests/install/check_python.py VERSION PREFIX

Checks that the library mapped into this process is the one under PREFIX, its
version and record/replay support, and that a config Wasmtime rejects is an
exception. Prints each check; exits 1 if any failed.
"""

import sys

import wasmtime_rr

expected_version, prefix = sys.argv[1:3]
failures = 0


def check(ok: bool, what: str) -> None:
    global failures
    print(f"{'ok' if ok else 'FAILED'}: {what}")
    failures += not ok


# The process's own view of what was loaded, whatever the binding reports.
with open("/proc/self/maps") as maps:
    loaded = {line.split()[-1] for line in maps if "libwasmtime_rr" in line}
check(bool(loaded) and all(path.startswith(prefix + "/") for path in loaded),
      f"the library loaded is the installed one: {sorted(loaded)}")
check(wasmtime_rr.version() == expected_version, f"version() == {expected_version!r} (got {wasmtime_rr.version()!r})")
check(wasmtime_rr.compiled_in(), "compiled_in()")

with wasmtime_rr.Config() as config:
    config.record(True)
    config.cranelift_nan_canonicalization(False)
    try:
        wasmtime_rr.Engine(config).close()
        check(False, "a recording config without NaN canonicalization is rejected")
    except wasmtime_rr.InvalidConfigError as error:
        check(True, f"a recording config without NaN canonicalization is rejected: {error}")

print("Python binding: all checks passed" if failures == 0 else "Python binding: FAILED")
sys.exit(1 if failures else 0)
