/**
 * Embedding a BitDust node inside another fastify service.
 *
 * The service owns its HTTP server; the node runs beside it in the same process, with its own
 * supervisor tree. The service adds one supervised actor of its own (a heartbeat counter) to show
 * that embedders' actors get the same restart semantics as ours, and exposes the node's status.
 *
 * Run it:  node --import tsx docs/examples/embed-fastify.ts   (then GET http://127.0.0.1:3000/status)
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { assign, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { childSpec, createNode, startSupervisor, stopSupervisor } from '../../actors/index.js';
import type { BitDustNode, Clock } from '../../actors/index.js';

/** The embedder's own protocol: counts heartbeats every second, as a supervised XState actor. */
const heartbeatMachine = setup({
  types: { context: {} as { beats: number } }
}).createMachine({
  id: 'heartbeat',
  context: { beats: 0 },
  initial: 'beating',
  states: {
    beating: {
      after: {
        1000: {
          target: 'beating',
          reenter: true,
          actions: assign({ beats: ({ context }) => context.beats + 1 })
        }
      }
    }
  }
});

export interface EmbeddedService {
  app: FastifyInstance;
  node: BitDustNode;
  close(): Promise<void>;
}

/** Builds the service: a BitDust node, a supervisor for our own actors, and our routes. */
export async function buildService(options: {
  dataDir: string;
  clock?: Clock;
}): Promise<EmbeddedService> {
  const node = await createNode({
    config: { dataDir: options.dataDir, name: 'embedded', api: false, devnet: 0 },
    ...(options.clock ? { clock: options.clock } : {})
  });
  const ours = startSupervisor({
    id: 'my-service',
    strategy: 'one_for_one',
    children: [childSpec('heartbeat', heartbeatMachine)],
    ...(options.clock ? { clock: options.clock } : {})
  });

  const app = Fastify();
  app.get('/status', async () => {
    const heartbeat = (ours.getSnapshot().children as Record<string, AnyActorRef>)['heartbeat'];
    return {
      node: node.info(),
      heartbeats: (heartbeat?.getSnapshot().context as { beats: number } | undefined)?.beats ?? 0
    };
  });
  app.addHook('onClose', async () => {
    await stopSupervisor(ours);
    await node.stop();
  });
  return { app, node, close: () => app.close() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const service = await buildService({ dataDir: process.env.BITDUST_DATA_DIR ?? '.data/embedded' });
  await service.app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
  console.log(
    `embedded node ${service.node.id}; GET http://127.0.0.1:${process.env.PORT ?? 3000}/status`
  );
  process.once('SIGINT', () => void service.close());
}
