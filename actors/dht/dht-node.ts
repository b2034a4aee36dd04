/**
 * A Kademlia DHT node over the router: the routing table, the record store, lookups and stores as
 * machines (machines/dht) run as actors on the node's clock, and the maintenance timers.
 */
import { createActor, type AnyActorLogic, type OutputFrom, type InputFrom } from 'xstate';
import { nodeIdFromKey } from '../identity/keys.js';
import { RoutingTable } from '../../machines/dht/routing-table.js';
import { lookupMachine, type LookupOutput } from '../../machines/dht/lookup.js';
import { storeMachine } from '../../machines/dht/store.js';
import { queryMachine } from '../../machines/dht/query.js';
import { maintenanceMachine } from '../../machines/dht/maintenance.js';
import { decodeId, encodeId, idInBucket } from '../../machines/dht/ids.js';
import { layerNumber } from '../../machines/dht/layers.js';
import { DhtError } from './errors.js';
import { askLogic, registerHandlers, type RpcContext } from './dht-rpc.js';
import { checkRecord, recordKey, signRecord } from './records.js';
import { RecordStore } from './record-store.js';
import type { DhtLayer, DhtNode, DhtNodeOptions, DhtStats } from './types.js';

interface Published {
  layer: number;
  name: string;
  value: Uint8Array;
  ttlMs: number;
  seq: number;
}

