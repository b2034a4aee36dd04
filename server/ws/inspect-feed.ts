/**
 * One /ws/inspect connection: the snapshot first, then the bridge's batches. A slow client must
 * never hold the node back, so while the socket's send buffer is over `maxBuffered` bytes, batches
 * are dropped and counted; once it drains, the client gets `{ kind: 'dropped', count }` and a
 * fresh snapshot, which brings it back to the truth without replaying what it missed.
 */
import type { InspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import type { InspectBatch } from '../../actors/inspection/types.js';

/** The parts of a `ws` WebSocket the feed uses (a fake in unit tests). */
export interface FeedSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  on(event: 'close', listener: () => void): unknown;
}

/** Options of {@link openInspectFeed}. */
export interface InspectFeedOptions {
  /** Bytes allowed in the socket's send buffer before batches are dropped (default 1 MiB). */
  maxBuffered?: number;
}

/** Counters of one feed, for tests and metrics. */
export interface InspectFeed {
  readonly sent: number;
  readonly dropped: number;
  readonly resyncs: number;
  close(): void;
}

const OPEN = 1;

/** Streams the bridge to `socket` until it closes. */
export function openInspectFeed(
  socket: FeedSocket,
  bridge: Pick<InspectionBridge, 'subscribe'>,
  options: InspectFeedOptions = {}
): InspectFeed {
  const maxBuffered = options.maxBuffered ?? 1024 * 1024;
  let pending = 0;
  let unsubscribe: (() => void) | undefined;
  const stats = { sent: 0, dropped: 0, resyncs: 0 };

  const onBatch = (batch: InspectBatch) => {
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > maxBuffered) {
      pending++;
      stats.dropped++;
      return;
    }
    if (pending > 0) {
      socket.send(JSON.stringify([{ kind: 'dropped', count: pending }]));
      pending = 0;
      stats.resyncs++;
      // The fresh snapshot supersedes this batch and everything dropped before it.
      subscribe();
      return;
    }
    socket.send(JSON.stringify(batch));
    stats.sent++;
  };

  function subscribe() {
    unsubscribe?.();
    unsubscribe = bridge.subscribe(onBatch, { snapshot: true });
  }

  const close = () => {
    unsubscribe?.();
    unsubscribe = undefined;
  };
  socket.on('close', close);
  subscribe();
  return {
    get sent() {
      return stats.sent;
    },
    get dropped() {
      return stats.dropped;
    },
    get resyncs() {
      return stats.resyncs;
    },
    close
  };
}
