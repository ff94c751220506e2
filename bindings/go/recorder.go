package wasmtimerr

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Recorder is a trace destination with record settings
// (wasmtime_rr_recorder_t), not yet attached to a store. Store.Record
// attaches it and takes it over; Close frees one that was never attached.
//
// Methods pass the native pointer to the library as it is: on a closed or
// attached Recorder (or a nil *Recorder) that is NULL, and the library answers
// with an ErrNullArgument error.
type Recorder struct {
	owned[*C.wasmtime_rr_recorder_t] // stream: the io.Writer of NewRecorderWriter, else nil
}

// NewRecorderFile creates a recorder that writes its trace to the file at
// path (wasmtime_rr_recorder_new_file). The file is created or truncated now;
// a path that cannot be written gives an ErrTraceIO error. A path containing
// a NUL byte is refused with ErrInvalidArgument.
func NewRecorderFile(path string) (*Recorder, error) {
	cpath, err := cString("path", path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var out *C.wasmtime_rr_recorder_t
	if err := errorFrom(C.wasmtime_rr_recorder_new_file(cpath, &out)); err != nil {
		return nil, err
	}
	return newRecorder(out, nil), nil
}

// NewRecorderWriter creates a recorder that hands its trace to w
// (wasmtime_rr_recorder_new_callback): the header when it is attached, then
// batches of sealed frames (see SetFlushBytes), then the last frame at
// Store.Finish (or when the store is closed). Write runs on the goroutine
// that uses the store; it must not call back into the library for that
// store (such a call returns ErrInvalidArgument). A Write that fails (or
// panics, or writes less than it was given) ends the recording with an
// ErrTraceIO error that also wraps the writer's error. What w accepted is
// always a valid prefix of the trace.
func NewRecorderWriter(w io.Writer) (*Recorder, error) {
	if w == nil {
		return nil, bindingError(ErrorKindNullArgument, "NewRecorderWriter: the io.Writer is nil")
	}
	s := &stream{w: w}
	cb := newCallback(s)
	var out *C.wasmtime_rr_recorder_t
	if err := errorFrom(C.wasmtimerr_recorder_new_go(cb.data(), &out)); err != nil {
		cb.release() // the library did not take the data
		return nil, err
	}
	return newRecorder(out, s), nil
}

func newRecorder(ptr *C.wasmtime_rr_recorder_t, s *stream) *Recorder {
	r := &Recorder{}
	r.owned = newOwned(r, ptr, s, deleteRecorder)
	return r
}

// deleteRecorder is the cleanup of a Recorder never attached nor closed.
func deleteRecorder(ptr *C.wasmtime_rr_recorder_t) {
	C.wasmtime_rr_recorder_delete(ptr)
}

// raw returns the native pointer, NULL for a nil, closed or attached Recorder.
func (r *Recorder) raw() *C.wasmtime_rr_recorder_t {
	if r == nil {
		return nil
	}
	return r.ptr
}

// set runs one of the library's recorder setters.
func (r *Recorder) set(f func(*C.wasmtime_rr_recorder_t) *C.wasmtime_error_t) error {
	err := errorFrom(f(r.raw()))
	runtime.KeepAlive(r)
	return err
}

// SetValidation chooses whether host-call events also record their arguments
// (wasmtime_rr_recorder_validation_set); a replay then checks them. Default
// false.
func (r *Recorder) SetValidation(enable bool) error {
	return r.set(func(p *C.wasmtime_rr_recorder_t) *C.wasmtime_error_t {
		return C.wasmtime_rr_recorder_validation_set(p, C.bool(enable))
	})
}

// SetEventWindow sets how many events are sealed into each CRC-checked frame
// of the trace (wasmtime_rr_recorder_event_window_set). Default 16; 0 is
// refused with ErrInvalidArgument.
func (r *Recorder) SetEventWindow(events uint32) error {
	return r.set(func(p *C.wasmtime_rr_recorder_t) *C.wasmtime_error_t {
		return C.wasmtime_rr_recorder_event_window_set(p, C.uint32_t(events))
	})
}

// SetMemoryDigest chooses whether each host-call event carries a digest of
// guest memory (wasmtime_rr_recorder_memory_digest_set), which a replay
// checks: it catches host writes that bypassed Caller.MemoryWrite. It hashes
// every exported memory on every host call. Default false.
func (r *Recorder) SetMemoryDigest(enable bool) error {
	return r.set(func(p *C.wasmtime_rr_recorder_t) *C.wasmtime_error_t {
		return C.wasmtime_rr_recorder_memory_digest_set(p, C.bool(enable))
	})
}

// SetFlushBytes sets how many bytes of sealed frames a recording batches
// before handing them to its file or io.Writer
// (wasmtime_rr_recorder_flush_bytes_set). Frames are handed over when that
// many have accumulated, when the last hand-over is more than 100 ms old as
// a frame is sealed, when a call into the guest ends with a trap or error,
// on Store.Flush, at Store.Finish and when the store is closed. 0 hands
// every frame over as soon as it is sealed. Default 65536.
func (r *Recorder) SetFlushBytes(bytes uint) error {
	return r.set(func(p *C.wasmtime_rr_recorder_t) *C.wasmtime_error_t {
		return C.wasmtime_rr_recorder_flush_bytes_set(p, C.size_t(bytes))
	})
}

// Close frees a recorder that was never attached (wasmtime_rr_recorder_delete),
// closing its file; a writer's recorder stops using the writer. Closing a
// closed or attached Recorder does nothing. It always returns nil.
func (r *Recorder) Close() error {
	if r != nil {
		r.close()
	}
	return nil
}

// take hands the native recorder to the library (which consumes it whenever
// it is non-NULL, also on failure) and returns it.
func (r *Recorder) take() (*C.wasmtime_rr_recorder_t, *stream) {
	if r == nil {
		return nil, nil
	}
	return r.owned.take()
}

// Replayer is a trace source (wasmtime_rr_replayer_t), not yet attached to a
// store. Store.Replay attaches it and takes it over; Close frees one that was
// never attached. A closed or attached Replayer reaches the library as NULL.
type Replayer struct {
	owned[*C.wasmtime_rr_replayer_t] // stream: the io.Reader of NewReplayerReader, else nil
}

// NewReplayerFile creates a replayer that reads the trace in the file at path
// (wasmtime_rr_replayer_new_file). The file is opened now (ErrTraceIO when it
// cannot be); its header is checked by Store.Replay.
func NewReplayerFile(path string) (*Replayer, error) {
	cpath, err := cString("path", path)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cpath))
	var out *C.wasmtime_rr_replayer_t
	if err := errorFrom(C.wasmtime_rr_replayer_new_file(cpath, &out)); err != nil {
		return nil, err
	}
	return newReplayer(out, nil), nil
}

