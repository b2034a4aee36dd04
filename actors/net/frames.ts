/**
 * The node's framing over a raw transport. Every frame starts with one tag byte:
 *
 *   0x01 handshake   ‖ msgpack handshake frame (machines/handshake/messages.ts), in clear: it only
 *                      carries Noise messages, whose payloads are encrypted from the first key on
 *   0x02 session     ‖ Session frame (u64 BE message number ‖ ChaChaPoly ciphertext)
 *
 * Inside a session frame the plaintext starts with a channel byte:
 *
 *   0x01 liveness    ‖ wire envelope `peer.ping` / `peer.pong` (one-way, never retried)
 *   0x02 router      ‖ wire envelope of the router's command set (requests and replies)
 *   0x03 fragment    ‖ one part of a router envelope too large for one message (fragments.ts)
 *
 * Nothing but handshake frames ever travels outside a session, so the channel byte and every
 * envelope (types, ids, node ids) are encrypted.
 */
import { MAX_PLAINTEXT } from '../crypto/session.js';

/** Outer tags. */
export const TAG = { handshake: 0x01, session: 0x02 } as const;
/** Channels inside a session. */
export const CHANNEL = { liveness: 0x01, router: 0x02, fragment: 0x03 } as const;
export type Channel = (typeof CHANNEL)[keyof typeof CHANNEL];

/** The largest payload one channel message carries (one session frame, less the channel byte). */
export const MAX_CHANNEL_PAYLOAD = MAX_PLAINTEXT - 1;

/** `prefix ‖ body` in one fresh buffer. */
export function prefixed(prefix: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = prefix;
  out.set(body, 1);
  return out;
}
