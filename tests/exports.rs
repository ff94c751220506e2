//! libwasmtime_rr.so exports every function of Wasmtime's C API, taken from
//! the dependency itself: the functions its installed headers declare (for the
//! features we build with), and the C symbols its compiled crate defines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// target/<profile>, found from this test binary (target/<profile>/deps/...).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(2).unwrap().to_path_buf()
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Global text symbols with C names (not Rust-mangled) in an object or library.
fn c_text_symbols(args: &[&str], file: &Path) -> BTreeSet<String> {
    let listing = run(Command::new("nm").args(args).arg(file));
    listing
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace().rev();
            let name = fields.next()?;
            let kind = fields.next()?;
            (kind == "T" && !name.starts_with("_ZN") && !name.starts_with("_R")).then(|| name.to_string())
        })
        .collect()
}

fn exported() -> BTreeSet<String> {
    let library = profile_dir().join("libwasmtime_rr.so");
    assert!(library.exists(), "{} not built", library.display());
    c_text_symbols(&["-D", "--defined-only"], &library)
}

/// Every non-inline function that Wasmtime's headers declare, as the C
/// compiler sees them (macros such as WASM_DECLARE_OWN expanded, feature
/// guards decided by the generated conf.h), listed by gcc's -aux-info.
fn declared_by_wasmtime_headers() -> BTreeSet<String> {
    let include = Path::new(env!("WASMTIME_RR_STAGED_INCLUDE"));
    let dir = std::env::temp_dir().join(format!("wasmtime-rr-exports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("all.c");
    let aux = dir.join("aux.txt");
    std::fs::write(&source, "#include <wasm.h>\n#include <wasi.h>\n#include <wasmtime.h>\n").unwrap();
    run(&mut Command::new("cc")
        .args(["-std=c11", "-fsyntax-only", "-aux-info"])
        .arg(&aux)
        .arg("-isystem")
        .arg(include)
        .arg(&source));
    let listing = std::fs::read_to_string(&aux).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let prefix = include.to_str().unwrap();
    listing
        .lines()
        // "/* <file>:<line>:NC */ extern <type> <name> (<args>);" -- C = declared
        // (F would be an inline definition, which is not exported).
        .filter(|line| line.starts_with(&format!("/* {prefix}/")))
        .filter(|line| line.contains(":NC */") || line.contains(":OC */"))
        .map(|line| {
            let declaration = line.split("*/").nth(1).unwrap();
            let before_args = declaration.split(" (").next().unwrap();
            before_args.rsplit([' ', '*']).next().unwrap().to_string()
        })
        .collect()
}

/// The C functions defined by the compiled wasmtime-c-api-impl crate itself.
fn defined_by_c_api_crate() -> BTreeSet<String> {
    let deps = profile_dir().join("deps");
    let mut symbols = BTreeSet::new();
    for entry in std::fs::read_dir(&deps).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        if name.starts_with("libwasmtime_c_api-") && name.ends_with(".rlib") {
            symbols.extend(c_text_symbols(&["--defined-only"], &path));
        }
    }
    symbols
}

fn assert_all_exported(functions: &BTreeSet<String>, source: &str) {
    let exported = exported();
    let missing: Vec<_> = functions.difference(&exported).collect();
    assert!(missing.is_empty(), "{} functions {source} are not exported: {missing:?}", missing.len());
}

#[test]
fn every_function_declared_by_wasmtime_headers_is_exported() {
    let declared = declared_by_wasmtime_headers();
    assert!(declared.len() > 700, "only {} declarations found: the header scan is broken", declared.len());
    assert!(declared.contains("wasm_engine_new_with_config") && declared.contains("wasmtime_config_cranelift_nan_canonicalization_set"));
    assert_all_exported(&declared, "declared by Wasmtime's headers");
}

#[test]
fn every_c_function_of_the_c_api_crate_is_exported() {
    let defined = defined_by_c_api_crate();
    // Wasmtime 48's C API has 762 public functions (rr-facts.md); fewer means
    // the scan or the feature set is wrong.
    assert!(defined.len() >= 762, "only {} C API functions found", defined.len());
    assert_all_exported(&defined, "defined by wasmtime-c-api-impl");
}

#[test]
fn our_functions_are_exported_too() {
    let exported = exported();
    for name in ["wasm_config_record_set", "wasm_config_replay_set", "wasm_engine_new_checked", "wasmtime_rr_error_kind"] {
        assert!(exported.contains(name), "{name} not exported");
    }
}
