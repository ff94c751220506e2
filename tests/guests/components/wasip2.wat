;; A component that uses WASI preview 2 (tests/c/test_components.c): `sample`
;; writes "tick\n" to stdout (get-stdout, blocking-write-and-flush, resource
;; drop), reads up to 16 bytes of stdin (get-stdin, blocking-read: a list
;; lowered through the guest's realloc), reads input.txt from the first
;; preopened directory (get-directories, open-at, read) and returns the wall
;; clock's seconds plus a random u64 plus the first byte of stdin plus 256
;; times the file's first byte (0 for what is missing): a different number on
;; every run unless replayed.
(component $C
  (import "wasi:clocks/wall-clock@0.2.0" (instance $clock
    (type $dt (record (field "seconds" u64) (field "nanoseconds" u32)))
    (export "datetime" (type $dt-e (eq $dt)))
    (export "now" (func (result $dt-e)))))
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:io/error@0.2.0" (instance $error (export "error" (type (sub resource)))))
  (alias export $error "error" (type $err))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (alias outer $C $err (type $e))
    (export "error" (type $e2 (eq $e)))
    (export "output-stream" (type $os (sub resource)))
    (export "input-stream" (type $is (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $e2)) (case "closed")))
    (export "stream-error" (type $se2 (eq $se)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result (error $se2)))))
    (export "[method]input-stream.blocking-read"
      (func (param "self" (borrow $is)) (param "len" u64) (result (result (list u8) (error $se2)))))))
  (alias export $streams "output-stream" (type $os))
  (alias export $streams "input-stream" (type $is))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer $C $os (type $o))
    (export "output-stream" (type $o2 (eq $o)))
    (export "get-stdout" (func (result (own $o2))))))
  (import "wasi:cli/stdin@0.2.0" (instance $stdin
    (alias outer $C $is (type $i))
    (export "input-stream" (type $i2 (eq $i)))
    (export "get-stdin" (func (result (own $i2))))))
  (import "wasi:filesystem/types@0.2.0" (instance $fs
    (export "descriptor" (type $d (sub resource)))
    (type $ec (enum "access" "would-block" "already" "bad-descriptor" "busy" "deadlock" "quota" "exist"
      "file-too-large" "illegal-byte-sequence" "in-progress" "interrupted" "invalid" "io" "is-directory" "loop"
      "too-many-links" "message-size" "name-too-long" "no-device" "no-entry" "no-lock" "insufficient-memory"
      "insufficient-space" "not-directory" "not-empty" "not-recoverable" "unsupported" "no-tty" "no-such-device"
      "overflow" "not-permitted" "pipe" "read-only" "invalid-seek" "text-file-busy" "cross-device"))
    (export "error-code" (type $ec2 (eq $ec)))
    (type $pf (flags "symlink-follow"))
    (export "path-flags" (type $pf2 (eq $pf)))
    (type $of (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $of2 (eq $of)))
    (type $df (flags "read" "write" "file-integrity-sync" "data-integrity-sync" "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $df2 (eq $df)))
    (export "[method]descriptor.open-at"
      (func (param "self" (borrow $d)) (param "path-flags" $pf2) (param "path" string) (param "open-flags" $of2)
        (param "flags" $df2) (result (result (own $d) (error $ec2)))))
    (export "[method]descriptor.read"
      (func (param "self" (borrow $d)) (param "length" u64) (param "offset" u64)
        (result (result (tuple (list u8) bool) (error $ec2)))))))
  (alias export $fs "descriptor" (type $desc))
  (import "wasi:filesystem/preopens@0.2.0" (instance $preopens
    (alias outer $C $desc (type $d))
    (export "descriptor" (type $d2 (eq $d)))
    (export "get-directories" (func (result (list (tuple (own $d2) string)))))))
  ;; Memory and a bump allocator, instantiated first: the lowered functions need both.
  (core module $mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $at i32)
      ;; aligned up to the requested alignment (a power of two)
      (local.set $at (i32.and (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (local.get $at))
    ;; Called at the start of each `sample`: nothing lowered outlives a call.
    (func (export "reset") (global.set $next (i32.const 1024))))
  (core instance $mem-i (instantiate $mem))
  (alias core export $mem-i "memory" (core memory $memory))
  (alias core export $mem-i "realloc" (core func $realloc))
  (alias core export $mem-i "reset" (core func $reset))
  (core func $now (canon lower (func $clock "now") (memory $memory)))
  (core func $u64 (canon lower (func $random "get-random-u64")))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $get-stdin (canon lower (func $stdin "get-stdin")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core func $read (canon lower (func $streams "[method]input-stream.blocking-read") (memory $memory) (realloc $realloc)))
  (core func $drop-out (canon resource.drop $os))
  (core func $drop-in (canon resource.drop $is))
  (core func $get-directories (canon lower (func $preopens "get-directories") (memory $memory) (realloc $realloc)))
  (core func $open-at (canon lower (func $fs "[method]descriptor.open-at") (memory $memory)))
  (core func $read-at (canon lower (func $fs "[method]descriptor.read") (memory $memory) (realloc $realloc)))
  (core func $drop-descriptor (canon resource.drop $desc))
  (core module $m
    (import "env" "memory" (memory 1))
    (import "env" "now" (func $now (param i32)))
    (import "env" "u64" (func $u64 (result i64)))
    (import "env" "get-stdout" (func $get-stdout (result i32)))
    (import "env" "get-stdin" (func $get-stdin (result i32)))
    (import "env" "write" (func $write (param i32 i32 i32 i32)))
    (import "env" "read" (func $read (param i32 i64 i32)))
    (import "env" "drop-out" (func $drop-out (param i32)))
    (import "env" "drop-in" (func $drop-in (param i32)))
    (import "env" "get-directories" (func $get-directories (param i32)))
    (import "env" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "env" "read-at" (func $read-at (param i32 i64 i64 i32)))
    (import "env" "drop-descriptor" (func $drop-descriptor (param i32)))
    (import "env" "reset" (func $reset))
    (data (i32.const 100) "tick\n")
    (data (i32.const 120) "input.txt")
    ;; The first byte of input.txt in the first preopened directory, 0 if none.
    (func $first-file-byte (result i64) (local $dir i32) (local $file i32) (local $byte i64)
      (call $get-directories (i32.const 400))
      (if (i32.eqz (i32.load (i32.const 404))) (then (return (i64.const 0))))
      (local.set $dir (i32.load (i32.load (i32.const 400))))
      ;; open-at(dir, no path flags, "input.txt", no open flags, read)
      (call $open-at (local.get $dir) (i32.const 0) (i32.const 120) (i32.const 9) (i32.const 0) (i32.const 1) (i32.const 500))
      (if (i32.eqz (i32.load8_u (i32.const 500)))
        (then
          (local.set $file (i32.load (i32.const 504)))
          (call $read-at (local.get $file) (i64.const 16) (i64.const 0) (i32.const 600))
          (if (i32.and (i32.eqz (i32.load8_u (i32.const 600))) (i32.ne (i32.load (i32.const 608)) (i32.const 0)))
            (then (local.set $byte (i64.load8_u (i32.load (i32.const 604))))))
          (call $drop-descriptor (local.get $file))))
      (call $drop-descriptor (local.get $dir))
      (local.get $byte))
    ;; The first byte of up to 16 read from stdin, 0 if none.
    (func $first-stdin-byte (result i64) (local $in i32)
      (local.set $in (call $get-stdin))
      (call $read (local.get $in) (i64.const 16) (i32.const 300))
      (call $drop-in (local.get $in))
      (if (result i64)
        (i32.and (i32.eqz (i32.load8_u (i32.const 300))) (i32.ne (i32.load (i32.const 308)) (i32.const 0)))
        (then (i64.load8_u (i32.load (i32.const 304))))
        (else (i64.const 0))))
    (func (export "sample") (result i64) (local $out i32) (local $byte i64)
      (call $reset)
      (local.set $out (call $get-stdout))
      (call $write (local.get $out) (i32.const 100) (i32.const 5) (i32.const 200))
      (call $drop-out (local.get $out))
      (local.set $byte (i64.add (call $first-stdin-byte) (i64.shl (call $first-file-byte) (i64.const 8))))
      (call $now (i32.const 16))
      (i64.add (i64.add (i64.load (i32.const 16)) (call $u64)) (local.get $byte))))
  (core instance $i (instantiate $m (with "env" (instance
    (export "memory" (memory $memory)) (export "now" (func $now)) (export "u64" (func $u64))
    (export "get-stdout" (func $get-stdout)) (export "get-stdin" (func $get-stdin))
    (export "write" (func $write)) (export "read" (func $read))
    (export "drop-out" (func $drop-out)) (export "drop-in" (func $drop-in))
    (export "get-directories" (func $get-directories)) (export "open-at" (func $open-at))
    (export "read-at" (func $read-at)) (export "drop-descriptor" (func $drop-descriptor))
    (export "reset" (func $reset))))))
  (func (export "sample") (result u64) (canon lift (core func $i "sample"))))
