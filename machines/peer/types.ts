/**
 * Types of the peer machine: its input, context, events and the parameters of the effects it asks
 * actors/ for. Kept apart so machine.ts stays the statechart itself.
 */
import type { HandshakeOutput } from '../handshake/types.js';
import type { HandshakeFrame, HandshakePatternName } from '../handshake/messages.js';

/** Input of one peer actor. */
export interface PeerInput {
  /**
   * The peer's key: its transport address. The node id behind an address is only proven by the
   * handshake (in XX the responder learns it from the last message), so it cannot key the actor.
   * On the devnet's memory network the address is the node id.
   */
  peerId: string;
  /** The node id we expect at this address, when known (a DHT contact): others are refused. */
  expectedId?: string | null;
  /** Responder role: the first handshake frame that made the network layer start this actor. */
  firstFrame?: HandshakeFrame;
  pingIntervalMs?: number;
  timeoutMs?: number;
  maxMissed?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-message wait of the handshake, and its retransmissions. Default `timeoutMs` and 2. */
  handshakeTimeoutMs?: number;
  handshakeRetries?: number;
}

/** What `prepare` (provided) decides before an outgoing handshake. */
export interface PreparedHandshake {
  hid: string;
  pattern: HandshakePatternName;
  /** The peer's Noise static key, from its identity document, for XK/IK. */
  remoteStatic: Uint8Array | null;
}

export interface PeerContext {
  peerId: string;
  /** The node id: expected before the first handshake, proven after it. */
  nodeId: string | null;
  role: 'initiator' | 'responder';
  /** The responder's first frame, kept until the handshake actor takes it. */
  firstFrame: HandshakeFrame | null;
  prepared: PreparedHandshake | null;
  /** Handshake id of the last established session (a repeated final message is re-answered). */
  sessionHid: string | null;
  /** Handshakes established with this peer, and why the last one failed. */
  handshakes: number;
  lastFailure: string | null;
  /** Re-sends of our final handshake message for the current session. */
  resends: number;
  /** Sequence number of the latest ping sent. */
  seq: number;
  /** Unanswered keep-alive pings in a row. */
  missed: number;
  /** Failed connection attempts in a row, for the backoff. */
  attempts: number;
  /** Pongs received in total: the inspector shows liveness at a glance. */
  pongs: number;
  pingIntervalMs: number;
  timeoutMs: number;
  maxMissed: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  handshakeTimeoutMs: number;
  handshakeRetries: number;
}

export type PeerEvent =
  | { type: 'peer.ping'; seq: number }
  | { type: 'peer.pong'; seq: number }
  | { type: 'peer.connect' }
  | { type: 'peer.unreachable'; reason?: string }
  /**
   * A well-formed handshake frame from this address. `yields`: on a simultaneous open (both sides
   * initiating), true on the side that must become the responder (decided by the network layer
   * from the two addresses, so both sides agree).
   */
  | { type: 'peer.handshake'; frame: HandshakeFrame; yields: boolean };

/** What the provided `send` action is asked to deliver to the peer (through its session). */
export interface PeerSendParams {
  type: 'peer.ping' | 'peer.pong';
  body: { seq: number };
}

/** What the provided `established` action gets: install the session, learn the document. */
export interface PeerEstablishedParams {
  peerId: string;
  output: Extract<HandshakeOutput, { status: 'established' }>;
}
