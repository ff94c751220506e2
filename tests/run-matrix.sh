#!/usr/bin/env bash
# The misuse matrix (tests/matrix): every function declared in
# include/wasmtime_rr.h, each pointer NULL / misaligned / of another engine or
# store, each kind swept, one child process per case.
#   tests/run-matrix.sh PROFILE_DIR [driver options: -j 1|2, -t SECONDS, -f SUBSTRING, -v]
# PROFILE_DIR is a cargo output folder holding the built library
# (target/release). Generates target/matrix/matrix_cases.c from the header,
# builds with -Wall -Wextra -Wpedantic -Werror and runs it, then builds and
# runs it again under ASan+UBSan (the harness is instrumented, the library is
# not; MATRIX_ASAN=0 skips this second run). Exits non-zero on any failure.
# Takes about 10 s on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
profile_dir=$(cd "$1" && pwd)
shift
out="$(dirname "$profile_dir")/matrix"
mkdir -p "$out"

python3 tests/matrix/gen_matrix.py include/wasmtime_rr.h "$out/matrix_cases.c"

includes=(-Iinclude -isystem "$profile_dir/include" -Itests/matrix)
strict=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror)
link=(-L"$profile_dir" -lwasmtime_rr -Wl,-rpath,"$profile_dir")
sources=(tests/matrix/driver.c tests/matrix/harness.c "$out/matrix_cases.c")

echo "== misuse matrix (-Wall -Wextra -Wpedantic -Werror)"
cc "${strict[@]}" -O1 -g "${includes[@]}" "${sources[@]}" -o "$out/matrix" "${link[@]}"
status=0
"$out/matrix" "$@" || status=$?

if [ "${MATRIX_ASAN:-1}" = 1 ]; then
  echo
  echo "== misuse matrix again, the harness under ASan+UBSan"
  cc "${strict[@]}" -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
    "${includes[@]}" "${sources[@]}" -o "$out/matrix-asan" "${link[@]}"
  ASAN_OPTIONS=detect_leaks=0 "$out/matrix-asan" "$@" || status=$?
fi
exit $status
