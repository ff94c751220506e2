#!/usr/bin/env bash
# Builds and runs the C and C++ tests against a built library.
#   tests/run-c-tests.sh PROFILE_DIR EXPECT_RR
# PROFILE_DIR is a cargo output folder (target/release); EXPECT_RR is 1 when
# the library has record/replay compiled in, 0 when not. Everything is built
# with -Wall -Wextra -Wpedantic -Werror; the test programs run under
# AddressSanitizer + UndefinedBehaviorSanitizer with leak detection.
set -euo pipefail
cd "$(dirname "$0")/.."
profile_dir=$(cd "$1" && pwd)
expect_rr=$2
out="$profile_dir/c-tests"
mkdir -p "$out"

# Our header from include/ (warnings apply to it); Wasmtime's own headers from
# the staged folder as system headers, as their users include them.
includes=(-Iinclude -isystem "$profile_dir/include")
strict=(-Wall -Wextra -Wpedantic -Werror)
sanitize=(-g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all)
link=(-L"$profile_dir" -lwasmtime_rr -Wl,-rpath,"$profile_dir")

echo "== header compiles alone, twice included: C11 and C++17"
cc -std=c11 "${strict[@]}" "${includes[@]}" -fsyntax-only tests/c/header_alone.c
c++ -std=c++17 "${strict[@]}" "${includes[@]}" -fsyntax-only -x c++ tests/c/header_alone.c

echo "== C tests (C11, ASan+UBSan)"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -DEXPECT_RR="$expect_rr" "${strict[@]}" "${sanitize[@]}" \
  "${includes[@]}" -Itests/c tests/c/test_rr.c -o "$out/test_rr" "${link[@]}"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_rr"

echo "== C++ tests (C++17, ASan+UBSan)"
c++ -std=c++17 "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c tests/c/test_rr.cpp \
  -o "$out/test_rr_cpp" "${link[@]}"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_rr_cpp"

