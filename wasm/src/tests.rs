//! Crate-level tests: every engine against the naive reference, round trips over random erasure
//! sets, and golden vectors that freeze the code's definition.

use crate::codec::{self, Scratch, MATRIX_BYTES, TABLE_BYTES, VERIFY_BYTES};
use crate::engine::Engine;
use crate::Error;

/// xorshift64*: deterministic test data without crates.
pub(crate) struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Buffers {
    tables: Vec<u8>,
    rows: Vec<u8>,
    sub: Vec<u8>,
    inv: Vec<u8>,
    block: Vec<u8>,
}
impl Buffers {
    fn new() -> Buffers {
        Buffers {
            tables: vec![0; TABLE_BYTES],
            rows: vec![0; MATRIX_BYTES],
            sub: vec![0; MATRIX_BYTES],
            inv: vec![0; MATRIX_BYTES],
            block: vec![0; VERIFY_BYTES],
        }
    }
    fn scratch(&mut self) -> Scratch<'_> {
        Scratch {
            tables: &mut self.tables,
            rows: &mut self.rows,
            sub: &mut self.sub,
            inv: &mut self.inv,
            block: &mut self.block,
        }
    }
}

fn ptrs(shards: &mut [Vec<u8>]) -> Vec<*mut u8> {
    shards.iter_mut().map(|s| s.as_mut_ptr()).collect()
}

/// The golden-vector data: byte i of data shard j is `(i·7 + j·13 + (i >> 8)) mod 256`.
/// `wasm/pkg/test/golden.test.ts` builds the same bytes.
pub(crate) fn golden_data(k: usize, m: usize, len: usize) -> Vec<Vec<u8>> {
    (0..k + m)
        .map(|j| {
            (0..len)
                .map(|i| {
                    if j < k {
                        (i * 7 + j * 13 + (i >> 8)) as u8
                    } else {
                        0
                    }
                })
                .collect()
        })
        .collect()
}

fn encoded(engine: Engine, k: usize, m: usize, len: usize, b: &mut Buffers) -> Vec<Vec<u8>> {
    let mut shards = golden_data(k, m, len);
    let p = ptrs(&mut shards);
    unsafe { codec::encode(engine, k, m, &p, len, &mut b.scratch()).unwrap() };
    shards
}

