;; A component whose exports carry every component value type across the
;; host boundary, for tests/c/test_components.c. `echo` returns its argument;
;; `through-host` hands it to the host function `host` and returns what the
;; host returns; `greet` passes a string to the host and returns its list;
;; `fail` calls a host function that fails.
(component
  (type $v (variant (case "circle" float64) (case "empty")))
  (type $e (enum "red" "green"))
  (type $fl (flags "read" "write" "exec"))
  (import "v" (type $v-in (eq $v)))
  (import "e" (type $e-in (eq $e)))
  (import "fl" (type $fl-in (eq $fl)))
  (type $big (record
    (field "b" bool) (field "s8" s8) (field "u8" u8) (field "s16" s16) (field "u16" u16)
    (field "s32" s32) (field "u32" u32) (field "s64" s64) (field "u64" u64)
    (field "f32" float32) (field "f64" float64) (field "c" char) (field "s" string)
    (field "l" (list u32)) (field "t" (tuple u8 string)) (field "v" $v-in) (field "e" $e-in)
    (field "o" (option u32)) (field "r" (result string (error u8))) (field "fl" $fl-in)
    (field "nested" (list (option (tuple string (list u8)))))))
  (import "big" (type $big-in (eq $big)))
  (import "host" (func $host (param "x" $big-in) (result $big-in)))
  (import "greet" (func $greet (param "name" string) (result (list u32))))
  (import "fail" (func $fail (result u32)))

  (core module $mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $ret i32)
      ;; Bump allocation, aligned; the old block is never reused.
      (local.set $ret
        (i32.and
          (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
          (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
      (global.set $next (i32.add (local.get $ret) (local.get 3)))
      (if (i32.gt_u (global.get $next) (i32.const 65536)) (then unreachable))
      (local.get $ret))
    ;; After each export call returns: everything allocated is free again.
    (func (export "reset") (param i32) (global.set $next (i32.const 4096))))
  (core instance $m (instantiate $mem))
  (alias core export $m "memory" (core memory $memory))
  (alias core export $m "realloc" (core func $realloc))
  (alias core export $m "reset" (core func $reset))

  (core func $host-lowered (canon lower (func $host) (memory $memory) (realloc $realloc)))
  (core func $greet-lowered (canon lower (func $greet) (memory $memory) (realloc $realloc)))
  (core func $fail-lowered (canon lower (func $fail)))

  (core module $code
    (import "host" "host" (func $host (param i32 i32)))
    (import "host" "greet" (func $greet (param i32 i32 i32)))
    (import "host" "fail" (func $fail (result i32)))
    ;; `big` is passed by pointer both ways: echo returns the very pointer.
    (func (export "echo") (param i32) (result i32) (local.get 0))
    (func (export "through-host") (param i32) (result i32)
      (call $host (local.get 0) (i32.const 1024))
      (i32.const 1024))
    (func (export "greet") (param i32 i32) (result i32)
      (call $greet (local.get 0) (local.get 1) (i32.const 2048))
      (i32.const 2048))
    (func (export "fail") (result i32) (call $fail)))
  (core instance $c (instantiate $code
    (with "host" (instance
      (export "host" (func $host-lowered))
      (export "greet" (func $greet-lowered))
      (export "fail" (func $fail-lowered))))))

  (func $echo (param "x" $big-in) (result $big-in)
    (canon lift (core func $c "echo") (memory $memory) (realloc $realloc) (post-return $reset)))
  (func $through-host (param "x" $big-in) (result $big-in)
    (canon lift (core func $c "through-host") (memory $memory) (realloc $realloc) (post-return $reset)))
  (func $greet-export (param "name" string) (result (list u32))
    (canon lift (core func $c "greet") (memory $memory) (realloc $realloc) (post-return $reset)))
  (func $fail-export (result u32) (canon lift (core func $c "fail")))
  (export "echo" (func $echo))
  (export "through-host" (func $through-host))
  (instance $api (export "greet" (func $greet-export)) (export "fail" (func $fail-export)))
  (export "api" (instance $api)))
