;; A component using a resource type the host defines: `counter`, made by
;; the host's constructor, bumped through a borrow, dropped by the guest
;; (which runs the host's destructor). `run` makes one and bumps it `n`
;; times; `take` gets a counter the host made as an argument (own), and
;; `peek` one it lends (borrow); `make` gives the host a new one.
(component
  (import "counter" (type $counter (sub resource)))
  (import "[constructor]counter" (func $new (param "start" u32) (result (own $counter))))
  (import "[method]counter.bump" (func $bump (param "self" (borrow $counter)) (result u32)))
  (core module $m
    (import "host" "new" (func $new (param i32) (result i32)))
    (import "host" "bump" (func $bump (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (func (export "run") (param $n i32) (result i32)
      (local $h i32) (local $sum i32)
      (local.set $h (call $new (i32.const 100)))
      (block $done
        (loop $again
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (call $bump (local.get $h))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $again)))
      (call $drop (local.get $h))
      (i32.add (local.get $sum) (i32.mul (local.get $h) (i32.const 1000))))
    (func (export "take") (param $h i32) (result i32)
      (local $v i32)
      (local.set $v (call $bump (local.get $h)))
      (call $drop (local.get $h))
      (local.get $v))
    (func (export "make") (result i32)
      (call $new (i32.const 50)))
    (func (export "peek") (param $h i32) (result i32)
      (local $v i32)
      (local.set $v (call $bump (local.get $h)))
      (call $drop (local.get $h))
      (local.get $v)))
  (core func $new_lowered (canon lower (func $new)))
  (core func $bump_lowered (canon lower (func $bump)))
  (core func $drop_core (canon resource.drop $counter))
  (core instance $host
    (export "new" (func $new_lowered))
    (export "bump" (func $bump_lowered))
    (export "drop" (func $drop_core)))
  (core instance $i (instantiate $m (with "host" (instance $host))))
  (func (export "run") (param "n" u32) (result u32) (canon lift (core func $i "run")))
  (func (export "take") (param "c" (own $counter)) (result u32) (canon lift (core func $i "take")))
  (func (export "peek") (param "c" (borrow $counter)) (result u32) (canon lift (core func $i "peek")))
  (func (export "make") (result (own $counter)) (canon lift (core func $i "make"))))
