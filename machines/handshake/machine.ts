/**
 * handshake — one Noise handshake with one peer, as initiator or responder.
 *
 * Purpose: turn an unauthenticated link into a {@link HandshakeOutput} session bound to a verified
 * node id. Pattern XX on first contact; XK (or IK) when the peer's Noise static key is known from
 * its identity document, which saves a round trip's worth of exposure and authenticates the
 * responder from the first reply. The Noise state and all cryptography live in actors/ and are
 * provided with `machine.provide({ actors, actions })`; this machine only sequences them.
 *
 * States
 * - `preparing`: `noiseStart` builds the Noise HandshakeState (keys, prologue, pattern).
 * - `next` (transient): writes when it is our turn, reads a frame already received, else waits.
 * - `writing`: `noiseWrite` produces our next message (with our identity proof when it reveals
 *   our static key); `sendFrame` puts it on the wire.
 * - `awaiting`: waits `timeoutMs` for the peer's next message.
 * - `reading`: `noiseRead` decrypts it; then `checking` (transient) sends a payload carrying the
 *   peer's proof to `verifying`.
 * - `verifying`: `verifyPeer` checks the identity key's signature over the Noise static key the
 *   handshake just authenticated, the id derived from that key, and the expected id if any.
 * - `established` (final): output `{ status: 'established', session, peerId, ... }`.
 * - `failed` (final): output `{ status: 'failed', reason: { code, message } }`.
 *
 * Events
 * - `frame.received { frame }`: a decoded frame for this handshake id (validated here).
 * - `handshake.cancel`: give up now.
 *
 * Failure and retry: every Noise, proof or protocol error is final (a Noise handshake cannot be
 * resumed after a failed message). A timeout in `awaiting` retransmits our last frame, byte for
 * byte, up to `maxRetries` times, then fails with `timeout`; a peer that repeats its previous
 * frame (it lost ours) also gets our last frame again, within the same budget. A fresh attempt with
 * new ephemerals is the caller's decision (the peer machine's backoff), not this machine's.
 */
import { assign, fromPromise, setup } from 'xstate';
import type {
  HandshakeContext,
  HandshakeEvent,
  HandshakeFailure,
  HandshakeInput,
  HandshakeOutput,
  NoiseHandle,
  ReadResult,
  VerifiedPeer,
  WriteResult
} from './types.js';
import {
  frameProblem,
  PATTERN_LENGTH,
  type HandshakeFrame,
  type HandshakePatternName,
  type HandshakeProof
} from './messages.js';

export type {
  HandshakeEvent,
  HandshakeFailure,
  HandshakeInput,
  HandshakeOutput,
  NoiseHandle,
  ReadResult,
  SessionHandle,
  VerifiedPeer,
  WriteResult
} from './types.js';

const missing = (name: string) =>
  fromPromise<never, unknown>(() =>
    Promise.reject(new Error(`handshake actor ${name} not provided`))
  );

