//! WASI in the C API: the RR-aware counterparts of
//! `wasmtime_linker_define_wasi` and `wasmtime_context_set_wasi`, and
//! deterministic clocks and random source for a `wasi_config_t`.

use crate::error::{ErrorKind, RrError};
use crate::ffi::boundary::{guard, guard_forward};
use crate::ffi::handles::{self, wasmtime_context_t};
use crate::rr::wasi::{self, context::SteppingClock};
use rand::SeedableRng;
use rand::rngs::StdRng;
use crate::ffi::host_api::is_rr;
use wasmtime::AsContext;
use wasmtime_c_api::{wasi_config_t, wasmtime_error_t, wasmtime_linker_t};

/// Defines WASI preview 1 in a linker, recorded and replayed.
///
/// The RR-aware `wasmtime_linker_define_wasi`: same parameter and result.
/// When the linker's engine records or replays, each of the 46 functions of
/// `wasi_snapshot_preview1` is defined as a wrapper around Wasmtime's own
/// implementation. On a store with a recorder attached, every call is
/// recorded: what it was given (descriptors, sizes, flags, paths), its errno,
/// every byte it wrote into guest memory (clock readings, random bytes, stdin
/// and file contents, metadata, directory entries, poll events),
/// `proc_exit` and its status, and the bytes written to stdout and stderr.
/// On a replaying store no WASI function runs: no file is opened, no clock or
/// random source read, no stdin consumed, nothing printed (see
/// `wasmtime_rr_replayer_echo_set`); each call is checked against the trace
/// (another function, other descriptors, sizes, paths or, with validation
/// metadata, pointers, or other bytes to stdout or stderr are a
/// `WASMTIME_RR_ERROR_KIND_DIVERGENCE` naming the event and the function)
/// and the recorded outputs are written where the guest asks.
/// On a store with nothing attached the functions behave as the stock ones.
/// The store's WASI context must come from `wasmtime_rr_context_set_wasi`.
/// When the engine neither records nor replays this is exactly
/// `wasmtime_linker_define_wasi`.
///
/// \param linker the linker; borrowed.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
/// `linker`, and with Wasmtime's own error when a function of that name is
/// already defined (unless the linker allows shadowing).
///
/// Never aborts.
///
/// Example:
/// \code
/// wasmtime_error_t *err = wasmtime_rr_linker_define_wasi(linker);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_linker_define_wasi(linker: *mut wasmtime_linker_t) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_linker_define_wasi", || {
        let inner = unsafe { handles::linker_mut(linker) }?;
        if !is_rr(inner.engine()) {
            return Ok(wasmtime_c_api::wasmtime_linker_define_wasi(unsafe { &mut *linker }));
        }
        Ok(wasi::define(inner).err().map(|e| Box::new(wasmtime_error_t::from(e))))
    })
}

/// Gives a store its WASI context, where the RR-aware WASI functions find it.
///
/// The RR-aware `wasmtime_context_set_wasi`: same parameters and result, but
/// `wasi` is consumed only on success (on failure it is still the caller's).
/// When the store's engine records or replays, the context is kept for the
/// functions `wasmtime_rr_linker_define_wasi` defines (the stock WASI
/// definitions do not see it); otherwise this is exactly
/// `wasmtime_context_set_wasi`. A second call replaces the context. A
/// replaying store needs no WASI context (its calls are served from the
/// trace); when it has one, its arguments and environment variables must be
/// the recorded ones (else `WASMTIME_RR_ERROR_KIND_DIVERGENCE`), and nothing
/// else of it is used.
///
/// \param context the store.
/// \param wasi the WASI configuration; consumed on success.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned argument.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasi_config_t *wasi = wasi_config_new();
/// wasi_config_inherit_stdout(wasi);
/// wasmtime_error_t *err = wasmtime_rr_context_set_wasi(wasmtime_store_context(store), wasi);
/// if (err) wasi_config_delete(wasi);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasmtime_rr_context_set_wasi(
    context: *mut wasmtime_context_t,
    wasi: *mut wasi_config_t,
) -> *mut wasmtime_error_t {
    guard_forward("wasmtime_rr_context_set_wasi", || {
        let context = unsafe { handles::context(context, "context") }?;
        let builder = unsafe { handles::wasi_config_mut(wasi, "wasi") }?;
        if !is_rr(context.as_context().engine()) {
            // SAFETY: checked above; the stock function takes it over.
            return Ok(wasmtime_c_api::wasmtime_context_set_wasi(context, unsafe { Box::from_raw(wasi) }));
        }
        // Nothing below can fail: the config is consumed only on success.
        wasi::context::set(context, builder.build_p1());
        wasmtime_c_api::wasi_config_delete(unsafe { Box::from_raw(wasi) });
        Ok(None)
    })
}

