//go:build wasmtimerr_pkgconfig

package capitest

// The same flags as the wasmtimerr package's pkg-config build (../../cgo_pkgconfig.go).

// #cgo pkg-config: wasmtime-rr
import "C"
