/**
 * Response headers that keep the inspector page to itself: everything from 'self' only (no CDN,
 * no inline script), never framed, no referrer leaking the token-bearing URL, no MIME sniffing.
 */
import type { FastifyInstance } from 'fastify';

/** The Content-Security-Policy the server sends with every response. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The headers, for responses written past fastify's hooks (an event stream). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin'
};

/** Adds the security headers to every response of `app`. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });
}
