#!/usr/bin/env bash
# Installs what the test command (bash tests/run-all.sh) needs besides the Rust
# toolchain, on a fresh Debian machine of the project's kind. Every item is
# checked first, so a second run installs nothing and takes a few seconds.
#   apt:    cmake, nm, cc, c++, git, pkg-config, go (if missing), the
#           sanitizer runtimes (if a trivial -fsanitize program does not link),
#           clang + wasi-libc (if clang cannot build a trivial wasm32-wasi program)
#   pip:    pytest >= 7 (if missing; Debian's python3-pytest where pip cannot)
#   cargo:  cargo-fuzz 0.13.2 (if `cargo fuzz` does not run); wasm-tools
#           1.263.0 with its `component` and `validate` commands only (if
#           missing): it turns a WASI preview-1 guest into a component
#   rustup: the nightly toolchain with rust-src (if missing), for the
#           sanitizer builds only: the fuzz targets with ASan, the library
#           with TSan and -Zbuild-std (tests/run-fuzz.sh, tests/run-tsan.sh)
# It runs apt-get as root, or through sudo when not root.
set -euo pipefail

say() { echo "setup-test-deps: $*"; }
die() { echo "setup-test-deps: error: $*" >&2; exit 1; }

# The Rust toolchain is a prerequisite, not something this script installs.
command -v cargo >/dev/null ||
  die "cargo is missing: install the Rust toolchain (Rust 1.95, e.g. with rustup) first"

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  as_root=(false)  # only reached when something is missing; fails below with a message
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf 'int main(void){return 0;}\n' > "$scratch/trivial.c"
printf '#include <stdio.h>\n#include <time.h>\nint main(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);printf("%%ld\\n",(long)t.tv_sec);return 0;}\n' \
  > "$scratch/wasi.c"

# Whether cc links a trivial program with these sanitizer flags.
cc_links() { command -v cc >/dev/null && cc "$@" -o "$scratch/san" "$scratch/trivial.c" 2>/dev/null; }
# Whether clang compiles and links a C program against wasi-libc. The flags are
# the ones tests/guests/wasi/build.sh uses (Debian's clang finds wasi-libc's
# headers and libraries in /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi).
wasi_links() {
  command -v clang >/dev/null &&
    clang --target=wasm32-wasi -O2 -o "$scratch/wasi.wasm" "$scratch/wasi.c" 2>/dev/null
}

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)            # wasmtime-c-api-impl's build script
command -v nm >/dev/null || need_apt+=(binutils)            # exported-symbol test
command -v cc >/dev/null || need_apt+=(gcc)
command -v c++ >/dev/null || need_apt+=(g++)
command -v git >/dev/null || need_apt+=(git)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)  # install tests
command -v go >/dev/null || need_apt+=(golang-go)           # Go binding, Go WASI guest
# Sanitizer runtimes for the C tests (part of gcc on Debian; checked, not assumed).
if ! cc_links -fsanitize=address,undefined || ! cc_links -fsanitize=thread; then
  need_apt+=(libasan8 libubsan1 libtsan2)
fi
# clang, wasm-ld, wasi-libc and the wasm32 compiler-rt builtins: the WASI guests.
wasi_links || need_apt+=(clang lld wasi-libc libclang-rt-14-dev-wasm32)

if [ ${#need_apt[@]} -ne 0 ]; then
  say "apt-get install ${need_apt[*]}"
  [ "${as_root[0]-}" != false ] ||
    die "installing ${need_apt[*]} needs root (or sudo); install them and run this again"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null ||
    die "apt-get install ${need_apt[*]} failed"
  # Checked again, so that a package that installed but does not do the job
  # is reported here rather than as a failing test suite.
  if ! cc_links -fsanitize=address,undefined || ! cc_links -fsanitize=thread; then
    die "cc still cannot link -fsanitize=address,undefined / -fsanitize=thread programs"
  fi
  wasi_links || die "clang still cannot build a wasm32-wasi program (clang lld wasi-libc libclang-rt-14-dev-wasm32)"
fi

# GOOS=wasip1 needs Go 1.21 or later (Debian 12's golang-go is 1.19).
go_minor=$(go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
[ -n "$go_minor" ] && [ "$go_minor" -ge 21 ] ||
  say "warning: $(go env GOVERSION 2>/dev/null || echo 'go') is older than go1.21; the Go WASI guest (GOOS=wasip1) will not build"

if ! python3 -c 'import sys, pytest; sys.exit(int(pytest.__version__.split(".")[0]) < 7)' 2>/dev/null; then
  say "pip install pytest>=7"
  if ! python3 -m pip install --quiet --disable-pip-version-check "pytest>=7"; then
    # Debian's own python3 has no pip, or refuses it (PEP 668): its package
    # then (pytest 7.2 on Debian 12).
    say "pip failed; apt-get install python3-pytest"
    [ "${as_root[0]-}" != false ] || die "pip install pytest failed, and apt-get needs root (or sudo)"
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pytest >/dev/null ||
      die "installing pytest failed (pip and apt-get)"
  fi
fi

# The fuzz targets build with cargo-fuzz (nightly Rust, AddressSanitizer); ~30 s to install.
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo install cargo-fuzz 0.13.2"
  cargo install cargo-fuzz --locked --version 0.13.2 || die "cargo install cargo-fuzz failed"
fi

# wasm-tools turns the WASI preview-1 C guest into a preview 2 component
# (tests/guests/components/adapted); only the commands the tests use, ~3 min.
if ! wasm-tools --version 2>/dev/null | grep -qx 'wasm-tools 1.263.0.*'; then
  say "cargo install wasm-tools 1.263.0 (component, validate)"
  cargo install wasm-tools --locked --version 1.263.0 --no-default-features --features component,validate ||
    die "cargo install wasm-tools failed"
fi

# Nightly Rust for the sanitizer builds (-Zsanitizer is nightly-only); the
# library itself builds and ships on stable. rust-src is what -Zbuild-std
# rebuilds std from.
if ! cargo +nightly --version >/dev/null 2>&1; then
  command -v rustup >/dev/null || die "nightly Rust is missing, and rustup is not there to install it"
  say "rustup toolchain install nightly --profile minimal --component rust-src"
  rustup toolchain install nightly --profile minimal --component rust-src || die "installing nightly Rust failed"
fi
if [ ! -d "$(rustc +nightly --print sysroot)/lib/rustlib/src/rust/library" ]; then
  command -v rustup >/dev/null || die "nightly Rust has no rust-src, and rustup is not there to add it"
  say "rustup component add rust-src --toolchain nightly"
  rustup component add rust-src --toolchain nightly || die "adding rust-src to nightly Rust failed"
fi

say "ok"
