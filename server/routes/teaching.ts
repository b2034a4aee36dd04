/**
 * Teaching mode's routes (devnet hosts only; docs/inspector.md): the clock (pause, resume, step,
 * scale), the events the selected machine accepts now, injecting one of them, and the feed the
 * inspector polls for the clock, a demo's narration and frames between nodes. Like every route they
 * sit behind the guard (token, Host, Origin); inputs are TypeBox-validated and bodies are small.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TeachingController } from '../../actors/teaching/controller.js';
import { TeachingError } from '../../actors/teaching/controller.js';
import { MAX_SCALE, MIN_SCALE } from '../../actors/teaching/teaching-clock.js';
import { ApiError } from '../errors.js';
import { ActorParams, ErrorReply } from '../schemas.js';

const Token = Type.Optional(Type.String({ maxLength: 256 }));
const NoQuery = Type.Object({ token: Token }, { additionalProperties: false });
const FeedQuery = Type.Object(
  { token: Token, since: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false }
);
type FeedQuery = Static<typeof FeedQuery>;

const ClockBody = Type.Object(
  {
    action: Type.Union(['pause', 'resume', 'step', 'next', 'scale'].map((a) => Type.Literal(a))),
    /** Virtual ms to step (step only), up to an hour. */
    ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    scale: Type.Optional(Type.Number({ minimum: MIN_SCALE, maximum: MAX_SCALE }))
  },
  { additionalProperties: false }
);
type ClockBody = Static<typeof ClockBody>;

const SendBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@/-]+$' }),
    /** Extra event fields (JSON); `type` inside it is ignored. */
    payload: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 32 }))
  },
  { additionalProperties: false }
);
type SendBody = Static<typeof SendBody>;

const ClockState = Type.Object({
  mode: Type.String(),
  scale: Type.Number(),
  now: Type.Number(),
  pending: Type.Integer(),
  next: Type.Optional(Type.Number())
});

const errors = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  409: ErrorReply
};
const BODY_LIMIT = 16 * 1024;

function off(): ApiError {
  return new ApiError('ERR_API_TEACHING_OFF', 409, 'teaching mode needs a devnet (--devnet 1+)');
}

/** Maps the controller's refusals onto API errors. */
function apiError(err: unknown, at: ActorParams): unknown {
  if (!(err instanceof TeachingError)) return err;
  if (err.code === 'ERR_TEACHING_NOT_FOUND')
    return ApiError.notFound(`actor ${at.sid} on ${at.node}`);
  return new ApiError(err.code.replace('ERR_', 'ERR_API_'), 409, err.message);
}

/** Registers /api/teaching/*; without a controller they answer that teaching is off. */
export async function teachingRoutes(
  app: FastifyInstance,
  options: { teaching?: TeachingController }
): Promise<void> {
  const { teaching } = options;
  const need = (): TeachingController => {
    if (!teaching) throw off();
    return teaching;
  };

  app.get<{ Querystring: FeedQuery }>(
    '/api/teaching',
    { schema: { querystring: FeedQuery, response: { ...errors } } },
    async (request) => {
      if (!teaching) return { available: false };
      return { available: true, ...teaching.feed(request.query.since ?? 0) };
    }
  );

  app.post<{ Body: ClockBody }>(
    '/api/teaching/clock',
    {
      bodyLimit: BODY_LIMIT,
      schema: { querystring: NoQuery, body: ClockBody, response: { 200: ClockState, ...errors } }
    },
    async (request) => {
      const { clock } = need();
      const { action, ms, scale } = request.body;
      if (action === 'pause') clock.pause();
      else if (action === 'resume') clock.resume(scale);
      else if (action === 'step') clock.step(ms ?? 100);
      else if (action === 'next') clock.stepToNext();
      else if (scale === undefined) throw ApiError.badRequest('scale needs `scale`');
      else clock.setScale(scale);
      return clock.state();
    }
  );

  app.get<{ Params: ActorParams }>(
    '/api/teaching/actors/:node/:sid/events',
    { schema: { params: ActorParams, querystring: NoQuery, response: { ...errors } } },
    async (request) => {
      try {
        return need().events(request.params.node, request.params.sid);
      } catch (err) {
        throw apiError(err, request.params);
      }
    }
  );

  app.post<{ Params: ActorParams; Body: SendBody }>(
    '/api/teaching/actors/:node/:sid/send',
    {
      bodyLimit: BODY_LIMIT,
      schema: { params: ActorParams, querystring: NoQuery, body: SendBody, response: { ...errors } }
    },
    async (request) => {
      const { type, payload } = request.body;
      try {
        return need().inject(request.params.node, request.params.sid, { ...payload, type });
      } catch (err) {
        throw apiError(err, request.params);
      }
    }
  );
}
