//! Encode, reconstruct and verify one stripe of `k + m` equal-length shards, on any engine.
//! Shards are raw pointers because on wasm32 they are addresses the JavaScript side chose.

use crate::engine::{simd, Engine};
use crate::matrix;
use crate::{check_params, Error, MAX_SHARDS};

// ======================================================================
// Scratch - PUBLIC

/// Bytes of nibble tables for the largest coefficient matrix (`m·k ≤ 128·128`).
pub const TABLE_BYTES: usize = simd::table_bytes(128, 128);
/// Bytes of one k×k matrix at the largest k.
pub const MATRIX_BYTES: usize = MAX_SHARDS * MAX_SHARDS;
/// Bytes of recomputed parity `verify` holds at a time.
pub const VERIFY_BYTES: usize = 256 * 1024;

/// Working memory: a static on wasm32 (one instance is single-threaded), `Vec`s in tests.
pub struct Scratch<'a> {
    /// Nibble tables, `TABLE_BYTES`.
    pub tables: &'a mut [u8],
    /// Coefficient rows, `MATRIX_BYTES`.
    pub rows: &'a mut [u8],
    /// k×k submatrix of the generator, `MATRIX_BYTES`.
    pub sub: &'a mut [u8],
    /// Its inverse, `MATRIX_BYTES`.
    pub inv: &'a mut [u8],
    /// Recomputed parity for `verify`, `VERIFY_BYTES`.
    pub block: &'a mut [u8],
}

// ======================================================================
// Stripe operations - PUBLIC

/// Rejects empty shards and written shards that overlap any other shard.
pub(crate) fn check_shards(shards: &[*mut u8], written: &[usize], len: usize) -> Result<(), Error> {
    if len == 0 {
        return Err(Error::ShardSize);
    }
    for &w in written {
        let a = shards[w] as usize;
        for (i, &s) in shards.iter().enumerate() {
            let b = s as usize;
            if i != w && a < b.wrapping_add(len) && b < a.wrapping_add(len) {
                return Err(Error::Overlap);
            }
        }
    }
    Ok(())
}

/// Computes the `m` parity shards `shards[k..]` from the data shards `shards[..k]`.
///
/// # Safety
/// Each of the `k + m` pointers must be valid for `len` bytes.
pub unsafe fn encode(
    engine: Engine,
    k: usize,
    m: usize,
    shards: &[*mut u8],
    len: usize,
    s: &mut Scratch,
) -> Result<(), Error> {
    check_params(k, m)?;
    let written: [usize; MAX_SHARDS] = core::array::from_fn(|i| i);
    check_shards(&shards[..k + m], &written[k..k + m], len)?;
    let coefs = &mut s.rows[..m * k];
    matrix::parity_rows(k, m, coefs);
    engine.prepare(coefs, s.tables);
    let mut inputs = [core::ptr::null::<u8>(); MAX_SHARDS];
    for (i, p) in shards[..k].iter().enumerate() {
        inputs[i] = *p;
    }
    engine.apply(coefs, s.tables, &inputs[..k], &shards[k..k + m], len);
    Ok(())
}

/// Recomputes every shard `i` with `present[i] == false` (data and parity) from the first `k`
/// present shards. Returns how many shards were rebuilt.
///
/// # Safety
/// Each of the `k + m` pointers must be valid for `len` bytes.
pub unsafe fn reconstruct(
    engine: Engine,
    k: usize,
    m: usize,
    shards: &[*mut u8],
    present: &[bool],
    len: usize,
    s: &mut Scratch,
) -> Result<usize, Error> {
    check_params(k, m)?;
    let n = k + m;
    let mut sources = [0usize; MAX_SHARDS];
    let mut wanted = [0usize; MAX_SHARDS];
    let (mut ns, mut nw) = (0, 0);
    for i in 0..n {
        if present[i] {
            if ns < k {
                sources[ns] = i;
                ns += 1;
            }
        } else {
            wanted[nw] = i;
            nw += 1;
        }
    }
    if ns < k {
        return Err(Error::TooFewShards);
    }
    check_shards(&shards[..n], &wanted[..nw], len)?;
    if nw == 0 {
        return Ok(0);
    }
    let coefs = &mut s.rows[..nw * k];
    matrix::decode_rows(k, &sources[..k], &wanted[..nw], s.sub, s.inv, coefs)?;
    engine.prepare(coefs, s.tables);
    let mut inputs = [core::ptr::null::<u8>(); MAX_SHARDS];
    let mut outputs = [core::ptr::null_mut::<u8>(); MAX_SHARDS];
    for j in 0..k {
        inputs[j] = shards[sources[j]];
    }
    for w in 0..nw {
        outputs[w] = shards[wanted[w]];
    }
    engine.apply(coefs, s.tables, &inputs[..k], &outputs[..nw], len);
    Ok(nw)
}

/// True when the parity shards match the data shards. Recomputes parity block by block into
/// scratch, so it never writes to the shards.
///
/// # Safety
/// Each of the `k + m` pointers must be valid for `len` bytes.
pub unsafe fn verify(
    engine: Engine,
    k: usize,
    m: usize,
    shards: &[*mut u8],
    len: usize,
    s: &mut Scratch,
) -> Result<bool, Error> {
    check_params(k, m)?;
    check_shards(&shards[..k + m], &[], len)?;
    let coefs = &mut s.rows[..m * k];
    matrix::parity_rows(k, m, coefs);
    engine.prepare(coefs, s.tables);
    let block = (VERIFY_BYTES / m / 32 * 32).max(32);
    let mut start = 0;
    while start < len {
        let n = if len - start < block {
            len - start
        } else {
            block
        };
        let mut inputs = [core::ptr::null::<u8>(); MAX_SHARDS];
        let mut outputs = [core::ptr::null_mut::<u8>(); MAX_SHARDS];
        for j in 0..k {
            inputs[j] = shards[j].add(start);
        }
        let base = s.block.as_mut_ptr();
        for r in 0..m {
            outputs[r] = base.add(r * block);
        }
        engine.apply(coefs, s.tables, &inputs[..k], &outputs[..m], n);
        for r in 0..m {
            let want = core::slice::from_raw_parts(shards[k + r].add(start), n);
            if want != &s.block[r * block..r * block + n] {
                return Ok(false);
            }
        }
        start += n;
    }
    Ok(true)
}
