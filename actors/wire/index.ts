/**
 * The wire: envelopes, message schemas and the codec that turns them into bounded, validated
 * msgpack frames. Protocol message schemas live in machines/<protocol>/messages.ts.
 */
export { BULK_FIELD_BYTES, createCodec, DEFAULT_MAX_FRAME_BYTES } from './codec.js';
export type { Codec, CodecOptions, CodecStats } from './codec.js';
export { EnvelopeSchema, ENVELOPE_LIMITS, MESSAGE_TYPE_PATTERN, WIRE_VERSION } from './envelope.js';
export type { Envelope, EnvelopeOf, MessageRegistry, RawEnvelope } from './envelope.js';
export { DecodeError, EncodeError, DECODE_ERROR_CODES } from './errors.js';
export type { DecodeErrorCode, EncodeErrorCode } from './errors.js';
export { scanFrame, DEFAULT_SCAN_LIMITS } from './frame-scan.js';
export type { ScanLimits } from './frame-scan.js';
export { packPlain, packPlainParts, unpackPlain, unpackPlainViews } from './plain-msgpack.js';
