// The customer's metered client against a scripted router: acknowledged shards and pieces count,
// a refused one does not, deletes and cancels give bytes back, and a seed learns what a supplier
// lists once. A guard: every StorageClient method that sends shard data is metered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Router } from '../router/index.js';
import { StorageClient } from '../storage/customer-client.js';
import { packPiece } from '../storage/wire.js';
import { MeteredClient } from './metered-client.js';

function scripted(listing: { key: string; size: number }[] = []) {
  const sent: string[] = [];
  let refuse = false;
  const router = {
    request: async (_to: string, type: string) => {
      sent.push(type);
      if (refuse)
        return { type: 'cmd.fail', body: { v: 1, code: 'ERR_STORAGE_UNPAID', reason: 'owes' } };
      if (type === 'cmd.retrieve') {
        return { type: 'cmd.data', body: { v: 1, key: 'k', data: packPiece(new Uint8Array(7)) } };
      }
      if (type === 'cmd.list-files')
        return { type: 'cmd.files', body: { v: 1, files: listing, more: false } };
      return { type: 'cmd.ack', body: { v: 1 } };
    }
  } as unknown as Router;
  const seen: Array<[string, number, number]> = [];
  const client = new MeteredClient(
    router,
    {},
    (s, held, moved) => void seen.push([s, held, moved])
  );
  return { client, seen, sent, refuse: (on: boolean) => (refuse = on) };
}

test('acknowledged shards and pieces count; refused ones, deletes and cancels as they should', async () => {
  const t = scripted();
  await t.client.putShard('s', 'a/00000000/000', new Uint8Array(100));
  await t.client.putPiece('s', 'a/00000001/000', packPiece(new Uint8Array(50)));
  await t.client.putShard('s', 'a/00000000/000', new Uint8Array(80)); // rewritten: 80, not 180
  await t.client.putShard('t', 'a/00000000/001', new Uint8Array(10));
  t.refuse(true);
  await assert.rejects(t.client.putShard('s', 'a/00000002/000', new Uint8Array(999)), /UNPAID/);
  t.refuse(false);
  await t.client.getShard('s', 'a/00000001/000');
  await t.client.delete('s', ['a/00000001/000', 'never/00000000/000']);
  await t.client.cancelService('t');
  assert.deepEqual(t.seen, [
    ['s', 100, 100],
    ['s', 150, 50],
    ['s', 130, 80],
    ['t', 10, 10],
    ['s', 130, 7],
    ['s', 80, 0],
    ['t', 0, 0]
  ]);
});

test('seed: learns a supplier listing once, keeps what was acknowledged since', async () => {
  const t = scripted([
    { key: 'x/00000000/000', size: 40 },
    { key: 'y/00000000/000', size: 60 }
  ]);
  await t.client.putShard('s', 'y/00000000/000', new Uint8Array(60));
  await t.client.seed('s');
  await t.client.seed('s');
  assert.equal(t.sent.filter((x) => x === 'cmd.list-files').length, 1);
  assert.deepEqual(t.seen.at(-1), ['s', 100, 0]);
});

test('every StorageClient method that sends shard data or removes it is metered', () => {
  const proto = StorageClient.prototype as unknown as Record<string, unknown>;
  const own = MeteredClient.prototype as unknown as Record<string, unknown>;
  const storing = Object.getOwnPropertyNames(proto).filter((name) => {
    const f = proto[name];
    return (
      typeof f === 'function' &&
      /['"]cmd\.(data|delete|cancel-service|retrieve)['"]/.test(String(f))
    );
  });
  assert.ok(storing.length >= 4, storing.join());
  for (const name of storing) {
    assert.ok(Object.hasOwn(own, name), `MeteredClient must override ${name}`);
  }
});
