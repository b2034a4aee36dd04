/**
 * Router envelopes larger than one Noise message, split across session messages and put back
 * together on the other side.
 *
 * A fragment is the plaintext of one session message on the `fragment` channel:
 *
 *   0x03 ‖ u32 BE message id ‖ u16 BE index ‖ u16 BE count ‖ u32 BE total ‖ bytes
 *
 * The header sits inside the encrypted payload, and every fragment is its own Noise message with
 * its own nonce: the replay window refuses a repeated fragment, the AEAD refuses a forged one, and
 * a fragment cannot be moved into another message or position without breaking its tag. The
 * envelope is cut into `count` parts of `ceil(total / count)` bytes (the last one shorter), so
 * the receiver checks every part's exact length from the header alone.
 *
 * Fragments may arrive in any order (datagram transports reorder). One that is lost leaves its
 * message incomplete: it is never asked for again, it is dropped at the timeout or when newer
 * messages need the room, and the router's retry of the whole request (same envelope id, new
 * fragment message id) is what delivers it. Memory is bounded per peer and in total.
 */
import type { Clock } from '../clock.js';
import { MAX_PLAINTEXT } from '../crypto/session.js';

/** Bytes of the fragment header after the channel byte. */
export const FRAGMENT_HEADER_BYTES = 12;
/** The most envelope bytes one fragment carries (one Noise message less channel and header). */
export const FRAGMENT_BODY_BYTES = MAX_PLAINTEXT - 1 - FRAGMENT_HEADER_BYTES;
/** The largest router envelope the session layer carries: the router's own 1 MiB cap. */
export const MAX_ENVELOPE_BYTES = 1 << 20;
/** Fragments of one message at most (1 MiB needs 17). */
export const MAX_FRAGMENTS = 32;

/**
 * Splits `envelope` into fragment payloads (without the channel byte) for message `id`, in
 * order, each one joined: for tests and callers that want whole buffers. The session layer uses
 * {@link fragmentPieces}, which copies nothing.
 */
export function splitEnvelope(
  id: number,
  envelope: Uint8Array,
  body = FRAGMENT_BODY_BYTES
): Uint8Array[] {
  return fragmentPieces(id, [envelope], body).map((pieces) => Buffer.concat(pieces));
}

/**
 * Splits the envelope that `parts` make when joined into fragments for message `id`, in order,
 * each fragment given as pieces: its 12-byte header, then views of `parts` (never copied), so a
 * session can seal each fragment straight from the caller's buffers. Joined, a fragment's pieces
 * are the fragment payload (without the channel byte).
 */
export function fragmentPieces(
  id: number,
  parts: readonly Uint8Array[],
  body = FRAGMENT_BODY_BYTES
): Uint8Array[][] {
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const count = Math.ceil(total / body);
  if (count < 2 || count > MAX_FRAGMENTS) throw new RangeError(`${total} B is not fragmentable`);
  const chunk = Math.ceil(total / count);
  // Every header in one small allocation; each fragment gets its 12-byte view.
  const headers = Buffer.allocUnsafe(count * FRAGMENT_HEADER_BYTES);
  const out: Uint8Array[][] = [];
  let part = 0; // the part being cut, and how far into it
  let at = 0;
  for (let index = 0; index < count; index++) {
    const h = index * FRAGMENT_HEADER_BYTES;
    headers.writeUInt32BE(id >>> 0, h);
    headers.writeUInt16BE(index, h + 4);
    headers.writeUInt16BE(count, h + 6);
    headers.writeUInt32BE(total, h + 8);
    const pieces: Uint8Array[] = [headers.subarray(h, h + FRAGMENT_HEADER_BYTES)];
    let need = Math.min(chunk, total - index * chunk);
    while (need > 0) {
      const p = parts[part]!;
      const take = Math.min(need, p.byteLength - at);
      if (take > 0) pieces.push(p.subarray(at, at + take));
      need -= take;
      at += take;
      if (at === p.byteLength) {
        part++;
        at = 0;
      }
    }
    out.push(pieces);
  }
  return out;
}

/** Limits of the reassembler; every one has a safe default. */
export interface ReassemblyOptions {
  clock: Clock;
  /** Largest message accepted. Default {@link MAX_ENVELOPE_BYTES}. */
  maxMessageBytes?: number;
  /** Incomplete messages per peer. Default 8. */
  maxPendingPerPeer?: number;
  /** Bytes reserved by one peer's incomplete messages. Default 4 MiB. */
  maxPendingBytesPerPeer?: number;
  /** Bytes reserved by all incomplete messages. Default 32 MiB. */
  maxPendingBytes?: number;
  /** An incomplete message older than this is dropped. Default 30 s. */
  timeoutMs?: number;
}

/** Why an incomplete message or a fragment was dropped. */
export type FragmentDrop = 'malformed' | 'oversized' | 'duplicate' | 'timeout' | 'evicted';

/** Counters of the reassembler. */
export interface ReassemblyStats {
  fragmentsIn: number;
  reassembled: number;
  dropped: Record<FragmentDrop, number>;
  /** Incomplete messages held now, and the bytes they reserve. */
  pending: number;
  pendingBytes: number;
}

interface Pending {
  address: string;
  total: number;
  count: number;
  buffer: Buffer;
  have: Uint8Array;
  received: number;
  startedAt: number;
}

