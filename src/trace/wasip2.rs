//! WASI preview 2 calls in the trace (docs/trace-format.md, "WASI preview 2
//! events").
//!
//! A call is kept as the function's number in [`FUNCS`], its arguments and
//! its outcome, all as component values ([`Encoded`]): what the guest gave
//! (lengths, bytes written, pollables, stream handles) is compared on replay,
//! what the host gave back is served. Functions that only move resources
//! around in the guest's table (`subscribe`, `drop`) and those that cannot
//! depend on the outside world are not recorded: a replay runs them.

use super::component::Encoded;
use super::wire::{Cursor, malformed, put_bytes, put_uleb};
use crate::error::Result;

/// The recorded functions, by number: `interface#function`, without the
/// package version (a guest built against any 0.2.x version is served by the
/// same function).
pub const FUNCS: &[&str] = &[
    "wasi:clocks/wall-clock#now",
    "wasi:clocks/wall-clock#resolution",
    "wasi:clocks/monotonic-clock#now",
    "wasi:clocks/monotonic-clock#resolution",
    "wasi:random/random#get-random-bytes",
    "wasi:random/random#get-random-u64",
    "wasi:random/insecure#get-insecure-random-bytes",
    "wasi:random/insecure#get-insecure-random-u64",
    "wasi:random/insecure-seed#insecure-seed",
    "wasi:cli/environment#get-environment",
    "wasi:cli/environment#get-arguments",
    "wasi:cli/environment#initial-cwd",
    "wasi:cli/exit#exit",
    "wasi:cli/exit#exit-with-code",
    "wasi:cli/stdin#get-stdin",
    "wasi:cli/stdout#get-stdout",
    "wasi:cli/stderr#get-stderr",
    "wasi:cli/terminal-stdin#get-terminal-stdin",
    "wasi:cli/terminal-stdout#get-terminal-stdout",
    "wasi:cli/terminal-stderr#get-terminal-stderr",
    "wasi:io/error#[method]error.to-debug-string",
    "wasi:io/poll#poll",
    "wasi:io/poll#[method]pollable.ready",
    "wasi:io/poll#[method]pollable.block",
    "wasi:io/streams#[method]input-stream.read",
    "wasi:io/streams#[method]input-stream.blocking-read",
    "wasi:io/streams#[method]input-stream.skip",
    "wasi:io/streams#[method]input-stream.blocking-skip",
    "wasi:io/streams#[method]output-stream.check-write",
    "wasi:io/streams#[method]output-stream.write",
    "wasi:io/streams#[method]output-stream.blocking-write-and-flush",
    "wasi:io/streams#[method]output-stream.flush",
    "wasi:io/streams#[method]output-stream.blocking-flush",
    "wasi:io/streams#[method]output-stream.write-zeroes",
    "wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush",
    "wasi:io/streams#[method]output-stream.splice",
    "wasi:io/streams#[method]output-stream.blocking-splice",
    "wasi:filesystem/preopens#get-directories",
    "wasi:filesystem/types#filesystem-error-code",
    "wasi:filesystem/types#[method]descriptor.read-via-stream",
    "wasi:filesystem/types#[method]descriptor.write-via-stream",
    "wasi:filesystem/types#[method]descriptor.append-via-stream",
    "wasi:filesystem/types#[method]descriptor.advise",
    "wasi:filesystem/types#[method]descriptor.sync-data",
    "wasi:filesystem/types#[method]descriptor.get-flags",
    "wasi:filesystem/types#[method]descriptor.get-type",
    "wasi:filesystem/types#[method]descriptor.set-size",
    "wasi:filesystem/types#[method]descriptor.set-times",
    "wasi:filesystem/types#[method]descriptor.read",
    "wasi:filesystem/types#[method]descriptor.write",
    "wasi:filesystem/types#[method]descriptor.read-directory",
    "wasi:filesystem/types#[method]descriptor.sync",
    "wasi:filesystem/types#[method]descriptor.create-directory-at",
    "wasi:filesystem/types#[method]descriptor.stat",
    "wasi:filesystem/types#[method]descriptor.stat-at",
    "wasi:filesystem/types#[method]descriptor.set-times-at",
    "wasi:filesystem/types#[method]descriptor.link-at",
    "wasi:filesystem/types#[method]descriptor.open-at",
    "wasi:filesystem/types#[method]descriptor.readlink-at",
    "wasi:filesystem/types#[method]descriptor.remove-directory-at",
    "wasi:filesystem/types#[method]descriptor.rename-at",
    "wasi:filesystem/types#[method]descriptor.symlink-at",
    "wasi:filesystem/types#[method]descriptor.unlink-file-at",
    "wasi:filesystem/types#[method]descriptor.is-same-object",
    "wasi:filesystem/types#[method]descriptor.metadata-hash",
    "wasi:filesystem/types#[method]descriptor.metadata-hash-at",
    "wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry",
];

