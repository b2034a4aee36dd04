//! Tests of the `fft8` code: the field against `gf.rs`, the encoder against the code's algebraic
//! definition, SIMD against the scalar engine, round trips over random and exhaustive erasure
//! sets, golden vectors, and errors.

use super::field::{self, EXP, LOG, TO_POWER};
use super::{encode, reconstruct, shape, verify, WORK_BYTES};
use crate::engine::Engine;
use crate::gf;
use crate::tests::{golden_data, sha256, Rng};
use crate::Error;

fn ptrs(shards: &mut [Vec<u8>]) -> Vec<*mut u8> {
    shards.iter_mut().map(|s| s.as_mut_ptr()).collect()
}

fn random_stripe(rng: &mut Rng, k: usize, m: usize, len: usize) -> Vec<Vec<u8>> {
    (0..k + m)
        .map(|j| {
            (0..len)
                .map(|_| if j < k { rng.next() as u8 } else { 0 })
                .collect()
        })
        .collect()
}

fn encoded(e: Engine, mut shards: Vec<Vec<u8>>, k: usize, m: usize) -> Vec<Vec<u8>> {
    let mut work = vec![0u8; WORK_BYTES];
    let len = shards[0].len();
    let p = ptrs(&mut shards);
    unsafe { encode(e, k, m, &p, len, &mut work).unwrap() };
    shards
}

#[test]
fn cantor_field_is_gf256_in_other_coordinates() {
    // TO_POWER is a linear bijection; multiplication through it must match gf::mul.
    let mut seen = [false; 256];
    for x in 0..256 {
        assert!(!seen[TO_POWER[x] as usize]);
        seen[TO_POWER[x] as usize] = true;
    }
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let want = gf::mul(TO_POWER[a as usize], TO_POWER[b as usize]);
            assert_eq!(TO_POWER[field::mul(a, b) as usize], want, "{a}·{b}");
        }
    }
    for x in 1..256 {
        assert_eq!(EXP[LOG[x] as usize] as usize, x);
    }
}

#[test]
fn nibble_tables_match_the_scalar_product() {
    for l in 0..=255u8 {
        for x in 0..=255u8 {
            let t = &field::MUL[l as usize];
            assert_eq!(
                t[(x & 15) as usize] ^ t[16 + (x >> 4) as usize],
                field::mul_log(x, l)
            );
        }
    }
}

/// The code's definition, checked without the FFT: with m' = m a power of two, the codeword c
/// (n positions, zeros after the data) satisfies Σ_i c_i·ω_i^j = 0 for every j < m', i.e. it is
/// the evaluation of a polynomial of degree < n − m' on the additive subgroup {ω_0..ω_(n-1)}.
#[test]
fn codewords_satisfy_the_parity_checks() {
    let mut rng = Rng(7);
    for &(k, m) in &[
        (1, 1),
        (3, 4),
        (10, 4),
        (5, 8),
        (32, 32),
        (40, 8),
        (100, 16),
        (64, 64),
    ] {
        let s = shape(k, m).unwrap();
        let shards = encoded(Engine::Naive, random_stripe(&mut rng, k, m, 3), k, m);
        for col in 0..3 {
            let mut c = vec![0u8; s.n];
            for i in 0..m {
                c[i] = shards[k + i][col];
            }
            for j in 0..k {
                c[s.slots + j] = shards[j][col];
            }
            for j in 0..s.slots {
                let mut sum = 0u8;
                for (i, &ci) in c.iter().enumerate() {
                    let mut pw = 1u8;
                    for _ in 0..j {
                        pw = field::mul(pw, i as u8);
                    }
                    sum ^= field::mul(ci, pw);
                }
                assert_eq!(sum, 0, "{k}+{m} column {col} check {j}");
            }
        }
    }
}

#[test]
fn fewer_parity_shards_are_a_prefix_of_the_full_slot_set() {
    let mut rng = Rng(11);
    let data = random_stripe(&mut rng, 12, 8, 100);
    let full = encoded(Engine::Simd, data.clone(), 12, 8);
    for m in 5..8 {
        let part = encoded(Engine::Simd, data[..12 + m].to_vec(), 12, m);
        assert_eq!(part[12..], full[12..12 + m], "m = {m}");
    }
}

