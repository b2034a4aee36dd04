import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { compareDistance, decodeId, distance, encodeId } from './ids.js';
import { lookupMachine, type LookupOutput } from './lookup.js';
import { queryMachine, type DhtAnswer, type QueryInput } from './query.js';
import { maintenanceMachine } from './maintenance.js';
import { RoutingTable } from './routing-table.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A pure, in-memory network of routing tables: `ask` answers from the contact's own table. */
function world(ids: string[], dead: Set<string>) {
  const tables = new Map(ids.map((id) => [id, new RoutingTable(id, 40)]));
  for (const id of ids)
    for (const other of ids)
      if (id !== other) tables.get(id)!.observe({ id: other, address: other }, 0);
  const ask = fromPromise<DhtAnswer, Omit<QueryInput, 'timeoutMs'>>(async ({ input }) => {
    if (dead.has(input.contact.id)) return new Promise<never>(() => undefined); // silent: times out
    const r = input.request;
    const target =
      r.op === 'find_node' ? r.target : r.op === 'find_value' ? r.key : input.contact.id;
    // Enough contacts that dead ones and the asker cannot crowd out a live one of the k closest.
    return { nodes: tables.get(input.contact.id)!.closest(target, 5 + dead.size), records: [] };
  });
  return {
    tables,
    logic: lookupMachine.provide({ actors: { query: queryMachine.provide({ actors: { ask } }) } })
  };
}

async function run(
  logic: ReturnType<typeof world>['logic'],
  input: Parameters<typeof createActor<typeof lookupMachine>>[1] extends infer O
    ? O extends { input?: infer I }
      ? I
      : never
    : never
) {
  const clock = new TestClock();
  const actor = createActor(logic, { clock, input });
  actor.start();
  for (let i = 0; i < 200 && actor.getSnapshot().status === 'active'; i++) {
    await settle();
    clock.increment(100);
  }
  return { value: actor.getSnapshot().value, output: actor.getSnapshot().output as LookupOutput };
}

const idArb = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(encodeId);

describe('lookup machine', () => {
  it('converges on the k closest live nodes, whichever node starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(idArb, { minLength: 8, maxLength: 40 }),
        idArb,
        fc.nat(),
        async (ids, target, start) => {
          const dead = new Set(ids.filter((_, i) => i % 5 === 1));
          const self = ids[start % ids.length]!;
          if (dead.has(self)) return;
          const { tables, logic } = world(ids, dead);
          const seeds = tables.get(self)!.closest(target, 3);
          // Every seed dead is the failure case, tested on its own below: no route to converge.
          fc.pre(seeds.some((s) => !dead.has(s.id)));
          const { value, output } = await run(logic, {
            target,
            mode: 'node',
            self,
            seeds,
            k: 4,
            alpha: 3,
            queryTimeoutMs: 500,
            maxQueries: 100
          });
          const t = decodeId(target);
          const want = ids
            .filter((id) => id !== self && !dead.has(id))
            .sort((a, b) => compareDistance(distance(decodeId(a), t), distance(decodeId(b), t)))
            .slice(0, 4);
          assert.equal(value, 'converged');
          assert.deepEqual(
            output.closest.map((c) => c.id),
            want
          );
          assert.ok(output.failed.every((id) => dead.has(id)));
        }
      ),
      { numRuns: 25 }
    );
  });

  it('fails without seeds, and when every seed is silent', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => encodeId(new Uint8Array(20).fill(i + 1)));
    const { logic } = world(ids, new Set(ids.slice(1)));
    const base = {
      target: ids[4]!,
      mode: 'node' as const,
      self: ids[0]!,
      k: 4,
      alpha: 3,
      queryTimeoutMs: 500,
      maxQueries: 10
    };
    assert.equal((await run(logic, { ...base, seeds: [] })).value, 'failed');
    const silent = await run(logic, {
      ...base,
      seeds: ids.slice(1).map((id) => ({ id, address: id }))
    });
    assert.equal(silent.value, 'failed');
    assert.equal(silent.output.failures, 4);
  });
});

describe('maintenance machine', () => {
  it('runs each duty on its own interval', () => {
    const clock = new TestClock();
    const runs: string[] = [];
    const logic = maintenanceMachine.provide({
      actions: {
        republish: () => void runs.push('republish'),
        refresh: () => void runs.push('refresh'),
        sweep: () => void runs.push('sweep')
      }
    });
    const actor = createActor(logic, {
      clock,
      input: { republishMs: 300, refreshMs: 200, sweepMs: 100 }
    });
    actor.start();
    for (let i = 0; i < 6; i++) clock.increment(100);
    assert.deepEqual(
      [
        runs.filter((r) => r === 'sweep').length,
        runs.filter((r) => r === 'refresh').length,
        runs.filter((r) => r === 'republish').length
      ],
      [6, 3, 2]
    );
    actor.send({ type: 'dht.maintain' });
    assert.equal(runs.length, 14);
  });
});
