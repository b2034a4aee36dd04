/**
 * The customer's side of the storage commands over the router: service requests, shard upload and
 * download with hash checks, listing, deletion and audit challenges (`cmd.audit` → `cmd.proof`).
 * Every `cmd.fail` becomes a StorageError with the supplier's code; transport failures stay
 * RouterErrors.
 */
import type { Router } from '../router/index.js';
import { STORAGE_SERVICE, type ServiceRequest } from '../../machines/storage/messages.js';
import { StorageError, type StorageErrorCode } from './errors.js';
import { sameBytes } from './hash.js';
import {
  checkProof,
  type AuditChallenge,
  type AuditProof,
  type ProofCheck
} from './audit-proof.js';
import { checkPiece, encodeServiceRequest, packPiece, splitPiece, unpackPiece } from './wire.js';

interface Reply {
  type: string;
  body: unknown;
}

/** Throws the supplier's refusal as a StorageError. */
function expect<T extends Reply>(reply: T, type: string): T {
  if (reply.type === 'cmd.fail') {
    const { code, reason } = reply.body as { code: string; reason: string };
    const known = code.startsWith('ERR_STORAGE_')
      ? (code as StorageErrorCode)
      : 'ERR_STORAGE_REFUSED';
    throw new StorageError(known, `supplier: ${reason}`);
  }
  if (reply.type !== type) throw new StorageError('ERR_STORAGE_FORMAT', `unexpected ${reply.type}`);
  return reply;
}

/** Storage commands to suppliers through one router. */
export class StorageClient {
  constructor(
    private readonly router: Router,
    private readonly options: { timeoutMs?: number; maxAttempts?: number } = {}
  ) {}

  private opts() {
    return { timeoutMs: this.options.timeoutMs, maxAttempts: this.options.maxAttempts };
  }

  /** Asks `supplier` for storage service; StorageError on refusal. */
  async requestService(supplier: string, request: ServiceRequest): Promise<void> {
    const payload = encodeServiceRequest(request);
    const body = { v: 1 as const, service: STORAGE_SERVICE, payload };
    expect(
      await this.router.request(supplier, 'cmd.request-service', body, this.opts()),
      'cmd.ack'
    );
  }

  /** Stores a shard; resolves once the supplier says it is durable. */
  async putShard(
    supplier: string,
    key: string,
    shard: Uint8Array,
    hash?: Uint8Array
  ): Promise<void> {
    const data = packPiece(shard, hash);
    expect(
      await this.router.request(supplier, 'cmd.data', { v: 1, key, data }, this.opts()),
      'cmd.ack'
    );
  }

  /** Stores a piece `hash ‖ shard` as built by the pipeline (no copy); resolves once durable. */
  async putPiece(supplier: string, key: string, piece: Uint8Array): Promise<void> {
    checkPiece(piece);
    expect(
      await this.router.request(supplier, 'cmd.data', { v: 1, key, data: piece }, this.opts()),
      'cmd.ack'
    );
  }

  /**
   * A shard, checked against `expected` (the catalog's hash) when given. With `rehash: false`
   * only the announced hash is compared: the caller hashes the bytes itself (the block pool
   * checks every shard it decodes), so they are not hashed twice.
   */
  async getShard(
    supplier: string,
    key: string,
    expected?: Uint8Array,
    { rehash = true }: { rehash?: boolean } = {}
  ): Promise<Uint8Array> {
    const reply = expect(
      await this.router.request(supplier, 'cmd.retrieve', { v: 1, key }, this.opts()),
      'cmd.data'
    );
    const data = (reply.body as { data: Uint8Array }).data;
    const { hash, shard } = rehash ? unpackPiece(data) : splitPiece(data);
    if (expected && !sameBytes(hash, expected)) {
      throw new StorageError('ERR_STORAGE_HASH_MISMATCH', `${key} from ${supplier} is not ours`);
    }
    return shard;
  }

  /** Shard keys and sizes under `prefix` from `start` (at most `limit`; `more`: some left out). */
  async listFiles(supplier: string, prefix: string, limit = 1000, start?: string) {
    const body = { v: 1 as const, prefix, limit, ...(start !== undefined ? { start } : {}) };
    const reply = expect(
      await this.router.request(supplier, 'cmd.list-files', body, this.opts()),
      'cmd.files'
    );
    return reply.body as { files: { key: string; size: number }[]; more: boolean };
  }

  /** Every shard key under `prefix`, page by page (at most `maxPages` pages of 1000). */
  async listAll(supplier: string, prefix: string, maxPages = 10_000): Promise<string[]> {
    const keys: string[] = [];
    let start: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const { files, more } = await this.listFiles(supplier, prefix, 1000, start);
      for (const f of files) keys.push(f.key);
      if (!more || files.length === 0) return keys;
      start = `${files[files.length - 1]!.key}\u0000`; // the smallest key after the last one
    }
    throw new StorageError('ERR_STORAGE_FORMAT', `${supplier} lists more than ${maxPages} pages`);
  }

  /** Cancels storage service at `supplier` (it drops every shard of ours). */
  async cancelService(supplier: string): Promise<void> {
    const body = { v: 1 as const, service: STORAGE_SERVICE, payload: new Uint8Array(0) };
    expect(await this.router.request(supplier, 'cmd.cancel-service', body, this.opts()), 'cmd.ack');
  }

  /** Deletes shards (at most 100 keys per call). */
  async delete(supplier: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 100) {
      const body = { v: 1 as const, keys: keys.slice(i, i + 100) };
      expect(await this.router.request(supplier, 'cmd.delete', body, this.opts()), 'cmd.ack');
    }
  }

  /**
   * Sends an audit challenge (`cmd.audit`) and checks the proof against `root` and `leaves` from
   * our catalog, never from the prover (audit-proof.ts).
   */
  async audit(
    supplier: string,
    challenge: AuditChallenge,
    root: Uint8Array,
    leaves: number
  ): Promise<ProofCheck> {
    const reply = expect(
      await this.router.request(supplier, 'cmd.audit', { v: 1, ...challenge }, this.opts()),
      'cmd.proof'
    );
    return checkProof(challenge, reply.body as AuditProof, root, leaves);
  }
}
