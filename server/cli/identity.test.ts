import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity, saveIdentity } from '../../actors/identity/identity.js';
import { MIN_LIMITS } from '../../actors/identity/keystore.js';
import { main } from './main.js';

function capture() {
  const lines = { out: [] as string[], err: [] as string[] };
  return {
    lines,
    io: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) }
  };
}

async function run(argv: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const { lines, io } = capture();
  try {
    const code = await main(argv, io);
    return { code, ...lines };
  } finally {
    process.env = saved;
  }
}

describe('bitdust identity', () => {
  it('shows, exports sealed, imports elsewhere and rotates contacts in a new revision', async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'bitdust-identity-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const a = join(home, 'a');
    const b = join(home, 'b');
    const original = createIdentity({ contacts: {}, services: ['network'], name: 'alice' }, 1_000);
    mkdirSync(a);
    await saveIdentity(a, original, 'correct horse', { limits: MIN_LIMITS });
    const env = { BITDUST_PASSPHRASE: 'correct horse' };

    const shown = await run(['identity', 'show', '--data-dir', a, '--json']);
    assert.equal(shown.code, 0);
    const view = JSON.parse(shown.out[0]!) as { id: string; revision: number; name: string };
    assert.equal(view.id, original.document.body.id);
    assert.equal(view.name, 'alice');

    const noPass = await run(['identity', 'export', '--data-dir', a]);
    assert.equal(noPass.code, 2, 'exports are always sealed');

    const file = join(home, 'alice.key');
    const exported = await run(['identity', 'export', '--data-dir', a, '--out', file], env);
    assert.equal(exported.code, 0, exported.err.join('\n'));
    const wrong = await run(['identity', 'import', file, '--data-dir', b], {
      BITDUST_PASSPHRASE: 'nope'
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err.join('\n'), /ERR_IDENTITY_PASSPHRASE/);
    const imported = await run(['identity', 'import', file, '--data-dir', b], env);
    assert.equal(imported.code, 0, imported.err.join('\n'));
    assert.equal(imported.out[0], `imported identity ${view.id}`);
    const again = await run(['identity', 'import', file, '--data-dir', b], env);
    assert.equal(again.code, 2, 'an existing identity is not replaced without --force');

    const rotated = await run(
      [
        'identity',
        'rotate',
        '--data-dir',
        b,
        '--contact',
        'tcp://127.0.0.1:7000',
        '--contact',
        'nats://127.0.0.1:4222'
      ],
      env
    );
    assert.equal(rotated.code, 0, rotated.err.join('\n'));
    const after = JSON.parse(
      (await run(['identity', 'show', '--data-dir', b, '--json'])).out[0]!
    ) as {
      id: string;
      revision: number;
      contacts: Record<string, string[]>;
    };
    assert.equal(after.id, view.id);
    assert.equal(after.revision, view.revision + 1);
    assert.deepEqual(after.contacts, {
      tcp: ['tcp://127.0.0.1:7000'],
      nats: ['nats://127.0.0.1:4222']
    });
    const bad = await run(['identity', 'rotate', '--data-dir', b, '--contact', 'http://x'], env);
    assert.equal(bad.code, 2);
  });

  it('says so when there is no identity', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bitdust-identity-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const shown = await run(['identity', 'show', '--data-dir', dir]);
    assert.equal(shown.code, 3);
    assert.match(shown.err[0]!, /no identity/);
  });
});
