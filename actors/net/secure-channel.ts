/**
 * The established Noise sessions of one node, by peer address, and the Transport the router runs
 * over: `send(address, frame)` encrypts through the session with that address, `onFrame` hands the
 * router only what a session decrypted, with the address it came from. So the router's
 * `checkSender(address, from)` can demand that `from` is the node id the handshake proved.
 *
 * With no session yet, a router frame waits in a small bounded queue while `connect(address)` (the
 * network layer) starts or wakes the peer actor, and is flushed once its handshake is established;
 * a failed handshake drops the queue (the router's retries take over).
 */
import type { Session } from '../crypto/session.js';
import { TransportError } from '../transports/errors.js';
import type { FrameHandler, Transport } from '../transports/types.js';
import { CHANNEL, MAX_CHANNEL_PAYLOAD, prefixed, TAG } from './frames.js';
import type { Channel } from './frames.js';

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
}

export interface SecureChannelOptions {
  raw: Transport;
  /** Asked to establish a session with `address` (start or wake its peer actor). */
  connect: (address: string) => void;
  /** Router frames held per address while its handshake runs. Default 256. */
  maxQueued?: number;
}

export class SecureChannel {
  readonly #raw: Transport;
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #byNode = new Map<string, string>();
  readonly #queues = new Map<string, Uint8Array[]>();
  readonly #handlers = new Set<FrameHandler>();
  readonly #options: SecureChannelOptions;
  readonly #stats = { framesOut: 0, framesIn: 0, queueDropped: 0, sendErrors: 0 };
  /** What the router runs over. */
  readonly transport: Transport;

  constructor(options: SecureChannelOptions) {
    this.#options = options;
    this.#raw = options.raw;
    this.transport = {
      kind: `noise+${this.#raw.kind}`,
      address: this.#raw.address,
      maxFrameBytes: MAX_CHANNEL_PAYLOAD,
      send: async (to, frame) => this.#sendRouter(to, frame),
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
    for (const frame of queue) this.sendOn(address, CHANNEL.router, frame);
  }

  /** Forgets the session with `address` and wipes its keys; `dropQueue` also fails what waits. */
  drop(address: string, dropQueue = true): void {
    const entry = this.#sessions.get(address);
    if (entry) {
      this.#sessions.delete(address);
      if (this.#byNode.get(entry.nodeId) === address) this.#byNode.delete(entry.nodeId);
      entry.session.destroy();
    }
    if (dropQueue) {
      this.#stats.queueDropped += this.#queues.get(address)?.length ?? 0;
      this.#queues.delete(address);
    }
  }

  /** Encrypts `payload` on `channel` to `address`; false when there is no session. */
  sendOn(address: string, channel: Channel, payload: Uint8Array): boolean {
    const entry = this.#sessions.get(address);
    if (!entry) return false;
    const frame = prefixed(TAG.session, entry.session.send(prefixed(channel, payload)));
    this.#stats.framesOut++;
    this.#raw.send(address, frame).catch(() => void this.#stats.sendErrors++);
    return true;
  }

  /**
   * Decrypts a session frame (tag stripped) from `address`. Throws the Session's BitDustError
   * (ERR_NOISE_REPLAY, ERR_NOISE_DECRYPT, ERR_NOISE_FRAME) or returns null with no session.
   */
  open(address: string, frame: Uint8Array): { channel: number; payload: Uint8Array } | null {
    const entry = this.#sessions.get(address);
    if (!entry) return null;
    const plain = entry.session.receive(frame);
    this.#stats.framesIn++;
    return { channel: plain[0] ?? 0, payload: plain.subarray(1) };
  }

  /** Hands a decrypted router frame to the router. */
  deliver(address: string, payload: Uint8Array): void {
    for (const h of [...this.#handlers]) h(address, payload);
  }

  /** Addresses with a session. */
  addresses(): string[] {
    return [...this.#sessions.keys()];
  }

  stats(): ChannelStats {
    let queued = 0;
    for (const q of this.#queues.values()) queued += q.length;
    return { ...this.#stats, sessions: this.#sessions.size, queued };
  }

  /** Drops every session and queue (the network service is closing). */
  clear(): void {
    for (const address of [...this.#sessions.keys()]) this.drop(address);
    this.#queues.clear();
  }

  #sendRouter(to: string, frame: Uint8Array): void {
    if (frame.byteLength > MAX_CHANNEL_PAYLOAD) {
      throw TransportError.tooLarge(frame.byteLength, MAX_CHANNEL_PAYLOAD);
    }
    if (this.sendOn(to, CHANNEL.router, frame)) return;
    const queue = this.#queues.get(to) ?? [];
    if (queue.length >= (this.#options.maxQueued ?? 256)) {
      this.#stats.queueDropped++;
      return;
    }
    queue.push(Uint8Array.from(frame));
    this.#queues.set(to, queue);
    this.#options.connect(to);
  }
}
