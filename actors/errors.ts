/**
 * The error shape every area shares: a stable `code` (ERR_<AREA>_<WHAT>, never reused once retired),
 * a message that says what went wrong, and the `cause` kept when wrapping.
 */
export class BitDustError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'BitDustError';
  }
}

/**
 * Programmer errors are never swallowed (the safety-catch rule): a catch that handles operational
 * failures re-throws these.
 */
export function isProgrammerError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
}
