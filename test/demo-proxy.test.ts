/**
 * The `proxy` demo's script, run against a minimal host (it only needs a data dir and somewhere to
 * attach nodes): the narration must show the circuit, the failover and the talk going on after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyActorRef } from 'xstate';
import { proxyDemo } from '../server/cli/demo-proxy.js';
import type { Host } from '../server/cli/host.js';

test(
  'demo proxy: a circuit, a router stopped, a failover, the talk goes on',
  { timeout: 60_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bitdust-demo-proxy-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const attached: string[] = [];
    const host = {
      node: { config: { dataDir: dir } },
      attach: (id: string, root: AnyActorRef) => void (root && attached.push(id))
    } as unknown as Host;
    const lines: string[] = [];
    await proxyDemo.run(host, (l) => lines.push(l), 0);
    const said = lines.join('\n');
    assert.match(said, /reachability: relayed — no inbound TCP; relayed via 1 router/);
    assert.match(
      said,
      /the peer got "hello through the circuit" from proxy:tcp:\/\/127\.0\.0\.[23]:/
    );
    assert.match(said, /4\. failed over in \d+ ms: now proxy:tcp:\/\/127\.0\.0\.[23]:/);
    assert.match(said, /"ERR_PROXY_CIRCUIT_(LOST|DESTROYED)":1/);
    assert.match(said, /the peer got "hello again, through the other router"/);
    assert.equal(attached.length, 4);
  }
);