/** Incomplete fragmented messages of every peer, oldest first. */
export class Reassembler {
  readonly #o: Required<ReassemblyOptions>;
  /** By `address \0 id`; insertion order is age order, so the oldest is always first. */
  readonly #pending = new Map<string, Pending>();
  readonly #perPeer = new Map<string, { count: number; bytes: number }>();
  #bytes = 0;
  readonly #stats = {
    fragmentsIn: 0,
    reassembled: 0,
    dropped: { malformed: 0, oversized: 0, duplicate: 0, timeout: 0, evicted: 0 }
  };

  constructor(options: ReassemblyOptions) {
    this.#o = {
      maxMessageBytes: MAX_ENVELOPE_BYTES,
      maxPendingPerPeer: 8,
      maxPendingBytesPerPeer: 4 << 20,
      maxPendingBytes: 32 << 20,
      timeoutMs: 30_000,
      ...options
    };
  }

  /**
   * Takes one authenticated fragment (channel byte stripped) from `address`; returns the whole
   * envelope when this fragment completes it, null otherwise (waiting or dropped and counted).
   */
  accept(address: string, fragment: Uint8Array): Uint8Array | null {
    this.#stats.fragmentsIn++;
    this.#expire();
    if (fragment.byteLength <= FRAGMENT_HEADER_BYTES) return this.#drop('malformed');
    const view = Buffer.from(fragment.buffer, fragment.byteOffset, fragment.byteLength);
    const id = view.readUInt32BE(0);
    const index = view.readUInt16BE(4);
    const count = view.readUInt16BE(6);
    const total = view.readUInt32BE(8);
    const part = fragment.subarray(FRAGMENT_HEADER_BYTES);
    if (total > this.#o.maxMessageBytes) return this.#drop('oversized');
    const chunk = Math.ceil(total / count);
    const last = total - chunk * (count - 1);
    if (count < 2 || count > MAX_FRAGMENTS || index >= count || last <= 0) {
      return this.#drop('malformed');
    }
    const key = `${address}\0${id}`;
    let p = this.#pending.get(key);
    if (p && (p.total !== total || p.count !== count)) {
      this.#remove(key, p);
      return this.#drop('malformed');
    }
    if (part.byteLength !== (index === count - 1 ? last : chunk)) {
      if (p) this.#remove(key, p);
      return this.#drop('malformed');
    }
    if (!p) p = this.#start(key, address, total, count);
    if (p.have[index]) return this.#drop('duplicate');
    p.buffer.set(part, index * chunk);
    p.have[index] = 1;
    p.received++;
    if (p.received < p.count) return null;
    this.#remove(key, p);
    this.#stats.reassembled++;
    return p.buffer;
  }

  /** Drops everything `address` had in flight (its session ended or was replaced). */
  forget(address: string): void {
    for (const [key, p] of [...this.#pending]) if (p.address === address) this.#remove(key, p);
  }

  stats(): ReassemblyStats {
    this.#expire();
    return {
      ...this.#stats,
      dropped: { ...this.#stats.dropped },
      pending: this.#pending.size,
      pendingBytes: this.#bytes
    };
  }

  #start(key: string, address: string, total: number, count: number): Pending {
    const load = () => this.#perPeer.get(address) ?? { count: 0, bytes: 0 };
    // Make room: the oldest incomplete message of this peer, or of anyone past the global cap.
    for (let l = load(); l.count > 0; l = load()) {
      const full =
        l.count >= this.#o.maxPendingPerPeer || l.bytes + total > this.#o.maxPendingBytesPerPeer;
      if (!full || !this.#evict((p) => p.address === address)) break;
    }
    while (this.#bytes + total > this.#o.maxPendingBytes) {
      if (!this.#evict(() => true)) break;
    }
    const p: Pending = {
      address,
      total,
      count,
      // Never handed out before every byte of it was written by a fragment.
      buffer: Buffer.allocUnsafe(total),
      have: new Uint8Array(count),
      received: 0,
      startedAt: this.#o.clock.now()
    };
    this.#pending.set(key, p);
    const l = load();
    this.#perPeer.set(address, { count: l.count + 1, bytes: l.bytes + total });
    this.#bytes += total;
    return p;
  }

  /** Drops the oldest incomplete message `which` selects; false when there is none. */
  #evict(which: (p: Pending) => boolean): boolean {
    for (const [key, p] of this.#pending) {
      if (!which(p)) continue;
      this.#remove(key, p);
      this.#stats.dropped.evicted++;
      return true;
    }
    return false;
  }

  #expire(): void {
    const limit = this.#o.clock.now() - this.#o.timeoutMs;
    for (const [key, p] of this.#pending) {
      if (p.startedAt > limit) break; // age order: the rest are younger
      this.#remove(key, p);
      this.#stats.dropped.timeout++;
    }
  }

  #remove(key: string, p: Pending): void {
    if (!this.#pending.delete(key)) return;
    this.#bytes -= p.total;
    const peer = this.#perPeer.get(p.address);
    if (!peer) return;
    if (peer.count <= 1) this.#perPeer.delete(p.address);
    else this.#perPeer.set(p.address, { count: peer.count - 1, bytes: peer.bytes - p.total });
  }

  #drop(reason: FragmentDrop): null {
    this.#stats.dropped[reason]++;
    return null;
  }
}
