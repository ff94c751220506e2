// Command go checks the Go package wasmtimerr against the installed library
// (tests/run-install-tests.sh). Built with -tags wasmtimerr_pkgconfig and
// PKG_CONFIG_PATH=PREFIX/lib/pkgconfig, its only cgo flags are those of the
// installed wasmtime-rr.pc; it has no cgo of its own, unlike examples/go,
// whose module-running code links the repository's build output.
//
//	go build -tags wasmtimerr_pkgconfig -o check . && ./check VERSION
//
// Prints each check; exits 1 if any failed.
package main

import (
	"errors"
	"fmt"
	"os"

	wasmtimerr "wasmtime-rr/bindings/go"
)

var failures int

func check(ok bool, format string, args ...any) {
	status := "ok"
	if !ok {
		status = "FAILED"
		failures++
	}
	fmt.Printf("%s: %s\n", status, fmt.Sprintf(format, args...))
}

func run(version string) error {
	// The script compares this line with Cargo.toml's version.
	fmt.Printf("wasmtime_rr_version() = %s\n", wasmtimerr.Version())
	check(wasmtimerr.Version() == version, "Version() == %q", version)
	check(wasmtimerr.CompiledIn(), "CompiledIn()")

	cfg := wasmtimerr.NewConfig()
	defer cfg.Close() // does nothing once NewEngine has consumed it
	if err := cfg.SetRecording(true); err != nil {
		return err
	}
	cfg.SetCraneliftNaNCanonicalization(false)
	_, err := wasmtimerr.NewEngine(cfg)
	check(errors.Is(err, wasmtimerr.ErrInvalidConfig),
		"recording without NaN canonicalization is rejected: %v", err)
	if err := cfg.EnforceDeterminism(); err != nil {
		return err
	}
	engine, err := wasmtimerr.NewEngine(cfg)
	if err != nil {
		return err
	}
	defer engine.Close()
	recording, err := engine.IsRecording()
	check(err == nil && recording, "the engine records")
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: check VERSION")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		check(false, "unexpected error: %v", err)
	}
	if failures != 0 {
		fmt.Println("Go package: FAILED")
		os.Exit(1)
	}
	fmt.Println("Go package: all checks passed")
}
