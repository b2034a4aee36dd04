/**
 * SymmetricState (Noise rev 34, §5.2): the chaining key `ck`, the handshake hash `h` and the
 * CipherState they key. Everything a handshake sends or receives is mixed into `h`, which is why a
 * single flipped bit anywhere makes the next authenticated message fail.
 */
import { CipherState } from './cipher-state.js';
import { hkdf, KEYLEN, wipe, type HashFunction } from './primitives.js';

/** A Noise SymmetricState. */
export class SymmetricState {
  readonly cipher = new CipherState();
  #ck: Uint8Array;
  #h: Uint8Array;

  /** InitializeSymmetric(protocol_name). */
  constructor(
    readonly hash: HashFunction,
    protocolName: string
  ) {
    const name = Buffer.from(protocolName, 'utf8');
    if (name.byteLength <= hash.HASHLEN) {
      this.#h = Buffer.alloc(hash.HASHLEN);
      this.#h.set(name);
    } else {
      this.#h = hash.hash(name);
    }
    this.#ck = Buffer.from(this.#h);
  }

  /** MixKey(input_key_material). */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.hash, this.#ck, ikm, 2);
    wipe(this.#ck);
    this.#ck = ck!;
    this.cipher.initializeKey(tempK!.subarray(0, KEYLEN));
    wipe(tempK);
  }

  /** MixHash(data). */
  mixHash(data: Uint8Array): void {
    this.#h = this.hash.hash(Buffer.concat([this.#h, data]));
  }

  /** MixKeyAndHash(input_key_material): how pre-shared keys enter the handshake. */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = hkdf(this.hash, this.#ck, ikm, 3);
    wipe(this.#ck);
    this.#ck = ck!;
    this.mixHash(tempH!);
    this.cipher.initializeKey(tempK!.subarray(0, KEYLEN));
    wipe(tempK);
  }

  /** GetHandshakeHash(): a copy, so callers can keep it after the state is wiped. */
  handshakeHash(): Uint8Array {
    return Buffer.from(this.#h);
  }

  /** EncryptAndHash(plaintext). */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /** DecryptAndHash(ciphertext). */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split(): the initiator→responder and responder→initiator CipherStates, in that order. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.hash, this.#ck, new Uint8Array(0), 2);
    const c1 = new CipherState();
    const c2 = new CipherState();
    c1.initializeKey(k1!.subarray(0, KEYLEN));
    c2.initializeKey(k2!.subarray(0, KEYLEN));
    wipe(k1);
    wipe(k2);
    return [c1, c2];
  }

  /** Zero the chaining key and the handshake key once the handshake is over or abandoned. */
  destroy(): void {
    wipe(this.#ck);
    this.cipher.destroy();
  }
}
