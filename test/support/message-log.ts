/**
 * Collects inspection messages as they arrive (from a bridge subscription or a /ws/inspect socket)
 * and lets a test wait, bounded in time, until a condition on everything seen so far holds.
 */
import type { InspectMessage } from '../../actors/inspection/types.js';

export interface MessageLog {
  seen: InspectMessage[];
  /** Adds a batch and re-checks every waiting condition. */
  push(batch: readonly InspectMessage[]): void;
  /** Resolves once `done(seen)` holds; rejects naming `what` after `waitMs`. */
  until(what: string, done: (m: InspectMessage[]) => boolean): Promise<void>;
}

export function messageLog(waitMs: number): MessageLog {
  const seen: InspectMessage[] = [];
  const waiters = new Set<() => void>();
  return {
    seen,
    push(batch) {
      seen.push(...batch);
      for (const w of [...waiters]) w();
    },
    until: (what, done) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!done(seen)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the feed did not show ${what} within ${waitMs} ms`));
        }, waitMs);
        waiters.add(check);
        check();
      })
  };
}
