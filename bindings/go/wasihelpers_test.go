package wasmtimerr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// The WASI tests run the real guests of tests/guests/wasi (guest.c and
// go/main.go, built by its build.sh): each reads both clocks, 16 random
// bytes, its arguments, GUEST_NAME, all of stdin, /data/input.txt and the
// listing of /data, sleeps 20 ms, prints a report on stdout, one line on
// stderr and exits with 7.

// wasiHelperEnv selects the replay helper mode of the test binary: TestMain
// runs wasiReplayHelper with the JSON spec in this variable instead of the
// tests. A replay with echo writes to the process's file descriptors 1 and
// 2, so the tests run it in a child process whose stdout and stderr are
// files.
const wasiHelperEnv = "WASMTIMERR_TEST_WASI_REPLAY"

func TestMain(m *testing.M) {
	if spec := os.Getenv(wasiHelperEnv); spec != "" {
		os.Exit(wasiReplayHelper(spec))
	}
	if os.Getenv(envHelperEnv) != "" {
		os.Exit(envHelper())
	}
	os.Exit(m.Run())
}

// The guest's inputs while recording.
var (
	guestArgv   = []string{"guest", "alpha", "beta"}
	guestStdin  = "line one\nline two\n"
	guestFiles  = map[string]string{"input.txt": "hello file\n", "notes.md": "# notes\n", "empty.bin": ""}
	guestStderr = "guest: done, exiting with 7\n"
)

const guestExit = 7

// guests builds the guests once per test binary into the repository's
// target/wasi-guests (build.sh leaves up-to-date modules alone).
var guests struct {
	once sync.Once
	dir  string
	err  error
}

// wasiGuest returns the path of a built guest, such as "guest-c.wasm". A
// guest that cannot be built fails the test: the WASI tests are never
// skipped.
func wasiGuest(t *testing.T, name string) string {
	t.Helper()
	guests.once.Do(func() {
		repo, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			guests.err = err
			return
		}
		guests.dir = filepath.Join(repo, "target", "wasi-guests")
		out, err := exec.Command("bash", filepath.Join(repo, "tests", "guests", "wasi", "build.sh"), guests.dir).CombinedOutput()
		if err != nil {
			guests.err = fmt.Errorf("tests/guests/wasi/build.sh %s: %v\n%s", guests.dir, err, out)
		}
	})
	if guests.err != nil {
		t.Fatalf("cannot build the WASI guests: %v", guests.err)
	}
	return filepath.Join(guests.dir, name)
}

// readWasm reads a built guest.
func readWasm(t *testing.T, name string) []byte {
	t.Helper()
	wasm, err := os.ReadFile(wasiGuest(t, name))
	mustNil(t, "reading "+name, err)
	return wasm
}

// wasiEngine builds an engine in the given mode; record/replay modes get
// determinism enforced. It is usable without a *testing.T (the helper).
func wasiEngine(mode wasmtimerr.Mode) (*wasmtimerr.Engine, error) {
	cfg := wasmtimerr.NewConfig()
	defer cfg.Close()
	if err := cfg.SetMode(mode); err != nil {
		return nil, err
	}
	if mode != wasmtimerr.ModeNone {
		if err := cfg.EnforceDeterminism(); err != nil {
			return nil, err
		}
	}
	return wasmtimerr.NewEngine(cfg)
}

// wasiSession runs a guest's _start on a fresh store of engine, the same
// host program while recording, replaying or neither: attach (when not nil)
// attaches a recorder or replayer, cfg (when not nil) becomes the store's
// WASI context. run is the error of the first step that failed; the guest's
// exit is the *ExitError of _start. finish is Store.Finish's error when
// something was attached.
func wasiSession(engine *wasmtimerr.Engine, wasm []byte, attach func(*wasmtimerr.Store) error,
	cfg *wasmtimerr.WasiConfig) (run, finish error) {
	module, err := wasmtimerr.NewModule(engine, wasm)
	if err != nil {
		return err, nil
	}
	defer module.Close()
	linker, err := wasmtimerr.NewLinker(engine)
	if err != nil {
		return err, nil
	}
	defer linker.Close()
	if err := linker.DefineWasi(); err != nil {
		return err, nil
	}
	store, err := wasmtimerr.NewStore(engine)
	if err != nil {
		return err, nil
	}
	defer store.Close()
	if attach != nil {
		if err := attach(store); err != nil {
			return err, nil
		}
		defer func() { finish = store.Finish() }()
	}
	if cfg != nil {
		if err := store.SetWasi(cfg); err != nil {
			return err, nil
		}
	}
	instance, err := linker.Instantiate(store, module)
	if err != nil {
		return err, nil
	}
	_, err = instance.Call(store, "_start")
	return err, nil
}

