/**
 * CipherState (Noise rev 34, §5.1): a key that may be empty and a 64-bit counter nonce. The
 * handshake and the vector tests use it exactly as the spec does; the transport {@link Session}
 * uses explicit per-message nonces instead, through {@link CipherState.encryptAt}.
 */
import { BitDustError } from '../errors.js';
import { decrypt, encrypt, KEYLEN, MAX_NONCE, rekey, wipe } from './primitives.js';

/** A Noise CipherState. */
export class CipherState {
  #k: Uint8Array | null = null;
  #n = 0n;

  /** InitializeKey(key): set the key and reset the nonce to zero. */
  initializeKey(key: Uint8Array | null): void {
    if (key && key.byteLength !== KEYLEN)
      throw new RangeError(`cipher key must be ${KEYLEN} bytes`);
    wipe(this.#k);
    this.#k = key ? Buffer.from(key) : null;
    this.#n = 0n;
  }

  /** HasKey(). */
  hasKey(): boolean {
    return this.#k !== null;
  }

  /** The next nonce this state will use. */
  get nonce(): bigint {
    return this.#n;
  }

  /** SetNonce(nonce). */
  setNonce(n: bigint): void {
    this.#n = n;
  }

  /**
   * The raw key, for Split's callers that move keys into a {@link Session}. Throws when empty so a
   * missing key can never silently become "no encryption".
   */
  get key(): Uint8Array {
    if (!this.#k) throw new BitDustError('ERR_NOISE_STATE', 'cipher state has no key');
    return this.#k;
  }

  /** EncryptWithAd(ad, plaintext): plaintext passes through untouched while there is no key. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.#k) return plaintext;
    const out = this.encryptAt(this.#n, ad, plaintext);
    this.#n += 1n;
    return out;
  }

  /**
   * DecryptWithAd(ad, ciphertext). On failure the nonce does not move (§5.1), so one forged
   * message cannot desynchronise an honest stream.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.#k) return ciphertext;
    const out = this.decryptAt(this.#n, ad, ciphertext);
    this.#n += 1n;
    return out;
  }

  /** Encrypt with an explicit nonce, leaving the counter alone. */
  encryptAt(n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return encrypt(this.key, checkNonce(n), ad, plaintext);
  }

  /** Decrypt with an explicit nonce, leaving the counter alone. */
  decryptAt(n: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return decrypt(this.key, checkNonce(n), ad, ciphertext);
  }

  /** Rekey(): k = REKEY(k); the nonce is unchanged, as the spec requires. */
  rekey(): void {
    const next = rekey(this.key);
    wipe(this.#k);
    this.#k = next;
  }

  /** Zero the key: after this the state is unusable. */
  destroy(): void {
    wipe(this.#k);
    this.#k = null;
  }
}

/** 2^64-1 is reserved for REKEY; reaching it means the key must be replaced, not reused. */
function checkNonce(n: bigint): bigint {
  if (n < 0n || n >= MAX_NONCE) {
    throw new BitDustError(
      'ERR_NOISE_NONCE_EXHAUSTED',
      'nonce space exhausted; rekey or reconnect'
    );
  }
  return n;
}
