/**
 * What a first handshake message must pass before it may cost us any DH work or a peer actor:
 * a per-address rate limit (a token bucket on the node's clock) and the replay filter (a step-0
 * ephemeral seen in the last 10 minutes is a replay). A retransmission of the latest first message
 * from the same address is not a replay: it goes to the running handshake, which answers it within
 * its own retry budget.
 */
import type { Clock } from '../clock.js';
import { HandshakeReplayFilter } from '../crypto/handshake-replay.js';
import type { HandshakeFrame } from '../../machines/handshake/messages.js';

/** Why a first message was refused. */
export type GuardRefusal = 'rate-limited' | 'replay';

export interface HandshakeGuardOptions {
  clock: Clock;
  /** First messages accepted per address per `windowMs` (burst and refill). Default 8 per 10 s. */
  perWindow?: number;
  windowMs?: number;
  /** Addresses tracked at once; the least recently seen are forgotten first. Default 4096. */
  maxAddresses?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  lastHid: string;
  lastNoise: Uint8Array | null;
}

export class HandshakeGuard {
  readonly #replays: HandshakeReplayFilter;
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: Clock;
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #max: number;

  constructor(options: HandshakeGuardOptions) {
    this.#clock = options.clock;
    this.#replays = new HandshakeReplayFilter(options.clock);
    this.#perWindow = options.perWindow ?? 8;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#max = options.maxAddresses ?? 4096;
  }

  /**
   * Checks a step-0 frame from `address`: 'retransmit' (same as the latest: route it to the
   * running handshake), 'new' (admitted), or the refusal.
   */
  check(address: string, frame: HandshakeFrame): 'new' | 'retransmit' | GuardRefusal {
    const now = this.#clock.now();
    let b = this.#buckets.get(address);
    if (b && b.lastHid === frame.hid && b.lastNoise && same(b.lastNoise, frame.noise)) {
      return 'retransmit';
    }
    if (!b) {
      b = { tokens: this.#perWindow, at: now, lastHid: '', lastNoise: null };
      if (this.#buckets.size >= this.#max) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    } else this.#buckets.delete(address); // re-inserted below: Map order is recency
    this.#buckets.set(address, b);
    b.tokens = Math.min(
      this.#perWindow,
      b.tokens + ((now - b.at) * this.#perWindow) / this.#windowMs
    );
    b.at = now;
    if (b.tokens < 1) return 'rate-limited';
    b.tokens -= 1;
    if (!this.#replays.admit(frame.noise)) return 'replay';
    b.lastHid = frame.hid;
    b.lastNoise = Uint8Array.from(frame.noise);
    return 'new';
  }

  /** Remembered step-0 ephemerals (for the counters). */
  get remembered(): number {
    return this.#replays.size;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a).equals(b);
}
