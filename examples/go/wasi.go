package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	wasmtimerr "wasmtime-rr/bindings/go"
)

// diceWAT is a WASI command: it asks for the size of its arguments, reads the
// real-time clock and 8 random bytes, prints both in hex on stdout and a line
// on stderr, and exits with 3 (the same guest as examples/cpp/wasi.cpp).
const diceWAT = `(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: the clock, 8: the random bytes, 16: an iovec, 24: bytes written
  (data (i32.const 64) "now=0x0000000000000000 random=0x0000000000000000\n")
  (data (i32.const 128) "guest: exiting with 3\n")
  ;; Writes v as 16 hex digits at out.
  (func $hex (param $v i64) (param $out i32)
    (local $i i32) (local $n i32)
    (loop $digit
      (local.set $n (i32.wrap_i64 (i64.and (i64.const 15)
        (i64.shr_u (local.get $v) (i64.extend_i32_u (i32.sub (i32.const 60) (i32.shl (local.get $i) (i32.const 2))))))))
      (i32.store8 (i32.add (local.get $out) (local.get $i))
        (i32.add (local.get $n) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $n) (i32.const 10)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $i) (i32.const 16)))))
  (func $print (param $fd i32) (param $text i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $text))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "_start")
    (drop (call $args_sizes (i32.const 32) (i32.const 36)))
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0)))
    (drop (call $random (i32.const 8) (i32.const 8)))
    (call $hex (i64.load (i32.const 0)) (i32.const 70))
    (call $hex (i64.load (i32.const 8)) (i32.const 96))
    (call $print (i32.const 1) (i32.const 64) (i32.const 49))
    (call $print (i32.const 2) (i32.const 128) (i32.const 22))
    (call $exit (i32.const 3))))`

// wasiSession runs a WASI command's _start once on a fresh engine: recording
// into the trace file, or replaying it with echo (the recorded stdout and
// stderr bytes are written to this process's stdout and stderr). cfg, when
// not nil, becomes the store's WASI context; a replay needs none. It returns
// the guest's exit status (0 when _start returns).
func wasiSession(mode wasmtimerr.Mode, wasm []byte, trace string, cfg *wasmtimerr.WasiConfig) (int32, error) {
	engine, err := rrEngine(mode)
	if err != nil {
		return 0, err
	}
	defer engine.Close()
	module, err := wasmtimerr.NewModule(engine, wasm)
	if err != nil {
		return 0, err
	}
	defer module.Close()
	linker, err := wasmtimerr.NewLinker(engine)
	if err != nil {
		return 0, err
	}
	defer linker.Close()
	if err := linker.DefineWasi(); err != nil { // recorded/replayed WASI preview 1
		return 0, err
	}
	store, err := wasmtimerr.NewStore(engine)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	if mode == wasmtimerr.ModeRecording {
		recorder, err := wasmtimerr.NewRecorderFile(trace)
		if err != nil {
			return 0, err
		}
		err = store.Record(recorder)
		if err != nil {
			return 0, err
		}
	} else {
		replayer, err := wasmtimerr.NewReplayerFile(trace)
		if err != nil {
			return 0, err
		}
		if err := replayer.SetEcho(true); err != nil {
			replayer.Close()
			return 0, err
		}
		if err := store.Replay(replayer); err != nil {
			return 0, err
		}
	}
	if cfg != nil {
		if err := store.SetWasi(cfg); err != nil { // consumes cfg on success
			return 0, err
		}
	}
	instance, err := linker.Instantiate(store, module)
	if err != nil {
		return 0, err
	}
	var code int32
	_, err = instance.Call(store, "_start")
	var exit *wasmtimerr.ExitError
	if errors.As(err, &exit) {
		code, err = exit.Code, nil // the guest's proc_exit, not a failure
	}
	if err != nil {
		return 0, err
	}
	// A recording writes its last frame; a replay checks that the trace
	// has nothing left.
	return code, store.Finish()
}

