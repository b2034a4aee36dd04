//! The `fft8` code: a systematic MDS Reed-Solomon code over GF(2^8) whose encoder and decoder are
//! additive FFTs (Lin, Chung and Han 2014, "Novel polynomial basis and its application to
//! Reed-Solomon erasure codes"; the construction of Leopard-RS's 8-bit field). Encoding costs
//! O(n log n) per byte column instead of the Cauchy code's k·m, which matters for wide stripes.
//!
//! It is a different code from the Cauchy one in `codec.rs` (another generator), with its own
//! golden vectors. Codeword layout, for k data and m parity shards, with m' = the next power of
//! two ≥ m and n = the next power of two ≥ m' + k: position i < m is parity shard i, positions
//! m..m' are parity that is never stored (always erased), position m' + j is data shard j, and
//! positions m' + k..n are zero. Shard bytes are field elements in Cantor coordinates (`field.rs`).
//! The codeword is the evaluation at ω_0..ω_(n-1) of a polynomial of degree < n − m'.
//!
//! Shapes: any k ≥ 1, m ≥ 1 with m' + k ≤ 256 (so 128 + 128 works but 200 + 40 does not, as
//! m' = 64). Any shard length ≥ 1; the transforms run over column blocks of the work area sized
//! to stay in cache, so the cost per byte does not depend on the shard length.

pub mod field;
pub mod kernel;
pub mod transform;

#[cfg(target_arch = "wasm32")]
mod abi;

#[cfg(test)]
mod tests;

use crate::codec::check_shards;
use crate::engine::Engine;
use crate::{check_params, Error, MAX_SHARDS};
use kernel::{mul_in_place, xor_into};
use transform::{add_derivative, fft, fft_where, ifft, locator, Vectors};

// ======================================================================
// Shape - PUBLIC

/// Bytes of the work area `encode`, `reconstruct` and `verify` need.
pub const WORK_BYTES: usize = 64 * 1024;

/// Bytes of work vectors one column block aims at: small enough to stay in L1/L2 across the
/// log n layers of the transforms.
const TARGET_BYTES: usize = 32 * 1024;

/// The transform sizes for k data and m parity shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Data shards.
    pub k: usize,
    /// Parity shards.
    pub m: usize,
    /// Parity slots: the next power of two ≥ m.
    pub slots: usize,
    /// The decoder's transform size: the next power of two ≥ slots + k.
    pub n: usize,
}

/// The shape for k + m, or `InvalidParams` when the code does not support it.
pub fn shape(k: usize, m: usize) -> Result<Shape, Error> {
    check_params(k, m)?;
    let slots = m.next_power_of_two();
    if slots + k > MAX_SHARDS {
        return Err(Error::InvalidParams);
    }
    Ok(Shape {
        k,
        m,
        slots,
        n: (slots + k).next_power_of_two(),
    })
}

/// Bytes per work vector for `vectors` vectors and shards of `len` bytes (a multiple of 32).
fn block_len(vectors: usize, len: usize) -> usize {
    let cap = WORK_BYTES / vectors / 32 * 32;
    let want = (TARGET_BYTES / vectors / 32 * 32).max(64).min(cap);
    want.min(round32(len))
}

fn round32(n: usize) -> usize {
    (n + 31) / 32 * 32
}

/// Copies `b` bytes to a work vector and zeroes it up to `len`.
unsafe fn load_slice(dst: *mut u8, src: *const u8, b: usize, len: usize) {
    core::ptr::copy_nonoverlapping(src, dst, b);
    core::ptr::write_bytes(dst.add(b), 0, len - b);
}

// ======================================================================
// Stripe operations - PUBLIC

/// Parity of bytes `start..start + b` of the data shards into work vectors `0..m`.
unsafe fn encode_block(e: Engine, s: &Shape, data: &[*mut u8], start: usize, b: usize, w: Vectors) {
    let slots = s.slots;
    let tmp = w.from(slots);
    let mut first = 0;
    while first < s.k {
        // Each run of `slots` data shards is one coset: interpolate it, sum the coefficients.
        let dst = if first == 0 { w } else { tmp };
        let count = (s.k - first).min(slots);
        for i in 0..count {
            load_slice(dst.at(i), data[first + i].add(start), b, w.len);
        }
        for i in count..slots {
            core::ptr::write_bytes(dst.at(i), 0, w.len);
        }
        ifft(e, dst, slots, count, slots + first);
        if first > 0 {
            for i in 0..slots {
                xor_into(e, w.at(i), tmp.at(i), w.len);
            }
        }
        first += slots;
    }
    fft(e, w, slots, s.m, 0);
}

