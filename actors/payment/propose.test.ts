// Contracts over the router, and bad input on the payment service: a proposal countersigned and
// kept by both parties (a retry gets the same answer); forged, mis-addressed, underpriced, stale
// or future proposals refused with their reason; malformed payloads refused by the wire schema
// with the field named. Nothing refused reaches either ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClock } from '../clock.js';
import { createRandom } from '../random.js';
import { createMemoryNetwork } from '../transports/index.js';
import { createRouter } from '../router/index.js';
import { createMemoryStore } from '../store/index.js';
import { hashOf, idOf, openLedger, signValue } from '../ledger/index.js';
import { keysFromSeed } from '../ledger/fixtures.js';
import { packPlain } from '../wire/plain-msgpack.js';
import type { ContractTerms } from '../../machines/payment/records.js';
import { createPaymentNode, verifyContract } from './node.js';
import { PAYMENT_SERVICE } from './wire.js';

const T0 = 19_700 * 86_400_000;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function pair() {
  const clock = new TestClock(T0);
  const random = createRandom(3);
  const network = createMemoryNetwork({ clock, random });
  const keys = [keysFromSeed(11, 0), keysFromSeed(11, 1), keysFromSeed(11, 2)];
  const ids = keys.map(idOf);
  const nodes = [];
  for (let i = 0; i < 2; i++) {
    const router = createRouter({
      nodeId: ids[i]!,
      transport: network.transport(ids[i]!),
      clock,
      random,
      resolve: (id) => id,
      timeoutMs: 5000
    });
    router.start();
    const grant = { startMicro: 1_000_000, capMicro: 10_000_000, vestMicroPerGBHour: 0 };
    const ledger = await openLedger({ store: createMemoryStore(), keys: keys[i]!, clock, grant });
    await ledger.vest();
    const pay = createPaymentNode({
      keys: keys[i]!,
      ledger,
      clock,
      router,
      minPrice: { pricePerGBHour: 1_000, transferPricePerGB: 100 }
    });
    nodes.push({ router, ledger, pay });
  }
  /** Runs `p` to its end, delivering frames on the simulated clock. */
  async function run<T>(p: Promise<T>): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true)
    );
    for (let i = 0; i < 2000 && !done; i++) {
      await new Promise((r) => setImmediate(r));
      clock.increment(network.stats().inFlight > 0 ? 0 : 10);
    }
    return p;
  }
  const terms = (over: Partial<ContractTerms> = {}): ContractTerms => ({
    v: 1,
    id: hashOf({ n: 1 }).slice(0, 32),
    customer: ids[0]!,
    supplier: ids[1]!,
    bytes: 1_000_000,
    startMs: T0,
    termMs: 30 * 86_400_000,
    pricePerGBHour: 1_000,
    transferPricePerGB: 100,
    seq: 0,
    prev: '',
    ...over
  });
  return { clock, keys, ids, nodes, run, terms };
}

test('a proposal is countersigned over the router and kept by both; a retry gets the same', async () => {
  const p = await pair();
  const [a, b] = p.nodes;
  const sc = await p.run(a!.pay.propose(p.terms()));
  assert.ok(verifyContract(sc));
  assert.deepEqual(a!.pay.contracts(), [sc]);
  assert.equal(b!.pay.contracts().length, 1);
  assert.equal(hex(b!.pay.contracts()[0]!.supplierSig), hex(sc.supplierSig));
  const again = await p.run(a!.pay.propose(p.terms()));
  assert.equal(hex(again.supplierSig), hex(sc.supplierSig));
  assert.equal(b!.pay.contracts().length, 1);
  // A fresh proposal for the same pair replaces the old contract on both sides.
  const next = await p.run(a!.pay.propose(p.terms({ id: hashOf({ n: 2 }).slice(0, 32) })));
  assert.deepEqual(
    b!.pay.contracts().map((k) => k.terms.id),
    [next.terms.id]
  );
});

