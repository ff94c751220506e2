//! The committed header is exactly what the sources generate, carries the
//! version from Cargo.toml, and documents every exported function of ours in
//! the required form.

use std::fs;
use std::path::Path;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn committed_header() -> String {
    fs::read_to_string(manifest_dir().join("include/wasmtime_rr.h")).expect("include/wasmtime_rr.h exists")
}

#[test]
fn committed_header_is_what_the_sources_generate() {
    // build.rs regenerated this copy from the current sources for this build.
    let generated =
        fs::read_to_string(Path::new(env!("WASMTIME_RR_STAGED_INCLUDE")).join("wasmtime_rr.h")).unwrap();
    let committed = committed_header();
    if generated != committed {
        let line = generated
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| generated.lines().count().min(committed.lines().count()));
        panic!(
            "include/wasmtime_rr.h is stale (first difference at line {}):\n  generated: {:?}\n  committed: {:?}\n\
             regenerate it with: WASMTIME_RR_UPDATE_HEADER=1 cargo build",
            line + 1,
            generated.lines().nth(line),
            committed.lines().nth(line)
        );
    }
}

/// `version = "..."` of the [package] table, read from the file itself.
fn cargo_toml_version() -> String {
    let toml = fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    let package = toml.split("[package]").nth(1).unwrap();
    let line = package.lines().find(|l| l.trim_start().starts_with("version")).unwrap();
    line.split('"').nth(1).unwrap().to_string()
}

#[test]
fn header_and_runtime_versions_match_cargo_toml() {
    let version = cargo_toml_version();
    let header = committed_header();
    assert!(header.contains(&format!("#define WASMTIME_RR_VERSION \"{version}\"")), "version macro");
    let parts: Vec<&str> = version.split('.').collect();
    for (name, value) in ["MAJOR", "MINOR", "PATCH"].iter().zip(&parts) {
        let value = value.split(['-', '+']).next().unwrap();
        assert!(header.contains(&format!("#define WASMTIME_RR_VERSION_{name} {value}\n")), "{name}");
    }
    let runtime = unsafe { std::ffi::CStr::from_ptr(wasmtime_rr::ffi::version::wasmtime_rr_version()) };
    assert_eq!(runtime.to_str().unwrap(), version);
}

/// Every `.rs` file below a folder.
fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The names of our `extern "C"` functions, read from the sources.
fn exported_functions() -> Vec<String> {
    let mut names = Vec::new();
    let mut files = Vec::new();
    sources(&manifest_dir().join("src"), &mut files);
    for file in files {
        let text = fs::read_to_string(file).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "#[unsafe(no_mangle)]" {
                let signature = lines.next().unwrap();
                let name = signature.split("extern \"C\" fn ").nth(1).unwrap().split('(').next().unwrap();
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    names
}

#[test]
fn every_function_is_declared_and_documented_in_the_required_form() {
    let header = committed_header();
    let functions = exported_functions();
    assert!(functions.len() >= 16, "found only {functions:?}");
    for name in &functions {
        // The declaration: a line outside comments that names the function.
        let lines: Vec<&str> = header.lines().collect();
        let at = lines
            .iter()
            .position(|l| !l.starts_with(" *") && !l.starts_with("/*") && [' ', '*'].iter().any(|c| l.contains(&format!("{c}{name}("))))
            .unwrap_or_else(|| panic!("{name} is not declared in the header"));
        assert_eq!(lines[at - 1], " */", "{name}: no doc comment right above the declaration");
        let start = lines[..at].iter().rposition(|l| *l == "/**").unwrap();
        let doc = lines[start..at].join("\n");
        let summary = doc.lines().nth(1).unwrap_or_default().trim_start_matches([' ', '*']).to_string();
        assert!(summary.ends_with('.') && summary.len() > 10, "{name}: summary sentence, got {summary:?}");
        for required in ["\\return", "\\code", "\\endcode"] {
            assert!(doc.contains(required), "{name}: doc lacks {required}");
        }
        let says_failure = doc.contains("Fails with") || doc.contains("Cannot fail");
        let says_abort = doc.contains("Never aborts") || doc.contains("Cannot abort");
        assert!(says_failure, "{name}: doc must say when it fails");
        assert!(says_abort, "{name}: doc must say whether it can abort");
    }
}

#[test]
fn every_macro_and_type_of_ours_is_prefixed() {
    let header = committed_header();
    for line in header.lines() {
        if let Some(name) = line.strip_prefix("#define ").and_then(|rest| rest.split_whitespace().next()) {
            assert!(name.starts_with("WASMTIME_RR_"), "unprefixed macro {name}");
        }
        if let Some(rest) = line.strip_prefix("typedef ") {
            let name = rest.trim_end_matches(';').rsplit([' ', '*', '(']).next().unwrap_or_default();
            assert!(name.starts_with("wasmtime_rr_") || rest.contains("(*wasmtime_rr_"), "unprefixed type in {line}");
        }
    }
}

#[test]
fn header_includes_wasmtime_and_declares_none_of_its_types() {
    let header = committed_header();
    assert!(header.contains("#include <wasmtime.h>"));
    assert!(header.contains("GENERATED FILE, DO NOT EDIT"));
    for wasmtime_type in ["wasm_config_t", "wasm_engine_t", "wasmtime_error_t"] {
        assert!(!header.contains(&format!("typedef struct {wasmtime_type}")), "{wasmtime_type} redeclared");
        assert!(!header.contains(&format!("}} {wasmtime_type};")), "{wasmtime_type} redeclared");
    }
}
