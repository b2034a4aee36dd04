/**
 * GET /ws/inspect: the inspection stream over a WebSocket (docs/inspection.md). The guard has
 * already checked Host, Origin and the token on the upgrade request. Clients only listen; what
 * they send is ignored (and capped in size by the server's `maxPayload`).
 */
import type { FastifyInstance } from 'fastify';
import type { InspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import { TokenQuery } from '../schemas.js';
import { openInspectFeed, type InspectFeedOptions } from './inspect-feed.js';

/** Registers the /ws/inspect route (needs @fastify/websocket registered on `app`). */
export async function inspectRoute(
  app: FastifyInstance,
  options: { bridge: InspectionBridge } & InspectFeedOptions
): Promise<void> {
  app.get('/ws/inspect', { websocket: true, schema: { querystring: TokenQuery } }, (socket) => {
    openInspectFeed(socket, options.bridge, options);
  });
}
