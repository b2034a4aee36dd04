//! The four operations the transforms are made of, on `len` bytes of work vectors (`len` a
//! multiple of 32): the two butterflies, XOR, and multiplication by a constant. Each has a scalar
//! reference (log/exp tables per byte, `Engine::Naive`) and a SIMD128 version (split-nibble
//! lookups with `i8x16.swizzle`, `Engine::Simd`), which the tests compare.
//!
//! The SIMD versions also come fused two layers deep (`fft4`, `ifft4`): four vectors stay in
//! registers across both layers, halving the loads and stores of the radix-2 form.

use super::field::{mul_log, MODULUS, MUL};
use crate::engine::vector::{and, load, lookup, shr4, splat, store, xor, V};
use crate::engine::Engine;

/// `y · e`, e given by its nibble tables.
#[inline(always)]
fn mulv(t: &(V, V), mask: V, y: V) -> V {
    xor(lookup(t.0, and(y, mask)), lookup(t.1, and(shr4(y), mask)))
}

#[inline(always)]
unsafe fn tables(log_m: u8) -> (V, V) {
    let t = MUL[log_m as usize].as_ptr();
    (load(t), load(t.add(16)))
}

/// FFT butterfly: `x ^= y·e; y ^= x`, where `log_m` is the log of e (255: e = 0).
///
/// # Safety
/// `x` and `y` must be valid, distinct, for `len` bytes.
pub unsafe fn fft2(engine: Engine, x: *mut u8, y: *mut u8, log_m: u8, len: usize) {
    if log_m == MODULUS {
        return xor_into(engine, y, x, len);
    }
    match engine {
        Engine::Naive => {
            for i in 0..len {
                *x.add(i) ^= mul_log(*y.add(i), log_m);
                *y.add(i) ^= *x.add(i);
            }
        }
        Engine::Simd => {
            let (t, mask) = (tables(log_m), splat(0x0F));
            let mut o = 0;
            while o < len {
                let (mut x0, mut y0) = (load(x.add(o)), load(y.add(o)));
                let (mut x1, mut y1) = (load(x.add(o + 16)), load(y.add(o + 16)));
                x0 = xor(x0, mulv(&t, mask, y0));
                x1 = xor(x1, mulv(&t, mask, y1));
                y0 = xor(y0, x0);
                y1 = xor(y1, x1);
                store(x.add(o), x0);
                store(x.add(o + 16), x1);
                store(y.add(o), y0);
                store(y.add(o + 16), y1);
                o += 32;
            }
        }
    }
}

/// Inverse FFT butterfly: `y ^= x; x ^= y·e` (255: e = 0).
///
/// # Safety
/// As `fft2`.
pub unsafe fn ifft2(engine: Engine, x: *mut u8, y: *mut u8, log_m: u8, len: usize) {
    if log_m == MODULUS {
        return xor_into(engine, y, x, len);
    }
    match engine {
        Engine::Naive => {
            for i in 0..len {
                *y.add(i) ^= *x.add(i);
                *x.add(i) ^= mul_log(*y.add(i), log_m);
            }
        }
        Engine::Simd => {
            let (t, mask) = (tables(log_m), splat(0x0F));
            let mut o = 0;
            while o < len {
                let (mut x0, mut y0) = (load(x.add(o)), load(y.add(o)));
                let (mut x1, mut y1) = (load(x.add(o + 16)), load(y.add(o + 16)));
                y0 = xor(y0, x0);
                y1 = xor(y1, x1);
                x0 = xor(x0, mulv(&t, mask, y0));
                x1 = xor(x1, mulv(&t, mask, y1));
                store(x.add(o), x0);
                store(x.add(o + 16), x1);
                store(y.add(o), y0);
                store(y.add(o + 16), y1);
                o += 32;
            }
        }
    }
}

