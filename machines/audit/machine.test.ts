// audit: rounds on a TestClock, verdicts scored per position, failures in a row reported.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { auditMachine, scoreOf, type AuditInput, type AuditVerdict } from './machine.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

type Round = readonly AuditVerdict[] | Error;
type Report = { position: number; supplierId: string; reason: string };

function start(rounds: Round[], over: Partial<AuditInput> = {}) {
  const clock = new TestClock();
  const reports: Report[] = [];
  let announced = 0;
  let challenges = 0;
  const actor = createActor(
    auditMachine.provide({
      actors: {
        challenge: fromPromise<readonly AuditVerdict[]>(async () => {
          challenges++;
          const r = rounds.shift();
          if (r === undefined) throw new Error('no round scripted');
          if (r instanceof Error) throw r;
          return r;
        })
      },
      actions: {
        announce: () => void announced++,
        reportFailed: (_, params) => void reports.push(params)
      }
    }),
    { clock, input: { positions: 3, intervalMs: 1000, failLimit: 2, ...over } }
  );
  actor.start();
  return {
    actor,
    clock,
    reports,
    announced: () => announced,
    challenges: () => challenges,
    round: async () => {
      actor.send({ type: 'audit.now' });
      await settle();
    }
  };
}

const v = (
  position: number,
  supplierId: string,
  result: AuditVerdict['result'],
  detail?: string
): AuditVerdict => ({ position, supplierId, result, ...(detail ? { detail } : {}) });

