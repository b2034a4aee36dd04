/**
 * Types of the raw .wasm exports (wasm/src/abi.rs). Addresses are byte offsets into `memory`.
 * Engines: 0 = naive scalar reference, 1 = SIMD128. Negative results are `Error` codes.
 * `bd_rs_*` run the Cauchy code, `bd_fft_*` the `fft8` code (same arguments, same conventions).
 */
export interface RawExports {
  readonly memory: WebAssembly.Memory;
  bd_rs_abi_version(): number;
  bd_rs_heap_base(): number;
  bd_rs_encode(engine: number, k: number, m: number, ptrs: number, len: number): number;
  bd_rs_reconstruct(
    engine: number,
    k: number,
    m: number,
    ptrs: number,
    present: number,
    len: number
  ): number;
  bd_rs_verify(engine: number, k: number, m: number, ptrs: number, len: number): number;
  bd_fft_encode(engine: number, k: number, m: number, ptrs: number, len: number): number;
  bd_fft_reconstruct(
    engine: number,
    k: number,
    m: number,
    ptrs: number,
    present: number,
    len: number
  ): number;
  bd_fft_verify(engine: number, k: number, m: number, ptrs: number, len: number): number;
}

/** The ABI revision this loader speaks. */
export const ABI_VERSION = 1;

/** Engine numbers of the ABI. */
export const ENGINES = { naive: 0, simd: 1 } as const;

/** Which engine computes: the SIMD kernel (default) or the scalar reference. */
export type EngineName = keyof typeof ENGINES;

/**
 * The codes. `cauchy` (default): the Cauchy Reed-Solomon code of docs/erasure.md, any k + m ≤ 256.
 * `fft8`: the additive-FFT Reed-Solomon code (Leopard-style), cheaper for wide stripes; its shards
 * are NOT interchangeable with Cauchy shards, so data must be decoded with the code it was
 * encoded with.
 */
export const CODES = ['cauchy', 'fft8'] as const;

/** Which erasure code a codec runs. */
export type CodeName = (typeof CODES)[number];
