package wasmtimerr_test

import (
	"fmt"
	"testing"

	wasmtimerr "wasmtime-rr/bindings/go"
)

const (
	nanMessage  = "NaN canonicalization cannot be disabled when determinism is enforced"
	simdMessage = "Relaxed deterministic SIMD cannot be disabled when determinism is enforced"
)

func TestModeString(t *testing.T) {
	for mode, want := range map[wasmtimerr.Mode]string{
		wasmtimerr.ModeNone:      "none",
		wasmtimerr.ModeRecording: "recording",
		wasmtimerr.ModeReplaying: "replaying",
		7:                        "Mode(7)",
	} {
		if got := mode.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", uint32(mode), got, want)
		}
	}
	if wasmtimerr.ModeNone != 0 || wasmtimerr.ModeRecording != 1 || wasmtimerr.ModeReplaying != 2 {
		t.Error("mode values differ from WASMTIME_RR_MODE_*")
	}
}

func TestModes(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*wasmtimerr.Config) error
		want  wasmtimerr.Mode
	}{
		{"default", func(*wasmtimerr.Config) error { return nil }, wasmtimerr.ModeNone},
		{"record", func(c *wasmtimerr.Config) error { return c.SetRecording(true) }, wasmtimerr.ModeRecording},
		{"replay", func(c *wasmtimerr.Config) error { return c.SetReplaying(true) }, wasmtimerr.ModeReplaying},
		{"record then replay", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetRecording(true), c.SetReplaying(true))
		}, wasmtimerr.ModeReplaying},
		{"replay then record", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetReplaying(true), c.SetRecording(true))
		}, wasmtimerr.ModeRecording},
		{"record then SetRecording(false)", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetRecording(true), c.SetRecording(false))
		}, wasmtimerr.ModeNone},
		{"replay then SetRecording(false)", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetReplaying(true), c.SetRecording(false))
		}, wasmtimerr.ModeNone},
		{"record then SetReplaying(false)", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetRecording(true), c.SetReplaying(false))
		}, wasmtimerr.ModeNone},
		{"SetMode(recording)", func(c *wasmtimerr.Config) error { return c.SetMode(wasmtimerr.ModeRecording) }, wasmtimerr.ModeRecording},
		{"SetMode(replaying)", func(c *wasmtimerr.Config) error { return c.SetMode(wasmtimerr.ModeReplaying) }, wasmtimerr.ModeReplaying},
		{"record then SetMode(none)", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetRecording(true), c.SetMode(wasmtimerr.ModeNone))
		}, wasmtimerr.ModeNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := stateOf(t, newEngine(t, tc.setup))
			if s.mode != tc.want || s.recording != (tc.want == wasmtimerr.ModeRecording) ||
				s.replaying != (tc.want == wasmtimerr.ModeReplaying) {
				t.Fatalf("engine reports mode=%s recording=%v replaying=%v, want mode %s",
					s.mode, s.recording, s.replaying, tc.want)
			}
		})
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestSetModeRejectsUnknownValue(t *testing.T) {
	cfg := wasmtimerr.NewConfig()
	defer cfg.Close()
	mustNil(t, "SetRecording", cfg.SetRecording(true))
	wantError(t, cfg.SetMode(7), wasmtimerr.ErrorKindInvalidArgument,
		"wasm_config_rr_mode_set: unknown record/replay mode 7 (expected WASMTIME_RR_MODE_NONE = 0, "+
			"WASMTIME_RR_MODE_RECORDING = 1 or WASMTIME_RR_MODE_REPLAYING = 2)")
	// The config is unchanged by the failure: still recording.
	engine, err := wasmtimerr.NewEngine(cfg)
	mustNil(t, "NewEngine", err)
	defer engine.Close()
	if s := stateOf(t, engine); s.mode != wasmtimerr.ModeRecording {
		t.Fatalf("mode after the rejected SetMode = %s, want recording", s.mode)
	}
}

