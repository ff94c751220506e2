//! `wasmtime-rr`: replay a recorded session without its host, or inspect a trace.
//!
//!     wasmtime-rr replay MODULE.wasm TRACE
//!     wasmtime-rr inspect TRACE
//!
//! `replay` re-runs the session: instantiations and export calls come from the
//! trace, host functions are served from it, and every result is checked
//! against the recording. It prints each export call with its results and
//! exits 0 when the replay matched, 1 with the divergence otherwise.
//! `inspect` prints the header, every event and a summary.
//! Progress goes to stderr for long traces; usage errors exit 2.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wasmtime_rr::error::{ErrorKind, Result, RrError};
use wasmtime_rr::trace::TraceReader;

const USAGE: &str = "usage: wasmtime-rr replay MODULE.wasm TRACE\n       wasmtime-rr inspect TRACE";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["replay", module, trace] => replay(module, trace),
        ["inspect", trace] => inspect(trace),
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = std::io::stdout().flush();
            eprintln!(
                "error [{}]: {}",
                wasmtime_rr::error::kind_name(error.kind() as u32).to_string_lossy(),
                error.message()
            );
            ExitCode::FAILURE
        }
    }
}

/// Prints "N events" to stderr at most once a second on long runs.
struct Progress {
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new() -> Progress {
        let now = Instant::now();
        Progress {
            started: now,
            last: now,
        }
    }

    fn tick(&mut self, events: u64) {
        if self.last.elapsed() >= Duration::from_secs(1) {
            self.last = Instant::now();
            eprintln!(
                "... {events} events ({:.1} s)",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

fn open_trace(path: &str) -> Result<TraceReader> {
    let file = std::fs::File::open(path).map_err(|e| {
        RrError::new(
            ErrorKind::TraceIo,
            format!("cannot open trace file {path}: {e}"),
        )
    })?;
    TraceReader::new(Box::new(file))
}

fn inspect(path: &str) -> Result<()> {
    let mut reader = open_trace(path)?;
    let mut progress = Progress::new();
    wasmtime_rr::tools::inspect::inspect(&mut reader, &mut std::io::stdout().lock(), &mut |n| {
        progress.tick(n)
    })
}

fn replay(module_path: &str, trace_path: &str) -> Result<()> {
    let wasm = std::fs::read(module_path).map_err(|e| {
        RrError::new(ErrorKind::TraceIo, format!("cannot read module {module_path}: {e}"))
    })?;
    let standalone = wasmtime_rr::tools::standalone::Standalone::new(&wasm)?;
    let mut progress = Progress::new();
    let out = &mut std::io::stdout().lock();
    standalone.replay_file(trace_path, out, &mut |n| progress.tick(n)).map(drop)
}
