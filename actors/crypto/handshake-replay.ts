/**
 * Responder-side replay filter for first handshake messages. Every pattern we use opens with the
 * initiator's fresh ephemeral key, so a step-0 frame whose first 32 bytes were seen recently is a
 * replay (or a retransmit for a handshake already running, which the live machine handles). A
 * replay could never complete a handshake, but answering it costs DH operations and lets an
 * observer probe us; refusing it before a machine is spawned keeps that free.
 */
import type { Clock } from '../clock.js';

/** Remembers recent step-0 ephemerals for `ttlMs`, at most `capacity` of them. */
export class HandshakeReplayFilter {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 10 * 60_000,
    private readonly capacity = 65_536
  ) {}

  /**
   * True when this first message is new (and records it); false for a replay. Old entries expire
   * after `ttlMs`; past `capacity` the oldest are forgotten first (Map keeps insertion order).
   */
  admit(noise: Uint8Array): boolean {
    const now = this.clock.now();
    const key = Buffer.from(noise.subarray(0, 32)).toString('base64');
    for (const [k, at] of this.#seen) {
      if (now - at < this.ttlMs && this.#seen.size < this.capacity) break;
      this.#seen.delete(k);
    }
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, now);
    return true;
  }

  /** Entries currently remembered (for counters in the inspector). */
  get size(): number {
    return this.#seen.size;
  }
}
