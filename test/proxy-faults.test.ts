/**
 * Bad routers on real tcp over loopback: one that tampers, drops or delays is detected (an
 * authentication failure or a keep-alive timeout), counted, and the circuit is rebuilt elsewhere
 * while a transfer completes; a router at capacity refuses with a plain reason.
 */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateKeyPair } from '../actors/crypto/primitives.js';
import {
  createProxyTransport,
  serveTransfers,
  staticDirectory,
  TransferClient
} from '../actors/proxy/index.js';
import { ProxyNet, waitFor, type Fault, type TestRouter } from '../actors/proxy/test-kit.js';
import { CELL_TAG } from '../machines/proxy/circuit/messages.js';

const timing = { buildTimeoutMs: 1500, pingIntervalMs: 300, probeTimeoutMs: 400, maxMissed: 2 };
const isRelay = (f: Uint8Array) => f[0] === CELL_TAG && (f[1] === 2 || f[1] === 3);

async function scenario(name: string, fault: (r: TestRouter) => Fault, code: string) {
  const net = new ProxyNet();
  try {
    const routers = [await net.router('127.0.0.3'), await net.router('127.0.0.4')];
    const keys = generateKeyPair();
    const supplier = createProxyTransport({
      base: await net.endpoint('127.0.0.10'),
      mode: 'direct'
    });
    const server = serveTransfers(supplier, keys);
    const hidden = createProxyTransport({
      base: await net.endpoint('127.0.0.2'),
      mode: 'nat',
      directory: staticDirectory(routers.map((r) => r.info)),
      timing,
      retryDelayMs: 50
    });
    const first = await hidden.whenReady();
    const bad = routers.find((r) => first.includes(r.transport.address)) as TestRouter;
    const client = new TransferClient(hidden, supplier.address, keys.publicKey, { timeoutMs: 400 });
    await client.open();
    const data = Array.from({ length: 40 }, () => randomBytes(8192));
    const putting = client.put(data);
    await waitFor(() => server.counters.puts >= 5, 10_000, `${name}: first chunks`);
    bad.transport.fault = fault(bad);
    await waitFor(() => (hidden.status()?.failures[code] ?? 0) >= 1, 10_000, `${name}: ${code}`);
    await putting;
    assert.deepEqual(
      (await client.get(data.length)).map((b) => Buffer.from(b)),
      data
    );
    const st = hidden.status();
    assert.ok((st?.rebuilds ?? 0) >= 1);
    assert.ok(!hidden.address.includes(bad.transport.address), `${name}: still on the bad router`);
    client.close();
    await hidden.close();
    await supplier.close();
    return { st, bad };
  } finally {
    await net.close();
  }
}

describe('proxy: bad routers are detected and avoided', () => {
  it('a router that tampers: authentication failure, counted, circuit rebuilt', async () => {
    const { st, bad } = await scenario(
      'tamper',
      () => (_to, f) => {
        if (!isRelay(f)) return 'pass';
        const t = new Uint8Array(f);
        t[t.length - 1] = (t[t.length - 1] as number) ^ 1;
        return t;
      },
      'ERR_PROXY_CIRCUIT_AUTH'
    );
    assert.ok((st?.authFailures ?? 0) + bad.router.stats().authFailures >= 1);
  });

  it('a router that drops: keep-alive timeout, circuit rebuilt', async () => {
    await scenario(
      'drop',
      () => (_to, f) => (isRelay(f) ? 'drop' : 'pass'),
      'ERR_PROXY_CIRCUIT_KEEPALIVE'
    );
  });

  it('a router that delays past the timeouts: keep-alive timeout, circuit rebuilt', async () => {
    const held: (() => void)[] = [];
    await scenario(
      'delay',
      (r) => (to, f) => {
        if (!isRelay(f) || held.length > 500) return 'pass';
        // Held until the scenario ends: later than any timeout; released then (to a closed link).
        held.push(() => void r.transport.send(to, f).catch(() => {}));
        return 'drop';
      },
      'ERR_PROXY_CIRCUIT_KEEPALIVE'
    );
    for (const h of held.splice(0)) h();
  });
});

describe('proxy: capacity', () => {
  const net = new ProxyNet();
  after(() => net.close());

  it('a full router refuses with a clear reason and the receiver goes elsewhere', async () => {
    const full = await net.router('127.0.0.3', 1);
    const spare = await net.router('127.0.0.4');
    const a = createProxyTransport({
      base: await net.endpoint('127.0.0.2'),
      mode: 'nat',
      directory: staticDirectory([full.info]),
      timing
    });
    await a.whenReady();
    let calls = 0;
    const b = createProxyTransport({
      base: await net.endpoint('127.0.0.6'),
      mode: 'nat',
      directory: async () => (calls++ === 0 ? [full.info] : [full.info, spare.info]),
      timing,
      retryDelayMs: 50
    });
    const address = await b.whenReady();
    assert.ok(address.includes(spare.transport.address));
    const st = b.status();
    assert.equal(st?.failures.ERR_PROXY_CIRCUIT_REFUSED, 1);
    assert.match(st?.lastReason ?? '', /router full: 1 of 1 circuits in use/);
    assert.equal(full.router.stats().refused, 1);
    assert.equal(full.router.stats().state, '{"serving":"full"}');
    await a.close();
    await b.close();
  });
});
