/**
 * The nats transport against one real nats-server on loopback: the compliance suite (once with the
 * default max_payload, once with a 1 KiB one so every large frame is chunked), exclusive addresses,
 * and reconnect after the server restarts.
 */
import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import {
  natsServerMissing,
  startNatsServer,
  type NatsServer
} from '../../test/support/nats-server.js';
import { transportCompliance, type TransportHarness } from './compliance.js';
import { TransportError } from './errors.js';
import { createNatsTransport } from './nats.js';
import { natsHarness, statusReached } from './nats-test-kit.js';

const missing = natsServerMissing();
const servers: Record<string, Promise<NatsServer>> = {};
/** One server per max_payload, started on first use and stopped after the file. */
const server = (maxPayload?: number): Promise<NatsServer> =>
  (servers[String(maxPayload)] ??= startNatsServer({ maxPayload }));
after(async () => {
  for (const s of Object.values(servers)) await (await s).stop();
});

if (missing) {
  test('nats transport', { skip: missing }, () => undefined);
} else {
  for (const [name, maxPayload, maxFrameBytes] of [
    ['nats', undefined, 256 * 1024],
    ['nats, chunked under max_payload 1 KiB', 1024, 64 * 1024]
  ] as const) {
    const harnesses = new WeakMap<TransportHarness, () => Promise<void>>();
    transportCompliance(name, {
      async setup() {
        const url = (await server(maxPayload)).url;
        const h = natsHarness(() => [url], { maxFrameBytes });
        harnesses.set(h, () => h.closeAll());
        return h;
      },
      teardown: async (h) => harnesses.get(h)?.()
    });
  }

  describe('nats transport: connection', () => {
    it('refuses an address another node already listens on', async () => {
      const url = (await server()).url;
      const a = await createNatsTransport({ servers: url, address: 'taken-address' });
      try {
        await assert.rejects(
          createNatsTransport({ servers: url, address: 'taken-address' }),
          (err) => err instanceof TransportError && err.code === 'ERR_TRANSPORT_ADDRESS_IN_USE'
        );
      } finally {
        await a.close();
      }
    });

    it('tells its peers it closed', async () => {
      const url = (await server()).url;
      const k = natsHarness(() => [url]);
      const [a, b] = [await k.open(), await k.open()];
      const downs: string[] = [];
      a.onPeerDown?.((peer, reason) => downs.push(`${peer} ${reason}`));
      await a.send(b.address, Uint8Array.of(1));
      await b.close();
      for (let i = 0; i < 100 && downs.length === 0; i++) await k.tick();
      assert.deepEqual(downs, [`${b.address} closed`]);
      await k.closeAll();
    });

    it('reconnects after the server restarts and carries frames again', async () => {
      let own = await startNatsServer();
      const k = natsHarness(() => [own.url], { reconnectTimeWaitMs: 100 });
      try {
        const [a, b] = [await k.open(), await k.open()];
        const got: number[] = [];
        b.onFrame((_from, f) => got.push(f[0] as number));
        await a.send(b.address, Uint8Array.of(1));
        await a.flush();
        for (let i = 0; i < 100 && got.length === 0; i++) await k.tick();
        const down = [statusReached(a, 'disconnected'), statusReached(b, 'disconnected')];
        own = await own.restart();
        await Promise.all(down);
        await Promise.all([statusReached(a, 'connected'), statusReached(b, 'connected')]);
        await b.flush(); // b's subscription is re-registered before a publishes
        await a.send(b.address, Uint8Array.of(2));
        for (let i = 0; i < 100 && got.length < 2; i++) await k.tick();
        assert.deepEqual(got, [1, 2]);
        assert.ok(a.stats().reconnects >= 1 && a.stats().disconnects >= 1);
      } finally {
        await k.closeAll();
        await own.stop();
      }
    });
  });
}
