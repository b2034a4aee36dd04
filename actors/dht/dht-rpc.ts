/**
 * The DHT's two sides of the wire: the `ask` actor a query machine invokes (request out through the
 * router, reply checked) and the handlers answering other nodes' requests. Both feed the routing
 * table: a node enters it only by answering us or by asking us something.
 */
import { fromPromise } from 'xstate';
import type { Clock } from '../clock.js';
import type { Router } from '../router/types.js';
import type { RoutingTable } from '../../machines/dht/routing-table.js';
import { DHT_LIMITS, type DhtContact, type DhtRecord } from '../../machines/dht/messages.js';
import type { DhtAnswer, QueryInput } from '../../machines/dht/query.js';
import { DhtError } from './errors.js';
import { checkRecord, recordKey, type RecordPolicy } from './records.js';
import type { RecordStore } from './record-store.js';

/** What the RPC side needs from its node. */
export interface RpcContext {
  router: Router;
  clock: Clock;
  table: RoutingTable;
  store: RecordStore;
  policy: RecordPolicy;
  k: number;
  requestTimeoutMs: number;
  requestAttempts: number;
  observe: (contact: DhtContact) => void;
  refuse: (code: string) => void;
}

const ack = { type: 'cmd.ack', body: { v: 1 } } as const;

/** Throws the remote's refusal as a DhtError. */
function expectReply<T extends { type: string; body: unknown }>(reply: T): T {
  if (reply.type === 'cmd.fail') {
    const body = reply.body as { code: string; reason: string };
    throw new DhtError('ERR_DHT_REMOTE', `${body.code}: ${body.reason}`);
  }
  return reply;
}

/** A record returned for `key` that we can believe, else undefined (and counted). */
function believable(ctx: RpcContext, record: DhtRecord, key: string): boolean {
  const code =
    recordKey(record.layer, record.name) === key
      ? checkRecord(record, Math.floor(ctx.clock.now()), ctx.policy)
      : 'ERR_DHT_RECORD_KEY';
  if (code) ctx.refuse(code);
  return code === undefined;
}

/** The provided `ask` actor of the query machine. */
export function askLogic(ctx: RpcContext) {
  return fromPromise<DhtAnswer, Omit<QueryInput, 'timeoutMs'>>(async ({ input }) => {
    const { contact, request } = input;
    const options = {
      address: contact.address,
      timeoutMs: ctx.requestTimeoutMs,
      maxAttempts: ctx.requestAttempts
    };
    const to = contact.id;
    let answer: DhtAnswer = { nodes: [], records: [] };
    switch (request.op) {
      case 'ping':
        expectReply(await ctx.router.request(to, 'dht.ping', { v: 1 }, options));
        break;
      case 'store':
        expectReply(
          await ctx.router.request(to, 'dht.store', { v: 1, record: request.record }, options)
        );
        break;
      case 'find_node': {
        const reply = expectReply(
          await ctx.router.request(to, 'dht.find-node', { v: 1, target: request.target }, options)
        );
        if (reply.type === 'dht.nodes') answer = { nodes: reply.body.nodes, records: [] };
        break;
      }
      case 'find_value': {
        const reply = expectReply(
          await ctx.router.request(to, 'dht.find-value', { v: 1, key: request.key }, options)
        );
        if (reply.type === 'dht.value') {
          const records = reply.body.records.filter((r) => believable(ctx, r, request.key));
          answer = { nodes: reply.body.nodes, records };
        }
        break;
      }
    }
    ctx.observe(contact);
    return answer;
  });
}

/** Registers the DHT handlers on the router; returns their removal. */
export function registerHandlers(ctx: RpcContext): () => void {
  const { router, table, store, k } = ctx;
  const heard = (id: string, address: string) => {
    if (address.length <= DHT_LIMITS.maxAddressLength) ctx.observe({ id, address });
  };
  const offs = [
    router.handle('dht.ping', (env, address) => {
      heard(env.from, address);
      return ack;
    }),
    router.handle('dht.find-node', (env, address) => {
      heard(env.from, address);
      return {
        type: 'dht.nodes',
        body: { v: 1, nodes: table.closest(env.body.target, k, env.from) }
      };
    }),
    router.handle('dht.find-value', (env, address) => {
      heard(env.from, address);
      const now = Math.floor(ctx.clock.now());
      const records = store.get(env.body.key, now, DHT_LIMITS.maxRecords);
      const nodes = table.closest(env.body.key, k, env.from);
      return { type: 'dht.value', body: { v: 1, records, nodes } };
    }),
    router.handle('dht.store', (env, address) => {
      heard(env.from, address);
      const { record } = env.body;
      const code = checkRecord(record, Math.floor(ctx.clock.now()), ctx.policy);
      if (code) {
        ctx.refuse(code);
        throw new DhtError(code, `record ${record.layer}/${record.name} refused`);
      }
      store.put(recordKey(record.layer, record.name), record);
      return ack;
    })
  ];
  return () => offs.forEach((off) => off());
}
