/**
 * Options, counters and close reasons of the tcp transport, in one place so the transport, its
 * connections and its tests agree on names.
 */
import type { Clock } from '../clock.js';
import type { Transport } from './types.js';

/** Why a connection was closed; each reason has its own counter in {@link TcpStats}. */
export type TcpCloseReason =
  | 'bye' // the peer closed its transport gracefully
  | 'local-close' // this transport closed
  | 'remote-end' // the peer ended the stream without a bye
  | 'error' // a socket error (reset, refused write)
  | 'bad-length' // a length prefix of 0 or above the cap: garbage, or an oversized frame
  | 'bad-kind' // an unknown frame kind
  | 'bad-hello' // a wrong protocol name or address in the first frame
  | 'no-hello' // a data frame before the hello, or no hello in time
  | 'idle-timeout' // nothing heard for the dead-peer timeout, pings unanswered
  | 'stalled' // the peer stopped reading; queued bytes never drained
  | 'replaced' // the same peer dialed again; the older accepted connection goes
  | 'rate-limited' // too many connections from one IP address in the window
  | 'too-many'; // the cap on accepted connections was reached

/** A pino-compatible logger subset: closes for bad input are logged at warn with their reason. */
export interface TransportLogger {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/** How to start a tcp endpoint. Only `host` is required: it never listens anywhere by default. */
export interface TcpTransportOptions {
  /** Interface to listen on, e.g. `127.0.0.1`. */
  host: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Time for backoff, keepalive and timeouts; tests pass a TestClock. Default real time. */
  clock?: Clock;
  /** Largest frame `send` accepts. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Queued bytes per connection above which `send` waits for 'drain'. Default 1 MiB. */
  highWaterMark?: number;
  /** Queued bytes per connection above which `send` rejects at once. Default 16 MiB. */
  maxQueuedBytes?: number;
  /** A send waiting for 'drain' longer than this closes the connection as stalled. Default 30 s. */
  stallTimeoutMs?: number;
  /** Idle time before a ping is sent. Default 15 s. */
  pingIntervalMs?: number;
  /** Silence (no frame, no pong) after which the peer is declared down. Default 45 s. */
  deadAfterMs?: number;
  /** Time a dial or an accepted connection's hello may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** First backoff after a failed dial; doubles per failure up to `maxBackoffMs`. Default 250 ms. */
  backoffMs?: number;
  /** Longest backoff. Default 30 s. */
  maxBackoffMs?: number;
  /** Accepted connections per remote IP per `rateWindowMs` (a token bucket). Default 64. */
  connectionsPerWindow?: number;
  /** The rate limit's refill window. Default 10 s. */
  rateWindowMs?: number;
  /** Most accepted connections open at once. Default 1024. */
  maxConnections?: number;
  /** Where bad input and dropped connections are logged. Default: nowhere. */
  logger?: TransportLogger;
}

/** Counters of one tcp endpoint; all monotonic except `open`. */
export interface TcpStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Frames refused by the reader (bad length, bad kind, bad or missing hello). */
  badFrames: number;
  /** Connections accepted and dialed, and those open now. */
  accepted: number;
  dialed: number;
  open: number;
  dialFailures: number;
  /** Accepted connections refused by the per-address rate limit. */
  rateLimited: number;
  pingsSent: number;
  /** Sends that waited for 'drain' (backpressure engaged). */
  drainWaits: number;
  /** Frame handlers that threw (a bug above; the frame still went to the other handlers). */
  handlerErrors: number;
  /** Connection closes by reason. */
  closed: Record<TcpCloseReason, number>;
}

/** A tcp endpoint: the {@link Transport} contract plus its counters. */
export interface TcpTransport extends Transport {
  readonly kind: 'tcp';
  /** A snapshot of the counters. */
  stats(): TcpStats;
}

/** The defaults of {@link TcpTransportOptions}. */
export const TCP_DEFAULTS = {
  port: 0,
  maxFrameBytes: 1 << 20,
  highWaterMark: 1 << 20,
  maxQueuedBytes: 16 << 20,
  stallTimeoutMs: 30_000,
  pingIntervalMs: 15_000,
  deadAfterMs: 45_000,
  connectTimeoutMs: 10_000,
  backoffMs: 250,
  maxBackoffMs: 30_000,
  connectionsPerWindow: 64,
  rateWindowMs: 10_000,
  maxConnections: 1024
} as const;

/** Zeroed counters. */
export function emptyTcpStats(): TcpStats {
  const reasons: TcpCloseReason[] = [
    'bye',
    'local-close',
    'remote-end',
    'error',
    'bad-length',
    'bad-kind',
    'bad-hello',
    'no-hello',
    'idle-timeout',
    'stalled',
    'replaced',
    'rate-limited',
    'too-many'
  ];
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    badFrames: 0,
    accepted: 0,
    dialed: 0,
    open: 0,
    dialFailures: 0,
    rateLimited: 0,
    pingsSent: 0,
    drainWaits: 0,
    handlerErrors: 0,
    closed: Object.fromEntries(reasons.map((r) => [r, 0])) as Record<TcpCloseReason, number>
  };
}
