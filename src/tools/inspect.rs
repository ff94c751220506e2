//! A readable listing of a trace: its header, every event and a summary by
//! kind. `wasmtime-rr inspect` prints it; the trace fuzz targets run it on
//! arbitrary bytes.

use crate::error::Result;
use crate::trace::TraceReader;
use crate::trace::event::{EndStatus, Event, HostCall, Values};
use std::collections::BTreeMap;
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
        Event::End { .. } => "end",
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
        let _ = writeln!(out, "  {:<24} {:>10} {:>12} {:>12}", "function", "calls", "bytes", "data bytes");
        for (name, (calls, bytes, data)) in wasi {
            let _ = writeln!(out, "  {name:<24} {calls:>10} {bytes:>12} {data:>12}");
        }
    }
    Ok(())
}
