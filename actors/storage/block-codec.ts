/**
 * Block compression, applied to a block's plaintext before it is sealed (block-crypto.ts), so
 * suppliers store, and the network carries, fewer bytes for text, zeros and other redundant data.
 *
 * `auto` (the default) deflates a block (raw deflate, level 1: 2+ GB/s on redundant data here)
 * only when a sample of it compresses; incompressible data (media, archives, encrypted files)
 * costs the sample and nothing more, because deflate on random bytes is ~30× slower than on
 * redundant ones. A block whose deflated form saves less than 1/16 is stored as it is. `off`
 * stores every block as it is.
 *
 * Decompression is capped: a block never inflates past the size its catalog record (or the
 * caller) allows, so a hostile or corrupt body cannot exhaust memory.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { StorageError } from './errors.js';

/** How blocks are compressed before sealing. */
export type Compression = 'auto' | 'off';
export const COMPRESSION_MODES: readonly Compression[] = ['auto', 'off'];

/** How a sealed body is coded (the byte after the format byte, bound by the seal). */
export const CODEC_STORED = 0;
export const CODEC_DEFLATE = 1;

/** Below this a block is stored as it is: deflate's gain cannot pay for its header. */
const MIN_BYTES = 256;
/** Sample slices taken at the start, the middle and the end of a block. */
const SAMPLE_BYTES = 4096;
/** A sample must shrink below this fraction for the whole block to be deflated. */
const SAMPLE_RATIO = 0.9;
/** A deflated block must save at least 1/16 of its size to be kept. */
const KEEP_RATIO = 15 / 16;

/** The coded body of a block: its codec and bytes. */
export interface PackedBlock {
  readonly codec: number;
  readonly body: Uint8Array;
}

/**
 * Whether a sample of `plain` (three slices) deflates enough to try the whole block. A block no
 * larger than the sample is deflated whole: that is the sample, and its result when it pays.
 */
function sample(plain: Uint8Array): { compresses: boolean; whole?: Uint8Array } {
  if (plain.length <= 3 * SAMPLE_BYTES) {
    const whole = deflateRawSync(plain, { level: 1 });
    return { compresses: whole.length < plain.length * SAMPLE_RATIO, whole };
  }
  const mid = (plain.length >> 1) - (SAMPLE_BYTES >> 1);
  let sampled = 0;
  for (const at of [0, mid, plain.length - SAMPLE_BYTES]) {
    sampled += deflateRawSync(plain.subarray(at, at + SAMPLE_BYTES), { level: 1 }).length;
  }
  return { compresses: sampled < 3 * SAMPLE_BYTES * SAMPLE_RATIO };
}

/** Codes a block's plaintext for sealing. */
export function packBlock(plain: Uint8Array, mode: Compression = 'auto'): PackedBlock {
  if (mode !== 'auto' && mode !== 'off') {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `unknown compression ${String(mode)}`);
  }
  if (mode === 'off' || plain.length < MIN_BYTES) return { codec: CODEC_STORED, body: plain };
  const { compresses, whole } = sample(plain);
  if (!compresses) return { codec: CODEC_STORED, body: plain };
  const deflated = whole ?? deflateRawSync(plain, { level: 1 });
  if (deflated.length > plain.length * KEEP_RATIO) return { codec: CODEC_STORED, body: plain };
  return { codec: CODEC_DEFLATE, body: deflated };
}

/**
 * The plaintext of a coded body, at most `maxBytes` long. An unknown codec, a body that does not
 * inflate or one that inflates past `maxBytes` is ERR_STORAGE_FORMAT.
 */
export function unpackBlock(codec: number, body: Uint8Array, maxBytes: number): Uint8Array {
  if (codec === CODEC_STORED) return body;
  if (codec !== CODEC_DEFLATE) {
    throw new StorageError('ERR_STORAGE_FORMAT', `unknown block codec ${codec}`);
  }
  try {
    const out = inflateRawSync(body, { maxOutputLength: Math.max(1, maxBytes) });
    if (out.length > maxBytes) throw new RangeError(`inflates past ${maxBytes} bytes`);
    // Small results come from Buffer's shared pool: copy them, so the block owns its memory
    // (and can be moved to another thread).
    const whole = out.byteOffset === 0 && out.buffer.byteLength === out.length;
    return whole ? new Uint8Array(out.buffer, 0, out.length) : new Uint8Array(out);
  } catch (cause) {
    throw new StorageError('ERR_STORAGE_FORMAT', 'compressed block does not inflate', { cause });
  }
}
