;; The guest of the record/replay tests (tests/c/test_replay.c) and of the
;; trace fuzz targets (fuzz/): host calls with and without results, multi-value,
;; NaN-carrying floats, v128, traps, a host trap, funcrefs and host memory writes.
;; No loops: a replay driven by a mutated trace always terminates.
(module
  (import "env" "now" (func $now (result i64)))
  (import "env" "fill" (func $fill (param i32 i32)))
  (import "env" "multi" (func $multi (param i32) (result i32 i64 f32 f64)))
  (import "env" "fail" (func $fail))
  (memory (export "memory") 1)
  (elem declare func $id)
  (func $id (export "id") (param i32) (result i32) local.get 0)
  (func (export "run") (param $x i32) (result i64 i32 f32 f64 v128)
    (local $a i32) (local $b i64) (local $c f32) (local $d f64)
    (call $fill (i32.const 16) (i32.const 8))
    (call $multi (local.get $x))
    local.set $d local.set $c local.set $b local.set $a
    (i64.add (i64.add (call $now) (i64.load (i32.const 16))) (local.get $b))
    (i32.add (local.get $a) (i32.load8_u (i32.const 17)))
    (f32.add (local.get $c) (f32.const 0.5))
    (f64.mul (local.get $d) (f64.const 2))
    (i64x2.splat (call $now)))
  (func (export "trap") (param i32) (result i32)
    (if (local.get 0) (then unreachable)) (i32.const 7))
  (func (export "boom") (call $fail))
  (func (export "getf") (result funcref) (ref.func $id)))
