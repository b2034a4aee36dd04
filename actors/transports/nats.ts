/**
 * The nats transport: nodes attached to a NATS server or cluster, each listening on its own
 * subject `<prefix>.<address>`. Frames are published to the peer's subject with a tiny prefix
 * naming the sender (see nats-wire.ts); a frame larger than the server's max_payload (read from
 * the connection, which may change on reconnect) is cut into chunks and reassembled per sender
 * with bounded memory (see nats-reassembly.ts).
 *
 * A bus cannot tell that nobody listens, so the first send to an address (and again after
 * `probeTtlMs`) sends a probe request: NATS answers "no responders" at once when no node
 * subscribes, and the send rejects with ERR_TRANSPORT_UNREACHABLE. Past the probe, a send resolves
 * once published into the client, and every `flushEveryBytes` waits for a flush round trip, which
 * is the backpressure. nats.js reconnects on its own (bounded attempts); the status is surfaced
 * through `onStatus` and counters, and a connection that gives up closes the endpoint.
 */
import { connect, ErrorCode, type Msg, type NatsConnection, type NatsError } from 'nats';
import { realClock } from '../clock.js';
import { TransportError } from './errors.js';
import { Reassembler } from './nats-reassembly.js';
import { emptyNatsStats, NATS_DEFAULTS, type NatsLinkStatus } from './nats-types.js';
import type { NatsTransport, NatsTransportOptions } from './nats-types.js';
import { decodeMessage, encodeMessage, MAX_CHUNKS, NATS_ADDRESS, NatsKind } from './nats-wire.js';
import { overhead } from './nats-wire.js';
import type { FrameHandler, PeerDownHandler } from './types.js';

const EMPTY = new Uint8Array(0);
/** Link status after each nats.js status event that changes it. */
const LINK: Record<string, NatsLinkStatus> = {
  disconnect: 'disconnected',
  reconnecting: 'reconnecting',
  reconnect: 'connected'
};
/** Peers remembered (for the bye on close, and probe results); bounded, oldest forgotten first. */
const MAX_CONTACTS = 4096;

