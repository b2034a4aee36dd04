/**
 * The wire codec: envelopes to bytes and back, validated at the boundary. Checks run cheapest and
 * most hostile first — size, msgpack structure, envelope header, version, type, body — so a large
 * or malformed frame costs almost nothing, and every rejection is a counted {@link DecodeError}.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { DECODE_ERROR_CODES, DecodeError, EncodeError, type DecodeErrorCode } from './errors.js';
import { EnvelopeSchema, MESSAGE_TYPE_PATTERN, WIRE_VERSION } from './envelope.js';
import type { EnvelopeOf, MessageRegistry, RawEnvelope } from './envelope.js';
import { DEFAULT_SCAN_LIMITS, scanFrame, type ScanLimits } from './frame-scan.js';
import { packPlain, packPlainParts, unpackPlain, unpackPlainViews } from './plain-msgpack.js';

/** Default frame cap: 1 MiB, enough for an erasure-coded shard of a 4 MiB block with k ≥ 4. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Binaries of at least this many bytes stay separate pieces in {@link Codec.encodeParts}. */
export const BULK_FIELD_BYTES = 16 << 10;

/** Options for {@link createCodec}. */
export interface CodecOptions<M extends MessageRegistry> {
  /** Message type → body schema. Types not listed are rejected both ways. */
  messages: M;
  /** Largest frame accepted or produced, in bytes. Checked before any decoding. */
  maxFrameBytes?: number;
  /** Envelope versions accepted on decode, inclusive. Defaults to exactly {@link WIRE_VERSION}. */
  versions?: { min: number; max: number };
  /** Structural limits applied before msgpack decoding. */
  limits?: Partial<ScanLimits>;
  /**
   * Decoded binaries are views into the frame instead of copies: for a caller that owns every
   * frame it decodes and never writes it (a transport handler that is not borrowing). Default
   * false.
   */
  viewBinaries?: boolean;
}

/** Live counters of one codec, for the API and the inspector. */
export interface CodecStats {
  encoded: number;
  decoded: number;
  bytesIn: number;
  bytesOut: number;
  /** Frames that reached the msgpack decoder (oversized frames never do). */
  unpacked: number;
  /** Rejected frames, by code. */
  decodeErrors: Record<DecodeErrorCode, number>;
}

/** An envelope codec bound to one message registry. */
export interface Codec<M extends MessageRegistry> {
  readonly maxFrameBytes: number;
  /** Validates and encodes; throws {@link EncodeError}. */
  encode(envelope: EnvelopeOf<M>): Uint8Array;
  /**
   * `encode`, in pieces: binaries of at least {@link BULK_FIELD_BYTES} in the envelope or its
   * body are the caller's own views, not copied (they must not change while the pieces are in
   * use). Joined, the pieces are exactly `encode`'s bytes.
   */
  encodeParts(envelope: EnvelopeOf<M>): Uint8Array[];
  /** Decodes and validates; throws only {@link DecodeError}, whatever the bytes. */
  decode(bytes: Uint8Array): EnvelopeOf<M>;
  /** A snapshot of the counters. */
  stats(): CodecStats;
}

const typePattern = new RegExp(MESSAGE_TYPE_PATTERN);
const envelopeCheck = TypeCompiler.Compile(EnvelopeSchema);