func TestDefaultsAndEnforceDeterminism(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(*wasmtimerr.Config) error
		nan, simd bool
	}{
		{"untouched, no RR", func(*wasmtimerr.Config) error { return nil }, false, false},
		{"untouched, recording", func(c *wasmtimerr.Config) error { return c.SetRecording(true) }, false, false},
		{"untouched, replaying", func(c *wasmtimerr.Config) error { return c.SetReplaying(true) }, false, false},
		{"EnforceDeterminism, recording", func(c *wasmtimerr.Config) error {
			return firstErr(c.SetRecording(true), c.EnforceDeterminism())
		}, true, true},
		{"EnforceDeterminism, no RR", func(c *wasmtimerr.Config) error { return c.EnforceDeterminism() }, true, true},
		{"EnforceDeterminism replaces an earlier opt-out", func(c *wasmtimerr.Config) error {
			c.SetCraneliftNaNCanonicalization(false)
			c.SetRelaxedSIMDDeterministic(false)
			return firstErr(c.SetRecording(true), c.EnforceDeterminism())
		}, true, true},
		{"SetCraneliftNaNCanonicalization(true)", func(c *wasmtimerr.Config) error {
			c.SetCraneliftNaNCanonicalization(true)
			return nil
		}, true, false},
		{"SetRelaxedSIMDDeterministic(true)", func(c *wasmtimerr.Config) error {
			c.SetRelaxedSIMDDeterministic(true)
			return nil
		}, false, true},
		{"SetRelaxedSIMD with determinism, recording", func(c *wasmtimerr.Config) error {
			c.SetRelaxedSIMD(true)
			return firstErr(c.SetRecording(true), c.EnforceDeterminism())
		}, true, true},
		{"SetRelaxedSIMD(false), no RR", func(c *wasmtimerr.Config) error {
			c.SetRelaxedSIMD(false)
			return nil
		}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := stateOf(t, newEngine(t, tc.setup))
			if s.nan != tc.nan || s.simd != tc.simd {
				t.Fatalf("nan=%v simd=%v, want nan=%v simd=%v", s.nan, s.simd, tc.nan, tc.simd)
			}
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(*wasmtimerr.Config) error
		message string
	}{
		{"recording without NaN canonicalization", func(c *wasmtimerr.Config) error {
			c.SetCraneliftNaNCanonicalization(false)
			return c.SetRecording(true)
		}, nanMessage},
		{"replaying without NaN canonicalization", func(c *wasmtimerr.Config) error {
			c.SetCraneliftNaNCanonicalization(false)
			return c.SetReplaying(true)
		}, nanMessage},
		{"recording without deterministic relaxed SIMD", func(c *wasmtimerr.Config) error {
			c.SetRelaxedSIMDDeterministic(false)
			return c.SetRecording(true)
		}, simdMessage},
		{"opt-out after EnforceDeterminism stands", func(c *wasmtimerr.Config) error {
			err := firstErr(c.SetMode(wasmtimerr.ModeRecording), c.EnforceDeterminism())
			c.SetRelaxedSIMDDeterministic(false)
			return err
		}, simdMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := wasmtimerr.NewConfig()
			defer cfg.Close()
			mustNil(t, "setup", tc.setup(cfg))
			wantError(t, cfg.Validate(), wasmtimerr.ErrorKindInvalidConfig, tc.message)
			// Validation does not consume; a failed NewEngine does not either.
			engine, err := wasmtimerr.NewEngine(cfg)
			if engine != nil {
				t.Fatal("NewEngine returned an engine for a rejected config")
			}
			wantError(t, err, wasmtimerr.ErrorKindInvalidConfig, tc.message)
			if cfg.Ptr() == nil {
				t.Fatal("a failed NewEngine consumed the config")
			}
			// Still ours: fix it and retry.
			mustNil(t, "EnforceDeterminism", cfg.EnforceDeterminism())
			mustNil(t, "Validate", cfg.Validate())
			engine, err = wasmtimerr.NewEngine(cfg)
			mustNil(t, "NewEngine after the fix", err)
			defer engine.Close()
			if s := stateOf(t, engine); !s.nan || !s.simd || !(s.recording || s.replaying) {
				t.Fatalf("fixed engine reports %+v", s)
			}
		})
	}
}

func TestValidateAcceptsAndKeepsConfig(t *testing.T) {
	cfg := wasmtimerr.NewConfig()
	defer cfg.Close()
	mustNil(t, "SetReplaying", cfg.SetReplaying(true))
	for i := range 3 {
		mustNil(t, fmt.Sprint("Validate #", i), cfg.Validate())
	}
	engine, err := wasmtimerr.NewEngine(cfg)
	mustNil(t, "NewEngine", err)
	defer engine.Close()
	if s := stateOf(t, engine); s.mode != wasmtimerr.ModeReplaying {
		t.Fatalf("mode = %s, want replaying", s.mode)
	}
}
