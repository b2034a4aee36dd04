/**
 * The catalog itself on the suppliers, so that a fresh node holding only the identity export (and
 * its passphrase) gets everything back (`--from-key`). The sealed image (catalog-image.ts) is cut
 * into parts that fit a stripe, each part Reed-Solomon coded like a block and spread over the
 * positions under backup id `catalog-<seq:10>-k<k>m<m>` (the fresh node knows neither the profile
 * nor the seq: both are read back from the keys). A part's stripe is
 * `u32 partCount ‖ u32 partBytes ‖ part`, zero-padded.
 *
 * Pulling lists `catalog-` on every candidate supplier, tries the newest seq first, rebuilds each
 * part from any k shards (each shard checked against its own announced hash), and accepts the image
 * only if it opens with the data key as exactly that seq (AEAD): a supplier cannot forge or replay
 * one. Older seqs are tried if the newest cannot be put together.
 */
import { encode as rsEncode, reconstruct } from '../../wasm/pkg/index.js';
import { STORAGE_LIMITS, parseShardKey, shardKey } from '../../machines/storage/keys.js';
import { exportImage, importImage, openImage, sealImage } from './catalog-image.js';
import type { Catalog } from './catalog.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';

const HEADER = 8;
const ID = /^catalog-(\d{10})-k(\d{1,3})m(\d{1,3})$/;

/** The backup id of image `seq` coded k + m. */
export const imageBackupId = (seq: number, k: number, m: number): string =>
  `catalog-${String(seq).padStart(10, '0')}-k${k}m${m}`;

/** Options of {@link pushCatalog}. */
export interface PushCatalog {
  readonly client: StorageClient;
  readonly catalog: Catalog;
  readonly dataKey: Uint8Array;
  readonly suppliers: readonly (string | undefined)[];
  readonly k: number;
  readonly m: number;
  readonly seq: number;
  readonly maxShardBytes?: number;
}

/** Seals and stores the catalog as image `seq`; resolves with its part count. */
export async function pushCatalog(o: PushCatalog): Promise<{ parts: number; acks: number }> {
  const sealed = sealImage(o.dataKey, await exportImage(o.catalog), o.seq);
  const room = o.k * Math.min(o.maxShardBytes ?? Infinity, STORAGE_LIMITS.maxShardBytes) - HEADER;
  const parts = Math.max(1, Math.ceil(sealed.length / room));
  const id = imageBackupId(o.seq, o.k, o.m);
  let fewest = o.k + o.m;
  for (let part = 0; part < parts; part++) {
    const bytes = sealed.subarray(part * room, (part + 1) * room);
    const shardSize = Math.ceil((HEADER + bytes.length) / o.k);
    const stripe = new Uint8Array(shardSize * o.k);
    new DataView(stripe.buffer).setUint32(0, parts);
    new DataView(stripe.buffer).setUint32(4, bytes.length);
    stripe.set(bytes, HEADER);
    const data = Array.from({ length: o.k }, (_, i) =>
      stripe.subarray(i * shardSize, (i + 1) * shardSize)
    );
    const shards = [...data, ...rsEncode(data, o.m)];
    const sent = await Promise.allSettled(
      shards.map((s, pos) => {
        const supplier = o.suppliers[pos];
        return supplier
          ? o.client.putShard(supplier, shardKey(id, part, pos), s)
          : Promise.reject(new Error('vacant'));
      })
    );
    fewest = Math.min(fewest, sent.filter((r) => r.status === 'fulfilled').length);
  }
  if (fewest < o.k + 1) {
    throw new StorageError(
      'ERR_STORAGE_UNDER_REPLICATED',
      `catalog image ${o.seq}: only ${fewest} positions stored a part`
    );
  }
  return { parts, acks: fewest };
}

/** Deletes images older than `keepFrom` at every supplier (best effort). */
export async function pruneImages(
  client: StorageClient,
  suppliers: readonly (string | undefined)[],
  keepFrom: number
): Promise<void> {
  await Promise.allSettled(
    suppliers.map(async (s) => {
      if (!s) return;
      const keys = await client.listAll(s, 'catalog-');
      const old = keys.filter((k) => {
        const m = ID.exec(parseShardKey(k)?.backupId ?? '');
        return m !== null && Number(m[1]) < keepFrom;
      });
      if (old.length > 0) await client.delete(s, old);
    })
  );
}

/** Where the shards of each image are: seq → { k, m, part → position → supplier }. */
type Found = Map<number, { k: number; m: number; parts: Map<number, Map<number, string>> }>;

/** Finds the newest image the candidates hold, imports it; resolves with its seq. */
export async function pullCatalog(o: {
  client: StorageClient;
  catalog: Catalog;
  dataKey: Uint8Array;
  candidates: readonly string[];
}): Promise<{ seq: number; entries: number; k: number; m: number }> {
  const found: Found = new Map();
  await Promise.allSettled(
    o.candidates.map(async (supplier) => {
      for (const key of await o.client.listAll(supplier, 'catalog-')) {
        const a = parseShardKey(key);
        const m = a && ID.exec(a.backupId);
        if (!a || !m) continue;
        const seq = Number(m[1]);
        if (!found.has(seq)) found.set(seq, { k: Number(m[2]), m: Number(m[3]), parts: new Map() });
        const parts = found.get(seq)!.parts;
        if (!parts.has(a.block)) parts.set(a.block, new Map());
        parts.get(a.block)!.set(a.position, supplier);
      }
    })
  );
  const seqs = [...found.keys()].sort((a, b) => b - a);
  const reasons: string[] = [];
  for (const seq of seqs) {
    const image = found.get(seq)!;
    try {
      const sealed = await assemble(o.client, seq, image);
      const entries = await importImage(o.catalog, openImage(o.dataKey, sealed, seq));
      return { seq, entries, k: image.k, m: image.m };
    } catch (err) {
      reasons.push(`image ${seq}: ${(err as Error).message}`);
    }
  }
  throw new StorageError(
    'ERR_STORAGE_NOT_FOUND',
    seqs.length === 0
      ? `no catalog image at any of ${o.candidates.length} suppliers`
      : `no catalog image could be restored (${reasons.join('; ')})`
  );
}

async function assemble(
  client: StorageClient,
  seq: number,
  { k, m, parts }: { k: number; m: number; parts: Map<number, Map<number, string>> }
): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  const id = imageBackupId(seq, k, m);
  for (let part = 0, count = 1; part < count; part++) {
    const at = parts.get(part) ?? new Map<number, string>();
    const shards: (Uint8Array | null)[] = Array.from({ length: k + m }, () => null);
    await Promise.allSettled(
      [...at].map(async ([pos, s]) => {
        if (pos < k + m) shards[pos] = await client.getShard(s, shardKey(id, part, pos));
      })
    );
    const sizes = new Set(shards.filter((s) => s !== null).map((s) => s.length));
    if (shards.filter((s) => s !== null).length < k || sizes.size !== 1) {
      throw StorageError.unrecoverable([part], `catalog image ${seq} part ${part}`);
    }
    const all = reconstruct(shards, k);
    const stripe = Buffer.concat(all.slice(0, k));
    const view = new DataView(stripe.buffer, stripe.byteOffset);
    count = view.getUint32(0);
    const len = view.getUint32(4);
    if (count < 1 || count > 10_000 || HEADER + len > stripe.length) {
      throw new StorageError('ERR_STORAGE_FORMAT', `catalog image ${seq} part ${part} header`);
    }
    out.push(stripe.subarray(HEADER, HEADER + len));
  }
  return Buffer.concat(out);
}
