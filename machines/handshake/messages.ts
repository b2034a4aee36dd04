/**
 * Wire schema of the handshake protocol. A frame carries one Noise handshake message; the identity
 * proof travels inside the Noise payload, so it is encrypted (and, in XX, never sent before the
 * channel is keyed). Encoding is msgpack, done in actors/; this file only states shapes and caps so
 * the machine can validate what it is handed. Size caps are checked on bytes before decoding
 * ({@link MAX_FRAME_BYTES}) and on fields after.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Version of the handshake frame and proof formats. */
export const HANDSHAKE_VERSION = 1;
/** The Noise message inside a frame: Noise's own 65535-byte limit. */
export const MAX_NOISE_BYTES = 65535;
/** Cap on an encoded frame (the Noise message plus a small header), checked before decoding. */
export const MAX_FRAME_BYTES = MAX_NOISE_BYTES + 256;
/** Cap on the identity document carried inside a proof. */
export const MAX_PROOF_DOCUMENT_BYTES = 4096;

/** Patterns the handshake uses: XX on first contact, XK/IK when the peer's Noise key is known. */
export const HandshakePatternName = Type.Union([
  Type.Literal('XX'),
  Type.Literal('XK'),
  Type.Literal('IK')
]);
/** Patterns the handshake uses. */
export type HandshakePatternName = Static<typeof HandshakePatternName>;

/** Messages per pattern: XX and XK take three, IK two. */
export const PATTERN_LENGTH: Record<HandshakePatternName, number> = { XX: 3, XK: 3, IK: 2 };

/** One handshake message on the wire. */
export const HandshakeFrame = Type.Object(
  {
    v: Type.Literal(HANDSHAKE_VERSION),
    type: Type.Literal('handshake'),
    /** Handshake id chosen by the initiator: routes frames to the right machine on both sides. */
    hid: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
    pattern: HandshakePatternName,
    /** Index of this message in the pattern (0 = initiator's first). */
    step: Type.Integer({ minimum: 0, maximum: 2 }),
    noise: Type.Uint8Array({ minByteLength: 32, maxByteLength: MAX_NOISE_BYTES })
  },
  { additionalProperties: false }
);
/** One handshake message on the wire. */
export type HandshakeFrame = Static<typeof HandshakeFrame>;

/**
 * The identity proof a side puts in the Noise payload of the message that reveals its static key
 * (or, for a responder whose key was pre-known, in its first message).
 */
export const HandshakeProof = Type.Object(
  {
    v: Type.Literal(HANDSHAKE_VERSION),
    id: Type.String({ pattern: '^[a-z2-7]{32}$' }),
    /** Ed25519 identity public key. */
    identityKey: Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 }),
    /** Identity key's signature over the Noise static key that this handshake authenticated. */
    noiseSig: Type.Uint8Array({ minByteLength: 64, maxByteLength: 64 }),
    /** The signed identity document, so the peer learns contacts and services at once. */
    document: Type.Optional(Type.Uint8Array({ maxByteLength: MAX_PROOF_DOCUMENT_BYTES }))
  },
  { additionalProperties: false }
);
/** The identity proof. */
export type HandshakeProof = Static<typeof HandshakeProof>;

/** Why a value is not a usable frame. */
export type FrameProblem = 'malformed' | 'version' | 'too-large';

/** Validate a decoded frame; returns the problem, or null when it is well formed. */
export function frameProblem(value: unknown): FrameProblem | null {
  if (Value.Check(HandshakeFrame, value)) return null;
  if (typeof value === 'object' && value !== null) {
    const v = (value as { v?: unknown }).v;
    if (v !== HANDSHAKE_VERSION) return 'version';
    const noise = (value as { noise?: unknown }).noise;
    if (noise instanceof Uint8Array && noise.byteLength > MAX_NOISE_BYTES) return 'too-large';
  }
  return 'malformed';
}

/** True when `value` is a well-formed frame. */
export function isHandshakeFrame(value: unknown): value is HandshakeFrame {
  return Value.Check(HandshakeFrame, value);
}

/** True when `value` is a well-formed proof (shape and caps; signatures are checked in actors/). */
export function isHandshakeProof(value: unknown): value is HandshakeProof {
  return Value.Check(HandshakeProof, value);
}
