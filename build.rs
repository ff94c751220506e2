//! Generates `wasmtime_rr.h` with cbindgen and stages it (with the handwritten
//! C++ API `wasmtime_rr.hh`), beside Wasmtime's own headers, in
//! `<target>/<profile>/include`, so a host builds with one `-I`
//! and one `-L` into the build output.
//!
//! The committed `include/wasmtime_rr.h` is rewritten only when
//! `WASMTIME_RR_UPDATE_HEADER=1`; otherwise a test compares it with the staged
//! copy and fails on any difference, so it can never go stale unnoticed.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    // OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
    let profile_dir = out_dir.ancestors().nth(3).expect("OUT_DIR has the usual layout");
    let include_dir = profile_dir.join("include");

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=WASMTIME_RR_UPDATE_HEADER");
    println!("cargo:rerun-if-changed=include/wasmtime_rr.hh");

    stage_wasmtime_headers(&include_dir);
    let header = generate_header(&manifest_dir);
    write_if_changed(&include_dir.join("wasmtime_rr.h"), &header);
    // The C++ API is handwritten; staged beside the rest for one -I.
    let cpp_header = fs::read_to_string(manifest_dir.join("include/wasmtime_rr.hh")).unwrap();
    write_if_changed(&include_dir.join("wasmtime_rr.hh"), &cpp_header);
    if env::var_os("WASMTIME_RR_UPDATE_HEADER").is_some_and(|v| v == "1") {
        write_if_changed(&manifest_dir.join("include/wasmtime_rr.h"), &header);
    }
    println!("cargo:rustc-env=WASMTIME_RR_STAGED_INCLUDE={}", include_dir.display());
    // Versioned SONAME, cargo-c's rule: libwasmtime_rr.so.MAJOR, or .so.0.MINOR while MAJOR is 0
    // (0.x minors may break the ABI). Installs add the matching file names (docs/install.md).
    let soname = match env!("CARGO_PKG_VERSION_MAJOR") {
        "0" => concat!("libwasmtime_rr.so.0.", env!("CARGO_PKG_VERSION_MINOR")),
        _ => concat!("libwasmtime_rr.so.", env!("CARGO_PKG_VERSION_MAJOR")),
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // Calls from inside the library to its own exported functions bind to
    // them, never to a same-named function of an interposer (the preload
    // library defines stock names and forwards to the RR-aware variants,
    // which call the stock functions in turn).
    println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic-functions");
    build_preload(&out_dir, profile_dir, &include_dir, soname);
    // Programs linked against the build output record the SONAME as a
    // dependency; this link makes it resolvable there too (-L/rpath into it).
    let link = profile_dir.join(soname);
    if fs::read_link(&link).ok().as_deref() != Some(Path::new("libwasmtime_rr.so")) {
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink("libwasmtime_rr.so", &link).expect("symlink the SONAME in the build output");
    }
}

/// Builds `libwasmtime_rr_preload.so` (preload/interpose.c) into the build
/// output. It needs libwasmtime_rr at run time, which is linked after this
/// script: it is linked against an empty stand-in with the same SONAME, so
/// its dependency names the real library, found next to it ($ORIGIN).
fn build_preload(out_dir: &Path, profile_dir: &Path, include_dir: &Path, soname: &str) {
    println!("cargo:rerun-if-changed=preload");
    println!("cargo:rerun-if-env-changed=CC");
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let run = |args: &[&str]| {
        let status = std::process::Command::new(&cc)
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}` (needed for the preload library): {e}"));
        assert!(status.success(), "building the preload library failed: {cc} {}", args.join(" "));
    };
    let stub_dir = out_dir.join("stand-in");
    fs::create_dir_all(&stub_dir).unwrap();
    let stub = stub_dir.join(soname);
    run(&["-shared", "-o", stub.to_str().unwrap(), &format!("-Wl,-soname,{soname}"), "-x", "c", "/dev/null"]);
    let source = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("preload/interpose.c");
    let output = profile_dir.join("libwasmtime_rr_preload.so");
    run(&[
        "-shared",
        "-fPIC",
        "-O2",
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        &format!("-DWASMTIME_RR_SONAME=\"{soname}\""),
        &format!("-I{}", include_dir.display()),
        source.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        &format!("-L{}", stub_dir.display()),
        "-Wl,--no-as-needed",
        &format!("-l:{soname}"),
        "-Wl,-rpath,$ORIGIN",
        "-ldl",
    ]);
}

fn generate_header(manifest_dir: &Path) -> String {
    let mut config = cbindgen::Config::from_file(manifest_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml parses");
    let version = env::var("CARGO_PKG_VERSION").unwrap();
    let macros = [
        "/** The version of this header, as in Cargo.toml. wasmtime_rr_version() gives the library's. */".to_string(),
        format!("#define WASMTIME_RR_VERSION \"{version}\""),
        format!("#define WASMTIME_RR_VERSION_MAJOR {}", env::var("CARGO_PKG_VERSION_MAJOR").unwrap()),
        format!("#define WASMTIME_RR_VERSION_MINOR {}", env::var("CARGO_PKG_VERSION_MINOR").unwrap()),
        format!("#define WASMTIME_RR_VERSION_PATCH {}", env::var("CARGO_PKG_VERSION_PATCH").unwrap()),
    ];
    config.after_includes = Some(format!("\n{}", macros.join("\n")));
    let mut bytes = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(manifest_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut bytes);
    String::from_utf8(bytes).expect("header is UTF-8")
}

/// Copies Wasmtime's installed headers (wasm.h, wasi.h, wasmtime.h,
/// wasmtime/..., with the conf.h generated for our feature set).
fn stage_wasmtime_headers(include_dir: &Path) {
    let from = PathBuf::from(
        env::var("DEP_WASMTIME_C_API_INCLUDE").expect("wasmtime-c-api-impl exports its include dir"),
    );
    copy_tree(&from, include_dir);
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            write_if_changed(&target, &fs::read_to_string(entry.path()).unwrap());
        }
    }
}

/// Leaves an unchanged file alone so its timestamp does not trigger rebuilds
/// of whatever includes it.
fn write_if_changed(path: &Path, contents: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
}
