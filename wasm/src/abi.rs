//! The `extern "C"` ABI of the .wasm. Every function validates what it is given — parameters,
//! that every byte it touches lies in linear memory above the heap base, that written shards
//! overlap nothing — and returns a negative `Error` code instead of trapping.
//!
//! Shards are passed as a table of `k + m` little-endian u32 addresses at `ptrs`.

use crate::codec::{self, Scratch, MATRIX_BYTES, TABLE_BYTES, VERIFY_BYTES};
use crate::engine::Engine;
use crate::{check_params, Error, MAX_SHARDS};
use core::arch::wasm32;

// Single-threaded per instance, so one static scratch suffices; only `with_scratch` touches it.
static mut TABLES: [u8; TABLE_BYTES] = [0; TABLE_BYTES];
static mut ROWS: [u8; MATRIX_BYTES] = [0; MATRIX_BYTES];
static mut SUB: [u8; MATRIX_BYTES] = [0; MATRIX_BYTES];
static mut INV: [u8; MATRIX_BYTES] = [0; MATRIX_BYTES];
static mut BLOCK: [u8; VERIFY_BYTES] = [0; VERIFY_BYTES];

extern "C" {
    // Defined by the linker: the first address after the stack and static data.
    static __heap_base: u8;
}

fn heap_base() -> usize {
    // SAFETY: only the symbol's address is taken.
    unsafe { &__heap_base as *const u8 as usize }
}

fn memory_bytes() -> usize {
    wasm32::memory_size(0) * 65536
}

/// Checks that `[addr, addr + len)` is heap memory.
pub(crate) fn in_heap(addr: usize, len: usize) -> Result<(), Error> {
    match addr.checked_add(len) {
        Some(end) if addr >= heap_base() && end <= memory_bytes() => Ok(()),
        _ => Err(Error::OutOfBounds),
    }
}

/// Validates the call and reads the shard table into `out`.
pub(crate) fn shard_table(
    engine: u32,
    k: u32,
    m: u32,
    ptrs: u32,
    len: u32,
    out: &mut [*mut u8; MAX_SHARDS],
) -> Result<(Engine, usize, usize), Error> {
    let engine = Engine::from_abi(engine).ok_or(Error::InvalidParams)?;
    let (k, m) = (k as usize, m as usize);
    check_params(k, m)?;
    if len == 0 {
        return Err(Error::ShardSize);
    }
    in_heap(ptrs as usize, (k + m) * 4)?;
    for (i, slot) in out.iter_mut().enumerate().take(k + m) {
        // SAFETY: the table was just checked to lie in memory; wasm loads need no alignment.
        let addr = unsafe { core::ptr::read_unaligned((ptrs as usize + i * 4) as *const u32) };
        in_heap(addr as usize, len as usize)?;
        *slot = addr as usize as *mut u8;
    }
    Ok((engine, k, m))
}

fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    // SAFETY: wasm32 without threads runs one call at a time and nothing else touches the statics.
    unsafe {
        let mut s = Scratch {
            tables: &mut *core::ptr::addr_of_mut!(TABLES),
            rows: &mut *core::ptr::addr_of_mut!(ROWS),
            sub: &mut *core::ptr::addr_of_mut!(SUB),
            inv: &mut *core::ptr::addr_of_mut!(INV),
            block: &mut *core::ptr::addr_of_mut!(BLOCK),
        };
        f(&mut s)
    }
}

pub(crate) fn code(r: Result<i32, Error>) -> i32 {
    match r {
        Ok(v) => v,
        Err(e) => e as i32,
    }
}

/// One export over a shard table: validates the call, runs `op` on the checked engine, `k`, `m`
/// and shard addresses, and returns its value or the negative `Error`. Both codes' exports go
/// through here, so their checks cannot drift apart.
pub(crate) fn over_shards(
    engine: u32,
    k: u32,
    m: u32,
    ptrs: u32,
    len: u32,
    op: impl FnOnce(Engine, usize, usize, &[*mut u8; MAX_SHARDS]) -> Result<i32, Error>,
) -> i32 {
    let mut shards = [core::ptr::null_mut(); MAX_SHARDS];
    code(
        shard_table(engine, k, m, ptrs, len, &mut shards)
            .and_then(|(e, k, m)| op(e, k, m, &shards)),
    )
}

/// Reads the `n`-byte presence table at `present` (0 = lost, anything else = present).
pub(crate) fn presence(present: u32, n: usize) -> Result<[bool; MAX_SHARDS], Error> {
    in_heap(present as usize, n)?;
    let mut flags = [false; MAX_SHARDS];
    for (i, f) in flags.iter_mut().enumerate().take(n) {
        // SAFETY: the presence table was just checked to lie in memory.
        *f = unsafe { *((present as usize + i) as *const u8) } != 0;
    }
    Ok(flags)
}

/// ABI revision; bumped on any incompatible change to these signatures.
#[no_mangle]
pub extern "C" fn bd_rs_abi_version() -> u32 {
    1
}

/// First address the caller may use for shards (everything below is stack and statics).
#[no_mangle]
pub extern "C" fn bd_rs_heap_base() -> u32 {
    heap_base() as u32
}

/// Encodes parity. Returns 0 or a negative `Error`.
#[no_mangle]
pub extern "C" fn bd_rs_encode(engine: u32, k: u32, m: u32, ptrs: u32, len: u32) -> i32 {
    over_shards(engine, k, m, ptrs, len, |e, k, m, shards| {
        // SAFETY: every shard was checked to lie in memory.
        with_scratch(|s| unsafe { codec::encode(e, k, m, shards, len as usize, s) }).map(|_| 0)
    })
}

/// Rebuilds every shard whose byte in the `k + m`-byte table at `present` is 0. Returns how many
/// shards were rebuilt, or a negative `Error`.
#[no_mangle]
pub extern "C" fn bd_rs_reconstruct(
    engine: u32,
    k: u32,
    m: u32,
    ptrs: u32,
    present: u32,
    len: u32,
) -> i32 {
    over_shards(engine, k, m, ptrs, len, |e, k, m, shards| {
        let flags = presence(present, k + m)?;
        // SAFETY: every shard was checked to lie in memory.
        with_scratch(|s| unsafe { codec::reconstruct(e, k, m, shards, &flags, len as usize, s) })
            .map(|n| n as i32)
    })
}

/// Returns 1 if the parity matches the data, 0 if not, or a negative `Error`.
#[no_mangle]
pub extern "C" fn bd_rs_verify(engine: u32, k: u32, m: u32, ptrs: u32, len: u32) -> i32 {
    over_shards(engine, k, m, ptrs, len, |e, k, m, shards| {
        // SAFETY: every shard was checked to lie in memory.
        with_scratch(|s| unsafe { codec::verify(e, k, m, shards, len as usize, s) })
            .map(|ok| ok as i32)
    })
}
