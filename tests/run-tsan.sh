#!/usr/bin/env bash
# ThreadSanitizer on both sides of the C boundary: the library itself built
# with TSan by nightly Rust (-Zsanitizer=thread, with -Zbuild-std so that std's
# mutexes, atomics and thread spawns are instrumented too), in its own target
# folder (target/tsan), and tests/c/test_threads.c built with -fsanitize=thread
# and linked against that build. Only this build uses nightly Rust; the
# library ships from stable.
#   tests/run-tsan.sh
# tests/run-c-tests.sh also runs test_threads under TSan, against the stable
# release build, which TSan cannot see into (tests/c/tsan.supp).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo +nightly --version >/dev/null 2>&1 ||
  { echo "ThreadSanitizer for Rust needs nightly Rust: rustup toolchain install nightly --profile minimal --component rust-src"
    echo "(scripts/setup-test-deps.sh does)"; exit 1; }
sysroot=$(rustc +nightly --print sysroot)
[ -d "$sysroot/lib/rustlib/src/rust/library" ] ||
  { echo "-Zbuild-std needs the standard library's sources: rustup component add rust-src --toolchain nightly"; exit 1; }
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
out=target/tsan/$host/release

# --target keeps RUSTFLAGS off build scripts and proc macros (they run on the
# host uninstrumented); -Zbuild-std rebuilds std with the same flags.
echo "== build the library with ThreadSanitizer ($(cargo +nightly --version | cut -d' ' -f2), -Zbuild-std, release, target/tsan)"
started=$SECONDS
RUSTFLAGS="-Zsanitizer=thread" cargo +nightly build -Zbuild-std --target "$host" --release --lib --target-dir target/tsan
echo "built in $((SECONDS - started)) s"

# The cdylib leaves the TSan runtime's entry points undefined: rustc links
# sanitizer runtimes into executables only. The test program brings the
# runtime rustc ships (compiler-rt of rustc's own LLVM): gcc's libtsan is
# older and lacks entry points this instrumentation calls (__tsan_memcpy,
# __tsan_memset, __tsan_memmove). So the test is compiled with gcc's
# -fsanitize=thread instrumentation (same runtime ABI) but linked with
# rustc's runtime instead of libtsan.
tsan_entries=$(nm -D --undefined-only "$out/libwasmtime_rr.so" | grep -c ' __tsan_' || true)
[ "$tsan_entries" -gt 0 ] || { echo "$out/libwasmtime_rr.so is not instrumented for TSan"; exit 1; }
runtime=$(find "$sysroot/lib/rustlib/$host/lib" -maxdepth 1 -name 'librustc-*_rt.tsan.a' | head -n 1)
[ -n "$runtime" ] || { echo "no TSan runtime in $sysroot/lib/rustlib/$host/lib"; exit 1; }
echo "libwasmtime_rr.so calls $tsan_entries TSan entry points; runtime: $(basename "$runtime")"

echo "== threads: configs, engines and sessions from 8 threads at once (C11; TSan in the test, the library and its std)"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror -g -fsanitize=thread \
  -Iinclude -isystem "$out/include" -Itests/c -c tests/c/test_threads.c -o "$out/test_threads.o"
cc "$out/test_threads.o" -o "$out/test_threads" -Wl,--whole-archive "$runtime" -Wl,--no-whole-archive \
  -L"$out" -lwasmtime_rr -Wl,-rpath,"$PWD/$out" -lpthread -ldl -lm
# No suppressions: every access and every synchronization of the library
# (std's mutexes and atomics included) is instrumented, so a report is a
# real race. (tests/c/tsan.supp, for the stable build, hides the library.)
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$out/test_threads"
