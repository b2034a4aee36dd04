/**
 * The zero-copy API: a `Codec` owns one stripe of k + m shards inside WebAssembly memory. Callers
 * fill data shards through `shard(i)` views and read parity (or rebuilt shards) the same way, so
 * no byte is copied in or out.
 *
 * Views and memory growth: growing WebAssembly memory detaches every view taken before, and a
 * write to a detached view is silently lost. Memory only grows when a codec is created, so views
 * taken after the last `new Codec` stay valid across encode/reconstruct/verify. `shard(i)` always
 * builds a view on the current buffer, and `valid(view)` tells whether an older one still is.
 */
import { CODES, ENGINES, type CodeName, type EngineName, type RawExports } from './abi.js';
import { ErasureError, checkWasm } from './errors.js';
import { defaultModule, type ErasureModule } from './module.js';

/** Largest k + m: GF(2^8) has 256 evaluation points. */
export const MAX_SHARDS = 256;

/** Options of a codec. */
export interface CodecOptions {
  /** Module to allocate in; defaults to the shared per-thread module. */
  module?: ErasureModule;
  /** `simd` (default) or `naive`, the scalar reference used in differential tests. */
  engine?: EngineName;
  /**
   * `cauchy` (default) or `fft8` (the additive-FFT code, for wide stripes). The two are different
   * codes: shards must be reconstructed and verified with the code that encoded them.
   */
  code?: CodeName;
}

/** The `fft8` code pads the parity count to a power of two, which must fit beside the data. */
function fftSlots(m: number): number {
  return 2 ** Math.ceil(Math.log2(m));
}

/**
 * Throws `ERR_ERASURE_INVALID_PARAMS` unless 1 ≤ k, 1 ≤ m, k + m ≤ 256 (integers) and, for the
 * `fft8` code, k + (m rounded up to a power of two) ≤ 256.
 */
export function checkParams(k: number, m: number, code: CodeName = 'cauchy'): void {
  if (!Number.isInteger(k) || !Number.isInteger(m) || k < 1 || m < 1 || k + m > MAX_SHARDS) {
    throw new ErasureError(
      'ERR_ERASURE_INVALID_PARAMS',
      `need integers k ≥ 1, m ≥ 1, k + m ≤ ${MAX_SHARDS}; got k=${k}, m=${m}`
    );
  }
  if (!CODES.includes(code)) {
    throw new ErasureError('ERR_ERASURE_INVALID_PARAMS', `unknown code ${String(code)}`);
  }
  if (code === 'fft8' && k + fftSlots(m) > MAX_SHARDS) {
    throw new ErasureError(
      'ERR_ERASURE_INVALID_PARAMS',
      `fft8 needs k + ${fftSlots(m)} (m rounded up to a power of two) ≤ ${MAX_SHARDS}; got k=${k}`
    );
  }
}

type Ops = Pick<RawExports, 'bd_rs_encode' | 'bd_rs_reconstruct' | 'bd_rs_verify'>;

/** The exports of one code, under the Cauchy code's names (the signatures are the same). */
function opsOf(x: RawExports, code: CodeName): Ops {
  if (code === 'cauchy') return x;
  return {
    bd_rs_encode: x.bd_fft_encode,
    bd_rs_reconstruct: x.bd_fft_reconstruct,
    bd_rs_verify: x.bd_fft_verify
  };
}

/** Throws `ERR_ERASURE_SHARD_SIZE` unless the size is a positive integer below 2 GiB. */
export function checkShardSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > 2 ** 31 - 1) {
    throw new ErasureError('ERR_ERASURE_SHARD_SIZE', `bad shard size ${size}`);
  }
}

/** One stripe of `k` data and `m` parity shards of `shardSize` bytes in WebAssembly memory. */
export class Codec {
  readonly n: number;
  readonly code: CodeName;
  private readonly ops: Ops;
  private readonly mod: ErasureModule;
  private readonly engine: number;
  private readonly stride: number;
  private readonly region: number;
  private readonly bytes: number;
  private readonly ptrs: number;
  private readonly present: number;
  private readonly first: number;
  private disposed = false;

