/**
 * request — one outgoing request of the router, from first send to its one outcome (the
 * original's packet_out, minus the transport choice). One actor per request, so the inspector shows
 * every request in flight and where it is stuck.
 *
 * States
 * - `sending`: the provided `transmit` actor resolves the peer's address and hands the frame to the
 *   transport. A refusal the medium calls temporary (`ERR_TRANSPORT_UNREACHABLE`) is retried after
 *   a backoff; any other refusal (no route, transport closed, frame too large) fails at once.
 * - `awaitingReply`: the frame is out; `timeoutMs` without a reply is one failed attempt.
 * - `backingOff`: waits `backoffMs · 2^(attempt-1)` (capped at `maxBackoffMs`), then sends again.
 *   Every attempt sends the same frame with the same envelope id, so the receiver recognises a
 *   retry and answers it from its cache instead of executing the request twice.
 * - `done` (final): a reply arrived. `failed` (final): attempts exhausted, a permanent send error,
 *   or a cancel. The output is the outcome; exactly one per request.
 *
 * Events
 * - `router.reply { reply }`: the router matched a reply to this request by (peer, id, type). It is
 *   accepted in any non-final state: a reply to attempt 1 may land while attempt 2 is being sent.
 * - `router.cancel { code, message }`: the router stops (or the caller gives up).
 */
import { assign, fromPromise, setup } from 'xstate';
import type { ActorRefFrom, SnapshotFrom } from 'xstate';

/** Failure codes a request can end with. */
export type RequestFailureCode =
  | 'ERR_ROUTER_TIMEOUT'
  | 'ERR_ROUTER_UNREACHABLE'
  | 'ERR_ROUTER_NO_ROUTE'
  | 'ERR_ROUTER_CLOSED'
  | 'ERR_ROUTER_TOO_LARGE'
  | 'ERR_ROUTER_CANCELLED'
  | 'ERR_ROUTER_SEND';

/** The one outcome of a request. */
export type RequestOutcome<R = unknown> =
  | { ok: true; reply: R; attempts: number }
  | { ok: false; code: RequestFailureCode; message: string; attempts: number; cause?: unknown };

/** What the router starts a request with. */
export interface RequestInput {
  /** The envelope id, shared by every attempt. */
  requestId: string;
  /** The peer's node id. */
  peer: string;
  /** The request's message type, for the inspector. */
  type: string;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

interface RequestContext extends RequestInput {
  attempts: number;
  outcome: RequestOutcome | undefined;
}

/** Events the router sends a request actor. */
export type RequestEvent =
  | { type: 'router.reply'; reply: unknown }
  | { type: 'router.cancel'; code?: RequestFailureCode; message?: string };

/** Input of the provided `transmit` actor: which attempt this is (1-based). */
export interface TransmitInput {
  requestId: string;
  peer: string;
  attempt: number;
}

/** Maps a send error's `code` to the request's failure code, and says whether to retry. */
export function classifySendError(error: unknown): { code: RequestFailureCode; retry: boolean } {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_TRANSPORT_UNREACHABLE':
      return { code: 'ERR_ROUTER_UNREACHABLE', retry: true };
    case 'ERR_ROUTER_NO_ROUTE':
      return { code: 'ERR_ROUTER_NO_ROUTE', retry: false };
    case 'ERR_TRANSPORT_CLOSED':
      return { code: 'ERR_ROUTER_CLOSED', retry: false };
    case 'ERR_TRANSPORT_FRAME_TOO_LARGE':
      return { code: 'ERR_ROUTER_TOO_LARGE', retry: false };
    default:
      return { code: 'ERR_ROUTER_SEND', retry: false };
  }
}

const fail = (
  context: RequestContext,
  code: RequestFailureCode,
  message: string,
  cause?: unknown
) =>
  ({
    ok: false,
    code,
    message,
    attempts: context.attempts,
    ...(cause !== undefined && { cause })
  }) satisfies RequestOutcome;

export const requestMachine = setup({
  types: {
    context: {} as RequestContext,
    events: {} as RequestEvent,
    input: {} as RequestInput,
    output: {} as RequestOutcome
  },
  actors: {
    /** Resolves the address and sends the frame; provided by actors/router. */
    transmit: fromPromise<void, TransmitInput>(async () => {
      throw new Error('transmit is provided by actors/router');
    })
  },
  guards: {
    canRetry: ({ context }) => context.attempts < context.maxAttempts,
    retryableSendError: ({ context, event }) =>
      context.attempts < context.maxAttempts &&
      classifySendError((event as { error?: unknown }).error).retry
  },
  delays: {
    timeout: ({ context }) => context.timeoutMs,
    backoff: ({ context }) =>
      Math.min(context.maxBackoffMs, context.backoffMs * 2 ** Math.max(0, context.attempts - 1))
  }
}).createMachine({
  id: 'request',
  context: ({ input }) => ({ ...input, attempts: 0, outcome: undefined }),
  initial: 'sending',
  on: {
    'router.reply': {
      target: '.done',
      actions: assign(({ context, event }) => ({
        outcome: { ok: true, reply: event.reply, attempts: context.attempts } as const
      }))
    },
    'router.cancel': {
      target: '.failed',
      actions: assign(({ context, event }) => ({
        outcome: fail(context, event.code ?? 'ERR_ROUTER_CANCELLED', event.message ?? 'cancelled')
      }))
    }
  },
  states: {
    sending: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
      invoke: {
        src: 'transmit',
        input: ({ context }) => ({
          requestId: context.requestId,
          peer: context.peer,
          attempt: context.attempts
        }),
        onDone: 'awaitingReply',
        onError: [
          { guard: 'retryableSendError', target: 'backingOff' },
          {
            target: 'failed',
            actions: assign(({ context, event }) => ({
              outcome: fail(
                context,
                classifySendError(event.error).code,
                `send to ${context.peer} failed: ${String((event.error as Error)?.message)}`,
                event.error
              )
            }))
          }
        ]
      }
    },
    awaitingReply: {
      after: {
        timeout: [
          { guard: 'canRetry', target: 'backingOff' },
          {
            target: 'failed',
            actions: assign(({ context }) => ({
              outcome: fail(
                context,
                'ERR_ROUTER_TIMEOUT',
                `no reply from ${context.peer} after ${context.attempts} attempts`
              )
            }))
          }
        ]
      }
    },
    backingOff: { after: { backoff: 'sending' } },
    done: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }) =>
    context.outcome ?? fail(context, 'ERR_ROUTER_CANCELLED', 'stopped without an outcome')
});

/** A running request. */
export type RequestActor = ActorRefFrom<typeof requestMachine>;
/** A request's snapshot. */
export type RequestSnapshot = SnapshotFrom<typeof requestMachine>;
