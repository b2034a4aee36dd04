/**
 * The customer's storage client with a meter: every acknowledged shard or piece (and every delete
 * or cancel) updates the bytes each supplier holds for us, and every shard moved counts as a
 * transfer. The payment service checks a supplier's invoice against these figures, so they count
 * exactly what the supplier counts: shard bytes it acknowledged as stored.
 */
import type { Router } from '../router/index.js';
import { StorageClient } from '../storage/customer-client.js';
import { HASH_BYTES } from '../storage/hash.js';

/** Called with the bytes `supplier` now holds for us and the shard bytes just moved. */
export type CustomerMeter = (supplier: string, heldBytes: number, transferred: number) => void;

/** A StorageClient that reports what it stores and moves; see the module comment. */
export class MeteredClient extends StorageClient {
  private readonly sizes = new Map<string, Map<string, number>>();
  private readonly totals = new Map<string, number>();
  private readonly seeded = new Set<string>();

  constructor(
    router: Router,
    options: { timeoutMs?: number; maxAttempts?: number },
    private readonly meter: CustomerMeter
  ) {
    super(router, options);
  }

  private held(supplier: string): Map<string, number> {
    let m = this.sizes.get(supplier);
    if (!m) this.sizes.set(supplier, (m = new Map()));
    return m;
  }

  private set(supplier: string, key: string, size: number | undefined): number {
    const m = this.held(supplier);
    const total = (this.totals.get(supplier) ?? 0) - (m.get(key) ?? 0) + (size ?? 0);
    if (size === undefined) m.delete(key);
    else m.set(key, size);
    this.totals.set(supplier, total);
    return total;
  }

  /**
   * Learns what `supplier` already holds for us from its listing (keys and sizes), once per
   * supplier: after a restart the meter starts empty, and invoices would otherwise be disputed.
   * The sizes are the supplier's word; shards stored since are counted as acknowledged.
   */
  async seed(supplier: string, maxPages = 10_000): Promise<void> {
    if (this.seeded.has(supplier)) return;
    const m = this.held(supplier);
    let start: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const { files, more } = await this.listFiles(supplier, '', 1000, start);
      for (const f of files) if (!m.has(f.key)) this.set(supplier, f.key, f.size);
      if (!more || files.length === 0) break;
      start = `${files[files.length - 1]!.key}\u0000`;
    }
    this.seeded.add(supplier);
    this.meter(supplier, this.totals.get(supplier) ?? 0, 0);
  }

  override async putShard(
    supplier: string,
    key: string,
    shard: Uint8Array,
    hash?: Uint8Array
  ): Promise<void> {
    await super.putShard(supplier, key, shard, hash);
    this.meter(supplier, this.set(supplier, key, shard.length), shard.length);
  }

  /** A piece is `hash(32) ‖ shard`: the supplier stores and counts the shard. */
  override async putPiece(supplier: string, key: string, piece: Uint8Array): Promise<void> {
    await super.putPiece(supplier, key, piece);
    const size = piece.length - HASH_BYTES;
    this.meter(supplier, this.set(supplier, key, size), size);
  }

  override async getShard(
    supplier: string,
    key: string,
    expected?: Uint8Array,
    options?: { rehash?: boolean }
  ) {
    const shard = await super.getShard(supplier, key, expected, options);
    this.meter(supplier, this.totals.get(supplier) ?? 0, shard.length);
    return shard;
  }

  override async delete(supplier: string, keys: readonly string[]): Promise<void> {
    await super.delete(supplier, keys);
    let total = this.totals.get(supplier) ?? 0;
    for (const k of keys) total = this.set(supplier, k, undefined);
    this.meter(supplier, total, 0);
  }

  override async cancelService(supplier: string): Promise<void> {
    await super.cancelService(supplier);
    this.seeded.delete(supplier);
    this.sizes.delete(supplier);
    this.totals.delete(supplier);
    this.meter(supplier, 0, 0);
  }
}
