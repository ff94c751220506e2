//go:build wasmtimerr_pkgconfig

package wasmtimerr

// Installed library (go build -tags wasmtimerr_pkgconfig): the flags come from
// the wasmtime-rr pkg-config file instead of the repository's build output.

// #cgo pkg-config: wasmtime-rr
import "C"