#[test]
fn simd_engine_equals_naive_engine() {
    let mut rng = Rng(0xF00D);
    let mut work = vec![0u8; WORK_BYTES];
    for round in 0..60 {
        let k = 1 + rng.below(if round % 6 == 0 { 150 } else { 40 });
        let m = 1 + rng.below((256 - k).min(40));
        if shape(k, m).is_err() {
            continue;
        }
        let len = 1 + rng.below(if round % 5 == 0 { 5000 } else { 400 });
        let a = encoded(Engine::Naive, random_stripe(&mut rng, k, m, len), k, m);
        let b = encoded(Engine::Simd, a.iter().map(|s| s.clone()).collect(), k, m);
        assert_eq!(a, b, "encode {k}+{m} len {len}");
        let mut present = vec![true; k + m];
        for _ in 0..rng.below(m + 1) {
            present[rng.below(k + m)] = false;
        }
        let (mut x, mut y) = (a.clone(), a.clone());
        for (i, p) in present.iter().enumerate() {
            if !p {
                x[i].fill(0x11);
                y[i].fill(0x22);
            }
        }
        let (px, py) = (ptrs(&mut x), ptrs(&mut y));
        unsafe {
            reconstruct(Engine::Naive, k, m, &px, &present, len, &mut work).unwrap();
            reconstruct(Engine::Simd, k, m, &py, &present, len, &mut work).unwrap();
        }
        assert_eq!(x, a, "naive rebuild {k}+{m} len {len}");
        assert_eq!(y, a, "simd rebuild {k}+{m} len {len}");
    }
}

fn round_trip(e: Engine, k: usize, m: usize, len: usize, present: &[bool], rng: &mut Rng) {
    let mut work = vec![0u8; WORK_BYTES];
    let original = encoded(e, random_stripe(rng, k, m, len), k, m);
    let mut shards = original.clone();
    for (i, p) in present.iter().enumerate() {
        if !p {
            shards[i].fill(0xAA);
        }
    }
    let p = ptrs(&mut shards);
    let n = unsafe { reconstruct(e, k, m, &p, present, len, &mut work) };
    assert_eq!(n, Ok(present.iter().filter(|x| !**x).count()));
    assert_eq!(shards, original, "{k}+{m} len {len} present {present:?}");
    assert_eq!(unsafe { verify(e, k, m, &p, len, &mut work) }, Ok(true));
}

#[test]
fn every_erasure_set_of_small_stripes_reconstructs() {
    let mut rng = Rng(3);
    for n in 2..=7usize {
        for k in 1..n {
            let m = n - k;
            for mask in 0u32..(1 << n) {
                if (mask.count_ones() as usize) <= m {
                    let present: Vec<bool> = (0..n).map(|i| mask & (1 << i) == 0).collect();
                    round_trip(Engine::Simd, k, m, 33, &present, &mut rng);
                }
            }
        }
    }
}

#[test]
fn random_erasures_of_wide_stripes_reconstruct() {
    let mut rng = Rng(99);
    let shapes = [
        (32, 32),
        (10, 4),
        (128, 128),
        (255, 1),
        (200, 32),
        (1, 128),
        (100, 28),
    ];
    for (round, &(k, m)) in shapes.iter().cycle().take(28).enumerate() {
        let mut present = vec![true; k + m];
        let lose = if round % 2 == 0 { m } else { rng.below(m + 1) };
        let mut lost = 0;
        while lost < lose {
            let i = rng.below(k + m);
            lost += present[i] as usize;
            present[i] = false;
        }
        let e = if round % 3 == 0 {
            Engine::Naive
        } else {
            Engine::Simd
        };
        round_trip(e, k, m, 1 + rng.below(700), &present, &mut rng);
    }
}

