/**
 * The supplier side of storage: which customers are served, their shards in a KvStore, and what
 * each one uses. A shard write and its accounting go in one durable batch, and the promise resolves
 * only then, so an acknowledgement always means "on disk". Every read re-hashes the shard: one that
 * no longer matches is removed, counted and reported through `onCorrupt`, and never served.
 *
 * Under the given store: `format` ({@link SUPPLIER_FORMAT}); namespaces `pieces`
 * (`<customer>/<shard key>` → the piece `hash ‖ shard` exactly as the customer sent it and as it is
 * served, stored as bytes: no encoding, one copy into LMDB on write, one out of its map on read),
 * `shards` (same keys → `{ n: shard bytes, t: written at }`, so listing and accounting never touch
 * the data), `customers` (account per customer), `rejected` (customers refused for good, with the
 * reason).
 */
import type { Clock } from '../clock.js';
import type { KvOp, KvStore } from '../store/index.js';
import { summarize, type HoldingsSummary } from '../../machines/storage/keys.js';
import type { ServiceRequest } from '../../machines/storage/messages.js';
import { StorageError } from './errors.js';
import { HASH_BYTES, sameBytes, toHex, uninitialized } from './hash.js';
import { shardHash } from './merkle.js';
import { checkPiece, packPiece } from './wire.js';

/** What the supplier offers. */
export interface SupplierPolicy {
  /** Space given to all customers together. */
  readonly capacityBytes: number;
  /** Most one customer may be granted. */
  readonly maxCustomerBytes: number;
  /** Extra refusal rule (allow lists, payments later): a reason refuses, `undefined` accepts. */
  readonly refuse?: (customer: string, request: ServiceRequest) => string | undefined;
}

/** One customer's account. */
export interface CustomerAccount {
  readonly customer: string;
  readonly grantedBytes: number;
  readonly usedBytes: number;
  readonly shards: number;
  /** Supplier clock of the last request of this customer. */
  readonly lastActivity: number;
  readonly since: number;
  readonly position: number;
}

/** What `shards` keeps per shard: its size and when it was written (supplier clock). */
interface ShardMeta {
  n: number;
  t: number;
}

/** Options of {@link openSupplierStore}. */
export interface SupplierStoreOptions {
  store: KvStore;
  clock: Pick<Clock, 'now'>;
  policy: SupplierPolicy;
  /** A stored shard failed its hash on read (disk corruption, tampering): it has been removed. */
  onCorrupt?: (customer: string, key: string) => void;
}

/**
 * Shard format of the stores this release keeps (the `format` key; merkle.ts): 2 = shard hashes
 * from SHA-256 Merkle trees. A store of format 1 (BLAKE2b, no key) is refused, not read: every
 * shard in it would fail its hash on read and be dropped as corrupt.
 */
export const SUPPLIER_FORMAT = 2;

/**
 * Opens the supplier store: checks its format (marking an empty store), loads the accounts (they
 * are kept in memory too). ERR_STORAGE_FORMAT for a store of another format, left as it is.
 */
export async function openSupplierStore(options: SupplierStoreOptions): Promise<SupplierStore> {
  const format = await options.store.get<number>('format');
  if (format !== SUPPLIER_FORMAT) {
    const used = (await options.store.sub('shards').range({ limit: 1 })).length > 0;
    if (format !== undefined || used) {
      throw new StorageError(
        'ERR_STORAGE_FORMAT',
        `supplier store of shard format ${format ?? 1}; this release reads format ` +
          `${SUPPLIER_FORMAT} only`
      );
    }
    await options.store.put('format', SUPPLIER_FORMAT, { durable: true });
  }
  const accounts = await options.store.sub('customers').range<CustomerAccount>();
  return new SupplierStore(options, new Map(accounts.map((a) => [a.key, a.value])));
}

/** See the module comment. Create with {@link openSupplierStore}. */
export class SupplierStore {
  private readonly shards: KvStore;
  private readonly pieces: KvStore;
  private readonly customers: KvStore;
  private queue: Promise<unknown> = Promise.resolve();
  /** Shards found corrupt on read since start. */
  corrupt = 0;

  constructor(
    private readonly options: SupplierStoreOptions,
    private readonly accounts: Map<string, CustomerAccount>
  ) {
    this.shards = options.store.sub('shards');
    this.pieces = options.store.sub('pieces');
    this.customers = options.store.sub('customers');
  }

  /** Writes of one supplier never interleave: accounting is read-modify-write. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private now = (): number => Math.floor(this.options.clock.now());

  /** Every account. */
  list(): CustomerAccount[] {
    return [...this.accounts.values()];
  }

  account(customer: string): CustomerAccount | undefined {
    return this.accounts.get(customer);
  }

  /** Bytes stored for all customers. */
  usedBytes(): number {
    return this.list().reduce((n, a) => n + a.usedBytes, 0);
  }

  /** Why `customer` was rejected for good, if it was. */
  rejection(customer: string): Promise<{ reason: string; at: number } | undefined> {
    return this.options.store.sub('rejected').get(customer);
  }

