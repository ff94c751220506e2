// Command go-demo is the Go version of the wasmtime-rr demo (examples/demo.c): turn
// recording on, see a rejected config's error instead of an abort, fix the
// config, build an engine, print its record/replay state and run a small
// module on it; then record a nondeterministic guest and replay it, and a
// WASI guest (wasi.go), whose replay prints the recorded output again.
//
// Run it from the repository (after cargo build --release):
//
//	cd examples/go && go run .
//
// The wasi subcommand records and replays any WASI preview-1 command, such
// as the test guests of tests/guests/wasi:
//
//	go run . wasi [-stdin FILE] [-dir HOST::GUEST]... [-env NAME=VALUE]... GUEST.wasm [ARG...]
package main

import (
	"errors"
	"fmt"
	"os"

	wasmtimerr "wasmtime-rr/bindings/go"
)

func main() {
	run := run
	if len(os.Args) > 1 && os.Args[1] == "wasi" {
		run = func() error { return wasiCommand(os.Args[2:]) }
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func run() error {
	fmt.Printf("wasmtime-rr %s (header %s), record/replay compiled in: %s\n",
		wasmtimerr.Version(), headerVersion(), yesNo(wasmtimerr.CompiledIn()))

	// 1. A config that records but explicitly disables NaN canonicalization:
	// the stock constructor would abort the process; we get an error value.
	cfg := wasmtimerr.NewConfig()
	defer cfg.Close() // does nothing once NewEngine has consumed it
	if err := cfg.SetRecording(true); err != nil {
		return err
	}
	cfg.SetCraneliftNaNCanonicalization(false)
	_, err := wasmtimerr.NewEngine(cfg)
	var rejected *wasmtimerr.Error
	if !errors.As(err, &rejected) {
		return fmt.Errorf("the conflicting config was not rejected with an *Error: %v", err)
	}
	fmt.Printf("rejected config: error [%s]: %s\n", rejected.Kind, rejected.Message)
	fmt.Printf("errors.Is(err, ErrInvalidConfig): %v\n", errors.Is(err, wasmtimerr.ErrInvalidConfig))

	// 2. The same config, still ours after the failure, fixed explicitly.
	if err := cfg.EnforceDeterminism(); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	engine, err := wasmtimerr.NewEngine(cfg)
	if err != nil {
		return err
	}
	defer engine.Close()

	// 3. What the engine was built with.
	mode, err := engine.Mode()
	if err != nil {
		return err
	}
	nan, err := engine.NaNCanonicalization()
	if err != nil {
		return err
	}
	simd, err := engine.RelaxedSIMDDeterministic()
	if err != nil {
		return err
	}
	fmt.Printf("engine: mode=%s nan_canonicalization=%s relaxed_simd_deterministic=%s\n", mode, onOff(nan), onOff(simd))

	// 4. Run a tiny module on it through Wasmtime's C API (mix.go).
	result, err := mix(engine, 6, 7.0)
	if err != nil {
		return err
	}
	fmt.Printf("mix(6, 7.0) = %g\n", result)

	// 5. Record a guest that reads the clock and a random source, replay it
	// on a fresh engine and store without calling the host (replay.go).
	if err := recordAndReplay(); err != nil {
		return err
	}

	// 6. The same with WASI: record a WASI command, replay it with echo
	// (wasi.go).
	return wasiDemo()
}
