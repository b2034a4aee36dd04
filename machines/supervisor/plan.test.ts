/**
 * Properties of the pure restart decisions (plan.ts) over random supervisors: who is stopped, who
 * restarts, when the intensity escalates, and the backoff curve.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, planExit, shouldRestart } from './plan.js';
import type { ChildRecord, ExitReason, SupervisorContext } from './types.js';

const child = (i: number) =>
  fc
    .record({
      restart: fc.constantFrom('permanent' as const, 'transient' as const, 'temporary' as const),
      status: fc.constantFrom('running' as const, 'running' as const, 'stopped' as const)
    })
    .map(({ restart, status }): ChildRecord => ({
      id: `c${i}`,
      restart,
      shutdown: 5000,
      status,
      restarts: 0,
      recent: 0,
      due: null,
      lastExit: null
    }));

const scenario = fc
  .record({
    strategy: fc.constantFrom(
      'one_for_one' as const,
      'one_for_all' as const,
      'rest_for_one' as const
    ),
    n: fc.integer({ min: 1, max: 8 }),
    intensity: fc.integer({ min: 0, max: 4 }),
    used: fc.integer({ min: 0, max: 4 }),
    initialMs: fc.constantFrom(0, 10),
    kind: fc.constantFrom('normal' as const, 'shutdown' as const, 'abnormal' as const),
    pick: fc.nat()
  })
  .chain((s) =>
    fc.tuple(...Array.from({ length: s.n }, (_, i) => child(i))).map((children) => {
      const at = s.pick % children.length;
      children[at] = { ...children[at]!, status: 'running' };
      const ctx: SupervisorContext = {
        name: 'sup',
        strategy: s.strategy,
        intensity: s.intensity,
        periodMs: 1000,
        backoff: { initialMs: s.initialMs, maxMs: 40 },
        children,
        recentRestarts: Math.min(s.used, s.intensity),
        seq: 0,
        stopping: null,
        lastReport: null
      };
      const reason: ExitReason = { kind: s.kind };
      return { ctx, at, reason };
    })
  );

describe('supervisor plan properties', () => {
  it('stops only live siblings, in reverse order, within the strategy scope', () => {
    fc.assert(
      fc.property(scenario, ({ ctx, at, reason }) => {
        const offender = ctx.children[at]!;
        const plan = planExit(ctx, offender.id, reason);
        const index = (id: string) => ctx.children.findIndex((c) => c.id === id);
        const restarts = shouldRestart(offender.restart, reason);
        if (!restarts) {
          assert.deepEqual(plan.stop, []);
          assert.deepEqual(plan.startNow, []);
          assert.equal(plan.recentRestarts, ctx.recentRestarts);
          return;
        }
        if (plan.escalate) {
          assert.equal(ctx.recentRestarts + 1 > ctx.intensity, true);
          assert.deepEqual(plan.startNow, []);
          return;
        }
        assert.equal(plan.recentRestarts, ctx.recentRestarts + 1);
        assert.ok(!plan.stop.includes(offender.id));
        for (const id of plan.stop) assert.equal(ctx.children[index(id)]!.status, 'running');
        assert.deepEqual(
          plan.stop,
          [...plan.stop].sort((a, b) => index(b) - index(a))
        );
        if (ctx.strategy === 'one_for_one') assert.deepEqual(plan.stop, []);
        if (ctx.strategy === 'rest_for_one') {
          for (const id of plan.stop) assert.ok(index(id) > at);
        }
        const restarted = plan.forget?.ids ?? [];
        assert.ok(restarted.includes(offender.id));
        // A temporary sibling stopped with the offender is dropped, never restarted (OTP).
        for (const id of restarted) {
          assert.ok(id === offender.id || ctx.children[index(id)]!.restart !== 'temporary');
        }
        // Spec order is kept: the surviving records are a subsequence of the old ones.
        const ids = plan.children.map((c) => index(c.id));
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b)
        );
        if (ctx.backoff.initialMs === 0) assert.deepEqual(plan.startNow, restarted);
        else assert.equal(plan.restartDue?.delayMs, 10);
      })
    );
  });

  it('backoff doubles from initialMs and never exceeds maxMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 80 }),
        (initialMs, maxMs, n) => {
          const d = backoffDelay({ initialMs, maxMs }, n);
          assert.ok(d <= maxMs);
          assert.ok(d >= backoffDelay({ initialMs, maxMs }, n - 1));
          if (n === 1) assert.equal(d, Math.min(initialMs, maxMs));
        }
      )
    );
  });
});
