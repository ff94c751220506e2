package wasmtimerr_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// clockWAT imports a clock (a host function returning time.Now().UnixNano())
// and returns what it read.
const clockWAT = `(module
  (import "env" "now" (func $now (result i64)))
  (func (export "now") (result i64) (call $now)))`

// clockHost is a linker whose env.now returns time.Now().UnixNano() and
// counts its calls.
type clockHost struct{ calls int }

func (h *clockHost) linker(engine *wasmtimerr.Engine) (*wasmtimerr.Linker, error) {
	linker, err := wasmtimerr.NewLinker(engine)
	if err != nil {
		return nil, err
	}
	return linker, linker.DefineFunc("env", "now", nil, []wasmtimerr.ValKind{wasmtimerr.KindI64},
		func(*wasmtimerr.Caller, []wasmtimerr.Value) ([]wasmtimerr.Value, error) {
			h.calls++
			return []wasmtimerr.Value{wasmtimerr.ValI64(time.Now().UnixNano())}, nil
		})
}

// readClock instantiates clockWAT in store and calls its now export; it
// returns the value the guest read and how many times the host was called.
func readClock(h *clockHost, linker *wasmtimerr.Linker, store *wasmtimerr.Store, module *wasmtimerr.Module) (int64, int, error) {
	before := h.calls
	instance, err := linker.Instantiate(store, module)
	if err != nil {
		return 0, 0, err
	}
	results, err := instance.Call(store, "now")
	if err != nil {
		return 0, 0, err
	}
	return results[0].I64(), h.calls - before, nil
}

// twoStores runs clockWAT on two stores of one engine in mode: the first is
// switched by attach, the second is not. It returns both values and host
// call counts, and the first store's Finish error.
type twoStores struct {
	Switched, Plain           int64
	SwitchedCalls, PlainCalls int
	AttachErr, FinishErr      string
}

func runTwoStores(engine *wasmtimerr.Engine, attach func(*wasmtimerr.Store) error) (twoStores, error) {
	var out twoStores
	h := &clockHost{}
	linker, err := h.linker(engine)
	if err != nil {
		return out, err
	}
	defer linker.Close()
	wasm, err := wasmtimerr.Wat2Wasm(clockWAT)
	if err != nil {
		return out, err
	}
	module, err := wasmtimerr.NewModule(engine, wasm)
	if err != nil {
		return out, err
	}
	defer module.Close()
	switched, err := wasmtimerr.NewStore(engine)
	if err != nil {
		return out, err
	}
	defer switched.Close()
	plain, err := wasmtimerr.NewStore(engine)
	if err != nil {
		return out, err
	}
	defer plain.Close()
	if err := attach(switched); err != nil {
		out.AttachErr = errorText(err)
		return out, nil
	}
	if out.Switched, out.SwitchedCalls, err = readClock(h, linker, switched, module); err != nil {
		return out, err
	}
	if out.Plain, out.PlainCalls, err = readClock(h, linker, plain, module); err != nil {
		return out, err
	}
	out.FinishErr = errorText(switched.Finish())
	return out, nil
}

// errorText is "" for nil, else "[kind] message".
func errorText(err error) string {
	if err == nil {
		return ""
	}
	var e *wasmtimerr.Error
	if errors.As(err, &e) {
		return "[" + e.Kind.String() + "] " + e.Message
	}
	return err.Error()
}

