//! write-wasip1-adapter OUT.wasm: the "command" adapter (a wasip1 module's
//! imports served by WASI preview 2, and a `wasi:cli/run` export calling
//! `_start`), the one a WASI command needs.
use wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER as ADAPTER;

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: write-wasip1-adapter OUT.wasm");
        std::process::exit(2);
    };
    if let Err(error) = std::fs::write(&out, ADAPTER) {
        eprintln!("write-wasip1-adapter: cannot write {}: {error}", out.to_string_lossy());
        std::process::exit(1);
    }
}
