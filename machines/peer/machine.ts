/**
 * peer — is a known peer reachable right now, over an authenticated session? One actor per peer
 * address (the original's online_status), under the network's `peers` supervisor.
 *
 * States
 * - `starting` (transient): a responder (started by the peer's first handshake frame) goes
 *   straight to `handshaking`; everyone else to `connecting`.
 * - `connecting`: `prepare` (provided) picks a handshake id and the pattern (IK, XK or XX).
 * - `handshaking`: the `handshake` machine runs as the invoked child `handshake` (its frames are
 *   forwarded to it). Established → `connected`, with `established` installing the session.
 *   Failed → `offline` with a longer backoff.
 * - `connected`: the session is up; every `pingIntervalMs` it is checked again.
 * - `checking`: a keep-alive ping is out through the session; `maxMissed` unanswered in a row
 *   mean `offline`.
 * - `offline`: the session is dropped (`dropSession`). After a backoff (doubling up to
 *   `maxBackoffMs`) a fresh handshake is tried.
 *
 * Events
 * - `peer.handshake { frame, yields }`: a frame of the running handshake goes to the child; a new
 *   first frame (the peer restarted, lost its session or gave up on an attempt) starts a fresh
 *   responder handshake. When both sides initiate at once, only the side that `yields` answers.
 *   A repeat of the established handshake's last frame means our final message was lost: it is
 *   sent again (`resendFinal`, at most `handshakeRetries` times), so both sides agree.
 * - `peer.ping { seq }` / `peer.pong { seq }`: liveness inside the session; only the pong for the
 *   latest ping counts.
 * - `peer.connect`: try now. `peer.unreachable`: the transport could not deliver.
 *
 * Failure and retry: a failed handshake is final for that attempt (Noise cannot resume); the peer
 * retries with fresh ephemerals after its backoff. A responder whose final message never came
 * times out, goes `offline` and initiates itself, so a lost last message cannot leave one side
 * connected and the other not for longer than a backoff. Effects: actors/. Guards, delays and
 * context updates: logic.ts.
 */
import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';
import { handshakeMachine } from '../handshake/machine.js';
import {
  handshakeInput,
  handshakeLost,
  peerDelays,
  peerGuards,
  ping,
  resend,
  sessionUp
} from './logic.js';
import type {
  PeerContext,
  PeerEstablishedParams,
  PeerEvent,
  PeerInput,
  PeerSendParams,
  PreparedHandshake
} from './types.js';

export type * from './types.js';
export { peerSystemId } from './logic.js';

