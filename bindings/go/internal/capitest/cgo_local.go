//go:build !wasmtimerr_pkgconfig

package capitest

// The same flags as the wasmtimerr package's default build (../../cgo_local.go).

// #cgo CFLAGS: -I${SRCDIR}/../../../../include -isystem ${SRCDIR}/../../../../target/release/include
// #cgo LDFLAGS: -L${SRCDIR}/../../../../target/release -lwasmtime_rr -Wl,-rpath,${SRCDIR}/../../../../target/release
import "C"
