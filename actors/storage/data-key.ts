/**
 * The owner's data key, derived from the identity's Ed25519 seed, so that the identity export
 * (`bitdust identity export`, sealed with its passphrase) is all a fresh node needs to open its
 * catalog and files again (`--from-key`). Keyed BLAKE2b-256 over a context string: one-way, so the
 * data key never reveals the signing key, and a new context gives an unrelated key.
 */
import { blake2b256 } from './hash.js';
import { StorageError } from './errors.js';

const CONTEXT = new TextEncoder().encode('bitdust/data-key/v1');

/** The 32-byte data key of the identity whose 64-byte Ed25519 secret is `identitySecret`. */
export function deriveDataKey(identitySecret: Uint8Array): Uint8Array {
  if (identitySecret.length !== 64) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', 'an Ed25519 secret key has 64 bytes');
  }
  return blake2b256(CONTEXT, identitySecret.subarray(0, 32));
}
