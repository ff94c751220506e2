#!/usr/bin/env bash
# Tests the wheel of the Python binding as a user gets it:
#   bindings/python/test-wheel.sh PROFILE_DIR
# PROFILE_DIR (relative to the repository root, or absolute) holds a
# libwasmtime_rr.so built with record/replay, such as target/release.
#  1. builds the wheel with `pip wheel` (the hatchling hook of hatch_build.py
#     puts PROFILE_DIR's library inside) into target/py-wheel/dist;
#  2. checks that it carries that very library and the preload library
#     beside it, is not pure, and has a platform tag that `auditwheel show`
#     agrees with;
#  3. installs it and wasmtime-py 48.0.0 into a fresh venv, target/py-wheel/venv;
#  4. from a folder outside the repository, with no WASMTIME_RR_LIBRARY and
#     no PYTHONPATH: imports wasmtime_rr (the library must be the one inside
#     the venv's site-packages), runs `python -m
#     wasmtime_rr.install_into_wasmtime_py` (the preload as wasmtime-py's
#     _libwasmtime.so, the library beside it under its SONAME), records a
#     session through wasmtime-py and replays it, runs an unmodified
#     wasmtime-py program live, recorded (WASMTIME_RR_RECORD) and replayed
#     (WASMTIME_RR_REPLAY), then `--restore`s wasmtime-py's library.
# Its tools (pip's wheel build, auditwheel) live in the venv
# target/py-wheel-tools (created or reused). Exits non-zero on failure.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 PROFILE_DIR   (e.g. target/release)" >&2
  exit 2
fi
cd "$(dirname "$0")/../.."
repo=$(pwd)
library="$(cd "$1" && pwd)/libwasmtime_rr.so"
if [ ! -f "$library" ]; then
  echo "error: $library not found; build it first (cargo build --release)" >&2
  exit 1
fi
source bindings/python/venv.sh
unset WASMTIME_RR_LIBRARY PYTHONPATH
pip_flags=(--quiet --disable-pip-version-check)
took() { awk -v start="$1" -v end="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", end - start }'; }
fail() {
  echo "test-wheel: FAILED: $*" >&2
  exit 1
}

tools=target/py-wheel-tools
"$tools/bin/python" -c 'import auditwheel' 2>/dev/null || {
  make_venv "$tools"
  "$tools/bin/python" -m pip install "${pip_flags[@]}" auditwheel
}

work="$repo/target/py-wheel"
rm -rf "$work"
mkdir -p "$work/dist"
# A snapshot of the libraries, so that a rebuild meanwhile changes nothing here.
preload="$(dirname "$library")/libwasmtime_rr_preload.so"
[ -f "$preload" ] || fail "$preload not found; cargo build --release builds it beside the library"
cp "$library" "$work/libwasmtime_rr.so"
cp "$preload" "$work/libwasmtime_rr_preload.so"
built_from=$library
library="$work/libwasmtime_rr.so"

# 1. The wheel, built as `pip wheel bindings/python` builds it (the build
# backend in an isolated environment), with PROFILE_DIR's library.
start=$EPOCHREALTIME
WASMTIME_RR_LIBRARY="$library" "$tools/bin/python" -m pip wheel "${pip_flags[@]}" --no-deps \
  --wheel-dir "$work/dist" bindings/python
