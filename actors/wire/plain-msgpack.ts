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

const unpackr = new Unpackr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  // Decoded binaries must not alias the frame (the transport may reuse it).
  copyBuffers: true,
  int64AsType: 'number'
});

/** Encodes a plain value (null, boolean, number, string, Uint8Array, array, plain object). */
export function packPlain(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Decodes plain msgpack. Binaries come back as `Uint8Array`, not `Buffer`: msgpackr slices the
 * input's own class, so the input is re-viewed as a plain Uint8Array first (no copy).
 */
export function unpackPlain(bytes: Uint8Array): unknown {
  const view =
    Object.getPrototypeOf(bytes) === Uint8Array.prototype
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return unpackr.unpack(view);
}