function failure(code: HandshakeFailure['code'], error: unknown): HandshakeFailure {
  return { code, message: error instanceof Error ? error.message : String(error) };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

/** Is message `step` ours to write? Even steps belong to the initiator. */
const ours = (c: HandshakeContext, step: number) => (step % 2 === 0) === (c.role === 'initiator');

/** The handshake machine (id `handshake`). */
export const handshakeMachine = setup({
  types: {
    context: {} as HandshakeContext,
    events: {} as HandshakeEvent,
    input: {} as HandshakeInput,
    output: {} as HandshakeOutput
  },
  actors: {
    noiseStart: missing('noiseStart') as unknown as ReturnType<
      typeof fromPromise<
        NoiseHandle,
        {
          role: HandshakeInput['role'];
          pattern: HandshakePatternName;
          remoteStatic: Uint8Array | null;
        }
      >
    >,
    noiseWrite: missing('noiseWrite') as unknown as ReturnType<
      typeof fromPromise<WriteResult, { handle: NoiseHandle; step: number }>
    >,
    noiseRead: missing('noiseRead') as unknown as ReturnType<
      typeof fromPromise<ReadResult, { handle: NoiseHandle; noise: Uint8Array }>
    >,
    verifyPeer: missing('verifyPeer') as unknown as ReturnType<
      typeof fromPromise<
        VerifiedPeer,
        { handle: NoiseHandle; proof: HandshakeProof; expectedPeerId: string | null }
      >
    >
  },
  actions: {
    /** Put a frame on the wire; provided by actors/ (encoding and transport). */
    sendFrame: (_, _params: { frame: HandshakeFrame }) => {},
    /** Release the Noise state on any exit; provided by actors/ (wipes secrets). */
    disposeNoise: (_, _params: { handle: NoiseHandle }) => {}
  },
  guards: {
    done: ({ context }) => context.step >= context.total,
    verifiedPeer: ({ context }) => context.step >= context.total && context.peer !== null,
    badFirstFrame: ({ context }) => {
      const f = context.pending;
      return (
        f !== null &&
        (frameProblem(f) !== null ||
          f.hid !== context.hid ||
          f.pattern !== context.pattern ||
          f.step !== context.step)
      );
    },
    myTurn: ({ context }) => ours(context, context.step),
    hasPending: ({ context }) => context.pending !== null,
    hasProof: ({ context }) => context.proof !== null,
    canRetry: ({ context }) => context.lastSent !== null && context.retries < context.maxRetries
  },
  delays: {
    stepTimeout: ({ context }) => context.timeoutMs
  }
}).createMachine({
  id: 'handshake',
  context: ({ input }) => ({
    role: input.role,
    hid: input.hid,
    pattern: input.pattern,
    expectedPeerId: input.expectedPeerId ?? null,
    remoteStatic: input.remoteStatic ?? null,
    timeoutMs: input.timeoutMs ?? 5000,
    maxRetries: input.maxRetries ?? 3,
    total: PATTERN_LENGTH[input.pattern],
    step: 0,
    retries: 0,
    handle: null,
    pending: input.firstFrame ?? null,
    lastSent: null,
    lastReceived: null,
    proof: null,
    session: null,
    peer: null,
    reason: null
  }),
  initial: 'preparing',
  on: {
    'handshake.cancel': {
      target: '.failed',
      actions: assign({ reason: { code: 'cancelled', message: 'cancelled by the caller' } })
    }
  },
  states: {
    preparing: {
      invoke: {
        src: 'noiseStart',
        input: ({ context }) => ({
          role: context.role,
          pattern: context.pattern,
          remoteStatic: context.remoteStatic
        }),
        onDone: { target: 'next', actions: assign({ handle: ({ event }) => event.output }) },
        onError: {
          target: 'failed',
          actions: assign({ reason: ({ event }) => failure('setup', event.error) })
        }
      }
    },
    next: {
      always: [
        { guard: 'verifiedPeer', target: 'established' },
        {
          guard: 'done',
          target: 'failed',
          actions: assign({
            reason: { code: 'identity', message: 'the peer never proved its identity' }
          })
        },
        { guard: 'myTurn', target: 'writing' },
        {
          guard: 'badFirstFrame',
          target: 'failed',
          actions: assign({ reason: { code: 'protocol', message: 'first frame does not match' } })
        },
        { guard: 'hasPending', target: 'reading' },
        { target: 'awaiting' }
      ]
    },
    writing: {
      invoke: {
        src: 'noiseWrite',
        input: ({ context }) => ({ handle: context.handle, step: context.step }),
        onDone: {
          target: 'next',
          actions: [
            assign({
              lastSent: ({ context, event }) => ({
                v: 1 as const,
                type: 'handshake' as const,
                hid: context.hid,
                pattern: context.pattern,
                step: context.step,
                noise: event.output.noise
              }),
              session: ({ event }) => event.output.session,
              step: ({ context }) => context.step + 1,
              retries: 0
            }),
            { type: 'sendFrame', params: ({ context }) => ({ frame: context.lastSent! }) }
          ]
        },
        onError: {
          target: 'failed',
          actions: assign({ reason: ({ event }) => failure('write', event.error) })
        }
      }
    },
    awaiting: {
      after: {
        stepTimeout: [
          {
            guard: 'canRetry',
            target: 'awaiting',
            reenter: true,
            actions: [
              assign({ retries: ({ context }) => context.retries + 1 }),
              { type: 'sendFrame', params: ({ context }) => ({ frame: context.lastSent! }) }
            ]
          },
          {
            target: 'failed',
            actions: assign({
              reason: ({ context }) => ({
                code: 'timeout' as const,
                message: `no message ${context.step} after ${context.retries + 1} waits of ${context.timeoutMs} ms`
              })
            })
          }
        ]
      },
      on: {
        'frame.received': [
          {
            guard: ({ event }) => frameProblem(event.frame) !== null,
            target: 'failed',
            actions: assign({
              reason: ({ event }) => ({
                code: 'malformed' as const,
                message: `frame is ${frameProblem(event.frame)}`
              })
            })
          },
          {
            guard: ({ context, event }) => {
              const f = event.frame as HandshakeFrame;
              return (
                f.hid === context.hid && (f.pattern !== context.pattern || ours(context, f.step))
              );
            },
            target: 'failed',
            actions: assign({
              reason: ({ event }) => {
                const f = event.frame as HandshakeFrame;
                return {
                  code: 'protocol' as const,
                  message: `unexpected ${f.pattern} step ${f.step}`
                };
              }
            })
          },
          {
            guard: ({ context, event }) => {
              const f = event.frame as HandshakeFrame;
              return f.hid === context.hid && f.step === context.step;
            },
            target: 'reading',
            actions: assign({ pending: ({ event }) => event.frame as HandshakeFrame })
          },
          {
            // The peer repeated its previous message: it lost ours, so send ours again.
            guard: ({ context, event }) => {
              const f = event.frame as HandshakeFrame;
              const last = context.lastReceived;
              return (
                last !== null &&
                f.step === last.step &&
                sameBytes(f.noise, last.noise) &&
                context.retries < context.maxRetries
              );
            },
            actions: [
              assign({ retries: ({ context }) => context.retries + 1 }),
              { type: 'sendFrame', params: ({ context }) => ({ frame: context.lastSent! }) }
            ]
          }
          // Anything else (another handshake id, an older step) is stale and ignored.
        ]
      }
    },
    reading: {
      invoke: {
        src: 'noiseRead',
        input: ({ context }) => ({ handle: context.handle, noise: context.pending!.noise }),
        onDone: {
          target: 'checking',
          actions: assign({
            proof: ({ event }) => event.output.proof,
            session: ({ event }) => event.output.session,
            lastReceived: ({ context }) => context.pending,
            pending: null,
            step: ({ context }) => context.step + 1
          })
        },
        onError: {
          target: 'failed',
          actions: assign({ reason: ({ event }) => failure('decrypt', event.error) })
        }
      }
    },
    checking: {
      always: [{ guard: 'hasProof', target: 'verifying' }, { target: 'next' }]
    },
    verifying: {
      invoke: {
        src: 'verifyPeer',
        input: ({ context }) => ({
          handle: context.handle,
          proof: context.proof!,
          expectedPeerId: context.expectedPeerId
        }),
        onDone: {
          target: 'next',
          actions: assign({ peer: ({ event }) => event.output, proof: null })
        },
        onError: {
          target: 'failed',
          actions: assign({ reason: ({ event }) => failure('identity', event.error) })
        }
      }
    },
    established: {
      type: 'final',
      entry: { type: 'disposeNoise', params: ({ context }) => ({ handle: context.handle }) }
    },
    failed: {
      type: 'final',
      entry: { type: 'disposeNoise', params: ({ context }) => ({ handle: context.handle }) }
    }
  },
  output: ({ context }): HandshakeOutput =>
    context.reason === null && context.peer !== null
      ? {
          status: 'established',
          hid: context.hid,
          pattern: context.pattern,
          peerId: context.peer.peerId,
          peerDocument: context.peer.document,
          session: context.session
        }
      : {
          status: 'failed',
          hid: context.hid,
          reason: context.reason ?? {
            code: 'identity',
            message: 'handshake ended without a verified peer'
          }
        }
});
