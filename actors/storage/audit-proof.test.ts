// Audits on their own router commands: `cmd.audit` (block, position, random leaves, nonce) answered
// by `cmd.proof` (chunks with Merkle paths) from a supplier on real LMDB over the router. A valid
// proof passes; a forged chunk or path, other chunks than asked, an altered stored shard and a
// proof kept from an earlier challenge (wrong nonce) all fail; oversized challenges never reach
// the handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { drive, routerNet, testId } from '../router/fixtures.js';
import { createCodec, WIRE_VERSION } from '../wire/index.js';
import { routerMessages } from '../../machines/router/messages.js';
import { shardKey } from '../../machines/storage/keys.js';
import { checkProof, proveChallenge, type AuditChallenge, type AuditProof } from './audit-proof.js';
import { StorageClient } from './customer-client.js';
import { chunkCount, merkleRoot } from './merkle.js';
import { openSupplierStore } from './supplier-store.js';
import { serveStorage } from './supplier-service.js';
import { alterStoredPieces, IoGate, pump, tempStores } from './test-kit.js';
import { encodeServiceRequest } from './wire.js';

const shard = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 13 + (i >> 8)) & 255);
const root = merkleRoot(shard);
const leaves = chunkCount(shard.length); // 7 chunks of 16 KiB
const nonce = (n: number) => new Uint8Array(16).fill(n);
const challenge = (n: number, l = [0, 3, 6]): AuditChallenge => ({
  backupId: 'b1',
  block: 0,
  position: 2,
  leaves: l,
  nonce: nonce(n)
});

async function network(t: { after: (fn: () => unknown) => void }) {
  const stores = tempStores('bd-audit-');
  t.after(() => stores.cleanup());
  const { clock, routers, transports } = routerNet(['cust', 'supp']);
  const supplier = await openSupplierStore({
    store: stores.open('supp'),
    clock,
    policy: { capacityBytes: 1e6, maxCustomerBytes: 1e6 }
  });
  const gate = new IoGate();
  serveStorage(routers.get('supp')!, gate.wrap(supplier));
  const cust = routers.get('cust')!;
  t.after(() => {
    cust.stop();
    routers.get('supp')!.stop();
  });
  const run = <T>(p: Promise<T>): Promise<T> => pump(clock, gate, p, { stepMs: 1, maxSteps: 5000 });
  const client = new StorageClient(cust);
  const to = testId('supp');
  const payload = encodeServiceRequest({
    v: 1,
    neededBytes: 500_000,
    position: 2,
    profile: 'rs/4+2'
  });
  await run(cust.request(to, 'cmd.request-service', { v: 1, service: 'storage', payload }));
  await run(client.putShard(to, shardKey('b1', 0, 2), shard));
  return { run, client, cust, to, supplier, stores, clock, gate, transports, routers };
}

test('a valid proof passes; a stale nonce, forged chunks or paths and other chunks fail', async (t) => {
  const { run, client, cust, to } = await network(t);
  assert.deepEqual(await run(client.audit(to, challenge(1), root, leaves)), { ok: true });
  const reply = await run(cust.request(to, 'cmd.audit', { v: 1, ...challenge(1) }));
  assert.equal(reply.type, 'cmd.proof');
  const kept = reply.body as AuditProof;
  // Replayed: the proof of challenge 1 offered for challenge 2 (same chunks, new nonce).
  const replay = checkProof(challenge(2), kept, root, leaves);
  assert.equal(replay.ok, false);
  assert.match(!replay.ok ? replay.reason : '', /another nonce/);
  const forge = (f: (p: AuditProof['proofs'][number]) => void) => {
    const copy = structuredClone(kept);
    f(copy.proofs[1]!);
    return checkProof(challenge(1), copy, root, leaves);
  };
  assert.match(JSON.stringify(forge((p) => (p.chunk[10]! ^= 1))), /chunk 3 does not match/);
  assert.match(JSON.stringify(forge((p) => (p.path[0]![0]! ^= 1))), /chunk 3 does not match/);
  assert.match(JSON.stringify(forge((p) => p.path.pop())), /chunk 3 does not match/);
  assert.match(JSON.stringify(forge((p) => (p.leaf = 4))), /other chunks/);
  // A proof made over another shard does not match our root either.
  const other = proveChallenge(
    shard.map((b) => b ^ 0x55),
    challenge(1)
  );
  assert.equal(checkProof(challenge(1), other, root, leaves).ok, false);
  // The leaf count is ours: a prover cannot shrink the tree.
  assert.equal(checkProof(challenge(1), kept, root, leaves + 1).ok, false);
});

