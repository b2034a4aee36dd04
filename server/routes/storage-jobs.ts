/**
 * Storage jobs that run in the background and can be followed: `POST /api/storage/jobs` starts a
 * backup, restore or rebuild (a tree-job actor the inspector shows, actors/storage/tree-job.ts)
 * and answers at once with the job's id; `GET /api/storage/jobs[/:id]`
 * shows them; `DELETE /api/storage/jobs/:id` cancels a running one (it stops at its next step and
 * ends `cancelled`, as its tree-job actor does); `GET /api/storage/jobs/:id/events` streams the job as server-sent events — progress
 * (never going backwards, at most one every `progressIntervalMs`), then one `done` with the
 * result or `failed` with the error code, and the stream ends (or when the API closes: the job
 * goes on and can be followed again). Every route passes the same
 * Host/Origin/token guard as the rest of the API (plugins/guard.ts runs on every request).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import { backupTree, restoreTree, type TreeProgress } from '../../actors/storage/customer-files.js';
import { StorageError } from '../../actors/storage/errors.js';
import { runTreeJob } from '../../actors/storage/tree-job.js';
import { ApiError } from '../errors.js';
import { SECURITY_HEADERS } from '../plugins/security-headers.js';
import { ErrorReply } from '../schemas.js';
import { JobReply, JobsReply, JobView } from './storage-schemas.js';
import { JobBoard, type JobEvent, type ReportProgress } from './job-board.js';

const Token = { token: Type.Optional(Type.String({ maxLength: 256 })) };
const closed = { additionalProperties: false } as const;
const Path = Type.String({ minLength: 1, maxLength: 4096 });
const TokenOnly = Type.Object(Token, closed);
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) }, closed);
/** One closed object rather than a union: fastify's validator strips keys branch by branch. */
const JobBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('backup'), Type.Literal('restore'), Type.Literal('rebuild')]),
    path: Type.Optional(Path),
    into: Type.Optional(Path),
    overwrite: Type.Optional(Type.Boolean()),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    positions: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), { maxItems: 256 })
    )
  },
  closed
);
const errors = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  429: ErrorReply,
  503: ErrorReply
};

/** Options of {@link storageJobRoutes}. */
export interface StorageJobRoutesOptions {
  readonly customer: () => CustomerStorage;
  /** Least time between two progress events of one stream (ms, default 200). */
  readonly progressIntervalMs?: number;
  /** Comment lines that keep an idle stream open (ms, default 15 000). */
  readonly keepAliveMs?: number;
  readonly board?: JobBoard;
}

const fromTree =
  (report: ReportProgress) =>
  (p: TreeProgress): void =>
    report({
      bytesDone: p.bytesDone,
      bytesTotal: p.bytesTotal,
      itemsDone: p.filesDone,
      itemsTotal: p.filesTotal,
      items: 'files',
      current: p.file
    });