  constructor(
    readonly k: number,
    readonly m: number,
    readonly shardSize: number,
    opts: CodecOptions = {}
  ) {
    this.code = opts.code ?? 'cauchy';
    checkParams(k, m, this.code);
    checkShardSize(shardSize);
    this.n = k + m;
    this.mod = opts.module ?? defaultModule();
    this.ops = opsOf(this.mod.exports, this.code);
    this.engine = ENGINES[opts.engine ?? 'simd'];
    this.stride = Math.ceil(shardSize / 64) * 64;
    const header = Math.ceil((this.n * 5) / 64) * 64;
    this.bytes = header + this.n * this.stride;
    this.region = this.mod.alloc(this.bytes);
    this.ptrs = this.region;
    this.present = this.region + this.n * 4;
    this.first = this.region + header;
    const table = new DataView(this.mod.buffer, this.ptrs, this.n * 4);
    for (let i = 0; i < this.n; i++) table.setUint32(i * 4, this.first + i * this.stride, true);
  }

  /** A view of shard `i` (data for i < k, parity after) on the current memory buffer. */
  shard(i: number): Uint8Array {
    this.live();
    if (!Number.isInteger(i) || i < 0 || i >= this.n) {
      throw new ErasureError('ERR_ERASURE_SHARD_INDEX', `shard index ${i} not in 0..${this.n - 1}`);
    }
    return new Uint8Array(this.mod.buffer, this.first + i * this.stride, this.shardSize);
  }

  /** Views of all k + m shards. */
  shards(): Uint8Array[] {
    return Array.from({ length: this.n }, (_, i) => this.shard(i));
  }

  /** False when `view` was taken before memory grew (it is detached; take a new one). */
  valid(view: Uint8Array): boolean {
    return view.buffer === this.mod.buffer;
  }

  /** Computes the m parity shards from the k data shards. */
  encode(): void {
    this.live();
    const x = this.ops;
    checkWasm(x.bd_rs_encode(this.engine, this.k, this.m, this.ptrs, this.shardSize), 'encode');
  }

  /**
   * Rebuilds the shards listed in `missing` (data or parity indices) from the others; needs at
   * least k present. Returns how many shards were rebuilt.
   */
  reconstruct(missing: Iterable<number>): number {
    this.live();
    const flags = new Uint8Array(this.mod.buffer, this.present, this.n).fill(1);
    let lost = 0;
    for (const i of missing) {
      if (!Number.isInteger(i) || i < 0 || i >= this.n) {
        throw new ErasureError(
          'ERR_ERASURE_SHARD_INDEX',
          `shard index ${i} not in 0..${this.n - 1}`
        );
      }
      if (flags[i]) lost++;
      flags[i] = 0;
    }
    if (this.n - lost < this.k) {
      throw new ErasureError(
        'ERR_ERASURE_TOO_FEW_SHARDS',
        `${this.n - lost} shards present, ${this.k} needed`
      );
    }
    const x = this.ops;
    const r = x.bd_rs_reconstruct(
      this.engine,
      this.k,
      this.m,
      this.ptrs,
      this.present,
      this.shardSize
    );
    return checkWasm(r, 'reconstruct');
  }

  /** True when the parity shards are exactly those the data shards encode to. */
  verify(): boolean {
    this.live();
    const x = this.ops;
    return (
      checkWasm(
        x.bd_rs_verify(this.engine, this.k, this.m, this.ptrs, this.shardSize),
        'verify'
      ) === 1
    );
  }

  /** Frees the stripe's memory for reuse; the codec and its views must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mod.release(this.region, this.bytes);
  }

  private live(): void {
    if (this.disposed) throw new ErasureError('ERR_ERASURE_DISPOSED', 'codec was disposed');
  }
}
