/**
 * A generic acknowledged transfer over any Transport, with its own end-to-end Noise session, so
 * it runs unchanged through a circuit: what a proxy router relays is ciphertext of this session,
 * inside its own layer. The client drives everything (put chunk → ack, get chunk → chunk) and
 * retries each request on its own timeout, so a circuit that fails over mid-transfer only costs
 * retries; the server answers whatever address the latest request came from.
 *
 * frame     = 0xE0 ‖ kind u8 (1 hello, 2 welcome, 3 sealed) ‖ sid (8 B) ‖ body
 * plaintext = op u8 (1 put, 2 ack, 3 get, 4 chunk) ‖ reqId u32 ‖ index u32 ‖ bytes
 *
 * The storage protocol will replace the in-memory store of {@link serveTransfers}; see
 * docs/proxy.md.
 */
import { randomBytes } from 'node:crypto';
import { HandshakeState } from '../crypto/handshake-state.js';
import { Session } from '../crypto/session.js';
import type { KeyPair } from '../crypto/primitives.js';
import type { Transport } from '../transports/types.js';
import { HOP_PROTOCOL } from './router-hops.js';

const TAG = 0xe0;
const ignore = () => {};

/** One transfer frame. */
export function transferFrame(kind: number, sid: Uint8Array, body: Uint8Array): Uint8Array {
  const f = new Uint8Array(10 + body.byteLength);
  f[0] = TAG;
  f[1] = kind;
  f.set(sid, 2);
  f.set(body, 10);
  return f;
}

/** One sealed request or reply. */
export function op(code: number, reqId: number, index: number, bytes?: Uint8Array): Uint8Array {
  const b = Buffer.alloc(9 + (bytes?.byteLength ?? 0));
  b[0] = code;
  b.writeUInt32BE(reqId, 1);
  b.writeUInt32BE(index, 5);
  if (bytes) b.set(bytes, 9);
  return b;
}

/**
 * One sealed request or reply as a whole `kind 3` frame: the same bytes as
 * `transferFrame(3, sid, session.send(op(…)))`, but the chunk is sealed straight from the
 * caller's buffer with the frame head as the seal's headroom, and the pieces are joined once, so
 * a chunk costs its encryption and one copy instead of three more copies (GC churn on a hot path).
 */
export function sealedFrame(
  session: Session,
  sid: Uint8Array,
  code: number,
  reqId: number,
  index: number,
  bytes?: Uint8Array
): Uint8Array {
  const parts = sealedParts(session, sid, code, reqId, index, bytes);
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** {@link sealedFrame} as the seal's fresh pieces, for a transport that writes them as they are. */
export function sealedParts(
  session: Session,
  sid: Uint8Array,
  code: number,
  reqId: number,
  index: number,
  bytes?: Uint8Array
): Buffer[] {
  const head = Buffer.allocUnsafe(9);
  head[0] = code;
  head.writeUInt32BE(reqId, 1);
  head.writeUInt32BE(index, 5);
  const parts = session.seal(bytes ? [head, bytes] : [head], 10);
  const first = parts[0] as Buffer;
  first[0] = TAG;
  first[1] = 3;
  first.set(sid, 2);
  return parts;
}

/**
 * Sends a sealed request or reply: as its pieces where the transport takes them (they are fresh
 * and ours to give away, so a chunk reaches the socket or the circuit's layers without being
 * joined), else joined.
 */
export function sendSealed(transport: Transport, to: string, parts: Buffer[]): Promise<void> {
  if (parts.length > 1 && transport.sendParts) return transport.sendParts(to, parts);
  return transport.send(to, parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
}

/** Parses a sealed plaintext. */
export function parseOp(p: Uint8Array): {
  code: number;
  reqId: number;
  index: number;
  bytes: Uint8Array;
} {
  const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  if (b.byteLength < 9) throw new RangeError('short transfer op');
  return {
    code: b[0] as number,
    reqId: b.readUInt32BE(1),
    index: b.readUInt32BE(5),
    bytes: p.subarray(9)
  };
}

interface Served {
  session: Session;
  welcome: Uint8Array;
  chunks: Map<number, Uint8Array>;
}

/** The answering side: stores chunks per session in memory. */
export interface TransferServer {
  /** Chunks stored, per session. */
  readonly sessions: Map<string, Served>;
  readonly counters: { bad: number; puts: number; gets: number };
  stop(): void;
}

/** Answers transfer clients on `transport` with the Noise static key pair `keys`. */
export function serveTransfers(transport: Transport, keys: KeyPair): TransferServer {
  const sessions = new Map<string, Served>();
  const counters = { bad: 0, puts: 0, gets: 0 };
  // Borrowed: a frame is read in place (decrypted into a fresh buffer, or its handshake read).
  const off = transport.onFrame(
    (from, frame) => {
      if (frame[0] !== TAG || frame.byteLength < 10) return;
      const sid = frame.subarray(2, 10);
      const id = Buffer.from(sid).toString('hex');
      const body = frame.subarray(10);
      const reply = (kind: number, b: Uint8Array) =>
        transport.send(from, transferFrame(kind, sid, b)).catch(ignore);
      const send = (parts: Buffer[]) => sendSealed(transport, from, parts).catch(ignore);
      try {
        const known = sessions.get(id);
        if (frame[1] === 1) {
          if (known) return void reply(2, known.welcome); // our welcome was lost: same answer
          const hs = new HandshakeState({
            protocolName: HOP_PROTOCOL,
            initiator: false,
            staticKeyPair: keys
          });
          hs.readMessage(body);
          const welcome = hs.writeMessage();
          sessions.set(id, {
            session: Session.fromHandshake(hs.result, false),
            welcome,
            chunks: new Map()
          });
          return void reply(2, welcome);
        }
        if (frame[1] !== 3 || !known) return;
        const o = parseOp(known.session.receive(body));
        if (o.code === 1) {
          counters.puts++;
          // A view into the plaintext just decrypted for this call alone: ours to keep, uncopied.
          known.chunks.set(o.index, o.bytes);
          send(sealedParts(known.session, sid, 2, o.reqId, o.index));
        } else if (o.code === 3) {
          counters.gets++;
          const chunk = known.chunks.get(o.index) ?? new Uint8Array(0);
          send(sealedParts(known.session, sid, 4, o.reqId, o.index, chunk));
        }
      } catch {
        counters.bad++; // forged, replayed or malformed: dropped, the client retries
      }
    },
    { borrow: true }
  );
  return { sessions, counters, stop: off };
}

/** Retry pacing of a client. */
export interface TransferOptions {
  /** Wait per attempt before resending. Default 1 s. */
  timeoutMs?: number;
  /** Attempts per request before giving up. Default 60. */
  maxAttempts?: number;
  /** Requests in flight. Default 8. */
  window?: number;
  clock?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void };
}

/** A fresh session id: 8 random bytes, so the server finds the session whatever our address. */
export function newSid(): Uint8Array {
  return randomBytes(8);
}
