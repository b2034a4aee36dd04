/**
 * Binds the local API to the loopback interface only: the token protects the API, and never
 * listening on other interfaces keeps it out of reach of the network in the first place.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Where the API listens and the URL that opens the inspector. */
export interface Listening {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  /** The inspector URL with the token, to print at start. */
  inspectorUrl: string;
}

/** Listens on 127.0.0.1:`port` (0 picks a free port). */
export async function listenLocal(
  app: FastifyInstance,
  options: { port: number; token: string }
): Promise<Listening> {
  await app.listen({ host: '127.0.0.1', port: options.port });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return { port, url, inspectorUrl: `${url}/?token=${options.token}` };
}
