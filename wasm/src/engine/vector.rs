//! The five 128-bit operations the SIMD kernel needs. On wasm32 they are the SIMD128 instructions;
//! elsewhere a portable `[u8; 16]` emulation with the same semantics, so that `cargo test` on x86_64
//! exercises the very same kernel code (loops, grouping, tails) against the naive engine.

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::arch::wasm32::{
        i8x16_swizzle, u16x8_shr, u8x16_splat, v128, v128_and, v128_load, v128_store, v128_xor,
    };

    /// One 16-byte vector.
    #[derive(Clone, Copy)]
    pub struct V(v128);

    /// Loads 16 bytes from `p` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+16` must be readable.
    #[inline(always)]
    pub unsafe fn load(p: *const u8) -> V {
        V(v128_load(p as *const v128))
    }

    /// Stores 16 bytes at `p`.
    ///
    /// # Safety
    /// `p..p+16` must be writable.
    #[inline(always)]
    pub unsafe fn store(p: *mut u8, v: V) {
        v128_store(p as *mut v128, v.0)
    }

    /// All lanes `x`.
    #[inline(always)]
    pub fn splat(x: u8) -> V {
        V(u8x16_splat(x))
    }

    /// Zero vector.
    #[inline(always)]
    pub fn zero() -> V {
        splat(0)
    }

    /// Lane-wise XOR.
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        V(v128_xor(a.0, b.0))
    }

    /// Lane-wise AND.
    #[inline(always)]
    pub fn and(a: V, b: V) -> V {
        V(v128_and(a.0, b.0))
    }

    /// Shifts each 16-bit lane right by 4: combined with `and(_, 0x0F)` it yields the high nibbles.
    /// (A 16-bit shift is one x86 instruction; the 8-bit `u8x16_shr` is emulated with three.)
    #[inline(always)]
    pub fn shr4(a: V) -> V {
        V(u16x8_shr(a.0, 4))
    }

    /// `out[i] = table[idx[i]]`; every index the kernel passes is < 16.
    #[inline(always)]
    pub fn lookup(table: V, idx: V) -> V {
        V(i8x16_swizzle(table.0, idx.0))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    /// One 16-byte vector (portable emulation).
    #[derive(Clone, Copy)]
    pub struct V([u8; 16]);

    /// Loads 16 bytes from `p`.
    ///
    /// # Safety
    /// `p..p+16` must be readable.
    #[inline(always)]
    pub unsafe fn load(p: *const u8) -> V {
        V(core::ptr::read_unaligned(p as *const [u8; 16]))
    }

    /// Stores 16 bytes at `p`.
    ///
    /// # Safety
    /// `p..p+16` must be writable.
    #[inline(always)]
    pub unsafe fn store(p: *mut u8, v: V) {
        core::ptr::write_unaligned(p as *mut [u8; 16], v.0)
    }

    /// All lanes `x`.
    #[inline(always)]
    pub fn splat(x: u8) -> V {
        V([x; 16])
    }

    /// Zero vector.
    #[inline(always)]
    pub fn zero() -> V {
        splat(0)
    }

    /// Lane-wise XOR.
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        let mut o = a.0;
        for (x, y) in o.iter_mut().zip(b.0) {
            *x ^= y;
        }
        V(o)
    }

    /// Lane-wise AND.
    #[inline(always)]
    pub fn and(a: V, b: V) -> V {
        let mut o = a.0;
        for (x, y) in o.iter_mut().zip(b.0) {
            *x &= y;
        }
        V(o)
    }

    /// Shifts each little-endian 16-bit lane right by 4, exactly like `u16x8_shr(a, 4)`.
    #[inline(always)]
    pub fn shr4(a: V) -> V {
        let mut o = [0u8; 16];
        for i in 0..8 {
            let w = u16::from_le_bytes([a.0[2 * i], a.0[2 * i + 1]]) >> 4;
            o[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
        }
        V(o)
    }

    /// `out[i] = table[idx[i]]`, 0 for indices ≥ 16, like `i8x16.swizzle`.
    #[inline(always)]
    pub fn lookup(table: V, idx: V) -> V {
        let mut o = [0u8; 16];
        for (x, &i) in o.iter_mut().zip(idx.0.iter()) {
            *x = if i < 16 { table.0[i as usize] } else { 0 };
        }
        V(o)
    }
}

pub use imp::*;