// exitCode returns the exit status of a guest's exit error, or fails the
// test for any other outcome.
func exitCode(t *testing.T, what string, err error) int32 {
	t.Helper()
	var exit *wasmtimerr.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("%s: got %v (%T), want the guest's exit (*ExitError)", what, err, err)
	}
	return exit.Code
}

// guestWasi is the WASI configuration of a guest: argv and GUEST_NAME=name,
// plus whatever more adds.
func guestWasi(t *testing.T, argv []string, name string, more func(*wasmtimerr.WasiConfig) error) *wasmtimerr.WasiConfig {
	t.Helper()
	cfg := wasmtimerr.NewWasiConfig()
	t.Cleanup(func() { cfg.Close() }) // does nothing once SetWasi consumed it
	mustNil(t, "SetArgv", cfg.SetArgv(argv))
	mustNil(t, "SetEnv", cfg.SetEnv([]string{"GUEST_NAME"}, []string{name}))
	if more != nil {
		mustNil(t, "WASI setup", more(cfg))
	}
	return cfg
}

// guestRecording is a recorded run of a guest: its trace file and what it
// printed.
type guestRecording struct {
	guest          string // file name of the module, such as "guest-c.wasm"
	trace          string
	stdout, stderr []byte
}

// recordGuest records a run of the guest with stdin from a file, stdout and
// stderr to files, a temporary folder preopened as /data, argv and env, then
// deletes the folder and the stdin file: a replay needs none of them.
func recordGuest(t *testing.T, guest string) guestRecording {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustNil(t, "Mkdir", os.Mkdir(data, 0o755))
	for name, content := range guestFiles {
		mustNil(t, "WriteFile", os.WriteFile(filepath.Join(data, name), []byte(content), 0o644))
	}
	stdin := filepath.Join(dir, "stdin.txt")
	mustNil(t, "WriteFile", os.WriteFile(stdin, []byte(guestStdin), 0o644))
	rec := guestRecording{guest: guest, trace: filepath.Join(dir, "trace.wrr")}
	stdoutPath, stderrPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	cfg := guestWasi(t, guestArgv, "rr", func(c *wasmtimerr.WasiConfig) error {
		return errors.Join(c.SetStdinFile(stdin), c.SetStdoutFile(stdoutPath), c.SetStderrFile(stderrPath),
			c.PreopenDir(data, "/data", false))
	})
	engine, err := wasiEngine(wasmtimerr.ModeRecording)
	mustNil(t, "recording engine", err)
	defer engine.Close()
	run, finish := wasiSession(engine, readWasm(t, guest), func(s *wasmtimerr.Store) error {
		recorder, err := wasmtimerr.NewRecorderFile(rec.trace)
		if err != nil {
			return err
		}
		return s.Record(recorder)
	}, cfg)
	if code := exitCode(t, "recording", run); code != guestExit {
		t.Fatalf("recording: exit status %d, want %d", code, guestExit)
	}
	mustNil(t, "Finish of the recording", finish)
	if cfg.Ptr() != nil {
		t.Error("SetWasi did not consume the WasiConfig")
	}
	rec.stdout, err = os.ReadFile(stdoutPath)
	mustNil(t, "reading stdout", err)
	rec.stderr, err = os.ReadFile(stderrPath)
	mustNil(t, "reading stderr", err)
	checkReport(t, string(rec.stdout), strings.Join(guestArgv[1:], " "), "rr", guestStdin, guestFiles["input.txt"])
	if string(rec.stderr) != guestStderr {
		t.Errorf("recorded stderr %q, want %q", rec.stderr, guestStderr)
	}
	// The replays must not need the outside world.
	mustNil(t, "RemoveAll data", os.RemoveAll(data))
	mustNil(t, "Remove stdin", os.Remove(stdin))
	return rec
}

// escaped shows newlines as the guests print them.
func escaped(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }

// checkReport checks the guest's stdout report for the given inputs and
// returns its lines by key.
func checkReport(t *testing.T, stdout, args, name, stdin, file string) map[string]string {
	t.Helper()
	patterns := []struct{ key, value string }{
		{"args", regexp.QuoteMeta(args)},
		{"env", regexp.QuoteMeta(name)},
		{"realtime_ns", `[0-9]+`},
		{"monotonic_ns", `[0-9]+`},
		{"random", `[0-9a-f]{32}`},
		{"stdin", regexp.QuoteMeta(escaped(stdin))},
		{"file", regexp.QuoteMeta(escaped(file))},
		{"dir", `[^\n]*`},
		{"slept_ms_at_least_20", `yes|no`},
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) != len(patterns)+1 || lines[len(patterns)] != "" {
		t.Fatalf("stdout has %d lines, want %d and a final newline:\n%s", len(lines)-1, len(patterns), stdout)
	}
	report := make(map[string]string)
	for i, p := range patterns {
		if !regexp.MustCompile("^" + p.key + ": (" + p.value + ")$").MatchString(lines[i]) {
			t.Errorf("stdout line %d %q does not match %s: %s", i+1, lines[i], p.key, p.value)
		}
		report[p.key], _ = strings.CutPrefix(lines[i], p.key+": ")
	}
	return report
}

