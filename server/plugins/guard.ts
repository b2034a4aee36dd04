/**
 * Who may talk to the local API: only pages and tools on this machine that hold the token.
 *
 * - Host must be this server's loopback address (127.0.0.1, localhost or [::1] with our port):
 *   a DNS-rebinding page reaches us under its own name and gets 403.
 * - Origin, when a browser sends one, must be our own origin (HTTP and WebSocket alike): 403.
 * - Then the token, from `Authorization: Bearer`, `?token=` or the cookie: 401 without it.
 *
 * A valid `?token=` sets an HttpOnly, SameSite=Strict cookie so that the page's assets, its
 * fetches and its WebSocket pass without the token in every URL. Cookies are not port-scoped, so
 * the cookie name carries the port and its value is the token only this server accepts.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

/** Options of {@link installGuard}. */
export interface GuardOptions {
  token: string;
  /** Exact `host[:port]` values accepted; default: loopback names with the listening port. */
  allowedHosts?: string[];
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function listeningPort(app: FastifyInstance): number | undefined {
  const address = app.server.address() as AddressInfo | string | null;
  return address && typeof address === 'object' ? address.port : undefined;
}

/** The hosts this request may name: explicit ones, or loopback with our port. */
function hostAllowed(app: FastifyInstance, options: GuardOptions, host: string): boolean {
  if (options.allowedHosts) return options.allowedHosts.includes(host);
  const port = listeningPort(app);
  // Not listening (inject() in tests, an embedder's own server): loopback names on port 80.
  const forms = port === undefined ? ['', ':80'] : [`:${port}`];
  return LOOPBACK.some((name) => forms.some((p) => host === `${name}${p}`));
}

/** Cookie name for this server: one per port, since browsers share cookies across ports. */
export function cookieName(host: string): string {
  const port = /:(\d+)$/.exec(host)?.[1] ?? '80';
  return `bitdust_token_${port}`;
}

/** Adds the Host, Origin and token checks to every route of `app` (HTTP and WebSocket). */
export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!host || !hostAllowed(app, options, host))
      throw ApiError.forbiddenHost(request.headers.host);
    const origin = request.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
      throw ApiError.forbiddenOrigin(origin);
    }
    const name = cookieName(host);
    const auth = request.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const query = (request.query as { token?: unknown } | undefined)?.token;
    const fromQuery = typeof query === 'string' ? query : undefined;
    const cookie = readCookie(request.headers.cookie, name);
    const valid = (t: string | undefined) => t !== undefined && sameToken(t, options.token);
    if (!valid(bearer) && !valid(fromQuery) && !valid(cookie)) throw ApiError.unauthorized();
    if (valid(fromQuery) && !valid(cookie) && !request.ws) {
      reply.header('set-cookie', `${name}=${options.token}; Path=/; HttpOnly; SameSite=Strict`);
    }
  });
}
