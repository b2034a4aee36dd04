import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, createMachine, fromCallback, fromPromise, spawnChild, waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { serviceMachine, serviceStatus, serviceSystemId } from './machine.js';
import type { ServiceSnapshot } from './machine.js';

/** A controllable implementation: open can be made to fail, run can be made to crash. */
function fakeService() {
  const state = {
    openFailures: 0,
    opened: 0,
    closed: 0,
    crash: undefined as (() => void) | undefined
  };
  const logic = serviceMachine.provide({
    actors: {
      open: fromPromise(async () => {
        state.opened += 1;
        if (state.openFailures > 0) {
          state.openFailures -= 1;
          throw new Error('disk unavailable');
        }
      }),
      run: fromCallback(({ receive }) => {
        // The running part crashes when told to, the way a failing child would.
        receive((event) => {
          if (event.type === 'test.crash') throw new Error('lmdb env lost');
        });
      }),
      close: fromPromise(async () => {
        state.closed += 1;
      })
    }
  });
  return { state, logic };
}

const GRAPH = { store: [], identity: ['store'], network: ['identity', 'store'] } as Record<
  string,
  string[]
>;

function startNodeOf(services: Record<string, ReturnType<typeof fakeService>>, clock: TestClock) {
  const names = Object.keys(GRAPH);
  const dependents = (n: string) => names.filter((m) => GRAPH[m]!.includes(n));
  const parent = createMachine({
    entry: names.map((name) =>
      spawnChild(services[name]!.logic, {
        id: name,
        systemId: serviceSystemId(name),
        input: {
          name,
          dependsOn: GRAPH[name]!,
          dependents: dependents(name),
          initialBackoffMs: 1000
        }
      })
    )
  });
  const root = createActor(parent, { clock }).start();
  const get = (name: string) => root.system.get(serviceSystemId(name)) as AnyActorRef;
  const status = (name: string) => serviceStatus(get(name).getSnapshot() as ServiceSnapshot);
  return { root, get, status };
}

const isUp = (s: { value: unknown }) => s.value === 'up';

describe('service machine', () => {
  it('starts services in dependency order once their dependencies are up', async () => {
    const clock = new TestClock();
    const services = { store: fakeService(), identity: fakeService(), network: fakeService() };
    const node = startNodeOf(services, clock);
    await waitFor(node.get('network'), isUp);
    assert.deepEqual(node.status('store'), { status: 'up' });
    assert.deepEqual(node.status('identity'), { status: 'up' });
    assert.equal(services.network.state.opened, 1);
  });

  it('holds dependents down with the reason, then retries the failed service after backoff', async () => {
    const clock = new TestClock();
    const services = { store: fakeService(), identity: fakeService(), network: fakeService() };
    services.store.state.openFailures = 2;
    const node = startNodeOf(services, clock);
    await waitFor(node.get('store'), (s) => s.value === 'failed');
    assert.deepEqual(node.status('store'), {
      status: 'down',
      reason: 'start failed: disk unavailable'
    });
    const network = node.status('network');
    assert.equal(network.status, 'down');
    assert.match(network.reason!, /dependency identity is down: dependency store is down/);
    assert.equal(
      services.identity.state.opened,
      0,
      'a dependent never opens while its dependency is down'
    );

    clock.increment(1000); // first retry fails again
    await waitFor(node.get('store'), (s) => s.value === 'failed' && s.context.failures === 2);
    clock.increment(1999);
    assert.equal(services.store.state.opened, 2, 'the second backoff doubles to 2000 ms');
    clock.increment(1);
    await waitFor(node.get('network'), isUp);
    assert.equal(services.store.state.opened, 3);
  });

  it('takes dependents down when a dependency crashes, and brings them back after its retry', async () => {
    const clock = new TestClock();
    const services = { store: fakeService(), identity: fakeService(), network: fakeService() };
    const node = startNodeOf(services, clock);
    await waitFor(node.get('network'), isUp);
    const run = (node.get('store').getSnapshot() as ServiceSnapshot).children.run as AnyActorRef;
    run.send({ type: 'test.crash' });
    await waitFor(node.get('store'), (s) => s.value === 'failed');
    await waitFor(node.get('network'), (s) => s.value === 'waiting');
    assert.match(node.status('network').reason!, /store is down: failed: lmdb env lost/);
    assert.equal(services.network.state.closed, 1, 'the dependent released its resources');
    clock.increment(1000);
    await waitFor(node.get('network'), isUp);
    assert.equal(services.network.state.opened, 2);
  });

  it('stops on shutdown with an orderly exit', async () => {
    const clock = new TestClock();
    const services = { store: fakeService(), identity: fakeService(), network: fakeService() };
    const node = startNodeOf(services, clock);
    await waitFor(node.get('network'), isUp);
    const network = node.get('network');
    network.send({ type: 'service.shutdown' });
    const done = await waitFor(network, (s) => s.status === 'done');
    assert.deepEqual(done.output, { reason: 'shutdown' });
    assert.equal(services.network.state.closed, 1);
    assert.deepEqual(node.status('store'), { status: 'up' }, 'a dependency is untouched');
  });
});
