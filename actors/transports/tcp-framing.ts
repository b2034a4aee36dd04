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

/**
 * Receives each frame as it completes. `body` is borrowed: a view of the socket's chunk or of the
 * decoder's scratch buffer, valid only during the call and overwritten by a later frame; copy
 * what must outlive it.
 */
export type FrameSink = (kind: FrameKind, body: Uint8Array) => void;

/**
 * Frames up to this size that straddle socket chunks are joined in one scratch buffer shared by
 * every decoder of the thread (frames are delivered synchronously, one at a time), so a busy
 * link allocates nothing per frame; larger frames get a buffer of their own.
 */
const SCRATCH_BYTES = 128 << 10;
let scratch: Buffer | null = null;
let scratchBusy = false;

/** Encodes one frame into a fresh buffer (a copy, so the caller may reuse `body` at once). */
export function encodeFrame(kind: FrameKind, body: Uint8Array): Buffer {
  const { header } = frameHeader(kind, [body]);
  return Buffer.concat([header, body]);
}

/** The `len ‖ kind` header of the frame whose body is `parts` joined, and the body's length. */
export function frameHeader(
  kind: FrameKind,
  parts: readonly Uint8Array[]
): { header: Buffer; body: number } {
  let body = 0;
  for (const p of parts) body += p.byteLength;
  const header = Buffer.allocUnsafe(FRAME_OVERHEAD);
  header.writeUInt32BE(body + 1, 0);
  header[LENGTH_BYTES] = kind;
  return { header, body };
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
 * Incremental reader: feed it the chunks a socket delivers, get whole frames back through a
 * {@link FrameSink}. A frame inside one chunk is handed over as a view of it (no copy); one
 * spread over chunks is joined once, into the shared scratch buffer when it fits. Nothing is
 * allocated for a frame before its length passed the cap.
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

  /**
   * Adds one chunk and hands every frame it completed to `sink`, in order; returns the fault
   * that ends the stream, or null. Stops early (returning null) once `more()` says no.
   */
  push(chunk: Buffer, sink: FrameSink, more: () => boolean = () => true): FramingFault | null {
    if (chunk.byteLength > 0) this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    while (more()) {
      if (this.#need < 0) {
        if (this.#buffered < LENGTH_BYTES) return null;
        const len = this.#readLength();
        if (len < 1 || len > this.#maxBody) return 'bad-length';
        this.#need = len;
      }
      if (this.#buffered < this.#need) return null;
      const n = this.#need;
      this.#need = -1;
      const head = this.#chunks[0] as Buffer;
      if (!KINDS.has(this.#peek())) return 'bad-kind';
      if (head.byteLength >= n) {
        const whole = head.subarray(0, n);
        this.#skip(n);
        sink(whole[0] as FrameKind, whole.subarray(1));
      } else if (n <= SCRATCH_BYTES && !scratchBusy) {
        scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES);
        const whole = this.#take(n, scratch);
        scratchBusy = true; // a sink that somehow re-entered would get a buffer of its own
        try {
          sink(whole[0] as FrameKind, whole.subarray(1));
        } finally {
          scratchBusy = false;
        }
      } else {
        const whole = this.#take(n, Buffer.allocUnsafeSlow(n));
        sink(whole[0] as FrameKind, whole.subarray(1));
      }
    }
    return null;
  }

  /** The first buffered byte (at least one is buffered). */
  #peek(): number {
    return (this.#chunks[0] as Buffer)[0] as number;
  }

  /** Consumes the 4-byte length prefix, read in place unless it straddles chunks. */
  #readLength(): number {
    const head = this.#chunks[0] as Buffer;
    if (head.byteLength < LENGTH_BYTES) {
      return this.#take(LENGTH_BYTES, Buffer.allocUnsafeSlow(LENGTH_BYTES)).readUInt32BE(0);
    }
    const len = head.readUInt32BE(0);
    this.#skip(LENGTH_BYTES);
    return len;
  }

  /** Moves `n` buffered bytes into the start of `out`; returns that much of it. */
  #take(n: number, out: Buffer): Buffer {
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
    return out.subarray(0, n);
  }

  /** Drops `n` bytes from the head chunk, which holds at least that many. */
  #skip(n: number): void {
    const head = this.#chunks[0] as Buffer;
    if (n === head.byteLength) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    this.#buffered -= n;
  }
}
