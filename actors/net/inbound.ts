/**
 * Every frame the raw transport receives, in order of checks: the tag byte; for a handshake frame
 * the size cap before decoding, msgpack, the frame's shape, version and pattern; for a first
 * message the per-address rate limit and the replay filter; then the peer actor of that address
 * (started in responder role through the peers supervisor when there is none). A session frame is
 * opened by the session with its address (replay window, authentication), and its plaintext goes
 * to the peer actor (liveness) or the router. Nothing here throws: every refusal is counted and
 * logged with its reason, and the node stays up.
 */
import type { AnyActorRef } from 'xstate';
import { BitDustError } from '../errors.js';
import { decodeHandshakeFrame } from '../crypto/handshake-actors.js';
import type { Codec } from '../wire/index.js';
import { DecodeError } from '../wire/index.js';
import {
  frameProblem,
  MAX_FRAME_BYTES,
  type HandshakeFrame
} from '../../machines/handshake/messages.js';
import type { peerMessages } from '../../machines/peer/messages.js';
import { CHANNEL, TAG } from './frames.js';
import type { HandshakeGuard } from './handshake-guard.js';
import type { NetCounters, Refusal } from './net-stats.js';
import type { SecureChannel } from './secure-channel.js';

const PATTERNS = new Set(['XX', 'XK', 'IK']);

export interface InboundDeps {
  ownAddress: string;
  channel: SecureChannel;
  guard: HandshakeGuard;
  liveness: Codec<typeof peerMessages>;
  counters: NetCounters;
  /** The peer actor of an address, if running. */
  peer(address: string): AnyActorRef | undefined;
  /** Starts a responder peer actor for `address`; false when refused (the peers cap). */
  startResponder(address: string, frame: HandshakeFrame): boolean;
  /** Logs a refusal (the caller rate-limits the log, not the counting). */
  log(reason: string, address: string, detail?: string): void;
}

/**
 * The transport's frame handler. It only borrows each frame (add it with `{ borrow: true }`):
 * a session frame is opened into a fresh plaintext, and a handshake frame is copied before it
 * is decoded, so nothing here keeps a view of the frame past the call.
 */
export function createInbound(deps: InboundDeps): (from: string, bytes: Uint8Array) => void {
  const { counters, channel } = deps;
  const refuse = (reason: Refusal, from: string, detail?: string) => {
    counters.refused[reason]++;
    deps.log(reason, from, detail);
  };

  const onHandshake = (from: string, body: Uint8Array) => {
    if (body.byteLength > MAX_FRAME_BYTES) return refuse('oversized', from, `${body.byteLength} B`);
    let value: unknown;
    try {
      // A private copy first: the frame is borrowed, and the decoded frame (whose byte fields
      // may be views of its input) lives on in the peer actor.
      value = decodeHandshakeFrame(new Uint8Array(body));
    } catch {
      return refuse('malformed', from, 'handshake frame is not msgpack');
    }
    const problem = frameProblem(value);
    if (problem !== null) {
      const pattern = (value as { pattern?: unknown } | null)?.pattern;
      if (problem === 'malformed' && typeof pattern === 'string' && !PATTERNS.has(pattern)) {
        return refuse('protocol', from, `pattern ${pattern.slice(0, 40)}`);
      }
      return refuse(problem === 'too-large' ? 'oversized' : problem, from);
    }
    const frame = value as HandshakeFrame;
    if (frame.step === 0) {
      const verdict = deps.guard.check(from, frame);
      if (verdict === 'rate-limited' || verdict === 'replay') return refuse(verdict, from);
    }
    const actor = deps.peer(from);
    if (actor) {
      actor.send({ type: 'peer.handshake', frame, yields: deps.ownAddress > from });
      return;
    }
    if (frame.step !== 0) return refuse('stray', from, `step ${frame.step} of ${frame.hid}`);
    if (!deps.startResponder(from, frame)) refuse('too-many-peers', from);
  };

  const onSession = (from: string, body: Uint8Array) => {
    let opened;
    try {
      opened = channel.open(from, body);
    } catch (err) {
      if (!(err instanceof BitDustError)) throw err;
      if (err.code === 'ERR_NOISE_REPLAY') counters.session.replayed++;
      else counters.session.forged++;
      return;
    }
    if (!opened) return void counters.session.noSession++;
    if (opened.channel === CHANNEL.router) return channel.deliver(from, opened.payload);
    if (opened.channel === CHANNEL.fragment) return channel.deliverFragment(from, opened.payload);
    if (opened.channel !== CHANNEL.liveness) return void counters.session.badChannel++;
    try {
      const envelope = deps.liveness.decode(opened.payload);
      deps.peer(from)?.send({ type: envelope.type, seq: envelope.body.seq });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      counters.session.badChannel++;
    }
  };

  return (from, bytes) => {
    if (bytes.byteLength === 0) return refuse('malformed', from, 'empty frame');
    const body = bytes.subarray(1);
    if (bytes[0] === TAG.handshake) return onHandshake(from, body);
    if (bytes[0] === TAG.session) return onSession(from, body);
    refuse('malformed', from, `unknown tag ${bytes[0]}`);
  };
}
