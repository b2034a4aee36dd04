/**
 * `bitdust demo <scenario>`: a scripted scenario on an in-process devnet, narrated step by step,
 * with the inspector open so each step can be watched live: every line is printed and also shown
 * in the inspector's narration (teaching mode). Scenarios are added as protocols land.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyActorRef } from 'xstate';
import { startHandshakeLab } from '../../actors/teaching/handshake-lab.js';
import type { HandshakeLab } from '../../actors/teaching/handshake-lab.js';
import type { NodeConfig } from '../../actors/node/config.js';
import { peerSystemId } from '../../machines/peer/machine.js';
import { EXIT, UsageError } from './args.js';
import type { Flags } from './args.js';
import { supplierDies } from './demo-storage.js';
import { paymentDemo } from './demo-payment.js';
import type { PaymentServiceOptions } from '../../actors/payment/service.js';
import { proxyDemo } from './demo-proxy.js';
import { startHost } from './host.js';
import type { Host } from './host.js';
import { until } from './until.js';
import type { Io } from './main.js';

const UI_DIR = fileURLToPath(new URL('../../inspector-ui/dist', import.meta.url));
/** Real time between narrated steps, so that a viewer can follow (BITDUST_DEMO_STEP_MS). */
const STEP_MS = Number(process.env.BITDUST_DEMO_STEP_MS ?? 2500);
/** Node id under which the handshake lab appears in the inspector. */
export const LAB_NODE = 'handshake-lab';

/**
 * Runs the real Noise handshake between the first two devnet peers' identities as a lab shown in
 * the inspector (node `handshake-lab`); frames wait `latencyMs` on the teaching clock.
 */
export function attachHandshakeLab(host: Host, latencyMs = 300): HandshakeLab {
  const [a, b] = host.devnet.nodes;
  if (!a || !b || !host.teaching) {
    throw new UsageError('the handshake lab needs a devnet of 2 or more (--devnet 2)');
  }
  const lab = startHandshakeLab({
    clock: host.teaching.clock,
    initiator: a.identity(),
    responder: b.identity(),
    latencyMs
  });
  host.attach(LAB_NODE, lab.root);
  return lab;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each message of Noise XX carries, for the narration. */
const XX_MESSAGES = [
  '→ e: the initiator sends a fresh ephemeral key, in the clear',
  '← e, ee, s, es: the responder answers with its ephemeral key, then its static key and identity proof, encrypted',
  '→ s, se: the initiator sends its static key and identity proof, encrypted; both sides now hold session keys'
];

interface Scenario {
  summary: string;
  /** Payment policies of the host's nodes for this scenario (default: the host's). */
  payment?: PaymentServiceOptions;
  run(host: Host, say: (line: string) => void): Promise<void>;
}

const SCENARIOS: Record<string, Scenario> = {
  'supplier-dies': supplierDies,
  payment: paymentDemo,
  proxy: { summary: proxyDemo.summary, run: (host, say) => proxyDemo.run(host, say, STEP_MS) },
  handshake: {
    summary:
      'the Noise XX handshake between two devnet identities, one message per clock step (node handshake-lab)',
    async run(host, say) {
      const clock = host.teaching!.clock;
      say('1. pausing the devnet clock: every frame now waits for a step');
      clock.pause();
      const lab = attachHandshakeLab(host);
      say('2. peer-1 (initiator) and peer-2 (responder) start; select them under handshake-lab');
      const frames = () => lab.root.getSnapshot().context.frames;
      await until(() => frames() > 0, 5000);
      for (let i = 0; i < 6 && lab.root.getSnapshot().value !== 'finished'; i++) {
        const sent = frames();
        const message = XX_MESSAGES[sent - 1];
        if (message) say(`   message ${sent}: ${message}`);
        await pause(STEP_MS);
        say(`   stepping the clock by 300 ms: the frame is delivered`);
        clock.step(300);
        await until(
          () =>
            lab.root.getSnapshot().context.frames > sent ||
            lab.root.getSnapshot().value === 'finished',
          5000
        );
      }
      const results = lab.results();
      say(`3. initiator ${results.initiator ?? '?'}, responder ${results.responder ?? '?'}`);
      clock.resume(1);
      await pause(STEP_MS * 2);
      lab.stop();
    }
  },
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
  const host = await startHost({
    config: { ...config, devnet: Math.max(config.devnet, 2) },
    ...(scenario.payment ? { payment: scenario.payment } : {}),
    ...(existsSync(UI_DIR) ? { uiDir: UI_DIR } : {})
  });
  const say = (line: string) => {
    io.out(line);
    host.teaching?.narrate(line);
  };
  try {
    if (host.listening) io.out(`inspector: ${host.listening.inspectorUrl}`);
    say(`demo ${name}: ${scenario.summary}`);
    await scenario.run(host, say);
    say('demo finished');
  } finally {
    await host.stop();
  }
  return EXIT.ok;
}