// NewReplayerBytes creates a replayer over a trace in memory
// (wasmtime_rr_replayer_new_bytes); the bytes are copied. An invalid trace is
// reported by Store.Replay or later, as ErrTraceFormat.
func NewReplayerBytes(trace []byte) (*Replayer, error) {
	var data *C.uint8_t
	if len(trace) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&trace[0]))
	}
	var out *C.wasmtime_rr_replayer_t
	err := errorFrom(C.wasmtime_rr_replayer_new_bytes(data, C.size_t(len(trace)), &out))
	runtime.KeepAlive(trace)
	if err != nil {
		return nil, err
	}
	return newReplayer(out, nil), nil
}

// NewReplayerReader creates a replayer that pulls its trace from r
// (wasmtime_rr_replayer_new_callback). Read runs on the goroutine that uses
// the store. io.EOF ends the trace; any other error (or a panic) is an
// ErrTraceIO error that also wraps the reader's error.
func NewReplayerReader(r io.Reader) (*Replayer, error) {
	if r == nil {
		return nil, bindingError(ErrorKindNullArgument, "NewReplayerReader: the io.Reader is nil")
	}
	s := &stream{r: r}
	cb := newCallback(s)
	var out *C.wasmtime_rr_replayer_t
	if err := errorFrom(C.wasmtimerr_replayer_new_go(cb.data(), &out)); err != nil {
		cb.release()
		return nil, err
	}
	return newReplayer(out, s), nil
}

func newReplayer(ptr *C.wasmtime_rr_replayer_t, s *stream) *Replayer {
	r := &Replayer{}
	r.owned = newOwned(r, ptr, s, deleteReplayer)
	return r
}