// helperSpec tells the replay helper what to replay.
type helperSpec struct {
	Wasm   string     // path of the module
	Trace  string     // path of the trace
	Result string     // where the helper writes its helperResult
	Echo   bool       // Replayer.SetEcho
	Wasi   bool       // give the store a WASI context with Argv and Env
	Argv   []string   // its arguments
	Env    [][]string // its environment, name and value pairs
}

// helperResult is what the replay helper saw.
type helperResult struct {
	Exited    bool   // the guest exited (the run ended with an *ExitError)
	Code      int32  // its status
	RunError  string // the run's error when it was not the guest's exit
	Finish    string // Finish's error, "" for none
	SetupFail string // the helper could not even start the replay
}

// wasiReplayHelper is the child process's main: it replays spec's trace
// (echoing it when asked) and writes what happened to spec.Result. Its
// stdout and stderr carry nothing but the echo. It returns the exit status
// of the child: 0 once the result is written.
func wasiReplayHelper(specJSON string) int {
	var spec helperSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return 3
	}
	var res helperResult
	func() {
		wasm, err := os.ReadFile(spec.Wasm)
		if err != nil {
			res.SetupFail = err.Error()
			return
		}
		engine, err := wasiEngine(wasmtimerr.ModeReplaying)
		if err != nil {
			res.SetupFail = err.Error()
			return
		}
		defer engine.Close()
		var cfg *wasmtimerr.WasiConfig
		if spec.Wasi {
			cfg = wasmtimerr.NewWasiConfig()
			defer cfg.Close()
			var names, values []string
			for _, kv := range spec.Env {
				names, values = append(names, kv[0]), append(values, kv[1])
			}
			if err := errors.Join(cfg.SetArgv(spec.Argv), cfg.SetEnv(names, values)); err != nil {
				res.SetupFail = err.Error()
				return
			}
		}
		run, finish := wasiSession(engine, wasm, func(s *wasmtimerr.Store) error {
			replayer, err := wasmtimerr.NewReplayerFile(spec.Trace)
			if err != nil {
				return err
			}
			if err := replayer.SetEcho(spec.Echo); err != nil {
				replayer.Close()
				return err
			}
			return s.Replay(replayer)
		}, cfg)
		var exit *wasmtimerr.ExitError
		if errors.As(run, &exit) {
			res.Exited, res.Code = true, exit.Code
		} else if run != nil {
			res.RunError = run.Error()
		}
		if finish != nil {
			res.Finish = finish.Error()
		}
	}()
	out, err := json.Marshal(res)
	if err != nil {
		return 4
	}
	if err := os.WriteFile(spec.Result, out, 0o644); err != nil {
		return 5
	}
	return 0
}

// replayInChild replays in a child process (this test binary in helper mode)
// with its stdout and stderr going to files, and returns them with the
// helper's result.
func replayInChild(t *testing.T, spec helperSpec) (stdout, stderr []byte, res helperResult) {
	t.Helper()
	dir := t.TempDir()
	spec.Result = filepath.Join(dir, "result.json")
	specJSON, err := json.Marshal(spec)
	mustNil(t, "json.Marshal", err)
	outPath, errPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	outFile, err := os.Create(outPath)
	mustNil(t, "Create stdout", err)
	defer outFile.Close()
	errFile, err := os.Create(errPath)
	mustNil(t, "Create stderr", err)
	defer errFile.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), wasiHelperEnv+"="+string(specJSON))
	cmd.Stdout, cmd.Stderr = outFile, errFile
	runErr := cmd.Run()
	stdout, err = os.ReadFile(outPath)
	mustNil(t, "reading the child's stdout", err)
	stderr, err = os.ReadFile(errPath)
	mustNil(t, "reading the child's stderr", err)
	if runErr != nil {
		t.Fatalf("replay child: %v\nstdout:\n%s\nstderr:\n%s", runErr, stdout, stderr)
	}
	raw, err := os.ReadFile(spec.Result)
	mustNil(t, "reading the child's result", err)
	mustNil(t, "json.Unmarshal", json.Unmarshal(raw, &res))
	if res.SetupFail != "" {
		t.Fatalf("replay child could not start the replay: %s", res.SetupFail)
	}
	return stdout, stderr, res
}