/** Creates a DHT node; `start()` it, then `bootstrap()` through known contacts. */
export function createDhtNode(options: DhtNodeOptions): DhtNode {
  const { router, clock, random, keys } = options;
  const id = nodeIdFromKey(keys.identityPublic);
  const k = options.k ?? 20;
  const alpha = options.alpha ?? 3;
  const queryTimeoutMs = options.queryTimeoutMs ?? 3_000;
  const maxQueries = options.maxQueries ?? 64;
  const recordTtlMs = options.recordTtlMs ?? 3_600_000;
  const table = new RoutingTable(id, k);
  const store = new RecordStore(options.store);
  const published = new Map<string, Published>();
  const evicting = new Set<string>();
  const stats: Omit<DhtStats, 'contacts' | 'records' | 'published'> = {
    lookups: 0,
    lookupFailures: 0,
    stores: 0,
    storeFailures: 0,
    refused: {},
    evictions: 0
  };
  const now = () => Math.floor(clock.now());
  const contact = { id, address: options.address };

  const rpc: RpcContext = {
    router,
    clock,
    table,
    store,
    policy: { maxTtlMs: options.maxTtlMs ?? 86_400_000 },
    k,
    requestTimeoutMs: options.requestTimeoutMs ?? 1_000,
    requestAttempts: options.requestAttempts ?? 2,
    refuse: (code) => void (stats.refused[code] = (stats.refused[code] ?? 0) + 1),
    observe: (c) => {
      const seen = table.observe(c, now());
      // Kademlia's rule for a full bucket: keep the old contact unless it has stopped answering.
      if (seen.status !== 'full' || evicting.has(seen.oldest.id) || evicting.size >= 8) return;
      const oldest = seen.oldest;
      evicting.add(oldest.id);
      void node.ping(oldest).then((alive) => {
        evicting.delete(oldest.id);
        if (alive) return;
        stats.evictions++;
        table.remove(oldest.id);
        table.observe(c, now());
      });
    }
  };
  const query = queryMachine.provide({ actors: { ask: askLogic(rpc) } });
  const lookupLogic = lookupMachine.provide({ actors: { query } });
  const storeLogic = storeMachine.provide({ actors: { lookup: lookupLogic, query } });

  /** Runs a machine to its end on the node's clock. */
  const run = <L extends AnyActorLogic>(logic: L, input: InputFrom<L>): Promise<OutputFrom<L>> =>
    new Promise((resolve, reject) => {
      const actor = createActor(logic, { clock, input });
      actor.subscribe({
        complete: () =>
          resolve((actor.getSnapshot() as { output?: unknown }).output as OutputFrom<L>),
        error: reject
      });
      actor.start();
    });

  const lookupInput = (target: string) => ({
    target,
    self: id,
    seeds: table.closest(target, k),
    k,
    alpha,
    queryTimeoutMs,
    maxQueries
  });

  const lookup = async (target: string, mode: 'node' | 'value'): Promise<LookupOutput> => {
    stats.lookups++;
    // Every value read collects all publishers (layers have many); see LookupInput.collect.
    const out = await run(lookupLogic, { ...lookupInput(target), mode, collect: mode === 'value' });
    if (!out.ok) stats.lookupFailures++;
    for (const failed of out.failed) table.remove(failed);
    return out;
  };

  const publish = async (key: string, p: Published) => {
    const t = now();
    const record = signRecord(keys, { ...p, expiresAt: t + p.ttlMs });
    store.put(key, record); // we hold our own records too: a get always sees them
    stats.stores++;
    const out = await run(storeLogic, { ...lookupInput(key), record, minReplicas: 1 });
    if (!out.ok) stats.storeFailures++;
    return out;
  };

  const maintenance = createActor(
    maintenanceMachine.provide({
      actions: {
        republish: () => {
          for (const [key, p] of published) {
            p.seq = Math.max(p.seq + 1, now());
            void publish(key, p);
          }
        },
        refresh: () => {
          const stale = table.staleBuckets(now() - (options.refreshMs ?? 600_000)).slice(0, 2);
          for (const index of stale) {
            table.touch(index, now());
            const noise = Uint8Array.from({ length: 20 }, () => random.int(256));
            void lookup(encodeId(idInBucket(decodeId(id), index, noise)), 'node');
          }
        },
        sweep: () => void store.sweep(now())
      }
    }),
    {
      clock,
      input: {
        republishMs: options.republishMs ?? recordTtlMs / 2,
        refreshMs: options.refreshMs ?? 600_000,
        sweepMs: options.sweepMs ?? 60_000
      }
    }
  );
  let unregister: (() => void) | undefined;

  const node: DhtNode = {
    id,
    contact,
    table,
    start() {
      if (unregister) return;
      unregister = registerHandlers(rpc);
      maintenance.start();
    },
    stop() {
      unregister?.();
      unregister = undefined;
      maintenance.stop();
    },
    async bootstrap(seeds) {
      for (const seed of seeds) if (seed.id !== id) table.observe(seed, now());
      if (table.size === 0) throw new DhtError('ERR_DHT_NO_PEERS', 'no seed to join through');
      await lookup(id, 'node');
      return table.size;
    },
    async ping(c) {
      const out = await run(query, {
        contact: c,
        request: { op: 'ping' },
        depth: 1,
        timeoutMs: queryTimeoutMs
      });
      return out.ok;
    },
    async findNode(target) {
      if (target === id) return { contact, hops: 0, queries: 0 };
      const out = await lookup(target, 'node');
      return {
        contact: out.closest.find((c) => c.id === target),
        hops: out.hops,
        queries: out.queries
      };
    },
    lookup,
    async put(layer, name, value, opts = {}) {
      const n = layerNumber(layer);
      const key = recordKey(n, name);
      const ttlMs = Math.min(opts.ttlMs ?? recordTtlMs, rpc.policy.maxTtlMs);
      const prev = published.get(key);
      const p: Published = {
        layer: n,
        name,
        value,
        ttlMs,
        seq: Math.max((prev?.seq ?? -1) + 1, now())
      };
      const probe = signRecord(keys, { ...p, expiresAt: now() + ttlMs });
      const code = checkRecord(probe, now(), rpc.policy);
      if (code) throw new DhtError(code, `record ${n}/${name} would be refused`);
      published.set(key, p);
      const out = await publish(key, p);
      if (!out.ok) throw new DhtError('ERR_DHT_STORE_FAILED', `no node stored ${n}/${name}`);
      return { replicas: out.replicas.length, hops: out.hops };
    },
    unpublish(layer: DhtLayer, name: string) {
      published.delete(recordKey(layerNumber(layer), name));
    },
    async get(layer, name) {
      const key = recordKey(layerNumber(layer), name);
      const local = store.get(key, now(), Infinity);
      const out = table.size > 0 ? await lookup(key, 'value') : undefined;
      const byPublisher = new Map(local.map((r) => [r.publisher, r]));
      for (const r of out?.records ?? []) {
        const old = byPublisher.get(r.publisher);
        if (!old || r.seq > old.seq) byPublisher.set(r.publisher, r);
      }
      const records = [...byPublisher.values()].filter((r) => r.expiresAt > now());
      return { records, hops: out?.hops ?? 0, answered: out?.ok ?? false };
    },
    addressOf: (target) => (target === id ? options.address : table.get(target)?.address),
    observe: (c) => rpc.observe(c),
    maintain: () => maintenance.send({ type: 'dht.maintain' }),
    stats: () => ({
      ...stats,
      refused: { ...stats.refused },
      contacts: table.size,
      records: store.size,
      published: published.size
    })
  };
  return node;
}
