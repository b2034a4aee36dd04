/**
 * The in-process network: every node of a devnet or simulation gets a `memory` transport from one
 * network, and every delivery happens on the injected Clock through one deterministic queue, so a
 * TestClock drives it and a seed replays it exactly. Faults are part of the medium: seeded delay,
 * loss and reordering, partitions between groups, and crashed nodes.
 */
import { DeliveryQueue } from './delivery-queue.js';
import { TransportError } from './errors.js';
import type { FrameHandler, PeerDownHandler, PeerDownReason, Transport } from './types.js';
import {
  DEFAULT_MEMORY_MAX_FRAME_BYTES,
  type DropReason,
  type MemoryFaults,
  type MemoryNetwork,
  type MemoryNetworkOptions,
  type TraceEvent
} from './memory-types.js';

interface Node {
  address: string;
  transport: Transport;
  frames: Set<FrameHandler>;
  downs: Set<PeerDownHandler>;
  contacts: Set<string>;
  closed: boolean;
}

type Item =
  | { kind: 'frame'; from: Node; to: Node; frame: Uint8Array }
  | { kind: 'down'; to: Node; peer: string; reason: PeerDownReason };

/** `parts` joined into one fresh buffer of `size` bytes. */
function joined(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Creates a memory network; see {@link MemoryNetworkOptions} for the faults it injects. */
export function createMemoryNetwork(options: MemoryNetworkOptions): MemoryNetwork {
  const { clock, random } = options;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MEMORY_MAX_FRAME_BYTES;
  const faults: MemoryFaults = {
    delay: options.delay ?? { minMs: 0, maxMs: 0 },
    loss: options.loss ?? 0,
    reorder: options.reorder ?? 0
  };
  const nodes = new Map<string, Node>();
  const crashed = new Set<string>();
  let partitions: Array<[Set<string>, Set<string>]> = [];
  const lastAt = new Map<string, number>(); // per link, for FIFO delivery
  const tracers = new Set<(event: TraceEvent) => void>();
  const dropped: Record<DropReason, number> = { loss: 0, partition: 0, crashed: 0, closed: 0 };
  const counters = { sent: 0, delivered: 0, bytesSent: 0, bytesDelivered: 0, handlerErrors: 0 };

  const trace = (
    event: TraceEvent['event'],
    from: string,
    to: string,
    bytes: number,
    reason?: DropReason
  ): void => {
    if (tracers.size === 0) return;
    const e: TraceEvent = { at: clock.now(), event, from, to, bytes, ...(reason && { reason }) };
    for (const t of tracers) t(e);
  };
  const drop = (from: string, to: string, bytes: number, reason: DropReason): void => {
    dropped[reason]++;
    trace('drop', from, to, bytes, reason);
  };
  const split = (a: string, b: string): boolean =>
    partitions.some(([x, y]) => (x.has(a) && y.has(b)) || (x.has(b) && y.has(a)));
  const live = (n: Node): boolean => !n.closed && nodes.get(n.address) === n;

  const queue = new DeliveryQueue<Item>(clock, (item) => {
    const to = item.to;
    const dest = to.address;
    if (item.kind === 'down') {
      if (live(to) && !crashed.has(dest)) for (const h of [...to.downs]) h(item.peer, item.reason);
      return;
    }
    const src = item.from.address;
    const bytes = item.frame.byteLength;
    // Conditions are checked again on arrival: a crash or partition cuts frames already in flight.
    if (!live(to)) return drop(src, dest, bytes, 'closed');
    if (crashed.has(dest) || crashed.has(src)) return drop(src, dest, bytes, 'crashed');
    if (split(src, dest)) return drop(src, dest, bytes, 'partition');
    counters.delivered++;
    counters.bytesDelivered += bytes;
    trace('deliver', src, dest, bytes);
    to.contacts.add(src);
    let first = true;
    for (const h of [...to.frames]) {
      // Each handler owns its frame: the first gets the send-time copy, others their own.
      const frame = first ? item.frame : new Uint8Array(item.frame);
      first = false;
      try {
        h(src, frame);
      } catch (err) {
        counters.handlerErrors++;
        options.onHandlerError?.(err, { from: src, to: dest });
      }
    }
  });

  /** Tells every live peer that had contact with `node` that it went away. */
  const announceDown = (node: Node, reason: PeerDownReason): void => {
    const address = node.address;
    for (const peer of nodes.values()) {
      if (peer !== node && peer.contacts.delete(address)) {
        queue.push(clock.now(), { kind: 'down', to: peer, peer: address, reason });
      }
    }
    node.contacts.clear();
  };

  const open = (address: string): Transport => {
    if (nodes.has(address)) {
      throw new TransportError('ERR_TRANSPORT_ADDRESS_IN_USE', `${address} is already open`);
    }
    const frames = new Set<FrameHandler>();
    const downs = new Set<PeerDownHandler>();
    const contacts = new Set<string>();
    /** Queues the frame `copy` makes (the medium's own, taken only once the send is accepted). */
    const accept = (to: string, copy: () => Uint8Array): void => {
      if (node.closed) throw TransportError.closed(address);
      const dest = nodes.get(to);
      if (!dest) throw TransportError.unreachable(to, 'no such address');
      if (crashed.has(to)) throw TransportError.unreachable(to, 'node is down');
      const frame = copy();
      counters.sent++;
      counters.bytesSent += frame.byteLength;
      trace('send', address, to, frame.byteLength);
      contacts.add(to);
      // The draws happen in a fixed order whatever the outcome, so one seed gives one trace.
      const lost = random.next() < faults.loss;
      const { minMs, maxMs } = faults.delay;
      const delay = minMs + random.int(maxMs - minMs + 1);
      const held = random.next() < faults.reorder;
      if (crashed.has(address)) return drop(address, to, frame.byteLength, 'crashed');
      if (lost) return drop(address, to, frame.byteLength, 'loss');
      if (split(address, to)) return drop(address, to, frame.byteLength, 'partition');
      const link = `${address}\u0000${to}`;
      let at = clock.now() + delay;
      if (held) at += 1 + random.int(maxMs + 1);
      else at = Math.max(at, lastAt.get(link) ?? 0);
      if (!held) lastAt.set(link, at);
      queue.push(at, { kind: 'frame', from: node, to: dest, frame });
    };
    const transport: Transport = {
      kind: 'memory',
      address,
      maxFrameBytes,
      async send(to, frame) {
        if (frame.byteLength > maxFrameBytes)
          throw TransportError.tooLarge(frame.byteLength, maxFrameBytes);
        accept(to, () => new Uint8Array(frame)); // no aliasing with the sender's buffer
      },
      async sendParts(to, parts, released) {
        try {
          let size = 0;
          for (const p of parts) size += p.byteLength;
          if (size > maxFrameBytes) throw TransportError.tooLarge(size, maxFrameBytes);
          // The one copy of the frame: the pieces are joined straight into the frame delivered.
          accept(to, () => (parts.length === 1 ? new Uint8Array(parts[0]!) : joined(parts, size)));
        } finally {
          released?.(); // copied (or refused) at once: the pieces are free again
        }
      },
      async sendOwned(to, frame) {
        if (frame.byteLength > maxFrameBytes)
          throw TransportError.tooLarge(frame.byteLength, maxFrameBytes);
        accept(to, () => frame); // given up by the sender: delivered as it is
      },
      onFrame(handler) {
        if (!node.closed) frames.add(handler);
        return () => void frames.delete(handler);
      },
      onPeerDown(handler) {
        if (!node.closed) downs.add(handler);
        return () => void downs.delete(handler);
      },
      async close() {
        if (node.closed) return;
        announceDown(node, 'closed');
        node.closed = true;
        frames.clear();
        downs.clear();
        nodes.delete(address);
        crashed.delete(address);
      }
    };
    const node: Node = { address, transport, frames, downs, contacts, closed: false };
    nodes.set(address, node);
    return transport;
  };

  return {
    transport: open,
    partition(a, b) {
      partitions.push([new Set(a), new Set(b)]);
    },
    heal() {
      partitions = [];
    },
    crash(address) {
      const node = nodes.get(address);
      if (!node || crashed.has(address)) return;
      crashed.add(address);
      announceDown(node, 'crashed');
    },
    restart(address) {
      crashed.delete(address);
    },
    configure(next) {
      Object.assign(faults, next);
    },
    onTrace(listener) {
      tracers.add(listener);
      return () => void tracers.delete(listener);
    },
    stats() {
      const lost = Object.values(dropped).reduce((a, b) => a + b, 0);
      return {
        ...counters,
        inFlight: counters.sent - counters.delivered - lost,
        dropped: { ...dropped }
      };
    },
    async close() {
      for (const node of [...nodes.values()]) await node.transport.close();
      queue.clear();
    }
  };
}