test('bad proposals are refused with their reason and leave no contract', async () => {
  const p = await pair();
  const [a, b] = p.nodes;
  const DAY = 86_400_000;
  const cases: Array<[Partial<ContractTerms>, RegExp]> = [
    [{ pricePerGBHour: 999 }, /ERR_PAYMENT_AMOUNT.*price below ours/],
    [{ startMs: T0 - 40 * DAY }, /ERR_PAYMENT_DATE_PAST/],
    [{ startMs: T0 + DAY }, /ERR_PAYMENT_DATE_FUTURE/],
    [{ bytes: -1 }, /ERR_PAYMENT_MALFORMED|ERR_PAYMENT_AMOUNT/],
    [{ pricePerGBHour: 2 ** 60 }, /ERR_PAYMENT_MALFORMED.*pricePerGBHour/],
    [{ supplier: p.ids[2]! }, /ERR_PAYMENT_MISMATCH/]
  ];
  for (const [over, reason] of cases) {
    const t = { ...p.terms(), ...over };
    const body = {
      terms: t,
      customerKey: p.keys[0]!.identityPublic,
      customerSig: signValue(p.keys[0]!, 'contract', t)
    };
    const payload = packPlain({ kind: 'propose', body });
    const reply = await p.run(
      a!.router.request(p.ids[1]!, 'cmd.request-service', {
        v: 1,
        service: PAYMENT_SERVICE,
        payload
      })
    );
    assert.equal(reply.type, 'cmd.fail', JSON.stringify(over));
    assert.match(
      `${(reply.body as { code: string }).code} ${(reply.body as { reason: string }).reason}`,
      reason
    );
  }
  // Signed by someone else than the customer it names.
  const t = p.terms();
  const forged = {
    terms: t,
    customerKey: p.keys[2]!.identityPublic,
    customerSig: signValue(p.keys[2]!, 'contract', t)
  };
  const reply = await p.run(
    a!.router.request(p.ids[1]!, 'cmd.request-service', {
      v: 1,
      service: PAYMENT_SERVICE,
      payload: packPlain({ kind: 'propose', body: forged })
    })
  );
  assert.equal((reply.body as { code: string }).code, 'ERR_PAYMENT_SIGNATURE');
  assert.equal(b!.pay.contracts().length, 0);
  assert.equal(b!.ledger.state().seq, 1, 'only the start grant');
});

/** A dispute message, well formed but for `change` (its signature is never reached). */
function dispute(change: Record<string, unknown>) {
  const d = { v: 1, invoiceId: 'x', invoiceHash: 'h', supplier: 's', customer: 'c', code: 'E' };
  return {
    kind: 'dispute',
    body: {
      dispute: { ...d, reason: 'r', storedByteMs: '1', ts: 1, ...change },
      customerKey: new Uint8Array(32),
      sig: new Uint8Array(64)
    }
  };
}

test('malformed payloads are refused by the wire schema, naming the field', async () => {
  const p = await pair();
  const [a] = p.nodes;
  const t = p.terms();
  const good = {
    terms: t,
    customerKey: p.keys[0]!.identityPublic,
    customerSig: new Uint8Array(64)
  };
  const cases: Array<[unknown, RegExp]> = [
    [{ kind: 'nonsense', body: {} }, /not a payment message/],
    [{ kind: 'propose', body: { ...good, extra: 1 } }, /not a payment message/],
    [{ kind: 'propose', body: { ...good, customerKey: new Uint8Array(31) } }, /customerKey/],
    [
      { kind: 'propose', body: { ...good, terms: { ...t, pricePerGBHour: 'free' } } },
      /pricePerGBHour/
    ],
    [dispute({ reason: 'r'.repeat(300) }), /reason/],
    [dispute({ storedByteMs: '-1' }), /storedByteMs/],
    [
      { kind: 'payment', body: { evidence: Array.from({ length: 33 }, () => ({})) } },
      /not a payment message/
    ]
  ];
  for (const [m, reason] of cases) {
    const reply = await p.run(
      a!.router.request(p.ids[1]!, 'cmd.request-service', {
        v: 1,
        service: PAYMENT_SERVICE,
        payload: packPlain(m)
      })
    );
    assert.equal(
      (reply.body as { code: string }).code,
      'ERR_PAYMENT_MALFORMED',
      JSON.stringify(reason)
    );
    assert.match((reply.body as { reason: string }).reason, reason);
  }
});
