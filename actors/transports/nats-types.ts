/**
 * Options and counters of the nats transport.
 */
import type { ConnectionOptions } from 'nats';
import type { Clock } from '../clock.js';
import type { ReassemblyDrop } from './nats-reassembly.js';
import type { TransportLogger } from './tcp-types.js';
import type { Transport } from './types.js';

/** How to attach a node to a NATS server or cluster. */
export interface NatsTransportOptions {
  /** Server URLs, e.g. `nats://127.0.0.1:4222`; more than one for a cluster. */
  servers: string | string[];
  /** This node's NATS identity: one subject token (letters, digits, `-`, `_`). */
  address: string;
  /** Subject prefix; a node listens on `<prefix>.<address>`. Default `bitdust.node`. */
  subjectPrefix?: string;
  /** Largest frame `send` accepts; larger than max_payload is fine (chunked). Default 1 MiB. */
  maxFrameBytes?: number;
  /** Time for reassembly timeouts and the reachability cache. Default real time. */
  clock?: Clock;
  /** A partial chunked frame older than this is dropped. Default 30 s. */
  reassemblyTimeoutMs?: number;
  /** Most senders with a partial frame held at once. Default 64. */
  maxPendingSenders?: number;
  /** Most bytes held in partial frames, all senders. Default 16 MiB. */
  maxPendingBytes?: number;
  /**
   * How long a successful probe of a peer is trusted. 0 disables probing: sends to an address
   * nobody subscribes to then resolve and vanish, like any pub/sub publish. Default 30 s.
   */
  probeTtlMs?: number;
  /** How long a probe waits for its answer. Default 2 s. */
  probeTimeoutMs?: number;
  /** After this many bytes published, a send waits for a flush round trip. Default 4 MiB. */
  flushEveryBytes?: number;
  /** Reconnect attempts before the endpoint gives up and closes. Default 120. */
  maxReconnectAttempts?: number;
  /** Wait between reconnect attempts. Default 1 s. */
  reconnectTimeWaitMs?: number;
  /** Where malformed messages and connection status are logged. Default: nowhere. */
  logger?: TransportLogger;
  /** Any other nats.js connection options (name, auth, TLS, ...). */
  connection?: Partial<ConnectionOptions>;
}

/** The connection's state as the transport last saw it. */
export type NatsLinkStatus = 'connected' | 'disconnected' | 'reconnecting' | 'closed';

/** Counters of one nats endpoint; monotonic except `status`, `maxPayload` and `pendingBytes`. */
export interface NatsStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** NATS messages that carried a chunk, published and received. */
  chunksOut: number;
  chunksIn: number;
  /** Messages on our subject that did not decode. */
  badMessages: number;
  /** Partial chunked frames discarded, by reason. */
  reassemblyDropped: Record<ReassemblyDrop, number>;
  /** Bytes held in partial frames now. */
  pendingBytes: number;
  probes: number;
  /** Sends refused because a probe found nobody there. */
  unreachable: number;
  disconnects: number;
  reconnects: number;
  handlerErrors: number;
  status: NatsLinkStatus;
  /** The server's max_payload on the current connection. */
  maxPayload: number;
}

/** A nats endpoint: the {@link Transport} contract plus counters and link status. */
export interface NatsTransport extends Transport {
  readonly kind: 'nats';
  /** The subject this node listens on. */
  readonly subject: string;
  /** A snapshot of the counters. */
  stats(): NatsStats;
  /** Told of every link status change (disconnect, reconnect, ...); returns its unsubscribe. */
  onStatus(handler: (status: NatsLinkStatus) => void): () => void;
  /** Resolves when everything published so far has reached the server. */
  flush(): Promise<void>;
}

/** The defaults of {@link NatsTransportOptions}. */
export const NATS_DEFAULTS = {
  subjectPrefix: 'bitdust.node',
  maxFrameBytes: 1 << 20,
  reassemblyTimeoutMs: 30_000,
  maxPendingSenders: 64,
  maxPendingBytes: 16 << 20,
  probeTtlMs: 30_000,
  probeTimeoutMs: 2000,
  flushEveryBytes: 4 << 20,
  maxReconnectAttempts: 120,
  reconnectTimeWaitMs: 1000
} as const;

/** Zeroed counters, status connected. */
export function emptyNatsStats(): NatsStats {
  return {
    ...{ framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, chunksOut: 0, chunksIn: 0 },
    ...{ badMessages: 0, probes: 0, unreachable: 0, disconnects: 0, reconnects: 0 },
    ...{ handlerErrors: 0, pendingBytes: 0, status: 'connected', maxPayload: 0 },
    reassemblyDropped: { gap: 0, overflow: 0, timeout: 0, evicted: 0 }
  };
}
