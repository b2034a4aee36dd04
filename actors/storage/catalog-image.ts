/**
 * The catalog as one byte string, and that string sealed with the owner's data key, so that the
 * catalog can be backed up to the suppliers like any file and a fresh node holding only the key
 * restores everything from it.
 *
 * Image: msgpack `{ v: 2, entries: [[key, value], …] }` of every committed entry (staged blocks of
 * unfinished backups are local state and are left out); `v` is the catalog's shard format
 * (catalog.ts CATALOG_FORMAT), so an image of another format is refused. Sealed: a block-crypto block with backup id
 * `catalog` and block index = the image's sequence number, so an old image cannot be replayed as a
 * newer one.
 */
import { packPlain, unpackPlain } from '../wire/index.js';
import { openBlock, sealBlock } from './block-crypto.js';
import { CATALOG_FORMAT, type Catalog } from './catalog.js';
import { StorageError } from './errors.js';
import type { KvOp } from '../store/index.js';

/** Backup id under which sealed catalog images travel. */
export const CATALOG_BACKUP_ID = 'catalog';
const IMAGE_VERSION = CATALOG_FORMAT;

interface Image {
  v: number;
  entries: Array<[string, unknown]>;
}

/** The committed catalog as one msgpack image. */
export async function exportImage(catalog: Catalog): Promise<Uint8Array> {
  const rows = await catalog.db.range();
  const entries = rows
    .filter((r) => !r.key.startsWith('stage/'))
    .map((r): [string, unknown] => [r.key, r.value]);
  return packPlain({ v: IMAGE_VERSION, entries } satisfies Image);
}

/** Replaces the catalog's whole content with `image`, atomically and durably. */
export async function importImage(catalog: Catalog, image: Uint8Array): Promise<number> {
  let parsed: Image;
  try {
    parsed = unpackPlain(image) as Image;
  } catch (cause) {
    throw new StorageError('ERR_STORAGE_FORMAT', 'catalog image does not decode', { cause });
  }
  if (parsed?.v !== IMAGE_VERSION || !Array.isArray(parsed.entries)) {
    throw new StorageError('ERR_STORAGE_FORMAT', 'not a catalog image of a known version');
  }
  const ops: KvOp[] = (await catalog.db.range()).map((r) => ({ type: 'remove', key: r.key }));
  for (const entry of parsed.entries) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw new StorageError('ERR_STORAGE_FORMAT', 'catalog image entry is not [key, value]');
    }
    ops.push({ type: 'put', key: entry[0], value: entry[1] });
  }
  ops.push({ type: 'put', key: 'meta/format', value: CATALOG_FORMAT });
  await catalog.db.batch(ops, { durable: true });
  return parsed.entries.length;
}

/** Largest image opened (msgpack of the whole catalog, after decompression). */
const MAX_IMAGE_BYTES = 1024 * 1024 * 1024;

/** Seals an image with the data key as sequence number `seq` (compressed: msgpack is redundant). */
export function sealImage(dataKey: Uint8Array, image: Uint8Array, seq: number): Uint8Array {
  return sealBlock(dataKey, { backupId: CATALOG_BACKUP_ID, blockIndex: seq }, image, 'auto');
}

/** Opens a sealed image of sequence number `seq`; ERR_STORAGE_TAMPERED if it is not exactly that. */
export function openImage(dataKey: Uint8Array, sealed: Uint8Array, seq: number): Uint8Array {
  return openBlock(
    dataKey,
    { backupId: CATALOG_BACKUP_ID, blockIndex: seq },
    sealed,
    MAX_IMAGE_BYTES
  );
}
