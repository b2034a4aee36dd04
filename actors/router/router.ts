/**
 * The router: requests out with matching, timeouts and retries (one `request` machine each), and
 * requests in with duplicate suppression and replay rejection, over any {@link Transport}.
 *
 * Inbound, in order: decode (size cap first) → `to` is us → `checkSender` → `ts` inside
 * [now − window, now + skew] and above the seen cache's floor → a reply is matched to its pending
 * request by (peer, id) and type → a request already seen is answered from the cache (a retry) or
 * refused (an id reused for another type) → the handler runs once, and its reply is cached.
 * Replies go back to the address the request came from, so answering never needs a lookup.
 *
 * Large binaries are never copied here: an envelope is encoded as pieces around them
 * (`codec.encodeParts`) and handed to a transport that can send pieces; a frame taken in is the
 * router's own (it does not borrow), so decoded binaries are views into it. A reply larger than
 * {@link MAX_KEPT_REPLY_BYTES} to a read-only request is not kept in the seen cache (it would pin
 * megabytes for minutes): a retry of that request runs its handler again instead.
 */
import { createActor, fromPromise } from 'xstate';
import { createCodec, DecodeError, WIRE_VERSION } from '../wire/index.js';
import { BitDustError } from '../errors.js';
import {
  requestMachine,
  type RequestActor,
  type TransmitInput
} from '../../machines/router/machine.js';
import {
  acceptsReply,
  isRequestType,
  READ_ONLY_TYPES,
  REPLY_ONLY_TYPES,
  routerMessages,
  type RouterReply
} from '../../machines/router/messages.js';
import { RouterError } from './errors.js';
import { SeenCache } from './seen-cache.js';
import type { Router, RouterEnvelope, RouterOptions, RouterStats } from './types.js';

type AnyHandler = (envelope: RouterEnvelope, address: string) => RouterReply | Promise<RouterReply>;

/** Replies up to this size are kept for retries; larger ones only for requests that change state. */
export const MAX_KEPT_REPLY_BYTES = 64 << 10;

type Frame = readonly Uint8Array[];

const sizeOf = (frame: Frame): number => frame.reduce((n, p) => n + p.byteLength, 0);

interface Pending {
  type: string;
  actor: RequestActor;
  /** The request's frame, sent as it is by every attempt. */
  frame: Frame;
  /** Where to send it instead of resolving the peer. */
  address: string | undefined;
}

