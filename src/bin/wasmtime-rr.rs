//! `wasmtime-rr`: run and record a WASI program, replay a recorded session
//! without its host, or inspect a trace.
//!
//!     wasmtime-rr run [--record TRACE] [--dir HOST::GUEST]... [--env NAME=VALUE]... [--] MODULE.wasm [ARGS]...
//!     wasmtime-rr replay [--verbose] MODULE.wasm TRACE
//!     wasmtime-rr inspect [--json | --summary] TRACE
//!
//! `run` runs a WASI command like `wasmtime run` (stdio inherited, the
//! guest's exit status is the command's), a core module's `_start` or a
//! WASI preview 2 component's `wasi:cli/run`, and records it when asked.
//! `replay` re-runs the session: instantiations and export calls come from the
//! trace, host and WASI functions are served from it, and every result is
//! checked against the recording; a WASI program's recorded stdout and stderr
//! are written to this command's and it exits with the recorded status.
//! Otherwise it prints each export call with its results and exits 0 when the
//! replay matched, 1 with the divergence; `--verbose` also lists every event
//! on stderr as the replay reaches it. `inspect` prints the header, every
//! event and a summary; `--json`, the header and every event as JSON Lines
//! (docs/inspect-json.md); `--summary`, a table per function like
//! `strace -c`. Progress goes to stderr on long runs when stderr is a
//! terminal; usage errors exit 2; every subcommand answers `--help`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use wasmtime_rr::error::{ErrorKind, Result, RrError};
use wasmtime_rr::tools::run::RunOptions;
use wasmtime_rr::trace::TraceReader;

const RUN_USAGE: &str =
    "usage: wasmtime-rr run [--record TRACE] [--dir HOST::GUEST]... [--env NAME=VALUE]... [--] MODULE.wasm [ARGS]...";
const REPLAY_USAGE: &str = "usage: wasmtime-rr replay [--verbose] MODULE.wasm TRACE";
const INSPECT_USAGE: &str = "usage: wasmtime-rr inspect [--json | --summary] TRACE";

