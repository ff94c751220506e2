//! Calls wasmtime-wasi's own implementation of a preview-1 function by its
//! trace id: the very code the stock `wasmtime_linker_define_wasi` runs,
//! including running the file-system functions on its Tokio runtime.

use crate::trace::wasi::MAX_RAW;
use wasmtime_wasi::p1::{WasiP1Ctx, wasi_snapshot_preview1 as p1};
use wasmtime_wasi::runtime::in_tokio;
use wiggle::GuestMemory;

/// Runs function `id` with core arguments `a` (i32s zero-extended) and
/// returns its errno (0 for `proc_exit`, which returns only by error).
pub fn call(id: u8, ctx: &mut WasiP1Ctx, mem: &mut GuestMemory<'_>, a: &[u64; MAX_RAW]) -> wasmtime::Result<i32> {
    // Core arguments as the generated functions take them.
    let w = |i: usize| a[i] as u32 as i32;
    let d = |i: usize| a[i] as i64;
    Ok(match id {
        0 => p1::args_get(ctx, mem, w(0), w(1))?,
        1 => p1::args_sizes_get(ctx, mem, w(0), w(1))?,
        2 => p1::environ_get(ctx, mem, w(0), w(1))?,
        3 => p1::environ_sizes_get(ctx, mem, w(0), w(1))?,
        4 => p1::clock_res_get(ctx, mem, w(0), w(1))?,
        5 => p1::clock_time_get(ctx, mem, w(0), d(1), w(2))?,
        6 => in_tokio(p1::fd_advise(ctx, mem, w(0), d(1), d(2), w(3)))?,
        7 => p1::fd_allocate(ctx, mem, w(0), d(1), d(2))?,
        8 => in_tokio(p1::fd_close(ctx, mem, w(0)))?,
        9 => in_tokio(p1::fd_datasync(ctx, mem, w(0)))?,
        10 => in_tokio(p1::fd_fdstat_get(ctx, mem, w(0), w(1)))?,
        11 => p1::fd_fdstat_set_flags(ctx, mem, w(0), w(1))?,
        12 => p1::fd_fdstat_set_rights(ctx, mem, w(0), d(1), d(2))?,
        13 => in_tokio(p1::fd_filestat_get(ctx, mem, w(0), w(1)))?,
        14 => in_tokio(p1::fd_filestat_set_size(ctx, mem, w(0), d(1)))?,
        15 => in_tokio(p1::fd_filestat_set_times(ctx, mem, w(0), d(1), d(2), w(3)))?,
        16 => in_tokio(p1::fd_pread(ctx, mem, w(0), w(1), w(2), d(3), w(4)))?,
        17 => p1::fd_prestat_get(ctx, mem, w(0), w(1))?,
        18 => p1::fd_prestat_dir_name(ctx, mem, w(0), w(1), w(2))?,
        19 => in_tokio(p1::fd_pwrite(ctx, mem, w(0), w(1), w(2), d(3), w(4)))?,
        20 => in_tokio(p1::fd_read(ctx, mem, w(0), w(1), w(2), w(3)))?,
        21 => in_tokio(p1::fd_readdir(ctx, mem, w(0), w(1), w(2), d(3), w(4)))?,
        22 => in_tokio(p1::fd_renumber(ctx, mem, w(0), w(1)))?,
        23 => in_tokio(p1::fd_seek(ctx, mem, w(0), d(1), w(2), w(3)))?,
        24 => in_tokio(p1::fd_sync(ctx, mem, w(0)))?,
        25 => p1::fd_tell(ctx, mem, w(0), w(1))?,
        26 => in_tokio(p1::fd_write(ctx, mem, w(0), w(1), w(2), w(3)))?,
        27 => in_tokio(p1::path_create_directory(ctx, mem, w(0), w(1), w(2)))?,
        28 => in_tokio(p1::path_filestat_get(ctx, mem, w(0), w(1), w(2), w(3), w(4)))?,
        29 => in_tokio(p1::path_filestat_set_times(ctx, mem, w(0), w(1), w(2), w(3), d(4), d(5), w(6)))?,
        30 => in_tokio(p1::path_link(ctx, mem, w(0), w(1), w(2), w(3), w(4), w(5), w(6)))?,
        31 => in_tokio(p1::path_open(ctx, mem, w(0), w(1), w(2), w(3), w(4), d(5), d(6), w(7), w(8)))?,
        32 => in_tokio(p1::path_readlink(ctx, mem, w(0), w(1), w(2), w(3), w(4), w(5)))?,
        33 => in_tokio(p1::path_remove_directory(ctx, mem, w(0), w(1), w(2)))?,
        34 => in_tokio(p1::path_rename(ctx, mem, w(0), w(1), w(2), w(3), w(4), w(5)))?,
        35 => in_tokio(p1::path_symlink(ctx, mem, w(0), w(1), w(2), w(3), w(4)))?,
        36 => in_tokio(p1::path_unlink_file(ctx, mem, w(0), w(1), w(2)))?,
        37 => in_tokio(p1::poll_oneoff(ctx, mem, w(0), w(1), w(2), w(3)))?,
        38 => p1::proc_exit(ctx, mem, w(0)).map(|()| 0)?,
        39 => p1::proc_raise(ctx, mem, w(0))?,
        40 => p1::sched_yield(ctx, mem)?,
        41 => p1::random_get(ctx, mem, w(0), w(1))?,
        42 => p1::sock_accept(ctx, mem, w(0), w(1), w(2))?,
        43 => p1::sock_recv(ctx, mem, w(0), w(1), w(2), w(3), w(4), w(5))?,
        44 => p1::sock_send(ctx, mem, w(0), w(1), w(2), w(3), w(4))?,
        45 => p1::sock_shutdown(ctx, mem, w(0), w(1))?,
        other => wasmtime::bail!("unknown WASI function #{other}"),
    })
}
