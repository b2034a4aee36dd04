/**
 * The envelope every frame carries, `{ v, type, id, from, to, ts, body }`, as a TypeBox schema so
 * the same definition validates frames here and documents routes in fastify. A relay reads only the
 * header; `body` belongs to the message type's own schema (and is usually ciphertext).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The envelope version this build writes. See docs/wire.md for when it changes. */
export const WIRE_VERSION = 1;

/** Header field limits, shared by the schema and the docs. */
export const ENVELOPE_LIMITS = {
  maxTypeLength: 64,
  maxIdLength: 64,
  maxNodeIdLength: 128
} as const;

/** Message type names: dotted lowercase `area.verb`, e.g. `peer.ping`, `shard.put`. */
export const MESSAGE_TYPE_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$';

/** The envelope header plus an opaque body; the body is checked against its type's schema later. */
export const EnvelopeSchema = Type.Object(
  {
    v: Type.Integer({ minimum: 0, maximum: 65535 }),
    type: Type.String({
      minLength: 3,
      maxLength: ENVELOPE_LIMITS.maxTypeLength,
      pattern: MESSAGE_TYPE_PATTERN
    }),
    id: Type.String({ minLength: 1, maxLength: ENVELOPE_LIMITS.maxIdLength }),
    from: Type.String({ minLength: 1, maxLength: ENVELOPE_LIMITS.maxNodeIdLength }),
    to: Type.String({ minLength: 1, maxLength: ENVELOPE_LIMITS.maxNodeIdLength }),
    ts: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    body: Type.Unknown()
  },
  { additionalProperties: false, $id: 'bitdust.envelope' }
);

/** An envelope whose body type is not yet known. */
export type RawEnvelope = Static<typeof EnvelopeSchema>;

/** Message type name → TypeBox schema of its body; one per protocol lives in machines/. */
export type MessageRegistry = Record<string, TSchema>;

/** An envelope of message type `T` with body `B`. */
export interface Envelope<T extends string = string, B = unknown> {
  /** Envelope version (see {@link WIRE_VERSION}). */
  v: number;
  /** Message type, a key of the registry. */
  type: T;
  /** Request id: a response carries its request's id. At most 64 characters. */
  id: string;
  /** Sender node id, at most 128 characters. */
  from: string;
  /** Recipient node id, at most 128 characters. */
  to: string;
  /** Sender's clock, integer milliseconds. */
  ts: number;
  /** The message itself, validated against the schema registered for `type`. */
  body: B;
}

/** The union of envelopes a registry allows, discriminated by `type`. */
export type EnvelopeOf<M extends MessageRegistry> = {
  [K in keyof M & string]: Envelope<K, Static<M[K]>>;
}[keyof M & string];