wheels=("$work"/dist/*.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected one wheel, got: ${wheels[*]}"
wheel=${wheels[0]}
echo "built $(basename "$wheel") ($(du -m "$wheel" | cut -f1) MB) in $(took "$start")"

# 2. Its content and tag.
tag=$("$tools/bin/python" - "$wheel" "$library" <<'EOF'
import sys, zipfile
wheel, library = sys.argv[1:]
name = wheel.rsplit("/", 1)[-1]
with zipfile.ZipFile(wheel) as archive:
    names = archive.namelist()
    # The library under its SONAME, the preload library's NEEDED entry.
    assert "wasmtime_rr/libwasmtime_rr.so.0.1" in names, f"the wheel has no wasmtime_rr/libwasmtime_rr.so.0.1: {names}"
    with open(library, "rb") as file:
        assert archive.read("wasmtime_rr/libwasmtime_rr.so.0.1") == file.read(), "the wheel's library is not PROFILE_DIR's"
    with open(library.rsplit("/", 1)[0] + "/libwasmtime_rr_preload.so", "rb") as file:
        assert archive.read("wasmtime_rr/libwasmtime_rr_preload.so") == file.read(), "the wheel's preload is not PROFILE_DIR's"
    assert sorted(n for n in names if ".so" in n) == [
        "wasmtime_rr/libwasmtime_rr.so.0.1", "wasmtime_rr/libwasmtime_rr_preload.so"], names
    info = next(n for n in names if n.endswith(".dist-info/WHEEL"))
    fields = [line.split(": ", 1) for line in archive.read(info).decode().splitlines() if ": " in line]
    tags = [value for key, value in fields if key == "Tag"]
    assert ("Root-Is-Purelib", "false") in [tuple(f) for f in fields], f"the wheel is marked pure: {fields}"
assert len(tags) == 1 and name.endswith(f"-{tags[0]}.whl"), f"WHEEL tags {tags} do not match {name}"
python, abi, platform = tags[0].split("-")
assert (python, abi) == ("py3", "none"), tags[0]
assert platform.startswith(("manylinux_", "linux_")) and platform.endswith(("_x86_64", "_aarch64")), tags[0]
print(platform)
EOF
) || fail "the wheel's content or tag"
echo "the wheel carries $built_from and libwasmtime_rr_preload.so beside it (identical bytes), Root-Is-Purelib: false, tag py3-none-$tag"

audit=$("$tools/bin/auditwheel" show "$wheel") || { echo "$audit"; fail "auditwheel show"; }
echo "$audit" | sed 's/^/  auditwheel: /'
# auditwheel wraps its lines: read it as one line.
flat=$(tr -s ' \n' '  ' <<<"$audit")
consistent=$(sed -n 's/.*is consistent with the following platform tag: "\([^"]*\)".*/\1/p' <<<"$flat")
constrained=$(sed -n 's/.*This constrains the platform tag to "\([^"]*\)".*/\1/p' <<<"$flat")
[ "$consistent" = "$tag" ] || fail "auditwheel finds the wheel consistent with '$consistent', but it is tagged $tag"
[ "$constrained" = "$tag" ] ||
  fail "auditwheel says the library allows '$constrained', but the wheel is tagged $tag"
echo "auditwheel: $tag is the wheel's tag, and the most compatible tag its library allows"

# 3. A fresh venv with the wheel and wasmtime-py.
venv="$work/venv"
start=$EPOCHREALTIME
make_venv "$venv"
"$venv/bin/python" -m pip install "${pip_flags[@]}" "$wheel" wasmtime==48.0.0
echo "fresh venv with the wheel and wasmtime-py 48.0.0 in $(took "$start")"

# 4. Used from outside the repository, with no environment variable.
outside=$(mktemp -d)
trap 'rm -rf "$outside"' EXIT
cd "$outside"
python="$venv/bin/python"

"$python" - "$library" <<'EOF' || fail "import wasmtime_rr from the wheel"
import filecmp, os, sys, sysconfig
assert "WASMTIME_RR_LIBRARY" not in os.environ
import wasmtime_rr
from wasmtime_rr._native import lib
site = os.path.realpath(sysconfig.get_paths()["platlib"])
expected = os.path.join(site, "wasmtime_rr", "libwasmtime_rr.so.0.1")
assert lib.path == expected, f"loaded {lib.path}, not the wheel's {expected}"
assert filecmp.cmp(lib.path, sys.argv[1], shallow=False)
assert wasmtime_rr.__file__.startswith(site + os.sep), wasmtime_rr.__file__
assert wasmtime_rr.compiled_in(), "record/replay is not compiled in"
from wasmtime_rr import wasmtime_py
try:
    wasmtime_py.library()
except wasmtime_rr.LibraryMismatchError:
    pass
else:
    raise AssertionError("wasmtime-py runs libwasmtime_rr before the install command")
print(f"import wasmtime_rr: version {wasmtime_rr.__version__}, library {lib.path}")
EOF

# Each line on its own (the exit status is checked): the command names the
# wheel's library as the source.
output=$("$python" -m wasmtime_rr.install_into_wasmtime_py) || fail "install_into_wasmtime_py"
echo "$output"
site=$("$python" -c 'import os, sysconfig; print(os.path.realpath(sysconfig.get_paths()["platlib"]))')
into="$site/wasmtime/linux-$(uname -m)"
[ "$output" = "installed $site/wasmtime_rr/libwasmtime_rr_preload.so as $into/_libwasmtime.so (original kept as $into/_libwasmtime.so.orig); installed $site/wasmtime_rr/libwasmtime_rr.so.0.1 as $into/libwasmtime_rr.so.0.1" ] ||
  fail "unexpected output of install_into_wasmtime_py"
cmp -s "$into/_libwasmtime.so" "$site/wasmtime_rr/libwasmtime_rr_preload.so" &&
  cmp -s "$into/libwasmtime_rr.so.0.1" "$site/wasmtime_rr/libwasmtime_rr.so.0.1" || fail "the installed files are not the wheel's"

"$python" <<'EOF' || fail "record and replay through the installed package"
import wasmtime
import wasmtime_rr
from wasmtime_rr import Mode, wasmtime_py as rr

print(f"wasmtime-py runs libwasmtime_rr: {rr.library().path}")
GUEST = """(module
  (import "host" "reading" (func $reading (param i32) (result i64)))
  (func (export "sum") (param $n i32) (result i64)
    (local $total i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total (i64.add (local.get $total) (call $reading (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $total)))"""
calls = []

def reading(n):
    calls.append(n)
    return int.from_bytes(__import__("os").urandom(4), "little") * n

def session(mode, attach):
    config = wasmtime.Config()
    rr.set_mode(config, mode)
    rr.enforce_determinism(config)
    engine = rr.new_engine(config)
    assert rr.engine_mode(engine) == mode
    linker = wasmtime.Linker(engine)
    rr.define_func(linker, "host", "reading", wasmtime.FuncType([wasmtime.ValType.i32()], [wasmtime.ValType.i64()]), reading)
    store = wasmtime.Store(engine)
    attach(store)
    with rr.module_new(engine, GUEST) as module:
        instance = rr.linker_instantiate(linker, store, module)
        result = rr.call(store, instance.exports(store)["sum"], 5)
    rr.finish(store)
    return result

recorder = rr.Recorder()
recorded = session(Mode.RECORDING, lambda store: rr.record(store, recorder))
assert calls == [5, 4, 3, 2, 1], calls
calls.clear()
replayed = session(Mode.REPLAYING, lambda store: rr.replay(store, rr.Replayer(data=recorder.trace)))
assert replayed == recorded and calls == [], (recorded, replayed, calls)
try:
    session(Mode.REPLAYING, lambda store: rr.replay(store, rr.Replayer(data=recorder.trace[:-9])))
except wasmtime_rr.TraceFormatError as error:
    damaged = f"TraceFormatError ({error})"
else:
    raise AssertionError("a cut trace replayed")
print(f"recorded sum(5) = {recorded} (5 host calls, trace of {len(recorder.trace)} bytes); "
      f"replayed: {replayed} (0 host calls); a cut trace: {damaged}")
EOF

# An unmodified wasmtime-py program (no wasmtime_rr import): live without a
# variable, recorded and replayed with one; the replay prints the recorded time.
cat >program.py <<'EOF'
import time
from wasmtime import Engine, FuncType, Linker, Module, Store, ValType
engine = Engine()
linker = Linker(engine)
linker.define_func("host", "now", FuncType([], [ValType.i64()]), time.time_ns)
module = Module(engine, """(module (import "host" "now" (func $now (result i64)))
                                    (func (export "now") (result i64) (call $now)))""")
store = Store(engine)
print(linker.instantiate(store, module).exports(store)["now"](store))
EOF
live1=$("$python" program.py) && live2=$("$python" program.py) || fail "the unmodified program, live"
[ "$live1" != "$live2" ] && [ ! -e trace.wrr ] || fail "without a variable the program should run live, untraced"
recorded=$(WASMTIME_RR_RECORD=trace.wrr "$python" program.py) || fail "the unmodified program, recorded"
replayed=$(WASMTIME_RR_REPLAY=trace.wrr "$python" program.py) || fail "the unmodified program, replayed"
[ -s trace.wrr ] && [ "$replayed" = "$recorded" ] || fail "replayed $replayed, recorded $recorded"
echo "an unmodified wasmtime-py program: live $live1, $live2; recorded $recorded, replayed $replayed"
"$python" -c '
import wasmtime, wasmtime_rr
from wasmtime_rr._native import lib
mapped = {line.split()[-1] for line in open("/proc/self/maps") if "libwasmtime_rr" in line}
assert len(mapped) == 1 and lib.same_copy(wasmtime._ffi.dll), mapped
print(f"wasmtime and wasmtime_rr in one process: one copy of the library ({lib.path})")
' || fail "two copies of the library in one process"

output=$("$python" -m wasmtime_rr.install_into_wasmtime_py --restore) || fail "install_into_wasmtime_py --restore"
echo "$output"
[ "$output" = "restored $into/_libwasmtime.so from $into/_libwasmtime.so.orig; removed $into/libwasmtime_rr.so.0.1" ] ||
  fail "unexpected output of --restore"
"$python" -c '
import wasmtime_rr
from wasmtime_rr import wasmtime_py
try:
    wasmtime_py.library()
except wasmtime_rr.LibraryMismatchError:
    print("after --restore, wasmtime-py runs its own library again")
else:
    raise SystemExit("--restore left libwasmtime_rr in wasmtime-py")
' || fail "install_into_wasmtime_py --restore"
echo "wheel: ok"
