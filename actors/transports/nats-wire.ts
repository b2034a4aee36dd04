/**
 * The nats wire format: what goes in one NATS message payload on a node's subject
 * (`<prefix>.<address>`). A tiny prefix rather than NATS headers carries the sender, because
 * headers cost a parse per message and the prefix is a few bytes:
 *
 *   kind(u8) ‖ fromLen(u8) ‖ from ‖ rest
 *
 * - `whole` (0): rest is the frame.
 * - `chunk` (1): rest is `msgId(u32 BE) ‖ index(u16 BE) ‖ count(u16 BE) ‖ bytes` — a frame larger
 *   than the server's max_payload, cut into `count` pieces published in order.
 * - `probe` (2): a request; the subscriber answers it, so a sender learns a node is there (NATS
 *   answers "no responders" when nobody subscribes).
 * - `bye` (3): the sender closed its transport.
 */

/** A message's kind byte. */
export const NatsKind = { whole: 0, chunk: 1, probe: 2, bye: 3 } as const;
/** One of {@link NatsKind}'s values. */
export type NatsKind = (typeof NatsKind)[keyof typeof NatsKind];

/** Bytes of the chunk header after the sender prefix. */
export const CHUNK_HEADER_BYTES = 8;
/** Most chunks one frame may be cut into (the u16 count). */
export const MAX_CHUNKS = 0xffff;

/** A node address is one NATS subject token: no dots, wildcards or spaces; at most 128 bytes. */
export const NATS_ADDRESS = /^[A-Za-z0-9_-]{1,128}$/;

/** A decoded message: the sender and what it carries. */
export type NatsMessage =
  | { kind: typeof NatsKind.whole; from: string; frame: Uint8Array }
  | {
      kind: typeof NatsKind.chunk;
      from: string;
      msgId: number;
      index: number;
      count: number;
      bytes: Uint8Array;
    }
  | { kind: typeof NatsKind.probe | typeof NatsKind.bye; from: string };

/** Bytes a message spends before its payload: kind, length, sender and (chunks) the header. */
export function overhead(from: string, chunked: boolean): number {
  return 2 + Buffer.byteLength(from) + (chunked ? CHUNK_HEADER_BYTES : 0);
}

/**
 * Encodes the sender prefix and, for chunks, the chunk header, followed by `body` (or the pieces
 * that make it, copied in once, so a sealed frame in pieces is never joined twice).
 */
export function encodeMessage(
  kind: NatsKind,
  from: Uint8Array,
  body: Uint8Array | readonly Uint8Array[],
  chunk?: { msgId: number; index: number; count: number }
): Uint8Array {
  const parts = body instanceof Uint8Array ? [body] : body;
  let bytes = 0;
  for (const p of parts) bytes += p.byteLength;
  const head = 2 + from.byteLength;
  const out = Buffer.allocUnsafe(head + (chunk ? CHUNK_HEADER_BYTES : 0) + bytes);
  out[0] = kind;
  out[1] = from.byteLength;
  out.set(from, 2);
  let at = head;
  if (chunk) {
    out.writeUInt32BE(chunk.msgId >>> 0, at);
    out.writeUInt16BE(chunk.index, at + 4);
    out.writeUInt16BE(chunk.count, at + 6);
    at += CHUNK_HEADER_BYTES;
  }
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Decodes one payload; null when malformed (unknown kind, bad sender, short chunk header, an index
 * past the count). The frame and chunk bytes are views of `data`: copy what must outlive it.
 */
export function decodeMessage(data: Uint8Array): NatsMessage | null {
  if (data.byteLength < 3) return null;
  const kind = data[0] as number;
  const len = data[1] as number;
  if (len < 1 || data.byteLength < 2 + len) return null;
  const from = Buffer.from(data.buffer, data.byteOffset + 2, len).toString('latin1');
  if (!NATS_ADDRESS.test(from)) return null;
  const rest = 2 + len;
  if (kind === NatsKind.whole) return { kind, from, frame: data.subarray(rest) };
  if (kind === NatsKind.probe || kind === NatsKind.bye) return { kind, from };
  if (kind !== NatsKind.chunk || data.byteLength < rest + CHUNK_HEADER_BYTES) return null;
  const view = new DataView(data.buffer, data.byteOffset + rest, CHUNK_HEADER_BYTES);
  const msgId = view.getUint32(0);
  const index = view.getUint16(4);
  const count = view.getUint16(6);
  if (count < 2 || index >= count) return null;
  return { kind, from, msgId, index, count, bytes: data.subarray(rest + CHUNK_HEADER_BYTES) };
}
