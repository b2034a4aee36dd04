/**
 * HandshakeState (Noise rev 34, §5.3): runs one handshake pattern message by message. Ephemeral
 * keys can be injected so the public test vectors replay byte for byte; in production they are
 * generated fresh for every handshake.
 */
import { BitDustError } from '../errors.js';
import type { CipherState } from './cipher-state.js';
import { parseProtocolName, type HandshakePattern, type NoiseProtocol } from './patterns.js';
import {
  dh,
  DHLEN,
  generateKeyPair,
  MAX_MESSAGE,
  TAGLEN,
  wipe,
  type KeyPair
} from './primitives.js';
import { SymmetricState } from './symmetric-state.js';

/** Everything Initialize() takes, plus an optional injected ephemeral for tests. */
export interface HandshakeOptions {
  /** Full name, e.g. `Noise_XX_25519_ChaChaPoly_BLAKE2b`. */
  protocolName: string;
  initiator: boolean;
  prologue?: Uint8Array;
  /** Our static key pair (needed when the pattern sends or pre-shares `s`). */
  staticKeyPair?: KeyPair;
  /** The peer's static public key when known in advance (`<- s` for an initiator of XK/IK). */
  remoteStaticKey?: Uint8Array;
  /** Injected ephemeral key pair: test vectors only. */
  ephemeralKeyPair?: KeyPair;
  /** Pre-shared keys consumed in order by `psk` tokens. */
  psks?: Uint8Array[];
}

/** Result of a completed handshake. */
export interface HandshakeResult {
  /** Initiator→responder cipher. */
  readonly c1: CipherState;
  /** Responder→initiator cipher (unused by one-way patterns). */
  readonly c2: CipherState;
  readonly handshakeHash: Uint8Array;
  readonly remoteStaticKey: Uint8Array | null;
}

/** A Noise HandshakeState. Any error leaves it failed: a handshake is never resumed (§5.3). */
export class HandshakeState {
  readonly protocol: NoiseProtocol;
  readonly pattern: HandshakePattern;
  readonly initiator: boolean;
  readonly #ss: SymmetricState;
  readonly #s: KeyPair | undefined;
  #e: KeyPair | undefined;
  #rs: Uint8Array | null;
  #re: Uint8Array | null = null;
  readonly #psks: Uint8Array[];
  readonly #hasPsk: boolean;
  #index = 0;
  #failed = false;
  #result: HandshakeResult | null = null;

  /** Initialize(): mix the prologue and the pre-message public keys into `h`. */
  constructor(opts: HandshakeOptions) {
    this.protocol = parseProtocolName(opts.protocolName);
    this.pattern = this.protocol.pattern;
    this.initiator = opts.initiator;
    this.#ss = new SymmetricState(this.protocol.hash, opts.protocolName);
    this.#s = opts.staticKeyPair;
    // Copied, because a finished or failed handshake wipes its ephemeral secret.
    const e = opts.ephemeralKeyPair;
    this.#e = e && { publicKey: Buffer.from(e.publicKey), secretKey: Buffer.from(e.secretKey) };
    this.#rs = opts.remoteStaticKey ? Buffer.from(opts.remoteStaticKey) : null;
    this.#psks = [...(opts.psks ?? [])];
    this.#hasPsk = this.pattern.messages.some((m) => m.includes('psk'));
    this.#ss.mixHash(opts.prologue ?? new Uint8Array(0));
    // Initiator's pre-message keys are hashed first, then the responder's (§7.1).
    for (const t of this.pattern.initiatorPre) this.#ss.mixHash(this.#preKey(t, this.initiator));
    for (const t of this.pattern.responderPre) this.#ss.mixHash(this.#preKey(t, !this.initiator));
  }