/** Builds a codec for the given message registry. */
export function createCodec<M extends MessageRegistry>(options: CodecOptions<M>): Codec<M> {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const versions = options.versions ?? { min: WIRE_VERSION, max: WIRE_VERSION };
  const limits: ScanLimits = { ...DEFAULT_SCAN_LIMITS, ...options.limits };
  const bodies = new Map<string, TypeCheck<TSchema>>();
  for (const [type, schema] of Object.entries(options.messages)) {
    if (!typePattern.test(type))
      throw new TypeError(`message type ${JSON.stringify(type)} is invalid`);
    bodies.set(type, TypeCompiler.Compile(schema));
  }
  const unpack = options.viewBinaries ? unpackPlainViews : unpackPlain;
  const counters = { encoded: 0, decoded: 0, bytesIn: 0, bytesOut: 0, unpacked: 0 };
  const decodeErrors = Object.fromEntries(DECODE_ERROR_CODES.map((c) => [c, 0])) as Record<
    DecodeErrorCode,
    number
  >;

  const fail = (code: DecodeErrorCode, message: string, cause?: unknown): never => {
    decodeErrors[code]++;
    throw new DecodeError(code, message, cause === undefined ? undefined : { cause });
  };

  const decodeUnsafe = (bytes: Uint8Array): EnvelopeOf<M> => {
    if (!(bytes instanceof Uint8Array)) return fail('ERR_WIRE_MALFORMED', 'frame is not bytes');
    if (bytes.byteLength > maxFrameBytes) {
      return fail('ERR_WIRE_TOO_LARGE', `frame of ${bytes.byteLength} B > ${maxFrameBytes} B`);
    }
    counters.bytesIn += bytes.byteLength;
    try {
      scanFrame(bytes, limits);
    } catch (err) {
      if (err instanceof DecodeError) return fail(err.code, err.message.replace(/^\S+: /, ''));
      throw err;
    }
    counters.unpacked++;
    let value: unknown;
    try {
      value = unpack(bytes);
    } catch (err) {
      return fail('ERR_WIRE_MALFORMED', 'msgpack decoding failed', err);
    }
    const version = (value as { v?: unknown } | null)?.v;
    if (typeof version === 'number' && (version < versions.min || version > versions.max)) {
      return fail('ERR_WIRE_VERSION', `version ${version} not in ${versions.min}..${versions.max}`);
    }
    if (!envelopeCheck.Check(value)) {
      return fail('ERR_WIRE_SCHEMA', `envelope: ${firstError(envelopeCheck, value)}`);
    }
    const envelope = value as RawEnvelope;
    const body = bodies.get(envelope.type);
    if (!body) return fail('ERR_WIRE_UNKNOWN_TYPE', `unknown message type ${envelope.type}`);
    if (!body.Check(envelope.body)) {
      return fail('ERR_WIRE_SCHEMA', `${envelope.type} body: ${firstError(body, envelope.body)}`);
    }
    counters.decoded++;
    return envelope as EnvelopeOf<M>;
  };

  const check = (envelope: EnvelopeOf<M>): void => {
    if (!envelopeCheck.Check(envelope)) {
      throw new EncodeError('ERR_WIRE_SCHEMA', `envelope: ${firstError(envelopeCheck, envelope)}`);
    }
    const body = bodies.get(envelope.type);
    if (!body) throw new EncodeError('ERR_WIRE_UNKNOWN_TYPE', `unknown type ${envelope.type}`);
    if (!body.Check(envelope.body)) {
      const why = firstError(body, envelope.body);
      throw new EncodeError('ERR_WIRE_SCHEMA', `${envelope.type} body: ${why}`);
    }
  };

  /** Refuses an encoding of `n` bytes over the cap; counts it otherwise. */
  const sized = (n: number): void => {
    if (n > maxFrameBytes) throw new EncodeError('ERR_WIRE_TOO_LARGE', `frame of ${n} B > cap`);
    counters.encoded++;
    counters.bytesOut += n;
  };

  return {
    maxFrameBytes,
    encode(envelope) {
      check(envelope);
      const bytes = packPlain(envelope);
      sized(bytes.byteLength);
      return bytes;
    },
    encodeParts(envelope) {
      check(envelope);
      const parts = packPlainParts(envelope, BULK_FIELD_BYTES);
      let bytes = 0;
      for (const p of parts) bytes += p.byteLength;
      sized(bytes);
      return parts;
    },
    decode(bytes) {
      try {
        return decodeUnsafe(bytes);
      } catch (err) {
        if (err instanceof DecodeError) throw err;
        // Whatever else broke (a stack overflow in a dependency, say) is still a bad frame to the
        // caller: the contract is that hostile bytes can only ever produce a DecodeError.
        return fail('ERR_WIRE_MALFORMED', 'unexpected failure while decoding', err);
      }
    },
    stats: () => ({ ...counters, decodeErrors: { ...decodeErrors } })
  };
}

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  const error = check.Errors(value).First();
  return error ? `${error.path || '/'} ${error.message}`.slice(0, 200) : 'invalid';
}
