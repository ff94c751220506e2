//! Views of a trace: a readable listing (its header, every event and a
//! summary by kind), the same events as JSON Lines, and a table per function
//! like `strace -c`. `wasmtime-rr inspect` prints them (docs/inspect-json.md
//! has the JSON schema); the trace fuzz targets run the listing on arbitrary
//! bytes.

use crate::error::Result;
use crate::trace::event::{
    EndStatus, Event, FuncRef, HostCall, Kind, MemoryWrite, Outcome, Value, Values,
};
use crate::trace::component::ComponentEvent;
use crate::trace::wasip2::{self, P2Outcome};
use crate::trace::wasi::{self, Out, Param, WasiCall, WasiOutcome};
use crate::trace::{Header, TraceReader};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

/// The category of an event, for the summary.
pub fn category(event: &Event) -> &'static str {
    match event {
        Event::Instantiate { .. } => "instantiate",
        Event::DefineImport { .. } => "define_import",
        Event::DefineExport { .. } => "define_export",
        Event::ExportCall { .. } => "export_call",
        Event::Return(_) => "return",
        Event::HostCall(_) => "host_call",
        Event::MemoryWrite(_) => "memory_write",
        Event::Wasi(_) => "wasi",
        Event::Component(event) => match event {
            ComponentEvent::DefineExport { .. } => "component_define_export",
            ComponentEvent::DefineImport { .. } => "component_define_import",
            ComponentEvent::DefineResource { .. } => "component_define_resource",
            ComponentEvent::Call { .. } => "component_call",
            ComponentEvent::Returned(_) => "component_return",
            ComponentEvent::HostCall(_) => "component_host_call",
            ComponentEvent::Wasi(_) => "wasip2",
        },
        Event::End { .. } => "end",
    }
}

/// A component event as one line of text.
fn component_text(reader: &TraceReader, event: &ComponentEvent) -> String {
    let codec = reader.codec();
    match event {
        ComponentEvent::DefineExport { id, instance, name } => {
            format!("define component export #{id} `{name}` of instance #{instance}")
        }
        ComponentEvent::DefineImport { id, name } => format!("define component import #{id} `{name}`"),
        ComponentEvent::DefineResource { name, ty } => format!("define component resource `{name}`: host type {ty}"),
        ComponentEvent::Call { export, args } => {
            let (instance, name) = &codec.component_exports[*export as usize];
            format!("call component export `{name}` of instance #{instance} with {}", args)
        }
        ComponentEvent::Returned(values) => format!("return: returned {}", values),
        ComponentEvent::HostCall(call) => {
            let mut text = format!("component host call {}", codec.component_imports[call.import as usize]);
            if let Some(args) = &call.args {
                text += &args.to_string();
            }
            match &call.outcome {
                Ok(results) => text + &format!(" -> {}", results),
                Err(message) => text + &format!(" failed: {message}"),
            }
        }
        ComponentEvent::Wasi(call) => format!("wasip2 {}", wasip2::text(call)),
    }
}

/// A component event's fields as JSON; values are given as their text.
fn component_json(o: &mut Obj, codec: &crate::trace::event::Codec, event: &ComponentEvent) {
    match event {
        ComponentEvent::DefineExport { id, instance, name } => {
            o.u64("id", u64::from(*id)).u64("instance", u64::from(*instance)).str("name", name);
        }
        ComponentEvent::DefineImport { id, name } => {
            o.u64("id", u64::from(*id)).str("name", name);
        }
        ComponentEvent::DefineResource { name, ty } => {
            o.str("name", name).u64("host_type", u64::from(*ty));
        }
        ComponentEvent::Call { export, args } => {
            o.u64("export", u64::from(*export));
            if let Some((instance, name)) = codec.component_exports.get(*export as usize) {
                o.u64("instance", u64::from(*instance)).str("name", name);
            }
            o.str("args", &args.to_string());
        }
        ComponentEvent::Returned(values) => {
            o.str("outcome", "returned").str("results", &values.to_string());
        }
        ComponentEvent::HostCall(call) => {
            o.u64("import", u64::from(call.import));
            if let Some(name) = codec.component_imports.get(call.import as usize) {
                o.str("name", name);
            }
            if let Some(args) = &call.args {
                o.str("args", &args.to_string());
            }
            match &call.outcome {
                Ok(results) => o.str("outcome", "returned").str("results", &results.to_string()),
                Err(message) => o.str("outcome", "failed").str("message", message),
            };
        }
        ComponentEvent::Wasi(call) => {
            o.str("name", call.name()).str("args", &call.args.to_string());
            match &call.outcome {
                P2Outcome::Returned(result) => o.str("outcome", "returned").str("result", &result.single_text()),
                P2Outcome::Trapped(message) => o.str("outcome", "trapped").str("message", message),
                P2Outcome::Exited(status) => o.str("outcome", "exit").u64("status", u64::from(*status)),
            };
        }
    }
}

fn host_call_text(reader: &TraceReader, call: &HostCall) -> String {
    let (module, name, _) = &reader.codec().imports[call.import as usize];
    let mut text = format!("host call {module}.{name}");
    if let Some(args) = &call.args {
        text += &format!("{}", Values(args));
    }
    match &call.outcome {
        Ok(results) => text += &format!(" -> {}", Values(results)),
        Err(message) => text += &format!(" trapped: {message}"),
    }
    for write in &call.writes {
        text += &format!(
            ", wrote {} bytes at {} into memory #{}",
            write.bytes.len(),
            write.offset,
            write.memory
        );
    }
    if let Some(digest) = call.digest {
        text += &format!(", memory digest {digest:016x}");
    }
    text
}

