/**
 * The storage service on the router: the supplier store answers the customer commands
 * (machines/storage/messages.ts explains the payloads). The customer is the envelope's `from`,
 * which the router's `checkSender` ties to the authenticated session; suppliers only ever see
 * opaque shard keys.
 *
 * `cmd.request-service` / `cmd.cancel-service` go through the router's per-service dispatcher
 * (`handleService`), so other services can share the node's router.
 */
import { handleService, type Router } from '../router/index.js';
import { parseShardKey } from '../../machines/storage/keys.js';
import { STORAGE_SERVICE } from '../../machines/storage/messages.js';
import { StorageError } from './errors.js';
import type { SupplierStore } from './supplier-store.js';
import { serveAudits } from './audit-proof.js';
import { decodeServiceRequest } from './wire.js';
import { HASH_BYTES } from './hash.js';

const ack = (note?: string) => ({
  type: 'cmd.ack' as const,
  body: note === undefined ? { v: 1 as const } : { v: 1 as const, note }
});

function shardKeyOf(key: string): string {
  if (!parseShardKey(key)) throw new StorageError('ERR_STORAGE_ARGUMENT', `bad shard key ${key}`);
  return key;
}

/** What payments need from the storage handlers (docs/payment.md); every hook is optional. */
export interface StorageHooks {
  /** A reason refuses new data from `customer` (ERR_STORAGE_UNPAID); `undefined` admits it. */
  admit?(customer: string): string | undefined;
  /** `customer`'s stored bytes may have changed (after a write, a delete, a cancel). */
  stored?(customer: string): void;
  /** Shard bytes received from or sent to `customer`. */
  transferred?(customer: string, bytes: number): void;
}

/** Registers the storage handlers on `router`; returns their removal. */
export function serveStorage(
  router: Router,
  supplier: SupplierStore,
  hooks: StorageHooks = {}
): () => void {
  const off = [
    handleService(router, STORAGE_SERVICE, {
      request: async (env) => {
        const account = await supplier.requestService(
          env.from,
          decodeServiceRequest(env.body.payload)
        );
        return ack(`granted ${account.grantedBytes}`);
      },
      cancel: async (env) => {
        await supplier.dropCustomer(env.from);
        hooks.stored?.(env.from);
        return ack();
      }
    }),
    router.handle('cmd.data', async (env) => {
      const refused = hooks.admit?.(env.from);
      if (refused) throw new StorageError('ERR_STORAGE_UNPAID', refused);
      // The store checks the shard against the hash before writing (one hash per shard) and
      // keeps the piece as it came: the envelope's bytes are this request's own.
      const piece = env.body.data;
      await supplier.putPiece(env.from, shardKeyOf(env.body.key), piece);
      hooks.stored?.(env.from);
      hooks.transferred?.(env.from, piece.length - HASH_BYTES);
      return ack('durable');
    }),
    router.handle('cmd.retrieve', async (env) => {
      // The piece as stored, checked against its hash and copied once out of the store.
      const data = await supplier.getPiece(env.from, shardKeyOf(env.body.key));
      hooks.transferred?.(env.from, data.length - HASH_BYTES);
      return { type: 'cmd.data', body: { v: 1, key: env.body.key, data } };
    }),
    router.handle('cmd.list-files', async (env) => {
      const { files, more } = await supplier.listFiles(
        env.from,
        env.body.prefix,
        env.body.limit,
        env.body.start
      );
      return { type: 'cmd.files', body: { v: 1, files, more } };
    }),
    router.handle('cmd.delete', async (env) => {
      await supplier.delete(env.from, env.body.keys.map(shardKeyOf));
      hooks.stored?.(env.from);
      return ack();
    }),
    serveAudits(router, supplier)
  ];
  return () => off.forEach((f) => f());
}
