package wasmtimerr_test

import (
	"fmt"
	"sync"
	"testing"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// TestConcurrentUse creates, validates and queries configs and engines from
// many goroutines at once, and queries one shared engine from all of them.
func TestConcurrentUse(t *testing.T) {
	shared := newEngine(t, func(c *wasmtimerr.Config) error {
		return firstErr(c.SetRecording(true), c.EnforceDeterminism())
	})
	const goroutines, rounds = 16, 20
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				if err := oneRound(shared, wasmtimerr.Mode((g+r)%3)); err != nil {
					t.Errorf("goroutine %d round %d: %v", g, r, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// oneRound exercises every operation once; it returns the first mismatch.
func oneRound(shared *wasmtimerr.Engine, mode wasmtimerr.Mode) error {
	cfg := wasmtimerr.NewConfig()
	defer cfg.Close()
	if err := cfg.SetMode(mode); err != nil {
		return err
	}
	cfg.SetCraneliftNaNCanonicalization(false)
	if err := cfg.Validate(); (mode == wasmtimerr.ModeNone) != (err == nil) {
		return fmt.Errorf("mode %s: Validate with NaN canonicalization off = %v", mode, err)
	}
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
	got, err := engine.Mode()
	if err != nil || got != mode {
		return fmt.Errorf("Mode() = %s, %v; want %s", got, err, mode)
	}
	nan, err := engine.NaNCanonicalization()
	if err != nil || !nan {
		return fmt.Errorf("NaNCanonicalization() = %v, %v", nan, err)
	}
	recording, err := shared.IsRecording()
	if err != nil || !recording {
		return fmt.Errorf("shared IsRecording() = %v, %v", recording, err)
	}
	simd, err := shared.RelaxedSIMDDeterministic()
	if err != nil || !simd {
		return fmt.Errorf("shared RelaxedSIMDDeterministic() = %v, %v", simd, err)
	}
	made, err := wasmtimerr.NewError(wasmtimerr.ErrorKindPanic, mode.String())
	if err != nil || made.Error() != mode.String() {
		return fmt.Errorf("NewError = %v, %v", made, err)
	}
	return nil
}
