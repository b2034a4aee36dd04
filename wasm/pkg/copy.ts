/**
 * The copying API, for callers who hold shards in their own buffers and do not mind two copies
 * (in and out, about a fifth of the coding time at 10+4). Every call validates its arguments and
 * throws only `ErasureError`.
 */
import { Codec, checkParams, type CodecOptions } from './codec.js';
import { ErasureError } from './errors.js';

function shardLength(shards: readonly (Uint8Array | null | undefined)[]): number {
  let size = -1;
  for (const [i, s] of shards.entries()) {
    if (s === null || s === undefined) continue;
    if (!(s instanceof Uint8Array)) {
      throw new ErasureError('ERR_ERASURE_INVALID_PARAMS', `shard ${i} is not a Uint8Array`);
    }
    if (size >= 0 && s.length !== size) {
      throw new ErasureError(
        'ERR_ERASURE_SHARD_SIZE',
        `shard ${i} has ${s.length} bytes, not ${size}`
      );
    }
    size = s.length;
  }
  if (size === 0) throw new ErasureError('ERR_ERASURE_SHARD_SIZE', 'shards are empty');
  return size;
}

function withCodec<T>(
  k: number,
  m: number,
  size: number,
  opts: CodecOptions,
  f: (c: Codec) => T
): T {
  const codec = new Codec(k, m, size, opts);
  try {
    return f(codec);
  } finally {
    codec.dispose();
  }
}

/** Returns the `m` parity shards of the equal-length data shards `data`. */
export function encode(
  data: readonly Uint8Array[],
  m: number,
  opts: CodecOptions = {}
): Uint8Array[] {
  if (!Array.isArray(data))
    throw new ErasureError('ERR_ERASURE_INVALID_PARAMS', 'data must be an array');
  checkParams(data.length, m);
  if (data.some((d) => d === null || d === undefined)) {
    throw new ErasureError('ERR_ERASURE_INVALID_PARAMS', 'every data shard is needed to encode');
  }
  const size = shardLength(data);
  return withCodec(data.length, m, size, opts, (c) => {
    data.forEach((d, i) => c.shard(i).set(d));
    c.encode();
    return Array.from({ length: m }, (_, i) => c.shard(data.length + i).slice());
  });
}

/**
 * Given all k + m shard slots with missing ones `null`, returns all k + m shards (fresh copies),
 * the missing ones rebuilt. `k` is the number of data shards.
 */
export function reconstruct(
  shards: readonly (Uint8Array | null | undefined)[],
  k: number,
  opts: CodecOptions = {}
): Uint8Array[] {
  if (!Array.isArray(shards)) {
    throw new ErasureError('ERR_ERASURE_INVALID_PARAMS', 'shards must be an array');
  }
  checkParams(k, shards.length - k);
  const present = shards.filter((s) => s !== null && s !== undefined).length;
  if (present < k) {
    throw new ErasureError('ERR_ERASURE_TOO_FEW_SHARDS', `${present} shards present, ${k} needed`);
  }
  const size = shardLength(shards);
  return withCodec(k, shards.length - k, size, opts, (c) => {
    const missing: number[] = [];
    shards.forEach((s, i) => (s ? c.shard(i).set(s) : missing.push(i)));
    c.reconstruct(missing);
    return c.shards().map((v) => v.slice());
  });
}

/** True when the parity shards (`shards[k..]`) match the data shards (`shards[..k]`). */
export function verify(shards: readonly Uint8Array[], k: number, opts: CodecOptions = {}): boolean {
  if (!Array.isArray(shards)) {
    throw new ErasureError('ERR_ERASURE_INVALID_PARAMS', 'shards must be an array');
  }
  checkParams(k, shards.length - k);
  if (shards.some((s) => s === null || s === undefined)) {
    throw new ErasureError('ERR_ERASURE_TOO_FEW_SHARDS', 'verify needs every shard');
  }
  const size = shardLength(shards);
  return withCodec(k, shards.length - k, size, opts, (c) => {
    shards.forEach((s, i) => c.shard(i).set(s));
    return c.verify();
  });
}
