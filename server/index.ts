/**
 * The local API: build it with {@link buildApp}, listen with {@link listenLocal}, and keep its
 * token with {@link loadOrCreateToken}. Routes and auth are described in docs/api.md.
 */
export { buildApp } from './app.js';
export type { AppOptions } from './app.js';
export { listenLocal } from './listen.js';
export type { Listening } from './listen.js';
export { loadOrCreateToken, TOKEN_FILE } from './token.js';
export { ApiError, API_ERROR_CODES } from './errors.js';
export { CONTENT_SECURITY_POLICY } from './plugins/security-headers.js';
