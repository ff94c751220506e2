;; The record/replay demo guest: asks the host for the time and for random
;; bytes, and writes a text report into its memory:
;;   "report v1: time=<nanoseconds> random=<hex>"
;; report(n) returns the report's (address, length, checksum of the random bytes).
(module
  (import "env" "now_ns" (func $now (result i64)))
  (import "env" "random" (func $random (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "0123456789abcdef")
  (data (i32.const 16) "report v1: time=")
  (data (i32.const 32) " random=")
  (func (export "report") (param $n i32) (result i32 i32 i32)
    (local $t i64) (local $p i32) (local $i i32) (local $b i32) (local $sum i32)
    (memory.copy (i32.const 256) (i32.const 16) (i32.const 16))
    (local.set $p (i32.const 272))
    ;; the time, in decimal (digits written backwards into 128..160)
    (local.set $t (call $now))
    (local.set $i (i32.const 160))
    (loop $digits
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (local.get $i)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $t) (i64.const 10)))))
      (local.set $t (i64.div_u (local.get $t) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $t) (i64.const 0))))
    (memory.copy (local.get $p) (local.get $i) (i32.sub (i32.const 160) (local.get $i)))
    (local.set $p (i32.add (local.get $p) (i32.sub (i32.const 160) (local.get $i))))
    (memory.copy (local.get $p) (i32.const 32) (i32.const 8))
    (local.set $p (i32.add (local.get $p) (i32.const 8)))
    ;; n random bytes from the host at 192, in hex
    (call $random (i32.const 192) (local.get $n))
    (local.set $i (i32.const 0))
    (block $done
      (loop $hex
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b (i32.load8_u (i32.add (i32.const 192) (local.get $i))))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $b)))
        (i32.store8 (local.get $p) (i32.load8_u (i32.shr_u (local.get $b) (i32.const 4))))
        (i32.store8 offset=1 (local.get $p) (i32.load8_u (i32.and (local.get $b) (i32.const 15))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $hex)))
    (i32.const 256)
    (i32.sub (local.get $p) (i32.const 256))
    (local.get $sum)))