// TestStoreLevelSwitch records one store of a recording engine with
// RecordTo (and not the other), then replays it with ReplayFrom: the replay
// returns the recorded clock value without calling the host, and the trace
// holds exactly that store's session.
func TestStoreLevelSwitch(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "session.wrr")
	recorded, err := runTwoStores(rrEngine(t, wasmtimerr.ModeRecording), func(s *wasmtimerr.Store) error {
		return s.RecordTo(trace) // the switch: this line, and Finish at the end
	})
	mustNil(t, "recording", err)
	if recorded.AttachErr != "" || recorded.FinishErr != "" {
		t.Fatalf("recording: %+v", recorded)
	}
	if recorded.SwitchedCalls != 1 || recorded.PlainCalls != 1 {
		t.Fatalf("recording called the host %d and %d times, want 1 and 1", recorded.SwitchedCalls, recorded.PlainCalls)
	}
	if now := time.Now().UnixNano(); recorded.Switched <= 0 || recorded.Switched > now {
		t.Fatalf("recorded clock %d is no time before %d", recorded.Switched, now)
	}
	if info, err := os.Stat(trace); err != nil || info.Size() == 0 {
		t.Fatalf("no trace at %s: %v", trace, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(trace)); len(entries) != 1 {
		t.Fatalf("%d files next to the trace, want only the trace", len(entries))
	}

	time.Sleep(time.Millisecond)
	replayed, err := runTwoStores(rrEngine(t, wasmtimerr.ModeReplaying), func(s *wasmtimerr.Store) error {
		return s.ReplayFrom(trace)
	})
	mustNil(t, "replaying", err)
	if replayed.AttachErr != "" {
		t.Fatalf("replaying: %+v", replayed)
	}
	if replayed.Switched != recorded.Switched || replayed.SwitchedCalls != 0 {
		t.Fatalf("replayed clock %d with %d host calls, want the recorded %d with none",
			replayed.Switched, replayed.SwitchedCalls, recorded.Switched)
	}
	// The trace held only the switched store's session: Finish found
	// nothing left (the plain store's call was not in it).
	if replayed.FinishErr != "" {
		t.Fatalf("Finish after the replay: %s", replayed.FinishErr)
	}
	// The store that was not switched ran for real, also on the replaying engine.
	if replayed.PlainCalls != 1 || replayed.Plain <= recorded.Plain {
		t.Fatalf("the plain store read %d with %d host calls, want a fresh value (> %d) from 1 call",
			replayed.Plain, replayed.PlainCalls, recorded.Plain)
	}
}

