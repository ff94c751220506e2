// A WASI preview-1 guest in Go (GOOS=wasip1 GOARCH=wasm) that does what
// ../guest.c does and prints the same report, line for line: clocks,
// randomness, args, environment, stdin, a preopened folder (a file and a
// listing), a 20 ms sleep, a line on stderr and exit code 7.
//
// Go's runtime also calls random_get, clock_time_get and poll_oneoff on its
// own (seeding its maps, its scheduler and timers).
package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unsafe"
)

// WASI's clock ids.
const (
	clockRealtime  = 0
	clockMonotonic = 1
)

// Go exposes no raw monotonic reading (time.Now keeps one hidden), so the
// guest asks WASI directly, as guest.c's clock_gettime does.
//
//go:wasmimport wasi_snapshot_preview1 clock_time_get
//go:noescape
func clockTimeGet(id uint32, precision uint64, time unsafe.Pointer) uint32

func clockNs(id uint32) uint64 {
	var t uint64
	if errno := clockTimeGet(id, 1, unsafe.Pointer(&t)); errno != 0 {
		fail("clock_time_get", fmt.Errorf("errno %d", errno))
	}
	return t
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "guest: %s failed: %v\n", what, err)
	os.Exit(1)
}

// escape shows each '\n' as the two characters \n.
func escape(s string) string {
	return strings.ReplaceAll(s, "\n", `\n`)
}

func main() {
	realtime := time.Now().UnixNano()
	monotonic := clockNs(clockMonotonic)

	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		fail("crypto/rand", err)
	}

	name, ok := os.LookupEnv("GUEST_NAME")
	if !ok {
		name = "(unset)"
	}

	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading stdin", err)
	}

	file, err := os.ReadFile("/data/input.txt")
	if err != nil {
		fail("reading /data/input.txt", err)
	}

	// Readdirnames keeps the order the host returns (os.ReadDir would sort)
	// and leaves out "." and "..".
	dir, err := os.Open("/data")
	if err != nil {
		fail("opening /data", err)
	}
	names, err := dir.Readdirnames(-1)
	if err != nil {
		fail("listing /data", err)
	}
	dir.Close()

	before := clockNs(clockMonotonic)
	time.Sleep(20 * time.Millisecond)
	slept := clockNs(clockMonotonic) - before
	sleptEnough := "no"
	if slept >= uint64(20*time.Millisecond) {
		sleptEnough = "yes"
	}

	var report strings.Builder
	fmt.Fprintf(&report, "args: %s\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(&report, "env: %s\n", name)
	fmt.Fprintf(&report, "realtime_ns: %d\n", realtime)
	fmt.Fprintf(&report, "monotonic_ns: %d\n", monotonic)
	fmt.Fprintf(&report, "random: %s\n", hex.EncodeToString(random))
	fmt.Fprintf(&report, "stdin: %s\n", escape(string(input)))
	fmt.Fprintf(&report, "file: %s\n", escape(string(file)))
	fmt.Fprintf(&report, "dir: %s\n", strings.Join(names, ","))
	fmt.Fprintf(&report, "slept_ms_at_least_20: %s\n", sleptEnough)
	if _, err := os.Stdout.WriteString(report.String()); err != nil {
		fail("writing stdout", err)
	}

	fmt.Fprintln(os.Stderr, "guest: done, exiting with 7")
	os.Exit(7)
}
