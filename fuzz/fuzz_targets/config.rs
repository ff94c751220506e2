//! A random sequence of C API calls on one `wasm_config_t`: our record/replay
//! and determinism functions (with arbitrary integers for the mode and NULL
//! for the config) and the stock setters that matter to determinism. The same
//! settings are applied to a plain Rust `wasmtime::Config`, the model.
//!
//! Oracle: no panic (libFuzzer's hook makes one a crash), no abort, no leak;
//! `wasm_config_validate` and `wasm_engine_new_checked` agree with each other
//! and with `Engine::new` on the model, to the message; an RR mode with an
//! explicit determinism opt-out is rejected with Wasmtime's message; a built
//! engine reports the mode and determinism settings the model's engine has.
//!
//! Stock setters take Rust enums and `&mut wasm_config_t`, so only declared
//! enum values and non-NULL configs go to them (anything else is undefined
//! behaviour in Wasmtime's own code, not an error it could report); their
//! strings are UTF-8 without NUL for the same reason (Wasmtime panics on
//! invalid UTF-8 there).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::ffi::CString;
use std::ptr::{null, null_mut};
use wasmtime::{Config, Engine, OptLevel, RRConfig, Strategy};
use wasmtime_c_api as capi;
use wasmtime_rr::ffi::config::*;
use wasmtime_rr::ffi::engine::*;
use wasmtime_rr::error::{
    WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT, WASMTIME_RR_ERROR_KIND_INVALID_CONFIG,
    WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
};
use wasmtime_rr_fuzz::memory::{Counting, check_bounded_and_leak_free};
use wasmtime_rr_fuzz::take_error;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const NAN_MESSAGE: &str = "NaN canonicalization cannot be disabled when determinism is enforced";
const RELAXED_MESSAGE: &str =
    "Relaxed deterministic SIMD cannot be disabled when determinism is enforced";

/// Cranelift flags worth reaching often; any other UTF-8 name is tried too.
const FLAGS: &[&str] = &[
    "enable_nan_canonicalization",
    "opt_level",
    "enable_verifier",
    "regalloc_algorithm",
    "enable_probestack",
    "probestack_strategy",
    "preserve_frame_pointers",
    "unwind_info",
    "enable_heap_access_spectre_mitigation",
    "enable_table_access_spectre_mitigation",
    "enable_alias_analysis",
    "enable_llvm_abi_extensions",
    "enable_pinned_reg",
    "enable_jump_tables",
    "has_sse41",
    "has_avx2",
];
const VALUES: &[&str] = &[
    "true",
    "false",
    "speed",
    "none",
    "speed_and_size",
    "backtracking",
    "single_pass",
    "inline",
    "1",
    "",
];

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Other(String),
}

impl Text {
    fn get(&self, known: &[&str]) -> String {
        match self {
            Text::Known(i) => known[*i as usize % known.len()].to_string(),
            Text::Other(s) => s.replace('\0', ""),
        }
    }
}

/// The strategies the C API declares (its enum takes no other value).
#[derive(Arbitrary, Debug, Clone, Copy)]
enum StrategyChoice {
    Auto,
    Cranelift,
    Winch,
}

impl StrategyChoice {
    fn c(self) -> capi::wasmtime_strategy_t {
        use capi::wasmtime_strategy_t::*;
        match self {
            StrategyChoice::Auto => WASMTIME_STRATEGY_AUTO,
            StrategyChoice::Cranelift => WASMTIME_STRATEGY_CRANELIFT,
            StrategyChoice::Winch => WASMTIME_STRATEGY_WINCH,
        }
    }

    fn rust(self) -> Strategy {
        match self {
            StrategyChoice::Auto => Strategy::Auto,
            StrategyChoice::Cranelift => Strategy::Cranelift,
            StrategyChoice::Winch => Strategy::Winch,
        }
    }
}

/// The optimization levels the C API declares.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum OptLevelChoice {
    None,
    Speed,
    SpeedAndSize,
}

impl OptLevelChoice {
    fn c(self) -> capi::wasmtime_opt_level_t {
        use capi::wasmtime_opt_level_t::*;
        match self {
            OptLevelChoice::None => WASMTIME_OPT_LEVEL_NONE,
            OptLevelChoice::Speed => WASMTIME_OPT_LEVEL_SPEED,
            OptLevelChoice::SpeedAndSize => WASMTIME_OPT_LEVEL_SPEED_AND_SIZE,
        }
    }

