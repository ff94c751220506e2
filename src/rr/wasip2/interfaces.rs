//! The wrapped interfaces other than the filesystem: clocks, random,
//! environment, exit, stdio, terminals, pollables, streams, stream errors,
//! and the network (refused while recording or replaying).

use super::values::{Made, W};
use super::{Mode, P2, StandIn, borrowed, func, note_stdio, unsupported_trap};
use wasmtime::component::Resource;
use wasmtime_wasi::p2::bindings::sync::io::{poll, streams};
use wasmtime_wasi::p2::bindings::{cli, clocks, random, sockets};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, StreamError, StreamResult};
use wasmtime_wasi::sockets::WasiSocketsCtxView;
use wasmtime_wasi_io::bindings::wasi::io::error;

impl clocks::wall_clock::Host for P2<'_> {
    fn now(&mut self) -> wasmtime::Result<clocks::wall_clock::Datetime> {
        self.call(func::WALL_NOW, &[], |p2| clocks::wall_clock::Host::now(&mut p2.clocks()))
    }
    fn resolution(&mut self) -> wasmtime::Result<clocks::wall_clock::Datetime> {
        self.call(func::WALL_RESOLUTION, &[], |p2| clocks::wall_clock::Host::resolution(&mut p2.clocks()))
    }
}

impl clocks::monotonic_clock::Host for P2<'_> {
    fn now(&mut self) -> wasmtime::Result<u64> {
        self.call(func::MONOTONIC_NOW, &[], |p2| clocks::monotonic_clock::Host::now(&mut p2.clocks()))
    }
    fn resolution(&mut self) -> wasmtime::Result<u64> {
        self.call(func::MONOTONIC_RESOLUTION, &[], |p2| clocks::monotonic_clock::Host::resolution(&mut p2.clocks()))
    }
    fn subscribe_instant(&mut self, when: u64) -> wasmtime::Result<Resource<DynPollable>> {
        match self.mode() {
            Mode::Replay(_) => self.timer(),
            _ => clocks::monotonic_clock::Host::subscribe_instant(&mut self.clocks(), when),
        }
    }
    fn subscribe_duration(&mut self, duration: u64) -> wasmtime::Result<Resource<DynPollable>> {
        match self.mode() {
            Mode::Replay(_) => self.timer(),
            _ => clocks::monotonic_clock::Host::subscribe_duration(&mut self.clocks(), duration),
        }
    }
}

impl P2<'_> {
    /// A replay's timer: the same two table entries as the real one (the
    /// timer and its pollable); when it fires is served by `poll`.
    fn timer(&mut self) -> wasmtime::Result<Resource<DynPollable>> {
        let timer = self.table().push(StandIn)?;
        wasmtime_wasi::p2::subscribe(self.table(), timer)
    }
}

impl random::random::Host for P2<'_> {
    fn get_random_bytes(&mut self, len: u64) -> wasmtime::Result<Vec<u8>> {
        self.call(func::RANDOM_BYTES, &[W::U64(len)], |p2| random::random::Host::get_random_bytes(p2.random(), len))
    }
    fn get_random_u64(&mut self) -> wasmtime::Result<u64> {
        self.call(func::RANDOM_U64, &[], |p2| random::random::Host::get_random_u64(p2.random()))
    }
}

impl random::insecure::Host for P2<'_> {
    fn get_insecure_random_bytes(&mut self, len: u64) -> wasmtime::Result<Vec<u8>> {
        self.call(func::INSECURE_BYTES, &[W::U64(len)], |p2| {
            random::insecure::Host::get_insecure_random_bytes(p2.random(), len)
        })
    }
    fn get_insecure_random_u64(&mut self) -> wasmtime::Result<u64> {
        self.call(func::INSECURE_U64, &[], |p2| random::insecure::Host::get_insecure_random_u64(p2.random()))
    }
}

impl random::insecure_seed::Host for P2<'_> {
    fn insecure_seed(&mut self) -> wasmtime::Result<(u64, u64)> {
        self.call(func::INSECURE_SEED, &[], |p2| random::insecure_seed::Host::insecure_seed(p2.random()))
    }
}

impl cli::environment::Host for P2<'_> {
    fn get_environment(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        self.call(func::ENVIRONMENT, &[], |p2| cli::environment::Host::get_environment(&mut p2.cli()))
    }
    fn get_arguments(&mut self) -> wasmtime::Result<Vec<String>> {
        self.call(func::ARGUMENTS, &[], |p2| cli::environment::Host::get_arguments(&mut p2.cli()))
    }
    fn initial_cwd(&mut self) -> wasmtime::Result<Option<String>> {
        self.call(func::INITIAL_CWD, &[], |p2| cli::environment::Host::initial_cwd(&mut p2.cli()))
    }
}

impl cli::exit::Host for P2<'_> {
    fn exit(&mut self, status: std::result::Result<(), ()>) -> wasmtime::Result<()> {
        let arg = W::Result(status.is_ok(), None);
        self.call(func::EXIT, &[arg], |p2| cli::exit::Host::exit(&mut p2.cli(), status))
    }
    fn exit_with_code(&mut self, code: u8) -> wasmtime::Result<()> {
        self.call(func::EXIT_WITH_CODE, &[W::U8(code)], |p2| cli::exit::Host::exit_with_code(&mut p2.cli(), code))
    }
}