#[test]
fn verify_detects_a_flipped_bit() {
    let mut work = vec![0u8; WORK_BYTES];
    let mut shards = encoded(Engine::Simd, golden_data(5, 3, 1000), 5, 3);
    shards[6][999] ^= 1;
    let p = ptrs(&mut shards);
    assert_eq!(
        unsafe { verify(Engine::Simd, 5, 3, &p, 1000, &mut work) },
        Ok(false)
    );
}

/// Golden vectors of the `fft8` code: SHA-256 of the parity shards for the data of
/// `tests::golden_data`. If one changes, fft8 shards written earlier no longer decode.
const GOLDEN: [(usize, usize, usize, &str); 6] = [
    (
        4,
        2,
        1000,
        "a2984357d38bd9d4a54bd4c7de7777c607f46cbb75a3aac8fcd4d1c0eef760ba",
    ),
    (
        10,
        4,
        4096,
        "2cbee3f0f1fc6c5856ef008b00197e018b936ec19a74f41166cbe3ce1c535752",
    ),
    (
        32,
        32,
        333,
        "0dc2bc55d9702fe2a3a84e3a5b32b4e84096e0d259f4be84a836df8f58d844f6",
    ),
    (
        1,
        1,
        77,
        "aba2c36f3a871717ca743040ca8ced832ca88e89a31fe8494088fc11c39694eb",
    ),
    (
        100,
        28,
        257,
        "716ed35f030044288e25204056b2f7e5a4927f84a53b203539033e568943e8a9",
    ),
    (
        3,
        5,
        40,
        "46b6e354c3b144d9d1ca28ce5ab003ace7b6a712f532f91d59030ab7ae4d64da",
    ),
];

#[test]
fn golden_vectors() {
    for (k, m, len, want) in GOLDEN {
        for e in [Engine::Naive, Engine::Simd] {
            let shards = encoded(e, golden_data(k, m, len), k, m);
            let got = sha256(&shards[k..].concat());
            assert_eq!(got, want, "{k}+{m} len {len} on {e:?}");
        }
    }
}

#[test]
fn golden_parity_of_a_tiny_stripe() {
    let shards = encoded(
        Engine::Simd,
        vec![vec![1, 2], vec![3, 4], vec![0, 0], vec![0, 0]],
        2,
        2,
    );
    // n = 4 points, parity at ω_0 = 0 and ω_1 = 1, data at ω_2 and ω_3; the checks are
    // p0 + p1 + d0 + d1 = 0 and p1·ω_1 + d0·ω_2 + d1·ω_3 = 0. Column 0 by hand: ω_3² = ω_2
    // (Cantor basis: b_1² = b_1 + 1), so p1 = 1·2 + 3·3 = 2 + 2 = 0 and p0 = 1 + 3 + 0 = 2.
    assert_eq!(shards[2..], [vec![2u8, 11], vec![0u8, 13]]);
}

#[test]
fn bad_inputs_are_errors() {
    let mut work = vec![0u8; WORK_BYTES];
    let mut shards = golden_data(3, 2, 64);
    let p = ptrs(&mut shards);
    let w = &mut work;
    unsafe {
        assert_eq!(
            encode(Engine::Simd, 0, 2, &p, 64, w),
            Err(Error::InvalidParams)
        );
        assert_eq!(
            encode(Engine::Simd, 3, 0, &p, 64, w),
            Err(Error::InvalidParams)
        );
        assert_eq!(shape(200, 40), Err(Error::InvalidParams));
        assert_eq!(shape(1, 255), Err(Error::InvalidParams));
        assert!(shape(128, 128).is_ok() && shape(255, 1).is_ok());
        assert_eq!(encode(Engine::Simd, 3, 2, &p, 0, w), Err(Error::ShardSize));
        let present = [true, false, false, true, false];
        assert_eq!(
            reconstruct(Engine::Simd, 3, 2, &p, &present, 64, w),
            Err(Error::TooFewShards)
        );
        let mut overlapping = p.clone();
        overlapping[4] = overlapping[0].add(10);
        assert_eq!(
            encode(Engine::Simd, 3, 2, &overlapping, 64, w),
            Err(Error::Overlap)
        );
    }
}