  private active(customer: string): CustomerAccount {
    const a = this.accounts.get(customer);
    if (!a) throw new StorageError('ERR_STORAGE_NO_SERVICE', `no storage service for ${customer}`);
    return a;
  }

  /** Accepts (or re-sizes) service for `customer`; ERR_STORAGE_REFUSED / ERR_STORAGE_QUOTA. */
  requestService(customer: string, request: ServiceRequest): Promise<CustomerAccount> {
    return this.serial(async () => {
      const rejected = await this.rejection(customer);
      if (rejected) throw new StorageError('ERR_STORAGE_REFUSED', `rejected: ${rejected.reason}`);
      const reason = this.options.policy.refuse?.(customer, request);
      if (reason) throw new StorageError('ERR_STORAGE_REFUSED', reason);
      const { capacityBytes, maxCustomerBytes } = this.options.policy;
      if (request.neededBytes > maxCustomerBytes) {
        throw new StorageError(
          'ERR_STORAGE_QUOTA',
          `at most ${maxCustomerBytes} bytes per customer`
        );
      }
      const others = this.list().filter((a) => a.customer !== customer);
      const promised = others.reduce((n, a) => n + Math.max(a.grantedBytes, a.usedBytes), 0);
      if (promised + request.neededBytes > capacityBytes) {
        throw new StorageError('ERR_STORAGE_QUOTA', `${capacityBytes - promised} bytes free`);
      }
      const old = this.accounts.get(customer);
      const account: CustomerAccount = {
        customer,
        grantedBytes: request.neededBytes,
        usedBytes: old?.usedBytes ?? 0,
        shards: old?.shards ?? 0,
        lastActivity: this.now(),
        since: old?.since ?? this.now(),
        position: request.position
      };
      await this.customers.put(customer, account, { durable: true });
      this.accounts.set(customer, account);
      return account;
    });
  }

  /** Stores `shard` under the hash the customer announced; see {@link putPiece}. */
  put(customer: string, key: string, hash: Uint8Array, shard: Uint8Array): Promise<void> {
    return this.putPiece(customer, key, packPiece(shard, hash));
  }

  /**
   * Stores a piece `hash ‖ shard` (as `cmd.data` carries it; kept as it is, so it must not change
   * until this resolves) once the shard matches the hash; resolves once durable. The checks and
   * the account update happen in turn (serial), but the durable write is only started there:
   * writes of concurrent puts then share one LMDB commit (group commit) instead of one fsync each.
   */
  async putPiece(customer: string, key: string, piece: Uint8Array): Promise<void> {
    checkPiece(piece);
    const size = piece.length - HASH_BYTES;
    const written = await this.serial(async () => {
      const a = this.active(customer);
      if (!sameBytes(shardHash(piece.subarray(HASH_BYTES)), piece.subarray(0, HASH_BYTES))) {
        throw new StorageError('ERR_STORAGE_HASH_MISMATCH', `${key} does not match its hash`);
      }
      const id = `${customer}/${key}`;
      const old = await this.shards.get<ShardMeta>(id);
      const delta = size - (old?.n ?? 0);
      if (a.usedBytes + delta > a.grantedBytes) {
        throw new StorageError('ERR_STORAGE_QUOTA', `quota of ${a.grantedBytes} bytes exhausted`);
      }
      if (this.usedBytes() + delta > this.options.policy.capacityBytes) {
        throw new StorageError('ERR_STORAGE_QUOTA', 'supplier disk full');
      }
      const next = { ...a, usedBytes: a.usedBytes + delta, shards: a.shards + (old ? 0 : 1) };
      const touched = { ...next, lastActivity: this.now() };
      this.accounts.set(customer, touched);
      const ops: KvOp[] = [
        { type: 'put-bytes', key: id, bytes: piece, sub: 'pieces' },
        {
          type: 'put',
          key: id,
          value: { n: size, t: this.now() } satisfies ShardMeta,
          sub: 'shards'
        },
        { type: 'put', key: customer, value: touched, sub: 'customers' }
      ];
      return { done: this.options.store.batch(ops, { durable: true }), delta };
    });
    try {
      await written.done;
    } catch (err) {
      // Not stored: give the bytes back (later puts' accounts were computed on top of ours).
      const now = this.accounts.get(customer);
      if (now) {
        const usedBytes = Math.max(0, now.usedBytes - written.delta);
        this.accounts.set(customer, { ...now, usedBytes });
      }
      throw diskFull(err) ?? err;
    }
  }

  /** Writes `ops` and the account in one durable batch, then updates the cached account. */
  private async commit(account: CustomerAccount, ops: KvOp[]): Promise<void> {
    const touched = { ...account, lastActivity: this.now() };
    ops.push({ type: 'put', key: account.customer, value: touched, sub: 'customers' });
    await this.options.store.batch(ops, { durable: true });
    this.accounts.set(account.customer, touched);
  }

