/**
 * Reassembles frames that were cut into chunks under the server's max_payload. A publisher's
 * messages reach a subscriber in order, so each sender has at most one frame in progress and its
 * chunks must arrive as 0, 1, 2, ...; a gap (the server dropped a message from a slow consumer),
 * a new frame before the last one finished, or a chunk past the cap discards the partial frame.
 *
 * Memory is bounded three ways: a partial frame never exceeds `maxFrameBytes`; at most
 * `maxSenders` partial frames and `maxPendingBytes` in all are held (the oldest goes first); and a
 * partial frame older than `timeoutMs` on the injected Clock is dropped. Every drop is counted.
 */
import type { Clock } from '../clock.js';

/** Why a partial frame was discarded. */
export type ReassemblyDrop = 'gap' | 'overflow' | 'timeout' | 'evicted';

interface Partial {
  msgId: number;
  count: number;
  parts: Uint8Array[];
  bytes: number;
  startedAt: number;
}

/** Limits of a {@link Reassembler}. */
export interface ReassemblyLimits {
  clock: Clock;
  maxFrameBytes: number;
  timeoutMs: number;
  maxSenders: number;
  maxPendingBytes: number;
}

/** Per-sender reassembly with bounded memory; see the module comment. */
export class Reassembler {
  readonly dropped: Record<ReassemblyDrop, number> = {
    gap: 0,
    overflow: 0,
    timeout: 0,
    evicted: 0
  };
  readonly #l: ReassemblyLimits;
  readonly #partials = new Map<string, Partial>(); // insertion order = oldest first
  #pendingBytes = 0;
  #timer: unknown = null;

  constructor(limits: ReassemblyLimits) {
    this.#l = limits;
  }

  /** Bytes held in partial frames now. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Adds one chunk; returns the whole frame when this chunk completed it. */
  push(from: string, msgId: number, index: number, count: number, bytes: Uint8Array) {
    let p = this.#partials.get(from);
    if (p && (p.msgId !== msgId || index !== p.parts.length || count !== p.count)) {
      this.#drop(from, 'gap');
      p = undefined;
    }
    if (!p) {
      if (index !== 0) return void this.dropped.gap++; // the start of this frame was lost
      p = { msgId, count, parts: [], bytes: 0, startedAt: this.#l.clock.now() };
      this.#partials.set(from, p);
      this.#arm();
    }
    if (p.bytes + bytes.byteLength > this.#l.maxFrameBytes)
      return void this.#drop(from, 'overflow');
    p.parts.push(bytes);
    p.bytes += bytes.byteLength;
    this.#pendingBytes += bytes.byteLength;
    if (p.parts.length === p.count) {
      this.#forget(from, p);
      const whole = new Uint8Array(p.bytes);
      let at = 0;
      for (const part of p.parts) {
        whole.set(part, at);
        at += part.byteLength;
      }
      return whole;
    }
    // Over the global bounds: evict the oldest partial frames (perhaps this one).
    while (
      this.#partials.size > this.#l.maxSenders ||
      this.#pendingBytes > this.#l.maxPendingBytes
    ) {
      const oldest = this.#partials.keys().next().value as string;
      this.#drop(oldest, 'evicted');
    }
    return undefined;
  }

  /** Drops everything and stops the timer. */
  clear(): void {
    this.#l.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#partials.clear();
    this.#pendingBytes = 0;
  }

  #drop(from: string, why: ReassemblyDrop): void {
    const p = this.#partials.get(from);
    if (!p) return;
    this.#forget(from, p);
    this.dropped[why]++;
  }

  #forget(from: string, p: Partial): void {
    this.#partials.delete(from);
    this.#pendingBytes -= p.bytes;
  }

  /** One timer while anything is pending: it fires when the oldest partial frame expires. */
  #arm(): void {
    if (this.#timer !== null) return;
    const oldest = this.#partials.values().next().value;
    if (!oldest) return;
    const due = Math.max(0, oldest.startedAt + this.#l.timeoutMs - this.#l.clock.now());
    this.#timer = this.#l.clock.setTimeout(() => {
      this.#timer = null;
      const now = this.#l.clock.now();
      for (const [from, p] of [...this.#partials]) {
        if (now - p.startedAt >= this.#l.timeoutMs) this.#drop(from, 'timeout');
      }
      this.#arm();
    }, due);
  }
}
