/**
 * "No error thrown in any actor ever kills the process": a machine action that throws, a promise
 * that rejects, a callback that throws at start or on receive, an invoked actor failing inside a
 * child, and the root itself failing. Each ends as a restart or in the root's error observer, and
 * no `uncaughtException` is ever raised (XState rethrows unhandled errors in a new macrotask, so
 * each test lets one macrotask pass before checking). node:test also fails the running test on an
 * uncaught exception, so the check holds twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromPromise, setup } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { startSupervisor } from '../../actors/supervisor/index.js';
import type { StartSupervisorOptions } from '../../actors/supervisor/index.js';
import { childrenOf, rejectingPromise, throwingCallback, tickerLogic } from './fixtures.js';
import { workerMachine } from './fixtures.js';

const uncaught: unknown[] = [];
const record = (err: unknown) => uncaught.push(err);
before(() => process.on('uncaughtException', record));
after(() => process.off('uncaughtException', record));

/** Let XState's deferred rethrow (a zero-delay timer) run, if there is one. Not a sleep. */
const nextMacrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Start a root supervisor whose failure resolves `failed`. */
function root(options: StartSupervisorOptions) {
  let fail!: (err: unknown) => void;
  const failed = new Promise<unknown>((resolve) => (fail = resolve));
  const sup = startSupervisor({ clock: new TestClock(), ...options, onError: (e) => fail(e) });
  return { sup, failed };
}

describe('no error kills the process', () => {
  it('a throwing machine action is a restart', async () => {
    const { sup } = root({ children: [{ id: 'w', logic: workerMachine }] });
    childrenOf(sup).w!.send({ type: 'test.crash' });
    assert.equal(sup.getSnapshot().context.children[0]?.lastExit?.message, 'worker crashed');
    assert.equal(childrenOf(sup).w?.getSnapshot().status, 'active');
    await nextMacrotask();
    assert.deepEqual(uncaught, []);
    sup.stop();
  });

  it('a rejecting promise restarts until the intensity escalates to the root observer', async () => {
    const { sup, failed } = root({
      intensity: 3,
      children: [{ id: 'p', logic: rejectingPromise }]
    });
    const err = (await failed) as { code?: string };
    assert.equal(err.code, 'ERR_SUPERVISOR_INTENSITY');
    assert.equal(sup.getSnapshot().context.children[0]?.restarts, 3);
    await nextMacrotask();
    assert.deepEqual(uncaught, []);
  });

  it('a callback throwing at start is recorded; temporary means no restart', async () => {
    const { sup } = root({
      children: [{ id: 'c', logic: throwingCallback, restart: 'temporary' }]
    });
    const report = sup.getSnapshot().context.lastReport;
    assert.equal(report?.offender?.id, 'c');
    assert.deepEqual(report?.reason, { kind: 'abnormal', message: 'callback threw at start' });
    assert.equal(sup.getSnapshot().context.children.length, 0);
    assert.equal(sup.getSnapshot().status, 'active');
    await nextMacrotask();
    assert.deepEqual(uncaught, []);
    sup.stop();
  });

  it('a permanent callback that always throws at start escalates instead of looping', async () => {
    const { sup, failed } = root({
      intensity: 2,
      children: [{ id: 'c', logic: throwingCallback }]
    });
    assert.match(String(await failed), /ERR_SUPERVISOR_INTENSITY/);
    assert.equal(sup.getSnapshot().status, 'error');
    await nextMacrotask();
    assert.deepEqual(uncaught, []);
  });

  it('a callback throwing on receive is a restart', async () => {
    const { sup } = root({ children: [{ id: 't', logic: tickerLogic }] });
    const first = childrenOf(sup).t!;
    first.send({ type: 'test.crash' });
    assert.notEqual(childrenOf(sup).t, first);
    assert.equal(sup.getSnapshot().context.children[0]?.lastExit?.kind, 'abnormal');
    await nextMacrotask();
    assert.deepEqual(uncaught, []);
    sup.stop();
  });

  it('an unhandled failure inside a child (its invoked promise) reaches the supervisor', async () => {
    const child = setup({
      actors: { job: fromPromise(() => Promise.reject(new Error('io'))) }
    }).createMachine({ invoke: { src: 'job' } });
    const { sup } = root({
      intensity: 1,
      children: [{ id: 'm', logic: child, restart: 'transient' }]
    });
    await nextMacrotask();
    const record0 = sup.getSnapshot().context.children[0];
    assert.equal(record0?.lastExit?.message, 'io');
    assert.ok((record0?.restarts ?? 0) >= 1);
    assert.deepEqual(uncaught, []);
    sup.stop();
  });

  it('the root failing goes to its error observer, not the process', async () => {
    const { sup, failed } = root({ intensity: 0, children: [{ id: 'w', logic: workerMachine }] });
    childrenOf(sup).w!.send({ type: 'test.crash' });
    assert.match(String(await failed), /ERR_SUPERVISOR_INTENSITY/);
    await nextMacrotask();
    assert.deepEqual(uncaught, []);
  });
});
