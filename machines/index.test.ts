import { it } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine } from 'xstate';
import * as machines from './index.js';

it('exports each protocol machine for embedders, under its own id', () => {
  const ids = Object.fromEntries(
    Object.entries(machines)
      .filter(([, value]) => value instanceof StateMachine)
      .map(([name, machine]) => [
        name,
        (
          machine as StateMachine<
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any,
            any
          >
        ).id
      ])
  );
  assert.deepEqual(ids, {
    supervisorMachine: 'supervisor',
    serviceMachine: 'service',
    peerMachine: 'peer',
    handshakeMachine: 'handshake',
    requestMachine: 'request',
    lookupMachine: 'dht-lookup',
    queryMachine: 'dht-query',
    dhtStoreMachine: 'dht-store',
    dhtMaintenanceMachine: 'dht-maintenance'
  });
  assert.ok(machines.peerMessages['peer.ping'], 'wire schemas travel with their machines');
  assert.ok(machines.routerMessages['cmd.data']);
});