/** Registers the job routes on `app`. */
export function storageJobRoutes(app: FastifyInstance, options: StorageJobRoutesOptions): void {
  const board = options.board ?? new JobBoard();
  const interval = options.progressIntervalMs ?? 200;
  // Open streams are ended when the API closes: the server would otherwise wait for each job.
  const streams = new Set<{ end: () => void }>();
  app.addHook('preClose', async () => {
    for (const s of [...streams]) s.end();
  });

  app.post<{ Body: Static<typeof JobBody> }>(
    '/api/storage/jobs',
    { schema: { querystring: TokenOnly, body: JobBody, response: { 202: JobReply, ...errors } } },
    async (request, reply) => {
      const b = request.body;
      if (b.kind !== 'rebuild' && !b.path) throw ApiError.badRequest(`${b.kind} needs a path`);
      if (b.kind === 'restore' && !b.into) throw ApiError.badRequest('restore needs into');
      const c = options.customer();
      const target =
        b.kind === 'rebuild' ? `positions ${b.positions?.join(',') || 'all'}` : b.path!;
      // The job is a tree-job actor (visible in the inspector); progress goes to both.
      const job = board.start(b.kind, (toBoard, cancel) =>
        runTreeJob(
          c,
          { kind: b.kind, target },
          async (toActor, signal): Promise<unknown> => {
            const report: ReportProgress = (p) => {
              toBoard(p);
              toActor(p);
            };
            if (b.kind === 'backup') return backupTree(c, b.path!, fromTree(report), signal);
            if (b.kind === 'restore') {
              return restoreTree(c, {
                path: b.path!,
                into: b.into!,
                ...(b.overwrite !== undefined ? { overwrite: b.overwrite } : {}),
                ...(b.version !== undefined ? { version: b.version } : {}),
                onProgress: fromTree(report),
                signal
              });
            }
            const out = await c.rebuild(
              b.positions ?? [],
              (p) =>
                report({
                  bytesDone: p.bytesDone,
                  bytesTotal: p.bytesTotal,
                  itemsDone: p.blocksDone,
                  itemsTotal: p.blocksTotal,
                  items: 'blocks'
                }),
              signal
            );
            // A rebuild reports its failures in its output; a cancelled one ends the job so.
            if (!out.ok && out.code === 'ERR_STORAGE_CANCELLED') {
              throw new StorageError('ERR_STORAGE_CANCELLED', out.message);
            }
            return out;
          },
          cancel
        )
      );
      if (!job) throw new ApiError('ERR_API_BUSY', 429, `${board.running()} jobs are running`);
      return reply.code(202).send({ job });
    }
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/storage/jobs/:id',
    {
      schema: {
        params: IdParams,
        querystring: TokenOnly,
        response: { 202: JobReply, ...errors, 409: ErrorReply }
      }
    },
    async (request, reply) => {
      const id = request.params.id;
      const job = board.cancel(id);
      if (job === undefined) notFound(id);
      if (job === 'finished') {
        const state = board.get(id)?.state;
        throw new ApiError('ERR_API_JOB_FINISHED', 409, `job ${id} has already ended (${state})`);
      }
      return reply.code(202).send({ job });
    }
  );

  app.get(
    '/api/storage/jobs',
    { schema: { querystring: TokenOnly, response: { 200: JobsReply, ...errors } } },
    async () => ({ jobs: board.list() })
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/storage/jobs/:id',
    {
      schema: { params: IdParams, querystring: TokenOnly, response: { 200: JobView, ...errors } }
    },
    async (request) => board.get(request.params.id) ?? notFound(request.params.id)
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/storage/jobs/:id/events',
    { schema: { params: IdParams, querystring: TokenOnly, response: errors } },
    async (request, reply) => {
      const id = request.params.id;
      if (!board.get(id)) notFound(id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store'
      });
      let lastSent = -Infinity;
      let pending: JobEvent | undefined;
      let timer: NodeJS.Timeout | undefined;
      const write = (e: JobEvent) => {
        const { type, ...data } = e;
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const flush = () => {
        timer = undefined;
        if (pending) write(pending);
        pending = undefined;
        lastSent = Date.now();
      };
      const keepAlive = setInterval(
        () => res.write(': keep-alive\n\n'),
        options.keepAliveMs ?? 15_000
      );
      keepAlive.unref();
      // follow() may deliver the end at once (a finished job), before it has returned.
      const following: { stop?: () => void } = {};
      const end = () => {
        following.stop?.();
        clearInterval(keepAlive);
        if (timer) clearTimeout(timer);
      };
      const stream = {
        end: () => {
          streams.delete(stream);
          end();
          res.end();
        }
      };
      streams.add(stream);
      res.once('close', () => {
        streams.delete(stream);
        end();
      });
      following.stop = board.follow(id, (e) => {
        if (e.type === 'progress') {
          pending = e;
          const wait = lastSent + interval - Date.now();
          if (wait <= 0) flush();
          else timer ??= setTimeout(flush, wait);
          return;
        }
        if (timer) clearTimeout(timer);
        flush(); // the last progress before the verdict
        write(e);
        stream.end();
      });
    }
  );
}

function notFound(id: string): never {
  throw ApiError.notFound(`job ${id}`);
}