/// One recorded call of a WASI preview 2 function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasiP2Call {
    /// Index in [`FUNCS`].
    pub func: u16,
    pub args: Encoded,
    pub outcome: P2Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum P2Outcome {
    /// The function's result (one value).
    Returned(Encoded),
    /// The function trapped with this message.
    Trapped(String),
    /// The guest exited with this status (`exit`, `exit-with-code`).
    Exited(u32),
}

pub(super) const RETURNED: u8 = 0x16;
pub(super) const TRAPPED: u8 = 0x17;
pub(super) const EXITED: u8 = 0x18;

impl WasiP2Call {
    /// The function's name.
    pub fn name(&self) -> &'static str {
        FUNCS[usize::from(self.func)]
    }
}

/// Appends a call (tag included).
pub fn encode(call: &WasiP2Call, out: &mut Vec<u8>) {
    out.push(match call.outcome {
        P2Outcome::Returned(_) => RETURNED,
        P2Outcome::Trapped(_) => TRAPPED,
        P2Outcome::Exited(_) => EXITED,
    });
    put_uleb(out, u64::from(call.func));
    out.extend_from_slice(&call.args.0);
    match &call.outcome {
        P2Outcome::Returned(values) => out.extend_from_slice(&values.0),
        P2Outcome::Trapped(message) => put_bytes(out, message.as_bytes()),
        P2Outcome::Exited(status) => put_uleb(out, u64::from(*status)),
    }
}

/// Reads a call whose tag has been read.
pub fn decode(tag: u8, cursor: &mut Cursor<'_>) -> Result<WasiP2Call> {
    let func = cursor.uleb()?;
    let func = match usize::try_from(func).ok().filter(|f| *f < FUNCS.len()) {
        Some(func) => func as u16,
        None => return Err(malformed(format!("unknown WASI preview 2 function #{func}"))),
    };
    let args = Encoded::read(cursor)?;
    let outcome = match tag {
        RETURNED => P2Outcome::Returned(Encoded::read(cursor)?),
        TRAPPED => P2Outcome::Trapped(cursor.string()?),
        _ => P2Outcome::Exited(cursor.uleb32()?),
    };
    Ok(WasiP2Call { func, args, outcome })
}

/// How `inspect` and divergence messages show a call:
/// `wasi:random/random#get-random-bytes(4) -> b"\x01\x02\x03\x04"`.
pub fn text(call: &WasiP2Call) -> String {
    let outcome = match &call.outcome {
        P2Outcome::Returned(values) => format!("-> {}", values.single_text()),
        P2Outcome::Trapped(message) => format!("trapped: {message}"),
        P2Outcome::Exited(status) => format!("exit {status}"),
    };
    format!("{}{} {outcome}", call.name(), call.args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_and_unknown_functions_are_refused() {
        let args = Encoded(vec![1, 8, 4]); // one u64: 4
        for outcome in [
            P2Outcome::Returned(Encoded(vec![1, 24, 2, 7, 9])),
            P2Outcome::Trapped("no".into()),
            P2Outcome::Exited(3),
        ] {
            let call = WasiP2Call { func: 4, args: args.clone(), outcome };
            let mut out = Vec::new();
            encode(&call, &mut out);
            let mut cursor = Cursor::new(&out[1..]);
            assert_eq!(decode(out[0], &mut cursor).unwrap(), call);
            assert!(cursor.is_empty());
        }
        let call = WasiP2Call { func: 4, args, outcome: P2Outcome::Returned(Encoded(vec![1, 24, 2, 7, 9])) };
        assert_eq!(text(&call), "wasi:random/random#get-random-bytes(4) -> b\"\\x07\\t\"");
        let mut out = Vec::new();
        encode(&WasiP2Call { func: FUNCS.len() as u16, ..call }, &mut out);
        let e = decode(out[0], &mut Cursor::new(&out[1..])).unwrap_err();
        assert_eq!(e.message(), format!("malformed trace: unknown WASI preview 2 function #{}", FUNCS.len()));
    }
}
