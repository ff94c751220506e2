//go:build !wasmtimerr_pkgconfig

package wasmtimerr

// Default build: the headers and library come from this repository's build
// output (cargo build --release), found relative to this file, so no
// environment variable needs to be set. The rpath lets the test binaries and
// programs find libwasmtime_rr.so at run time. CGO_CFLAGS and CGO_LDFLAGS are
// appended after these flags and can point elsewhere.

// #cgo CFLAGS: -I${SRCDIR}/../../include -isystem ${SRCDIR}/../../target/release/include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -lwasmtime_rr -Wl,-rpath,${SRCDIR}/../../target/release
import "C"
