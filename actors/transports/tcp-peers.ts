/**
 * The tcp transport's peer table: which connection each peer address is reached by, the one dial
 * in flight per address (concurrent sends share it, and resume in call order), and the backoff
 * after failed dials. A peer's sending connection is kept until it closes, never switched while
 * open, because switching sockets mid-stream could reorder frames.
 */
import type { Clock } from '../clock.js';
import { TransportError } from './errors.js';
import type { TcpConnection } from './tcp-connection.js';
import type { TcpCloseReason } from './tcp-types.js';
import type { PeerDownReason } from './types.js';

interface Peer {
  /** The connection sends go out on. */
  via: TcpConnection | null;
  conns: Set<TcpConnection>;
  dialing: Promise<TcpConnection> | null;
  failures: number;
  retryAt: number;
}

/** Dial policy the table needs. */
export interface PeerPolicy {
  clock: Clock;
  backoffMs: number;
  maxBackoffMs: number;
}

/** Connections by peer address, with lazy dialing and backoff. */
export class TcpPeers {
  readonly #peers = new Map<string, Peer>();
  readonly #all = new Set<TcpConnection>();

  constructor(
    private readonly policy: PeerPolicy,
    private readonly dial: (to: string) => Promise<TcpConnection>,
    private readonly down: (peer: string, reason: PeerDownReason) => void
  ) {}

  /** An accepted connection, not yet named by its hello. */
  track(conn: TcpConnection): void {
    this.#all.add(conn);
  }

  /** The hello named `conn`: it joins its peer, displacing an older accepted connection. */
  attach(conn: TcpConnection, address: string): void {
    const peer = this.#peer(address);
    peer.conns.add(conn);
    for (const old of [...peer.conns]) {
      // The peer dialed again, so its older socket is stale (it restarted, or lost the link).
      if (old !== conn && !old.dialed) void old.close('replaced');
    }
    peer.via ??= conn;
  }

  /** `conn` closed: forget it; tell the listeners if it was the peer's last connection. */
  detach(conn: TcpConnection, reason: TcpCloseReason): void {
    this.#all.delete(conn);
    const peer = conn.peer ? this.#peers.get(conn.peer) : undefined;
    if (!peer || !peer.conns.delete(conn)) return;
    if (peer.via === conn) peer.via = [...peer.conns][0] ?? null;
    if (peer.conns.size > 0 || reason === 'local-close' || reason === 'replaced') return;
    if (!peer.dialing && peer.failures === 0) this.#peers.delete(conn.peer as string);
    this.down(conn.peer as string, reason === 'bye' ? 'closed' : 'lost');
  }

  /** The open connection to `to`, if there is one (the synchronous fast path of send). */
  ready(to: string): TcpConnection | null {
    return this.#peers.get(to)?.via ?? null;
  }

  /** A connection to `to`: the open one, the dial in flight, or a new dial unless backing off. */
  connect(to: string): Promise<TcpConnection> {
    const peer = this.#peer(to);
    if (peer.via) return Promise.resolve(peer.via);
    if (peer.dialing) return peer.dialing;
    const now = this.policy.clock.now();
    if (now < peer.retryAt) {
      const why = `backing off for ${peer.retryAt - now} ms after ${peer.failures} failed dials`;
      return Promise.reject(TransportError.unreachable(to, why));
    }
    peer.dialing = this.dial(to).then(
      (conn) => {
        peer.dialing = null;
        peer.failures = 0;
        peer.retryAt = 0;
        this.#all.add(conn);
        peer.conns.add(conn);
        peer.via ??= conn;
        return conn;
      },
      (err: unknown) => {
        peer.dialing = null;
        peer.failures++;
        const { backoffMs, maxBackoffMs } = this.policy;
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** Math.min(peer.failures - 1, 20));
        peer.retryAt = this.policy.clock.now() + wait;
        throw err;
      }
    );
    return peer.dialing;
  }

  /** Closes every connection gracefully and resolves when their sockets are closed. */
  async closeAll(): Promise<void> {
    const dials = [...this.#peers.values()].map((p) => p.dialing?.catch(() => undefined));
    await Promise.all(dials);
    await Promise.all([...this.#all].map((c) => c.close('local-close')));
  }

  #peer(address: string): Peer {
    let peer = this.#peers.get(address);
    if (!peer) {
      peer = { via: null, conns: new Set(), dialing: null, failures: 0, retryAt: 0 };
      this.#peers.set(address, peer);
    }
    return peer;
  }
}
