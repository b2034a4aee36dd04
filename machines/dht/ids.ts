/**
 * Kademlia's id space: 160-bit ids (node ids are BLAKE2b-160 of the identity key, record keys are
 * BLAKE2b-160 of layer and name), written as 32 lowercase base32 characters. Distance is XOR,
 * compared as a big-endian number; the bucket of an id is the length of the prefix it shares
 * with ours, so bucket 0 holds half the id space and bucket 159 a single id.
 */

/** Bytes in an id. */
export const ID_BYTES = 20;
/** Bits in an id: the number of k-buckets. */
export const ID_BITS = 160;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Whether `id` is a well-formed 32-character base32 id. */
export function isId(id: string): boolean {
  return /^[a-z2-7]{32}$/.test(id);
}

/** Decodes a base32 id to its 20 bytes; throws a RangeError on a malformed id (a caller's bug). */
export function decodeId(id: string): Uint8Array {
  if (!isId(id)) throw new RangeError(`not a 160-bit base32 id: ${JSON.stringify(id)}`);
  const out = new Uint8Array(ID_BYTES);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const c of id) {
    acc = ((acc << 5) | (VALUES.get(c) as number)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[at++] = (acc >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** Encodes 20 bytes as a base32 id (the inverse of {@link decodeId}). */
export function encodeId(bytes: Uint8Array): string {
  if (bytes.byteLength !== ID_BYTES) throw new RangeError('an id is 20 bytes');
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** XOR distance of two ids. */
export function distance(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** Compares two distances: negative if `a` is closer. */
export function compareDistance(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** Shared prefix length of `self` and `other` in bits: their bucket index, or 160 if equal. */
export function bucketIndex(self: Uint8Array, other: Uint8Array): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = (self[i] as number) ^ (other[i] as number);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/**
 * An id in bucket `index` of `self`: it shares `index` bits with `self`, differs at the next one,
 * and takes the rest from `noise` (20 random bytes the caller supplies: machines/ has no RNG).
 */
export function idInBucket(self: Uint8Array, index: number, noise: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let bit = 0; bit < ID_BITS; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    const own = (self[byte] as number) & mask;
    const value = bit < index ? own : bit === index ? own ^ mask : (noise[byte] as number) & mask;
    out[byte] = (out[byte] as number) | value;
  }
  return out;
}
