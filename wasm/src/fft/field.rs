//! GF(2^8) as the additive FFT sees it: the field of `gf.rs` (polynomial 0x11D) with every element
//! written in coordinates over the Cantor basis `CANTOR` instead of the power basis. In these
//! coordinates the FFT's evaluation point ω_i is simply the byte `i`, so ω_i + ω_j = ω_(i XOR j)
//! and the formal derivative in the LCH basis is a pattern of plain XORs (Lin, Chung and Han 2014;
//! the same choice as Leopard-RS). Shard bytes of the `fft8` code are elements in this form.
//!
//! Everything is computed at compile time: the .wasm carries the tables as data.

// ======================================================================
// Constants - CRATE

/// The Cantor basis (as elements of GF(2^8)/0x11D in the power basis): b_0 = 1 and
/// b_(i-1) = b_i^2 + b_i, which makes the subspace polynomials of the FFT have GF(2) coefficients.
pub const CANTOR: [u8; 8] = [1, 214, 152, 146, 86, 200, 88, 230];

/// The order of the multiplicative group; a "log" of 255 stands for the element 0 in the FFT skew
/// table (butterflies skip the multiplication) and for 1 everywhere else (as log 0).
pub const MODULUS: u8 = 255;

/// `TO_POWER[x]` = the power-basis element whose Cantor coordinates are the bits of `x`.
pub static TO_POWER: [u8; 256] = make_to_power();

/// `LOG[x]` = discrete log (base 2 of the 0x11D field) of the element with Cantor coordinates `x`;
/// `LOG[0]` = 255.
pub static LOG: [u8; 256] = make_log();

/// `EXP[LOG[x]] = x` for x ≠ 0; `EXP[255] = EXP[0] = 1`.
pub static EXP: [u8; 256] = make_exp();

/// `SKEW[i]`: log of the twist factor of the butterflies whose second half starts at i + 1
/// (Leopard-RS's `FFTSkew`); 255 means the factor is 0.
pub static SKEW: [u8; 256] = make_skew();

/// The Walsh-Hadamard transform (mod 255) of `LOG` with entry 0 set to 0: the error locator's
/// logarithms are the XOR-convolution of the erasure set with `LOG`, done through this transform.
pub static LOG_WALSH: [u8; 256] = make_log_walsh();

/// `MUL[l]`: split-nibble tables of multiplication by the element with log `l` (`l = 255` is
/// multiplication by 1): bytes 0..16 are `x·e` and 16..32 are `(x << 4)·e` for x in 0..16.
pub static MUL: [[u8; 32]; 256] = make_mul();

// ======================================================================
// Construction - PRIVATE

const fn make_to_power() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 8 {
        let w = 1 << b;
        let mut j = 0;
        while j < w {
            t[j + w] = t[j] ^ CANTOR[b];
            j += 1;
        }
        b += 1;
    }
    t
}

const fn make_log() -> [u8; 256] {
    // Power-basis logarithms by the LFSR, then composed with the change of basis.
    let mut plog = [0u8; 256];
    let mut state: u16 = 1;
    let mut i = 0;
    while i < 255 {
        plog[state as usize] = i as u8;
        state <<= 1;
        if state >= 256 {
            state ^= 0x11D;
        }
        i += 1;
    }
    plog[0] = MODULUS;
    let to_power = make_to_power();
    let mut log = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        log[x] = plog[to_power[x] as usize];
        x += 1;
    }
    log
}

const fn make_exp() -> [u8; 256] {
    let log = make_log();
    let mut exp = [0u8; 256];
    let mut x = 1;
    while x < 256 {
        exp[log[x] as usize] = x as u8;
        x += 1;
    }
    exp[255] = exp[0];
    exp
}

/// Sum of two logs mod 255, where 255 may be returned for 0 (Leopard's partial reduction).
const fn add_mod(a: u8, b: u8) -> u8 {
    let sum = a as u32 + b as u32;
    (sum + (sum >> 8)) as u8
}

const fn mul_log_c(a: u8, log_b: u8, log: &[u8; 256], exp: &[u8; 256]) -> u8 {
    if a == 0 {
        0
    } else {
        exp[add_mod(log[a as usize], log_b) as usize]
    }
}

const fn make_skew() -> [u8; 256] {
    // The normalized subspace polynomials' values, built layer by layer (LCH section III).
    let log = make_log();
    let exp = make_exp();
    let mut temp = [0u8; 7];
    let mut i = 1;
    while i < 8 {
        temp[i - 1] = 1 << i;
        i += 1;
    }
    let mut skew = [0u8; 256];
    let mut m = 0;
    while m < 7 {
        let step = 1usize << (m + 1);
        skew[(1usize << m) - 1] = 0;
        let mut i = m;
        while i < 7 {
            let s = 1usize << (i + 1);
            let mut j = (1usize << m) - 1;
            while j < s {
                skew[j + s] = skew[j] ^ temp[i];
                j += step;
            }
            i += 1;
        }
        let t = temp[m];
        temp[m] = MODULUS - log[mul_log_c(t, log[(t ^ 1) as usize], &log, &exp) as usize];
        let mut i = m + 1;
        while i < 7 {
            let sum = add_mod(log[(temp[i] ^ 1) as usize], temp[m]);
            temp[i] = mul_log_c(temp[i], sum, &log, &exp);
            i += 1;
        }
        m += 1;
    }
    let mut i = 0;
    while i < 255 {
        skew[i] = log[skew[i] as usize];
        i += 1;
    }
    skew[255] = MODULUS;
    skew
}

/// In-place Walsh-Hadamard transform mod 255 of 256 values (each < 255).
pub const fn fwht(mut d: [u32; 256]) -> [u32; 256] {
    let mut w = 1;
    while w < 256 {
        let mut r = 0;
        while r < 256 {
            let mut i = r;
            while i < r + w {
                let (a, b) = (d[i], d[i + w]);
                d[i] = (a + b) % 255;
                d[i + w] = (a + 255 - b) % 255;
                i += 1;
            }
            r += 2 * w;
        }
        w <<= 1;
    }
    d
}

const fn make_log_walsh() -> [u8; 256] {
    let log = make_log();
    let mut d = [0u32; 256];
    let mut i = 1;
    while i < 256 {
        d[i] = log[i] as u32 % 255;
        i += 1;
    }
    let d = fwht(d);
    let mut out = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        out[i] = d[i] as u8;
        i += 1;
    }
    out
}

const fn make_mul() -> [[u8; 32]; 256] {
    let log = make_log();
    let exp = make_exp();
    let mut t = [[0u8; 32]; 256];
    let mut l = 0;
    while l < 256 {
        let mut x = 0;
        while x < 16 {
            t[l][x] = mul_log_c(x as u8, l as u8, &log, &exp);
            t[l][16 + x] = mul_log_c((x << 4) as u8, l as u8, &log, &exp);
            x += 1;
        }
        l += 1;
    }
    t
}

// ======================================================================
// Operations - CRATE

/// `a · e` where `log_b` is the log of e (255 counts as log 1, so multiplies by 1).
#[inline]
pub fn mul_log(a: u8, log_b: u8) -> u8 {
    if a == 0 {
        0
    } else {
        EXP[add_mod(LOG[a as usize], log_b) as usize]
    }
}

/// Product of two elements in Cantor coordinates.
pub fn mul(a: u8, b: u8) -> u8 {
    if b == 0 {
        0
    } else {
        mul_log(a, LOG[b as usize])
    }
}
