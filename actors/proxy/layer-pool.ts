/**
 * Recycled buffers for a router's opened layers. Opening a layer into a fresh 48 KiB buffer per
 * cell made V8 collect garbage for "external memory pressure" about as often as it encrypted;
 * a router instead opens each layer into a buffer from here and gives it back once the transport
 * has written the forwarded cell (Transport.sendParts' `released`).
 *
 * Ownership: `take` hands a buffer out to one holder, which gives it back exactly once, and only
 * once nothing (no socket write, no consumer) references it any more. A buffer never given back
 * (a medium that does not report `released`) is simply left to the garbage collector.
 */
import { MAX_PLAINTEXT } from '../crypto/session.js';

/** Large enough for any layer's plaintext. */
export const LAYER_BYTES = MAX_PLAINTEXT;

export class LayerPool {
  readonly #free: Buffer[] = [];
  /** Buffers handed out and not given back yet (a leak or reuse-too-early check for tests). */
  outstanding = 0;
  /** Buffers allocated in all: a bounded number when they are recycled. */
  allocated = 0;

  /** `keep`: how many free buffers are kept; more given back are dropped. */
  constructor(readonly keep = 64) {}

  take(): Buffer {
    this.outstanding++;
    const b = this.#free.pop();
    if (b) return b;
    this.allocated++;
    return Buffer.allocUnsafeSlow(LAYER_BYTES);
  }

  /** A function that gives `b` back once, however often it is called. */
  giver(b: Buffer): () => void {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.outstanding--;
      if (this.#free.length < this.keep) this.#free.push(b);
    };
  }
}
