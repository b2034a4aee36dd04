//! Arithmetic in GF(2^8) with the field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator
//! 2 — the field used by most byte-oriented Reed-Solomon codes (Backblaze, klauspost, ISA-L).
//! Tables are computed at compile time, so the .wasm carries them as data and no start-up work runs.

// ======================================================================
// Tables - CRATE

/// The low eight bits of the field polynomial 0x11D (the x^8 term is implicit).
pub const POLY: u16 = 0x11D;

const fn make_exp() -> [u8; 512] {
    // Doubled so that `EXP[LOG[a] + LOG[b]]` needs no `% 255`.
    let mut exp = [0u8; 512];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        exp[i + 255] = x as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= POLY;
        }
        i += 1;
    }
    exp[510] = exp[0];
    exp[511] = exp[1];
    exp
}

const fn make_log(exp: &[u8; 512]) -> [u8; 256] {
    let mut log = [0u8; 256];
    let mut i = 0;
    while i < 255 {
        log[exp[i] as usize] = i as u8;
        i += 1;
    }
    log
}

/// `EXP[i] = 2^i` for i in 0..510.
pub static EXP: [u8; 512] = make_exp();
/// `LOG[a]` = discrete log of `a` base 2; `LOG[0]` is unused (0).
pub static LOG: [u8; 256] = make_log(&make_exp());

// ======================================================================
// Operations - CRATE

/// Product of two field elements.
#[inline]
pub fn mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        EXP[LOG[a as usize] as usize + LOG[b as usize] as usize]
    }
}

/// Multiplicative inverse; `a` must not be zero (callers guarantee it by construction).
#[inline]
pub fn inv(a: u8) -> u8 {
    debug_assert!(a != 0, "0 has no inverse");
    EXP[255 - LOG[a as usize] as usize]
}

/// Bit-by-bit "Russian peasant" product, independent of the tables: the tests check the tables
/// against it, and the naive engine's doc points readers here for the definition.
pub fn mul_slow(mut a: u8, mut b: u8) -> u8 {
    let mut p: u8 = 0;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= (POLY & 0xFF) as u8;
        }
        b >>= 1;
    }
    p
}

/// The split-nibble tables of `c`: `lo[x] = c·x` and `hi[x] = c·(x << 4)` for x in 0..16, so that
/// `c·b = lo[b & 15] ^ hi[b >> 4]`. This is what one `i8x16.swizzle` pair looks up.
pub fn nibble_tables(c: u8, out: &mut [u8]) {
    let mut x = 0;
    while x < 16 {
        out[x] = mul(c, x as u8);
        out[16 + x] = mul(c, (x as u8) << 4);
        x += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_bitwise_product() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_eq!(mul(a, b), mul_slow(a, b), "{a}·{b}");
            }
        }
    }

    #[test]
    fn every_nonzero_element_has_an_inverse() {
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1);
        }
    }

    #[test]
    fn two_generates_the_multiplicative_group() {
        let mut seen = [false; 256];
        for i in 0..255 {
            assert!(!seen[EXP[i] as usize]);
            seen[EXP[i] as usize] = true;
        }
    }

    #[test]
    fn nibble_tables_reproduce_the_product() {
        let mut t = [0u8; 32];
        for c in 0..=255u8 {
            nibble_tables(c, &mut t);
            for b in 0..=255u8 {
                assert_eq!(t[(b & 15) as usize] ^ t[16 + (b >> 4) as usize], mul(c, b));
            }
        }
    }
}
