/**
 * Test fixtures for the router: routers on one memory network with a TestClock, a transport
 * wrapper that duplicates or records frames, and a bounded loop that drives simulated time.
 */
import { TestClock } from '../clock.js';
import { createRandom, type Random } from '../random.js';
import { createMemoryNetwork } from '../transports/index.js';
import type { MemoryFaults, MemoryNetwork, Transport } from '../transports/index.js';
import { createRouter } from './router.js';
import type { Router, RouterOptions } from './types.js';

/** A 32-character base32 node id made from a short name (test ids need not be key hashes). */
export const testId = (name: string): string => name.padEnd(32, 'a').slice(0, 32);

/** Lets every pending promise and immediate callback run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Advances `clock` by `stepMs` until `done()` or `maxSteps` steps, settling promises in between.
 * Returns whether `done()` became true.
 */
export async function drive(
  clock: TestClock,
  done: () => boolean,
  { stepMs = 10, maxSteps = 5000 } = {}
): Promise<boolean> {
  await settle();
  for (let i = 0; i < maxSteps && !done(); i++) {
    clock.increment(stepMs);
    await settle();
  }
  return done();
}

/** Wraps a transport so each frame is also sent a second time with probability `p`, and kept. */
export function tapped(
  inner: Transport,
  random: Random,
  p = 0
): Transport & { frames: Array<{ to: string; frame: Uint8Array }> } {
  const frames: Array<{ to: string; frame: Uint8Array }> = [];
  return {
    kind: inner.kind,
    address: inner.address,
    maxFrameBytes: inner.maxFrameBytes,
    frames,
    async send(to, frame) {
      frames.push({ to, frame: new Uint8Array(frame) });
      await inner.send(to, frame);
      if (random.next() < p) await inner.send(to, frame).catch(() => undefined);
    },
    onFrame: (handler, options) => inner.onFrame(handler, options),
    close: () => inner.close()
  };
}

/** A memory network with a TestClock and one started router per name. */
export function routerNet(
  names: string[],
  {
    seed = 1,
    faults = {},
    duplicate = 0,
    options = {}
  }: {
    seed?: number;
    faults?: Partial<MemoryFaults>;
    duplicate?: number;
    options?: Partial<RouterOptions>;
  } = {}
): {
  clock: TestClock;
  network: MemoryNetwork;
  routers: Map<string, Router>;
  transports: Map<string, ReturnType<typeof tapped>>;
} {
  const clock = new TestClock(1_000_000);
  const random = createRandom(seed);
  const network = createMemoryNetwork({ clock, random, ...faults });
  const address = (id: string) => `mem-${id.slice(0, 6)}`;
  const routers = new Map<string, Router>();
  const transports = new Map<string, ReturnType<typeof tapped>>();
  for (const name of names) {
    const id = testId(name);
    const transport = tapped(network.transport(address(id)), random, duplicate);
    transports.set(name, transport);
    const router = createRouter({
      nodeId: id,
      transport,
      clock,
      random,
      resolve: (peer) => (names.some((n) => testId(n) === peer) ? address(peer) : undefined),
      timeoutMs: 1000,
      backoffMs: 200,
      ...options
    });
    router.start();
    routers.set(name, router);
  }
  return { clock, network, routers, transports };
}