/// Makes a WASI configuration's random source deterministic.
///
/// The guest's `random_get` (and the insecure random source of WASI 0.2)
/// then yields the same bytes on every run with the same seed: a ChaCha12
/// generator (`rand`'s `StdRng`) seeded from `seed`. Use it to make a guest
/// reproducible without a trace; a recording records whatever the source
/// gives.
///
/// \param config the WASI configuration; borrowed.
/// \param seed the seed.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned `config`.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasi_config_random_seed_set(wasi, 42);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_random_seed_set(config: *mut wasi_config_t, seed: u64) -> *mut wasmtime_error_t {
    guard("wasi_config_random_seed_set", || {
        let builder = unsafe { handles::wasi_config_mut(config, "config") }?;
        // Distinct streams for the secure and insecure sources, both from `seed`.
        builder.secure_random(StdRng::seed_from_u64(seed));
        builder.insecure_random(StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15));
        builder.insecure_random_seed(u128::from(seed) << 64 | u128::from(!seed));
        Ok(())
    })
}

fn set_clock(
    function: &'static str,
    config: *mut wasi_config_t,
    step_ns: u64,
    apply: impl FnOnce(&mut wasmtime_wasi::WasiCtxBuilder),
) -> *mut wasmtime_error_t {
    guard(function, || {
        let builder = unsafe { handles::wasi_config_mut(config, "config") }?;
        if step_ns > 1_000_000_000_000_000 {
            return Err(RrError::new(
                ErrorKind::InvalidArgument,
                format!("a step of {step_ns} ns is more than 1,000,000 seconds per reading"),
            ));
        }
        apply(builder);
        Ok(())
    })
}

/// Gives a WASI configuration a virtual wall clock.
///
/// The guest's first reading of the real-time clock (`clock_time_get` with
/// `realtime`, WASI 0.2's `wall-clock`) is `start_ns` nanoseconds since the
/// Unix epoch, and every reading advances the clock by `step_ns`, so a guest
/// reads the same times on every run. Its resolution is `step_ns` (at least
/// 1 ns). The clock stops at the largest value instead of wrapping.
///
/// \param config the WASI configuration; borrowed.
/// \param start_ns the first reading, in nanoseconds since 1970-01-01 UTC.
/// \param step_ns how far each reading advances the clock, at most 10^15 ns.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
/// `config`, and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a larger step.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasi_config_wall_clock_set(wasi, 1764500000000000000ull, 1000);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_wall_clock_set(
    config: *mut wasi_config_t,
    start_ns: u64,
    step_ns: u64,
) -> *mut wasmtime_error_t {
    set_clock("wasi_config_wall_clock_set", config, step_ns, |builder| {
        builder.wall_clock(SteppingClock::new(start_ns, step_ns));
    })
}

/// Gives a WASI configuration a virtual monotonic clock.
///
/// As `wasi_config_wall_clock_set`, for the monotonic clock
/// (`clock_time_get` with `monotonic`, WASI 0.2's `monotonic-clock`). A
/// guest that sleeps still waits for real time, but reads the same times.
///
/// \param config the WASI configuration; borrowed.
/// \param start_ns the first reading, in nanoseconds.
/// \param step_ns how far each reading advances the clock, at most 10^15 ns.
///
/// \return NULL on success, or an error owned by the caller.
///
/// Fails with `WASMTIME_RR_ERROR_KIND_NULL_ARGUMENT` or
/// `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a NULL or misaligned
/// `config`, and `WASMTIME_RR_ERROR_KIND_INVALID_ARGUMENT` for a larger step.
///
/// Never aborts.
///
/// Example:
/// \code
/// wasi_config_monotonic_clock_set(wasi, 0, 1000);
/// \endcode
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasi_config_monotonic_clock_set(
    config: *mut wasi_config_t,
    start_ns: u64,
    step_ns: u64,
) -> *mut wasmtime_error_t {
    set_clock("wasi_config_monotonic_clock_set", config, step_ns, |builder| {
        builder.monotonic_clock(SteppingClock::new(start_ns, step_ns));
    })
}
