/**
 * A small machine tree used by the inspection tests (and the server's tests): a root with a
 * spawned worker machine, an invoked callback actor, an `always`, an `after` (inline and named
 * delays), a history state, a parallel state and supervisor-like restart bookkeeping.
 */
import { assign, createActor, fromCallback, sendTo, setup, spawnChild } from 'xstate';
import type { Clock } from '../clock.js';

/** A worker that gives up on a job after the named `patience` delay. */
export const workerMachine = setup({ delays: { patience: 200 } }).createMachine({
  id: 'worker',
  initial: 'idle',
  states: {
    idle: { on: { 'job.start': 'working' } },
    working: { after: { patience: 'idle' }, on: { 'job.done': 'idle' } }
  }
});

interface RootContext {
  ready: boolean;
  blob: Uint8Array;
  hires: number;
  children: Record<string, { restarts: number; lastExit?: string }>;
}

/** The root of the test tree; `hire` spawns another worker, `bump` counts a restart of `w`. */
export const rootMachine = setup({
  types: { context: {} as RootContext },
  actors: { worker: workerMachine, listener: fromCallback(() => () => {}) },
  guards: { ready: ({ context }) => context.ready }
}).createMachine({
  id: 'root',
  initial: 'booting',
  context: {
    ready: true,
    blob: new Uint8Array(32),
    hires: 0,
    children: { w: { restarts: 2, lastExit: 'crash' } }
  },
  entry: spawnChild('worker', { id: 'w', systemId: 'worker' }),
  on: {
    'w.poke': { actions: sendTo('w', { type: 'job.start' }) },
    hire: {
      actions: [
        assign({ hires: ({ context }) => context.hires + 1 }),
        spawnChild('worker', { id: ({ context }) => `extra-${context.hires}` })
      ]
    },
    bump: {
      actions: assign({
        children: ({ context }) => ({
          w: { restarts: (context.children.w?.restarts ?? 0) + 1, lastExit: 'timeout' }
        })
      })
    }
  },
  states: {
    booting: { always: { target: 'running', guard: 'ready' } },
    running: {
      initial: 'online',
      invoke: { id: 'ears', src: 'listener' },
      on: { pause: 'paused' },
      states: {
        online: { on: { 'net.drop': 'offline' } },
        offline: { after: { 1000: 'online' } },
        hist: { type: 'history', history: 'deep', target: 'online' }
      }
    },
    paused: {
      type: 'parallel',
      on: { resume: '#root.running.hist' },
      states: { a: {}, b: {} }
    }
  }
});

/** Starts the test tree on the given (simulated) clock. */
export function startTestTree(clock: Clock) {
  return createActor(rootMachine, { clock, systemId: 'root' }).start();
}
