#!/usr/bin/env bash
# Builds the C++ WASI example (examples/cpp/wasi.cpp) against the built
# library, runs it and checks its output: the recorded line, the replay's echo
# of it (stdout) and of the guest's stderr line (stderr), the exit statuses
# and the divergence of a replay with other arguments. Builds the library
# (cargo build --release) only when target/release lacks it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/release
if [ ! -e "$out/libwasmtime_rr.so" ] || [ ! -e "$out/include/wasmtime.hh" ]; then
  cargo build --release --quiet
fi
mkdir -p "$out/examples-cpp"
# include/ first: its wasmtime_rr.hh is the current one (target/release/include
# holds the copy staged by the last cargo build); Wasmtime's headers as system ones.
c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror examples/cpp/wasi.cpp -I"$PWD/include" -isystem "$out/include" \
  -L"$out" -lwasmtime_rr -Wl,-rpath,"$PWD/$out" -o "$out/examples-cpp/wasi"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
"$out/examples-cpp/wasi" >"$tmp/out" 2>"$tmp/err" || status=$?
cat "$tmp/out"
cat "$tmp/err" >&2
fail() {
  echo "examples/cpp/wasi: $*; expected:"
  echo "wasi: recorded: now=0xH random=0xH (exit status 3, trace N bytes)"
  echo "wasi: recorded stderr: guest: exiting with 3"
  echo "wasi: replaying with echo, no WASI context:"
  echo "now=0xH random=0xH            (the same line: the replay's echo)"
  echo "wasi: replayed: exit status 3, trace consumed"
  echo "wasi: replay with other arguments: error [divergence]: ... other arguments ..."
  echo "and on stderr the echo of the guest's stderr: guest: exiting with 3"
  exit 1
}
[ "$status" -eq 0 ] || fail "exit status $status"
mapfile -t lines <"$tmp/out"
[ "${#lines[@]}" -eq 6 ] || fail "${#lines[@]} lines, want 6"
[[ ${lines[0]} =~ ^wasi:\ recorded:\ (now=0x[0-9a-f]{16}\ random=0x[0-9a-f]{16})\ \(exit\ status\ 3,\ trace\ [1-9][0-9]*\ bytes\)$ ]] ||
  fail "in line 1"
recorded=${BASH_REMATCH[1]}
[ "${lines[1]}" = "wasi: recorded stderr: guest: exiting with 3" ] || fail "in line 2"
[ "${lines[2]}" = "wasi: replaying with echo, no WASI context:" ] || fail "in line 3"
[ "${lines[3]}" = "$recorded" ] || fail "in line 4 (the replay's echo differs from the recording)"
[ "${lines[4]}" = "wasi: replayed: exit status 3, trace consumed" ] || fail "in line 5"
[[ ${lines[5]} =~ ^wasi:\ replay\ with\ other\ arguments:\ error\ \[divergence\]:\ .*replay\ diverged\ at\ event\ #[0-9]+:\ .*other\ arguments.*\"dice\ --other\"$ ]] ||
  fail "in line 6"
[ "$(cat "$tmp/err")" = "guest: exiting with 3" ] || fail "on stderr"
echo "examples/cpp/wasi: output checked"
