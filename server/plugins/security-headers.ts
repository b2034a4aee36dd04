/**
 * Response headers that keep the inspector page to itself: everything from 'self' only (no CDN,
 * no inline script), never framed, no referrer leaking the token-bearing URL, no MIME sniffing.
 */
import type { FastifyInstance } from 'fastify';

/** The Content-Security-Policy the server sends with every response. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Adds the security headers to every response of `app`. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-resource-policy', 'same-origin');
    return payload;
  });
}
