//! The additive FFT of Lin, Chung and Han over a block of work vectors, and the error locator.
//!
//! Work vector `i` holds one slice of one shard (a run of byte columns). A transform
//! of `size` (a power of two) vectors evaluates, or interpolates, a polynomial of degree < size in
//! the LCH basis on the points ω_(offset + i), i < size, where `offset` picks the coset of the
//! subspace {ω_0..ω_(size-1)} and enters only through the skew factors `SKEW[offset + …]`.
//! Every column is independent, so one call transforms `len` byte-columns at once.

use super::field::{fwht, LOG_WALSH, SKEW};
use super::kernel::{fft2, fft4, ifft2, ifft4, xor_into};
use crate::engine::Engine;

/// A set of work vectors: vector `i` starts at `base + i·stride` and `len` bytes of it are used.
#[derive(Clone, Copy)]
pub struct Vectors {
    /// Address of vector 0.
    pub base: *mut u8,
    /// Bytes from one vector to the next.
    pub stride: usize,
    /// Bytes used per vector, a multiple of 32.
    pub len: usize,
}

impl Vectors {
    /// Address of vector `i`.
    #[inline]
    pub fn at(&self, i: usize) -> *mut u8 {
        self.base.wrapping_add(i * self.stride)
    }

    /// The vectors from `i` on.
    pub fn from(&self, i: usize) -> Vectors {
        Vectors {
            base: self.at(i),
            ..*self
        }
    }
}

/// Inverse FFT of `size` vectors on the coset at `offset`; vectors `trunc..size` must be zero.
///
/// # Safety
/// The `size` vectors must be valid and disjoint.
pub unsafe fn ifft(e: Engine, v: Vectors, size: usize, trunc: usize, offset: usize) {
    let skew = |i: usize| SKEW[offset + i - 1];
    let mut dist = 1;
    if e == Engine::Simd {
        // Two layers at a time in registers, as Leopard-RS's IFFT_DIT.
        while dist * 4 <= size {
            let mut r = 0;
            while r < trunc {
                let (l01, l02, l23) = (skew(r + dist), skew(r + 2 * dist), skew(r + 3 * dist));
                for i in r..r + dist {
                    let p = [
                        v.at(i),
                        v.at(i + dist),
                        v.at(i + 2 * dist),
                        v.at(i + 3 * dist),
                    ];
                    ifft4(p, l01, l23, l02, v.len);
                }
                r += 4 * dist;
            }
            dist *= 4;
        }
    }
    while dist < size {
        let mut r = 0;
        while r < trunc {
            let log_m = skew(r + dist);
            for i in r..r + dist {
                ifft2(e, v.at(i), v.at(i + dist), log_m, v.len);
            }
            r += 2 * dist;
        }
        dist *= 2;
    }
}

/// FFT of `size` vectors onto the coset at `offset`; only outputs `0..trunc` are guaranteed.
///
/// # Safety
/// As `ifft`.
pub unsafe fn fft(e: Engine, v: Vectors, size: usize, trunc: usize, offset: usize) {
    fft_where(e, v, size, offset, |r, _| r < trunc)
}

/// FFT that computes a block of butterflies `[r, r + len)` only when `needed(r, len)`: the outputs
/// in blocks it skips are left undefined. The decoder uses it to evaluate only at the erasures.
///
/// # Safety
/// As `ifft`.
pub unsafe fn fft_where(
    e: Engine,
    v: Vectors,
    size: usize,
    offset: usize,
    needed: impl Fn(usize, usize) -> bool,
) {
    let skew = |i: usize| SKEW[offset + i - 1];
    let mut dist = size / 2;
    if e == Engine::Simd {
        while dist >= 2 {
            let d = dist / 2;
            let mut r = 0;
            while r < size {
                if needed(r, 4 * d) {
                    let (l01, l02, l23) = (skew(r + d), skew(r + 2 * d), skew(r + 3 * d));
                    for i in r..r + d {
                        let p = [v.at(i), v.at(i + d), v.at(i + 2 * d), v.at(i + 3 * d)];
                        fft4(p, l01, l23, l02, v.len);
                    }
                }
                r += 4 * d;
            }
            dist /= 4;
        }
    }
    while dist >= 1 {
        let mut r = 0;
        while r < size {
            if needed(r, 2 * dist) {
                let log_m = skew(r + dist);
                for i in r..r + dist {
                    fft2(e, v.at(i), v.at(i + dist), log_m, v.len);
                }
            }
            r += 2 * dist;
        }
        dist /= 2;
    }
}

/// Replaces the LCH-basis coefficients of f (n vectors) by those of f + f′. The decoder evaluates
/// the result only where f vanishes, so this is as good as the formal derivative and cheaper.
///
/// # Safety
/// As `ifft`.
pub unsafe fn add_derivative(e: Engine, v: Vectors, n: usize) {
    for i in 1..n {
        let width = i & i.wrapping_neg();
        for j in 0..width {
            xor_into(e, v.at(i - width + j), v.at(i + j), v.len);
        }
    }
}

/// Logarithms of the error locator L(x) = Π_(erased j) (x − ω_j) at every ω_i, except at erased
/// ω_i, where L vanishes and the value given is log L′(ω_i) (the product without its own factor),
/// which is what the decoder divides by. Since ω_i − ω_j = ω_(i XOR j), the logs are the XOR
/// convolution of the erasure indicator with `LOG`, computed with two Walsh-Hadamard transforms
/// mod 255 (applying the transform twice multiplies by 256 ≡ 1).
pub fn locator(erased: &[bool; 256]) -> [u8; 256] {
    let mut d = [0u32; 256];
    for (x, &e) in d.iter_mut().zip(erased.iter()) {
        *x = e as u32;
    }
    let mut d = fwht(d);
    for (x, &w) in d.iter_mut().zip(LOG_WALSH.iter()) {
        *x = *x * w as u32 % 255;
    }
    let d = fwht(d);
    let mut out = [0u8; 256];
    for (o, &x) in out.iter_mut().zip(d.iter()) {
        *o = x as u8;
    }
    out
}