/** Creates a router; call `start()` to take frames. */
export function createRouter(options: RouterOptions): Router {
  const { nodeId, transport, clock } = options;
  const codec = createCodec({
    messages: routerMessages,
    maxFrameBytes: options.maxFrameBytes ?? Math.min(transport.maxFrameBytes, 1 << 20),
    // Frames given to our handler are ours (we never borrow): binaries may stay views into them.
    viewBinaries: true
  });
  const windowMs = options.replayWindowMs ?? 120_000;
  const skewMs = options.futureSkewMs ?? 30_000;
  const seen = new SeenCache(options.seenCapacity ?? 8192, windowMs + skewMs);
  const policy = {
    timeoutMs: options.timeoutMs ?? 5_000,
    maxAttempts: options.maxAttempts ?? 3,
    backoffMs: options.backoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 4_000
  };
  // A fresh prefix per router instance: a restarted node must not reuse ids its peers remember.
  const prefix = Math.floor(options.random.next() * 36 ** 8).toString(36);
  let counter = 0;
  const pending = new Map<string, Pending>();
  const handlers = new Map<string, AnyHandler>();
  let unsubscribe: (() => void) | undefined;
  const stats: RouterStats = {
    requests: { started: 0, retries: 0, replied: 0, failed: {} },
    inbound: {
      requests: 0,
      replies: 0,
      unmatched: 0,
      duplicatesAnswered: 0,
      duplicatesInflight: 0,
      duplicatesRerun: 0,
      noHandler: 0,
      handlerErrors: 0,
      unhandled: 0
    },
    refused: { malformed: 0, misrouted: 0, sender: 0, stale: 0, replay: 0 },
    pending: 0,
    seen: 0,
    sendErrors: 0
  };
  const now = () => Math.floor(clock.now());

  /** Sends the frame `frame`'s pieces make, as pieces where the transport takes them. */
  const transmit = (address: string, frame: Frame): Promise<void> => {
    if (frame.length === 1) return transport.send(address, frame[0]!);
    if (transport.sendParts) return transport.sendParts(address, frame);
    return transport.send(address, Buffer.concat(frame));
  };

  /**
   * The request machine with its `transmit`, made once per router (providing it per request
   * would build a machine each time): an attempt finds its frame among the pending requests.
   */
  const requestLogic = requestMachine.provide({
    actors: {
      transmit: fromPromise<void, TransmitInput>(async ({ input }) => {
        const entry = pending.get(SeenCache.key(input.peer, input.requestId));
        if (!entry) throw new RouterError('ERR_ROUTER_CANCELLED', 'request is gone');
        if (input.attempt > 1) stats.requests.retries++;
        const address = entry.address ?? (await options.resolve(input.peer));
        if (address === undefined) throw RouterError.noRoute(input.peer);
        await transmit(address, entry.frame);
      })
    }
  });

  const sendFrame = (address: string, frame: Frame): void => {
    transmit(address, frame).catch(() => void stats.sendErrors++);
  };

  const encodeReply = (request: RouterEnvelope, reply: RouterReply): Frame =>
    codec.encodeParts({
      v: WIRE_VERSION,
      id: request.id,
      from: nodeId,
      to: request.from,
      ts: now(),
      ...reply
    } as RouterEnvelope);

  const failReply = (code: string, reason: string): RouterReply => ({
    type: 'cmd.fail',
    body: {
      v: 1,
      code: /^ERR_[A-Z0-9_]{1,60}$/.test(code) ? code : 'ERR_ROUTER_HANDLER',
      reason: reason.slice(0, 256)
    }
  });

  const execute = async (envelope: RouterEnvelope, address: string, key: string): Promise<void> => {
    const handler = handlers.get(envelope.type);
    let reply: RouterReply;
    if (!handler) {
      stats.inbound.noHandler++;
      reply = failReply('ERR_ROUTER_NO_HANDLER', `no handler for ${envelope.type}`);
    } else {
      try {
        reply = await handler(envelope, address);
        if (!acceptsReply(envelope.type, reply.type)) {
          throw new TypeError(`${reply.type} is not a reply to ${envelope.type}`);
        }
      } catch (err) {
        stats.inbound.handlerErrors++;
        if (err instanceof BitDustError) reply = failReply(err.code, err.message);
        else {
          // A bug, not a refusal: reported to the node, and the peer learns nothing about it.
          options.onHandlerError?.(err, envelope);
          reply = failReply('ERR_ROUTER_HANDLER', 'internal error');
        }
      }
    }
    let frame: Frame;
    try {
      frame = encodeReply(envelope, reply);
    } catch (err) {
      options.onHandlerError?.(err, envelope);
      frame = encodeReply(envelope, failReply('ERR_ROUTER_HANDLER', 'reply does not encode'));
    }
    const entry = seen.get(key);
    if (entry) {
      const keep = !READ_ONLY_TYPES.has(envelope.type) || sizeOf(frame) <= MAX_KEPT_REPLY_BYTES;
      if (keep) entry.reply = frame;
      else entry.rerun = true;
    }
    if (unsubscribe) sendFrame(address, frame);
  };

  const onFrame = (address: string, frame: Uint8Array): void => {
    let envelope: RouterEnvelope;
    try {
      envelope = codec.decode(frame);
    } catch (err) {
      if (err instanceof DecodeError) return void stats.refused.malformed++;
      throw err;
    }
    if (envelope.to !== nodeId) return void stats.refused.misrouted++;
    if (options.checkSender && !options.checkSender(address, envelope.from)) {
      return void stats.refused.sender++;
    }
    const t = now();
    if (envelope.ts < t - windowMs || envelope.ts > t + skewMs || envelope.ts <= seen.floor) {
      return void stats.refused.stale++;
    }
    const key = SeenCache.key(envelope.from, envelope.id);
    const waiting = pending.get(key);
    if (waiting && acceptsReply(waiting.type, envelope.type)) {
      stats.inbound.replies++;
      return waiting.actor.send({ type: 'router.reply', reply: envelope });
    }
    if (REPLY_ONLY_TYPES.has(envelope.type)) return void stats.inbound.unmatched++;
    if (!isRequestType(envelope.type)) return void stats.inbound.unhandled++;
    const entry = seen.get(key);
    if (entry) {
      if (entry.type !== envelope.type) return void stats.refused.replay++;
      if (entry.rerun) {
        // Finished, its large reply not kept, and reading only: run it again for the retry.
        entry.rerun = false;
        stats.inbound.duplicatesRerun++;
        return void execute(envelope, address, key);
      }
      if (!entry.reply) return void stats.inbound.duplicatesInflight++;
      stats.inbound.duplicatesAnswered++;
      return sendFrame(address, entry.reply);
    }
    seen.add(key, { type: envelope.type, ts: envelope.ts, receivedAt: t, reply: undefined }, t);
    stats.inbound.requests++;
    options.onRequest?.(envelope, address);
    void execute(envelope, address, key);
  };

  const router: Router = {
    nodeId,
    request(to, type, body, overrides = {}) {
      if (!unsubscribe) {
        return Promise.reject(new RouterError('ERR_ROUTER_NOT_STARTED', 'router is not started'));
      }
      const id = `${prefix}.${(counter++).toString(36)}`;
      let frame: Frame;
      try {
        frame = codec.encodeParts({
          v: WIRE_VERSION,
          type,
          id,
          from: nodeId,
          to,
          ts: now(),
          body
        } as RouterEnvelope);
      } catch (err) {
        return Promise.reject(err);
      }
      const key = SeenCache.key(to, id);
      const actor = createActor(requestLogic, {
        clock,
        input: {
          requestId: id,
          peer: to,
          type,
          timeoutMs: overrides.timeoutMs ?? policy.timeoutMs,
          maxAttempts: overrides.maxAttempts ?? policy.maxAttempts,
          backoffMs: policy.backoffMs,
          maxBackoffMs: policy.maxBackoffMs
        }
      });
      stats.requests.started++;
      pending.set(key, { type, actor, frame, address: overrides.address });
      return new Promise((resolve, reject) => {
        actor.subscribe({
          complete: () => {
            pending.delete(key);
            const outcome = actor.getSnapshot().output;
            if (outcome?.ok) {
              stats.requests.replied++;
              return resolve(outcome.reply as never);
            }
            const code = outcome?.code ?? 'ERR_ROUTER_CANCELLED';
            stats.requests.failed[code] = (stats.requests.failed[code] ?? 0) + 1;
            const cause = outcome?.cause;
            reject(
              new RouterError(
                code,
                outcome?.message ?? 'no outcome',
                outcome?.attempts,
                cause === undefined ? undefined : { cause }
              )
            );
          }
        });
        actor.start();
      });
    },
    handle(type, handler) {
      if (handlers.has(type)) throw new TypeError(`a handler for ${type} is already registered`);
      handlers.set(type, handler as unknown as AnyHandler);
      return () => void handlers.delete(type);
    },
    start() {
      unsubscribe ??= transport.onFrame(onFrame);
    },
    stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      for (const { actor } of [...pending.values()]) {
        actor.send({ type: 'router.cancel', code: 'ERR_ROUTER_CLOSED', message: 'router stopped' });
      }
    },
    stats: () => ({
      requests: { ...stats.requests, failed: { ...stats.requests.failed } },
      inbound: { ...stats.inbound },
      refused: { ...stats.refused },
      pending: pending.size,
      seen: seen.size,
      sendErrors: stats.sendErrors
    })
  };
  return router;
}
