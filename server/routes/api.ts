/**
 * The JSON routes: health, the hosted nodes, their live actor trees, an actor's context and
 * history on demand, and stopping the process. Every route reads nodes only through HostedNode.
 */
import type { FastifyInstance } from 'fastify';
import { actorTree } from '../../actors/inspection/actor-tree.js';
import type { InspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import type { HostedNode } from '../../actors/node/types.js';
import { ApiError } from '../errors.js';
import {
  ActorParams,
  ActorsQuery,
  ActorsReply,
  ContextReply,
  CountersReply,
  ErrorReply,
  HealthReply,
  HistoryReply,
  NodesReply,
  StopBody,
  StopReply,
  TokenQuery
} from '../schemas.js';

/** What the API routes need from the process that hosts them. */
export interface ApiRoutesOptions {
  nodes: () => HostedNode[];
  bridge: InspectionBridge;
  onStop?: (reason: string) => void | Promise<void>;
}

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply };

/** The operator's node first, then devnet peers in the order the host lists them. */
function ordered(nodes: HostedNode[]): HostedNode[] {
  return [...nodes].sort((a, b) => Number(a.info().devnet) - Number(b.info().devnet));
}

/** Counters may hold bigints (byte totals): JSON carries them as decimal strings. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))
  );
}

/** Registers the /api routes. */
export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const { nodes, bridge, onStop } = options;

  app.get(
    '/api/health',
    { schema: { querystring: TokenQuery, response: { 200: HealthReply, ...errors } } },
    async () => ({ status: 'ok' as const, nodes: nodes().length, inspecting: bridge.listening })
  );

  app.get(
    '/api/node',
    { schema: { querystring: TokenQuery, response: { 200: NodesReply, ...errors } } },
    async () => ({ nodes: ordered(nodes()).map((n) => n.info()) })
  );

  app.get(
    '/api/counters',
    { schema: { querystring: TokenQuery, response: { 200: CountersReply, ...errors } } },
    async () => ({
      nodes: ordered(nodes()).map((n) => ({ node: n.id, counters: jsonSafe(n.counters?.() ?? {}) }))
    })
  );

  app.get<{ Querystring: ActorsQuery }>(
    '/api/actors',
    { schema: { querystring: ActorsQuery, response: { 200: ActorsReply, ...errors } } },
    async (request) => {
      const wanted = request.query.node;
      const list = ordered(nodes()).filter((n) => wanted === undefined || n.id === wanted);
      if (wanted !== undefined && list.length === 0) throw ApiError.notFound(`node ${wanted}`);
      return { nodes: list.map((n) => ({ node: n.id, tree: actorTree(n.root) })) };
    }
  );

  app.get<{ Params: ActorParams }>(
    '/api/actors/:node/:sid/context',
    {
      schema: {
        params: ActorParams,
        querystring: TokenQuery,
        response: { 200: ContextReply, ...errors }
      }
    },
    async (request) => {
      const { node, sid } = request.params;
      const context = bridge.getContext(node, sid);
      if (!context) throw ApiError.notFound(`actor ${sid} on node ${node}`);
      return context;
    }
  );

  app.get<{ Params: ActorParams }>(
    '/api/actors/:node/:sid/history',
    {
      schema: {
        params: ActorParams,
        querystring: TokenQuery,
        response: { 200: HistoryReply, ...errors }
      }
    },
    async (request) => ({ entries: bridge.getHistory(request.params.node, request.params.sid) })
  );

  app.post<{ Body: StopBody }>(
    '/api/node/stop',
    {
      schema: {
        querystring: TokenQuery,
        body: StopBody,
        response: { 202: StopReply, 501: ErrorReply, ...errors }
      }
    },
    async (request, reply) => {
      if (!onStop) throw ApiError.stopUnsupported();
      const reason = request.body?.reason ?? 'stopped via the API';
      // Answer first: stopping may close this very server.
      reply.raw.once('finish', () => {
        Promise.resolve()
          .then(() => onStop(reason))
          .catch((err: unknown) => app.log.error({ err }, 'stop failed'));
      });
      return reply.code(202).send({ stopping: true });
    }
  );
}
