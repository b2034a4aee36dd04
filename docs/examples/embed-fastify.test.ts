import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../../actors/index.js';
import { buildService } from './embed-fastify.js';

it('embeds a node in a fastify service whose own actors run under our supervisor', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bitdust-embed-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = new TestClock();
  const service = await buildService({ dataDir, clock });
  for (let second = 0; second < 3; second++) clock.increment(1_000);
  const reply = await service.app.inject({ method: 'GET', url: '/status' });
  assert.equal(reply.statusCode, 200);
  const body = reply.json() as {
    node: { id: string; services: { name: string; status: string }[] };
    heartbeats: number;
  };
  assert.equal(body.node.id, service.node.id);
  assert.deepEqual(
    body.node.services.map((s) => [s.name, s.status]),
    [
      ['store', 'up'],
      ['identity', 'up']
    ]
  );
  assert.equal(body.heartbeats, 3);
  await service.close();
  assert.equal(
    service.node.root.getSnapshot().status,
    'done',
    'closing the service stops the node'
  );
});
