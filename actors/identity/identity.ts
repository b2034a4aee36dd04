/**
 * A node's own identity on disk and in recovery form. `dir/identity.key` holds the sealed secrets
 * (see keystore.ts) and `dir/identity.doc` the signed public document; both are written atomically
 * (temp file, fsync, rename, fsync of the directory) with mode 0600, so a crash leaves either the
 * old or the new file, never half of one. Export is one armored text block holding both.
 */
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { BitDustError } from '../errors.js';
import {
  createIdentityDocument,
  decodeIdentityDocument,
  type DocumentFields,
  type SignedIdentityDocument
} from './document.js';
import { generateIdentityKeys, type IdentityKeys } from './keys.js';
import { openKeys, sealKeys, type SealOptions } from './keystore.js';

/** A node's keys together with its current signed document. */
export interface LocalIdentity {
  readonly keys: IdentityKeys;
  readonly document: SignedIdentityDocument;
}

const KEY_FILE = 'identity.key';
const DOC_FILE = 'identity.doc';
const ARMOR_BEGIN = '-----BEGIN BITDUST IDENTITY-----';
const ARMOR_END = '-----END BITDUST IDENTITY-----';
/** Cap on an armored export, checked before any decoding. */
export const MAX_EXPORT_CHARS = 16384;
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const Bundle = Type.Object(
  {
    v: Type.Literal(1),
    keys: Type.Uint8Array({ maxByteLength: 1024 }),
    doc: Type.Uint8Array({ maxByteLength: 4096 })
  },
  { additionalProperties: false }
);

/** Fresh keys and a first document; `now` comes from the caller's Clock. */
export function createIdentity(fields: DocumentFields, now: number): LocalIdentity {
  const keys = generateIdentityKeys();
  return { keys, document: createIdentityDocument(keys, fields, now) };
}

/** Check that a document belongs to these keys (identity key and current Noise key). */
function bind(keys: IdentityKeys, document: SignedIdentityDocument): LocalIdentity {
  const b = document.body;
  if (
    !Buffer.from(b.identityKey).equals(keys.identityPublic) ||
    !Buffer.from(b.noiseKey).equals(keys.noise.publicKey)
  ) {
    throw new BitDustError('ERR_IDENTITY_KEY_CHANGED', 'document does not match the stored keys');
  }
  return { keys, document };
}

let tmpCounter = 0;

async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${(tmpCounter += 1)}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw cause;
  }
  // fsync the directory so the rename itself survives a power cut.
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Seal the keys under `passphrase` and write both files into `dir` (which must exist). */
export async function saveIdentity(
  dir: string,
  identity: LocalIdentity,
  passphrase: string,
  opts?: SealOptions
): Promise<void> {
  const sealed = await sealKeys(identity.keys, passphrase, opts);
  // A crash between the two writes can pair new keys with the old document (or the reverse);
  // loadIdentity() checks the pair and refuses a mismatch loudly instead of running with it.
  await writeAtomic(join(dir, KEY_FILE), sealed);
  await writeAtomic(join(dir, DOC_FILE), identity.document.bytes);
}

/** Read and decrypt the identity in `dir`. Wrong passphrase: ERR_IDENTITY_PASSPHRASE. */
export async function loadIdentity(dir: string, passphrase: string): Promise<LocalIdentity> {
  const keyPath = join(dir, KEY_FILE);
  const info = await stat(keyPath).catch((cause: unknown) => {
    throw new BitDustError('ERR_IDENTITY_MISSING', `no identity in ${dir}`, { cause });
  });
  if (info.size > 1024) throw new BitDustError('ERR_IDENTITY_KEYSTORE', 'key file too large');
  const keys = await openKeys(await readFile(keyPath), passphrase);
  return bind(keys, decodeIdentityDocument(await readFile(join(dir, DOC_FILE))));
}

/** True when `dir` already holds an identity. */
export async function hasIdentity(dir: string): Promise<boolean> {
  return stat(join(dir, KEY_FILE)).then(
    () => true,
    () => false
  );
}

/** The identity as one armored, passphrase-sealed text block for backup and recovery. */
export async function exportIdentity(
  identity: LocalIdentity,
  passphrase: string,
  opts?: Omit<SealOptions, 'allowPlaintext'>
): Promise<string> {
  if (passphrase === '')
    throw new BitDustError('ERR_IDENTITY_PASSPHRASE', 'exports are always sealed');
  const keys = await sealKeys(identity.keys, passphrase, opts);
  const b64 = Buffer.from(packr.pack({ v: 1, keys, doc: identity.document.bytes })).toString(
    'base64'
  );
  return `${ARMOR_BEGIN}\n${b64.replace(/(.{64})/g, '$1\n').trimEnd()}\n${ARMOR_END}\n`;
}

/** Recover an identity from {@link exportIdentity}'s output. */
export async function importIdentity(blob: string, passphrase: string): Promise<LocalIdentity> {
  if (blob.length > MAX_EXPORT_CHARS)
    throw new BitDustError('ERR_IDENTITY_ARMOR', 'export too large');
  const start = blob.indexOf(ARMOR_BEGIN);
  const end = blob.indexOf(ARMOR_END);
  if (start < 0 || end < start)
    throw new BitDustError('ERR_IDENTITY_ARMOR', 'no BITDUST IDENTITY block');
  const b64 = blob.slice(start + ARMOR_BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64))
    throw new BitDustError('ERR_IDENTITY_ARMOR', 'bad base64');
  let bundle: unknown;
  try {
    bundle = packr.unpack(Buffer.from(b64, 'base64'));
  } catch (cause) {
    throw new BitDustError('ERR_IDENTITY_ARMOR', 'export is not msgpack', { cause });
  }
  if (!Value.Check(Bundle, bundle))
    throw new BitDustError('ERR_IDENTITY_ARMOR', 'malformed export');
  const keys = await openKeys(bundle.keys, passphrase);
  return bind(keys, decodeIdentityDocument(bundle.doc));
}
