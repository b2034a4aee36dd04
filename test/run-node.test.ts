import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runCli } from './support/cli-process.js';

interface Summary {
  id: string;
  url: string;
  inspector: string;
  devnet: string[];
}

/** The first message of /ws/inspect: the live tree of every node. */
function firstInspectMessage(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => reject(new Error('no inspection message in 10 s')), 10_000);
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(JSON.parse(data.toString()));
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(Object.assign(new Error('refused'), { statusCode: res.statusCode }));
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('bitdust node start, as a user runs it', () => {
  it('serves the API with its token, streams the live trees, stops on Ctrl-C, and restarts as the same node', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bitdust-run-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const args = ['node', 'start', '--data-dir', dataDir, '--port', '0', '--devnet', '2', '--json'];
    const first = runCli(args);
    t.after(() => first.child.kill('SIGKILL'));
    const summary = JSON.parse(await first.firstLine()) as Summary;
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    assert.ok(summary.inspector.endsWith(`?token=${token}`), 'the printed URL carries the token');
    assert.equal(summary.devnet.length, 2);

    const health = await fetch(`${summary.url}/api/health`, {
      headers: { authorization: `Bearer ${token}` }
    });
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${summary.url}/api/health`)).status, 401);
    const foreign = await fetch(`${summary.url}/api/health`, {
      headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example' }
    });
    assert.equal(foreign.status, 403);

    const wsUrl = `${summary.url.replace('http', 'ws')}/ws/inspect?token=${token}`;
    const snapshot = (await firstInspectMessage(wsUrl)) as {
      kind?: string;
      nodes?: { node: string; actors: { id: string }[] }[];
    }[];
    // Definitions come first, each once, then the snapshot that refers to them.
    const message = snapshot.find((m) => m.kind === 'snapshot');
    assert.ok(message, 'the first batch carries the snapshot');
    const nodes = new Map(message.nodes!.map((n) => [n.node, n.actors.map((a) => a.id)]));
    assert.deepEqual([...nodes.keys()].sort(), [summary.id, ...summary.devnet].sort());
    for (const actors of nodes.values()) {
      for (const id of ['node', 'service.store', 'service.identity', 'service.network', 'peers']) {
        assert.ok(actors.includes(id), `every node's tree has ${id}`);
      }
    }
    await assert.rejects(firstInspectMessage(`${summary.url.replace('http', 'ws')}/ws/inspect`), {
      statusCode: 401
    });

    first.child.kill('SIGINT');
    assert.equal(await first.exited(), 0);

    const second = runCli(args);
    t.after(() => second.child.kill('SIGKILL'));
    const again = JSON.parse(await second.firstLine()) as Summary;
    assert.equal(again.id, summary.id, 'a second start reuses the identity');
    assert.deepEqual(again.devnet, summary.devnet, 'and the devnet peers keep theirs');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited(), 0);
  });

  it('refuses invalid configuration with one message per key and exit code 2', async () => {
    const cli = runCli(['node', 'start', '--port', 'http', '--devnet=-3'], {
      BITDUST_LOG_LEVEL: 'loud'
    });
    assert.equal(await cli.exited(), 2);
    const lines = cli.output().trim().split('\n');
    assert.equal(lines[0], 'bitdust: invalid configuration:');
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(' ')[0]),
      ['logLevel', 'port', 'devnet']
    );
  });
});