    fn rust(self) -> OptLevel {
        match self {
            OptLevelChoice::None => OptLevel::None,
            OptLevelChoice::Speed => OptLevel::Speed,
            OptLevelChoice::SpeedAndSize => OptLevel::SpeedAndSize,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    RecordSet(bool),
    ReplaySet(bool),
    RrModeSet(u32),
    EnforceDeterminism,
    /// One of our config functions with a NULL config.
    NullConfig(u8),
    NanCanonicalization(bool),
    RelaxedSimd(bool),
    RelaxedSimdDeterministic(bool),
    Simd(bool),
    ConsumeFuel(bool),
    EpochInterruption(bool),
    MaxWasmStack(usize),
    Strategy(StrategyChoice),
    OptLevel(OptLevelChoice),
    CraneliftFlagSet(Text, Text),
    CraneliftFlagEnable(Text),
}

/// The model, plus what Wasmtime's determinism check looks at.
struct Model {
    config: Config,
    mode: RrMode,
    /// The last value given to `enable_nan_canonicalization`, if any.
    nan: Option<String>,
    relaxed_deterministic: Option<bool>,
    flags: Vec<Flag>,
}

impl Model {
    fn new() -> Model {
        Model {
            config: Config::default(),
            mode: RrMode::None,
            nan: None,
            relaxed_deterministic: None,
            flags: Vec::new(),
        }
    }

    /// What Wasmtime's determinism check rejects, if anything.
    fn opts_out(&self) -> Option<&'static str> {
        if self.relaxed_deterministic == Some(false) {
            Some(RELAXED_MESSAGE)
        } else if self.nan.as_deref().is_some_and(|v| v != "true") {
            Some(NAN_MESSAGE)
        } else {
            None
        }
    }

    fn set_mode(&mut self, mode: RrMode) {
        self.mode = mode;
        self.config.rr(match mode {
            RrMode::None => RRConfig::None,
            RrMode::Recording => RRConfig::Recording,
            RrMode::Replaying => RRConfig::Replaying,
        });
    }

    fn set_flag(&mut self, flag: Flag) {
        flag.apply(&mut self.config);
        if flag.name == "enable_nan_canonicalization" {
            self.nan = flag.value.clone();
        }
        self.flags.push(flag);
    }

    /// Applies one call, in plain Rust; calls our functions refuse change nothing.
    fn apply(&mut self, op: &Op) {
        let config = &mut self.config;
        match op {
            Op::RecordSet(on) => self.set_mode(if *on { RrMode::Recording } else { RrMode::None }),
            Op::ReplaySet(on) => self.set_mode(if *on { RrMode::Replaying } else { RrMode::None }),
            Op::RrModeSet(raw) => {
                if let Ok(mode) = RrMode::from_raw(*raw) {
                    self.set_mode(mode);
                }
            }
            Op::EnforceDeterminism => {
                config
                    .cranelift_nan_canonicalization(true)
                    .relaxed_simd_deterministic(true);
                self.nan = Some("true".into());
                self.relaxed_deterministic = Some(true);
            }
            Op::NullConfig(_) => {}
            Op::NanCanonicalization(on) => {
                config.cranelift_nan_canonicalization(*on);
                self.nan = Some(on.to_string());
            }
            Op::RelaxedSimd(on) => drop(config.wasm_relaxed_simd(*on)),
            Op::RelaxedSimdDeterministic(on) => {
                config.relaxed_simd_deterministic(*on);
                self.relaxed_deterministic = Some(*on);
            }
            Op::Simd(on) => drop(config.wasm_simd(*on)),
            Op::ConsumeFuel(on) => drop(config.consume_fuel(*on)),
            Op::EpochInterruption(on) => drop(config.epoch_interruption(*on)),
            Op::MaxWasmStack(size) => drop(config.max_wasm_stack(*size)),
            Op::Strategy(choice) => drop(config.strategy(choice.rust())),
            Op::OptLevel(choice) => drop(config.cranelift_opt_level(choice.rust())),
            Op::CraneliftFlagSet(..) | Op::CraneliftFlagEnable(_) => {
                self.set_flag(Flag::of(op).expect("a flag op"))
            }
        }
    }
}

/// One Cranelift flag call.
struct Flag {
    name: String,
    value: Option<String>,
}

impl Flag {
    fn of(op: &Op) -> Option<Flag> {
        match op {
            Op::CraneliftFlagSet(name, value) => Some(Flag {
                name: name.get(FLAGS),
                value: Some(value.get(VALUES)),
            }),
            Op::CraneliftFlagEnable(name) => Some(Flag {
                name: name.get(FLAGS),
                value: None,
            }),
            _ => None,
        }
    }

