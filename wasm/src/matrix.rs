//! The generator matrix and the decode matrices derived from it.
//!
//! The code is systematic: shard `i < k` is data shard `i` itself. Parity shard `k + i` (i < m) is
//! `Σ_j C[i][j] · data[j]` with the Cauchy matrix `C[i][j] = 1 / ((k + i) XOR j)` over GF(2^8).
//! The points `k + i` and `j` are distinct elements of GF(2^8) (`k + m ≤ 256`), so every square
//! submatrix of `C` is invertible, hence every k×k submatrix of `[I; C]` is, hence the code is MDS:
//! any k of the n shards determine the data. This definition is frozen: the golden vectors in
//! `golden.rs` and `wasm/pkg/test/golden.test.ts` fail if it ever changes.

use crate::gf;
use crate::Error;

// ======================================================================
// Generator - CRATE

/// Entry (row, col) of the n×k generator matrix `[I; C]`.
#[inline]
pub fn generator(k: usize, row: usize, col: usize) -> u8 {
    if row < k {
        (row == col) as u8
    } else {
        gf::inv((row as u8) ^ (col as u8))
    }
}

/// Writes the m×k parity rows `C` into `out` (row-major).
pub fn parity_rows(k: usize, m: usize, out: &mut [u8]) {
    for i in 0..m {
        for j in 0..k {
            out[i * k + j] = generator(k, k + i, j);
        }
    }
}

// ======================================================================
// Inversion - CRATE

/// Inverts the k×k matrix `a` (row-major) into `out` by Gauss-Jordan elimination; `a` is destroyed.
/// A singular matrix is reported as `Error::Singular` — impossible for submatrices of an MDS
/// generator, so it would mean memory corruption or a bug, never a user error.
pub fn invert(k: usize, a: &mut [u8], out: &mut [u8]) -> Result<(), Error> {
    for r in 0..k {
        for c in 0..k {
            out[r * k + c] = (r == c) as u8;
        }
    }
    for col in 0..k {
        let pivot = (col..k)
            .find(|&r| a[r * k + col] != 0)
            .ok_or(Error::Singular)?;
        if pivot != col {
            for c in 0..k {
                a.swap(pivot * k + c, col * k + c);
                out.swap(pivot * k + c, col * k + c);
            }
        }
        let scale = gf::inv(a[col * k + col]);
        for c in 0..k {
            a[col * k + c] = gf::mul(a[col * k + c], scale);
            out[col * k + c] = gf::mul(out[col * k + c], scale);
        }
        for r in 0..k {
            let f = a[r * k + col];
            if r == col || f == 0 {
                continue;
            }
            for c in 0..k {
                a[r * k + c] ^= gf::mul(f, a[col * k + c]);
                out[r * k + c] ^= gf::mul(f, out[col * k + c]);
            }
        }
    }
    Ok(())
}

/// Builds the coefficient rows that recompute the shards `wanted` from the k shards `sources`
/// (ascending shard indices): row w is such that `shard[wanted[w]] = Σ_j rows[w][j] · shard[sources[j]]`.
/// `sub` and `inv` are k×k scratch matrices.
pub fn decode_rows(
    k: usize,
    sources: &[usize],
    wanted: &[usize],
    sub: &mut [u8],
    inv: &mut [u8],
    rows: &mut [u8],
) -> Result<(), Error> {
    for (r, &s) in sources.iter().enumerate() {
        for c in 0..k {
            sub[r * k + c] = generator(k, s, c);
        }
    }
    invert(k, sub, inv)?;
    // inv maps the source shards to the data shards; a parity row is its generator row times inv.
    for (w, &target) in wanted.iter().enumerate() {
        let row = &mut rows[w * k..(w + 1) * k];
        if target < k {
            row.copy_from_slice(&inv[target * k..(target + 1) * k]);
        } else {
            row.fill(0);
            for d in 0..k {
                let g = generator(k, target, d);
                for (c, out) in row.iter_mut().enumerate() {
                    *out ^= gf::mul(g, inv[d * k + c]);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mat_mul(k: usize, a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; k * k];
        for r in 0..k {
            for c in 0..k {
                out[r * k + c] = (0..k).fold(0, |acc, i| acc ^ gf::mul(a[r * k + i], b[i * k + c]));
            }
        }
        out
    }

    #[test]
    fn inverse_times_matrix_is_identity() {
        for k in [1usize, 2, 5, 17] {
            let mut a: Vec<u8> = (0..k * k).map(|i| generator(k, k + i / k, i % k)).collect();
            // A pure Cauchy block is invertible; so is any square slice of it.
            let keep = a.clone();
            let mut inv = vec![0u8; k * k];
            invert(k, &mut a, &mut inv).unwrap();
            let id = mat_mul(k, &keep, &inv);
            for r in 0..k {
                for c in 0..k {
                    assert_eq!(id[r * k + c], (r == c) as u8);
                }
            }
        }
    }

    #[test]
    fn singular_matrix_is_an_error_not_a_panic() {
        let mut a = vec![1u8, 2, 1, 2];
        let mut inv = vec![0u8; 4];
        assert_eq!(invert(2, &mut a, &mut inv), Err(Error::Singular));
    }

    #[test]
    fn every_k_subset_of_a_small_code_is_invertible() {
        // Exhaustive MDS check for k = 3, m = 4: all C(7, 3) = 35 subsets.
        let (k, n) = (3usize, 7usize);
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != k {
                continue;
            }
            let src: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
            let mut sub = vec![0u8; k * k];
            for (r, &s) in src.iter().enumerate() {
                for c in 0..k {
                    sub[r * k + c] = generator(k, s, c);
                }
            }
            let mut inv = vec![0u8; k * k];
            invert(k, &mut sub, &mut inv).unwrap();
        }
    }
}
