//! `wasmtime-rr`: run and record a WASI program, replay a recorded session
//! without its host, or inspect a trace.
//!
//!     wasmtime-rr run [--record TRACE] [--dir HOST::GUEST]... [--env NAME=VALUE]... [--] MODULE.wasm [ARGS]...
//!     wasmtime-rr replay MODULE.wasm TRACE
//!     wasmtime-rr inspect TRACE
//!
//! `run` runs a WASI command like `wasmtime run` (stdio inherited, the
//! guest's exit status is the command's) and records it when asked.
//! `replay` re-runs the session: instantiations and export calls come from the
//! trace, host and WASI functions are served from it, and every result is
//! checked against the recording; a WASI program's recorded stdout and stderr
//! are written to this command's and it exits with the recorded status.
//! Otherwise it prints each export call with its results and exits 0 when the
//! replay matched, 1 with the divergence. `inspect` prints the header, every
//! event and a summary. Progress goes to stderr for long traces; usage errors
//! exit 2; every subcommand answers `--help`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wasmtime_rr::error::{ErrorKind, Result, RrError};
use wasmtime_rr::tools::run::RunOptions;
use wasmtime_rr::trace::TraceReader;

const RUN_USAGE: &str =
    "usage: wasmtime-rr run [--record TRACE] [--dir HOST::GUEST]... [--env NAME=VALUE]... [--] MODULE.wasm [ARGS]...";
const REPLAY_USAGE: &str = "usage: wasmtime-rr replay MODULE.wasm TRACE";
const INSPECT_USAGE: &str = "usage: wasmtime-rr inspect TRACE";

fn usage() -> String {
    format!("{RUN_USAGE}\n{}\n{}", REPLAY_USAGE.replacen("usage:", "      ", 1), INSPECT_USAGE.replacen("usage:", "      ", 1))
}

/// A command line that does not parse: its message and the usage to show.
struct Usage(String, &'static str);

enum Command {
    Help(String),
    Run(RunOptions),
    Replay { module: String, trace: String },
    Inspect { trace: String },
}

fn parse(args: &[String]) -> std::result::Result<Command, Usage> {
    let help = |text: &str| args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--help" || a == "-h").then(|| Command::Help(text.to_string()));
    match args.first().map(String::as_str) {
        None => Err(Usage("no subcommand".into(), "")),
        Some("--help" | "-h" | "help") => Ok(Command::Help(usage())),
        Some("run") => help(RUN_USAGE).map_or_else(|| parse_run(&args[1..]).map(Command::Run), Ok),
        Some("replay") => match (help(REPLAY_USAGE), &args[1..]) {
            (Some(help), _) => Ok(help),
            (None, [module, trace]) => Ok(Command::Replay { module: module.clone(), trace: trace.clone() }),
            (None, _) => Err(Usage("replay takes a module and a trace".into(), REPLAY_USAGE)),
        },
        Some("inspect") => match (help(INSPECT_USAGE), &args[1..]) {
            (Some(help), _) => Ok(help),
            (None, [trace]) => Ok(Command::Inspect { trace: trace.clone() }),
            (None, _) => Err(Usage("inspect takes one trace".into(), INSPECT_USAGE)),
        },
        Some(other) => Err(Usage(format!("unknown subcommand `{other}`"), "")),
    }
}

fn parse_run(args: &[String]) -> std::result::Result<RunOptions, Usage> {
    let mut options = RunOptions::default();
    let mut rest = args.iter();
    let bad = |message: String| Usage(message, RUN_USAGE);
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| rest.next().cloned().ok_or_else(|| bad(format!("{flag} needs a value")));
        match arg.as_str() {
            "--record" => options.record = Some(PathBuf::from(value("--record")?)),
            "--dir" => {
                let spec = value("--dir")?;
                let (host, guest) = spec.split_once("::").unwrap_or((&spec, &spec));
                options.dirs.push((PathBuf::from(host), guest.to_string()));
            }
            "--env" => {
                let spec = value("--env")?;
                let (name, value) = spec.split_once('=').ok_or_else(|| bad(format!("--env {spec}: expected NAME=VALUE")))?;
                options.env.push((name.to_string(), value.to_string()));
            }
            "--" => {
                options.module = PathBuf::from(rest.next().ok_or_else(|| bad("no module given".into()))?);
                break;
            }
            flag if flag.starts_with('-') => return Err(bad(format!("unknown option {flag}"))),
            module => {
                options.module = PathBuf::from(module);
                break;
            }
        }
    }
    if options.module.as_os_str().is_empty() {
        return Err(bad("no module given".into()));
    }
    options.args = rest.cloned().collect();
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match parse(&args) {
        Ok(Command::Help(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(Usage(message, shown)) => {
            let shown = if shown.is_empty() { usage() } else { shown.to_string() };
            eprintln!("wasmtime-rr: {message}\n{shown}");
            return ExitCode::from(2);
        }
        Ok(Command::Run(options)) => wasmtime_rr::tools::run::run(&options),
        Ok(Command::Replay { module, trace }) => replay(&module, &trace),
        Ok(Command::Inspect { trace }) => inspect(&trace).map(|()| 0),
    };
    match result {
        // An exit status is a byte; WASI's are below 126.
        Ok(status) => ExitCode::from(status as u8),
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

fn replay(module_path: &str, trace_path: &str) -> Result<i32> {
    let wasm = wasmtime_rr::tools::read_module(module_path)?;
    let standalone = wasmtime_rr::tools::standalone::Standalone::new(&wasm)?;
    // A WASI program's own output is its recorded stdout and stderr; the
    // replay adds one line on stderr after it.
    let wasi = standalone.is_wasi();
    let standalone = standalone.echo(wasi);
    let mut progress = Progress::new();
    let replayed = if wasi {
        let replayed = standalone.replay_file(trace_path, &mut std::io::sink(), &mut |n| progress.tick(n))?;
        let status = replayed.exit.map_or(String::new(), |status| format!(", exit status {status}"));
        eprintln!("wasmtime-rr: replay matched the recording: {} events{status}", replayed.events);
        replayed
    } else {
        standalone.replay_file(trace_path, &mut std::io::stdout().lock(), &mut |n| progress.tick(n))?
    };
    Ok(replayed.exit.unwrap_or(0))
}