impl cli::stdin::Host for P2<'_> {
    fn get_stdin(&mut self) -> wasmtime::Result<Resource<DynInputStream>> {
        self.make(func::STDIN, |p2| cli::stdin::Host::get_stdin(&mut p2.cli()), || Box::new(StandIn) as DynInputStream)
    }
}

impl cli::stdout::Host for P2<'_> {
    fn get_stdout(&mut self) -> wasmtime::Result<Resource<DynOutputStream>> {
        let stream = self.make(func::STDOUT, |p2| cli::stdout::Host::get_stdout(&mut p2.cli()), || {
            Box::new(StandIn) as DynOutputStream
        })?;
        note_stdio(self, stream.rep(), Some(1));
        Ok(stream)
    }
}

impl cli::stderr::Host for P2<'_> {
    fn get_stderr(&mut self) -> wasmtime::Result<Resource<DynOutputStream>> {
        let stream = self.make(func::STDERR, |p2| cli::stderr::Host::get_stderr(&mut p2.cli()), || {
            Box::new(StandIn) as DynOutputStream
        })?;
        note_stdio(self, stream.rep(), Some(2));
        Ok(stream)
    }
}

impl cli::terminal_input::Host for P2<'_> {}
impl cli::terminal_input::HostTerminalInput for P2<'_> {
    fn drop(&mut self, terminal: Resource<cli::terminal_input::TerminalInput>) -> wasmtime::Result<()> {
        cli::terminal_input::HostTerminalInput::drop(&mut self.cli(), terminal)
    }
}

impl cli::terminal_output::Host for P2<'_> {}
impl cli::terminal_output::HostTerminalOutput for P2<'_> {
    fn drop(&mut self, terminal: Resource<cli::terminal_output::TerminalOutput>) -> wasmtime::Result<()> {
        cli::terminal_output::HostTerminalOutput::drop(&mut self.cli(), terminal)
    }
}

impl P2<'_> {
    /// A terminal query: whether stdio is a terminal is the outside world's.
    fn terminal<T: Send + 'static>(
        &mut self,
        func: u16,
        real: impl FnOnce(&mut Self) -> wasmtime::Result<Option<Resource<T>>>,
        stand_in: impl FnOnce() -> T,
    ) -> wasmtime::Result<Option<Resource<T>>> {
        self.call_with::<Option<Made>, _>(func, &[], real, |p2, made| match made {
            None => Ok(None),
            Some(Made(rep)) => p2.stand_in(rep, stand_in()).map(Some),
        })
    }
}

impl cli::terminal_stdin::Host for P2<'_> {
    fn get_terminal_stdin(&mut self) -> wasmtime::Result<Option<Resource<cli::terminal_input::TerminalInput>>> {
        self.terminal(
            func::TERMINAL_STDIN,
            |p2| cli::terminal_stdin::Host::get_terminal_stdin(&mut p2.cli()),
            || cli::terminal_input::TerminalInput,
        )
    }
}

impl cli::terminal_stdout::Host for P2<'_> {
    fn get_terminal_stdout(&mut self) -> wasmtime::Result<Option<Resource<cli::terminal_output::TerminalOutput>>> {
        self.terminal(
            func::TERMINAL_STDOUT,
            |p2| cli::terminal_stdout::Host::get_terminal_stdout(&mut p2.cli()),
            || cli::terminal_output::TerminalOutput,
        )
    }
}

impl cli::terminal_stderr::Host for P2<'_> {
    fn get_terminal_stderr(&mut self) -> wasmtime::Result<Option<Resource<cli::terminal_output::TerminalOutput>>> {
        self.terminal(
            func::TERMINAL_STDERR,
            |p2| cli::terminal_stderr::Host::get_terminal_stderr(&mut p2.cli()),
            || cli::terminal_output::TerminalOutput,
        )
    }
}

impl sockets::instance_network::Host for P2<'_> {
    fn instance_network(&mut self) -> wasmtime::Result<Resource<wasmtime_wasi::p2::Network>> {
        match self.mode() {
            Mode::Plain => {
                let view = &mut WasiSocketsCtxView { ctx: self.view.ctx.sockets(), table: self.view.table };
                sockets::instance_network::Host::instance_network(view)
            }
            _ => Err(unsupported_trap(
                "WASI preview 2 sockets are not recorded: a component that records or replays cannot have the network",
            )),
        }
    }
}

impl error::Host for P2<'_> {}
impl error::HostError for P2<'_> {
    fn to_debug_string(&mut self, err: Resource<wasmtime_wasi_io::streams::Error>) -> wasmtime::Result<String> {
        let arg = borrowed(&err);
        self.call(func::ERROR_DEBUG_STRING, &[arg], |p2| error::HostError::to_debug_string(p2.table(), err))
    }
    fn drop(&mut self, err: Resource<wasmtime_wasi_io::streams::Error>) -> wasmtime::Result<()> {
        error::HostError::drop(self.table(), err)
    }
}

