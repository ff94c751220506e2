module wasmtime-rr/bindings/go

go 1.24