// wasiDemo records diceWAT with its stdout and stderr going to files, then
// replays it with echo: the replay prints the recorded line again, the same
// clock and random bytes, without asking the host for either.
func wasiDemo() error {
	dir, err := os.MkdirTemp("", "go-demo-wasi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	wasm, err := wasmtimerr.Wat2Wasm(diceWAT)
	if err != nil {
		return err
	}
	trace := filepath.Join(dir, "dice.wrr")
	stdout, stderr := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	cfg := wasmtimerr.NewWasiConfig()
	defer cfg.Close() // does nothing once SetWasi has consumed it
	if err := errors.Join(cfg.SetArgv([]string{"dice"}), cfg.SetStdoutFile(stdout), cfg.SetStderrFile(stderr)); err != nil {
		return err
	}
	code, err := wasiSession(wasmtimerr.ModeRecording, wasm, trace, cfg)
	if err != nil {
		return fmt.Errorf("recording the WASI guest: %w", err)
	}
	out, err := os.ReadFile(stdout)
	if err != nil {
		return err
	}
	errText, err := os.ReadFile(stderr)
	if err != nil {
		return err
	}
	info, err := os.Stat(trace)
	if err != nil {
		return err
	}
	fmt.Printf("wasi: recorded: %s (exit status %d, trace %d bytes)\n", strings.TrimSuffix(string(out), "\n"), code, info.Size())
	fmt.Printf("wasi: recorded stderr: %s", errText)
	fmt.Println("wasi: replaying with echo, no WASI context:")
	code, err = wasiSession(wasmtimerr.ModeReplaying, wasm, trace, nil)
	if err != nil {
		return fmt.Errorf("replaying the WASI guest: %w", err)
	}
	fmt.Printf("wasi: replayed: exit status %d, trace consumed\n", code)
	return nil
}

// listFlag is a repeatable command-line flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// wasiCommand is `go-demo wasi [-stdin FILE] [-dir HOST::GUEST]...
// [-env NAME=VALUE]... GUEST.wasm [ARG...]`: it records a WASI command with
// those inputs (its stdout and stderr to files, shown afterwards), then
// replays the trace with echo and no WASI context at all, so the guest's
// output appears again without its files, stdin or environment.
func wasiCommand(args []string) error {
	flags := flag.NewFlagSet("go-demo wasi", flag.ContinueOnError)
	stdinPath := flags.String("stdin", "", "file given to the guest as stdin (default: empty)")
	var dirs, env listFlag
	flags.Var(&dirs, "dir", "HOST::GUEST, a host folder preopened (read-only) as GUEST (repeatable)")
	flags.Var(&env, "env", "NAME=VALUE, an environment variable of the guest (repeatable)")
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: go-demo wasi [-stdin FILE] [-dir HOST::GUEST]... [-env NAME=VALUE]... GUEST.wasm [ARG...]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if flags.NArg() < 1 {
		flags.Usage()
		return errors.New("no guest module given")
	}
	guest := flags.Arg(0)
	wasm, err := os.ReadFile(guest)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "go-demo-wasi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	trace := filepath.Join(dir, "guest.wrr")
	stdout, stderr := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")

	cfg := wasmtimerr.NewWasiConfig()
	defer cfg.Close()
	argv := append([]string{filepath.Base(guest)}, flags.Args()[1:]...)
	setup := []error{cfg.SetArgv(argv), cfg.SetStdoutFile(stdout), cfg.SetStderrFile(stderr)}
	if *stdinPath != "" {
		setup = append(setup, cfg.SetStdinFile(*stdinPath))
	}
	for _, d := range dirs {
		host, guestPath, ok := strings.Cut(d, "::")
		if !ok {
			return fmt.Errorf("-dir %q: want HOST::GUEST", d)
		}
		setup = append(setup, cfg.PreopenDir(host, guestPath, false))
	}
	for _, e := range env {
		name, value, ok := strings.Cut(e, "=")
		if !ok {
			return fmt.Errorf("-env %q: want NAME=VALUE", e)
		}
		setup = append(setup, cfg.SetEnv([]string{name}, []string{value}))
	}
	if err := errors.Join(setup...); err != nil {
		return err
	}

	code, err := wasiSession(wasmtimerr.ModeRecording, wasm, trace, cfg)
	if err != nil {
		return fmt.Errorf("recording %s: %w", guest, err)
	}
	out, err := os.ReadFile(stdout)
	if err != nil {
		return err
	}
	errText, err := os.ReadFile(stderr)
	if err != nil {
		return err
	}
	info, err := os.Stat(trace)
	if err != nil {
		return err
	}
	fmt.Printf("wasi: recorded %s: exit status %d, trace %d bytes; its stdout:\n", guest, code, info.Size())
	os.Stdout.Write(out)
	os.Stderr.Write(errText)
	fmt.Println("wasi: replaying with echo, without the guest's files, stdin or WASI context:")
	replayed, err := wasiSession(wasmtimerr.ModeReplaying, wasm, trace, nil)
	if err != nil {
		return fmt.Errorf("replaying %s: %w", guest, err)
	}
	fmt.Printf("wasi: replayed: exit status %d, trace consumed\n", replayed)
	return nil
}
