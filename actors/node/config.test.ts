import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('node configuration', () => {
  it('layers defaults < file < env < options', (t) => {
    const dir = tempDir(t);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ port: 9000, devnet: 3, name: 'file' })
    );
    const config = loadConfig({
      options: { dataDir: dir, name: 'flag', seed: undefined },
      env: { BITDUST_DEVNET: '5' }
    });
    assert.equal(config.port, 9000);
    assert.equal(config.devnet, 5);
    assert.equal(config.name, 'flag');
    assert.equal(config.dataDir, dir);
    assert.equal(config.logLevel, 'info');
  });

  it('takes the compression of backups from the file, the environment or a flag', (t) => {
    const dir = tempDir(t);
    assert.equal(loadConfig({ options: { dataDir: dir }, env: {} }).compression, 'auto');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ compression: 'off' }));
    assert.equal(loadConfig({ options: { dataDir: dir }, env: {} }).compression, 'off');
    const env = { BITDUST_COMPRESSION: 'auto' };
    assert.equal(loadConfig({ options: { dataDir: dir }, env }).compression, 'auto');
    const flag = { dataDir: dir, compression: 'off' };
    assert.equal(loadConfig({ options: flag, env }).compression, 'off');
    assert.throws(
      () => loadConfig({ options: { dataDir: dir, compression: 'zstd' }, env: {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues.length === 1 &&
        e.issues[0]!.key === 'compression' &&
        /one of auto, off/.test(e.issues[0]!.message)
    );
  });

  it('names every bad key once, with its source and what was expected', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ devnet: -1, colour: 'blue' }));
    const err = (() => {
      try {
        loadConfig({ options: { dataDir: dir }, env: { BITDUST_PORT: 'abc' } });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'ERR_CONFIG_INVALID');
    const byKey = Object.fromEntries(err.issues.map((i) => [i.key, i]));
    assert.deepEqual(Object.keys(byKey).sort(), ['colour', 'devnet', 'port']);
    assert.match(byKey.port!.message, /integer from 0 to 65535, got 'abc'/);
    assert.equal(byKey.port!.source, 'env BITDUST_PORT');
    assert.match(byKey.devnet!.message, /integer from 0 to 256, got -1/);
    assert.match(byKey.colour!.message, /unknown key/);
  });

  it('reports an unreadable or malformed config file as a config error', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ not json');
    assert.throws(
      () => loadConfig({ configFile: file, env: {} }),
      (e: unknown) => {
        return e instanceof ConfigError && e.issues[0]!.key === 'configFile';
      }
    );
    assert.throws(
      () => loadConfig({ configFile: join(dir, 'missing.json'), env: {} }),
      ConfigError
    );
  });
});