/** Connects to NATS, claims `options.address` and resolves with the endpoint. */
export async function createNatsTransport(options: NatsTransportOptions): Promise<NatsTransport> {
  const o = { ...NATS_DEFAULTS, clock: realClock, ...options };
  const { address, clock } = o;
  if (!NATS_ADDRESS.test(address)) throw new RangeError(`not a NATS address token: ${address}`);
  const subjectOf = (a: string): string => `${o.subjectPrefix}.${a}`;
  const subject = subjectOf(address);
  const self = Buffer.from(address, 'latin1');

  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.servers,
      name: `bitdust ${address}`,
      maxReconnectAttempts: o.maxReconnectAttempts,
      reconnectTimeWait: o.reconnectTimeWaitMs,
      ...o.connection
    });
  } catch (err) {
    throw TransportError.unreachable(String(o.servers), (err as Error).message);
  }
  await claim(nc, subject, encodeMessage(NatsKind.probe, self, EMPTY), o.probeTimeoutMs);

  const stats = emptyNatsStats();

  const frames = new Map<FrameHandler, boolean>(); // handler → borrows
  const downs = new Set<PeerDownHandler>();
  const statusHandlers = new Set<(s: NatsLinkStatus) => void>();
  // One probe per address, kept while trusted: every send awaits its address's gate, so sends
  // resume in call order whether the probe is running or long done.
  const gates = new Map<string, { until: number; passed: Promise<void> }>();
  const contacts = new Set<string>();
  const reassembler = new Reassembler({
    clock,
    maxFrameBytes: o.maxFrameBytes,
    timeoutMs: o.reassemblyTimeoutMs,
    maxSenders: o.maxPendingSenders,
    maxPendingBytes: o.maxPendingBytes
  });
  let closed = false;
  let msgId = 0;
  let unflushed = 0;
  let flushing: Promise<void> | null = null;

  const setStatus = (s: NatsLinkStatus): void => {
    stats.status = s;
    for (const h of [...statusHandlers]) h(s);
  };
  const remember = (peer: string): void => {
    contacts.delete(peer); // re-insert: Set order is then least recently heard first
    contacts.add(peer);
    if (contacts.size > MAX_CONTACTS) contacts.delete(contacts.values().next().value as string);
  };
  /** `frame` may be a view of nats.js's buffer: borrowers read it, owners get a private copy. */
  const deliver = (from: string, frame: Uint8Array): void => {
    stats.framesIn++;
    stats.bytesIn += frame.byteLength;
    for (const [h, borrow] of [...frames]) {
      try {
        h(from, borrow ? frame : new Uint8Array(frame));
      } catch (err) {
        stats.handlerErrors++;
        o.logger?.warn({ err, from }, 'nats frame handler threw');
      }
    }
  };
  const onMessage = (msg: Msg): void => {
    if (closed) return;
    const m = decodeMessage(msg.data);
    if (!m) {
      stats.badMessages++;
      return void o.logger?.warn({ subject, bytes: msg.data.byteLength }, 'bad nats message');
    }
    remember(m.from);
    if (m.kind === NatsKind.whole) deliver(m.from, m.frame);
    else if (m.kind === NatsKind.chunk) {
      stats.chunksIn++;
      const whole = reassembler.push(m.from, m.msgId, m.index, m.count, new Uint8Array(m.bytes));
      if (whole) deliver(m.from, whole);
    } else if (m.kind === NatsKind.probe) msg.respond(EMPTY);
    else {
      gates.delete(m.from);
      contacts.delete(m.from);
      for (const h of [...downs]) h(m.from, 'closed');
    }
  };
  nc.subscribe(subject, { callback: (_err, msg) => onMessage(msg) });
  await nc.flush(); // the subscription is registered before anyone is told our address

  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') stats.disconnects++;
      if (s.type === 'reconnect') stats.reconnects++;
      if (s.type === 'error') o.logger?.warn({ data: s.data }, 'nats async error');
      const next = LINK[s.type];
      if (next) setStatus(next);
    }
  })();
  void nc.closed().then((err) => {
    if (!closed) o.logger?.warn({ err }, 'nats connection lost for good; transport closed');
    closed = true;
    reassembler.clear();
    setStatus('closed');
  });

  const gate = (to: string): Promise<void> => {
    const known = gates.get(to);
    if (known && known.until > clock.now()) return known.passed;
    stats.probes++;
    const entry = { until: Infinity, passed: Promise.resolve() };
    entry.passed = nc
      .request(subjectOf(to), encodeMessage(NatsKind.probe, self, EMPTY), {
        timeout: o.probeTimeoutMs
      })
      .then(
        () => void (entry.until = clock.now() + o.probeTtlMs),
        (err: NatsError) => {
          if (gates.get(to) === entry) gates.delete(to);
          stats.unreachable++;
          const why = err.code === ErrorCode.NoResponders ? 'no node listens' : err.message;
          throw TransportError.unreachable(to, why);
        }
      );
    gates.set(to, entry);
    if (gates.size > MAX_CONTACTS) gates.delete(gates.keys().next().value as string);
    return entry.passed;
  };

  const publish = (to: string, parts: readonly Uint8Array[], bytes: number): void => {
    const max = nc.info?.max_payload ?? 1 << 20;
    stats.maxPayload = max;
    const dest = subjectOf(to);
    if (overhead(address, false) + bytes <= max) {
      nc.publish(dest, encodeMessage(NatsKind.whole, self, parts));
    } else {
      const frame = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
      const per = max - overhead(address, true);
      const count = Math.ceil(frame.byteLength / per);
      if (per < 1 || count > MAX_CHUNKS) throw TransportError.tooLarge(frame.byteLength, max);
      const id = (msgId = (msgId + 1) >>> 0);
      for (let index = 0; index < count; index++) {
        const piece = frame.subarray(index * per, (index + 1) * per);
        nc.publish(dest, encodeMessage(NatsKind.chunk, self, piece, { msgId: id, index, count }));
      }
      stats.chunksOut += count;
    }
    stats.framesOut++;
    stats.bytesOut += bytes;
    unflushed += bytes;
  };

  // Every message is a fresh buffer (encodeMessage copies), so `send` and `sendParts` are one.
  const send = async (to: string, parts: readonly Uint8Array[]): Promise<void> => {
    let bytes = 0;
    for (const p of parts) bytes += p.byteLength;
    if (bytes > o.maxFrameBytes) throw TransportError.tooLarge(bytes, o.maxFrameBytes);
    if (closed) throw TransportError.closed(address);
    if (!NATS_ADDRESS.test(to)) throw TransportError.unreachable(to, 'not a NATS address token');
    if (o.probeTtlMs > 0) await gate(to);
    if (closed) throw TransportError.closed(address);
    try {
      publish(to, parts, bytes);
    } catch (err) {
      if (err instanceof TransportError) throw err;
      throw TransportError.unreachable(to, (err as Error).message);
    }
    remember(to);
    if (unflushed >= o.flushEveryBytes) {
      unflushed = 0;
      flushing ??= nc.flush().finally(() => (flushing = null));
      await flushing.catch(() => undefined); // a lost connection shows in the status instead
    }
  };

  return {
    kind: 'nats',
    address,
    subject,
    maxFrameBytes: o.maxFrameBytes,
    send: (to, frame) => send(to, [frame]),
    sendParts: send,
    onFrame(handler, options) {
      if (!closed) frames.set(handler, options?.borrow === true);
      return () => void frames.delete(handler);
    },
    onPeerDown(handler) {
      if (!closed) downs.add(handler);
      return () => void downs.delete(handler);
    },
    onStatus(handler) {
      statusHandlers.add(handler);
      return () => void statusHandlers.delete(handler);
    },
    flush: () => nc.flush(),
    async close() {
      if (closed) return;
      for (const peer of contacts)
        nc.publish(subjectOf(peer), encodeMessage(NatsKind.bye, self, EMPTY));
      closed = true;
      frames.clear();
      downs.clear();
      reassembler.clear();
      await nc.drain().catch(() => nc.close());
    },
    stats: () => ({
      ...stats,
      reassemblyDropped: { ...reassembler.dropped },
      pendingBytes: reassembler.pendingBytes
    })
  };
}

/** Fails with ERR_TRANSPORT_ADDRESS_IN_USE when some node already answers on `subject`. */
async function claim(nc: NatsConnection, subject: string, probe: Uint8Array, timeout: number) {
  const answered = await nc.request(subject, probe, { timeout }).then(
    () => true,
    (err: NatsError) => err.code !== ErrorCode.NoResponders
  );
  if (!answered) return;
  await nc.close();
  throw new TransportError('ERR_TRANSPORT_ADDRESS_IN_USE', `${subject} already has a listener`);
}
