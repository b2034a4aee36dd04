/**
 * A tiny HostedNode for the server's tests: a real XState actor (a root with a spawned child
 * machine and supervisor-like restart bookkeeping in its context) and a fixed NodeInfo.
 */
import { createActor, sendTo, setup, spawnChild, type AnyActorRef } from 'xstate';
import type { Clock } from '../../actors/clock.js';
import type { HostedNode } from '../../actors/node/types.js';

/** A peer connection: `offline` ⇄ `online`. */
const peerMachine = setup({}).createMachine({
  id: 'peer',
  initial: 'offline',
  states: {
    offline: { on: { 'peer.hello': 'online' } },
    online: { on: { 'peer.lost': 'offline' } }
  }
});

/** A root that spawns one peer and forwards `hello` to it. */
const rootMachine = setup({ actors: { peer: peerMachine } }).createMachine({
  id: 'node',
  initial: 'running',
  context: { children: { 'peer.1': { restarts: 1, lastExit: 'crashed' } } },
  entry: spawnChild('peer', { id: 'peer.1', systemId: 'peer.1' }),
  states: {
    running: {
      on: {
        hello: { actions: sendTo('peer.1', { type: 'peer.hello' }) },
        stop: 'stopping'
      }
    },
    stopping: {}
  }
});

/** A hosted node backed by a started actor; `root.send({ type: 'hello' })` changes the child. */
export function fakeNode(
  id: string,
  options: { devnet?: boolean; clock?: Clock } = {}
): HostedNode & { root: AnyActorRef } {
  const root = createActor(rootMachine, { clock: options.clock }).start();
  return {
    id,
    root,
    info: () => ({
      id,
      name: `node ${id}`,
      dataDir: `/tmp/${id}`,
      startedAt: 0,
      devnet: options.devnet ?? false,
      services: [{ name: 'network', status: 'up', dependsOn: ['identity'] }]
    })
  };
}
