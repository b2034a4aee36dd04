//! Engines: interchangeable implementations of one primitive, `mul_rows` — each output row is a
//! GF(2^8) linear combination of the input shards. Encode, reconstruct and verify are all built on
//! it with different coefficient rows.

pub mod naive;
pub mod simd;
pub(crate) mod vector;

/// Which implementation computes `mul_rows`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The scalar reference (`naive.rs`).
    Naive,
    /// The SIMD128 split-nibble kernel (`simd.rs`).
    Simd,
}

impl Engine {
    /// The engine numbered `n` in the ABI (0 = naive, 1 = SIMD).
    pub fn from_abi(n: u32) -> Option<Engine> {
        match n {
            0 => Some(Engine::Naive),
            1 => Some(Engine::Simd),
            _ => None,
        }
    }

    /// Fills `tables` for the `rows × k` coefficients (engines without tables ignore it).
    pub fn prepare(self, coefs: &[u8], tables: &mut [u8]) {
        if self == Engine::Simd {
            simd::build_tables(coefs, tables);
        }
    }

    /// `outputs[r] = Σ_j coefs[r·k + j] · inputs[j]` over `len` bytes, `tables` from `prepare`.
    ///
    /// # Safety
    /// As `naive::mul_rows`.
    pub unsafe fn apply(
        self,
        coefs: &[u8],
        tables: &[u8],
        inputs: &[*const u8],
        outputs: &[*mut u8],
        len: usize,
    ) {
        match self {
            Engine::Naive => naive::mul_rows(coefs, inputs, outputs, len),
            Engine::Simd => simd::mul_rows(tables, inputs, outputs, len),
        }
    }
}
