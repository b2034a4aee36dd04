/**
 * Wire schema of the peer liveness protocol: a ping carries a sequence number that its pong echoes,
 * so a late pong for an older ping cannot mark a silent peer as alive.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

export const PEER_PROTOCOL_VERSION = 1;

export const PeerPing = Type.Object(
  { seq: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }) },
  { additionalProperties: false }
);
export const PeerPong = PeerPing;

export type PeerPingBody = Static<typeof PeerPing>;

/** Message types of this protocol, keyed by envelope `type`, for the wire codec's registry. */
export const peerMessages = {
  'peer.ping': PeerPing,
  'peer.pong': PeerPong
} as const;