    fn apply(&self, config: &mut Config) {
        match &self.value {
            Some(value) => unsafe { config.cranelift_flag_set(&self.name, value) },
            None => unsafe { config.cranelift_flag_enable(&self.name) },
        };
    }
}

fn expect_kind(error: *mut capi::wasmtime_error_t, kind: u32, what: &str) {
    match take_error(error) {
        Some((got, message)) => assert_eq!(got, kind, "{what}: {message}"),
        None => panic!("{what}: no error"),
    }
}

fn expect_ok(error: *mut capi::wasmtime_error_t, what: &str) {
    if let Some((kind, message)) = take_error(error) {
        panic!("{what}: error of kind {kind}: {message}");
    }
}

/// Makes one call on the C config, checking what our functions return.
fn call(op: &Op, config: *mut capi::wasm_config_t) {
    let c = unsafe { &mut *config };
    match op {
        Op::RecordSet(on) => {
            expect_ok(unsafe { wasm_config_record_set(config, *on) }, "record_set")
        }
        Op::ReplaySet(on) => {
            expect_ok(unsafe { wasm_config_replay_set(config, *on) }, "replay_set")
        }
        Op::RrModeSet(raw) => {
            let error = unsafe { wasm_config_rr_mode_set(config, *raw) };
            match RrMode::from_raw(*raw) {
                Ok(_) => expect_ok(error, "rr_mode_set"),
                // Refused; the model leaves the config unchanged too.
                Err(_) => expect_kind(
                    error,
                    WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT,
                    "rr_mode_set(out of range)",
                ),
            }
        }
        Op::EnforceDeterminism => expect_ok(
            unsafe { wasm_config_enforce_determinism(config) },
            "enforce_determinism",
        ),
        Op::NullConfig(which) => {
            let error = match which % 5 {
                0 => unsafe { wasm_config_record_set(null_mut(), true) },
                1 => unsafe { wasm_config_replay_set(null_mut(), false) },
                2 => unsafe { wasm_config_rr_mode_set(null_mut(), u32::from(*which)) },
                3 => unsafe { wasm_config_enforce_determinism(null_mut()) },
                _ => unsafe { wasm_config_validate(null()) },
            };
            expect_kind(error, WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT, "NULL config");
        }
        Op::NanCanonicalization(on) => {
            capi::wasmtime_config_cranelift_nan_canonicalization_set(c, *on)
        }
        Op::RelaxedSimd(on) => capi::wasmtime_config_wasm_relaxed_simd_set(c, *on),
        Op::RelaxedSimdDeterministic(on) => {
            capi::wasmtime_config_wasm_relaxed_simd_deterministic_set(c, *on)
        }
        Op::Simd(on) => capi::wasmtime_config_wasm_simd_set(c, *on),
        Op::ConsumeFuel(on) => capi::wasmtime_config_consume_fuel_set(c, *on),
        Op::EpochInterruption(on) => capi::wasmtime_config_epoch_interruption_set(c, *on),
        Op::MaxWasmStack(size) => capi::wasmtime_config_max_wasm_stack_set(c, *size),
        Op::Strategy(choice) => capi::wasmtime_config_strategy_set(c, choice.c()),
        Op::OptLevel(choice) => capi::wasmtime_config_cranelift_opt_level_set(c, choice.c()),
        Op::CraneliftFlagSet(..) | Op::CraneliftFlagEnable(_) => {
            let Flag { name, value } = Flag::of(op).expect("a flag op");
            let name = CString::new(name).expect("NULs removed");
            match value {
                Some(value) => {
                    let value = CString::new(value).expect("NULs removed");
                    unsafe {
                        capi::wasmtime_config_cranelift_flag_set(c, name.as_ptr(), value.as_ptr())
                    }
                }
                None => unsafe { capi::wasmtime_config_cranelift_flag_enable(c, name.as_ptr()) },
            }
        }
    }
}

/// Wasmtime's message as our library passes it on (anyhow's `{:?}`), without
/// a backtrace should one be captured.
fn message_of(error: &wasmtime::Error) -> String {
    let text = format!("{error:?}");
    text.split("\n\nStack backtrace:")
        .next()
        .unwrap_or_default()
        .to_string()
}

fn is_determinism(message: &str) -> bool {
    message == NAN_MESSAGE || message == RELAXED_MESSAGE
}

fn run(ops: &[Op]) {
    let config = Box::into_raw(capi::wasm_config_new());
    let mut model = Model::new();
    for op in ops {
        call(op, config);
        model.apply(op);
    }
    // Wasmtime on a copy of the C config itself: the exact answer, message
    // included (a copy keeps the hash order of Cranelift flags).
    let copy = unsafe { wasmtime_rr::ffi::handles::config_ref(config, "config") }
        .expect("not NULL")
        .clone();
    let expected = Engine::new(&copy).map_err(|e| message_of(&e));
    // Wasmtime on the model, the same settings made in plain Rust: the same
    // verdict. Its message may name another of several bad Cranelift flags,
    // because each config seeds its own hash tables.
    let modelled = Engine::new(&model.config).map_err(|e| message_of(&e));
    match (&expected, &modelled) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => assert!(
            a == b || (model.flags.len() >= 2 && ![a, b].iter().any(|m| is_determinism(m))),
            "the C config gives {a:?}, the model {b:?}"
        ),
        _ => panic!(
            "the C config gives {:?}, the model {:?}",
            expected.as_ref().map(drop),
            modelled.as_ref().map(drop)
        ),
    }

