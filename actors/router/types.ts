/**
 * Shapes of the router: its options, its API and its counters (apart from the implementation so the
 * node layer and the API can import them alone).
 */
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { Transport } from '../transports/types.js';
import type { EnvelopeOf } from '../wire/index.js';
import type {
  RouterBody,
  RouterMessages,
  RouterReply,
  RouterRequestType
} from '../../machines/router/messages.js';

/** Any envelope the router carries. */
export type RouterEnvelope = EnvelopeOf<RouterMessages>;

/**
 * Handles one request type; what it returns (or throws, as `cmd.fail`) is the reply. Binaries in
 * the envelope are views into the received frame (the handler may keep them; nothing else writes
 * them); binaries in the reply are sent and kept for retries without a copy, so the handler must
 * not change them afterwards.
 */
export type RouterHandler<T extends RouterRequestType> = (
  envelope: Extract<RouterEnvelope, { type: T }>,
  address: string
) => RouterReply<T> | Promise<RouterReply<T>>;

/** Per-request overrides of the router's retry policy. */
export interface RequestOptions {
  timeoutMs?: number;
  maxAttempts?: number;
  /** Send to this transport address instead of resolving the node id (the DHT knows it). */
  address?: string;
}

/** Options for {@link createRouter}. */
export interface RouterOptions {
  /** This node's id: `from` of every envelope sent, required `to` of every envelope accepted. */
  nodeId: string;
  transport: Transport;
  clock: Clock;
  /** Seeds the envelope-id prefix, so ids never repeat across restarts of the same node. */
  random: Random;
  /** Where a node id is reached now (provided by the node layer: DHT contacts, documents). */
  resolve: (nodeId: string) => string | undefined | Promise<string | undefined>;
  /**
   * Whether frames from transport `address` may claim to come from `nodeId`. On an authenticated
   * session the node layer checks the session's peer id; by default any address is accepted.
   */
  checkSender?: (address: string, nodeId: string) => boolean;
  /** Called for every request accepted for execution (the DHT learns contacts here). */
  onRequest?: (envelope: RouterEnvelope, address: string) => void;
  /** Called when a handler throws something that is not a BitDustError (a bug). */
  onHandlerError?: (error: unknown, envelope: RouterEnvelope) => void;
  /** Per-attempt reply timeout. Default 5 s. */
  timeoutMs?: number;
  /** Attempts per request, first included. Default 3. */
  maxAttempts?: number;
  /** First backoff between attempts, doubled each time. Default 500 ms, capped at 4 s. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Envelopes older than this on our clock are refused. Default 2 min. */
  replayWindowMs?: number;
  /** Envelopes dated further ahead than this are refused. Default 30 s. */
  futureSkewMs?: number;
  /** Requests remembered for duplicate suppression. Default 8192. */
  seenCapacity?: number;
  /** Frame cap of the codec. Default: the transport's, at most 1 MiB. */
  maxFrameBytes?: number;
}

/** Why inbound envelopes were refused. */
export interface RouterRefusals {
  /** Failed to decode (details in `codec.decodeErrors`). */
  malformed: number;
  /** `to` is not this node. */
  misrouted: number;
  /** `checkSender` said no. */
  sender: number;
  /** `ts` outside the window, or at or below the eviction floor. */
  stale: number;
  /** A (from, id) already processed, with another type: an id reused, not a retry. */
  replay: number;
}

/** Counters of one router. */
export interface RouterStats {
  requests: { started: number; retries: number; replied: number; failed: Record<string, number> };
  inbound: {
    requests: number;
    replies: number;
    /** Replies matching no pending request (late, duplicated or forged). */
    unmatched: number;
    /** Retries answered from the cache, not executed. */
    duplicatesAnswered: number;
    /** Retries arriving while the first copy is still executing: dropped. */
    duplicatesInflight: number;
    /** Retries of a read-only request whose large reply was not kept: executed again. */
    duplicatesRerun: number;
    noHandler: number;
    handlerErrors: number;
    /** Types the router has no use for (neither request nor reply). */
    unhandled: number;
  };
  refused: RouterRefusals;
  pending: number;
  seen: number;
  sendErrors: number;
}

/** The router of one node. */
export interface Router {
  readonly nodeId: string;
  /**
   * Sends a request; resolves with its reply (maybe `cmd.fail`), rejects with a RouterError.
   * Large binaries of `body` are sent without a copy, on every attempt: the caller must not
   * change them until the request settles.
   */
  request<T extends RouterRequestType>(
    to: string,
    type: T,
    body: RouterBody<T>,
    options?: RequestOptions
  ): Promise<Extract<RouterEnvelope, { type: RouterReply<T>['type'] }>>;
  /** Registers the handler of a request type (one per type); returns its removal. */
  handle<T extends RouterRequestType>(type: T, handler: RouterHandler<T>): () => void;
  /** Starts taking frames from the transport. Idempotent. */
  start(): void;
  /** Stops taking frames and fails every pending request with ERR_ROUTER_CLOSED. */
  stop(): void;
  stats(): RouterStats;
}
