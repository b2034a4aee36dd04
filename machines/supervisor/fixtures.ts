/**
 * Children for the supervisor's tests: workers told how to end (normal, shutdown, crash), one that
 * ignores shutdown, and non-machine actors that fail. Each logs what happened to a shared array.
 */
import { fromCallback, fromPromise, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';

export interface WorkerInput {
  log?: string[];
}

/** Ends normally on `test.finish`, with `{ reason: 'shutdown' }` on `test.quit` or `shutdown`. */
export const workerMachine = setup({
  types: {
    input: {} as WorkerInput,
    context: {} as { log: string[] | undefined },
    events: {} as
      | { type: 'test.finish' }
      | { type: 'test.quit' }
      | { type: 'test.crash' }
      | { type: 'shutdown' }
  }
}).createMachine({
  id: 'worker',
  context: ({ input }) => ({ log: input?.log }),
  // A machine's output is the root's `output`; forward the final state's.
  output: ({ event }) => (event as { output?: unknown }).output,
  initial: 'working',
  states: {
    working: {
      on: {
        'test.finish': 'finished',
        'test.quit': 'quit',
        shutdown: 'quit',
        'test.crash': {
          actions: () => {
            throw new Error('worker crashed');
          }
        }
      }
    },
    finished: { type: 'final' },
    quit: {
      type: 'final',
      entry: ({ context, self }) => context.log?.push(`quit:${self.id}`),
      output: { reason: 'shutdown' }
    }
  }
});

/** Accepts `shutdown` but never finishes: the supervisor must stop it after the timeout. */
export const stubbornMachine = setup({
  types: { input: {} as WorkerInput, context: {} as { log: string[] | undefined } }
}).createMachine({
  id: 'stubborn',
  context: ({ input }) => ({ log: input?.log }),
  initial: 'working',
  states: {
    working: { on: { shutdown: 'draining' } },
    draining: { entry: ({ context, self }) => context.log?.push(`draining:${self.id}`) }
  }
});

/** A callback actor with no shutdown event: stopped directly; its cleanup logs the stop. */
export const tickerLogic = fromCallback<{ type: 'test.crash' }, WorkerInput>(
  ({ input, self, receive }) => {
    receive(() => {
      throw new Error('ticker crashed on receive');
    });
    return () => input?.log?.push(`stop:${self.id}`);
  }
);

/** A callback actor that throws while starting. */
export const throwingCallback = fromCallback(() => {
  throw new Error('callback threw at start');
});

/** A promise actor that rejects. */
export const rejectingPromise = fromPromise(() => Promise.reject(new Error('promise rejected')));

/** The children actor refs of a supervisor snapshot, by id. */
export function childrenOf(actor: AnyActorRef): Record<string, AnyActorRef> {
  return (actor.getSnapshot() as { children: Record<string, AnyActorRef> }).children;
}

/** Session ids by child id: a changed session id means the child was restarted. */
export function sessions(actor: AnyActorRef): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, ref] of Object.entries(childrenOf(actor))) out[id] = ref.sessionId;
  return out;
}
