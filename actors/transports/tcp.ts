/**
 * The tcp transport: direct links between nodes. Each endpoint listens on `tcp://host:port` and
 * keeps one connection per peer, used both ways: the dialer's hello names its listening address,
 * so the listener attributes frames to it and answers on the same socket instead of dialing back.
 * If both sides dial at once, both connections live; each side keeps sending on the one it had
 * first, which is what keeps every direction in order.
 *
 * Reconnecting is lazy: nothing dials until the next send. A failed dial starts a backoff (doubling,
 * capped) during which sends to that address reject at once, so there is no retry loop anywhere.
 * Keepalive pings detect a dead peer, reported through `onPeerDown` ('closed' after a bye, 'lost'
 * otherwise). Bad input — garbage, an oversized length, a wrong hello, a connection flood from one
 * address — closes that connection with a logged reason and a counter; the endpoint stays up.
 *
 * The `from` of a frame is what the dialer's hello claims, unauthenticated at this layer: the Noise
 * session above proves who is speaking. A forged hello can at worst displace a peer's connection.
 */
import { connect, createServer, isIP, type Socket } from 'node:net';
import { realClock } from '../clock.js';
import { TransportError } from './errors.js';
import { TcpConnection, type ConnectionConfig, type ConnectionEvents } from './tcp-connection.js';
import { parseTcpAddress } from './tcp-framing.js';
import { ConnectionRateLimit } from './tcp-rate-limit.js';
import { TcpPeers } from './tcp-peers.js';
import { emptyTcpStats, TCP_DEFAULTS, type TcpCloseReason } from './tcp-types.js';
import type { TcpTransport, TcpTransportOptions } from './tcp-types.js';
import type { FrameHandler, PeerDownHandler } from './types.js';

/** Closes caused by bad input: logged at warn and counted as bad frames. */
const BAD_INPUT = new Set<TcpCloseReason>(['bad-length', 'bad-kind', 'bad-hello', 'no-hello']);

