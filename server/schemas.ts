/**
 * TypeBox schemas of the local API: request inputs are validated with them and responses are
 * serialised through them (fastify compiles both), so what docs/api.md says is what is enforced.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Node ids and XState session ids as they appear in URLs. */
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$' });

export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  message: Type.String()
});

/** Every route accepts `?token=` (read by the guard); nothing else in the query. */
export const TokenQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 256 })) },
  { additionalProperties: false }
);

export const ActorsQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 256 })), node: Type.Optional(Id) },
  { additionalProperties: false }
);
export type ActorsQuery = Static<typeof ActorsQuery>;

export const ActorParams = Type.Object({ node: Id, sid: Id }, { additionalProperties: false });
export type ActorParams = Static<typeof ActorParams>;

export const HealthReply = Type.Object({
  status: Type.Literal('ok'),
  nodes: Type.Integer(),
  inspecting: Type.Boolean()
});

const ServiceStatus = Type.Object({
  name: Type.String(),
  status: Type.Union([
    Type.Literal('starting'),
    Type.Literal('up'),
    Type.Literal('down'),
    Type.Literal('stopped')
  ]),
  dependsOn: Type.Array(Type.String()),
  reason: Type.Optional(Type.String())
});

export const NodeInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  dataDir: Type.String(),
  startedAt: Type.Number(),
  devnet: Type.Boolean(),
  services: Type.Array(ServiceStatus)
});

export const NodesReply = Type.Object({ nodes: Type.Array(NodeInfo) });

/** Per node, the live counters its network (and later services) keep. */
export const CountersReply = Type.Object({
  nodes: Type.Array(Type.Object({ node: Type.String(), counters: Type.Unknown() }))
});

export const ActorTreeNode = Type.Recursive(
  (Self) =>
    Type.Object({
      id: Type.String(),
      sid: Type.String(),
      systemId: Type.Optional(Type.String()),
      machineId: Type.Optional(Type.String()),
      status: Type.String(),
      value: Type.Optional(Type.Unknown()),
      restarts: Type.Optional(Type.Integer()),
      lastExit: Type.Optional(Type.String()),
      children: Type.Array(Self)
    }),
  { $id: 'ActorTreeNode' }
);

export const ActorsReply = Type.Object({
  nodes: Type.Array(Type.Object({ node: Type.String(), tree: ActorTreeNode }))
});

export const StopBody = Type.Union([
  Type.Null(),
  Type.Object(
    { reason: Type.Optional(Type.String({ maxLength: 200 })) },
    { additionalProperties: false }
  )
]);
export type StopBody = Static<typeof StopBody>;

export const StopReply = Type.Object({ stopping: Type.Literal(true) });

export const ContextReply = Type.Object({ value: Type.Unknown(), truncated: Type.Boolean() });

export const HistoryReply = Type.Object({ entries: Type.Array(Type.Unknown()) });
