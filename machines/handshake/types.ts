/**
 * Types of the handshake machine: its input, events, context, output and the results the provided
 * actors return. Kept apart so machine.ts stays the statechart itself.
 */
import type { HandshakeFrame, HandshakePatternName, HandshakeProof } from './messages.js';

/** Opaque Noise state owned by the provided actors. */
export type NoiseHandle = unknown;
/** Opaque transport session produced when the handshake completes. */
export type SessionHandle = unknown;

/** Input for one handshake machine. */
export interface HandshakeInput {
  role: 'initiator' | 'responder';
  /** Handshake id (the initiator's choice; a responder copies it from the first frame). */
  hid: string;
  pattern: HandshakePatternName;
  /** Node id we expect to reach, when known: a different proven id fails the handshake. */
  expectedPeerId?: string;
  /** The peer's Noise static key from its identity document (required for XK/IK initiators). */
  remoteStatic?: Uint8Array;
  /** Responder only: the step-0 frame that created this machine. */
  firstFrame?: HandshakeFrame;
  timeoutMs?: number;
  maxRetries?: number;
}

/** Why a handshake failed. */
export interface HandshakeFailure {
  code:
    'timeout' | 'malformed' | 'protocol' | 'decrypt' | 'identity' | 'setup' | 'write' | 'cancelled';
  message: string;
}

/** The machine's final output. */
export type HandshakeOutput =
  | {
      status: 'established';
      hid: string;
      pattern: HandshakePatternName;
      peerId: string;
      peerDocument: Uint8Array | null;
      session: SessionHandle;
    }
  | { status: 'failed'; hid: string; reason: HandshakeFailure };

/** Result of `noiseWrite`. */
export interface WriteResult {
  noise: Uint8Array;
  session: SessionHandle | null;
}
/** Result of `noiseRead`. */
export interface ReadResult {
  proof: HandshakeProof | null;
  session: SessionHandle | null;
}
/** Result of `verifyPeer`. */
export interface VerifiedPeer {
  peerId: string;
  document: Uint8Array | null;
}

/** Events the machine accepts. */
export type HandshakeEvent =
  { type: 'frame.received'; frame: unknown } | { type: 'handshake.cancel' };

/** The machine's context (internal; exported for the actor implementations' typing). */
export interface HandshakeContext {
  role: 'initiator' | 'responder';
  hid: string;
  pattern: HandshakePatternName;
  expectedPeerId: string | null;
  remoteStatic: Uint8Array | null;
  timeoutMs: number;
  maxRetries: number;
  total: number;
  step: number;
  retries: number;
  handle: NoiseHandle;
  pending: HandshakeFrame | null;
  lastSent: HandshakeFrame | null;
  lastReceived: HandshakeFrame | null;
  proof: HandshakeProof | null;
  session: SessionHandle | null;
  peer: VerifiedPeer | null;
  reason: HandshakeFailure | null;
}