// TestStoreLevelSwitchErrors checks the switch's errors.
func TestStoreLevelSwitchErrors(t *testing.T) {
	dir := t.TempDir()
	recording := rrEngine(t, wasmtimerr.ModeRecording)
	plain := newEngine(t, func(*wasmtimerr.Config) error { return nil })

	store := newStore(t, plain)
	wantErrorPrefix(t, store.RecordTo(filepath.Join(dir, "a.wrr")), wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_store_record: ")
	if _, err := os.Stat(filepath.Join(dir, "a.wrr")); err != nil {
		t.Fatalf("RecordTo creates its file before attaching (as documented): %v", err)
	}
	wantErrorPrefix(t, store.ReplayFrom(filepath.Join(dir, "a.wrr")), wasmtimerr.ErrorKindInvalidArgument,
		"wasmtime_rr_store_replay: the store's engine is not replaying")

	store = newStore(t, recording)
	wantErrorPrefix(t, store.RecordTo("/nonexistent-dir/a.wrr"), wasmtimerr.ErrorKindTraceIO,
		"wasmtime_rr_recorder_new_file: cannot create trace file /nonexistent-dir/a.wrr")
	wantErrorPrefix(t, store.RecordTo("a\x00b"), wasmtimerr.ErrorKindInvalidArgument, "wasmtimerr: ")
	mustNil(t, "RecordTo", store.RecordTo(filepath.Join(dir, "b.wrr")))
	wantErrorPrefix(t, store.RecordTo(filepath.Join(dir, "c.wrr")), wasmtimerr.ErrorKindInvalidArgument, "wasmtime_rr_store_record: ")
	mustNil(t, "Finish", store.Finish())

	replaying := rrEngine(t, wasmtimerr.ModeReplaying)
	store = newStore(t, replaying)
	wantErrorPrefix(t, store.ReplayFrom(filepath.Join(dir, "missing.wrr")), wasmtimerr.ErrorKindTraceIO, "wasmtime_rr_replayer_new_file: ")
	junk := filepath.Join(dir, "junk.wrr")
	mustNil(t, "WriteFile", os.WriteFile(junk, []byte("not a trace at all"), 0o644))
	wantErrorPrefix(t, store.ReplayFrom(junk), wasmtimerr.ErrorKindTraceFormat, "wasmtime_rr_store_replay: not a wasmtime-rr trace")

	closed, err := wasmtimerr.NewStore(recording)
	mustNil(t, "NewStore", err)
	closed.Close()
	var nilStore *wasmtimerr.Store
	for _, s := range []*wasmtimerr.Store{closed, nilStore} {
		wantError(t, s.RecordTo(filepath.Join(dir, "d.wrr")), wasmtimerr.ErrorKindNullArgument, "wasmtimerr: RecordTo: the Store is nil or closed")
		wantError(t, s.ReplayFrom(junk), wasmtimerr.ErrorKindNullArgument, "wasmtimerr: ReplayFrom: the Store is nil or closed")
		wantError(t, s.AttachFromEnv(), wasmtimerr.ErrorKindNullArgument, "wasmtimerr: AttachFromEnv: the Store is nil or closed")
	}
	if _, err := os.Stat(filepath.Join(dir, "d.wrr")); !os.IsNotExist(err) {
		t.Fatalf("RecordTo on a closed store created its file: %v", err)
	}

	cfg := wasmtimerr.NewConfig()
	cfg.Close()
	wantErrorPrefix(t, cfg.FromEnv(), wasmtimerr.ErrorKindNullArgument, "wasmtime_rr_env_config: ")
}

// The environment switch is read once per process, so each case runs in a
// child: this test binary in the helper mode selected by envHelperEnv.
const envHelperEnv = "WASMTIMERR_TEST_ENV_HELPER"

// envResult is what the env helper saw.
type envResult struct {
	Mode       string
	FromEnvErr string
	EngineMode string
	Stores     twoStores
	Fail       string
}

// envHelper is the child's main: EnvMode, Config.FromEnv, an engine, then
// two stores of which only the first is attached with AttachFromEnv. It
// writes its envResult as JSON to stdout (a replay echoes nothing here: the
// guest does no WASI output).
func envHelper() int {
	res := envResult{Mode: wasmtimerr.EnvMode().String()}
	func() {
		cfg := wasmtimerr.NewConfig()
		defer cfg.Close()
		if err := cfg.FromEnv(); err != nil {
			res.FromEnvErr = errorText(err)
			return
		}
		engine, err := wasmtimerr.NewEngine(cfg)
		if err != nil {
			res.Fail = errorText(err)
			return
		}
		defer engine.Close()
		mode, err := engine.Mode()
		if err != nil {
			res.Fail = errorText(err)
			return
		}
		res.EngineMode = mode.String()
		res.Stores, err = runTwoStores(engine, (*wasmtimerr.Store).AttachFromEnv)
		if err != nil {
			res.Fail = errorText(err)
		}
	}()
	out, _ := json.Marshal(res)
	os.Stdout.Write(append(out, '\n'))
	return 0
}

// inEnvChild runs envHelper in a child with the given WASMTIME_RR_* variables
// (and no others of the parent's); it returns the result and the child's
// stderr.
func inEnvChild(t *testing.T, vars ...string) (envResult, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "WASMTIME_RR_") {
			cmd.Env = append(cmd.Env, v)
		}
	}
	cmd.Env = append(cmd.Env, append(vars, envHelperEnv+"=1")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("env helper %v: %v\nstdout:\n%s\nstderr:\n%s", vars, err, out, stderr.String())
	}
	var res envResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("env helper %v: %v in %q (stderr %q)", vars, err, out, stderr.String())
	}
	if res.Fail != "" {
		t.Fatalf("env helper %v failed: %s", vars, res.Fail)
	}
	return res, stderr.String()
}