const RUN_HELP: &str = "Runs a WASI command (stdio inherited; the exit status is the guest's):
a core module's `_start`, or a WASI preview 2 component's `wasi:cli/run` export.
  --record TRACE       record the run into TRACE
  --dir HOST::GUEST    preopen host folder HOST as GUEST (HOST alone: the same name)
  --env NAME=VALUE     set an environment variable for the guest
  -h, --help           this help (only before MODULE: later arguments are the guest's)";
const REPLAY_HELP: &str = "Replays a recorded session of MODULE without its host and checks it.
  -v, --verbose        also list every event on stderr (#index and the inspect text)
                       as the replay reaches it: calls into the guest before they run,
                       the events inside a call when it is over
  -h, --help           this help";
const INSPECT_HELP: &str = "Lists a trace: the header, every event and a summary per kind.
  --json               the header, then every event, one JSON object per line
                       (schema: docs/inspect-json.md)
  --summary            per WASI function, import and export: events, bytes, data
                       bytes, errors, % of events, and the span of each WASI clock
  -h, --help           this help";

fn usage() -> String {
    format!(
        "{RUN_USAGE}\n{}\n{}\n       wasmtime-rr help [SUBCOMMAND]       (or SUBCOMMAND --help: its options)",
        REPLAY_USAGE.replacen("usage:", "      ", 1),
        INSPECT_USAGE.replacen("usage:", "      ", 1)
    )
}

/// A subcommand's help: its usage, then its options.
fn help(subcommand: &str) -> Option<String> {
    let (usage, text) = match subcommand {
        "run" => (RUN_USAGE, RUN_HELP),
        "replay" => (REPLAY_USAGE, REPLAY_HELP),
        "inspect" => (INSPECT_USAGE, INSPECT_HELP),
        _ => return None,
    };
    Some(format!("{usage}\n{text}"))
}

/// A command line that does not parse: its message and the usage to show.
struct Usage(String, &'static str);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    /// The readable listing.
    Listing,
    Json,
    Summary,
}

enum Command {
    Help(String),
    Run(RunOptions),
    Replay { module: String, trace: String, verbose: bool },
    Inspect { trace: String, view: View },
}

fn parse(args: &[String]) -> std::result::Result<Command, Usage> {
    match args.first().map(String::as_str) {
        None => Err(Usage("no subcommand".into(), "")),
        Some("--help" | "-h") => Ok(Command::Help(usage())),
        Some("help") => match &args[1..] {
            [] => Ok(Command::Help(usage())),
            [subcommand] => help(subcommand)
                .map(Command::Help)
                .ok_or_else(|| Usage(format!("unknown subcommand `{subcommand}`"), "")),
            _ => Err(Usage("help takes at most one subcommand".into(), "")),
        },
        Some("run") => parse_run(&args[1..]),
        Some(subcommand @ ("replay" | "inspect")) => {
            let shown = if subcommand == "replay" { REPLAY_USAGE } else { INSPECT_USAGE };
            let bad = |message: String| Usage(message, shown);
            let (mut verbose, mut view) = (false, View::Listing);
            let mut operands = Vec::new();
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                match (subcommand, arg.as_str()) {
                    (_, "--help" | "-h") => return Ok(Command::Help(help(subcommand).expect("known"))),
                    (_, "--") => {
                        operands.extend(rest.by_ref().cloned());
                    }
                    ("replay", "--verbose" | "-v") => verbose = true,
                    ("inspect", flag @ ("--json" | "--summary")) => {
                        let wanted = if flag == "--json" { View::Json } else { View::Summary };
                        if view != View::Listing && view != wanted {
                            return Err(bad("--json and --summary exclude each other".into()));
                        }
                        view = wanted;
                    }
                    (_, flag) if flag.starts_with('-') && flag != "-" => {
                        return Err(bad(format!("unknown option {flag}")));
                    }
                    (_, operand) => operands.push(operand.to_string()),
                }
            }
            match (subcommand, operands.as_slice()) {
                ("replay", [module, trace]) => {
                    Ok(Command::Replay { module: module.clone(), trace: trace.clone(), verbose })
                }
                ("replay", _) => Err(bad("replay takes a module and a trace".into())),
                (_, [trace]) => Ok(Command::Inspect { trace: trace.clone(), view }),
                (_, _) => Err(bad("inspect takes one trace".into())),
            }
        }
        Some(other) => Err(Usage(format!("unknown subcommand `{other}`"), "")),
    }
}

fn parse_run(args: &[String]) -> std::result::Result<Command, Usage> {
    let mut options = RunOptions::default();
    let mut rest = args.iter();
    let bad = |message: String| Usage(message, RUN_USAGE);
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| rest.next().cloned().ok_or_else(|| bad(format!("{flag} needs a value")));
        match arg.as_str() {
            "--help" | "-h" => return Ok(Command::Help(help("run").expect("known"))),
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
    Ok(Command::Run(options))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match parse(&args) {
        Ok(Command::Help(text)) => {
            // Not println!, which panics when stdout is closed (`| head -1`).
            let _ = writeln!(std::io::stdout(), "{text}");
            return ExitCode::SUCCESS;
        }
        Err(Usage(message, shown)) => {
            let shown = if shown.is_empty() { usage() } else { shown.to_string() };
            eprintln!("wasmtime-rr: {message}\n{shown}");
            return ExitCode::from(2);
        }
        Ok(Command::Run(options)) => wasmtime_rr::tools::run::run(&options),
        Ok(Command::Replay { module, trace, verbose }) => replay(&module, &trace, verbose),
        Ok(Command::Inspect { trace, view }) => inspect(&trace, view).map(|()| 0),
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

/// Prints progress (events read, or bytes of the trace read) to stderr at
/// most once a second on long runs, when stderr is a terminal (never into a
/// file or a pipe).
struct Progress {
    on: bool,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// A progress report, on when `wanted` and stderr is a terminal.
    fn new(wanted: bool) -> Progress {
        let now = Instant::now();
        Progress {
            on: wanted && std::io::stderr().is_terminal(),
            started: now,
            last: now,
        }
    }

    fn due(&mut self) -> bool {
        let due = self.on && self.last.elapsed() >= Duration::from_secs(1);
        if due {
            self.last = Instant::now();
        }
        due
    }

    fn tick(&mut self, events: u64) {
        if self.due() {
            eprintln!("... {events} events ({:.1} s)", self.started.elapsed().as_secs_f64());
        }
    }

    /// `total`: the trace's size, if it is a file.
    fn tick_bytes(&mut self, read: u64, total: Option<u64>) {
        if self.due() {
            let seconds = self.started.elapsed().as_secs_f64();
            match total {
                Some(total) if total > 0 => eprintln!(
                    "... {:.0}% of the trace read ({read} of {total} bytes, {seconds:.1} s)",
                    100.0 * read as f64 / total as f64
                ),
                _ => eprintln!("... {read} bytes of the trace read ({seconds:.1} s)"),
            }
        }
    }
}

/// A trace file whose reading reports progress: a replay reads its trace as
/// it goes, also while the guest runs (when the tool itself waits).
struct Metered {
    file: std::fs::File,
    read: u64,
    total: Option<u64>,
    progress: Progress,
}

impl std::io::Read for Metered {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buffer)?;
        self.read += n as u64;
        self.progress.tick_bytes(self.read, self.total);
        Ok(n)
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

fn inspect(path: &str, view: View) -> Result<()> {
    use wasmtime_rr::tools::inspect;
    let mut reader = open_trace(path)?;
    let mut progress = Progress::new(true);
    let mut tick = |n| progress.tick(n);
    // Line by line to a terminal; in blocks to a file or a pipe.
    let stdout = std::io::stdout();
    let mut out: Box<dyn Write> = match stdout.is_terminal() {
        true => Box::new(stdout.lock()),
        false => Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock())),
    };
    let result = match view {
        View::Listing => inspect::inspect(&mut reader, &mut out, &mut tick),
        View::Json => inspect::inspect_json(&mut reader, &mut out, &mut tick),
        View::Summary => inspect::summary(&mut reader, &mut out, &mut tick),
    };
    let _ = out.flush();
    result
}

fn replay(module_path: &str, trace_path: &str, verbose: bool) -> Result<i32> {
    use wasmtime_rr::tools::{Program, read_program, standalone::Standalone};
    let standalone = match read_program(module_path)? {
        Program::Module(wasm) => Standalone::new(&wasm)?,
        Program::Component(bytes) => Standalone::new_component(&bytes)?,
    };
    // A WASI program's own output is its recorded stdout and stderr; the
    // replay adds one line on stderr after it.
    let wasi = standalone.is_wasi();
    let standalone = standalone.echo(wasi);
    // Progress (to a terminal) comes from the reading of the trace, which
    // goes on while the guest runs; with --verbose the listing shows it.
    let metered = !verbose && std::io::stderr().is_terminal();
    let replay_into = |out: &mut dyn Write| match (verbose, metered) {
        (true, _) => standalone.replay_file_listed(trace_path, out, Box::new(std::io::stderr()), &mut |_| {}),
        (false, false) => standalone.replay_file(trace_path, out, &mut |_| {}),
        (false, true) => {
            let file = std::fs::File::open(trace_path).map_err(|e| {
                RrError::new(ErrorKind::TraceIo, format!("cannot open trace file {trace_path}: {e}"))
            })?;
            let total = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            let source = Metered { file, read: 0, total, progress: Progress::new(true) };
            standalone.replay_read(Box::new(source), out, &mut |_| {})
        }
    };
    let replayed = if wasi {
        let replayed = replay_into(&mut std::io::sink())?;
        let status = replayed.exit.map_or(String::new(), |status| format!(", exit status {status}"));
        eprintln!("wasmtime-rr: replay matched the recording: {} events{status}", replayed.events);
        replayed
    } else {
        replay_into(&mut std::io::stdout().lock())?
    };
    Ok(replayed.exit.unwrap_or(0))
}