describe('audit machine', () => {
  it('announces itself, waits intervalMs, then runs a round and waits again', async () => {
    const t = start([[v(0, 's0', 'pass')], [v(0, 's0', 'pass')]]);
    assert.equal(t.announced(), 1);
    assert.equal(t.actor.getSnapshot().value, 'waiting');
    assert.equal(t.actor.getSnapshot().context.scores.length, 3);
    t.clock.increment(999);
    await settle();
    assert.equal(t.challenges(), 0);
    t.clock.increment(1);
    await settle();
    assert.equal(t.challenges(), 1);
    assert.equal(t.actor.getSnapshot().value, 'waiting');
    assert.equal(t.actor.getSnapshot().context.rounds, 1);
    t.clock.increment(1000);
    await settle();
    assert.equal(t.challenges(), 2);
    assert.equal(t.actor.getSnapshot().context.scores[0]!.passes, 2);
    assert.equal(t.announced(), 1);
    t.actor.stop();
  });

  it('audit.now starts a round at once', async () => {
    const t = start([[v(1, 's1', 'pass')]]);
    await t.round();
    assert.equal(t.challenges(), 1);
    const s = t.actor.getSnapshot().context.scores[1]!;
    assert.deepEqual(s, {
      supplierId: 's1',
      passes: 1,
      fails: 0,
      inARow: 0,
      lastDetail: undefined
    });
    t.actor.stop();
  });

  it('counts failures and reports failLimit in a row, then resets the run', async () => {
    const t = start([
      [v(0, 's0', 'fail', 'bad proof at 3'), v(1, 's1', 'pass')],
      [v(0, 's0', 'fail', 'missing'), v(1, 's1', 'pass')],
      [v(0, 's0', 'fail', 'missing')]
    ]);
    await t.round();
    assert.equal(t.reports.length, 0);
    await t.round();
    assert.deepEqual(t.reports, [
      { position: 0, supplierId: 's0', reason: 'failed 2 audits in a row: missing' }
    ]);
    const s0 = t.actor.getSnapshot().context.scores[0]!;
    assert.deepEqual(s0, {
      supplierId: 's0',
      passes: 0,
      fails: 2,
      inARow: 0,
      lastDetail: 'missing'
    });
    assert.equal(scoreOf(s0), 0);
    assert.equal(scoreOf(t.actor.getSnapshot().context.scores[1]!), 1);
    // The run restarted: one more failure is not yet another report.
    await t.round();
    assert.equal(t.reports.length, 1);
    assert.equal(t.actor.getSnapshot().context.scores[0]!.inARow, 1);
    assert.equal(t.actor.getSnapshot().context.rounds, 3);
    t.actor.stop();
  });

  it('a reason without detail says bad proof', async () => {
    const t = start([[v(2, 's2', 'fail')]], { failLimit: 1 });
    await t.round();
    assert.deepEqual(t.reports, [
      { position: 2, supplierId: 's2', reason: 'failed 1 audits in a row: bad proof' }
    ]);
    t.actor.stop();
  });

  it('a pass breaks the run; a skip neither counts nor breaks it', async () => {
    const t = start([
      [v(0, 's0', 'fail')],
      [v(0, 's0', 'pass')],
      [v(0, 's0', 'fail')],
      [v(0, 's0', 'skip', 'offline')],
      [v(0, 's0', 'fail', 'corrupt')]
    ]);
    for (let i = 0; i < 4; i++) await t.round();
    assert.equal(t.reports.length, 0);
    assert.deepEqual(t.actor.getSnapshot().context.scores[0], {
      supplierId: 's0',
      passes: 1,
      fails: 2,
      inARow: 1,
      lastDetail: undefined
    });
    await t.round();
    assert.equal(t.reports.length, 1);
    assert.equal(t.reports[0]!.reason, 'failed 2 audits in a row: corrupt');
    assert.equal(scoreOf(t.actor.getSnapshot().context.scores[0]!), 1 / 4);
    t.actor.stop();
  });

  it('a new supplier at a position starts from a blank score', async () => {
    const t = start([[v(0, 'old', 'fail'), v(1, 's1', 'pass')], [v(0, 'new', 'fail')]]);
    await t.round();
    await t.round();
    assert.equal(t.reports.length, 0, 'the old failure must not count against the new supplier');
    assert.deepEqual(t.actor.getSnapshot().context.scores[0], {
      supplierId: 'new',
      passes: 0,
      fails: 1,
      inARow: 1,
      lastDetail: undefined
    });
    t.actor.stop();
  });

  it('audit.reset clears one position only', async () => {
    const t = start([
      [v(0, 's0', 'fail'), v(1, 's1', 'fail')],
      [v(0, 's0', 'fail'), v(1, 's1', 'fail')]
    ]);
    await t.round();
    t.actor.send({ type: 'audit.reset', position: 0 });
    const c = t.actor.getSnapshot().context;
    assert.deepEqual(c.scores[0], {
      supplierId: undefined,
      passes: 0,
      fails: 0,
      inARow: 0,
      lastDetail: undefined
    });
    assert.equal(c.scores[1]!.inARow, 1);
    await t.round();
    assert.deepEqual(
      t.reports.map((r) => r.position),
      [1]
    );
    t.actor.stop();
  });

  it('a round that throws is a skipped round: counted, scores untouched, next round on time', async () => {
    const t = start([[v(0, 's0', 'fail')], new Error('net down'), [v(0, 's0', 'fail')]]);
    await t.round();
    const before = t.actor.getSnapshot().context.scores;
    await t.round();
    const snap = t.actor.getSnapshot();
    assert.equal(snap.value, 'waiting');
    assert.equal(snap.context.rounds, 2);
    assert.deepEqual(snap.context.scores, before);
    t.clock.increment(1000);
    await settle();
    assert.equal(t.challenges(), 3);
    assert.equal(t.reports.length, 1);
    t.actor.stop();
  });

  it('ignores verdicts for positions it does not have', async () => {
    const t = start([[v(7, 'x', 'fail'), v(-1, 'y', 'fail')]], { failLimit: 1 });
    await t.round();
    assert.equal(t.reports.length, 0);
    assert.equal(t.actor.getSnapshot().context.scores.length, 3);
    assert.ok(t.actor.getSnapshot().context.scores.every((s) => s.supplierId === undefined));
    t.actor.stop();
  });

  it('scoreOf is 1 for a never audited supplier and passes / total otherwise', () => {
    const base = { supplierId: 'a', inARow: 0, lastDetail: undefined };
    assert.equal(scoreOf({ ...base, passes: 0, fails: 0 }), 1);
    assert.equal(scoreOf({ ...base, passes: 3, fails: 1 }), 0.75);
    assert.equal(scoreOf({ ...base, passes: 0, fails: 5 }), 0);
  });
});
