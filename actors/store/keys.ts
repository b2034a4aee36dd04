/**
 * Key and value rules shared by both stores, so they accept, reject and order exactly alike.
 */
import { packPlain, unpackPlain } from '../wire/plain-msgpack.js';
import { StoreError } from './errors.js';
import { MAX_KEY_BYTES, type KvOp, type KvRangeOptions, type KvValue } from './types.js';

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws ERR_STORE_KEY unless `key` is a valid key; returns its UTF-8 length. */
export function checkKey(key: unknown): number {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StoreError('ERR_STORE_KEY', 'a key is a non-empty string');
  }
  // A lone surrogate has no UTF-8 form: two different keys would collide on disk.
  if (LONE_SURROGATE.test(key)) throw new StoreError('ERR_STORE_KEY', 'key is not well-formed');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new StoreError('ERR_STORE_KEY', `key of ${bytes} B > ${MAX_KEY_BYTES} B`);
  }
  return bytes;
}

/** Throws ERR_STORE_NAMESPACE unless `name` is a valid sub-database name. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new StoreError('ERR_STORE_NAMESPACE', `bad namespace name ${JSON.stringify(name)}`);
  }
  return name;
}

/** Encodes a value for storage; ERR_STORE_VALUE when it cannot be stored. */
export function encodeValue(value: KvValue): Uint8Array {
  if (value === undefined) throw new StoreError('ERR_STORE_VALUE', 'undefined cannot be stored');
  try {
    return packPlain(value);
  } catch (err) {
    throw new StoreError('ERR_STORE_VALUE', 'value is not msgpack-able', { cause: err });
  }
}

/**
 * The bytes a batch op writes (a copy for `put-bytes`: the memory store keeps no caller's buffer),
 * `undefined` for a removal; ERR_STORE_VALUE for an unknown op or bytes that are not bytes.
 */
export function encodeOp(op: KvOp, copy = true): Uint8Array | undefined {
  if (op.type === 'put') return encodeValue(op.value);
  if (op.type === 'remove') return undefined;
  if (op.type === 'put-bytes') {
    if (!(op.bytes instanceof Uint8Array)) {
      throw new StoreError('ERR_STORE_VALUE', 'put-bytes takes a Uint8Array');
    }
    return copy ? op.bytes.slice() : op.bytes;
  }
  throw new StoreError(
    'ERR_STORE_VALUE',
    `unknown op type ${String((op as { type: unknown }).type)}`
  );
}

/** Decodes a stored value; ERR_STORE_CORRUPT when the bytes are not ours. */
export function decodeValue<T>(bytes: Uint8Array): T {
  try {
    return unpackPlain(bytes) as T;
  } catch (err) {
    throw new StoreError('ERR_STORE_CORRUPT', 'stored value does not decode', { cause: err });
  }
}

/**
 * Compares keys in UTF-8 byte order (= code point order) without encoding them: UTF-16 order
 * differs only where a surrogate meets U+E000..U+FFFF, so those units are remapped.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

function codeUnitRank(c: number): number {
  if (c >= 0xe000) return c - 0x800;
  if (c >= 0xd800) return c + 0x2000;
  return c;
}

/** Validated range options with defaults filled in. */
export interface RangeBounds {
  prefix: string | undefined;
  start: string | undefined;
  end: string | undefined;
  limit: number;
  reverse: boolean;
}

/** Checks range options; ERR_STORE_RANGE for a bad limit, ERR_STORE_KEY for bad bounds. */
export function checkRange(options: KvRangeOptions = {}): RangeBounds {
  const { prefix, start, end, limit = Infinity, reverse = false } = options;
  if (prefix !== undefined && prefix !== '') checkKey(prefix);
  if (start !== undefined) checkKey(start);
  if (end !== undefined) checkKey(end);
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 0)) {
    throw new StoreError('ERR_STORE_RANGE', `limit ${limit} is not a count`);
  }
  return { prefix: prefix || undefined, start, end, limit, reverse };
}
