/**
 * The established Noise sessions of one node, by peer address, and the Transport the router runs
 * over: `send(address, frame)` encrypts through the session with that address, `onFrame` hands the
 * router only what a session decrypted, with the address it came from. So the router's
 * `checkSender(address, from)` can demand that `from` is the node id the handshake proved.
 *
 * With no session yet, a router frame waits in a small bounded queue while `connect(address)` (the
 * network layer) starts or wakes the peer actor, and is flushed once its handshake is established;
 * a failed handshake drops the queue (the router's retries take over).
 *
 * An envelope larger than one Noise message (up to the router's 1 MiB) is split into fragments,
 * each its own session message, and reassembled on the other side (fragments.ts).
 *
 * Copies: the router hands an envelope over as pieces (`sendParts`: msgpack around a shard that
 * is the caller's own buffer); each session message is sealed straight from views of those
 * pieces, so the only copy on the way out is the cipher's output. Only a frame that has to wait
 * for a handshake is copied (the caller may change its buffers once the call returns).
 */
import type { Clock } from '../clock.js';
import type { Session } from '../crypto/session.js';
import { TransportError } from '../transports/errors.js';
import type { FrameHandler, Transport } from '../transports/types.js';
import { CHANNEL, MAX_CHANNEL_PAYLOAD, TAG } from './frames.js';
import type { Channel } from './frames.js';
import {
  FRAGMENT_HEADER_BYTES,
  fragmentPieces,
  MAX_ENVELOPE_BYTES,
  Reassembler
} from './fragments.js';
import { HEADER_BYTES, MAX_PLAINTEXT } from '../crypto/session.js';
import { TAGLEN } from '../crypto/primitives.js';
import type { ReassemblyOptions, ReassemblyStats } from './fragments.js';

/** Each channel's byte, allocated once (sealing reads it and never keeps it). */
const CHANNEL_BYTES: Record<Channel, Uint8Array> = {
  [CHANNEL.liveness]: Uint8Array.of(CHANNEL.liveness),
  [CHANNEL.router]: Uint8Array.of(CHANNEL.router),
  [CHANNEL.fragment]: Uint8Array.of(CHANNEL.fragment)
};

/** One authenticated session. */
export interface SessionEntry {
  nodeId: string;
  session: Session;
  hid: string;
}

/** Counters of the session layer. */
export interface ChannelStats {
  sessions: number;
  framesOut: number;
  framesIn: number;
  queued: number;
  /** Router frames dropped: queue full, or the handshake they waited for failed. */
  queueDropped: number;
  sendErrors: number;
  /** Envelopes sent in fragments, and the fragments. */
  fragmentedOut: number;
  fragmentsOut: number;
  /** Incoming fragments: reassembled messages, drops by reason, what is held now. */
  reassembly: ReassemblyStats;
}

export interface SecureChannelOptions {
  raw: Transport;
  /** Asked to establish a session with `address` (start or wake its peer actor). */
  connect: (address: string) => void;
  /** Router frames held per address while its handshake runs. Default 256. */
  maxQueued?: number;
  /** Bytes of router frames held per address while its handshake runs. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** The clock of the reassembly timeout. */
  clock: Clock;
  /** Limits of incoming fragmented messages (defaults in fragments.ts). */
  reassembly?: Omit<ReassemblyOptions, 'clock'>;
}