  /**
   * A stored piece `hash ‖ shard` (a fresh buffer, the one copy out of the store), its shard
   * verified against its hash first; ERR_STORAGE_NOT_FOUND / ERR_STORAGE_CORRUPT.
   */
  async getPiece(customer: string, key: string): Promise<Uint8Array> {
    this.active(customer);
    const id = `${customer}/${key}`;
    // Checked on the store's own view of the bytes; only a good piece is copied out.
    const piece = await this.pieces.readBytes(id, (b) => {
      const ok =
        b.length >= HASH_BYTES &&
        sameBytes(shardHash(b.subarray(HASH_BYTES)), b.subarray(0, HASH_BYTES));
      if (!ok) return { corrupt: toHex(b.subarray(0, HASH_BYTES)).slice(0, 16) };
      const copy = uninitialized(b.length); // overwritten whole just below
      copy.set(b);
      return copy;
    });
    if (!piece) throw new StorageError('ERR_STORAGE_NOT_FOUND', `no shard ${key}`);
    if (!(piece instanceof Uint8Array)) {
      this.corrupt++;
      await this.delete(customer, [key]);
      this.options.onCorrupt?.(customer, key);
      throw new StorageError(
        'ERR_STORAGE_CORRUPT',
        `shard ${key} failed its hash (${piece.corrupt})`
      );
    }
    return piece;
  }

  /** A stored shard and its hash (views of one {@link getPiece}). */
  async get(customer: string, key: string): Promise<{ hash: Uint8Array; shard: Uint8Array }> {
    const piece = await this.getPiece(customer, key);
    return { hash: piece.subarray(0, HASH_BYTES), shard: piece.subarray(HASH_BYTES) };
  }

  /**
   * Shard keys and sizes under `prefix` from `start` on (inclusive), at most `limit`; `more` when
   * some were left out.
   */
  async listFiles(customer: string, prefix: string, limit: number, start?: string) {
    this.active(customer);
    const rows = await this.shards.range<ShardMeta>({
      prefix: `${customer}/${prefix}`,
      ...(start !== undefined ? { start: `${customer}/${start}` } : {}),
      limit: limit + 1
    });
    const files = rows
      .slice(0, limit)
      .map((r) => ({ key: r.key.slice(customer.length + 1), size: r.value.n }));
    return { files, more: rows.length > limit };
  }

  /** What this supplier holds for `customer`: backup → block → positions. */
  async summary(customer: string): Promise<HoldingsSummary> {
    const rows = await this.shards.range({ prefix: `${customer}/` });
    return summarize(rows.map((r) => r.key.slice(customer.length + 1)));
  }

  /** Deletes shards (absent keys are fine); durable. */
  delete(customer: string, keys: readonly string[]): Promise<void> {
    return this.serial(async () => {
      const a = this.active(customer);
      const ids = keys.map((k) => `${customer}/${k}`);
      const found = await this.shards.getMany<ShardMeta>(ids);
      let bytes = 0;
      let count = 0;
      const ops: KvOp[] = [];
      found.forEach((s, i) => {
        if (!s) return;
        bytes += s.n;
        count++;
        ops.push(
          { type: 'remove', key: ids[i]!, sub: 'shards' },
          { type: 'remove', key: ids[i]!, sub: 'pieces' }
        );
      });
      await this.commit({ ...a, usedBytes: a.usedBytes - bytes, shards: a.shards - count }, ops);
    });
  }

  /** Ends service: every shard and the account are removed; `reason` set refuses for good. */
  dropCustomer(customer: string, reason?: string): Promise<void> {
    return this.serial(async () => {
      const rows = await this.shards.range({ prefix: `${customer}/` });
      const ops: KvOp[] = rows.flatMap((r): KvOp[] => [
        { type: 'remove', key: r.key, sub: 'shards' },
        { type: 'remove', key: r.key, sub: 'pieces' }
      ]);
      ops.push({ type: 'remove', key: customer, sub: 'customers' });
      if (reason)
        ops.push({
          type: 'put',
          key: customer,
          value: { reason, at: this.now() },
          sub: 'rejected'
        });
      await this.options.store.batch(ops, { durable: true });
      this.accounts.delete(customer);
    });
  }
}

/**
 * A write that failed because the disk (or the LMDB map) is full, as the refusal the customer
 * acts on (ERR_STORAGE_QUOTA: fire-hire replaces this supplier at its position); `undefined` for
 * any other failure. Without it the error would reach the customer as a router fault, which reads
 * as "unreachable" and never leads to a replacement.
 */
export function diskFull(err: unknown): StorageError | undefined {
  const e = err as { code?: unknown; message?: unknown };
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')}`;
  if (!/ENOSPC|EDQUOT|MDB_MAP_FULL|no space left/i.test(text)) return undefined;
  return new StorageError(
    'ERR_STORAGE_QUOTA',
    `supplier disk full (${text.trim().slice(0, 120)})`,
    {
      cause: err
    }
  );
}
