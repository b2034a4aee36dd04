/**
 * The transport session built from a finished handshake: two directional keys, explicit message
 * numbers, a replay window and deterministic rekeying. It does no I/O: `send` turns a plaintext
 * into a frame and `receive` turns a frame back, so any transport (stream or datagram) can carry it.
 *
 * Frame: 8-byte big-endian message number `n` ‖ ChaChaPoly(k_epoch, n, ad = "", plaintext). The
 * number is the AEAD nonce, so changing it breaks the tag. Numbers never repeat per direction.
 *
 * Rekeying is tied to the number: epoch = floor(n / rekeyInterval), k_{epoch+1} = REKEY(k_epoch)
 * (Noise §11.3). Both sides derive the key from the number alone, so rekeying needs no message and
 * survives reordering; `rekey()` on request just jumps the sender to the next epoch boundary. The
 * receiver keeps the previous epoch's key for stragglers, which is why the replay window must not
 * exceed the interval. Payloads above {@link MAX_PLAINTEXT} are the framing layer's job.
 */
import { BitDustError } from '../errors.js';
import type { HandshakeResult } from './handshake-state.js';
import { BULK_BYTES, open as fresh, openInto, sealJoined, sealParts } from './bulk-aead.js';
import { MAX_MESSAGE, rekey, TAGLEN, wipe } from './primitives.js';
import { ReplayWindow } from './replay-window.js';

/** Bytes of the message-number header in front of each ciphertext. */
export const HEADER_BYTES = 8;
/** Largest plaintext one frame carries: a Noise message is at most 65535 bytes including the tag. */
export const MAX_PLAINTEXT = MAX_MESSAGE - TAGLEN;
/** Default messages per key epoch: 2^20, far below ChaChaPoly's safe usage and cheap to derive. */
export const DEFAULT_REKEY_INTERVAL = 1 << 20;
/** How many epochs a receiver will roll forward for one message (lost traffic or requested rekeys). */
const MAX_EPOCH_SKIP = 8;

/** Tuning that both ends must agree on (the interval) or may choose alone (the window). */
export interface SessionOptions {
  rekeyInterval?: number;
  replayWindow?: number;
}

/** An established, encrypted, replay-protected channel to one peer. */
export class Session {
  readonly handshakeHash: Uint8Array;
  readonly remoteStaticKey: Uint8Array | null;
  readonly #interval: number;
  readonly #window: ReplayWindow;
  #sendKey: Uint8Array;
  #sendEpoch = 0;
  #sendN = 0;
  #recvKey: Uint8Array;
  #recvPrev: Uint8Array | null = null;
  #recvEpoch = 0;
  #closed = false;

