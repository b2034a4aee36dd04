/**
 * The real implementations the handshake machine is provided with: Noise over 25519/ChaChaPoly/
 * BLAKE2b through {@link HandshakeState}, identity proofs signed by the node's Ed25519 key, and the
 * msgpack frame codec. Prologue = "bitdust-handshake/1", so a peer speaking another handshake
 * version fails at the first authenticated message instead of half-working.
 */
import { Packr } from 'msgpackr';
import { fromPromise } from 'xstate';
import { BitDustError } from '../errors.js';
import { decodeIdentityDocument } from '../identity/document.js';
import type { LocalIdentity } from '../identity/identity.js';
import { nodeIdFromKey, signNoiseKey, verifyNoiseKey } from '../identity/keys.js';
import {
  handshakeMachine,
  type NoiseHandle,
  type ReadResult,
  type VerifiedPeer,
  type WriteResult
} from '../../machines/handshake/machine.js';
import {
  HANDSHAKE_VERSION,
  isHandshakeProof,
  MAX_FRAME_BYTES,
  type HandshakeFrame,
  type HandshakePatternName,
  type HandshakeProof
} from '../../machines/handshake/messages.js';
import { HandshakeState } from './handshake-state.js';
import { Session, type SessionOptions } from './session.js';

/** Bound into `h` by both sides: a version bump here makes old and new peers fail cleanly. */
export const HANDSHAKE_PROLOGUE = Buffer.from('bitdust-handshake/1');
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** What the real actors need. */
export interface HandshakeDeps {
  identity: LocalIdentity;
  hash?: 'BLAKE2b' | 'SHA256';
  sessionOptions?: SessionOptions;
  /** Put the node's signed document inside its proof (default true). */
  sendDocument?: boolean;
}

/** The Noise state behind the machine's opaque handle. */
class NoiseHandshake {
  wrote = 0;
  constructor(
    readonly hs: HandshakeState,
    readonly pattern: HandshakePatternName
  ) {}
}

function asHandle(handle: NoiseHandle): NoiseHandshake {
  if (!(handle instanceof NoiseHandshake)) throw new TypeError('not a Noise handshake handle');
  return handle;
}

/** How long a peer's Noise key counts as current after we last saw it proven or published. */
export const IK_FRESH_MS = 10 * 60_000;

/** What the initiator knows of the peer's Noise key when it picks a pattern. */
export interface PatternHints {
  /** Clock time the peer's document was last accepted (a handshake proof, a push, the DHT). */
  confirmedAt?: number | null;
  now?: number;
  /** The last handshake with this peer failed: the key we hold may be a rotated one. */
  lastFailed?: boolean;
}

/**
 * The pattern of an outgoing handshake:
 * - XX without the peer's key, or after a failed attempt (a rotated key fails IK and XK alike
 *   and only XX learns the current one from the peer's proof);
 * - IK when the key was confirmed within {@link IK_FRESH_MS}: one round trip instead of one and a
 *   half. IK's first message carries our identity proof encrypted to the peer's static key alone
 *   (not forward secret), so it is only sent to a key we have reason to think is still in use —
 *   never to an old one that may have been rotated away because it leaked;
 * - XK otherwise: our identity travels only after the forward-secret `ee`.
 */
export function choosePattern(
  remoteStatic?: Uint8Array | null,
  hints: PatternHints = {}
): HandshakePatternName {
  if (!remoteStatic || hints.lastFailed) return 'XX';
  const { confirmedAt, now } = hints;
  if (confirmedAt != null && now !== undefined && now - confirmedAt <= IK_FRESH_MS) return 'IK';
  return 'XK';
}

/** msgpack-encode a frame. */
export function encodeHandshakeFrame(frame: HandshakeFrame): Uint8Array {
  return packr.pack(frame);
}

/** Decode frame bytes, cap first; the machine validates the shape. */
export function decodeHandshakeFrame(bytes: Uint8Array): unknown {
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new BitDustError('ERR_HANDSHAKE_FRAME', `frame of ${bytes.byteLength} B`);
  }
  try {
    return packr.unpack(bytes) as unknown;
  } catch (cause) {
    throw new BitDustError('ERR_HANDSHAKE_FRAME', 'frame is not msgpack', { cause });
  }
}

