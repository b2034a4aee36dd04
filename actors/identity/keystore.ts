/**
 * Secret keys at rest. The Ed25519 and Noise secrets are sealed with XChaCha20-Poly1305 under a key
 * derived from the passphrase by Argon2id (random 16-byte salt; opslimit and memlimit stored next to
 * it). The KDF parameters are the AEAD's associated data, so editing them breaks the seal instead of
 * weakening it, and they are capped so a crafted file cannot make us burn gigabytes of memory.
 *
 * An unsealed form (`kdf: 'none'`) exists for throwaway devnet peers only and must be asked for.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Packr } from 'msgpackr';
import { BitDustError } from '../errors.js';
import { sodium } from '../crypto/sodium.js';
import { identityKeysFromSecrets, type IdentityKeys } from './keys.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const AD_CONTEXT = 'bitdust-keystore-v1';
/** Cap on a stored key file, checked before decoding. */
export const MAX_KEYSTORE_BYTES = 1024;
const MAX_OPSLIMIT = 16;
const MAX_MEMLIMIT = 1 << 30;

/** Argon2id cost. */
export interface KdfLimits {
  opslimit: number;
  memlimit: number;
}

/** libsodium's INTERACTIVE limits (≈50 ms, 64 MiB): the default for a node started by hand. */
export const INTERACTIVE_LIMITS: KdfLimits = {
  opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
  memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE
};

/** libsodium's minimum limits: for tests and devnets only, never for real keys. */
export const MIN_LIMITS: KdfLimits = {
  opslimit: sodium.crypto_pwhash_OPSLIMIT_MIN,
  memlimit: sodium.crypto_pwhash_MEMLIMIT_MIN
};

/** Options for {@link sealKeys}. */
export interface SealOptions {
  limits?: KdfLimits;
  /** Allow an empty passphrase to store the keys unencrypted (devnet only). */
  allowPlaintext?: boolean;
}

const Bin = (n: number) => Type.Uint8Array({ minByteLength: n, maxByteLength: n });
const Sealed = Type.Object(
  {
    v: Type.Literal(1),
    kdf: Type.Literal('argon2id13'),
    salt: Bin(16),
    opslimit: Type.Integer({ minimum: 1, maximum: MAX_OPSLIMIT }),
    memlimit: Type.Integer({ minimum: 8192, maximum: MAX_MEMLIMIT }),
    nonce: Bin(24),
    ct: Type.Uint8Array({ minByteLength: 16, maxByteLength: 512 })
  },
  { additionalProperties: false }
);
const Plain = Type.Object(
  {
    v: Type.Literal(1),
    kdf: Type.Literal('none'),
    secrets: Type.Uint8Array({ maxByteLength: 512 })
  },
  { additionalProperties: false }
);
const Secrets = Type.Object({ identity: Bin(64), noise: Bin(32) }, { additionalProperties: false });

function err(code: string, message: string, cause?: unknown): BitDustError {
  return new BitDustError(code, message, cause === undefined ? undefined : { cause });
}

function ad(salt: Uint8Array, opslimit: number, memlimit: number): Buffer {
  return Buffer.from(`${AD_CONTEXT}|${Buffer.from(salt).toString('hex')}|${opslimit}|${memlimit}`);
}

async function deriveKey(passphrase: string, salt: Uint8Array, limits: KdfLimits): Promise<Buffer> {
  const key = Buffer.alloc(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  const pw = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  await sodium.crypto_pwhash_async(
    key,
    pw,
    salt,
    limits.opslimit,
    limits.memlimit,
    sodium.crypto_pwhash_ALG_ARGON2ID13
  );
  sodium.sodium_memzero(pw);
  return key;
}

/** Encrypt the secret keys under a passphrase; returns the key-file bytes. */
export async function sealKeys(
  keys: IdentityKeys,
  passphrase: string,
  opts: SealOptions = {}
): Promise<Uint8Array> {
  const secrets = packr.pack({ identity: keys.identitySecret, noise: keys.noise.secretKey });
  try {
    if (passphrase === '') {
      if (!opts.allowPlaintext) throw err('ERR_IDENTITY_PASSPHRASE', 'empty passphrase');
      return packr.pack({ v: 1, kdf: 'none', secrets });
    }
    const { opslimit, memlimit } = opts.limits ?? INTERACTIVE_LIMITS;
    if (opslimit > MAX_OPSLIMIT || memlimit > MAX_MEMLIMIT)
      throw new RangeError('KDF limits above the cap');
    const salt = Buffer.alloc(sodium.crypto_pwhash_SALTBYTES);
    const nonce = Buffer.alloc(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    sodium.randombytes_buf(salt);
    sodium.randombytes_buf(nonce);
    const key = await deriveKey(passphrase, salt, { opslimit, memlimit });
    const ct = Buffer.alloc(secrets.byteLength + sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      ct,
      secrets,
      ad(salt, opslimit, memlimit),
      null,
      nonce,
      key
    );
    sodium.sodium_memzero(key);
    return packr.pack({ v: 1, kdf: 'argon2id13', salt, opslimit, memlimit, nonce, ct });
  } finally {
    sodium.sodium_memzero(secrets);
  }
}

/** Decrypt a key file. A wrong passphrase, or any tampering, is ERR_IDENTITY_PASSPHRASE. */
export async function openKeys(bytes: Uint8Array, passphrase: string): Promise<IdentityKeys> {
  if (bytes.byteLength > MAX_KEYSTORE_BYTES)
    throw err('ERR_IDENTITY_KEYSTORE', 'key file too large');
  let file: unknown;
  try {
    file = packr.unpack(bytes);
  } catch (cause) {
    throw err('ERR_IDENTITY_KEYSTORE', 'key file is not msgpack', cause);
  }
  let secrets: Uint8Array;
  if (Value.Check(Plain, file)) {
    secrets = file.secrets;
  } else if (Value.Check(Sealed, file)) {
    if (passphrase === '') throw err('ERR_IDENTITY_PASSPHRASE', 'key file needs a passphrase');
    const key = await deriveKey(passphrase, file.salt, file);
    secrets = Buffer.alloc(file.ct.byteLength - sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES);
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        secrets,
        null,
        file.ct,
        ad(file.salt, file.opslimit, file.memlimit),
        file.nonce,
        key
      );
    } catch (cause) {
      throw err('ERR_IDENTITY_PASSPHRASE', 'wrong passphrase or corrupted key file', cause);
    } finally {
      sodium.sodium_memzero(key);
    }
  } else {
    throw err('ERR_IDENTITY_KEYSTORE', 'unrecognised key file');
  }
  try {
    const parsed: unknown = packr.unpack(secrets);
    if (!Value.Check(Secrets, parsed))
      throw err('ERR_IDENTITY_KEYSTORE', 'sealed secrets malformed');
    return identityKeysFromSecrets(parsed.identity, parsed.noise);
  } catch (cause) {
    if (cause instanceof BitDustError) throw cause;
    throw err('ERR_IDENTITY_KEYSTORE', 'sealed secrets are not msgpack', cause);
  } finally {
    // identityKeysFromSecrets copied what it needs; the decrypted buffer must not linger.
    if (secrets !== (file as { secrets?: unknown }).secrets) sodium.sodium_memzero(secrets);
  }
}

/** Whether a key file is stored unencrypted (so a CLI can warn). */
export function isPlaintextKeystore(bytes: Uint8Array): boolean {
  try {
    return Value.Check(Plain, packr.unpack(bytes));
  } catch {
    return false;
  }
}
