/**
 * Response schemas of the storage routes (docs/api.md, "Storage routes"): fastify serialises each
 * answer through them, so a field the docs do not name never leaks out and a missing one fails
 * loudly in the tests.
 */
import { Type } from '@sinclair/typebox';

const Int = Type.Integer();
const Str = Type.String();
const Opt = Type.Optional;

export const FilesReply = Type.Object({
  files: Type.Array(
    Type.Object({
      path: Str,
      version: Int,
      size: Int,
      committedAt: Int,
      /** "5 of 6 shards alive; tolerates 1 more loss", or "unknown" before the first listing. */
      redundancy: Str,
      alive: Opt(Int),
      total: Opt(Int),
      tolerates: Opt(Int)
    })
  )
});

export const VersionsReply = Type.Object({
  versions: Type.Array(
    Type.Object({
      version: Int,
      size: Int,
      committedAt: Int,
      mtimeMs: Int,
      profile: Str,
      fileHash: Str
    })
  )
});

const Score = Type.Object({
  supplierId: Opt(Str),
  passes: Int,
  fails: Int,
  inARow: Int,
  lastDetail: Opt(Str)
});

export const RebuildReply = Type.Object({
  ok: Type.Boolean(),
  blocks: Opt(Int),
  sent: Opt(Int),
  unsent: Opt(Int),
  lost: Opt(Type.Array(Str)),
  code: Opt(Str),
  message: Opt(Str)
});

export const BackupReply = Type.Object({
  files: Int,
  bytes: Int,
  unchanged: Int,
  storedBytes: Int,
  versions: Type.Array(Type.Object({ path: Str, version: Int })),
  problems: Type.Array(
    Type.Object({
      path: Str,
      kind: Type.Union([
        Type.Literal('unreadable'),
        Type.Literal('vanished'),
        Type.Literal('skipped'),
        Type.Literal('failed')
      ]),
      detail: Str
    })
  ),
  catalogSeq: Opt(Int)
});

export const RestoreReply = Type.Object({
  files: Int,
  bytes: Int,
  failed: Type.Array(Type.Object({ path: Str, code: Str, message: Str, lost: Type.Array(Int) }))
});

/** Versions kept per file (older ones are pruned, and their shards deleted, at the next backup). */
export const PolicyBody = Type.Object(
  { keepVersions: Type.Integer({ minimum: 1, maximum: 10_000 }) },
  { additionalProperties: false }
);
export const PolicyReply = Type.Object({ keepVersions: Int });

export const RemoveReply = Type.Object({ removedVersions: Int });
export const FireReply = Type.Object({ queued: Type.Boolean() });

export const SuppliersReply = Type.Object({
  profile: Str,
  suppliers: Type.Array(
    Type.Object({
      position: Int,
      supplierId: Opt(Str),
      status: Str,
      rebuilt: Type.Boolean(),
      code: Opt(Str),
      reason: Opt(Str),
      score: Opt(Score)
    })
  ),
  fired: Type.Array(
    Type.Object({ position: Int, supplierId: Str, code: Str, reason: Str, seq: Int })
  ),
  rebuilds: Type.Array(RebuildReply)
});

const Progress = Type.Object({
  bytesDone: Int,
  bytesTotal: Int,
  itemsDone: Int,
  itemsTotal: Int,
  items: Type.Union([Type.Literal('files'), Type.Literal('blocks')]),
  current: Opt(Str),
  elapsedMs: Int
});

const Job = Type.Object({
  id: Str,
  kind: Type.Union([Type.Literal('backup'), Type.Literal('restore'), Type.Literal('rebuild')]),
  state: Type.Union([
    Type.Literal('running'),
    Type.Literal('done'),
    Type.Literal('failed'),
    Type.Literal('cancelled')
  ]),
  cancelling: Opt(Type.Boolean()),
  startedAt: Int,
  progress: Opt(Progress),
  /** The same report the answering route (backup, restore, rebuild) gives. */
  result: Opt(Type.Unknown()),
  error: Opt(Type.Object({ code: Str, message: Str }))
});

export const JobReply = Type.Object({ job: Job });
export const JobsReply = Type.Object({ jobs: Type.Array(Job) });
export { Job as JobView };
