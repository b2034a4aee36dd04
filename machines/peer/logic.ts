/**
 * The peer machine's pure helpers: the handshake child's input, its guards and delays, and the
 * effect parameters shared by several states. Kept apart so machine.ts is the statechart itself.
 */
import type { HandshakeInput, HandshakeOutput } from '../handshake/types.js';
import type { PeerContext, PeerEvent } from './types.js';

/** What every guard and delay of the peer machine is given. */
interface Args {
  context: PeerContext;
  event: PeerEvent;
}

/** The system id of the peer actor of `peerId` (a transport address). */
export const peerSystemId = (peerId: string): string => `peer.${peerId}`;

/** The handshake id this peer is running now (the responder's comes from the first frame). */
const currentHid = (c: PeerContext): string | null =>
  c.role === 'responder' ? (c.firstFrame?.hid ?? null) : (c.prepared?.hid ?? null);

export const handshakeInput = (c: PeerContext): HandshakeInput => {
  const common = {
    timeoutMs: c.handshakeTimeoutMs,
    maxRetries: c.handshakeRetries,
    ...(c.nodeId && c.role === 'initiator' ? { expectedPeerId: c.nodeId } : {})
  };
  if (c.role === 'responder' && c.firstFrame) {
    const f = c.firstFrame;
    return { ...common, role: 'responder', hid: f.hid, pattern: f.pattern, firstFrame: f };
  }
  const p = c.prepared ?? { hid: 'unprepared', pattern: 'XX' as const, remoteStatic: null };
  return {
    ...common,
    role: 'initiator',
    hid: p.hid,
    pattern: p.pattern,
    ...(p.remoteStatic ? { remoteStatic: p.remoteStatic } : {})
  };
};

export const ping = {
  type: 'send' as const,
  params: ({ context }: { context: PeerContext }) => ({
    type: 'peer.ping' as const,
    body: { seq: context.seq }
  })
};

/** Sends our last handshake message again (the peer repeated its last: ours was lost). */
export const resend = {
  type: 'resendFinal' as const,
  params: ({ context }: { context: PeerContext }) => ({ peerId: context.peerId })
};

/** The peer machine's guards. */
export const peerGuards = {
  isCurrentPong: ({ context, event }: Args) =>
    event.type === 'peer.pong' && event.seq === context.seq,
  tooManyMissed: ({ context }: Args) => context.missed + 1 >= context.maxMissed,
  isResponder: ({ context }: Args) => context.firstFrame !== null,
  isFirstFrame: ({ event }: Args) => event.type === 'peer.handshake' && event.frame.step === 0,
  ofRunningHandshake: ({ context, event }: Args) =>
    event.type === 'peer.handshake' && event.frame.hid === currentHid(context),
  mustAnswer: ({ context, event }: Args) =>
    event.type === 'peer.handshake' &&
    event.frame.step === 0 &&
    (context.role === 'responder' || event.yields),
  repeatsFinal: ({ context, event }: Args) =>
    event.type === 'peer.handshake' &&
    event.frame.hid === context.sessionHid &&
    context.role === 'initiator' &&
    context.resends < context.handshakeRetries
};

/** The peer machine's delays: doubling backoff, keep-alive timeout and interval. */
export const peerDelays = {
  backoff: ({ context }: { context: PeerContext }) =>
    Math.min(
      context.maxBackoffMs,
      context.initialBackoffMs * 2 ** Math.max(0, context.attempts - 1)
    ),
  timeout: ({ context }: { context: PeerContext }) => context.timeoutMs,
  pingInterval: ({ context }: { context: PeerContext }) => context.pingIntervalMs
};

/** The context after an established handshake: the proven id, counters reset. */
export const sessionUp = (context: PeerContext, output: HandshakeOutput): Partial<PeerContext> => {
  const out = output as Extract<HandshakeOutput, { status: 'established' }>;
  return {
    nodeId: out.peerId,
    sessionHid: out.hid,
    handshakes: context.handshakes + 1,
    lastFailure: null,
    attempts: 0,
    missed: 0,
    resends: 0
  };
};

/** The context after a failed handshake: one more attempt, and why. */
export const handshakeLost = (
  context: PeerContext,
  output: HandshakeOutput
): Partial<PeerContext> => ({
  attempts: context.attempts + 1,
  lastFailure:
    output.status === 'failed' ? `${output.reason.code}: ${output.reason.message}` : 'no outcome'
});
