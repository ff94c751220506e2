module wasmtime-rr/examples/go-demo

go 1.24

require wasmtime-rr/bindings/go v0.0.0

replace wasmtime-rr/bindings/go => ../../bindings/go