pub fn event_text(reader: &TraceReader, event: &Event) -> String {
    match event {
        Event::Instantiate { checksum } => format!(
            "instantiate module sha256 {}",
            crate::rr::modules::hex(checksum)
        ),
        Event::DefineImport {
            id,
            module,
            name,
            signature,
        } => {
            format!(
                "define import #{id} {module}.{name} {:?} -> {:?}",
                signature.params, signature.results
            )
        }
        Event::DefineExport {
            id,
            instance,
            name,
            signature,
        } => format!(
            "define export #{id} `{name}` of instance #{instance} {:?} -> {:?}",
            signature.params, signature.results
        ),
        Event::ExportCall { export, args } => {
            let (instance, name, _) = &reader.codec().exports[*export as usize];
            format!(
                "call export `{name}` of instance #{instance} with {}",
                Values(args)
            )
        }
        Event::Return(outcome) => format!("return: {outcome}"),
        Event::HostCall(call) => host_call_text(reader, call),
        Event::MemoryWrite(w) => format!(
            "host wrote {} bytes at {} into memory #{}",
            w.bytes.len(),
            w.offset,
            w.memory
        ),
        Event::Wasi(call) => format!("wasi {call}"),
        Event::Component(event) => component_text(reader, event),
        Event::End {
            status: EndStatus::Finished,
            events,
        } => format!("end: finished after {events} events"),
        Event::End {
            status: EndStatus::StoreDropped,
            events,
        } => {
            format!(
                "end: INCOMPLETE, the store was freed before the recording was finished ({events} events)"
            )
        }
    }
}

/// Lists a trace: its header, every event (`#index text`) and a summary of
/// events and encoded bytes per kind. `progress` is told the number of events
/// read after each one. Stops at the first error in the trace and returns it;
/// what was listed up to there stays written. Errors writing to `out` are
/// ignored: the listing is for people, the result is the trace's verdict.
pub fn inspect(
    reader: &mut TraceReader,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let header = reader.header().clone();
    let settings = header.settings;
    let on = |b: bool| if b { "on" } else { "off" };
    let _ = writeln!(
        out,
        "trace format {}, recorded with Wasmtime {}",
        header.format_version, header.wasmtime_version
    );
    let compression = match settings.compression {
        0 => "off".to_string(),
        level => format!("zstd level {level}"),
    };
    let _ = writeln!(
        out,
        "settings: validation metadata {}, memory digest {}, event window {}, compression {compression}",
        on(settings.validation),
        on(settings.digest),
        settings.window
    );
    let mut summary: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    // Per WASI function: calls, encoded bytes, guest data bytes.
    let mut wasi: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    let mut index = 0u64;
    while let Some(event) = reader.next()? {
        let _ = writeln!(out, "#{index} {}", event_text(reader, &event));
        let entry = summary.entry(category(&event)).or_default();
        entry.0 += 1;
        entry.1 += reader.last_event_size() as u64;
        if let Event::Wasi(call) = &event {
            let name = crate::trace::wasi::func(call.func).map_or("?", |f| f.name);
            let entry = wasi.entry(name).or_default();
            entry.0 += 1;
            entry.1 += reader.last_event_size() as u64;
            entry.2 += crate::trace::wasi::data_bytes(call) as u64;
        }
        index += 1;
        progress(index);
    }
    let _ = writeln!(out, "summary ({} frames):", reader.frames_read());
    let _ = writeln!(out, "  {:<14} {:>10} {:>12}", "kind", "events", "bytes");
    for (kind, (events, bytes)) in summary {
        let _ = writeln!(out, "  {kind:<14} {events:>10} {bytes:>12}");
    }
    if !wasi.is_empty() {
        let _ = writeln!(out, "WASI calls:");
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>12} {:>12}",
            "function", "calls", "bytes", "data bytes"
        );
        for (name, (calls, bytes, data)) in wasi {
            let _ = writeln!(out, "  {name:<24} {calls:>10} {bytes:>12} {data:>12}");
        }
    }
    Ok(())
}

/// Lists a trace's events (`#index text`, one line each, as `inspect`
/// does) a stretch at a time: `replay --verbose` keeps one abreast of a
/// replay. Reading errors end the listing quietly (the replay reading the
/// same trace reports them), and errors writing to `out` are ignored.
pub struct Listing<'a> {
    /// `None` when the header does not read.
    reader: Option<TraceReader>,
    out: Box<dyn Write + Send + 'a>,
    /// Index of the next event to list.
    next: u64,
    done: bool,
}

impl<'a> Listing<'a> {
    /// A listing of the trace `source` yields, to `out`.
    pub fn new(source: Box<dyn std::io::Read + Send>, out: Box<dyn Write + Send + 'a>) -> Listing<'a> {
        let reader = TraceReader::new(source).ok();
        let done = reader.is_none();
        Listing {
            reader,
            out,
            next: 0,
            done,
        }
    }

    /// Lists the events not listed yet whose index is below `end`.
    pub fn up_to(&mut self, end: u64) {
        while !self.done && self.next < end {
            self.one();
        }
    }

    /// Lists every event not listed yet, the end marker included.
    pub fn rest(&mut self) {
        while !self.done {
            self.one();
        }
    }

    fn one(&mut self) {
        let Some(reader) = &mut self.reader else {
            self.done = true;
            return;
        };
        match reader.next() {
            Ok(Some(event)) => {
                // One write per line, so that lines stay whole among other output.
                let line = format!("#{} {}\n", self.next, event_text(reader, &event));
                let _ = self.out.write_all(line.as_bytes());
                self.done = matches!(event, Event::End { .. });
                self.next += 1;
            }
            Ok(None) | Err(_) => self.done = true,
        }
    }
}

// ---------------------------------------------------------------------------
// `inspect --json`: JSON Lines, one object per line (docs/inspect-json.md).
// ---------------------------------------------------------------------------

/// Version of the JSON schema, in the header line; bumped on a change that
/// is not only a new field.
pub(crate) const JSON_SCHEMA: u32 = 1;

/// Integers above this (2^53 - 1) are written as decimal strings, so that
/// every number in the output is exact as a double.
const MAX_EXACT: u64 = (1 << 53) - 1;

/// Appends `text` as a JSON string (RFC 8259 escaping; other characters as
/// they are, UTF-8).
fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends bytes as a JSON string of lowercase hex digits, two per byte.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2 + 2);
    out.push('"');
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out.push('"');
}

