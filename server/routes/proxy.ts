/**
 * GET /api/proxy (token-protected like every /api route): each hosted node's proxy mode, its
 * reachability — `direct`, `relayed` or `unreachable`, with the plain reason ("no inbound TCP;
 * relayed via 1 router", "router lost: …") — and the counters of its receiver (circuits, rebuilds,
 * failures by code, current path) and of its proxy router (capacity, load, refusals, relay
 * counts). A node whose transport is not proxy-aware (nats, the in-process devnet) shows null.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HostedNode } from '../../actors/node/types.js';
import { ApiError } from '../errors.js';
import { ErrorReply } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const NodeId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z2-7]+$' });
const ProxyQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 256 })), node: Type.Optional(NodeId) },
  closed
);
type ProxyQuery = Static<typeof ProxyQuery>;
const Counts = Type.Record(Type.String(), Type.Integer());
const Reachability = Type.Object({ state: Type.String(), reason: Type.String() });
const Receiver = Type.Object({
  state: Type.String(),
  hops: Type.Integer(),
  path: Type.Array(Type.String()),
  address: Type.Union([Type.String(), Type.Null()]),
  circuits: Type.Integer(),
  rebuilds: Type.Integer(),
  failures: Counts,
  suspects: Counts,
  lastReason: Type.Union([Type.String(), Type.Null()]),
  authFailures: Type.Integer()
});
const Router = Type.Object({
  state: Type.String(),
  maxCircuits: Type.Integer(),
  circuits: Type.Integer(),
  accepted: Type.Integer(),
  refused: Type.Integer(),
  announced: Type.Boolean(),
  announceError: Type.Union([Type.String(), Type.Null()]),
  authFailures: Type.Integer(),
  badFrames: Type.Integer(),
  relayed: Type.Integer(),
  exitFrames: Type.Integer()
});
const ProxyStatus = Type.Object({
  mode: Type.Union([Type.Literal('direct'), Type.Literal('nat'), Type.Literal('privacy')]),
  address: Type.String(),
  reachability: Reachability,
  receiver: Type.Union([Receiver, Type.Null()]),
  router: Type.Union([Router, Type.Null()])
});
/** The reply of GET /api/proxy. */
export const ProxyReply = Type.Object({
  nodes: Type.Array(
    Type.Object({ node: Type.String(), proxy: Type.Union([ProxyStatus, Type.Null()]) })
  )
});
const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply };

/** Options of {@link proxyRoutes}. */
export interface ProxyRoutesOptions {
  nodes: () => HostedNode[];
}

/** Registers GET /api/proxy. */
export async function proxyRoutes(app: FastifyInstance, options: ProxyRoutesOptions) {
  app.get<{ Querystring: ProxyQuery }>(
    '/api/proxy',
    { schema: { querystring: ProxyQuery, response: { 200: ProxyReply, ...errors } } },
    async (request) => {
      const wanted = request.query.node;
      const list = options.nodes().filter((n) => wanted === undefined || n.id === wanted);
      if (wanted !== undefined && list.length === 0) throw ApiError.notFound(`node ${wanted}`);
      return { nodes: list.map((n) => ({ node: n.id, proxy: n.proxy?.() ?? null })) };
    }
  );
}