/** Starts listening on `options.host` and resolves with the endpoint. */
export async function createTcpTransport(options: TcpTransportOptions): Promise<TcpTransport> {
  const o = { ...TCP_DEFAULTS, clock: realClock, ...options };
  const cfg: ConnectionConfig = { ...o, helloTimeoutMs: o.connectTimeoutMs };
  const stats = emptyTcpStats();
  const frames = new Map<FrameHandler, boolean>(); // handler → borrows
  const downs = new Set<PeerDownHandler>();
  const limit = new ConnectionRateLimit(o.clock, o.connectionsPerWindow, o.rateWindowMs);
  let closed = false;
  let accepted = 0;

  const events: ConnectionEvents = {
    hello: (conn, address) => peers.attach(conn, address),
    frame(conn, body) {
      const from = conn.peer as string;
      for (const [h, borrow] of [...frames]) {
        // `body` is the decoder's borrowed view: a borrowing handler reads it as it is, every
        // other handler gets a private copy of its own.
        const frame = borrow ? body : new Uint8Array(body);
        try {
          h(from, frame);
        } catch (err) {
          stats.handlerErrors++;
          o.logger?.warn({ err, from }, 'tcp frame handler threw');
        }
      }
    },
    closed(conn, reason) {
      stats.open--;
      stats.closed[reason]++;
      if (!conn.dialed) accepted--;
      if (BAD_INPUT.has(reason)) {
        stats.badFrames++;
        o.logger?.warn({ peer: conn.peer, reason }, 'tcp connection closed on bad input');
      } else o.logger?.debug?.({ peer: conn.peer, reason }, 'tcp connection closed');
      peers.detach(conn, reason);
    },
    count(what, bytes) {
      if (what === 'in') {
        stats.framesIn++;
        stats.bytesIn += bytes;
      } else if (what === 'out') {
        stats.framesOut++;
        stats.bytesOut += bytes;
      } else if (what === 'ping') stats.pingsSent++;
      else stats.drainWaits++;
    }
  };

  const server = createServer((socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    let refuse: TcpCloseReason | null = null;
    if (closed) refuse = 'local-close';
    else if (!limit.take(ip)) refuse = 'rate-limited';
    else if (accepted >= o.maxConnections) refuse = 'too-many';
    if (refuse) {
      stats.closed[refuse]++;
      if (refuse === 'rate-limited') stats.rateLimited++;
      if (refuse !== 'local-close')
        o.logger?.warn({ ip, reason: refuse }, 'tcp connection refused');
      return void socket.destroy();
    }
    stats.accepted++;
    stats.open++;
    accepted++;
    peers.track(new TcpConnection(socket, null, cfg, events));
  });
  const port = await listen(server, o.host, o.port);
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const address = `tcp://${host}:${port}`;

  const dial = (to: string): Promise<TcpConnection> => {
    const target = parseTcpAddress(to);
    if (!target) return Promise.reject(TransportError.unreachable(to, 'not a tcp://host:port'));
    stats.dialed++;
    return new Promise((resolve, reject) => {
      const localAddress = dialFrom(o.host, target.host);
      const socket: Socket = connect({
        host: target.host,
        port: target.port,
        ...(localAddress ? { localAddress } : {})
      });
      const fail = (why: string): void => {
        o.clock.clearTimeout(timer);
        socket.destroy();
        stats.dialFailures++;
        reject(TransportError.unreachable(to, why));
      };
      const timer = o.clock.setTimeout(() => fail('connect timed out'), o.connectTimeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      socket.once('connect', () => {
        o.clock.clearTimeout(timer);
        socket.removeAllListeners('error');
        if (closed) return fail('transport closed while dialing');
        stats.open++;
        resolve(new TcpConnection(socket, { peer: to, self: address }, cfg, events));
      });
    });
  };
  const peers = new TcpPeers(o, dial, (peer, reason) => {
    for (const h of [...downs]) h(peer, reason);
  });

  const sendParts = (
    to: string,
    parts: readonly Uint8Array[],
    released?: () => void
  ): Promise<void> => {
    let bytes = 0;
    for (const p of parts) bytes += p.byteLength;
    if (bytes > o.maxFrameBytes) {
      released?.();
      return Promise.reject(TransportError.tooLarge(bytes, o.maxFrameBytes));
    }
    if (closed) {
      released?.();
      return Promise.reject(TransportError.closed(address));
    }
    // The fast path stays synchronous, so back-to-back sends hit the socket in call order.
    const conn = peers.ready(to);
    if (conn) return conn.sendParts(parts, released);
    return peers.connect(to).then(
      (c) => c.sendParts(parts, released),
      (err: unknown) => {
        released?.();
        throw err;
      }
    );
  };

  return {
    kind: 'tcp',
    address,
    maxFrameBytes: o.maxFrameBytes,
    send(to, frame) {
      // A copy now: the caller may reuse `frame` as soon as this resolves.
      return sendParts(to, [Buffer.from(frame)]);
    },
    sendParts,
    onFrame(handler, options) {
      if (!closed) frames.set(handler, options?.borrow === true);
      return () => void frames.delete(handler);
    },
    onPeerDown(handler) {
      if (!closed) downs.add(handler);
      return () => void downs.delete(handler);
    },
    async close() {
      if (closed) return;
      closed = true;
      frames.clear();
      downs.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await peers.closeAll();
      await stopped;
    },
    stats: () => ({ ...stats, closed: { ...stats.closed } })
  };
}

/** Listens and resolves with the bound port; EADDRINUSE becomes ERR_TRANSPORT_ADDRESS_IN_USE. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The source address to dial from: the listening host, when it is one concrete address that can
 * reach the target (a loopback host only reaches loopback), so a peer sees the same address on
 * the connections a node accepts and dials (distinct nodes on 127.0.0.x stay distinct).
 */
function dialFrom(listenHost: string, targetHost: string): string | undefined {
  if (listenHost === '0.0.0.0' || listenHost === '::' || listenHost === 'localhost') return;
  if (!isIP(listenHost)) return;
  if (LOOPBACK.test(listenHost) && !LOOPBACK.test(targetHost)) return;
  const family = isIP(targetHost);
  if (family !== 0 && family !== isIP(listenHost)) return; // IPv4 cannot dial IPv6, nor back
  return listenHost;
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number) {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new TransportError('ERR_TRANSPORT_ADDRESS_IN_USE', `${host}:${port}`, { cause: err })
          : err
      )
    );
    server.listen({ host, port }, () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : port);
    });
  });
}
