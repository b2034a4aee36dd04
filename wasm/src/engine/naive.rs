//! The reference engine: one field multiplication per byte per coefficient, written to be read,
//! not to be fast. Every other engine is tested against it.

use crate::gf;

// ======================================================================
// Naive - CRATE

/// `outputs[r][i] = Σ_j coefs[r·inputs.len() + j] · inputs[j][i]` for i in 0..len.
///
/// # Safety
/// Each input must be readable and each output writable for `len` bytes; outputs must not overlap
/// inputs or each other.
pub unsafe fn mul_rows(coefs: &[u8], inputs: &[*const u8], outputs: &[*mut u8], len: usize) {
    let k = inputs.len();
    for (r, &out) in outputs.iter().enumerate() {
        for i in 0..len {
            let mut acc = 0u8;
            for (j, &inp) in inputs.iter().enumerate() {
                acc ^= gf::mul(coefs[r * k + j], *inp.add(i));
            }
            *out.add(i) = acc;
        }
    }
}
