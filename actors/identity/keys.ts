/**
 * Identity key material: an Ed25519 identity key (who a node is), the node id derived from it, and
 * an X25519 Noise static key (how it handshakes) bound to the identity by a signature. The two keys
 * are separate, rather than converting Ed25519 to X25519, so the Noise key can be rotated without
 * changing the node id.
 */
import { BitDustError } from '../errors.js';
import { generateKeyPair, keyPairFromSecret, type KeyPair } from '../crypto/primitives.js';
import { sodium } from '../crypto/sodium.js';

/** Domain separation for the Noise-static binding signature. */
const NOISE_BINDING_CONTEXT = Buffer.from('bitdust-noise-static-v1\0');
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** All secret and public keys of one node. */
export interface IdentityKeys {
  /** Ed25519 public key (32 bytes). */
  readonly identityPublic: Uint8Array;
  /** Ed25519 secret key in libsodium's 64-byte form (seed ‖ public key). */
  readonly identitySecret: Uint8Array;
  /** The X25519 Noise static key pair. */
  readonly noise: KeyPair;
}

/** Fresh keys from libsodium's CSPRNG. */
export function generateIdentityKeys(): IdentityKeys {
  const identityPublic = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const identitySecret = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_keypair(identityPublic, identitySecret);
  return { identityPublic, identitySecret, noise: generateKeyPair() };
}

/** Rebuild keys from stored secrets (the public halves are recomputed, never trusted from disk). */
export function identityKeysFromSecrets(
  identitySecret: Uint8Array,
  noiseSecret: Uint8Array
): IdentityKeys {
  if (identitySecret.byteLength !== 64 || noiseSecret.byteLength !== 32) {
    throw new BitDustError('ERR_IDENTITY_KEYS', 'stored secret keys have the wrong size');
  }
  const identityPublic = Buffer.alloc(32);
  const check = Buffer.alloc(64);
  // The seed is the first half; re-deriving proves the stored public half was not swapped.
  sodium.crypto_sign_seed_keypair(identityPublic, check, identitySecret.subarray(0, 32));
  if (!sodium.sodium_memcmp(check, identitySecret)) {
    throw new BitDustError('ERR_IDENTITY_KEYS', 'identity secret key is inconsistent');
  }
  return { identityPublic, identitySecret: check, noise: keyPairFromSecret(noiseSecret) };
}

/** Keys with a freshly generated Noise static key, same identity (Noise key rotation). */
export function withNewNoiseKey(keys: IdentityKeys): IdentityKeys {
  return { ...keys, noise: generateKeyPair() };
}

/** Ed25519 detached signature. */
export function sign(keys: IdentityKeys, message: Uint8Array): Uint8Array {
  const sig = Buffer.alloc(sodium.crypto_sign_BYTES);
  sodium.crypto_sign_detached(sig, message, keys.identitySecret);
  return sig;
}

/** Ed25519 verification; false on any malformed input rather than throwing. */
export function verify(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || sig.byteLength !== 64) return false;
  return sodium.crypto_sign_verify_detached(sig, message, publicKey);
}

/** The identity key's signature over the Noise static public key. */
export function signNoiseKey(keys: IdentityKeys): Uint8Array {
  return sign(keys, Buffer.concat([NOISE_BINDING_CONTEXT, keys.noise.publicKey]));
}

/** Whether `sig` binds `noiseKey` to `identityKey`. */
export function verifyNoiseKey(
  identityKey: Uint8Array,
  noiseKey: Uint8Array,
  sig: Uint8Array
): boolean {
  return verify(identityKey, Buffer.concat([NOISE_BINDING_CONTEXT, noiseKey]), sig);
}

/**
 * The node id: lowercase base32 (RFC 4648, no padding) of BLAKE2b-160 of the Ed25519 public key.
 * 160 bits matches Kademlia's id space and still leaves 2^160 work for a second preimage.
 */
export function nodeIdFromKey(identityKey: Uint8Array): string {
  const digest = Buffer.alloc(20);
  sodium.crypto_generichash(digest, identityKey);
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of digest) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Zero every secret in `keys`. */
export function wipeKeys(keys: IdentityKeys): void {
  sodium.sodium_memzero(keys.identitySecret);
  sodium.sodium_memzero(keys.noise.secretKey);
}
