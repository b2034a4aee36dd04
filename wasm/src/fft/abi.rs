//! The `extern "C"` exports of the `fft8` code, beside the Cauchy code's in `crate::abi` and with
//! the same conventions: a table of `k + m` shard addresses, every byte validated to lie in the
//! heap, a negative `Error` code instead of a trap.

use crate::abi::{over_shards, presence};

// Single-threaded per instance: one static work area, touched only through `with_work`.
static mut WORK: [u8; super::WORK_BYTES] = [0; super::WORK_BYTES];

fn with_work<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    // SAFETY: wasm32 without threads runs one call at a time and nothing else touches WORK.
    unsafe { f(&mut *core::ptr::addr_of_mut!(WORK)) }
}

/// Encodes parity with the `fft8` code. Returns 0 or a negative `Error`.
#[no_mangle]
pub extern "C" fn bd_fft_encode(engine: u32, k: u32, m: u32, ptrs: u32, len: u32) -> i32 {
    over_shards(engine, k, m, ptrs, len, |e, k, m, shards| {
        // SAFETY: every shard was checked to lie in memory.
        with_work(|w| unsafe { super::encode(e, k, m, shards, len as usize, w) }).map(|_| 0)
    })
}

/// Rebuilds every shard whose byte in the `k + m`-byte table at `present` is 0 (`fft8` code).
/// Returns how many shards were rebuilt, or a negative `Error`.
#[no_mangle]
pub extern "C" fn bd_fft_reconstruct(
    engine: u32,
    k: u32,
    m: u32,
    ptrs: u32,
    present: u32,
    len: u32,
) -> i32 {
    over_shards(engine, k, m, ptrs, len, |e, k, m, shards| {
        let flags = presence(present, k + m)?;
        // SAFETY: every shard was checked to lie in memory.
        with_work(|w| unsafe {
            super::reconstruct(e, k, m, shards, &flags[..k + m], len as usize, w)
        })
        .map(|n| n as i32)
    })
}

/// Returns 1 if the parity matches the data under the `fft8` code, 0 if not, or a negative
/// `Error`.
#[no_mangle]
pub extern "C" fn bd_fft_verify(engine: u32, k: u32, m: u32, ptrs: u32, len: u32) -> i32 {
    over_shards(engine, k, m, ptrs, len, |e, k, m, shards| {
        // SAFETY: every shard was checked to lie in memory.
        with_work(|w| unsafe { super::verify(e, k, m, shards, len as usize, w) })
            .map(|ok| ok as i32)
    })
}
