/**
 * The local API's error catalogue, in fastify's style: every error the API sends has a stable
 * code (ERR_API_<WHAT>, never reused once retired), an HTTP status and a message. Responses carry
 * `{ statusCode, code, message }`.
 */
import { BitDustError } from '../actors/errors.js';

/** An error the API turns into an HTTP response with its own status. */
export class ApiError extends BitDustError {
  constructor(
    code: string,
    readonly statusCode: number,
    message: string,
    options?: ErrorOptions
  ) {
    super(code, message, options);
    this.name = 'ApiError';
  }

  /** No token, or a wrong one. */
  static unauthorized(): ApiError {
    return new ApiError('ERR_API_UNAUTHORIZED', 401, 'a valid API token is required');
  }

  /** The Host header names something other than this loopback server (DNS rebinding guard). */
  static forbiddenHost(host: string | undefined): ApiError {
    return new ApiError('ERR_API_FORBIDDEN_HOST', 403, `host not allowed: ${host ?? '(none)'}`);
  }

  /** A cross-origin page tried to call the API or open the feed. */
  static forbiddenOrigin(origin: string): ApiError {
    return new ApiError('ERR_API_FORBIDDEN_ORIGIN', 403, `origin not allowed: ${origin}`);
  }

  static badRequest(message: string, cause?: unknown): ApiError {
    return new ApiError('ERR_API_BAD_REQUEST', 400, message, { cause });
  }

  static notFound(what: string): ApiError {
    return new ApiError('ERR_API_NOT_FOUND', 404, `not found: ${what}`);
  }

  /** The embedding process gave no way to stop the node. */
  static stopUnsupported(): ApiError {
    return new ApiError(
      'ERR_API_STOP_UNSUPPORTED',
      501,
      'this process cannot be stopped via the API'
    );
  }

  /** The inspector UI build is missing. */
  static uiNotBuilt(uiDir: string | undefined): ApiError {
    const where = uiDir ? ` (looked in ${uiDir})` : '';
    return new ApiError(
      'ERR_API_UI_NOT_BUILT',
      503,
      `the inspector UI is not built${where}: run \`make ui\``
    );
  }

  static internal(cause: unknown): ApiError {
    return new ApiError('ERR_API_INTERNAL', 500, 'internal error', { cause });
  }
}

/** Every code above, for docs/api.md and tests. */
export const API_ERROR_CODES = [
  'ERR_API_UNAUTHORIZED',
  'ERR_API_FORBIDDEN_HOST',
  'ERR_API_FORBIDDEN_ORIGIN',
  'ERR_API_BAD_REQUEST',
  'ERR_API_NOT_FOUND',
  'ERR_API_STOP_UNSUPPORTED',
  'ERR_API_UI_NOT_BUILT',
  'ERR_API_INTERNAL',
  'ERR_API_TOKEN_FILE',
  'ERR_API_TEACHING_OFF',
  'ERR_API_TEACHING_NOT_ACTIVE',
  'ERR_API_TEACHING_NOT_ACCEPTED'
] as const;
