/**
 * The tcp wire format. A connection is a byte stream, so frames are delimited by a 4-byte
 * big-endian length, followed by one kind byte and the body: `len(u32 BE) ‖ kind(u8) ‖ body`,
 * where `len` counts the kind byte and the body. The length is checked against the cap before
 * anything is allocated, so a hostile prefix cannot make the reader reserve memory.
 *
 * Kinds: `data` (a transport frame), `hello` (the dialer's protocol name and listening address,
 * always the first frame on a dialed connection), `ping`/`pong` (idle keepalive) and `bye` (a
 * graceful close, so the peer can tell "closed" from "lost").
 */

/** Bytes of the length prefix. */
export const LENGTH_BYTES = 4;
/** Bytes of the length prefix plus the kind byte. */
export const FRAME_OVERHEAD = LENGTH_BYTES + 1;
/** The protocol name the dialer announces first; anything else is refused. */
export const TCP_PROTOCOL = 'bitdust-tcp/1';
/** Longest hello body: protocol, newline and a `tcp://host:port` address. */
export const MAX_HELLO_BYTES = 300;

/** The kind byte of a frame. */
export const FrameKind = { data: 0, hello: 1, ping: 2, pong: 3, bye: 4 } as const;
/** One of {@link FrameKind}'s values. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];
const KINDS = new Set<number>(Object.values(FrameKind));

/** Why the reader gave up on a stream; the connection is closed with this reason. */
export type FramingFault = 'bad-length' | 'bad-kind';

/** One decoded frame: its kind and a private copy of its body. */
export interface DecodedFrame {
  kind: FrameKind;
  body: Uint8Array;
}

/** Encodes one frame into a fresh buffer (a copy, so the caller may reuse `body` at once). */
export function encodeFrame(kind: FrameKind, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_OVERHEAD + body.byteLength);
  out.writeUInt32BE(body.byteLength + 1, 0);
  out[LENGTH_BYTES] = kind;
  out.set(body, FRAME_OVERHEAD);
  return out;
}

/** The hello body a dialer sends: protocol name, newline, its listening address. */
export function encodeHello(address: string): Uint8Array {
  return Buffer.from(`${TCP_PROTOCOL}\n${address}`, 'utf8');
}

/** Parses a hello body; returns the dialer's address, or null for a wrong protocol or address. */
export function parseHello(body: Uint8Array): string | null {
  if (body.byteLength > MAX_HELLO_BYTES) return null;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const nl = text.indexOf('\n');
  if (nl < 0 || text.slice(0, nl) !== TCP_PROTOCOL) return null;
  const address = text.slice(nl + 1);
  return parseTcpAddress(address) ? address : null;
}

/** Splits `tcp://host:port` into host and port; null when it is not one. */
export function parseTcpAddress(address: string): { host: string; port: number } | null {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * Incremental reader: feed it the chunks a socket delivers, get whole frames back. Chunks are kept
 * as they arrive and each frame is copied out exactly once, so a 64 KiB frame split over many
 * reads costs one copy, and nothing is allocated for a frame before its length passed the cap.
 */
export class FrameDecoder {
  readonly #maxBody: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #need = -1; // body length of the frame being read; -1 until its prefix is in

  /** `maxBody` is the largest `kind ‖ body` length accepted (the cap plus the kind byte). */
  constructor(maxBody: number) {
    this.#maxBody = maxBody;
  }

  /** Bytes held for a frame not yet complete (a half-written frame shows here). */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds one chunk; returns the frames it completed, or the fault that ends the stream. */
  push(chunk: Buffer): DecodedFrame[] | FramingFault {
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    const out: DecodedFrame[] = [];
    for (;;) {
      if (this.#need < 0) {
        if (this.#buffered < LENGTH_BYTES) return out;
        const prefix = this.#take(LENGTH_BYTES);
        const len = new DataView(prefix.buffer).getUint32(0);
        if (len < 1 || len > this.#maxBody) return 'bad-length';
        this.#need = len;
      }
      if (this.#buffered < this.#need) return out;
      const whole = this.#take(this.#need);
      this.#need = -1;
      const kind = whole[0] as number;
      if (!KINDS.has(kind)) return 'bad-kind';
      out.push({ kind: kind as FrameKind, body: whole.subarray(1) });
    }
  }

  /** Removes `n` buffered bytes into one fresh, unpooled array (never a view of a socket chunk). */
  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.#chunks[0] as Buffer;
      const k = Math.min(n - at, head.byteLength);
      head.copy(out, at, 0, k);
      at += k;
      if (k === head.byteLength) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }
}
