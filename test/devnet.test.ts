import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../actors/clock.js';
import { startDevnet } from '../actors/node/devnet.js';
import type { Devnet } from '../actors/node/devnet.js';
import type { BitDustNode } from '../actors/node/create-node.js';
import { advanceUntil, peerState } from './support/sim.js';

const allConnected =
  (devnet: Devnet, nodes = devnet.nodes) =>
  () =>
    nodes.every((n) => nodes.every((m) => m === n || peerState(n, m.id) === 'connected'));

describe('devnet', () => {
  it('runs N nodes whose peers find each other, survive a crash, and keep their identity', async (t) => {
    const baseDir = mkdtempSync(join(tmpdir(), 'bitdust-devnet-'));
    t.after(() => rmSync(baseDir, { recursive: true, force: true }));
    const clock = new TestClock();
    const options = {
      nodes: 4,
      baseDir,
      clock,
      seed: 7,
      faults: { delay: { minMs: 1, maxMs: 20 } },
      peerTiming: { pingIntervalMs: 1_000, timeoutMs: 300, maxMissed: 2 }
    };
    const devnet = await startDevnet(options);
    const ids = devnet.nodes.map((n) => n.id);
    assert.equal(new Set(ids).size, 4, 'every peer has its own identity');
    for (const node of devnet.nodes) {
      assert.deepEqual(
        node.services().map((s) => [s.name, s.status]),
        [
          ['store', 'up'],
          ['identity', 'up'],
          ['network', 'up']
        ]
      );
    }
    await advanceUntil(clock, allConnected(devnet));

    const [a, b] = devnet.nodes as [BitDustNode, BitDustNode];
    devnet.network.crash(b.id);
    await advanceUntil(clock, () => peerState(a, b.id) === 'offline');
    devnet.network.restart(b.id);
    await advanceUntil(clock, allConnected(devnet));

    await devnet.stop();
    const again = await startDevnet(options);
    assert.deepEqual(
      again.nodes.map((n) => n.id),
      ids,
      'a second start reuses each data dir'
    );
    await again.stop();
  });
});