/** The four actors the machine names. */
export function createHandshakeActors(deps: HandshakeDeps) {
  const { identity } = deps;
  const protocol = (p: HandshakePatternName) =>
    `Noise_${p}_25519_ChaChaPoly_${deps.hash ?? 'BLAKE2b'}`;
  const proof = (): Uint8Array => {
    const body: HandshakeProof = {
      v: HANDSHAKE_VERSION,
      id: identity.document.body.id,
      identityKey: Buffer.from(identity.keys.identityPublic),
      noiseSig: Buffer.from(signNoiseKey(identity.keys))
    };
    if (deps.sendDocument !== false) body.document = Buffer.from(identity.document.bytes);
    return packr.pack(body);
  };
  const finish = (h: NoiseHandshake) =>
    h.hs.complete ? Session.fromHandshake(h.hs.result, h.hs.initiator, deps.sessionOptions) : null;

  return {
    noiseStart: fromPromise<
      NoiseHandle,
      {
        role: 'initiator' | 'responder';
        pattern: HandshakePatternName;
        remoteStatic: Uint8Array | null;
      }
    >(async ({ input }) => {
      const initiator = input.role === 'initiator';
      if (initiator && input.pattern !== 'XX' && !input.remoteStatic) {
        throw new BitDustError(
          'ERR_HANDSHAKE_SETUP',
          `${input.pattern} needs the peer's Noise key`
        );
      }
      const hs = new HandshakeState({
        protocolName: protocol(input.pattern),
        initiator,
        prologue: HANDSHAKE_PROLOGUE,
        staticKeyPair: identity.keys.noise,
        remoteStaticKey: initiator ? (input.remoteStatic ?? undefined) : undefined
      });
      return new NoiseHandshake(hs, input.pattern);
    }),

    noiseWrite: fromPromise<WriteResult, { handle: NoiseHandle; step: number }>(
      async ({ input }) => {
        const h = asHandle(input.handle);
        if (h.hs.messageIndex !== input.step)
          throw new BitDustError('ERR_HANDSHAKE_STATE', 'step mismatch');
        // The proof goes with the message that reveals our static key, or, when the peer knew it
        // beforehand (XK/IK responder), with our first message: never in clear, never before.
        const tokens = h.hs.pattern.messages[input.step] ?? [];
        const preKnown =
          !h.hs.initiator && h.hs.pattern.responderPre.includes('s') && h.wrote === 0;
        const noise = h.hs.writeMessage(
          tokens.includes('s') || preKnown ? proof() : new Uint8Array(0)
        );
        h.wrote += 1;
        return { noise, session: finish(h) };
      }
    ),

    noiseRead: fromPromise<ReadResult, { handle: NoiseHandle; noise: Uint8Array }>(
      async ({ input }) => {
        const h = asHandle(input.handle);
        const payload = h.hs.readMessage(input.noise);
        let decoded: HandshakeProof | null = null;
        if (payload.byteLength > 0) {
          let value: unknown;
          try {
            value = packr.unpack(payload);
          } catch (cause) {
            throw new BitDustError('ERR_HANDSHAKE_PROOF', 'proof is not msgpack', { cause });
          }
          if (!isHandshakeProof(value))
            throw new BitDustError('ERR_HANDSHAKE_PROOF', 'malformed proof');
          decoded = value;
        }
        return { proof: decoded, session: finish(h) };
      }
    ),

    verifyPeer: fromPromise<
      VerifiedPeer,
      { handle: NoiseHandle; proof: HandshakeProof; expectedPeerId: string | null }
    >(async ({ input }) =>
      verifyProof(asHandle(input.handle).hs.remoteStaticKey, input.proof, input.expectedPeerId)
    )
  };
}

/**
 * Check a proof against the Noise static key the handshake authenticated: the identity key signed
 * that exact key, the id is that identity key's, it is the id we dialled, and any attached
 * document is valid and names the same keys.
 */
export function verifyProof(
  remoteStatic: Uint8Array | null,
  proof: HandshakeProof,
  expected: string | null
): VerifiedPeer {
  const fail = (m: string) => new BitDustError('ERR_HANDSHAKE_IDENTITY', m);
  if (!remoteStatic) throw fail('no remote static key to bind');
  if (!verifyNoiseKey(proof.identityKey, remoteStatic, proof.noiseSig))
    throw fail('bad Noise key signature');
  if (nodeIdFromKey(proof.identityKey) !== proof.id) throw fail(`id ${proof.id} is not its key's`);
  if (expected !== null && proof.id !== expected)
    throw fail(`expected ${expected}, met ${proof.id}`);
  if (!proof.document) return { peerId: proof.id, document: null };
  const doc = decodeIdentityDocument(proof.document);
  if (doc.body.id !== proof.id || !Buffer.from(doc.body.noiseKey).equals(remoteStatic)) {
    throw fail('attached document names other keys');
  }
  return { peerId: proof.id, document: doc.bytes };
}

/** The machine wired to real crypto and a frame sender: what a peer actor spawns. */
export function provideHandshake(deps: HandshakeDeps, send: (frame: HandshakeFrame) => void) {
  return handshakeMachine.provide({
    actors: createHandshakeActors(deps),
    actions: {
      sendFrame: (_, params) => send(params.frame),
      disposeNoise: (_, params) => {
        if (params.handle instanceof NoiseHandshake) params.handle.hs.destroy();
      }
    }
  });
}
