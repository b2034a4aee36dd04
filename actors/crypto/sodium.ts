/**
 * The typed slice of sodium-native this project uses. sodium-native ships no type declarations, and a
 * global `declare module` would collide with other folders doing the same, so the binding is loaded
 * through `createRequire` and cast to the narrow interface below: only what is listed here is usable.
 */
import { createRequire } from 'node:module';

/** Byte buffers accepted by the binding: it checks sizes itself and throws on a mismatch. */
type Bytes = Uint8Array;

/** The functions and constants of libsodium that actors/crypto and actors/identity call. */
export interface Sodium {
  sodium_memzero(buf: Bytes): void;
  sodium_memcmp(a: Bytes, b: Bytes): boolean;
  randombytes_buf(buf: Bytes): void;

  crypto_scalarmult_BYTES: number;
  crypto_scalarmult_SCALARBYTES: number;
  crypto_scalarmult(q: Bytes, n: Bytes, p: Bytes): void;
  crypto_scalarmult_base(q: Bytes, n: Bytes): void;

  crypto_aead_chacha20poly1305_ietf_ABYTES: number;
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Bytes,
    m: Bytes,
    ad: Bytes | null,
    nsec: null,
    npub: Bytes,
    k: Bytes
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Bytes,
    nsec: null,
    c: Bytes,
    ad: Bytes | null,
    npub: Bytes,
    k: Bytes
  ): number;

  crypto_aead_xchacha20poly1305_ietf_ABYTES: number;
  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number;
  crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Bytes,
    m: Bytes,
    ad: Bytes | null,
    nsec: null,
    npub: Bytes,
    k: Bytes
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Bytes,
    nsec: null,
    c: Bytes,
    ad: Bytes | null,
    npub: Bytes,
    k: Bytes
  ): number;

  crypto_generichash(out: Bytes, input: Bytes, key?: Bytes): void;
  /** Streaming BLAKE2b: state of STATEBYTES, then init → update* → final (whole files). */
  crypto_generichash_STATEBYTES: number;
  crypto_generichash_init(state: Bytes, key: Bytes | null, outlen: number): void;
  crypto_generichash_update(state: Bytes, input: Bytes): void;
  crypto_generichash_final(state: Bytes, out: Bytes): void;
  crypto_hash_sha256(out: Bytes, input: Bytes): void;

  crypto_sign_PUBLICKEYBYTES: number;
  crypto_sign_SECRETKEYBYTES: number;
  crypto_sign_BYTES: number;
  crypto_sign_keypair(pk: Bytes, sk: Bytes): void;
  crypto_sign_seed_keypair(pk: Bytes, sk: Bytes, seed: Bytes): void;
  crypto_sign_detached(sig: Bytes, m: Bytes, sk: Bytes): void;
  crypto_sign_verify_detached(sig: Bytes, m: Bytes, pk: Bytes): boolean;

  crypto_pwhash_SALTBYTES: number;
  crypto_pwhash_ALG_ARGON2ID13: number;
  crypto_pwhash_OPSLIMIT_MIN: number;
  crypto_pwhash_MEMLIMIT_MIN: number;
  crypto_pwhash_OPSLIMIT_MAX: number;
  crypto_pwhash_MEMLIMIT_MAX: number;
  crypto_pwhash_OPSLIMIT_INTERACTIVE: number;
  crypto_pwhash_MEMLIMIT_INTERACTIVE: number;
  crypto_pwhash(
    out: Bytes,
    passwd: Bytes,
    salt: Bytes,
    opslimit: number,
    memlimit: number,
    alg: number
  ): void;
  /** Runs on libuv's thread pool so Argon2id does not block the event loop. */
  crypto_pwhash_async(
    out: Bytes,
    passwd: Bytes,
    salt: Bytes,
    opslimit: number,
    memlimit: number,
    alg: number
  ): Promise<void>;
}

/** The loaded binding (one native module per process). */
export const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
