import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeCompliance, type StoreHarness } from './compliance.js';
import { openLmdbStore } from './lmdb.js';

const dirs = new Map<StoreHarness, string>();

storeCompliance('lmdb', {
  async setup() {
    const path = await mkdtemp(join(tmpdir(), 'bitdust-lmdb-'));
    const harness: StoreHarness = {
      store: openLmdbStore({ path }),
      async reopen() {
        await harness.store.close();
        return openLmdbStore({ path });
      }
    };
    dirs.set(harness, path);
    return harness;
  },
  async teardown(harness) {
    await harness.store.close();
    await rm(dirs.get(harness) as string, { recursive: true, force: true });
    dirs.delete(harness);
  }
});

describe('lmdb store: crash', () => {
  const temp: string[] = [];
  after(() => Promise.all(temp.map((d) => rm(d, { recursive: true, force: true }))));

  it('keeps every acknowledged write after SIGKILL mid-stream', async () => {
    const path = await mkdtemp(join(tmpdir(), 'bitdust-lmdb-crash-'));
    temp.push(path);
    const script = fileURLToPath(new URL('./lmdb-crash-writer.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    const acked: string[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal))
    );
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() as string;
        acked.push(...lines);
        // Kill while writes are still in flight (the writer never stops on its own).
        if (acked.length >= 200) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    assert.equal(await exited, 'SIGKILL');

    const store = openLmdbStore({ path });
    try {
      const shards = store.sub('shards');
      const values = await shards.getMany<{ key: string; payload: Uint8Array }>(acked);
      const missing = acked.filter((_k, i) => values[i]?.key !== acked[i]);
      assert.deepEqual(missing, [], 'acknowledged writes lost');
      assert.equal(values[0]?.payload.byteLength, 4096);
      const batched = acked.filter((k) => Number(k.slice(1)) % 2 === 0);
      const index = await store.getMany(batched);
      assert.ok(
        index.every((v) => v === 'index'),
        'batched index entries lost'
      );
      const blobs = store.sub('blobs');
      for (const k of batched) {
        const blob = await blobs.readBytes(
          k,
          (b) => b.length === 4096 && b.every((x) => x === 0xab)
        );
        assert.equal(blob, true, `batched bytes of ${k} lost`);
      }
    } finally {
      await store.close();
    }
  });
});