    // An RR mode with an explicit opt-out is always refused; with Wasmtime's
    // own message when nothing else about the config is wrong.
    if let Some(message) = model.opts_out().filter(|_| model.mode != RrMode::None) {
        assert!(
            expected.is_err(),
            "Wasmtime accepted an RR mode with a determinism opt-out"
        );
        let mut without_rr = copy.clone();
        without_rr.rr(RRConfig::None);
        if Engine::new(&without_rr).is_ok() {
            assert_eq!(expected.as_ref().unwrap_err(), message);
        }
    }

    let validated = take_error(unsafe { wasm_config_validate(config) });
    // engine_out NULL: refused, and the config is not consumed.
    expect_kind(
        unsafe { wasm_engine_new_checked(config, null_mut()) },
        WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
        "engine_out NULL",
    );
    let mut engine: *mut capi::wasm_engine_t = null_mut();
    let built = take_error(unsafe { wasm_engine_new_checked(config, &mut engine) });
    assert_eq!(validated, built, "validation and checked creation disagree");
    match (&expected, built) {
        (Err(message), Some((kind, got))) => {
            assert_eq!(kind, WASMTIME_RR_ERROR_KIND_INVALID_CONFIG);
            assert_eq!(&got, message);
            assert!(engine.is_null(), "engine_out written on failure");
            // Not consumed on failure: still ours to free.
            unsafe { capi::wasm_config_delete(Box::from_raw(config)) };
        }
        (Ok(model_engine), None) => {
            assert!(!engine.is_null());
            check_engine(engine, model_engine, model.mode);
            unsafe { capi::wasm_engine_delete(Box::from_raw(engine)) };
        }
        (expected, built) => panic!(
            "Engine::new gave {:?}, checked creation {built:?}",
            expected.as_ref().map(drop)
        ),
    }
}

/// The queries report what the model's engine has.
fn check_engine(engine: *mut capi::wasm_engine_t, model: &Engine, mode: RrMode) {
    let mut raw = u32::MAX;
    expect_ok(unsafe { wasm_engine_rr_mode(engine, &mut raw) }, "rr_mode");
    assert_eq!(raw, mode.to_raw());
    assert_eq!(RrMode::of_engine(model), mode);
    let mut flag = false;
    expect_ok(
        unsafe { wasm_engine_is_recording(engine, &mut flag) },
        "is_recording",
    );
    assert_eq!(flag, model.is_recording());
    expect_ok(
        unsafe { wasm_engine_is_replaying(engine, &mut flag) },
        "is_replaying",
    );
    assert_eq!(flag, model.is_replaying());
    expect_ok(
        unsafe { wasm_engine_nan_canonicalization(engine, &mut flag) },
        "nan_canonicalization",
    );
    assert_eq!(
        flag,
        model.get_cranelift_nan_canonicalization().unwrap_or(false)
    );
    expect_ok(
        unsafe { wasm_engine_relaxed_simd_deterministic(engine, &mut flag) },
        "relaxed_simd_deterministic",
    );
    assert_eq!(flag, model.get_relaxed_simd_deterministic());
    expect_kind(
        unsafe { wasm_engine_rr_mode(engine, null_mut()) },
        WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
        "out NULL",
    );
    expect_kind(
        unsafe { wasm_engine_rr_mode(null(), &mut raw) },
        WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT,
        "engine NULL",
    );
}

/// Heap bound: two engines (the model's and ours) with their compilers.
const HEAP_LIMIT: usize = 64 << 20;

fuzz_target!(|ops: Vec<Op>| {
    check_bounded_and_leak_free(HEAP_LIMIT, || run(&ops));
});