export class SecureChannel {
  readonly #raw: Transport;
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #byNode = new Map<string, string>();
  readonly #queues = new Map<string, Uint8Array[]>();
  readonly #queuedBytes = new Map<string, number>();
  /** Next fragmented-message id per session; restarts with each session. */
  readonly #fragmentIds = new Map<string, number>();
  readonly #reassembler: Reassembler;
  /** Where session messages are opened (see `open`); one Noise message at most. */
  readonly #scratch = Buffer.allocUnsafeSlow(MAX_PLAINTEXT);
  readonly #handlers = new Set<FrameHandler>();
  readonly #options: SecureChannelOptions;
  readonly #stats = {
    framesOut: 0,
    framesIn: 0,
    queueDropped: 0,
    sendErrors: 0,
    fragmentedOut: 0,
    fragmentsOut: 0
  };
  /** What the router runs over. */
  readonly transport: Transport;

  constructor(options: SecureChannelOptions) {
    this.#options = options;
    this.#raw = options.raw;
    this.#reassembler = new Reassembler({ ...options.reassembly, clock: options.clock });
    this.transport = {
      kind: `noise+${this.#raw.kind}`,
      address: this.#raw.address,
      maxFrameBytes: MAX_ENVELOPE_BYTES,
      send: async (to, frame) => this.#sendRouter(to, [frame]),
      // The pieces are only read during the call (sealed, or copied into the handshake queue).
      sendParts: async (to, parts) => this.#sendRouter(to, parts),
      onFrame: (handler) => {
        this.#handlers.add(handler);
        return () => void this.#handlers.delete(handler);
      },
      close: async () => undefined
    };
  }

  /** The session with `address`, if established. */
  get(address: string): SessionEntry | undefined {
    return this.#sessions.get(address);
  }

  /** Where the node `nodeId` has a session now. */
  addressOf(nodeId: string): string | undefined {
    return this.#byNode.get(nodeId);
  }

  /** Installs a fresh session (replacing any older one) and flushes waiting router frames. */
  install(address: string, entry: SessionEntry): void {
    this.drop(address, false);
    this.#sessions.set(address, entry);
    this.#byNode.set(entry.nodeId, address);
    const queue = this.#queues.get(address) ?? [];
    this.#queues.delete(address);
    this.#queuedBytes.delete(address);
    for (const frame of queue) this.#sendEnvelope(address, [frame], frame.byteLength);
  }

  /** Forgets the session with `address` and wipes its keys; `dropQueue` also fails what waits. */
  drop(address: string, dropQueue = true): void {
    const entry = this.#sessions.get(address);
    if (entry) {
      this.#sessions.delete(address);
      if (this.#byNode.get(entry.nodeId) === address) this.#byNode.delete(entry.nodeId);
      entry.session.destroy();
    }
    // Fragment ids restart with the next session, so nothing half-received may outlive this one.
    this.#fragmentIds.delete(address);
    this.#reassembler.forget(address);
    if (dropQueue) {
      this.#stats.queueDropped += this.#queues.get(address)?.length ?? 0;
      this.#queues.delete(address);
      this.#queuedBytes.delete(address);
    }
  }

  /** Encrypts `payload` on `channel` to `address`; false when there is no session. */
  sendOn(address: string, channel: Channel, payload: Uint8Array): boolean {
    return this.write(address, channel, payload) !== null;
  }

  /**
   * `sendOn` for a bulk sender that wants the raw transport's backpressure: the promise settles
   * once the medium accepted the frame (a failure is counted, never thrown); null with no session.
   */
  write(address: string, channel: Channel, payload: Uint8Array): Promise<void> | null {
    return this.#seal(address, channel, [payload]);
  }

  /** `write` of the payload that `pieces` make when joined, sealed without joining them. */
  #seal(address: string, channel: Channel, pieces: readonly Uint8Array[]): Promise<void> | null {
    const entry = this.#sessions.get(address);
    if (!entry) return null;
    // The tag byte goes in the headroom, and the channel byte and payload are encrypted without
    // joining them. A medium that takes a whole frame as its own (memory) gets one buffer sealed
    // in place and delivers it as is; one that writes pieces (tcp) gets the cipher's pieces and
    // copies nothing; any other gets them joined.
    const owned = this.#raw.sendOwned !== undefined;
    const parts = entry.session.seal([CHANNEL_BYTES[channel], ...pieces], 1, owned);
    parts[0]![0] = TAG.session;
    this.#stats.framesOut++;
    const sent = owned
      ? this.#raw.sendOwned!(address, parts[0]!)
      : this.#raw.sendParts
        ? this.#raw.sendParts(address, parts)
        : this.#raw.send(address, Buffer.concat(parts));
    return sent.catch(() => void this.#stats.sendErrors++);
  }

  /**
   * Decrypts a session frame (tag stripped) from `address`. Throws the Session's BitDustError
   * (ERR_NOISE_REPLAY, ERR_NOISE_DECRYPT, ERR_NOISE_FRAME) or returns null with no session.
   * A router or liveness payload is the caller's own buffer; a fragment payload is a view of the
   * channel's scratch buffer, valid until the next `open`: hand it to `deliverFragment` at once.
   */
  open(address: string, frame: Uint8Array): { channel: number; payload: Uint8Array } | null {
    const entry = this.#sessions.get(address);
    if (!entry) return null;
    // Opened into one reused buffer: the fragments that carry bulk data are copied from it
    // straight into their message (deliverFragment), so a shard costs no fresh buffer per
    // Noise message, and no garbage for the GC; anything else gets its own copy, because the
    // router keeps views of what it is given.
    const plain = entry.session.receive(frame, this.#scratch);
    this.#stats.framesIn++;
    const channel = plain[0] ?? 0;
    const payload = plain.subarray(1);
    if (channel === CHANNEL.fragment) return { channel, payload };
    const own = Buffer.allocUnsafeSlow(payload.byteLength);
    own.set(payload);
    return { channel, payload: own };
  }

  /** Hands a decrypted router frame (the caller's own, from `open`) to the router. */
  deliver(address: string, payload: Uint8Array): void {
    this.#handOver(address, payload);
  }

  /**
   * Takes a decrypted fragment: its bytes are copied into the message being reassembled, and the
   * router gets the envelope (its own buffer) once the last fragment is in.
   */
  deliverFragment(address: string, payload: Uint8Array): void {
    const whole = this.#reassembler.accept(address, payload);
    if (whole) this.#handOver(address, whole);
  }

  /** Gives every router handler its own frame (the router keeps views of it): copies after the first. */
  #handOver(address: string, frame: Uint8Array): void {
    let first = true;
    for (const h of [...this.#handlers]) {
      // `new Uint8Array(view)` copies (a Buffer's `slice` would not).
      h(address, first ? frame : new Uint8Array(frame));
      first = false;
    }
  }

  /** Addresses with a session. */
  addresses(): string[] {
    return [...this.#sessions.keys()];
  }

  stats(): ChannelStats {
    let queued = 0;
    for (const q of this.#queues.values()) queued += q.length;
    return {
      ...this.#stats,
      sessions: this.#sessions.size,
      queued,
      reassembly: this.#reassembler.stats()
    };
  }

  /** Drops every session and queue (the network service is closing). */
  clear(): void {
    for (const address of [...this.#sessions.keys()]) this.drop(address);
    this.#queues.clear();
    this.#queuedBytes.clear();
  }

  #sendRouter(to: string, parts: readonly Uint8Array[]): void {
    let size = 0;
    for (const p of parts) size += p.byteLength;
    if (size > MAX_ENVELOPE_BYTES) throw TransportError.tooLarge(size, MAX_ENVELOPE_BYTES);
    if (this.#sendEnvelope(to, parts, size)) return;
    const queue = this.#queues.get(to) ?? [];
    const bytes = (this.#queuedBytes.get(to) ?? 0) + size;
    if (
      queue.length >= (this.#options.maxQueued ?? 256) ||
      bytes > (this.#options.maxQueuedBytes ?? 4 << 20)
    ) {
      this.#stats.queueDropped++;
      return;
    }
    queue.push(Buffer.concat(parts, size)); // a copy: the caller's buffers are only lent
    this.#queues.set(to, queue);
    this.#queuedBytes.set(to, bytes);
    this.#options.connect(to);
  }

  /**
   * The largest channel payload one raw frame can carry: a Noise message's, or less when the raw
   * transport's frames are smaller (a relayed proxy transport carries 64,000 B), after the frame
   * tag, the session header, the AEAD tag and the channel byte.
   */
  get #channelPayloadLimit(): number {
    const overhead = 1 + HEADER_BYTES + TAGLEN + 1;
    return Math.min(MAX_CHANNEL_PAYLOAD, this.#raw.maxFrameBytes - overhead);
  }

  /**
   * The envelope `parts` make (`size` bytes) as one session message, or as fragments when it is
   * larger, each sealed from views of `parts`; false with no session.
   */
  #sendEnvelope(to: string, parts: readonly Uint8Array[], size: number): boolean {
    const limit = this.#channelPayloadLimit;
    if (size <= limit) return this.#seal(to, CHANNEL.router, parts) !== null;
    if (!this.#sessions.has(to)) return false;
    const id = this.#fragmentIds.get(to) ?? 0;
    this.#fragmentIds.set(to, (id + 1) % 2 ** 32);
    const fragments = fragmentPieces(id, parts, limit - FRAGMENT_HEADER_BYTES);
    this.#stats.fragmentedOut++;
    this.#stats.fragmentsOut += fragments.length;
    for (const pieces of fragments) this.#seal(to, CHANNEL.fragment, pieces);
    return true;
  }
}
