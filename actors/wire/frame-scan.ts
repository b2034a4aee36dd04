/**
 * A structural pre-check of a msgpack frame, run before msgpackr sees a byte of it. msgpackr is
 * fast but trusting: a declared length of 2^28 allocates before failing, deep nesting recurses until
 * the stack breaks, and extension types construct Dates, Sets or RegExps. This walk is iterative,
 * allocates nothing per item, and admits only plain msgpack that fits the limits.
 */
import { DecodeError } from './errors.js';

/** Structural limits on a frame; both are far above what any schema needs. */
export interface ScanLimits {
  /** Deepest container nesting (the envelope itself is depth 1). */
  maxDepth: number;
  /** Most values (scalars, strings, containers, map keys) in one frame. */
  maxItems: number;
}

/** Defaults: an envelope with a body nested 30 deep, or 100k values, is already absurd. */
export const DEFAULT_SCAN_LIMITS: ScanLimits = { maxDepth: 32, maxItems: 100_000 };

function malformed(message: string): DecodeError {
  return new DecodeError('ERR_WIRE_MALFORMED', message);
}

/**
 * Throws {@link DecodeError} unless `bytes` holds exactly one plain msgpack value within `limits`:
 * no extension types, no reserved byte, string map keys only, 64-bit integers within 2^53, every
 * declared length inside the frame, and no trailing bytes.
 */
export function scanFrame(bytes: Uint8Array, limits: ScanLimits = DEFAULT_SCAN_LIMITS): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength;
  // One slot per open container (slot 0 is the frame itself, which holds one value): how many
  // values remain, and whether it is a map. A map of n pairs holds 2n values, keys at even counts.
  const remaining: number[] = [1];
  const isMap: boolean[] = [false];
  let pos = 0;
  let items = 0;

  const need = (n: number): void => {
    if (pos + n > end) throw malformed(`truncated at byte ${pos}`);
  };
  const readLen = (width: 1 | 2 | 4): number => {
    need(width);
    const n =
      width === 1 ? view.getUint8(pos) : width === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += width;
    return n;
  };
  const skip = (n: number): void => {
    need(n);
    pos += n;
  };
  const open = (count: number, map: boolean): void => {
    // Every value takes at least one byte: a count beyond the remaining bytes is a lie.
    if (count > end - pos)
      throw malformed(`container of ${count} at byte ${pos} exceeds the frame`);
    if (remaining.length > limits.maxDepth) {
      throw new DecodeError('ERR_WIRE_LIMIT', `nesting deeper than ${limits.maxDepth}`);
    }
    remaining.push(count);
    isMap.push(map);
  };

  while (remaining.length > 0) {
    const top = remaining.length - 1;
    const left = remaining[top] as number;
    if (left === 0) {
      remaining.pop();
      isMap.pop();
      continue;
    }
    const isKey = isMap[top] === true && left % 2 === 0;
    remaining[top] = left - 1;
    if (++items > limits.maxItems) {
      throw new DecodeError('ERR_WIRE_LIMIT', `more than ${limits.maxItems} values`);
    }
    need(1);
    const b = bytes[pos++] as number;
    const isStr = (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb);
    if (isKey && !isStr) throw malformed(`map key at byte ${pos - 1} is not a string`);

    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue;
    if (b >= 0xa0 && b <= 0xbf) skip(b & 0x1f);
    else if (b >= 0x90 && b <= 0x9f) open(b & 0x0f, false);
    else if (b >= 0x80 && b <= 0x8f) open((b & 0x0f) * 2, true);
    else if (b === 0xc4 || b === 0xd9) skip(readLen(1));
    else if (b === 0xc5 || b === 0xda) skip(readLen(2));
    else if (b === 0xc6 || b === 0xdb) skip(readLen(4));
    else if (b === 0xca) skip(4);
    else if (b === 0xcb) skip(8);
    else if (b === 0xcc || b === 0xd0) skip(1);
    else if (b === 0xcd || b === 0xd1) skip(2);
    else if (b === 0xce || b === 0xd2) skip(4);
    else if (b === 0xcf || b === 0xd3) {
      need(8);
      const n = b === 0xcf ? view.getBigUint64(pos) : view.getBigInt64(pos);
      if (n > MAX_SAFE || n < MIN_SAFE) {
        throw malformed(`64-bit integer at byte ${pos - 1} is not exactly representable`);
      }
      pos += 8;
    } else if (b === 0xdc) open(readLen(2), false);
    else if (b === 0xdd) open(readLen(4), false);
    else if (b === 0xde) open(readLen(2) * 2, true);
    else if (b === 0xdf) open(readLen(4) * 2, true);
    else throw malformed(`type byte 0x${b.toString(16)} at byte ${pos - 1} is not plain msgpack`);
  }
  if (pos !== end) throw malformed(`${end - pos} trailing bytes after the value`);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
