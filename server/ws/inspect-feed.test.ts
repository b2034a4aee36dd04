import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InspectBatch, InspectListener } from '../../actors/inspection/index.js';
import { openInspectFeed, type FeedSocket } from './inspect-feed.js';

/** A socket whose send buffer the test fills and drains by hand. */
function fakeSocket() {
  const frames: unknown[][] = [];
  let onClose = () => {};
  const socket: FeedSocket & { bufferedAmount: number; close(): void } = {
    readyState: 1,
    bufferedAmount: 0,
    send: (data) => void frames.push(JSON.parse(data) as unknown[]),
    on: (_event, listener) => (onClose = listener),
    close: () => onClose()
  };
  return { socket, frames };
}

/** A bridge stand-in: the feed only calls subscribe. */
function fakeBridge() {
  const listeners = new Set<InspectListener>();
  let snapshots = 0;
  return {
    subscribe(fn: InspectListener, opts?: { snapshot?: boolean }) {
      listeners.add(fn);
      if (opts?.snapshot) fn([{ kind: 'snapshot', seq: 0, at: snapshots++, nodes: [] }]);
      return () => void listeners.delete(fn);
    },
    emit: (batch: InspectBatch) => [...listeners].forEach((l) => l(batch)),
    get listeners() {
      return listeners.size;
    }
  };
}

const batch = (seq: number): InspectBatch => [
  { kind: 'event', node: 'n', type: 'e', to: 'x:0', seq, at: 0 }
];

test('a slow socket drops batches, then gets the drop count and a fresh snapshot', () => {
  const { socket, frames } = fakeSocket();
  const bridge = fakeBridge();
  const feed = openInspectFeed(socket, bridge, { maxBuffered: 100 });
  bridge.emit(batch(1));
  socket.bufferedAmount = 1000;
  bridge.emit(batch(2));
  bridge.emit(batch(3));
  assert.equal(feed.dropped, 2);
  socket.bufferedAmount = 0;
  bridge.emit(batch(4));
  assert.deepEqual(
    frames.map((f) => (f[0] as { kind: string }).kind),
    ['snapshot', 'event', 'dropped', 'snapshot']
  );
  assert.deepEqual(frames[2], [{ kind: 'dropped', count: 2 }]);
  assert.equal(feed.resyncs, 1);
  assert.equal(bridge.listeners, 1, 'resubscribed, not subscribed twice');
  bridge.emit(batch(5));
  assert.equal(frames.length, 5);
});

test('closing the socket unsubscribes; a closed socket is never written to', () => {
  const { socket, frames } = fakeSocket();
  const bridge = fakeBridge();
  openInspectFeed(socket, bridge);
  socket.close();
  assert.equal(bridge.listeners, 0);
  const other = fakeSocket();
  const closing = { ...other.socket, readyState: 2 };
  openInspectFeed(closing, bridge);
  assert.equal(other.frames.length, 0);
  assert.equal(frames.length, 1);
});
