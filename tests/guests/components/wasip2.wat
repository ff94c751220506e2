;; A component that uses WASI preview 2 (tests/c/test_components.c): it writes
;; "tick\n" to stdout (get-stdout, blocking-write-and-flush, resource drop)
;; and returns the wall clock's seconds plus a random u64, a different number
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
    (type $se (variant (case "last-operation-failed" (own $e2)) (case "closed")))
    (export "stream-error" (type $se2 (eq $se)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result (error $se2)))))))
  (alias export $streams "output-stream" (type $os))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer $C $os (type $o))
    (export "output-stream" (type $o2 (eq $o)))
    (export "get-stdout" (func (result (own $o2))))))
  (core module $mem (memory (export "memory") 1))
  (core instance $mem-i (instantiate $mem))
  (alias core export $mem-i "memory" (core memory $memory))
  (core func $now (canon lower (func $clock "now") (memory $memory)))
  (core func $u64 (canon lower (func $random "get-random-u64")))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core func $drop (canon resource.drop $os))
  (core module $m
    (import "env" "memory" (memory 1))
    (import "env" "now" (func $now (param i32)))
    (import "env" "u64" (func $u64 (result i64)))
    (import "env" "get-stdout" (func $get-stdout (result i32)))
    (import "env" "write" (func $write (param i32 i32 i32 i32)))
    (import "env" "drop" (func $drop (param i32)))
    (data (i32.const 100) "tick\n")
    (func (export "sample") (result i64) (local $out i32)
      (local.set $out (call $get-stdout))
      (call $write (local.get $out) (i32.const 100) (i32.const 5) (i32.const 200))
      (call $drop (local.get $out))
      (call $now (i32.const 16))
      (i64.add (i64.load (i32.const 16)) (call $u64))))
  (core instance $i (instantiate $m (with "env" (instance
    (export "memory" (memory $memory)) (export "now" (func $now)) (export "u64" (func $u64))
    (export "get-stdout" (func $get-stdout)) (export "write" (func $write)) (export "drop" (func $drop))))))
  (func (export "sample") (result u64) (canon lift (core func $i "sample"))))
