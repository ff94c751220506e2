package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// rollWAT is a guest whose result depends on the outside world: it asks the
// host for the time and for 8 random bytes (written into its memory).
const rollWAT = `(module
  (import "env" "now" (func $now (result i64)))
  (import "env" "random" (func $random (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "roll") (result i64)
    (call $random (i32.const 0) (i32.const 8))
    (i64.rem_u (i64.xor (call $now) (i64.load (i32.const 0))) (i64.const 1000000))))`

// rollHost provides the guest's imports and counts their calls.
type rollHost struct{ calls int }

func (h *rollHost) linker(engine *wasmtimerr.Engine) (*wasmtimerr.Linker, error) {
	linker, err := wasmtimerr.NewLinker(engine)
	if err != nil {
		return nil, err
	}
	err = linker.DefineFunc("env", "now", nil, []wasmtimerr.ValKind{wasmtimerr.KindI64},
		func(*wasmtimerr.Caller, []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
			h.calls++
			return []wasmtimerr.Value{wasmtimerr.ValI64(time.Now().UnixNano())}, nil
		})
	if err == nil {
		err = linker.DefineFunc("env", "random", []wasmtimerr.ValKind{wasmtimerr.KindI32, wasmtimerr.KindI32}, nil,
			func(caller *wasmtimerr.Caller, args []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
				h.calls++
				buf := make([]byte, args[1].I32())
				rand.Read(buf)
				// Through the caller, so the write is recorded and replayed.
				return nil, caller.MemoryWrite("memory", uint64(args[0].I32()), buf)
			})
	}
	if err != nil {
		linker.Close()
		return nil, err
	}
	return linker, nil
}

// rrEngine builds an engine that records or replays.
func rrEngine(mode wasmtimerr.Mode) (*wasmtimerr.Engine, error) {
	cfg := wasmtimerr.NewConfig()
	defer cfg.Close()
	if err := cfg.SetMode(mode); err != nil {
		return nil, err
	}
	if err := cfg.EnforceDeterminism(); err != nil {
		return nil, err
	}
	return wasmtimerr.NewEngine(cfg)
}

// rollOnce runs roll() once on a fresh engine in the given mode: recording
// into trace, or replaying from it. It returns the result and how often the
// host functions ran.
func rollOnce(mode wasmtimerr.Mode, wasm []byte, trace *bytes.Buffer) (int64, int, error) {
	engine, err := rrEngine(mode)
	if err != nil {
		return 0, 0, err
	}
	defer engine.Close()
	module, err := wasmtimerr.NewModule(engine, wasm)
	if err != nil {
		return 0, 0, err
	}
	defer module.Close()
	host := &rollHost{}
	linker, err := host.linker(engine)
	if err != nil {
		return 0, 0, err
	}
	defer linker.Close()
	store, err := wasmtimerr.NewStore(engine)
	if err != nil {
		return 0, 0, err
	}
	defer store.Close()
	if err := attach(store, mode, trace); err != nil {
		return 0, 0, err
	}
	instance, err := linker.Instantiate(store, module)
	if err != nil {
		return 0, 0, err
	}
	results, err := instance.Call(store, "roll")
	if err != nil {
		return 0, 0, err
	}
	if err := store.Finish(); err != nil {
		return 0, 0, err
	}
	return results[0].I64(), host.calls, nil
}

// attach starts recording the store into trace, or replaying it from trace.
func attach(store *wasmtimerr.Store, mode wasmtimerr.Mode, trace *bytes.Buffer) error {
	if mode == wasmtimerr.ModeRecording {
		recorder, err := wasmtimerr.NewRecorderWriter(trace)
		if err != nil {
			return err
		}
		return store.Record(recorder)
	}
	replayer, err := wasmtimerr.NewReplayerBytes(trace.Bytes())
	if err != nil {
		return err
	}
	return store.Replay(replayer)
}

// recordAndReplay records one call of a nondeterministic guest, replays it
// on a fresh engine and store, and prints both results.
func recordAndReplay() error {
	wasm, err := wasmtimerr.Wat2Wasm(rollWAT)
	if err != nil {
		return err
	}
	var trace bytes.Buffer
	recorded, calls, err := rollOnce(wasmtimerr.ModeRecording, wasm, &trace)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	fmt.Printf("recorded: roll() = %d (host functions called %d times, trace %d bytes)\n", recorded, calls, trace.Len())
	replayed, calls, err := rollOnce(wasmtimerr.ModeReplaying, wasm, &trace)
	if err != nil {
		return fmt.Errorf("replaying: %w", err)
	}
	fmt.Printf("replayed: roll() = %d (host functions called %d times)\n", replayed, calls)
	fmt.Printf("replay matches recording: %v\n", replayed == recorded)
	return nil
}