test('an altered stored shard and a chunk past the end are refused by the supplier', async (t) => {
  const { run, client, to, stores } = await network(t);
  await assert.rejects(run(client.audit(to, challenge(3, [leaves]), root, leaves)), {
    code: 'ERR_STORAGE_ARGUMENT'
  });
  const altered = await alterStoredPieces(stores.open('supp'), '', (piece) => {
    piece[32 + 500]! ^= 1;
    return piece;
  });
  assert.equal(altered, 1);
  await assert.rejects(run(client.audit(to, challenge(4), root, leaves)), {
    code: 'ERR_STORAGE_CORRUPT'
  });
});

test('oversized challenges are refused before any handler runs', async (t) => {
  const { cust, to, transports, routers, clock, supplier } = await network(t);
  const tooMany = { ...challenge(5), leaves: [0, 1, 2, 3, 4, 5, 6, 7, 8] };
  await assert.rejects(
    async () => cust.request(to, 'cmd.audit', { v: 1, ...tooMany }),
    /ERR_WIRE_SCHEMA/
  );
  // A peer that ignores the schema sends it anyway: the supplier's codec drops the frame.
  const loose = createCodec({
    messages: { ...routerMessages, 'cmd.audit': Type.Any() },
    maxFrameBytes: 1 << 20
  });
  const supp = routers.get('supp')!;
  const before = supp.stats().refused.malformed;
  let reads = 0;
  const get = supplier.get.bind(supplier);
  supplier.get = (c, k) => (reads++, get(c, k));
  const bodies = [
    tooMany,
    { ...challenge(6), nonce: new Uint8Array(4096) },
    { ...challenge(7), leaves: [0, 0] }
  ];
  for (const body of bodies) {
    const frame = loose.encode({
      v: WIRE_VERSION,
      type: 'cmd.audit',
      id: `raw.${body.nonce[0]}`,
      from: testId('cust'),
      to,
      ts: clock.now(),
      body: { v: 1, ...body }
    } as never);
    await transports.get('cust')!.send(`mem-${to.slice(0, 6)}`, frame);
  }
  const refused = () => supp.stats().refused.malformed - before;
  await drive(clock, () => refused() >= bodies.length, { stepMs: 1, maxSteps: 2000 });
  assert.equal(refused(), bodies.length);
  assert.equal(reads, 0);
});

test('property: every honest proof verifies, and any flipped byte is caught', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200_000 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (size, picks, flip) => {
        const data = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 255);
        const n = chunkCount(size);
        const leafs = [...new Set(picks.map((p) => p % n))];
        const c = { ...challenge(9), leaves: leafs };
        const proof = proveChallenge(data, c);
        const r = merkleRoot(data);
        assert.deepEqual(checkProof(c, proof, r, n), { ok: true });
        const item = proof.proofs[flip % proof.proofs.length]!;
        const target = item.chunk.length > 0 ? item.chunk : item.path[0];
        if (!target) return; // one empty chunk: nothing to flip
        target[flip % target.length]! ^= 1 << (flip % 8);
        assert.equal(checkProof(c, proof, r, n).ok, false);
      }
    ),
    { numRuns: 60 }
  );
});
