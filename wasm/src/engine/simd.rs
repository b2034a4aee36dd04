//! The SIMD engine: split-nibble multiplication with `i8x16.swizzle`.
//!
//! `c·b = lo_c[b & 15] ^ hi_c[b >> 4]`, so one 16-byte lookup pair multiplies 16 bytes by `c`.
//! The kernel reads each input vector once and folds it into `G` output accumulators held in
//! registers, so an output is written once per pass instead of read-modify-written per input.
//! When the outputs need several groups (wide stripes such as 32+32) the shard length is cut into
//! blocks whose k input slices fit in L1, and every group runs over a block before the next block:
//! inputs come from L1 for all but the first group (the cache-blocked kernel).

use super::vector::{and, load, lookup, shr4, splat, store, xor, zero, V};
use crate::gf;

// ======================================================================
// Tuning - CRATE

/// Outputs accumulated per pass. Four outputs × two vectors keep 8 accumulators, 4 nibble vectors,
/// the mask and 2 tables within the 16 XMM registers V8 allocates on x86-64.
pub const GROUP: usize = 4;

/// Bytes per iteration: two vectors, so each table pair loaded serves 32 bytes.
const STEP: usize = 32;

/// Target bytes of input (all k slices) per cache block: most of a 48 KiB L1D.
const BLOCK_INPUT_BYTES: usize = 32 * 1024;

/// Scratch bytes `mul_rows` needs for `rows × k` coefficients.
pub const fn table_bytes(rows: usize, k: usize) -> usize {
    rows * k * 32
}

// ======================================================================
// Kernel - CRATE

/// Writes the nibble tables of every coefficient, in the same row-major order, into `tables`.
pub fn build_tables(coefs: &[u8], tables: &mut [u8]) {
    for (i, &c) in coefs.iter().enumerate() {
        gf::nibble_tables(c, &mut tables[i * 32..i * 32 + 32]);
    }
}

/// Same contract as `naive::mul_rows`, with the coefficients given as `build_tables` output.
///
/// # Safety
/// As `naive::mul_rows`; `tables` must hold `outputs.len() × inputs.len()` table pairs.
pub unsafe fn mul_rows(tables: &[u8], inputs: &[*const u8], outputs: &[*mut u8], len: usize) {
    let k = inputs.len();
    let rows = outputs.len();
    assert!(tables.len() >= table_bytes(rows, k));
    let body = len - len % STEP;
    let groups = (rows + GROUP - 1) / GROUP;
    let block = if groups <= 1 {
        body.max(STEP)
    } else {
        ((BLOCK_INPUT_BYTES / k) / STEP * STEP).max(STEP * 4)
    };
    let t = tables.as_ptr();
    let mut start = 0;
    while start < body {
        let end = if body - start > block {
            start + block
        } else {
            body
        };
        let mut r = 0;
        while r < rows {
            let g = if rows - r < GROUP { rows - r } else { GROUP };
            let tr = t.add(r * k * 32);
            let outs = outputs.as_ptr().add(r);
            match g {
                4 => group::<4>(tr, inputs, outs, start, end),
                3 => group::<3>(tr, inputs, outs, start, end),
                2 => group::<2>(tr, inputs, outs, start, end),
                _ => group::<1>(tr, inputs, outs, start, end),
            }
            r += g;
        }
        start = end;
    }
    // The last len % 32 bytes, scalar but from the same tables.
    for (r, &out) in outputs.iter().enumerate() {
        for i in body..len {
            let mut acc = 0u8;
            for (j, &inp) in inputs.iter().enumerate() {
                let b = *inp.add(i);
                let tb = &tables[(r * k + j) * 32..];
                acc ^= tb[(b & 15) as usize] ^ tb[16 + (b >> 4) as usize];
            }
            *out.add(i) = acc;
        }
    }
}

/// Computes `G` consecutive output rows over bytes `start..end` (a multiple of `STEP`).
/// `tables` points at the first of these rows; row g's table for input j is at `(g·k + j)·32`.
#[inline(always)]
unsafe fn group<const G: usize>(
    tables: *const u8,
    inputs: &[*const u8],
    outs: *const *mut u8,
    start: usize,
    end: usize,
) {
    let k = inputs.len();
    let mask = splat(0x0F);
    let ins = inputs.as_ptr();
    let mut off = start;
    while off < end {
        let mut a0: [V; G] = [zero(); G];
        let mut a1: [V; G] = [zero(); G];
        let mut j = 0;
        while j < k {
            let p = (*ins.add(j)).add(off);
            let x0 = load(p);
            let x1 = load(p.add(16));
            let l0 = and(x0, mask);
            let h0 = and(shr4(x0), mask);
            let l1 = and(x1, mask);
            let h1 = and(shr4(x1), mask);
            let tj = tables.add(j * 32);
            let mut g = 0;
            while g < G {
                let tl = load(tj.add(g * k * 32));
                let th = load(tj.add(g * k * 32 + 16));
                a0[g] = xor(a0[g], xor(lookup(tl, l0), lookup(th, h0)));
                a1[g] = xor(a1[g], xor(lookup(tl, l1), lookup(th, h1)));
                g += 1;
            }
            j += 1;
        }
        let mut g = 0;
        while g < G {
            let o = (*outs.add(g)).add(off);
            store(o, a0[g]);
            store(o.add(16), a1[g]);
            g += 1;
        }
        off += STEP;
    }
}
