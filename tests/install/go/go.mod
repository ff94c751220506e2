module wasmtime-rr/tests/install/go

go 1.24

require wasmtime-rr/bindings/go v0.0.0

replace wasmtime-rr/bindings/go => ../../../bindings/go