/// Computes the `m` parity shards `shards[k..]` from the data shards `shards[..k]`.
///
/// # Safety
/// Each of the `k + m` pointers must be valid for `len` bytes; `work` holds `WORK_BYTES`.
pub unsafe fn encode(
    e: Engine,
    k: usize,
    m: usize,
    shards: &[*mut u8],
    len: usize,
    work: &mut [u8],
) -> Result<(), Error> {
    let s = shape(k, m)?;
    let written: [usize; MAX_SHARDS] = core::array::from_fn(|i| i);
    check_shards(&shards[..k + m], &written[k..k + m], len)?;
    let vectors = if k > s.slots { 2 * s.slots } else { s.slots };
    let blk = block_len(vectors, len);
    assert!(work.len() >= vectors * blk);
    let mut start = 0;
    while start < len {
        let b = (len - start).min(blk);
        let w = Vectors {
            base: work.as_mut_ptr(),
            stride: blk,
            len: round32(b),
        };
        encode_block(e, &s, &shards[..k], start, b, w);
        for i in 0..m {
            core::ptr::copy_nonoverlapping(w.at(i), shards[k + i].add(start), b);
        }
        start += b;
    }
    Ok(())
}

/// Recomputes every shard `i` with `present[i] == false` (data and parity) from all present
/// shards. Returns how many shards were rebuilt.
///
/// # Safety
/// As `encode`.
pub unsafe fn reconstruct(
    e: Engine,
    k: usize,
    m: usize,
    shards: &[*mut u8],
    present: &[bool],
    len: usize,
    work: &mut [u8],
) -> Result<usize, Error> {
    let s = shape(k, m)?;
    let mut wanted = [0usize; MAX_SHARDS];
    let mut nw = 0;
    for (i, _) in present[..k + m].iter().enumerate().filter(|(_, p)| !**p) {
        wanted[nw] = i;
        nw += 1;
    }
    if nw > m {
        return Err(Error::TooFewShards);
    }
    check_shards(&shards[..k + m], &wanted[..nw], len)?;
    if nw == 0 {
        return Ok(0);
    }
    // Codeword position of shard i, and the shard (if any) at position p.
    let pos = |i: usize| if i < k { s.slots + i } else { i - k };
    let shard_at = |p: usize| match p {
        p if p < m => Some(k + p),
        p if p >= s.slots && p < s.slots + k => Some(p - s.slots),
        _ => None,
    };
    let mut erased = [false; MAX_SHARDS];
    erased[m..s.slots].iter_mut().for_each(|x| *x = true);
    for &i in &wanted[..nw] {
        erased[pos(i)] = true;
    }
    let loc = locator(&erased);
    // wanted_below[p] = wanted positions < p: the final FFT runs only blocks holding one.
    let mut wanted_below = [0u16; MAX_SHARDS + 1];
    let mut is_wanted = [false; MAX_SHARDS];
    for &i in &wanted[..nw] {
        is_wanted[pos(i)] = true;
    }
    for p in 0..MAX_SHARDS {
        wanted_below[p + 1] = wanted_below[p] + is_wanted[p] as u16;
    }
    let needed = |r: usize, len: usize| wanted_below[r + len] > wanted_below[r];
    let blk = block_len(s.n, len);
    assert!(work.len() >= s.n * blk);
    let used = s.slots + k;
    let mut start = 0;
    while start < len {
        let b = (len - start).min(blk);
        let w = Vectors {
            base: work.as_mut_ptr(),
            stride: blk,
            len: round32(b),
        };
        // Multiply the received codeword by the locator (zero where erased), take its
        // coefficients, differentiate, evaluate, and divide by L′ at the erased points.
        for p in 0..s.n {
            match shard_at(p) {
                Some(i) if present[i] => {
                    load_slice(w.at(p), shards[i].add(start), b, w.len);
                    mul_in_place(e, w.at(p), loc[p], w.len);
                }
                _ => core::ptr::write_bytes(w.at(p), 0, w.len),
            }
        }
        ifft(e, w, s.n, used, 0);
        add_derivative(e, w, s.n);
        fft_where(e, w, s.n, 0, needed);
        for &i in &wanted[..nw] {
            let p = pos(i);
            mul_in_place(e, w.at(p), field::MODULUS - loc[p], w.len);
            core::ptr::copy_nonoverlapping(w.at(p), shards[i].add(start), b);
        }
        start += b;
    }
    Ok(nw)
}

/// True when the parity shards match the data shards; never writes to the shards.
///
/// # Safety
/// As `encode`.
pub unsafe fn verify(
    e: Engine,
    k: usize,
    m: usize,
    shards: &[*mut u8],
    len: usize,
    work: &mut [u8],
) -> Result<bool, Error> {
    let s = shape(k, m)?;
    check_shards(&shards[..k + m], &[], len)?;
    let vectors = if k > s.slots { 2 * s.slots } else { s.slots };
    let blk = block_len(vectors, len);
    assert!(work.len() >= vectors * blk);
    let mut start = 0;
    while start < len {
        let b = (len - start).min(blk);
        let w = Vectors {
            base: work.as_mut_ptr(),
            stride: blk,
            len: round32(b),
        };
        encode_block(e, &s, &shards[..k], start, b, w);
        for i in 0..m {
            let want = core::slice::from_raw_parts(shards[k + i].add(start), b);
            if want != core::slice::from_raw_parts(w.at(i), b) {
                return Ok(false);
            }
        }
        start += b;
    }
    Ok(true)
}
