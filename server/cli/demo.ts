/**
 * `bitdust demo <scenario>`: a scripted scenario on an in-process devnet, narrated step by step,
 * with the inspector open so each step can be watched live. Scenarios are added as protocols land.
 */
import type { AnyActorRef } from 'xstate';
import type { NodeConfig } from '../../actors/node/config.js';
import { peerSystemId } from '../../machines/peer/machine.js';
import { EXIT, UsageError } from './args.js';
import type { Flags } from './args.js';
import { startHost } from './host.js';
import type { Host } from './host.js';
import type { Io } from './main.js';

interface Scenario {
  summary: string;
  run(host: Host, say: (line: string) => void): Promise<void>;
}

/** Resolves when `check` holds, polling every 100 ms for at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

const SCENARIOS: Record<string, Scenario> = {
  'peer-crash': {
    summary:
      'a devnet peer crashes: its neighbours see it go offline, then reconnect when it returns',
    async run(host, say) {
      const node = host.node;
      const [victim] = host.devnet.nodes;
      if (!victim) throw new UsageError('peer-crash needs a devnet (--devnet 2 or more)');
      const state = () => {
        const ref = node.root.system.get(peerSystemId(victim.id)) as AnyActorRef | undefined;
        return ref ? String(ref.getSnapshot().value) : 'unknown';
      };
      say(`1. waiting until this node sees ${victim.config.name} connected`);
      await until(() => state() === 'connected', 15_000);
      say(`   peer.${victim.id.slice(0, 8)}… is ${state()}`);
      say(`2. crashing ${victim.config.name}: the memory network drops everything it sends`);
      host.devnet.network.crash(victim.id);
      await until(() => state() === 'offline', 60_000);
      say(`   after missed keep-alives the peer actor is ${state()}`);
      say(`3. restarting ${victim.config.name}: backoff retries find it again`);
      host.devnet.network.restart(victim.id);
      await until(() => state() === 'connected', 90_000);
      say(`   the peer actor is ${state()} again`);
    }
  }
};

export async function demoCommand(
  name: string | undefined,
  config: NodeConfig,
  _flags: Flags,
  io: Io
): Promise<number> {
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) {
    const list = Object.entries(SCENARIOS).map(([n, s]) => `  ${n}: ${s.summary}`);
    throw new UsageError(`choose a scenario:\n${list.join('\n')}`);
  }
  const host = await startHost({ config: { ...config, devnet: Math.max(config.devnet, 2) } });
  try {
    if (host.listening) io.out(`inspector: ${host.listening.inspectorUrl}`);
    io.out(`demo ${name}: ${scenario.summary}`);
    await scenario.run(host, io.out);
    io.out('demo finished');
  } finally {
    await host.stop();
  }
  return EXIT.ok;
}