// TestEnvSwitch: WASMTIME_RR_RECORD then WASMTIME_RR_REPLAY, honoured per
// store with Config.FromEnv and Store.AttachFromEnv.
func TestEnvSwitch(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "env.wrr")

	off, _ := inEnvChild(t)
	if off.Mode != "none" || off.EngineMode != "none" || off.Stores.AttachErr != "" || off.Stores.SwitchedCalls != 1 {
		t.Fatalf("without the switch: %+v", off)
	}

	rec, _ := inEnvChild(t, "WASMTIME_RR_RECORD="+trace)
	if rec.Mode != "recording" || rec.EngineMode != "recording" || rec.Stores.AttachErr != "" || rec.Stores.FinishErr != "" {
		t.Fatalf("recording: %+v", rec)
	}
	if rec.Stores.SwitchedCalls != 1 || rec.Stores.PlainCalls != 1 || rec.Stores.Switched <= 0 {
		t.Fatalf("recording: %+v", rec.Stores)
	}
	entries, err := os.ReadDir(dir)
	mustNil(t, "ReadDir", err)
	if len(entries) != 1 || entries[0].Name() != "env.wrr" {
		t.Fatalf("files after recording: %v, want only env.wrr (the store not attached records nothing)", entries)
	}

	time.Sleep(time.Millisecond)
	rep, _ := inEnvChild(t, "WASMTIME_RR_REPLAY="+trace)
	if rep.Mode != "replaying" || rep.EngineMode != "replaying" || rep.Stores.AttachErr != "" || rep.Stores.FinishErr != "" {
		t.Fatalf("replaying: %+v", rep)
	}
	if rep.Stores.Switched != rec.Stores.Switched || rep.Stores.SwitchedCalls != 0 {
		t.Fatalf("replayed clock %d with %d host calls, want the recorded %d with none",
			rep.Stores.Switched, rep.Stores.SwitchedCalls, rec.Stores.Switched)
	}
	if rep.Stores.PlainCalls != 1 || rep.Stores.Plain <= rec.Stores.Plain {
		t.Fatalf("the store not attached read %d with %d calls, want a fresh value from one call", rep.Stores.Plain, rep.Stores.PlainCalls)
	}
}

// TestEnvSwitchErrors: bad input from the environment.
func TestEnvSwitchErrors(t *testing.T) {
	dir := t.TempDir()

	res, _ := inEnvChild(t, "WASMTIME_RR_RECORD=/nonexistent-dir/env.wrr")
	if res.Mode != "recording" || res.FromEnvErr != "" ||
		!strings.HasPrefix(res.Stores.AttachErr, "[trace_io] wasmtime_rr_env_attach: cannot create trace file /nonexistent-dir/env.wrr") {
		t.Fatalf("unwritable path: %+v", res)
	}

	junk := filepath.Join(dir, "junk.wrr")
	mustNil(t, "WriteFile", os.WriteFile(junk, []byte("not a trace at all"), 0o644))
	res, _ = inEnvChild(t, "WASMTIME_RR_REPLAY="+junk)
	if res.Mode != "replaying" || !strings.HasPrefix(res.Stores.AttachErr, "[trace_format] wasmtime_rr_env_attach: not a wasmtime-rr trace") {
		t.Fatalf("not a trace: %+v", res)
	}

	res, _ = inEnvChild(t, "WASMTIME_RR_REPLAY="+filepath.Join(dir, "missing.wrr"))
	if !strings.HasPrefix(res.Stores.AttachErr, "[trace_io] wasmtime_rr_env_attach: ") {
		t.Fatalf("missing trace: %+v", res)
	}

	both := filepath.Join(dir, "both.wrr")
	res, stderr := inEnvChild(t, "WASMTIME_RR_RECORD="+both, "WASMTIME_RR_REPLAY="+both)
	if res.Mode != "none" || res.EngineMode != "none" || res.Stores.AttachErr != "" || res.Stores.SwitchedCalls != 1 {
		t.Fatalf("both variables: %+v", res)
	}
	if !strings.Contains(stderr, "WASMTIME_RR_RECORD and WASMTIME_RR_REPLAY are both set") {
		t.Fatalf("both variables: stderr %q", stderr)
	}
	if _, err := os.Stat(both); !os.IsNotExist(err) {
		t.Fatalf("both variables: a trace was written (%v)", err)
	}
}