export const peerMachine = setup({
  types: {
    context: {} as PeerContext,
    events: {} as PeerEvent,
    input: {} as PeerInput
  },
  actors: {
    /** Chooses hid and pattern for an outgoing handshake; provided by actors/. */
    prepare: fromPromise<PreparedHandshake, { peerId: string; nodeId: string | null }>(() =>
      Promise.reject(new Error('prepare not provided'))
    ),
    handshake: handshakeMachine
  },
  actions: {
    /** Delivers one liveness message through the session; provided by actors/. */
    send: (_, _params: PeerSendParams) => undefined,
    /** Installs the established session and learns the peer's document; provided by actors/. */
    established: (_, _params: PeerEstablishedParams) => undefined,
    /** Forgets the session with this peer; provided by actors/. */
    dropSession: (_, _params: { peerId: string }) => undefined,
    /** Counts and logs a failed handshake; provided by actors/. */
    handshakeFailed: (_, _params: { peerId: string; reason: string }) => undefined,
    /** Sends our last handshake message again; provided by actors/. */
    resendFinal: (_, _params: { peerId: string }) => undefined,
    /** Answer the peer's first frame: the next handshake is a responder's. */
    asResponder: assign(({ event }) => ({
      role: 'responder' as const,
      firstFrame: event.type === 'peer.handshake' ? event.frame : null
    })),
    bump: assign(({ context }) => ({ attempts: context.attempts + 1 })),
    nextPing: assign(({ context }) => ({ seq: (context.seq + 1) % 2 ** 31 })),
    countResend: assign(({ context }) => ({ resends: context.resends + 1 })),
    countPong: assign(({ context }) => ({ pongs: context.pongs + 1, missed: 0, attempts: 0 }))
  },
  guards: peerGuards,
  delays: peerDelays
}).createMachine({
  id: 'peer',
  context: ({ input }) => ({
    peerId: input.peerId,
    nodeId: input.expectedId ?? null,
    role: input.firstFrame ? 'responder' : 'initiator',
    firstFrame: input.firstFrame ?? null,
    prepared: null,
    sessionHid: null,
    handshakes: 0,
    lastFailure: null,
    resends: 0,
    seq: 0,
    missed: 0,
    attempts: 0,
    pongs: 0,
    pingIntervalMs: input.pingIntervalMs ?? 10_000,
    timeoutMs: input.timeoutMs ?? 3_000,
    maxMissed: input.maxMissed ?? 3,
    initialBackoffMs: input.initialBackoffMs ?? 1_000,
    maxBackoffMs: input.maxBackoffMs ?? 60_000,
    handshakeTimeoutMs: input.handshakeTimeoutMs ?? input.timeoutMs ?? 3_000,
    handshakeRetries: input.handshakeRetries ?? 2
  }),
  initial: 'starting',
  on: {
    'peer.ping': {
      actions: {
        type: 'send',
        params: ({ event }) => ({ type: 'peer.pong', body: { seq: event.seq } })
      }
    }
  },
  states: {
    starting: {
      always: [{ guard: 'isResponder', target: 'handshaking' }, { target: 'connecting' }]
    },
    offline: {
      entry: { type: 'dropSession', params: ({ context }) => ({ peerId: context.peerId }) },
      after: { backoff: 'connecting' },
      on: {
        'peer.connect': 'connecting',
        'peer.handshake': { guard: 'isFirstFrame', target: 'handshaking', actions: 'asResponder' }
      }
    },
    connecting: {
      entry: assign({ role: 'initiator', firstFrame: null, prepared: null }),
      invoke: {
        src: 'prepare',
        input: ({ context }) => ({ peerId: context.peerId, nodeId: context.nodeId }),
        onDone: {
          target: 'handshaking',
          actions: assign({ prepared: ({ event }) => event.output })
        },
        onError: { target: 'offline', actions: 'bump' }
      },
      on: {
        'peer.handshake': { guard: 'isFirstFrame', target: 'handshaking', actions: 'asResponder' },
        'peer.unreachable': { target: 'offline', actions: 'bump' }
      }
    },
    handshaking: {
      invoke: {
        id: 'handshake',
        src: 'handshake',
        input: ({ context }) => handshakeInput(context),
        onDone: [
          {
            guard: ({ event }) => event.output.status === 'established',
            target: 'connected',
            actions: [
              assign(({ context, event }) => sessionUp(context, event.output)),
              {
                type: 'established',
                params: ({ context, event }) => ({
                  peerId: context.peerId,
                  output: event.output as PeerEstablishedParams['output']
                })
              }
            ]
          },
          {
            target: 'offline',
            actions: [
              assign(({ context, event }) => handshakeLost(context, event.output)),
              {
                type: 'handshakeFailed',
                params: ({ context }) => ({
                  peerId: context.peerId,
                  reason: context.lastFailure ?? 'unknown'
                })
              }
            ]
          }
        ],
        onError: { target: 'offline', actions: 'bump' }
      },
      on: {
        'peer.handshake': [
          {
            guard: 'ofRunningHandshake',
            actions: sendTo('handshake', ({ event }) => ({
              type: 'frame.received' as const,
              frame: event.frame
            }))
          },
          { guard: 'mustAnswer', target: 'handshaking', reenter: true, actions: 'asResponder' }
        ],
        'peer.unreachable': { target: 'offline', actions: 'bump' }
      }
    },
    connected: {
      after: { pingInterval: 'checking' },
      on: {
        'peer.unreachable': 'offline',
        'peer.handshake': [
          {
            guard: 'repeatsFinal',
            actions: ['countResend', resend]
          },
          { guard: 'isFirstFrame', target: 'handshaking', actions: 'asResponder' }
        ]
      }
    },
    checking: {
      entry: ['nextPing', ping],
      after: {
        timeout: [
          {
            guard: 'tooManyMissed',
            target: 'offline',
            actions: assign({ missed: 0, attempts: 1 })
          },
          {
            target: 'checking',
            reenter: true,
            actions: assign({ missed: ({ context }) => context.missed + 1 })
          }
        ]
      },
      on: {
        'peer.pong': { guard: 'isCurrentPong', target: 'connected', actions: 'countPong' },
        'peer.unreachable': 'offline',
        'peer.handshake': [
          {
            guard: 'repeatsFinal',
            actions: ['countResend', resend]
          },
          { guard: 'isFirstFrame', target: 'handshaking', actions: 'asResponder' }
        ]
      }
    }
  }
});

export type PeerActor = ActorRefFrom<typeof peerMachine>;
export type PeerSnapshot = SnapshotFrom<typeof peerMachine>;
