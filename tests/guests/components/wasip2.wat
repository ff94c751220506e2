;; A component that uses WASI preview 2 (tests/c/test_components.c): `sample`
;; writes "tick\n" to stdout (get-stdout, blocking-write-and-flush, resource
;; drop), reads up to 16 bytes of stdin (get-stdin, blocking-read: a list
;; lowered through the guest's realloc) and returns the wall clock's seconds
;; plus a random u64 plus the first byte read (0 if none): a different number
;; on every run unless replayed.
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
  ;; Memory and a bump allocator, instantiated first: the lowered functions need both.
  (core module $mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $at i32)
      (local.set $at (global.get $next))
      (global.set $next (i32.add (global.get $next) (local.get 3)))
      (local.get $at)))
  (core instance $mem-i (instantiate $mem))
  (alias core export $mem-i "memory" (core memory $memory))
  (alias core export $mem-i "realloc" (core func $realloc))
  (core func $now (canon lower (func $clock "now") (memory $memory)))
  (core func $u64 (canon lower (func $random "get-random-u64")))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $get-stdin (canon lower (func $stdin "get-stdin")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core func $read (canon lower (func $streams "[method]input-stream.blocking-read") (memory $memory) (realloc $realloc)))
  (core func $drop-out (canon resource.drop $os))
  (core func $drop-in (canon resource.drop $is))
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
    (data (i32.const 100) "tick\n")
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
      (local.set $out (call $get-stdout))
      (call $write (local.get $out) (i32.const 100) (i32.const 5) (i32.const 200))
      (call $drop-out (local.get $out))
      (local.set $byte (call $first-stdin-byte))
      (call $now (i32.const 16))
      (i64.add (i64.add (i64.load (i32.const 16)) (call $u64)) (local.get $byte))))
  (core instance $i (instantiate $m (with "env" (instance
    (export "memory" (memory $memory)) (export "now" (func $now)) (export "u64" (func $u64))
    (export "get-stdout" (func $get-stdout)) (export "get-stdin" (func $get-stdin))
    (export "write" (func $write)) (export "read" (func $read))
    (export "drop-out" (func $drop-out)) (export "drop-in" (func $drop-in))))))
  (func (export "sample") (result u64) (canon lift (core func $i "sample"))))
