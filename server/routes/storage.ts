/**
 * The storage routes of the operator's node (token-protected like every /api route): files with
 * their live redundancy, versions, suppliers with why each was fired, back up, restore, remove,
 * fire a supplier, rebuild. Storage errors keep their ERR_STORAGE_* code with an HTTP status.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HostedNode } from '../../actors/node/types.js';
import { StorageError } from '../../actors/storage/errors.js';
import { storageOf } from '../../actors/storage/services.js';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import { backupTree, removeFile, restoreTree } from '../../actors/storage/customer-files.js';
import { toHex } from '../../actors/storage/hash.js';
import { ApiError } from '../errors.js';
import { ErrorReply } from '../schemas.js';
import { storageJobRoutes } from './storage-jobs.js';
import {
  BackupReply,
  FilesReply,
  FireReply,
  PolicyBody,
  PolicyReply,
  RebuildReply,
  RemoveReply,
  RestoreReply,
  SuppliersReply,
  VersionsReply
} from './storage-schemas.js';

const Token = { token: Type.Optional(Type.String({ maxLength: 256 })) };
const Path = Type.String({ minLength: 1, maxLength: 4096 });
const closed = { additionalProperties: false } as const;
const PathQuery = Type.Object({ ...Token, path: Path }, closed);
const TokenOnly = Type.Object(Token, closed);
const BackupBody = Type.Object({ path: Path }, closed);
const RestoreBody = Type.Object(
  {
    path: Path,
    into: Path,
    overwrite: Type.Optional(Type.Boolean()),
    version: Type.Optional(Type.Integer({ minimum: 1 }))
  },
  closed
);
const FireParams = Type.Object({ position: Type.Integer({ minimum: 0, maximum: 255 }) }, closed);
const FireBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })) }, closed);
const errors = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  409: ErrorReply,
  503: ErrorReply
};
const STATUS: Partial<Record<string, number>> = {
  ERR_STORAGE_NOT_FOUND: 404,
  ERR_STORAGE_EXISTS: 409,
  ERR_STORAGE_ARGUMENT: 400,
  ERR_STORAGE_CATALOG: 400,
  ERR_STORAGE_NO_SERVICE: 503,
  ERR_STORAGE_UNDER_REPLICATED: 503
};

/** Options of {@link storageRoutes}: the hosted nodes (the operator's is the non-devnet one). */
export interface StorageRoutesOptions {
  nodes: () => HostedNode[];
  /** Least time between two progress events of a job's stream (ms, default 200). */
  progressIntervalMs?: number;
}

/** Registers /api/storage/*. */
export async function storageRoutes(app: FastifyInstance, options: StorageRoutesOptions) {
  const customer = (): CustomerStorage => {
    const node = options.nodes().find((n) => !n.info().devnet) ?? options.nodes()[0];
    const c = node && storageOf(node.id)?.customer();
    if (!c) throw new ApiError('ERR_API_NO_STORAGE', 503, 'storage (customer) is not running');
    return c;
  };
  const guarded =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (err) {
        if (err instanceof StorageError) {
          throw new ApiError(err.code, STATUS[err.code] ?? 500, err.message, { cause: err });
        }
        throw err;
      }
    };

  app.get(
    '/api/storage/files',
    { schema: { querystring: TokenOnly, response: { 200: FilesReply, ...errors } } },
    guarded(async () => {
      const c = customer();
      const live = await c.liveRedundancy();
      const byPath = new Map(live.map((r) => [r.path, r]));
      const files = await Promise.all(
        (await c.catalog.files()).map((f) => c.catalog.version(f.path))
      );
      return {
        files: files.map((v) => ({
          path: v.path,
          version: v.version,
          size: v.size,
          committedAt: v.committedAt,
          redundancy: byPath.get(v.path)?.text ?? 'unknown',
          ...(byPath.has(v.path)
            ? {
                alive: byPath.get(v.path)!.alive,
                total: byPath.get(v.path)!.total,
                tolerates: byPath.get(v.path)!.tolerates
              }
            : {})
        }))
      };
    })
  );

  app.get<{ Querystring: Static<typeof PathQuery> }>(
    '/api/storage/versions',
    { schema: { querystring: PathQuery, response: { 200: VersionsReply, ...errors } } },
    guarded(async (request) => ({
      versions: (await customer().catalog.versions(request.query.path)).map((v) => ({
        version: v.version,
        size: v.size,
        committedAt: v.committedAt,
        mtimeMs: v.mtimeMs,
        profile: `rs/${v.k}+${v.m}`,
        fileHash: toHex(v.fileHash)
      }))
    }))
  );

  app.get(
    '/api/storage/suppliers',
    { schema: { querystring: TokenOnly, response: { 200: SuppliersReply, ...errors } } },
    guarded(async () => {
      const c = customer();
      return {
        profile: `rs/${c.k}+${c.m}`,
        suppliers: c.supplierViews(),
        fired: c.fired(),
        rebuilds: c.rebuilds.slice(-10)
      };
    })
  );

  app.get(
    '/api/storage/policy',
    { schema: { querystring: TokenOnly, response: { 200: PolicyReply, ...errors } } },
    guarded(async () => customer().catalog.policy())
  );

  app.put<{ Body: Static<typeof PolicyBody> }>(
    '/api/storage/policy',
    {
      schema: {
        querystring: TokenOnly,
        body: PolicyBody,
        response: { 200: PolicyReply, ...errors }
      }
    },
    guarded(async (request) => {
      const c = customer();
      await c.catalog.setPolicy(request.body);
      return c.catalog.policy();
    })
  );

  app.post<{ Body: Static<typeof BackupBody> }>(
    '/api/storage/backup',
    {
      schema: {
        querystring: TokenOnly,
        body: BackupBody,
        response: { 200: BackupReply, ...errors }
      }
    },
    guarded(async (request) => backupTree(customer(), request.body.path))
  );

  app.post<{ Body: Static<typeof RestoreBody> }>(
    '/api/storage/restore',
    {
      schema: {
        querystring: TokenOnly,
        body: RestoreBody,
        response: { 200: RestoreReply, ...errors }
      }
    },
    guarded(async (request) => restoreTree(customer(), request.body))
  );

  app.delete<{ Querystring: Static<typeof PathQuery> }>(
    '/api/storage/files',
    { schema: { querystring: PathQuery, response: { 200: RemoveReply, ...errors } } },
    guarded(async (request) => ({
      removedVersions: await removeFile(customer(), request.query.path)
    }))
  );

  app.post<{ Params: Static<typeof FireParams>; Body: Static<typeof FireBody> }>(
    '/api/storage/suppliers/:position/fire',
    {
      schema: {
        params: FireParams,
        querystring: TokenOnly,
        body: FireBody,
        response: { 200: FireReply, ...errors }
      }
    },
    guarded(async (request) => {
      const c = customer();
      if (request.params.position >= c.k + c.m)
        throw ApiError.notFound(`position ${request.params.position}`);
      c.fire(request.params.position, request.body.reason ?? 'fired through the API');
      return { queued: true };
    })
  );

  app.post(
    '/api/storage/rebuild',
    { schema: { querystring: TokenOnly, response: { 200: RebuildReply, ...errors } } },
    guarded(async () => customer().rebuild())
  );

  storageJobRoutes(app, {
    customer,
    ...(options.progressIntervalMs !== undefined
      ? { progressIntervalMs: options.progressIntervalMs }
      : {})
  });
}
