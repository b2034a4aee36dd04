/**
 * The one error type of the erasure API. Codes are stable strings; the numeric codes the .wasm
 * returns (`Error` in wasm/src/lib.rs) map onto them one to one.
 */

/** Every code an `ErasureError` can carry. */
export type ErasureErrorCode =
  | 'ERR_ERASURE_INVALID_PARAMS'
  | 'ERR_ERASURE_SHARD_SIZE'
  | 'ERR_ERASURE_TOO_FEW_SHARDS'
  | 'ERR_ERASURE_SHARD_INDEX'
  | 'ERR_ERASURE_OUT_OF_BOUNDS'
  | 'ERR_ERASURE_OVERLAP'
  | 'ERR_ERASURE_INTERNAL'
  | 'ERR_ERASURE_OUT_OF_MEMORY'
  | 'ERR_ERASURE_DISPOSED'
  | 'ERR_ERASURE_UNSUPPORTED';

/** Invalid parameters, mismatched shards, too few shards, or a runtime without WebAssembly SIMD. */
export class ErasureError extends Error {
  override readonly name = 'ErasureError';

  constructor(
    readonly code: ErasureErrorCode,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options);
  }
}

/** The code for a negative return value of the .wasm (see `enum Error` in lib.rs). */
const WASM_CODES: Record<number, ErasureErrorCode> = {
  [-1]: 'ERR_ERASURE_INVALID_PARAMS',
  [-2]: 'ERR_ERASURE_SHARD_SIZE',
  [-3]: 'ERR_ERASURE_TOO_FEW_SHARDS',
  [-4]: 'ERR_ERASURE_OUT_OF_BOUNDS',
  [-5]: 'ERR_ERASURE_OVERLAP',
  [-6]: 'ERR_ERASURE_INTERNAL'
};

/** Throws the `ErasureError` for a negative .wasm result; returns non-negative results as they are. */
export function checkWasm(result: number, what: string): number {
  if (result >= 0) return result;
  const code = WASM_CODES[result] ?? 'ERR_ERASURE_INTERNAL';
  throw new ErasureError(code, `${what} failed in WebAssembly (${result}, ${code})`);
}
