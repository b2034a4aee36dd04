/**
 * Builds the local API as a fastify instance without listening (tests use inject/injectWS;
 * listen.ts binds it to 127.0.0.1). Order matters: security headers and the guard are installed
 * on the root context first, so that every route registered after them — API, WebSocket, static
 * files and the 404 handler — is covered.
 */
import fastifyWebsocket from '@fastify/websocket';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { InspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import type { HostedNode } from '../actors/node/types.js';
import type { TeachingController } from '../actors/teaching/controller.js';
import { ApiError } from './errors.js';
import { installGuard } from './plugins/guard.js';
import { installSecurityHeaders } from './plugins/security-headers.js';
import { apiRoutes } from './routes/api.js';
import { storageRoutes } from './routes/storage.js';
import { proxyRoutes } from './routes/proxy.js';
import { ledgerRoutes } from './routes/ledger.js';
import { teachingRoutes } from './routes/teaching.js';
import { uiRoutes } from './routes/ui.js';
import { inspectRoute } from './ws/inspect-route.js';

/** Options of {@link buildApp}. */
export interface AppOptions {
  /** The API token every request must carry (see token.ts). */
  token: string;
  /** The nodes hosted in this process, the operator's first or marked `devnet: false`. */
  nodes: () => HostedNode[];
  bridge: InspectionBridge;
  /** Directory of the inspector-ui build (index.html, app.js, app.css). */
  uiDir?: string;
  /** Exact Host values accepted; default: 127.0.0.1/localhost/[::1] with the listening port. */
  allowedHosts?: string[];
  /** Called after POST /api/node/stop has been answered. */
  onStop?: (reason: string) => void | Promise<void>;
  /** A pino logger (or false for none, the default). */
  logger?: FastifyBaseLogger | false;
  /** Send-buffer bytes per inspector socket before batches are dropped (default 1 MiB). */
  maxBufferedPerSocket?: number;
  /** Least time between two progress events of a storage job's stream (ms, default 200). */
  storageProgressIntervalMs?: number;
  /** Teaching mode of a devnet host (routes/teaching.ts); absent: those routes say it is off. */
  teaching?: TeachingController;
}

/** Creates the fastify app of the local API; call `ready()` or `listen` (listen.ts) on it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = options.logger
    ? Fastify({ loggerInstance: options.logger })
    : Fastify({ logger: false });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).send({
        statusCode: err.statusCode,
        code: err.code,
        message: err.message
      });
    }
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message: string };
    if (e.validation || (e.statusCode !== undefined && e.statusCode < 500)) {
      const status = e.statusCode ?? 400;
      const code = e.validation ? 'ERR_API_BAD_REQUEST' : (e.code ?? 'ERR_API_BAD_REQUEST');
      return reply.code(status).send({ statusCode: status, code, message: e.message });
    }
    request.log.error({ err }, 'request failed');
    const internal = ApiError.internal(err);
    return reply
      .code(500)
      .send({ statusCode: 500, code: internal.code, message: internal.message });
  });
  app.setNotFoundHandler((request, reply) => {
    const err = ApiError.notFound(`${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send({ statusCode: 404, code: err.code, message: err.message });
  });

  closeUpgradedSocketsOnClose(app);
  installSecurityHeaders(app);
  installGuard(app, { token: options.token, allowedHosts: options.allowedHosts });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(apiRoutes, {
    nodes: options.nodes,
    bridge: options.bridge,
    onStop: options.onStop
  });
  await app.register(storageRoutes, {
    nodes: options.nodes,
    ...(options.storageProgressIntervalMs !== undefined
      ? { progressIntervalMs: options.storageProgressIntervalMs }
      : {})
  });
  await app.register(ledgerRoutes, { nodes: options.nodes });
  await app.register(proxyRoutes, { nodes: options.nodes });
  await app.register(inspectRoute, {
    bridge: options.bridge,
    maxBuffered: options.maxBufferedPerSocket
  });
  await app.register(teachingRoutes, options.teaching ? { teaching: options.teaching } : {});
  await app.register(uiRoutes, { uiDir: options.uiDir });
  return app;
}

/**
 * Sockets taken over by an upgrade (a live inspector, or a refused upgrade kept alive by the
 * client) are invisible to the HTTP server's connection tracking, so `close()` would wait for them
 * forever and the node could not stop. Track them and end them when the app closes.
 */
function closeUpgradedSocketsOnClose(app: FastifyInstance): void {
  const upgraded = new Set<Duplex>();
  app.server.on('upgrade', (_request, socket: Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  app.addHook('preClose', async () => {
    for (const socket of upgraded) socket.destroy();
  });
}