/// `x ^= y`.
///
/// # Safety
/// As `fft2`.
pub unsafe fn xor_into(engine: Engine, x: *mut u8, y: *const u8, len: usize) {
    match engine {
        Engine::Naive => {
            for i in 0..len {
                *x.add(i) ^= *y.add(i);
            }
        }
        Engine::Simd => {
            let mut o = 0;
            while o < len {
                store(x.add(o), xor(load(x.add(o)), load(y.add(o))));
                store(x.add(o + 16), xor(load(x.add(o + 16)), load(y.add(o + 16))));
                o += 32;
            }
        }
    }
}

/// `x = x·e` in place, `log_m` the log of e (255 and 0 both mean e = 1: nothing to do).
///
/// # Safety
/// `x` must be valid for `len` bytes.
pub unsafe fn mul_in_place(engine: Engine, x: *mut u8, log_m: u8, len: usize) {
    if log_m == 0 || log_m == MODULUS {
        return;
    }
    match engine {
        Engine::Naive => {
            for i in 0..len {
                *x.add(i) = mul_log(*x.add(i), log_m);
            }
        }
        Engine::Simd => {
            let (t, mask) = (tables(log_m), splat(0x0F));
            let mut o = 0;
            while o < len {
                store(x.add(o), mulv(&t, mask, load(x.add(o))));
                o += 16;
            }
        }
    }
}

/// Two FFT layers on `v[0], v[d], v[2d], v[3d]` (pointers in `p`): first the pairs (0,2) and
/// (1,3) with `log02`, then (0,1) with `log01` and (2,3) with `log23`. SIMD engine only; the
/// scalar engine runs the same layers as separate `fft2` calls.
///
/// # Safety
/// The four vectors must be valid and distinct for `len` bytes.
pub unsafe fn fft4(p: [*mut u8; 4], log01: u8, log23: u8, log02: u8, len: usize) {
    let mask = splat(0x0F);
    let (t01, t23, t02) = (tables(log01), tables(log23), tables(log02));
    let mut o = 0;
    while o < len {
        let mut a = load(p[0].add(o));
        let mut b = load(p[1].add(o));
        let mut c = load(p[2].add(o));
        let mut d = load(p[3].add(o));
        if log02 != MODULUS {
            a = xor(a, mulv(&t02, mask, c));
            b = xor(b, mulv(&t02, mask, d));
        }
        c = xor(c, a);
        d = xor(d, b);
        if log01 != MODULUS {
            a = xor(a, mulv(&t01, mask, b));
        }
        b = xor(b, a);
        if log23 != MODULUS {
            c = xor(c, mulv(&t23, mask, d));
        }
        d = xor(d, c);
        store(p[0].add(o), a);
        store(p[1].add(o), b);
        store(p[2].add(o), c);
        store(p[3].add(o), d);
        o += 16;
    }
}

/// The inverse of `fft4`'s pattern: (0,1) with `log01` and (2,3) with `log23`, then (0,2) and
/// (1,3) with `log02`, as inverse butterflies. SIMD engine only.
///
/// # Safety
/// As `fft4`.
pub unsafe fn ifft4(p: [*mut u8; 4], log01: u8, log23: u8, log02: u8, len: usize) {
    let mask = splat(0x0F);
    let (t01, t23, t02) = (tables(log01), tables(log23), tables(log02));
    let mut o = 0;
    while o < len {
        let mut a = load(p[0].add(o));
        let mut b = load(p[1].add(o));
        let mut c = load(p[2].add(o));
        let mut d = load(p[3].add(o));
        b = xor(b, a);
        if log01 != MODULUS {
            a = xor(a, mulv(&t01, mask, b));
        }
        d = xor(d, c);
        if log23 != MODULUS {
            c = xor(c, mulv(&t23, mask, d));
        }
        c = xor(c, a);
        d = xor(d, b);
        if log02 != MODULUS {
            a = xor(a, mulv(&t02, mask, c));
            b = xor(b, mulv(&t02, mask, d));
        }
        store(p[0].add(o), a);
        store(p[1].add(o), b);
        store(p[2].add(o), c);
        store(p[3].add(o), d);
        o += 16;
    }
}
