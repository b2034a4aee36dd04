/**
 * One msgpackr configuration for everything we persist or send: plain MessagePack only. Records,
 * shared structures, bundled strings and the "more types" extensions are msgpackr dialects another
 * implementation could not read, and on input they are attack surface, so all of them are off.
 */
import { Packr, Unpackr, type Options } from 'msgpackr';

// `skipValues` exists at runtime (msgpackr README) but is missing from its typings.
const packOptions: Options & { skipValues: unknown[] } = {
  useRecords: false,
  moreTypes: false,
  bundleStrings: false,
  // fixmap/map16/map32 by size, as any msgpack encoder would: keeps golden vectors portable.
  variableMapSize: true,
  // msgpack has no `undefined`; msgpackr would emit an extension we refuse on decode.
  skipValues: [undefined]
};
const packr = new Packr(packOptions);

const unpackOptions = {
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  int64AsType: 'number'
} as const;
// Decoded binaries must not alias the frame (the transport may reuse it).
const unpackr = new Unpackr({ ...unpackOptions, copyBuffers: true });
// For a caller that owns its bytes: binaries come back as views into them, never copied.
const viewUnpackr = new Unpackr({ ...unpackOptions, copyBuffers: false });

/** Encodes a plain value (null, boolean, number, string, Uint8Array, array, plain object). */
export function packPlain(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Decodes plain msgpack. Binaries come back as `Uint8Array`, not `Buffer`: msgpackr slices the
 * input's own class, so the input is re-viewed as a plain Uint8Array first (no copy).
 */
export function unpackPlain(bytes: Uint8Array): unknown {
  return unpackr.unpack(plainView(bytes));
}

/**
 * {@link unpackPlain} whose binaries are views into `bytes` (plain `Uint8Array`s), not copies: for
 * a caller that owns `bytes` and never writes them, so a large binary costs no copy and no
 * allocation. Every binary keeps all of `bytes` alive while it is referenced.
 */
export function unpackPlainViews(bytes: Uint8Array): unknown {
  return viewUnpackr.unpack(plainView(bytes));
}

function plainView(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The bytes {@link packPlain} writes for `value`, in pieces: every binary of at least `bulkBytes`
 * in the top two levels of maps (an envelope and its body) is its own piece, the caller's own
 * view, never copied; the msgpack around it is packed into small buffers. Joined, the pieces are
 * exactly `packPlain(value)` (plain-msgpack.test.ts proves it), so the wire format is the same;
 * only the copy of the large binaries into the encoder's buffer is gone. The caller must not
 * write those binaries while the pieces are in use.
 */
export function packPlainParts(value: unknown, bulkBytes: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const small: Uint8Array[] = [];
  const flush = () => {
    if (small.length === 0) return;
    out.push(small.length === 1 ? small[0]! : Buffer.concat(small));
    small.length = 0;
  };
  const write = (v: unknown, depth: number): void => {
    if (v instanceof Uint8Array && v.byteLength >= bulkBytes) {
      small.push(binHeader(v.byteLength));
      flush();
      out.push(v);
      return;
    }
    if (depth < 2 && isPlainObject(v)) {
      const keys = Object.keys(v).filter((k) => v[k] !== undefined);
      small.push(mapHeader(keys.length));
      for (const k of keys) {
        small.push(packr.pack(k));
        write(v[k], depth + 1);
      }
      return;
    }
    small.push(packr.pack(v));
  };
  write(value, 0);
  flush();
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The msgpack header of a map of `n` entries, as msgpackr writes it with variableMapSize. */
function mapHeader(n: number): Uint8Array {
  if (n < 0x10) return Uint8Array.of(0x80 | n);
  if (n < 0x10000) return Uint8Array.of(0xde, n >> 8, n & 0xff);
  const h = Buffer.allocUnsafe(5);
  h[0] = 0xdf;
  h.writeUInt32BE(n, 1);
  return h;
}

/** The msgpack header of a binary of `n` bytes: bin8, bin16 or bin32 by size. */
function binHeader(n: number): Uint8Array {
  if (n < 0x100) return Uint8Array.of(0xc4, n);
  if (n < 0x10000) return Uint8Array.of(0xc5, n >> 8, n & 0xff);
  const h = Buffer.allocUnsafe(5);
  h[0] = 0xc6;
  h.writeUInt32BE(n, 1);
  return h;
}