if [ "$expect_rr" = 1 ]; then
  echo "== record/replay (C11, ASan+UBSan); its recordings seed the fuzz target trace_mutate"
  cc -std=c11 -D_POSIX_C_SOURCE=200809L "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c \
    -DRR_GUEST_WAT="\"$PWD/tests/guests/replay_guest.wat\"" \
    tests/c/test_replay.c -o "$out/test_replay" "${link[@]}"
  rm -rf "$out/seeds" && mkdir -p "$out/seeds"
  WASMTIME_RR_SEED_DIR="$out/seeds" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_replay"

  echo "== components: every value type, host functions, divergences, damaged traces (C11, ASan+UBSan)"
  cc -std=c11 -D_POSIX_C_SOURCE=200809L "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c \
    -DCOMPONENT_WAT="\"$PWD/tests/guests/components/values.wat\"" \
    -DCOMPONENT_WASIP2_WAT="\"$PWD/tests/guests/components/wasip2.wat\"" \
    tests/c/test_components.c -o "$out/test_components" "${link[@]}"
  COMPONENT_TRACE_OUT="$out/seeds/component.wrr" COMPONENT_WASIP2_TRACE_OUT="$out/seeds/component-wasip2.wrr" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$out/test_components"
  echo "== components: resources the host defines and makes (own, lent, destructors), recorded and replayed without the host (C11, ASan+UBSan)"
  cc -std=c11 -D_POSIX_C_SOURCE=200809L "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c \
    tests/c/test_host_resources.c -o "$out/test_host_resources" "${link[@]}"
  HOST_RESOURCES_TRACE_OUT="$out/seeds/component-host-resources.wrr" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$out/test_host_resources" tests/guests/components/counter.wat
  listing=$("$profile_dir/wasmtime-rr" inspect "$out/seeds/component-host-resources.wrr")
  for expected in \
    '#0 define component resource `counter`: host type 7' \
    'component host call [constructor]counter(100) -> (own#0(host type 7, rep 5))' \
    'component host call [resource-drop]counter(5) -> ()' \
    'call component export `take` of instance #0 with (own#4(host type 7, rep 40))' \
    'component host call [resource-drop]counter(6) -> ()' \
    'component host call [resource-drop]counter(7) failed: counter is stuck'; do
    grep -qF -- "$expected" <<<"$listing" || { echo "inspect lacks: $expected"; echo "$listing"; exit 1; }
  done
  replayed=$("$profile_dir/wasmtime-rr" replay tests/guests/components/counter.wat "$out/seeds/component-host-resources.wrr")
  grep -qE '^call take\(own#4\(host type 7, rep 40\)\) -> returned \([0-9]+\)$' <<<"$replayed" &&
    grep -qxF 'call make() -> returned (own#7)' <<<"$replayed" && grep -qxF 'host drop: [resource-drop]counter(6)' <<<"$replayed" &&
    grep -qx 'replay matched the recording: 29 events' <<<"$replayed" ||
    { echo "replay of the host resources trace unexpected"; echo "$replayed"; exit 1; }
  if lent=$("$profile_dir/wasmtime-rr" replay tests/guests/components/counter.wat "$out/seeds/component-host-resources.wrr.lent" 2>&1); then
    echo "replay of a lent host resource without the host succeeded"; exit 1
  fi
  grep -qF 'error [unsupported]: the trace has resource #6, which the replay has not seen: a resource the host lends to an export' <<<"$lent" ||
    { echo "unexpected output: $lent"; exit 1; }
  rm "$out/seeds/component-host-resources.wrr.lent"
  # A trace that does not define the host's resource type (found by fuzzing:
  # the replay used to read the same instantiation forever).
  if missing=$("$profile_dir/wasmtime-rr" replay tests/guests/components/counter.wat "$out/seeds/component.wrr" 2>&1); then
    echo "replay of a trace without the host's resource type succeeded"; exit 1
  fi
  grep -qF 'error [divergence]: the component cannot be instantiated with what the trace defines: component imports resource `counter`' <<<"$missing" ||
    { echo "unexpected output: $missing"; exit 1; }
  echo "host resources: inspect and replay checks passed"
  echo "== C++ API: test_components_hh (wasmtime::rr::component over wasmtime/component.hh; C++17, ASan+UBSan)"
  c++ -std=c++17 "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c tests/c/test_components_hh.cpp \
    -o "$out/test_components_hh" "${link[@]}"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_components_hh" tests/guests/components/values.wat \
    tests/guests/components/wasip2.wat tests/guests/components/counter.wat
  echo "== components from a real toolchain: a Python guest built with componentize-py (WASI preview 2)"
  cpy_venv="$(dirname "$profile_dir")/componentize-py"
  if [ ! -x "$cpy_venv/bin/componentize-py" ]; then
    source bindings/python/venv.sh
    make_venv "$cpy_venv"
    "$cpy_venv/bin/python" -m pip install --quiet --disable-pip-version-check componentize-py==0.25.1
  fi
  COMPONENTIZE_PY="$cpy_venv/bin/componentize-py" bash tests/guests/components/python/build.sh "$out/python-component"
  cc -std=c11 -D_POSIX_C_SOURCE=200809L "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c \
    tests/c/test_python_component.c -o "$out/test_python_component" "${link[@]}"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_python_component" "$out/python-component/app.wasm" \
    "$out/python-component.wrr"
  echo "== components from wasm-tools: the WASI preview-1 C guest adapted to preview 2, recorded and replayed (C11, ASan+UBSan)"
  bash tests/guests/components/adapted/build.sh "$out/adapted"
  cc -std=c11 -D_POSIX_C_SOURCE=200809L "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c \
    tests/c/test_adapted_component.c -o "$out/test_adapted_component" "${link[@]}"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_adapted_component" \
    "$out/adapted/guest-c.component.wasm"
  echo "== WASI preview 2: wasmtime-rr replays the Python guest's trace alone (its stdout echoed, no host)"
  replayed=$("$profile_dir/wasmtime-rr" replay "$out/python-component/app.wasm" "$out/python-component.wrr" 2>&1)
  grep -qx 'hello, héllo' <<<"$replayed" && grep -qE '^wasmtime-rr: replay matched the recording: [0-9]+ events$' <<<"$replayed" ||
    { echo "replay output unexpected"; echo "$replayed"; exit 1; }
  echo "== components: wasmtime-rr inspect prints component values readably"
  listing=$("$profile_dir/wasmtime-rr" inspect "$out/seeds/component.wrr")
  for expected in \
    '#3 call component export `echo` of instance #0 with ({b: true, s8: -128, u8: 255, s16: -30000, u16: 65535, s32: -2147483648, u32: 7, s64: -9223372036854775808, u64: 18446744073709551615, f32: nan:0x7fc01234, f64: -0, c: '"'"'🦀'"'"', s: "héllo 🦀", l: [1, 7, 4294967295], t: (7, "tuple é"), v: circle(1.5), e: green, o: some(14), r: err(42), fl: {read, exec}, nested: [some(("a", [1, 2])), none]})' \
    '#11 call component export `api#greet` of instance #0 with ("ab")' \
    '#21 component host call fail() failed: disk on fire'; do
    grep -qF -- "$expected" <<<"$listing" || { echo "inspect lacks: $expected"; echo "$listing"; exit 1; }
  done
  grep -qE '^#13 component host call greet\("ab"\) -> \(\[97, 98, [0-9]+\]\)$' <<<"$listing" ||
    { echo "inspect lacks the greet host call"; echo "$listing"; exit 1; }
  json=$("$profile_dir/wasmtime-rr" inspect --json "$out/seeds/component.wrr")
  grep -qF '"kind":"component_host_call","bytes":' <<<"$json" && grep -qF '"name":"greet","args":"(\"ab\")"' <<<"$json" ||
    { echo "inspect --json lacks the component host call"; echo "$json"; exit 1; }
  echo "inspect checks passed"
  echo "== components: wasmtime-rr replay replays the trace with the component alone (no host)"
  replayed=$("$profile_dir/wasmtime-rr" replay tests/guests/components/values.wat "$out/seeds/component.wrr")
  grep -qE '^call api#greet\("ab"\) -> returned \(\[97, 98, [0-9]+\]\)$' <<<"$replayed" &&
    grep -qx 'replay matched the recording: 23 events' <<<"$replayed" ||
    { echo "replay output unexpected"; echo "$replayed"; exit 1; }
  cp tests/guests/components/values.wat "$out/other.wat" && echo ';; another build' >>"$out/other.wat"
  if mismatch=$("$profile_dir/wasmtime-rr" replay "$out/other.wat" "$out/seeds/component.wrr" 2>&1); then
    echo "replay of another component succeeded"; exit 1
  fi
  grep -q 'module_mismatch.*the trace instantiates a component with sha256 [0-9a-f]\{64\}, but this component has sha256' <<<"$mismatch" ||
    { echo "unexpected mismatch output: $mismatch"; exit 1; }
  echo "replay checks passed"
  echo "== WASI preview 2: inspect and replay of tests/guests/components/wasip2.wat's trace"
  listing=$("$profile_dir/wasmtime-rr" inspect "$out/seeds/component-wasip2.wrr")
  for expected in \
    '#4 wasip2 wasi:cli/stdout#get-stdout() -> own#0' \
    '#5 wasip2 wasi:io/streams#[method]output-stream.blocking-write-and-flush(borrow#0, b"tick\n") -> ok(())' \
    '#7 wasip2 wasi:io/streams#[method]input-stream.blocking-read(borrow#0, 16) -> ok(b"Q")' \
    '#8 wasip2 wasi:filesystem/preopens#get-directories() -> [(own#0, "/data")]' \
    '#9 wasip2 wasi:filesystem/types#[method]descriptor.open-at(borrow#0, {}, "input.txt", {}, {read}) -> ok(own#1)' \
    '#10 wasip2 wasi:filesystem/types#[method]descriptor.read(borrow#1, 16, 0) -> ok((b"K", false))'; do
    grep -qxF -- "$expected" <<<"$listing" || { echo "inspect lacks: $expected"; echo "$listing"; exit 1; }
  done
  grep -qE '^#11 wasip2 wasi:clocks/wall-clock#now\(\) -> \{seconds: [0-9]+, nanoseconds: [0-9]+\}$' <<<"$listing" &&
    grep -qE '^#12 wasip2 wasi:random/random#get-random-u64\(\) -> [0-9]+$' <<<"$listing" ||
    { echo "inspect lacks the clock or random call"; echo "$listing"; exit 1; }
  replayed=$("$profile_dir/wasmtime-rr" replay tests/guests/components/wasip2.wat "$out/seeds/component-wasip2.wrr" 2>&1)
  [ "$replayed" = $'tick\nwasmtime-rr: replay matched the recording: 14 events' ] ||
    { echo "replay output unexpected"; echo "$replayed"; exit 1; }
  echo "WASI preview 2 tool checks passed"

  echo "== threads: configs, engines and sessions from 8 threads at once (C11, ThreadSanitizer)"
  cc -std=c11 -D_POSIX_C_SOURCE=200809L "${strict[@]}" -g -fsanitize=thread "${includes[@]}" -Itests/c \
    tests/c/test_threads.c -o "$out/test_threads" "${link[@]}" -lpthread
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/c/tsan.supp" "$out/test_threads"

  for test in test_rr_hh test_replay_hh test_session_hh; do
    echo "== C++ API: $test (wasmtime_rr.hh over wasmtime.hh; C++17, ASan+UBSan)"
    c++ -std=c++17 "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c "tests/c/$test.cpp" \
      -o "$out/$test" "${link[@]}"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/$test"
  done

  echo "== WASI guests (tests/guests/wasi: clang with wasi-libc, and Go)"
  guests="$profile_dir/../wasi-guests"
  bash tests/guests/wasi/build.sh "$guests"

  echo "== WASI record/replay with the real guests (C11, ASan+UBSan)"
  cc -std=c11 -D_GNU_SOURCE "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c \
    -DGUESTS_DIR="\"$guests\"" -DWASMTIME_RR_CLI="\"$profile_dir/wasmtime-rr\"" \
    tests/c/test_wasi.c -o "$out/test_wasi" "${link[@]}"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_wasi"

  echo "== C++ API: test_wasi_hh (WASI record/replay with the C guest; C++17, ASan+UBSan)"
  c++ -std=c++17 "${strict[@]}" "${sanitize[@]}" "${includes[@]}" -Itests/c -DRR_WASI_GUESTS="\"$guests\"" \
    tests/c/test_wasi_hh.cpp -o "$out/test_wasi_hh" "${link[@]}"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/test_wasi_hh"
fi
