/**
 * Canonical bytes, hashes and signatures for everything money touches. Signatures must cover
 * exactly one byte string per value, whoever encodes it: plain msgpack with object keys sorted by
 * code point (insertion order is not part of the meaning) and no `undefined`. Every signature is
 * domain-separated by a context string, so a signed invoice can never be replayed as a payment.
 */
import { sign as edSign, verify as edVerify, nodeIdFromKey } from '../identity/keys.js';
import type { IdentityKeys } from '../identity/keys.js';
import { sodium } from '../crypto/sodium.js';
import { packPlain } from '../wire/plain-msgpack.js';

/** Signature domains: one per kind of signed statement. */
export type SignContext =
  'contract' | 'invoice' | 'accept' | 'dispute' | 'payment' | 'receipt' | 'entry' | 'grant';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}

/** The canonical encoding of a plain value (sorted keys, undefined dropped). */
export function canonicalBytes(value: unknown): Uint8Array {
  return packPlain(sortKeys(value));
}

/** BLAKE2b-256 of `bytes`, lowercase hex. */
export function hashHex(bytes: Uint8Array): string {
  const out = Buffer.alloc(32);
  sodium.crypto_generichash(out, bytes);
  return out.toString('hex');
}

/** BLAKE2b-256 of the canonical encoding of `value`. */
export function hashOf(value: unknown): string {
  return hashHex(canonicalBytes(value));
}

function domain(context: SignContext, value: unknown): Uint8Array {
  return Buffer.concat([Buffer.from(`bitdust-${context}-v1\0`), canonicalBytes(value)]);
}

/** Ed25519 signature of `value` in `context`. */
export function signValue(keys: IdentityKeys, context: SignContext, value: unknown): Uint8Array {
  return edSign(keys, domain(context, value));
}

/**
 * Whether `sig` is `signer`'s signature of `value` in `context`. Keys are self-certifying: the
 * public key must hash to the claimed node id, so no directory is needed to check a statement.
 */
export function verifyValue(
  signer: string,
  publicKey: Uint8Array,
  context: SignContext,
  value: unknown,
  sig: Uint8Array
): boolean {
  if (!(publicKey instanceof Uint8Array) || !(sig instanceof Uint8Array)) return false;
  if (publicKey.byteLength !== 32 || nodeIdFromKey(publicKey) !== signer) return false;
  return edVerify(publicKey, domain(context, value), sig);
}
