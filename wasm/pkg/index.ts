/**
 * BitDust erasure coding: a systematic MDS Reed-Solomon code over GF(2^8) in WebAssembly SIMD.
 * See docs/erasure.md for the code's definition, the ABI and the stability guarantees.
 *
 * - `Codec`: zero-copy stripes in WebAssembly memory (fill `shard(i)`, call `encode()`).
 * - `encode` / `reconstruct` / `verify`: the same on caller-owned buffers, with copies.
 * - `ErasurePool`: the copying API on worker threads, for many blocks in parallel.
 * - `eccProfile(suppliers)`: the k + m for a supplier count.
 * - `code: 'fft8'` (a `Codec` option): the additive-FFT code for wide stripes (docs/erasure.md).
 */
export { Codec, MAX_SHARDS, checkParams, checkShardSize, type CodecOptions } from './codec.js';
export { encode, reconstruct, verify } from './copy.js';
export { ErasureError, type ErasureErrorCode } from './errors.js';
export { ErasureModule, defaultModule, hasSimd, hasRelaxedSimd } from './module.js';
export { ErasurePool } from './pool.js';
export { ECC_PROFILES, SUPPLIER_COUNTS, eccProfile, type EccProfile } from './profiles.js';
export { CODES, type CodeName, type EngineName } from './abi.js';