fn handles(pollables: &[Resource<DynPollable>]) -> W {
    W::List(pollables.iter().map(borrowed).collect())
}

impl poll::Host for P2<'_> {
    fn poll(&mut self, pollables: Vec<Resource<DynPollable>>) -> wasmtime::Result<Vec<u32>> {
        let arg = handles(&pollables);
        self.call(func::POLL, &[arg], |p2| poll::Host::poll(p2.table(), pollables))
    }
}

impl poll::HostPollable for P2<'_> {
    fn ready(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<bool> {
        let arg = borrowed(&pollable);
        self.call(func::POLLABLE_READY, &[arg], |p2| poll::HostPollable::ready(p2.table(), pollable))
    }
    fn block(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        let arg = borrowed(&pollable);
        self.call(func::POLLABLE_BLOCK, &[arg], |p2| poll::HostPollable::block(p2.table(), pollable))
    }
    fn drop(&mut self, pollable: Resource<DynPollable>) -> wasmtime::Result<()> {
        poll::HostPollable::drop(self.table(), pollable)
    }
}

impl streams::Host for P2<'_> {
    fn convert_stream_error(&mut self, err: StreamError) -> wasmtime::Result<streams::StreamError> {
        streams::Host::convert_stream_error(self.table(), err)
    }
}

impl streams::HostInputStream for P2<'_> {
    fn drop(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<()> {
        streams::HostInputStream::drop(self.table(), stream)
    }
    fn read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::READ, &args, |p2| streams::HostInputStream::read(p2.table(), stream, len))
    }
    fn blocking_read(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<Vec<u8>> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::BLOCKING_READ, &args, |p2| streams::HostInputStream::blocking_read(p2.table(), stream, len))
    }
    fn skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::SKIP, &args, |p2| streams::HostInputStream::skip(p2.table(), stream, len))
    }
    fn blocking_skip(&mut self, stream: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::BLOCKING_SKIP, &args, |p2| streams::HostInputStream::blocking_skip(p2.table(), stream, len))
    }
    fn subscribe(&mut self, stream: Resource<DynInputStream>) -> wasmtime::Result<Resource<DynPollable>> {
        streams::HostInputStream::subscribe(self.table(), stream)
    }
}

impl streams::HostOutputStream for P2<'_> {
    fn drop(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<()> {
        note_stdio(self, stream.rep(), None);
        streams::HostOutputStream::drop(self.table(), stream)
    }
    fn check_write(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<u64> {
        let args = [borrowed(&stream)];
        self.stream(func::CHECK_WRITE, &args, |p2| streams::HostOutputStream::check_write(p2.table(), stream))
    }
    fn write(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        let args = [borrowed(&stream), W::Bytes(bytes.clone())];
        self.stream(func::WRITE, &args, |p2| streams::HostOutputStream::write(p2.table(), stream, bytes))
    }
    fn blocking_write_and_flush(&mut self, stream: Resource<DynOutputStream>, bytes: Vec<u8>) -> StreamResult<()> {
        let args = [borrowed(&stream), W::Bytes(bytes.clone())];
        self.stream(func::BLOCKING_WRITE_AND_FLUSH, &args, |p2| {
            streams::HostOutputStream::blocking_write_and_flush(p2.table(), stream, bytes)
        })
    }
    fn flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        let args = [borrowed(&stream)];
        self.stream(func::FLUSH, &args, |p2| streams::HostOutputStream::flush(p2.table(), stream))
    }
    fn blocking_flush(&mut self, stream: Resource<DynOutputStream>) -> StreamResult<()> {
        let args = [borrowed(&stream)];
        self.stream(func::BLOCKING_FLUSH, &args, |p2| streams::HostOutputStream::blocking_flush(p2.table(), stream))
    }
    fn write_zeroes(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::WRITE_ZEROES, &args, |p2| streams::HostOutputStream::write_zeroes(p2.table(), stream, len))
    }
    fn blocking_write_zeroes_and_flush(&mut self, stream: Resource<DynOutputStream>, len: u64) -> StreamResult<()> {
        let args = [borrowed(&stream), W::U64(len)];
        self.stream(func::BLOCKING_WRITE_ZEROES_AND_FLUSH, &args, |p2| {
            streams::HostOutputStream::blocking_write_zeroes_and_flush(p2.table(), stream, len)
        })
    }
    fn splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&dst), borrowed(&src), W::U64(len)];
        self.stream(func::SPLICE, &args, |p2| streams::HostOutputStream::splice(p2.table(), dst, src, len))
    }
    fn blocking_splice(&mut self, dst: Resource<DynOutputStream>, src: Resource<DynInputStream>, len: u64) -> StreamResult<u64> {
        let args = [borrowed(&dst), borrowed(&src), W::U64(len)];
        self.stream(func::BLOCKING_SPLICE, &args, |p2| {
            streams::HostOutputStream::blocking_splice(p2.table(), dst, src, len)
        })
    }
    fn subscribe(&mut self, stream: Resource<DynOutputStream>) -> wasmtime::Result<Resource<DynPollable>> {
        streams::HostOutputStream::subscribe(self.table(), stream)
    }
}
