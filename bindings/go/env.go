package wasmtimerr

// #include <wasmtime_rr.h>
import "C"

import "runtime"

// This file is the per-store record/replay switch, in two forms:
//
//   - in the program: Store.RecordTo(path) / Store.ReplayFrom(path) on a
//     recording / replaying engine, then Store.Finish. Only the stores so
//     switched record or replay; the other stores of the same engine run as
//     usual and write nothing.
//   - from the environment (WASMTIME_RR_RECORD=PATH or WASMTIME_RR_REPLAY=PATH,
//     the variables libwasmtime_rr_preload.so honours): EnvMode says what the
//     environment asks for, Config.FromEnv makes a config record or replay
//     accordingly, and Store.AttachFromEnv attaches a store to the next trace
//     file (PATH, then PATH.1, PATH.2, ... in attachment order). A store that
//     is not attached records nothing. The variables are read once per
//     process, by the library, the first time any of these runs.

// EnvMode returns what the environment asks for (wasmtime_rr_env_mode):
// ModeRecording when WASMTIME_RR_RECORD is set (not empty), ModeReplaying
// when WASMTIME_RR_REPLAY is, and ModeNone when neither or both are (the
// library then says so on stderr).
func EnvMode() Mode {
	return Mode(C.wasmtime_rr_env_mode())
}

// FromEnv makes the config record or replay as the environment asks
// (wasmtime_rr_env_config): with the switch on it sets the mode and enforces
// determinism, otherwise it leaves the config unchanged. A nil, closed or
// consumed Config gives ErrNullArgument; a library without record/replay,
// ErrUnsupported.
func (c *Config) FromEnv() error {
	return c.call(func(p *C.wasm_config_t) *C.wasmtime_error_t { return C.wasmtime_rr_env_config(p) })
}

// AttachFromEnv attaches the environment's recorder or replayer to the store
// (wasmtime_rr_env_attach): with the switch on and the store's engine
// recording (replaying) it records into (replays from) the next trace file,
// and does nothing otherwise. Such a recording also captures raw writes into
// guest memory between host calls (WASMTIME_RR_SHADOW=0 turns that off) and
// writes each call's events when the call returns; such a replay echoes the
// guest's recorded WASI output (WASMTIME_RR_ECHO=0 turns that off). End it
// with Finish (or Close): a Go program exits without running the C exit
// handlers that would otherwise finish the trace.
//
// Errors: ErrTraceIO when the trace file cannot be created or opened,
// ErrTraceFormat for a file that is no trace, ErrInvalidArgument when the
// store is recording or replaying already, ErrNullArgument for a nil or
// closed Store.
func (s *Store) AttachFromEnv() error {
	ctx, err := s.usable("AttachFromEnv")
	if err != nil {
		return err
	}
	err = errorFrom(C.wasmtime_rr_env_attach(ctx))
	runtime.KeepAlive(s)
	return err
}

// RecordTo is the store-level switch for recording: it records this store,
// and no other, into the trace file at path (NewRecorderFile, then Record).
// The store's engine must be recording (Config.SetRecording); its other
// stores are not recorded. End the recording with Finish:
//
//	if err := store.RecordTo("session.wrr"); err != nil { return err }
//	defer store.Finish()
//
// The file is created (or truncated) before the store is attached, so it
// exists even when Record then fails (for example ErrInvalidArgument for an
// engine that does not record). A path that cannot be written gives
// ErrTraceIO.
func (s *Store) RecordTo(path string) error {
	if _, err := s.usable("RecordTo"); err != nil {
		return err
	}
	rec, err := NewRecorderFile(path)
	if err != nil {
		return err
	}
	return s.Record(rec)
}

// ReplayFrom is the store-level switch for replaying: it replays this store
// from the trace file at path (NewReplayerFile, then Replay). The store's
// engine must be replaying; Finish checks that the whole trace was used:
//
//	if err := store.ReplayFrom("session.wrr"); err != nil { return err }
//	defer store.Finish()
//
// A file that cannot be opened gives ErrTraceIO, one that is no trace
// ErrTraceFormat.
func (s *Store) ReplayFrom(path string) error {
	if _, err := s.usable("ReplayFrom"); err != nil {
		return err
	}
	rep, err := NewReplayerFile(path)
	if err != nil {
		return err
	}
	return s.Replay(rep)
}
