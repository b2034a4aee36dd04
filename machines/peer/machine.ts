/**
 * peer — is a known peer reachable right now? One actor per peer (the original's online_status).
 *
 * States
 * - `offline`: no answer lately. After a backoff (doubling up to `maxBackoffMs`) it tries again.
 * - `connecting`: a ping is out; a matching pong makes the peer `connected`, silence past
 *   `timeoutMs` sends it back to `offline` with a longer backoff.
 * - `connected`: the peer answered. Every `pingIntervalMs` it is checked again.
 * - `checking`: a keep-alive ping is out; `maxMissed` unanswered pings in a row mean `offline`.
 *
 * Events
 * - `peer.ping { seq }` from the peer: answered with a pong at once; an offline peer that pings us
 *   is alive, so we try it immediately instead of waiting out the backoff.
 * - `peer.pong { seq }` from the peer: only the pong for the latest ping counts.
 * - `peer.connect`: try now (an operator or another protocol wants this peer).
 * - `peer.unreachable`: the transport could not deliver to the peer.
 *
 * Effects are the provided action `send` (params: the message type and body); the clock is
 * XState's. Issue 4 inserts the Noise handshake between `connecting` and `connected`.
 */
import { assign, setup } from 'xstate';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';

export interface PeerInput {
  peerId: string;
  pingIntervalMs?: number;
  timeoutMs?: number;
  maxMissed?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface PeerContext {
  peerId: string;
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
}

export type PeerEvent =
  | { type: 'peer.ping'; seq: number }
  | { type: 'peer.pong'; seq: number }
  | { type: 'peer.connect' }
  | { type: 'peer.unreachable'; reason?: string };

/** What the provided `send` action is asked to deliver to the peer. */
export interface PeerSendParams {
  type: 'peer.ping' | 'peer.pong';
  body: { seq: number };
}

export const peerSystemId = (peerId: string): string => `peer.${peerId}`;

export const peerMachine = setup({
  types: {
    context: {} as PeerContext,
    events: {} as PeerEvent,
    input: {} as PeerInput
  },
  actions: {
    /** Delivers one message to the peer; provided by actors/ over the node's transport. */
    send: (_, _params: PeerSendParams) => undefined,
    nextPing: assign(({ context }) => ({ seq: (context.seq + 1) % 2 ** 31 })),
    countPong: assign(({ context }) => ({ pongs: context.pongs + 1, missed: 0, attempts: 0 }))
  },
  guards: {
    isCurrentPong: ({ context, event }) => event.type === 'peer.pong' && event.seq === context.seq,
    tooManyMissed: ({ context }) => context.missed + 1 >= context.maxMissed
  },
  delays: {
    backoff: ({ context }) =>
      Math.min(
        context.maxBackoffMs,
        context.initialBackoffMs * 2 ** Math.max(0, context.attempts - 1)
      ),
    timeout: ({ context }) => context.timeoutMs,
    pingInterval: ({ context }) => context.pingIntervalMs
  }
}).createMachine({
  id: 'peer',
  context: ({ input }) => ({
    peerId: input.peerId,
    seq: 0,
    missed: 0,
    attempts: 0,
    pongs: 0,
    pingIntervalMs: input.pingIntervalMs ?? 10_000,
    timeoutMs: input.timeoutMs ?? 3_000,
    maxMissed: input.maxMissed ?? 3,
    initialBackoffMs: input.initialBackoffMs ?? 1_000,
    maxBackoffMs: input.maxBackoffMs ?? 60_000
  }),
  initial: 'connecting',
  on: {
    'peer.ping': {
      actions: {
        type: 'send',
        params: ({ event }) => ({ type: 'peer.pong', body: { seq: event.seq } })
      }
    }
  },
  states: {
    offline: {
      after: { backoff: 'connecting' },
      on: {
        'peer.connect': 'connecting',
        'peer.ping': {
          target: 'connecting',
          actions: {
            type: 'send',
            params: ({ event }) => ({ type: 'peer.pong', body: { seq: event.seq } })
          }
        }
      }
    },
    connecting: {
      entry: [
        'nextPing',
        {
          type: 'send',
          params: ({ context }) => ({ type: 'peer.ping', body: { seq: context.seq } })
        }
      ],
      after: {
        timeout: {
          target: 'offline',
          actions: assign({ attempts: ({ context }) => context.attempts + 1 })
        }
      },
      on: {
        'peer.pong': { guard: 'isCurrentPong', target: 'connected', actions: 'countPong' },
        'peer.unreachable': {
          target: 'offline',
          actions: assign({ attempts: ({ context }) => context.attempts + 1 })
        }
      }
    },
    connected: {
      after: { pingInterval: 'checking' },
      on: { 'peer.unreachable': 'offline' }
    },
    checking: {
      entry: [
        'nextPing',
        {
          type: 'send',
          params: ({ context }) => ({ type: 'peer.ping', body: { seq: context.seq } })
        }
      ],
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
        'peer.unreachable': 'offline'
      }
    }
  }
});

export type PeerActor = ActorRefFrom<typeof peerMachine>;
export type PeerSnapshot = SnapshotFrom<typeof peerMachine>;
