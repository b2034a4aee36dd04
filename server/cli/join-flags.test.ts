/**
 * The proxy flags of `bitdust node start`, checked before anything opens: each malformed or
 * contradictory combination is a UsageError that says what is wrong; valid ones give a network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './args.js';
import { networkFromFlags, type JoinFlags } from './join.js';

const KEY = 'ab'.repeat(32);
const VIA = `tcp://127.0.0.2:7001#${KEY}`;

test('proxy flags: each contradiction is refused with a plain reason', () => {
  const refused: [JoinFlags, RegExp][] = [
    [{ hide: 'maybe', via: [VIA] }, /--hide wants nat or privacy, got maybe/],
    [{ hide: 'nat' }, /--hide needs --via routers, or --join seeds to find routers in the DHT/],
    [{ via: [VIA] }, /--via is for --hide/],
    [{ hide: 'nat', via: [VIA], 'proxy-router': true }, /cannot be a --proxy-router/],
    [{ 'proxy-router': true, 'proxy-capacity': '0' }, /--proxy-capacity wants 1\.\.10000, got 0/],
    [{ 'proxy-capacity': '5' }, /--proxy-capacity is for --proxy-router/],
    [{ hide: 'nat', via: ['tcp://127.0.0.2:7001'] }, /--via wants tcp:\/\/HOST:PORT#NOISEKEY/],
    [{ hide: 'nat', via: [`tcp://127.0.0.2:7001#${KEY.slice(2)}`] }, /64 hex digits/],
    [{ nats: 'nats://127.0.0.1:4222', hide: 'nat', via: [VIA] }, /proxy flags are for tcp/]
  ];
  for (const [flags, reason] of refused) {
    assert.throws(
      () => networkFromFlags(flags),
      (err: unknown) => err instanceof UsageError && reason.test(err.message),
      JSON.stringify(flags)
    );
  }
});

test('proxy flags: a router, a hidden node with --via, and one that finds routers in the DHT', () => {
  const accepted: JoinFlags[] = [
    { 'proxy-router': true, 'proxy-capacity': '3' },
    { hide: 'privacy', via: [VIA, VIA, VIA] },
    { hide: 'nat', join: ['tcp://127.0.0.3:7002'] }
  ];
  for (const flags of accepted) {
    const network = networkFromFlags(flags);
    assert.ok(network, JSON.stringify(flags));
    assert.equal(typeof network.openTransport, 'function');
    assert.equal(typeof network.onRuntime, 'function');
  }
  assert.deepEqual(networkFromFlags({ hide: 'nat', join: ['tcp://127.0.0.3:7002'] })?.seeds, [
    'tcp://127.0.0.3:7002'
  ]);
});
