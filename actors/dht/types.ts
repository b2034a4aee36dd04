/**
 * Shapes of a DHT node: options, API and counters, apart from the implementation so the node layer
 * and the API can import them alone.
 */
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { IdentityKeys } from '../identity/keys.js';
import type { Router } from '../router/types.js';
import type { RoutingTable } from '../../machines/dht/routing-table.js';
import type { LookupOutput } from '../../machines/dht/lookup.js';
import type { DhtContact, DhtRecord } from '../../machines/dht/messages.js';
import type { DhtLayerName } from '../../machines/dht/layers.js';
import type { RecordStoreLimits } from './record-store.js';

/** Options for {@link createDhtNode}. */
export interface DhtNodeOptions {
  router: Router;
  clock: Clock;
  /** For refresh ids. */
  random: Random;
  /** This node's identity keys: they sign its records; the node id is theirs. */
  keys: IdentityKeys;
  /** This node's transport address, as others should reach it. */
  address: string;
  /** Bucket size and replication factor. Default 20 (BitDust's network used 4). */
  k?: number;
  /** Parallel queries per lookup. Default 3. */
  alpha?: number;
  /** Deadline of one query, router retries included. Default 3 s. */
  queryTimeoutMs?: number;
  /** Per-attempt timeout and attempts of the router request under a query. Default 1 s × 2. */
  requestTimeoutMs?: number;
  requestAttempts?: number;
  /** Queries one lookup may start. Default 64. */
  maxQueries?: number;
  /** Lifetime of our records. Default 1 h. */
  recordTtlMs?: number;
  /** Longest lifetime we accept on others' records. Default 24 h. */
  maxTtlMs?: number;
  /** Maintenance intervals. Defaults: republish at half the TTL, refresh 10 min, sweep 1 min. */
  republishMs?: number;
  refreshMs?: number;
  sweepMs?: number;
  store?: Partial<RecordStoreLimits>;
}

/** Counters of a DHT node. */
export interface DhtStats {
  contacts: number;
  records: number;
  published: number;
  lookups: number;
  lookupFailures: number;
  stores: number;
  storeFailures: number;
  /** Records refused, by code, whether offered to us (store) or returned to us (find-value). */
  refused: Record<string, number>;
  evictions: number;
}

/** A layer by name or number. */
export type DhtLayer = DhtLayerName | number;

/** One DHT node over a router. */
export interface DhtNode {
  readonly id: string;
  readonly contact: DhtContact;
  readonly table: RoutingTable;
  /** Registers the RPC handlers and starts the maintenance timers. */
  start(): void;
  /** Removes the handlers and stops the timers. */
  stop(): void;
  /** Joins through `seeds`: adds them, then looks up our own id. Returns the table size. */
  bootstrap(seeds: DhtContact[]): Promise<number>;
  /** Whether `contact` answers a ping. */
  ping(contact: DhtContact): Promise<boolean>;
  /** Finds a node by id: its contact if it is on the network and answered. */
  findNode(id: string): Promise<{ contact: DhtContact | undefined; hops: number; queries: number }>;
  /** An iterative lookup of a node id or record key. */
  lookup(target: string, mode: 'node' | 'value'): Promise<LookupOutput>;
  /** Signs and stores a record on the k closest nodes; rejects with ERR_DHT_STORE_FAILED. */
  put(
    layer: DhtLayer,
    name: string,
    value: Uint8Array,
    options?: { ttlMs?: number }
  ): Promise<{ replicas: number; hops: number }>;
  /** Stops republishing a record of ours (it expires where it is stored). */
  unpublish(layer: DhtLayer, name: string): void;
  /**
   * Verified, unexpired records of `layer` and `name`, one per publisher. `answered` says whether
   * any other node answered the lookup: when false the records are only those we hold ourselves.
   */
  get(
    layer: DhtLayer,
    name: string
  ): Promise<{ records: DhtRecord[]; hops: number; answered: boolean }>;
  /** Where a node id is reached, if known: the router's resolver can use this. */
  addressOf(id: string): string | undefined;
  /** Tells the table a contact was heard from (the node layer calls this for other traffic). */
  observe(contact: DhtContact): void;
  /** Runs republish, refresh and sweep now. */
  maintain(): void;
  stats(): DhtStats;
}
