import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { updateIdentityDocument } from './document.js';
import {
  createIdentity,
  exportIdentity,
  hasIdentity,
  importIdentity,
  loadIdentity,
  saveIdentity
} from './identity.js';
import { withNewNoiseKey } from './keys.js';
import { isPlaintextKeystore, MIN_LIMITS, openKeys, sealKeys } from './keystore.js';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'bitdust-identity-'));
  dirs.push(d);
  return d;
}

const fields = { contacts: { tcp: ['tcp://127.0.0.1:7000'] }, services: ['supplier'] };
const opts = { limits: MIN_LIMITS };

test('save then load returns the same identity; files are 0600; wrong passphrase refused', async () => {
  const dir = await tmp();
  const me = createIdentity(fields, 1000);
  assert.equal(await hasIdentity(dir), false);
  await saveIdentity(dir, me, 'correct horse', opts);
  assert.equal(await hasIdentity(dir), true);
  for (const f of ['identity.key', 'identity.doc']) {
    assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
  }
  const back = await loadIdentity(dir, 'correct horse');
  assert.ok(Buffer.from(back.keys.identitySecret).equals(me.keys.identitySecret));
  assert.ok(Buffer.from(back.keys.noise.secretKey).equals(me.keys.noise.secretKey));
  assert.equal(back.document.body.id, me.document.body.id);
  await assert.rejects(loadIdentity(dir, 'wrong horse'), { code: 'ERR_IDENTITY_PASSPHRASE' });
  await assert.rejects(loadIdentity(dir, ''), { code: 'ERR_IDENTITY_PASSPHRASE' });
  await assert.rejects(loadIdentity(join(dir, 'nope'), 'x'), { code: 'ERR_IDENTITY_MISSING' });
});

test('tampering with the stored KDF parameters breaks the seal', async () => {
  const me = createIdentity(fields, 1000);
  const sealed = Buffer.from(await sealKeys(me.keys, 'pw', opts));
  // The memlimit is authenticated: shrinking it to weaken the KDF must not decrypt.
  const { Packr } = await import('msgpackr');
  const p = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
  const file = p.unpack(sealed) as Record<string, unknown>;
  await assert.rejects(openKeys(p.pack({ ...file, memlimit: 16384 }), 'pw'), {
    code: 'ERR_IDENTITY_PASSPHRASE'
  });
  await assert.rejects(openKeys(p.pack({ ...file, memlimit: 2 ** 40 }), 'pw'), {
    code: 'ERR_IDENTITY_KEYSTORE'
  });
  await assert.rejects(openKeys(Buffer.from('garbage'), 'pw'), { code: 'ERR_IDENTITY_KEYSTORE' });
});

test('plaintext at rest only when asked for, with an empty passphrase', async () => {
  const me = createIdentity(fields, 1000);
  await assert.rejects(sealKeys(me.keys, ''), { code: 'ERR_IDENTITY_PASSPHRASE' });
  const dir = await tmp();
  await saveIdentity(dir, me, '', { allowPlaintext: true });
  assert.ok(isPlaintextKeystore(await readFile(join(dir, 'identity.key'))));
  const back = await loadIdentity(dir, '');
  assert.equal(back.document.body.id, me.document.body.id);
});

test('export and import recover the identity; the armor is checked', async () => {
  const me = createIdentity(fields, 1000);
  const armored = await exportIdentity(me, 'backup pw', opts);
  assert.match(
    armored,
    /^-----BEGIN BITDUST IDENTITY-----\n[A-Za-z0-9+/=\n]+-----END BITDUST IDENTITY-----\n$/
  );
  const back = await importIdentity(`some mail text\n${armored}\nbye`, 'backup pw');
  assert.ok(Buffer.from(back.keys.identitySecret).equals(me.keys.identitySecret));
  await assert.rejects(importIdentity(armored, 'nope'), { code: 'ERR_IDENTITY_PASSPHRASE' });
  await assert.rejects(importIdentity('hello', 'x'), { code: 'ERR_IDENTITY_ARMOR' });
  await assert.rejects(exportIdentity(me, ''), { code: 'ERR_IDENTITY_PASSPHRASE' });
  const broken = armored.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!$1');
  await assert.rejects(importIdentity(broken, 'backup pw'), { code: 'ERR_IDENTITY_ARMOR' });
});

test('a saved rotation loads; a document that does not match the keys is refused', async () => {
  const dir = await tmp();
  const me = createIdentity(fields, 1000);
  const rotatedKeys = withNewNoiseKey(me.keys);
  const next = {
    keys: rotatedKeys,
    document: updateIdentityDocument(rotatedKeys, me.document, {}, 2000)
  };
  await saveIdentity(dir, next, 'pw', opts);
  assert.equal((await loadIdentity(dir, 'pw')).document.body.revision, 2);
  await writeFile(join(dir, 'identity.doc'), me.document.bytes);
  await assert.rejects(loadIdentity(dir, 'pw'), { code: 'ERR_IDENTITY_KEY_CHANGED' });
});