/// SHA-256, for golden hashes (std has none and the crate takes no dependencies).
pub(crate) fn sha256(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for i in 0..8 {
            h[i] = h[i].wrapping_add(v[i]);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha256_matches_a_known_digest() {
    assert_eq!(
        sha256(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn golden_parity_of_a_tiny_stripe() {
    // k = 2, m = 2, data [1, 2] and [3, 4]. Parity row 0 is (1/(2^0), 1/(2^1)) = (1/2, 1/3) =
    // (0x8E, 0xF4); row 1 is (1/(3^0), 1/(3^1)) = (0xF4, 0x8E). By hand in GF(2^8)/0x11D:
    // p0 = (0x8E·1 ^ 0xF4·3, 0x8E·2 ^ 0xF4·4) = (0x8E ^ 0x01, 0x01 ^ 0xF7) = (0x8F, 0xF6)
    // p1 = (0xF4·1 ^ 0x8E·3, 0xF4·2 ^ 0x8E·4) = (0xF4 ^ 0x8F, 0xF5 ^ 0x02) = (0x7B, 0xF7)
    let mut b = Buffers::new();
    let mut shards = vec![vec![1u8, 2], vec![3, 4], vec![0, 0], vec![0, 0]];
    let p = ptrs(&mut shards);
    unsafe { codec::encode(Engine::Simd, 2, 2, &p, 2, &mut b.scratch()).unwrap() };
    assert_eq!(shards[2], vec![0x8F, 0xF6]);
    assert_eq!(shards[3], vec![0x7B, 0xF7]);
}

/// Golden vectors: SHA-256 of all parity shards concatenated, for fixed data. If one of these
/// changes, shards written by an earlier version no longer decode: never update them casually.
const GOLDEN: [(usize, usize, usize, &str); 4] = [
    (
        4,
        2,
        1000,
        "bee676358d0eb45880b6b0ae15fae16417bbde50e17d98df1da3895219fe18c5",
    ),
    (
        10,
        4,
        4096,
        "cd9746a998439810cad2ddde4c2ae14f52e6be9355ce0a1c5d01e6ce0f83d673",
    ),
    (
        32,
        32,
        333,
        "8b678d37df97b90d3c4313d85a4dd8bdff2c62ee6f69652be09e636f013b235a",
    ),
    (
        1,
        1,
        77,
        "aba2c36f3a871717ca743040ca8ced832ca88e89a31fe8494088fc11c39694eb",
    ),
];

#[test]
fn golden_vectors() {
    let mut b = Buffers::new();
    for (k, m, len, want) in GOLDEN {
        for engine in [Engine::Naive, Engine::Simd] {
            let shards = encoded(engine, k, m, len, &mut b);
            let parity: Vec<u8> = shards[k..].concat();
            assert_eq!(sha256(&parity), want, "{k}+{m} len {len} on {engine:?}");
        }
    }
}

#[test]
fn simd_engine_equals_naive_engine() {
    let mut b = Buffers::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..60 {
        let k = 1 + rng.below(40);
        let m = 1 + rng.below(40);
        let len = 1 + rng.below(700);
        let mut a: Vec<Vec<u8>> = (0..k + m)
            .map(|j| {
                (0..len)
                    .map(|_| if j < k { rng.next() as u8 } else { 0 })
                    .collect()
            })
            .collect();
        let mut c = a.clone();
        let (pa, pc) = (ptrs(&mut a), ptrs(&mut c));
        unsafe {
            codec::encode(Engine::Naive, k, m, &pa, len, &mut b.scratch()).unwrap();
            codec::encode(Engine::Simd, k, m, &pc, len, &mut b.scratch()).unwrap();
        }
        assert_eq!(a, c, "{k}+{m} len {len}");
    }
}

#[test]
fn any_k_shards_reconstruct_the_rest() {
    let mut b = Buffers::new();
    let mut rng = Rng(42);
    for round in 0..80 {
        let k = 1 + rng.below(if round % 10 == 0 { 128 } else { 20 });
        let m = 1 + rng.below((256 - k).min(20));
        let len = 1 + rng.below(300);
        let engine = if round % 2 == 0 {
            Engine::Simd
        } else {
            Engine::Naive
        };
        let mut shards: Vec<Vec<u8>> = (0..k + m)
            .map(|j| {
                (0..len)
                    .map(|_| if j < k { rng.next() as u8 } else { 0 })
                    .collect()
            })
            .collect();
        let p = ptrs(&mut shards);
        unsafe { codec::encode(engine, k, m, &p, len, &mut b.scratch()).unwrap() };
        let original = shards.clone();
        // Erase up to m random shards (data and parity alike).
        let lose = rng.below(m + 1);
        let mut present = vec![true; k + m];
        for _ in 0..lose {
            let i = rng.below(k + m);
            present[i] = false;
            shards[i].iter_mut().for_each(|x| *x = 0xAA);
        }
        let p = ptrs(&mut shards);
        let n = unsafe { codec::reconstruct(engine, k, m, &p, &present, len, &mut b.scratch()) };
        assert_eq!(n, Ok(present.iter().filter(|x| !**x).count()));
        assert_eq!(shards, original, "{k}+{m} len {len} lost {present:?}");
        assert_eq!(
            unsafe { codec::verify(engine, k, m, &p, len, &mut b.scratch()) },
            Ok(true)
        );
    }
}

#[test]
fn verify_detects_a_flipped_bit() {
    let mut b = Buffers::new();
    let mut shards = encoded(Engine::Simd, 5, 3, 1000, &mut b);
    shards[6][999] ^= 1;
    let p = ptrs(&mut shards);
    assert_eq!(
        unsafe { codec::verify(Engine::Simd, 5, 3, &p, 1000, &mut b.scratch()) },
        Ok(false)
    );
}

#[test]
fn bad_inputs_are_errors() {
    let mut b = Buffers::new();
    let mut shards = golden_data(3, 2, 64);
    let p = ptrs(&mut shards);
    let s = &mut b.scratch();
    unsafe {
        assert_eq!(
            codec::encode(Engine::Simd, 0, 2, &p, 64, s),
            Err(Error::InvalidParams)
        );
        assert_eq!(
            codec::encode(Engine::Simd, 3, 0, &p, 64, s),
            Err(Error::InvalidParams)
        );
        assert_eq!(
            codec::encode(Engine::Simd, 200, 57, &p, 64, s),
            Err(Error::InvalidParams)
        );
        assert_eq!(
            codec::encode(Engine::Simd, 3, 2, &p, 0, s),
            Err(Error::ShardSize)
        );
        let present = [true, false, false, true, false];
        assert_eq!(
            codec::reconstruct(Engine::Simd, 3, 2, &p, &present, 64, s),
            Err(Error::TooFewShards)
        );
        let mut overlapping = p.clone();
        overlapping[4] = overlapping[0].add(10);
        assert_eq!(
            codec::encode(Engine::Simd, 3, 2, &overlapping, 64, s),
            Err(Error::Overlap)
        );
    }
}
