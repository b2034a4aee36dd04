//! BitDust erasure code: a systematic MDS Reed-Solomon code over GF(2^8) (field polynomial 0x11D,
//! Cauchy parity matrix, see `matrix.rs`) for any `k ≥ 1`, `m ≥ 1`, `k + m ≤ 256`.
//!
//! The crate is `no_std` with no dependencies and builds with Rust 1.63. On wasm32 it exports a
//! small `extern "C"` ABI (`abi.rs`) over shards the caller places in linear memory; natively it is
//! an rlib so `cargo test` can run the same code against the scalar reference engine.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

pub mod codec;
pub mod engine;
pub mod fft;
pub mod gf;
pub mod matrix;

#[cfg(target_arch = "wasm32")]
mod abi;

#[cfg(test)]
mod tests;

// ======================================================================
// Error - PUBLIC

/// Everything that can go wrong, with the negative `i32` each ABI function returns for it.
/// The codes are stable: `wasm/pkg/errors.ts` maps them to `ErasureError` codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Error {
    /// `k == 0`, `m == 0`, `k + m > 256`, or an unknown engine number.
    InvalidParams = -1,
    /// The shard length is 0 (all shards of a stripe share one length).
    ShardSize = -2,
    /// Reconstruction was asked with fewer than `k` shards present.
    TooFewShards = -3,
    /// A shard, the pointer table or the presence table lies (partly) outside linear memory.
    OutOfBounds = -4,
    /// A shard that is written overlaps another shard.
    Overlap = -5,
    /// A decode matrix was singular: impossible for this MDS code, so it signals a bug.
    Singular = -6,
}

/// Largest `k + m`: GF(2^8) has 256 distinct evaluation points.
pub const MAX_SHARDS: usize = 256;

/// Checks `k` and `m` against the code's limits.
pub fn check_params(k: usize, m: usize) -> Result<(), Error> {
    if k == 0 || m == 0 || k + m > MAX_SHARDS {
        Err(Error::InvalidParams)
    } else {
        Ok(())
    }
}

#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Unreachable by design (every index is validated first); trap rather than continue corrupt.
    core::arch::wasm32::unreachable()
}
