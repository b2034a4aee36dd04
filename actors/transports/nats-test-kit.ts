/**
 * Helpers shared by the nats tests: a compliance harness over a real nats-server, whose `tick` is
 * a flush round trip on every open endpoint (so progress is awaited, never slept for), and a
 * bounded wait for a link status. Not part of the transport.
 */
import { randomBytes } from 'node:crypto';
import type { TransportHarness } from './compliance.js';
import { createNatsTransport } from './nats.js';
import type { NatsLinkStatus, NatsTransport, NatsTransportOptions } from './nats-types.js';

/** A compliance harness that also hands out the endpoints as nats endpoints. */
export interface NatsHarness extends TransportHarness {
  open(): Promise<NatsTransport>;
  endpoints: NatsTransport[];
  closeAll(): Promise<void>;
}

/** A harness whose endpoints attach, in turn, to the given servers. */
export function natsHarness(
  servers: () => string[],
  options: Partial<NatsTransportOptions> = {}
): NatsHarness {
  const run = randomBytes(4).toString('hex'); // tests sharing a server never share addresses
  const endpoints: NatsTransport[] = [];
  let n = 0;
  return {
    endpoints,
    async open() {
      const urls = servers();
      const t = await createNatsTransport({
        servers: urls[n % urls.length] as string,
        address: `node-${run}-${n++}`,
        ...options
      });
      endpoints.push(t);
      return t;
    },
    async tick() {
      for (const t of endpoints) await t.flush().catch(() => undefined);
    },
    unreachableAddress: () => `nobody-${run}`,
    rejectsUnreachable: (options.probeTtlMs ?? 1) > 0,
    maxTicks: 2000,
    async closeAll() {
      await Promise.all(endpoints.map((t) => t.close()));
    }
  };
}

/** Resolves when `t` reports `status` (or already is in it); fails after `ms` of real time. */
export function statusReached(t: NatsTransport, status: NatsLinkStatus, ms = 15_000) {
  return new Promise<void>((resolve, reject) => {
    if (t.stats().status === status) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${t.address} did not become ${status} within ${ms} ms`));
    }, ms);
    const off = t.onStatus((s) => {
      if (s !== status) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