/// Appends an unsigned integer: a number up to 2^53 - 1, else a string.
fn push_u64(out: &mut String, value: u64) {
    let _ = match value <= MAX_EXACT {
        true => write!(out, "{value}"),
        false => write!(out, "\"{value}\""),
    };
}

/// Appends a signed integer: a number within ±(2^53 - 1), else a string.
fn push_i64(out: &mut String, value: i64) {
    let _ = match value.unsigned_abs() <= MAX_EXACT {
        true => write!(out, "{value}"),
        false => write!(out, "\"{value}\""),
    };
}

/// Appends a float `x` (an f32 widened, or an f64): `shown`, the shortest
/// decimal that reads back as the same float, when it is finite, else the
/// string "NaN", "Infinity" or "-Infinity".
fn push_float(out: &mut String, x: f64, shown: std::fmt::Arguments<'_>) {
    let _ = match () {
        _ if x.is_finite() => out.write_fmt(shown),
        _ if x.is_nan() => out.write_str("\"NaN\""),
        _ if x > 0.0 => out.write_str("\"Infinity\""),
        _ => out.write_str("\"-Infinity\""),
    };
}

/// A JSON object being written.
struct Obj(String);

impl Obj {
    fn new() -> Obj {
        Obj(String::from("{"))
    }

    /// Starts a member (keys are plain ASCII) and returns the text to write its value to.
    fn key(&mut self, name: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push('"');
        self.0.push_str(name);
        self.0.push_str("\":");
        &mut self.0
    }

    fn str(&mut self, name: &str, value: &str) -> &mut Obj {
        push_string(self.key(name), value);
        self
    }

    fn u64(&mut self, name: &str, value: u64) -> &mut Obj {
        push_u64(self.key(name), value);
        self
    }

    fn hex(&mut self, name: &str, bytes: &[u8]) -> &mut Obj {
        push_hex(self.key(name), bytes);
        self
    }

    fn bool(&mut self, name: &str, value: bool) -> &mut Obj {
        self.key(name)
            .push_str(if value { "true" } else { "false" });
        self
    }

    fn null(&mut self, name: &str) -> &mut Obj {
        self.key(name).push_str("null");
        self
    }

    /// A member whose value is already JSON.
    fn raw(&mut self, name: &str, json: &str) -> &mut Obj {
        self.key(name).push_str(json);
        self
    }

    fn digest(&mut self, digest: Option<u64>) -> &mut Obj {
        if let Some(digest) = digest {
            let _ = write!(self.key("digest"), "\"{digest:016x}\"");
        }
        self
    }

    fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `[a,b,c]` with each item written by `each`.
fn array<T>(items: impl IntoIterator<Item = T>, mut each: impl FnMut(&mut String, T)) -> String {
    let mut out = String::from("[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(&mut out, item);
    }
    out.push(']');
    out
}

fn kinds_json(kinds: &[Kind]) -> String {
    array(kinds, |out, kind| push_string(out, kind.name()))
}

/// A value: `{"type":"i32","value":-5}`; floats also have `"bits"` (hex);
/// references have `"ref"` (and `"id"` when named) instead of `"value"`.
fn value_json(out: &mut String, value: &Value) {
    let _ = match value {
        Value::I32(v) => write!(out, "{{\"type\":\"i32\",\"value\":{v}}}"),
        Value::I64(v) => {
            out.push_str("{\"type\":\"i64\",\"value\":");
            push_i64(out, *v);
            out.write_str("}")
        }
        Value::F32(bits) => {
            let x = f32::from_bits(*bits);
            out.push_str("{\"type\":\"f32\",\"value\":");
            push_float(out, f64::from(x), format_args!("{x:?}"));
            write!(out, ",\"bits\":\"{bits:08x}\"}}")
        }
        Value::F64(bits) => {
            let x = f64::from_bits(*bits);
            out.push_str("{\"type\":\"f64\",\"value\":");
            push_float(out, x, format_args!("{x:?}"));
            write!(out, ",\"bits\":\"{bits:016x}\"}}")
        }
        Value::V128(bytes) => {
            out.push_str("{\"type\":\"v128\",\"value\":");
            push_hex(out, bytes);
            out.write_str("}")
        }
        Value::Func(FuncRef::Null) => out.write_str("{\"type\":\"funcref\",\"ref\":\"null\"}"),
        Value::Func(FuncRef::Export(id)) => write!(
            out,
            "{{\"type\":\"funcref\",\"ref\":\"export\",\"id\":{id}}}"
        ),
        Value::Func(FuncRef::Import(id)) => write!(
            out,
            "{{\"type\":\"funcref\",\"ref\":\"import\",\"id\":{id}}}"
        ),
        Value::Func(FuncRef::Unnamed) => {
            out.write_str("{\"type\":\"funcref\",\"ref\":\"unnamed\"}")
        }
        Value::NullRef(kind) => write!(out, "{{\"type\":\"{}\",\"ref\":\"null\"}}", kind.name()),
    };
}

fn values_json(values: &[Value]) -> String {
    array(values, value_json)
}

fn write_json(write: &MemoryWrite) -> String {
    let mut o = Obj::new();
    o.u64("memory", u64::from(write.memory))
        .u64("offset", write.offset)
        .u64("length", write.bytes.len() as u64)
        .hex("data", &write.bytes);
    o.end()
}

fn outcome_json(o: &mut Obj, outcome: &Outcome) {
    match outcome {
        Outcome::Returned(values) => o
            .str("outcome", "returned")
            .raw("results", &values_json(values)),
        Outcome::Trapped { code, message } => {
            o.str("outcome", "trapped");
            match code {
                Some(code) => o.u64("code", u64::from(*code)),
                None => o.null("code"),
            };
            o.str("message", message)
        }
        Outcome::Failed(message) => o.str("outcome", "failed").str("message", message),
    };
}

/// A WASI path: a JSON string when its bytes are UTF-8 (as WASI requires),
/// else `{"hex":"..."}`.
fn path_json(out: &mut String, path: &[u8]) {
    match std::str::from_utf8(path) {
        Ok(text) => push_string(out, text),
        Err(_) => {
            out.push_str("{\"hex\":");
            push_hex(out, path);
            out.push('}');
        }
    }
}

fn wasi_json(o: &mut Obj, call: &WasiCall) {
    let Ok(spec) = wasi::func(call.func) else {
        // Not reached: the decoder refuses unknown functions.
        o.u64("function_id", u64::from(call.func));
        return;
    };
    o.str("function", spec.name)
        .u64("function_id", u64::from(call.func));
    let mut paths = call.paths.iter();
    let args = array(
        spec.params.iter().enumerate(),
        |out, (i, param)| match param {
            Param::Fd | Param::U32 | Param::U64 | Param::Iovs => push_u64(out, call.inputs[i]),
            Param::Path => path_json(out, paths.next().map_or(&[][..], Vec::as_slice)),
            Param::Ptr => match &call.raw {
                Some(raw) => push_u64(out, raw[spec.raw_index(i)]),
                None => out.push_str("null"),
            },
        },
    );
    o.raw("args", &args);
    if let Some(raw) = &call.raw {
        o.raw(
            "raw",
            &array(&raw[..spec.raw_len()], |out, v| push_u64(out, *v)),
        );
    }
    match &call.outcome {
        WasiOutcome::Done(outputs) => {
            o.str("outcome", "done").u64("errno", 0);
            let mut words = outputs.words.iter();
            let list = array(spec.outs, |out, spec_out| {
                let mut item = Obj::new();
                let (name, data) = match spec_out {
                    Out::Word { .. } => ("word", false),
                    Out::Time { .. } => ("time", false),
                    Out::Blob { .. } => ("blob", true),
                    Out::Bytes { .. } => ("bytes", true),
                    Out::Filled { .. } => ("filled", true),
                    Out::Scatter { .. } => ("scatter", true),
                    Out::Strings { .. } => ("strings", true),
                    Out::Events { .. } => ("events", true),
                };
                item.str("output", name);
                match data {
                    false => item.u64("value", words.next().copied().unwrap_or(0)),
                    true => item
                        .u64("length", outputs.data.len() as u64)
                        .hex("data", &outputs.data),
                };
                out.push_str(&item.end());
            });
            o.raw("outputs", &list);
            if let Some(text) = &outputs.text {
                o.hex("written", text);
            }
        }
        WasiOutcome::Errno(errno) => {
            o.str("outcome", "errno").u64("errno", u64::from(*errno));
        }
        WasiOutcome::Exit(status) => {
            o.str("outcome", "exit")
                .u64("exit_status", u64::from(*status));
        }
        WasiOutcome::Trap(message) => {
            o.str("outcome", "trap").str("message", message);
        }
    }
    o.u64("data_bytes", wasi::data_bytes(call) as u64)
        .digest(call.digest);
}

/// The first line of `inspect --json`: the trace's header.
pub fn header_json(header: &Header) -> String {
    let settings = &header.settings;
    let mut o = Obj::new();
    o.str("kind", "header")
        .u64("schema", u64::from(JSON_SCHEMA))
        .u64("format_version", header.format_version)
        .str("wasmtime_version", &header.wasmtime_version)
        .bool("validation", settings.validation)
        .bool("digest", settings.digest)
        .u64("window", u64::from(settings.window))
        .u64("compression", settings.compression.max(0) as u64);
    o.end()
}

/// One event as a JSON object (a line of `inspect --json`, without the
/// newline). `index` is its index in the trace, `size` its encoded size
/// ([`TraceReader::last_event_size`] just after reading it); `reader` has
/// read it, so its definitions are known.
pub fn event_json(reader: &TraceReader, index: u64, size: usize, event: &Event) -> String {
    let codec = reader.codec();
    let mut o = Obj::new();
    o.u64("index", index)
        .str("kind", category(event))
        .u64("bytes", size as u64);
    match event {
        Event::Instantiate { checksum } => {
            o.hex("sha256", checksum);
        }
        Event::DefineImport {
            id,
            module,
            name,
            signature,
        } => {
            o.u64("id", u64::from(*id))
                .str("module", module)
                .str("name", name)
                .raw("params", &kinds_json(&signature.params))
                .raw("results", &kinds_json(&signature.results));
        }
        Event::DefineExport {
            id,
            instance,
            name,
            signature,
        } => {
            o.u64("id", u64::from(*id))
                .u64("instance", u64::from(*instance))
                .str("name", name)
                .raw("params", &kinds_json(&signature.params))
                .raw("results", &kinds_json(&signature.results));
        }
        Event::ExportCall { export, args } => {
            o.u64("export", u64::from(*export));
            if let Some((instance, name, _)) = codec.exports.get(*export as usize) {
                o.u64("instance", u64::from(*instance)).str("name", name);
            }
            o.raw("args", &values_json(args));
        }
        Event::Return(outcome) => outcome_json(&mut o, outcome),
        Event::HostCall(call) => {
            o.u64("import", u64::from(call.import));
            if let Some((module, name, _)) = codec.imports.get(call.import as usize) {
                o.str("module", module).str("name", name);
            }
            if let Some(args) = &call.args {
                o.raw("args", &values_json(args));
            }
            match &call.outcome {
                Ok(results) => o
                    .str("outcome", "returned")
                    .raw("results", &values_json(results)),
                Err(message) => o.str("outcome", "trapped").str("message", message),
            };
            o.raw(
                "writes",
                &array(&call.writes, |out, w| out.push_str(&write_json(w))),
            );
            let data: usize = call.writes.iter().map(|w| w.bytes.len()).sum();
            o.u64("data_bytes", data as u64).digest(call.digest);
        }
        Event::MemoryWrite(write) => {
            o.u64("memory", u64::from(write.memory))
                .u64("offset", write.offset)
                .u64("length", write.bytes.len() as u64)
                .hex("data", &write.bytes)
                .u64("data_bytes", write.bytes.len() as u64);
        }
        Event::Wasi(call) => wasi_json(&mut o, call),
        Event::Component(event) => component_json(&mut o, codec, event),
        Event::End { status, events } => {
            let status = match status {
                EndStatus::Finished => "finished",
                EndStatus::StoreDropped => "store_dropped",
            };
            o.str("status", status).u64("events", *events);
        }
    }
    o.end()
}

/// `inspect --json`: the header, then every event, one JSON object per
/// line. Like [`inspect`], stops at the first error in the trace and
/// returns it, the lines written so far staying written.
pub fn inspect_json(
    reader: &mut TraceReader,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let _ = writeln!(out, "{}", header_json(reader.header()));
    let mut index = 0u64;
    let mut line = String::new();
    while let Some(event) = reader.next()? {
        line.clear();
        line.push_str(&event_json(reader, index, reader.last_event_size(), &event));
        line.push('\n');
        let _ = out.write_all(line.as_bytes());
        index += 1;
        progress(index);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// `inspect --summary`: a table per function, like `strace -c`.
// ---------------------------------------------------------------------------

/// Clock ids of `clock_time_get`, as the witx `clockid` names them.
const CLOCKS: [&str; 4] = ["realtime", "monotonic", "process_cputime", "thread_cputime"];

/// What a summary row adds up.
#[derive(Clone, Copy, Debug, Default)]
struct Row {
    events: u64,
    bytes: u64,
    data: u64,
    errors: u64,
}

impl Row {
    fn add(&mut self, other: &Row) {
        self.events += other.events;
        self.bytes += other.bytes;
        self.data += other.data;
        self.errors += other.errors;
    }
}

/// What a row is about: a WASI function, an import or export by id (named
/// when the table is written), or another kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Wasi(u8),
    WasiP2(u16),
    Import(u32),
    Export(u32),
    ComponentImport(u32),
    ComponentExport(u32),
    Other(&'static str),
}

/// First and last reading of one clock.
#[derive(Clone, Copy, Debug)]
struct Span {
    readings: u64,
    first: u64,
    last: u64,
}

#[derive(Default)]
struct Summary {
    rows: BTreeMap<Key, Row>,
    /// The call into the guest that is open: its return's failure counts for it.
    open: Option<Key>,
    /// `clock_time_get` readings by clock id.
    clocks: BTreeMap<u64, Span>,
    events: u64,
}

impl Summary {
    fn add(&mut self, event: &Event, size: usize) {
        self.events += 1;
        let (key, data, error) = match event {
            Event::Wasi(call) => {
                if let (Ok(spec), WasiOutcome::Done(outputs)) =
                    (wasi::func(call.func), &call.outcome)
                    && spec
                        .outs
                        .first()
                        .is_some_and(|o| matches!(o, Out::Time { .. }))
                {
                    let reading = outputs.words[0];
                    self.clocks
                        .entry(call.inputs[0])
                        .and_modify(|span| {
                            span.readings += 1;
                            span.last = reading;
                        })
                        .or_insert(Span {
                            readings: 1,
                            first: reading,
                            last: reading,
                        });
                }
                let error = matches!(call.outcome, WasiOutcome::Errno(_) | WasiOutcome::Trap(_));
                (Key::Wasi(call.func), wasi::data_bytes(call), error)
            }
            Event::HostCall(call) => (
                Key::Import(call.import),
                call.writes.iter().map(|w| w.bytes.len()).sum(),
                call.outcome.is_err(),
            ),
            Event::ExportCall { export, .. } => {
                self.open = Some(Key::Export(*export));
                (Key::Export(*export), 0, false)
            }
            Event::Instantiate { .. } => {
                self.open = Some(Key::Other("instantiate"));
                (Key::Other("instantiate"), 0, false)
            }
            Event::Return(outcome) => {
                if !matches!(outcome, Outcome::Returned(_))
                    && let Some(open) = self.open
                {
                    self.rows.entry(open).or_default().errors += 1;
                }
                self.open = None;
                (Key::Other("return"), 0, false)
            }
            Event::MemoryWrite(write) => (Key::Other("memory_write"), write.bytes.len(), false),
            Event::Component(ComponentEvent::HostCall(call)) => (Key::ComponentImport(call.import), 0, call.outcome.is_err()),
            Event::Component(ComponentEvent::Wasi(call)) => {
                let data = match &call.outcome {
                    P2Outcome::Returned(result) => result.0.len(),
                    _ => 0,
                };
                (Key::WasiP2(call.func), data, matches!(call.outcome, P2Outcome::Trapped(_)))
            }
            Event::Component(ComponentEvent::Call { export, .. }) => {
                self.open = Some(Key::ComponentExport(*export));
                (Key::ComponentExport(*export), 0, false)
            }
            Event::Component(ComponentEvent::Returned(_)) => {
                self.open = None;
                (Key::Other("return"), 0, false)
            }
            other => (Key::Other(category(other)), 0, false),
        };
        let row = self.rows.entry(key).or_default();
        row.events += 1;
        row.bytes += size as u64;
        row.data += data as u64;
        row.errors += u64::from(error);
    }

    fn write(&self, reader: &TraceReader, damaged: bool, out: &mut dyn Write) {
        let header = reader.header();
        let codec = reader.codec();
        // Rows by kind and name: imports or exports of one name add up.
        let mut named: BTreeMap<(&str, String), Row> = BTreeMap::new();
        for (key, row) in &self.rows {
            let (kind, name) = match *key {
                Key::Wasi(id) => (
                    "wasi",
                    wasi::func(id).map_or(format!("#{id}"), |f| f.name.to_string()),
                ),
                Key::WasiP2(id) => ("wasip2", wasip2::FUNCS[usize::from(id)].to_string()),
                Key::Import(id) => (
                    "host_call",
                    codec
                        .imports
                        .get(id as usize)
                        .map_or(format!("#{id}"), |(m, n, _)| format!("{m}.{n}")),
                ),
                Key::Export(id) => (
                    "export_call",
                    codec
                        .exports
                        .get(id as usize)
                        .map_or(format!("#{id}"), |(_, n, _)| n.clone()),
                ),
                Key::ComponentImport(id) => (
                    "component_host",
                    codec.component_imports.get(id as usize).map_or(format!("#{id}"), |n| n.clone()),
                ),
                Key::ComponentExport(id) => (
                    "component_call",
                    codec.component_exports.get(id as usize).map_or(format!("#{id}"), |(_, n)| n.clone()),
                ),
                Key::Other(kind) => (kind, "-".to_string()),
            };
            named.entry((kind, name)).or_default().add(row);
        }
        let mut rows: Vec<_> = named.into_iter().collect();
        rows.sort_by(|a, b| b.1.events.cmp(&a.1.events).then_with(|| a.0.cmp(&b.0)));
        let mut total = Row::default();
        rows.iter().for_each(|(_, row)| total.add(row));
        let _ = writeln!(
            out,
            "trace format {}, recorded with Wasmtime {}: {} events in {} frame{}, {} bytes of events{}",
            header.format_version,
            header.wasmtime_version,
            self.events,
            reader.frames_read(),
            if reader.frames_read() == 1 { "" } else { "s" },
            total.bytes,
            if damaged {
                " (the trace is damaged after them: see the error)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "{:>8} {:>10} {:>12} {:>12} {:>8}  {:<14} name",
            "% events", "events", "bytes", "data bytes", "errors", "kind"
        );
        let percent = |n: u64| {
            if self.events == 0 {
                0.0
            } else {
                100.0 * n as f64 / self.events as f64
            }
        };
        for ((kind, name), row) in &rows {
            let _ = writeln!(
                out,
                "{:>8.2} {:>10} {:>12} {:>12} {:>8}  {kind:<14} {name}",
                percent(row.events),
                row.events,
                row.bytes,
                row.data,
                row.errors
            );
        }
        let _ = writeln!(
            out,
            "{:>8} {:>10} {:>12} {:>12} {:>8}",
            "------", "------", "------", "------", "------"
        );
        let _ = writeln!(
            out,
            "{:>8.2} {:>10} {:>12} {:>12} {:>8}  total",
            percent(total.events),
            total.events,
            total.bytes,
            total.data,
            total.errors
        );
        if self.clocks.is_empty() {
            let _ = writeln!(
                out,
                "time span: no time stamps in the trace (events carry none, and no WASI clock was read)"
            );
            return;
        }
        let _ = writeln!(
            out,
            "time span: from the WASI clock readings (clock_time_get); events carry no time stamps"
        );
        let _ = writeln!(
            out,
            "  {:<16} {:>10} {:>22} {:>22}  last - first",
            "clock", "readings", "first", "last"
        );
        for (id, span) in &self.clocks {
            let name = CLOCKS
                .get(*id as usize)
                .map_or_else(|| format!("clock #{id}"), |n| n.to_string());
            let diff = i128::from(span.last) - i128::from(span.first);
            let (sign, abs) = if diff < 0 {
                ("-", diff.unsigned_abs())
            } else {
                ("", diff as u128)
            };
            let _ = writeln!(
                out,
                "  {name:<16} {:>10} {:>22} {:>22}  {sign}{}.{:09} s",
                span.readings,
                span.first,
                span.last,
                abs / 1_000_000_000,
                abs % 1_000_000_000
            );
        }
    }
}

/// `inspect --summary`: per WASI function, import and export (and per
/// other kind of event), the events, their encoded bytes, the guest data
/// they carry, the errors and their share of all events, most frequent
/// first; then the time span of each WASI clock the guest read. On an error
/// in the trace, the table covers the events before it and the error is
/// returned.
pub fn summary(
    reader: &mut TraceReader,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let mut summary = Summary::default();
    let result = loop {
        match reader.next() {
            Ok(Some(event)) => {
                summary.add(&event, reader.last_event_size());
                progress(summary.events);
            }
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        }
    };
    summary.write(reader, result.is_err(), out);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::event::Signature;
    use crate::trace::wasi::{MAX_PARAMS, Outputs, id_of};
    use crate::trace::{Settings, Sink, TraceWriter};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Sink for Shared {
        fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(())
        }
    }

    fn wasi_call(name: &str, inputs: &[u64], outcome: WasiOutcome) -> WasiCall {
        let mut all = [0; MAX_PARAMS];
        all[..inputs.len()].copy_from_slice(inputs);
        WasiCall {
            func: id_of(name).unwrap(),
            inputs: all,
            paths: vec![],
            raw: None,
            outcome,
            digest: None,
        }
    }

    fn value(v: Value) -> String {
        let mut out = String::new();
        value_json(&mut out, &v);
        out
    }

    #[test]
    fn strings_are_escaped_and_large_integers_are_strings() {
        let mut out = String::new();
        push_string(&mut out, "a\"b\\c\nd\te\r\u{1}\u{1f}é\u{7f}");
        assert_eq!(
            out,
            r#""a\"b\\c\nd\te\r\u0001\u001fé"#.to_string() + "\u{7f}\""
        );
        let numbers = [0, MAX_EXACT, MAX_EXACT + 1, u64::MAX].map(|n| {
            let mut out = String::new();
            push_u64(&mut out, n);
            out
        });
        assert_eq!(
            numbers,
            [
                "0",
                "9007199254740991",
                "\"9007199254740992\"",
                "\"18446744073709551615\""
            ]
        );
        assert_eq!(
            value(Value::I64(-(MAX_EXACT as i64))),
            r#"{"type":"i64","value":-9007199254740991}"#
        );
        assert_eq!(
            value(Value::I64(i64::MIN)),
            r#"{"type":"i64","value":"-9223372036854775808"}"#
        );
        assert_eq!(value(Value::I32(-5)), r#"{"type":"i32","value":-5}"#);
    }

    #[test]
    fn floats_are_numbers_with_their_bits() {
        assert_eq!(
            value(Value::F32(1.5f32.to_bits())),
            r#"{"type":"f32","value":1.5,"bits":"3fc00000"}"#
        );
        assert_eq!(
            value(Value::F32(f32::NAN.to_bits() | 1)),
            r#"{"type":"f32","value":"NaN","bits":"7fc00001"}"#
        );
        assert_eq!(
            value(Value::F64((-0.0f64).to_bits())),
            r#"{"type":"f64","value":-0.0,"bits":"8000000000000000"}"#
        );
        assert_eq!(
            value(Value::F64(f64::NEG_INFINITY.to_bits())),
            r#"{"type":"f64","value":"-Infinity","bits":"fff0000000000000"}"#
        );
        assert_eq!(
            value(Value::F64(1e300f64.to_bits())),
            r#"{"type":"f64","value":1e300,"bits":"7e37e43c8800759c"}"#
        );
        let mut v128 = [0u8; 16];
        v128[0] = 0xab;
        assert_eq!(
            value(Value::V128(v128)),
            r#"{"type":"v128","value":"ab000000000000000000000000000000"}"#
        );
        assert_eq!(
            value(Value::Func(FuncRef::Import(2))),
            r#"{"type":"funcref","ref":"import","id":2}"#
        );
        assert_eq!(
            value(Value::NullRef(Kind::ExternRef)),
            r#"{"type":"externref","ref":"null"}"#
        );
    }

    #[test]
    fn wasi_calls_show_arguments_outputs_and_raw_parameters() {
        let json = |call: &WasiCall| {
            let mut o = Obj::new();
            wasi_json(&mut o, call);
            o.end()
        };
        let mut read = wasi_call(
            "fd_read",
            &[0, 1],
            WasiOutcome::Done(Outputs {
                data: b"hi\n".to_vec(),
                ..Default::default()
            }),
        );
        read.raw = Some(Box::new([0, 100, 1, 200, 0, 0, 0, 0, 0]));
        read.digest = Some(0xabc);
        assert_eq!(
            json(&read),
            r#"{"function":"fd_read","function_id":20,"args":[0,1,200],"raw":[0,100,1,200],"outcome":"done","errno":0,"outputs":[{"output":"scatter","length":3,"data":"68690a"}],"data_bytes":3,"digest":"0000000000000abc"}"#
        );
        let mut open = wasi_call(
            "path_open",
            &[3, 1, 0, 0, u64::MAX, 7, 0],
            WasiOutcome::Errno(44),
        );
        open.paths = vec![b"a\xffb".to_vec()];
        assert_eq!(
            json(&open),
            r#"{"function":"path_open","function_id":31,"args":[3,1,{"hex":"61ff62"},0,"18446744073709551615",7,0,null],"outcome":"errno","errno":44,"data_bytes":0}"#
        );
        let write = wasi_call(
            "fd_write",
            &[1, 1],
            WasiOutcome::Done(Outputs {
                words: [2, 0],
                text: Some(b"ok".to_vec()),
                ..Default::default()
            }),
        );
        assert_eq!(
            json(&write),
            r#"{"function":"fd_write","function_id":26,"args":[1,1,null],"outcome":"done","errno":0,"outputs":[{"output":"word","value":2}],"written":"6f6b","data_bytes":2}"#
        );
        let exit = wasi_call("proc_exit", &[3], WasiOutcome::Exit(3));
        assert_eq!(
            json(&exit),
            r#"{"function":"proc_exit","function_id":38,"args":[3],"outcome":"exit","exit_status":3,"data_bytes":0}"#
        );
    }

    /// A trace with an export call, host calls and WASI calls.
    fn sample() -> Vec<u8> {
        let shared = Shared::default();
        let settings = Settings {
            validation: true,
            digest: true,
            ..Settings::default()
        };
        let mut writer = TraceWriter::new(Box::new(shared.clone()), settings, 0).unwrap();
        let time = |clock: u64, ns: u64| {
            let mut call = wasi_call(
                "clock_time_get",
                &[clock, 1],
                WasiOutcome::Done(Outputs {
                    words: [ns, 0],
                    ..Default::default()
                }),
            );
            call.raw = Some(Box::new([clock, 1, 64, 0, 0, 0, 0, 0, 0]));
            call.digest = Some(1);
            Event::Wasi(call)
        };
        let events = [
            Event::Instantiate {
                checksum: [0xee; 32],
            },
            Event::Return(Outcome::Returned(vec![])),
            Event::DefineExport {
                id: 0,
                instance: 0,
                name: "run".into(),
                signature: Signature {
                    params: vec![],
                    results: vec![Kind::I32],
                },
            },
            Event::ExportCall {
                export: 0,
                args: vec![],
            },
            Event::DefineImport {
                id: 0,
                module: "env".into(),
                name: "fill".into(),
                signature: Signature {
                    params: vec![Kind::I32],
                    results: vec![],
                },
            },
            Event::HostCall(HostCall {
                import: 0,
                args: Some(vec![Value::I32(16)]),
                outcome: Ok(vec![]),
                writes: vec![MemoryWrite {
                    memory: 0,
                    offset: 16,
                    bytes: vec![1, 2, 3],
                }],
                digest: Some(2),
            }),
            time(0, 1_800_000_000_000_000_000),
            time(1, 1_000),
            time(1, 2_500_001_000),
            Event::HostCall(HostCall {
                import: 0,
                args: Some(vec![Value::I32(0)]),
                outcome: Err("no".into()),
                writes: vec![],
                digest: Some(3),
            }),
            Event::Return(Outcome::Trapped {
                code: Some(1),
                message: "host trap".into(),
            }),
        ];
        for event in &events {
            writer.record(event).unwrap();
        }
        writer.finish(EndStatus::Finished).unwrap();
        shared.0.lock().unwrap().clone()
    }

    fn reader(bytes: &[u8]) -> TraceReader {
        TraceReader::new(Box::new(std::io::Cursor::new(bytes.to_vec()))).unwrap()
    }

    #[test]
    fn json_lines_are_the_header_then_one_object_per_event() {
        let mut out = Vec::new();
        inspect_json(&mut reader(&sample()), &mut out, &mut |_| {}).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1 + 12);
        assert!(
            lines[0].starts_with(r#"{"kind":"header","schema":1,"format_version":2,"#),
            "{}",
            lines[0]
        );
        assert!(
            lines[0].ends_with(r#""validation":true,"digest":true,"window":16,"compression":0}"#),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1],
            format!(
                r#"{{"index":0,"kind":"instantiate","bytes":33,"sha256":"{}"}}"#,
                "ee".repeat(32)
            )
        );
        assert!(
            lines[4].starts_with(r#"{"index":3,"kind":"export_call","bytes":"#),
            "{}",
            lines[4]
        );
        assert!(
            lines[4].ends_with(r#""export":0,"instance":0,"name":"run","args":[]}"#),
            "{}",
            lines[4]
        );
        assert!(
            lines[6].ends_with(
                r#""import":0,"module":"env","name":"fill","args":[{"type":"i32","value":16}],"outcome":"returned","results":[],"writes":[{"memory":0,"offset":16,"length":3,"data":"010203"}],"data_bytes":3,"digest":"0000000000000002"}"#
            ),
            "{}",
            lines[6]
        );
        assert!(
            lines[7].contains(
                r#""function":"clock_time_get","function_id":5,"args":[0,1,64],"raw":[0,1,64],"#
            ),
            "{}",
            lines[7]
        );
        assert!(
            lines[7].contains(r#""outputs":[{"output":"time","value":"1800000000000000000"}]"#),
            "{}",
            lines[7]
        );
        assert!(
            lines[10].contains(r#""outcome":"trapped","message":"no","writes":[]"#),
            "{}",
            lines[10]
        );
        assert!(
            lines[11].ends_with(r#""outcome":"trapped","code":1,"message":"host trap"}"#),
            "{}",
            lines[11]
        );
        assert!(
            lines[12].ends_with(r#""kind":"end","bytes":3,"status":"finished","events":11}"#),
            "{}",
            lines[12]
        );
    }

    #[test]
    fn the_summary_counts_per_function_and_spans_each_clock() {
        let mut out = Vec::new();
        summary(&mut reader(&sample()), &mut out, &mut |_| {}).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = |kind: &str, name: &str| -> Vec<String> {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().rev().take(2).eq([name, kind]))
                .unwrap_or_else(|| panic!("no row {kind} {name} in\n{text}"));
            line.split_whitespace()
                .take(5)
                .map(str::to_string)
                .collect()
        };
        assert_eq!(row("wasi", "clock_time_get")[..2], ["25.00", "3"]);
        let fill = row("host_call", "env.fill");
        assert_eq!(
            (fill[1].as_str(), fill[3].as_str(), fill[4].as_str()),
            ("2", "3", "1"),
            "events, data bytes, errors"
        );
        assert_eq!(row("export_call", "run")[4], "1", "the return trapped");
        let total = text.lines().find(|l| l.ends_with(" total")).unwrap();
        let total: Vec<&str> = total.split_whitespace().collect();
        assert_eq!(
            (total[0], total[1], total[3], total[4]),
            ("100.00", "12", "3", "2"),
            "{text}"
        );
        assert!(text.contains("  realtime                  1    1800000000000000000    1800000000000000000  0.000000000 s\n"), "{text}");
        assert!(text.contains("  monotonic                 2                   1000             2500001000  2.500000000 s\n"), "{text}");
    }

    #[test]
    fn a_listing_follows_a_given_index() {
        let mut out = Vec::new();
        let mut listing = Listing::new(Box::new(std::io::Cursor::new(sample())), Box::new(&mut out));
        listing.up_to(2);
        listing.up_to(1);
        listing.rest();
        listing.rest();
        drop(listing);
        let text = String::from_utf8(out).unwrap();
        let indices: Vec<&str> = text.lines().map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(
            indices,
            (0..=11).map(|i| format!("#{i}")).collect::<Vec<_>>()
        );
        assert!(
            text.ends_with("#11 end: finished after 11 events\n"),
            "{text}"
        );
    }
}