  #preKey(token: 'e' | 's', local: boolean): Uint8Array {
    const key = local
      ? token === 's'
        ? this.#s?.publicKey
        : this.#e?.publicKey
      : token === 's'
        ? this.#rs
        : this.#re;
    if (!key) throw new BitDustError('ERR_NOISE_STATE', `pre-message key ${token} missing`);
    return key;
  }

  /** True once the last message has been written or read. */
  get complete(): boolean {
    return this.#result !== null;
  }

  /** True when the next message is ours to write. */
  get isMyTurn(): boolean {
    return (this.#index % 2 === 0) === this.initiator;
  }

  /** Index of the next message in the pattern. */
  get messageIndex(): number {
    return this.#index;
  }

  /** The peer's static key once learned (or pre-known). */
  get remoteStaticKey(): Uint8Array | null {
    return this.#rs;
  }

  /** The result of Split(), available once {@link complete}. */
  get result(): HandshakeResult {
    if (!this.#result) throw new BitDustError('ERR_NOISE_STATE', 'handshake not complete');
    return this.#result;
  }

  /** WriteMessage(payload): the bytes to send. */
  writeMessage(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
    this.#begin(true);
    try {
      const parts: Uint8Array[] = [];
      for (const token of this.pattern.messages[this.#index]!) {
        if (token === 'e') {
          this.#e ??= generateKeyPair();
          parts.push(this.#e.publicKey);
          this.#mixEphemeral(this.#e.publicKey);
        } else if (token === 's') {
          parts.push(this.#ss.encryptAndHash(this.#need(this.#s, 's').publicKey));
        } else this.#mixToken(token);
      }
      parts.push(this.#ss.encryptAndHash(payload));
      const message = Buffer.concat(parts);
      if (message.byteLength > MAX_MESSAGE) {
        throw new BitDustError('ERR_NOISE_TOO_LARGE', `handshake message ${message.byteLength} B`);
      }
      this.#advance();
      return message;
    } catch (err) {
      this.#fail();
      throw err;
    }
  }

  /** ReadMessage(message): the decrypted payload, or ERR_NOISE_* with the handshake failed. */
  readMessage(message: Uint8Array): Uint8Array {
    this.#begin(false);
    try {
      if (message.byteLength > MAX_MESSAGE) {
        throw new BitDustError('ERR_NOISE_TOO_LARGE', `handshake message ${message.byteLength} B`);
      }
      let off = 0;
      const take = (n: number): Uint8Array => {
        if (off + n > message.byteLength) {
          throw new BitDustError('ERR_NOISE_SHORT', 'handshake message truncated');
        }
        return message.subarray(off, (off += n));
      };
      for (const token of this.pattern.messages[this.#index]!) {
        if (token === 'e') {
          this.#re = Buffer.from(take(DHLEN));
          this.#mixEphemeral(this.#re);
        } else if (token === 's') {
          const len = this.#ss.cipher.hasKey() ? DHLEN + TAGLEN : DHLEN;
          this.#rs = Buffer.from(this.#ss.decryptAndHash(take(len)));
        } else this.#mixToken(token);
      }
      const payload = this.#ss.decryptAndHash(message.subarray(off));
      this.#advance();
      return payload;
    } catch (err) {
      this.#fail();
      throw err;
    }
  }

  /** The handshake hash so far (channel binding; final once complete). */
  handshakeHash(): Uint8Array {
    return this.#ss.handshakeHash();
  }

  /** Wipe every secret this state holds. */
  destroy(): void {
    this.#ss.destroy();
    wipe(this.#e?.secretKey);
  }

  #begin(writing: boolean): void {
    if (this.#failed) throw new BitDustError('ERR_NOISE_STATE', 'handshake already failed');
    if (this.#result) throw new BitDustError('ERR_NOISE_STATE', 'handshake already complete');
    if (this.isMyTurn !== writing) {
      throw new BitDustError(
        'ERR_NOISE_STATE',
        writing ? 'not our turn to write' : 'not our turn to read'
      );
    }
  }

  #mixEphemeral(pub: Uint8Array): void {
    this.#ss.mixHash(pub);
    // With a PSK the ephemeral also keys the cipher, so a psk-only message is still randomised (§9.2).
    if (this.#hasPsk) this.#ss.mixKey(pub);
  }

  #mixToken(token: 'ee' | 'es' | 'se' | 'ss' | 'psk'): void {
    if (token === 'psk') {
      const psk = this.#psks.shift();
      if (!psk || psk.byteLength !== 32)
        throw new BitDustError('ERR_NOISE_STATE', 'missing 32-byte psk');
      this.#ss.mixKeyAndHash(psk);
      return;
    }
    // The first letter names the initiator's key, the second the responder's (§7.1).
    const [mineLetter, theirLetter] = this.initiator ? [token[0], token[1]] : [token[1], token[0]];
    const mine = mineLetter === 'e' ? this.#e : this.#s;
    const theirs = theirLetter === 'e' ? this.#re : this.#rs;
    const shared = dh(this.#need(mine, mineLetter!), this.#need(theirs, theirLetter!));
    this.#ss.mixKey(shared);
    wipe(shared);
  }

  #need<T>(value: T | null | undefined, what: string): T {
    if (value === null || value === undefined) {
      throw new BitDustError('ERR_NOISE_STATE', `key ${what} missing for ${this.pattern.name}`);
    }
    return value;
  }

  #advance(): void {
    this.#index += 1;
    if (this.#index < this.pattern.messages.length) return;
    const [c1, c2] = this.#ss.split();
    this.#result = {
      c1,
      c2,
      handshakeHash: this.#ss.handshakeHash(),
      remoteStaticKey: this.#rs
    };
    this.#ss.destroy();
    wipe(this.#e?.secretKey);
  }

  #fail(): void {
    this.#failed = true;
    this.destroy();
  }
}