  constructor(
    sendKey: Uint8Array,
    recvKey: Uint8Array,
    handshakeHash: Uint8Array,
    remoteStaticKey: Uint8Array | null,
    opts: SessionOptions = {}
  ) {
    this.#interval = opts.rekeyInterval ?? DEFAULT_REKEY_INTERVAL;
    const windowSize = opts.replayWindow ?? Math.min(1024, this.#interval);
    if (!Number.isInteger(this.#interval) || this.#interval < 1 || windowSize > this.#interval) {
      throw new RangeError('rekeyInterval must be a positive integer ≥ replayWindow');
    }
    this.#window = new ReplayWindow(windowSize);
    this.#sendKey = Buffer.from(sendKey);
    this.#recvKey = Buffer.from(recvKey);
    this.handshakeHash = Buffer.from(handshakeHash);
    this.remoteStaticKey = remoteStaticKey && Buffer.from(remoteStaticKey);
  }

  /** The session for one side of a completed two-way handshake; wipes the handshake's ciphers. */
  static fromHandshake(
    result: HandshakeResult,
    initiator: boolean,
    opts?: SessionOptions
  ): Session {
    const [out, inn] = initiator ? [result.c1, result.c2] : [result.c2, result.c1];
    const s = new Session(out.key, inn.key, result.handshakeHash, result.remoteStaticKey, opts);
    result.c1.destroy();
    result.c2.destroy();
    return s;
  }

  /** Messages sent so far (the next message number). */
  get sendNonce(): number {
    return this.#sendN;
  }

  /** Encrypt one message into a frame (one buffer). */
  send(plaintext: Uint8Array): Uint8Array {
    const parts = this.seal([plaintext]);
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  /**
   * Encrypt one message given in pieces (joined, they are the plaintext) and return the frame as
   * pieces: `headroom` zero bytes ‖ the 8-byte number, then one ciphertext piece per plaintext
   * piece, then the tag. Joined, the pieces after the headroom are exactly `send`'s frame, so a
   * caller can put its own prefix in the headroom and a transport can write the pieces with one
   * writev instead of copying them together. Every piece is a fresh buffer. A message under
   * BULK_BYTES comes back as one piece (joining it is cheaper than writing pieces), and so does
   * every message with `joined` (sealed in place by libsodium: one allocation, for a medium that
   * takes a whole frame without copying it).
   */
  seal(plaintext: readonly Uint8Array[], headroom = 0, joined = false): Buffer[] {
    this.#open();
    let bytes = 0;
    for (const p of plaintext) bytes += p.byteLength;
    if (bytes > MAX_PLAINTEXT) {
      throw new BitDustError('ERR_NOISE_TOO_LARGE', `${bytes} B exceeds one frame`);
    }
    const n = this.#sendN;
    if (n >= Number.MAX_SAFE_INTEGER) {
      throw new BitDustError('ERR_NOISE_NONCE_EXHAUSTED', 'session exhausted; handshake again');
    }
    const epoch = Math.floor(n / this.#interval);
    while (this.#sendEpoch < epoch) {
      const next = rekey(this.#sendKey);
      wipe(this.#sendKey);
      this.#sendKey = next;
      this.#sendEpoch += 1;
    }
    if (bytes < BULK_BYTES || joined) {
      // Small: one buffer, sealed by libsodium (cheaper per message), headroom zeroed.
      const frame = sealJoined(this.#sendKey, n, plaintext, headroom + HEADER_BYTES);
      frame.writeUInt32BE(Math.floor(n / 2 ** 32), headroom);
      frame.writeUInt32BE(n % 2 ** 32, headroom + 4);
      this.#sendN = n + 1;
      return [frame];
    }
    const { ciphertext, tag } = sealParts(this.#sendKey, n, plaintext);
    // Small, so from Node's shared pool: zero the headroom, every other byte is written here.
    const head = Buffer.allocUnsafe(headroom + HEADER_BYTES).fill(0, 0, headroom);
    head.writeUInt32BE(Math.floor(n / 2 ** 32), headroom);
    head.writeUInt32BE(n % 2 ** 32, headroom + 4);
    this.#sendN = n + 1;
    const parts: Buffer[] = [head];
    for (const c of ciphertext) if (c.byteLength > 0) parts.push(c);
    parts.push(tag);
    return parts;
  }

  /**
   * Decrypt one frame. Rejects with ERR_NOISE_REPLAY (seen or older than the window),
   * ERR_NOISE_FRAME (malformed) or ERR_NOISE_DECRYPT (forged or corrupted); none changes state.
   * With `into` (at least `frame.byteLength - 24` bytes, not overlapping `frame`) the plaintext is
   * written there and a view of it returned, instead of a fresh buffer: for a caller that recycles
   * its buffers. Nothing is written to `into` unless the frame authenticates.
   */
  receive(frame: Uint8Array, into?: Uint8Array): Uint8Array {
    this.#open();
    if (frame.byteLength < HEADER_BYTES + TAGLEN || frame.byteLength > HEADER_BYTES + MAX_MESSAGE) {
      throw new BitDustError('ERR_NOISE_FRAME', `frame of ${frame.byteLength} B`);
    }
    const view = new DataView(frame.buffer, frame.byteOffset, HEADER_BYTES);
    const high = view.getUint32(0);
    const n = high * 2 ** 32 + view.getUint32(4);
    // 2^53 - 1 and above can never be sent (see send), so such a number is malformed.
    if (high >= 2 ** 21 || n >= Number.MAX_SAFE_INTEGER) {
      throw new BitDustError('ERR_NOISE_FRAME', 'bad nonce');
    }
    const verdict = this.#window.check(n);
    if (verdict !== 'ok') throw new BitDustError('ERR_NOISE_REPLAY', `message ${n} is ${verdict}`);
    const epoch = Math.floor(n / this.#interval);
    const body = frame.subarray(HEADER_BYTES);
    const open = into
      ? (k: Uint8Array, m: number, b: Uint8Array) => openInto(k, m, b, into)
      : fresh;
    let plaintext: Uint8Array;
    if (epoch === this.#recvEpoch) plaintext = open(this.#recvKey, n, body);
    else if (epoch === this.#recvEpoch - 1 && this.#recvPrev) {
      plaintext = open(this.#recvPrev, n, body);
    } else if (epoch > this.#recvEpoch && epoch - this.#recvEpoch <= MAX_EPOCH_SKIP) {
      // Derive forward without committing: only an authentic message may move the epoch.
      const chain = [this.#recvKey];
      for (let e = this.#recvEpoch; e < epoch; e++) chain.push(rekey(chain[chain.length - 1]!));
      try {
        plaintext = open(chain[chain.length - 1]!, n, body);
      } catch (err) {
        for (const k of chain.slice(1)) wipe(k);
        throw err;
      }
      wipe(this.#recvPrev);
      for (const k of chain.slice(0, -2)) wipe(k);
      this.#recvPrev = chain[chain.length - 2]!;
      this.#recvKey = chain[chain.length - 1]!;
      this.#recvEpoch = epoch;
    } else {
      throw new BitDustError('ERR_NOISE_REPLAY', `message ${n} outside the key epochs held`);
    }
    this.#window.commit(n);
    return plaintext;
  }

  /** Rekey on request: the next message starts a fresh key epoch; the peer follows from the number. */
  rekey(): void {
    this.#open();
    this.#sendN = (Math.floor(this.#sendN / this.#interval) + 1) * this.#interval;
  }

  /** Wipe all keys; further use throws ERR_NOISE_CLOSED. */
  destroy(): void {
    this.#closed = true;
    wipe(this.#sendKey);
    wipe(this.#recvKey);
    wipe(this.#recvPrev);
  }

  #open(): void {
    if (this.#closed) throw new BitDustError('ERR_NOISE_CLOSED', 'session destroyed');
  }
}