// deleteReplayer is the cleanup of a Replayer never attached nor closed.
func deleteReplayer(ptr *C.wasmtime_rr_replayer_t) {
	C.wasmtime_rr_replayer_delete(ptr)
}

func (r *Replayer) raw() *C.wasmtime_rr_replayer_t {
	if r == nil {
		return nil
	}
	return r.ptr
}

// Close frees a replayer that was never attached (wasmtime_rr_replayer_delete).
// Closing a closed or attached Replayer does nothing. It always returns nil.
func (r *Replayer) Close() error {
	if r != nil {
		r.close()
	}
	return nil
}

// take hands the native replayer to the library (consumed whenever non-NULL).
func (r *Replayer) take() (*C.wasmtime_rr_replayer_t, *stream) {
	if r == nil {
		return nil, nil
	}
	return r.owned.take()
}

// owned is a native object (pointer type P) that Go owns until the library
// takes it over: it is freed exactly once, by close, by the cleanup of one
// that was forgotten, or by the library after take. The zero P is NULL.
type owned[P comparable] struct {
	ptr     P
	stream  *stream
	free    func(P)
	cleanup runtime.Cleanup
}

// newOwned makes the owned part of holder: free(ptr) runs when holder is
// collected while it still owns ptr.
func newOwned[P comparable, H any](holder *H, ptr P, s *stream, free func(P)) owned[P] {
	return owned[P]{ptr: ptr, stream: s, free: free, cleanup: runtime.AddCleanup(holder, free, ptr)}
}

func (o *owned[P]) close() {
	var null P
	if o.ptr == null {
		return
	}
	o.cleanup.Stop()
	o.free(o.ptr)
	o.ptr = null
}

func (o *owned[P]) take() (P, *stream) {
	var null P
	if o.ptr == null {
		return null, nil
	}
	o.cleanup.Stop()
	ptr := o.ptr
	o.ptr = null
	return ptr, o.stream
}

// stream is the Go side of a callback recorder or replayer: the io.Writer or
// io.Reader and the first error it reported.
type stream struct {
	w io.Writer
	r io.Reader

	mu      sync.Mutex
	err     error // the first failure, reported to the library
	pending error // a read error that came with data, reported on the next read
	eof     bool
}

// failure returns the first error of the writer or reader, or nil.
func (s *stream) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *stream) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// write hands p to the writer; false reports a failure to the library.
func (s *stream) write(p []byte) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.fail(fmt.Errorf("io.Writer panicked: %v", r))
			ok = false
		}
	}()
	n, err := s.w.Write(p)
	if err == nil && n != len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		s.fail(err)
		return false
	}
	return true
}

// maxEmptyReads bounds how often a reader may return (0, nil) in a row, as
// bufio does.
const maxEmptyReads = 100

// read fills p from the reader: n > 0 bytes, 0 at the end of the trace, or
// ok == false for a failure.
func (s *stream) read(p []byte) (n int, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.fail(fmt.Errorf("io.Reader panicked: %v", r))
			n, ok = 0, false
		}
	}()
	if s.pending != nil {
		s.fail(s.pending)
		return 0, false
	}
	if s.eof || len(p) == 0 {
		return 0, true
	}
	for range maxEmptyReads {
		n, err := s.r.Read(p)
		if n < 0 || n > len(p) {
			s.fail(fmt.Errorf("io.Reader returned %d bytes for a %d-byte buffer", n, len(p)))
			return 0, false
		}
		switch {
		case n > 0 && errors.Is(err, io.EOF):
			s.eof = true
			return n, true
		case n > 0:
			s.pending = err
			return n, true
		case errors.Is(err, io.EOF):
			s.eof = true
			return 0, true
		case err != nil:
			s.fail(err)
			return 0, false
		}
	}
	s.fail(io.ErrNoProgress)
	return 0, false
}

// cString is C.CString for a string that must not contain NUL (a path or a
// name the library reads as a C string).
func cString(what, s string) (*C.char, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, bindingError(ErrorKindInvalidArgument, "%s %q contains a NUL byte at offset %d", what, s, i)
	}
	return C.CString(s), nil
}
