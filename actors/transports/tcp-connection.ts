/**
 * One tcp connection: frames in and out of a socket, the hello that names the dialer, keepalive
 * and backpressure. It knows nothing of peers or dialing; the transport owns those and hears back
 * through {@link ConnectionEvents}.
 *
 * Backpressure: `send` writes at once (so concurrent sends keep their order) and resolves while
 * the bytes queued in user space stay under the high-water mark; above it, it waits for 'drain'.
 * Above `maxQueuedBytes` it rejects at once with ERR_TRANSPORT_UNREACHABLE, and a drain that does
 * not come within the stall timeout closes the connection ('stalled'), rejecting the waiters.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { TransportError } from './errors.js';
import { encodeHello, FrameDecoder, frameHeader, FrameKind, parseHello } from './tcp-framing.js';
import type { TcpCloseReason } from './tcp-types.js';

/** Frames below this many body bytes are joined into one write; larger ones go as a writev. */
const JOIN_BELOW = 16 << 10;
/** How long a graceful close waits for the peer's FIN before destroying the socket. */
const CLOSE_GRACE_MS = 2000;

/** Limits and timers a connection runs with (resolved from the transport's options). */
export interface ConnectionConfig {
  clock: Clock;
  maxFrameBytes: number;
  highWaterMark: number;
  maxQueuedBytes: number;
  stallTimeoutMs: number;
  pingIntervalMs: number;
  deadAfterMs: number;
  helloTimeoutMs: number;
}

/** What a connection reports to its transport. */
export interface ConnectionEvents {
  hello(conn: TcpConnection, address: string): void;
  /** A data frame; `body` is borrowed (valid during the call only): copy it to keep it. */
  frame(conn: TcpConnection, body: Uint8Array): void;
  closed(conn: TcpConnection, reason: TcpCloseReason): void;
  /** Bytes and frames crossing the socket, for the transport's counters. */
  count(what: 'in' | 'out' | 'ping' | 'drain-wait', bytes: number): void;
}

/** A framed socket to one peer. `peer` is known at once when dialed, after the hello if accepted. */
export class TcpConnection {
  peer: string | null;
  readonly dialed: boolean;
  readonly #socket: Socket;
  readonly #cfg: ConnectionConfig;
  readonly #events: ConnectionEvents;
  readonly #decoder: FrameDecoder;
  readonly #closedPromise: Promise<void>;
  #reason: TcpCloseReason | null = null;
  #byeSeen = false;
  #lastIn: number;
  #lastOut: number;
  #timer: unknown = null;
  #stallTimer: unknown = null;
  #waiters: Array<{ resolve(): void; reject(err: Error): void }> = [];

  /** Wraps `socket`; a dialed connection sends its hello (`self`) before anything else. */
  constructor(
    socket: Socket,
    dial: { peer: string; self: string } | null,
    cfg: ConnectionConfig,
    events: ConnectionEvents
  ) {
    this.#socket = socket;
    this.#cfg = cfg;
    this.#events = events;
    this.dialed = dial !== null;
    this.peer = dial?.peer ?? null;
    this.#decoder = new FrameDecoder(cfg.maxFrameBytes + 1);
    this.#lastIn = this.#lastOut = cfg.clock.now();
    this.#closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true); // frames are whole messages; Nagle would only add latency
    socket.setKeepAlive(true, cfg.pingIntervalMs); // the kernel's check backs up our pings
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.close(this.#byeSeen ? 'bye' : 'remote-end'));
    socket.on('error', () => this.close('error'));
    socket.on('close', () => this.close('error'));
    socket.on('drain', () => this.#settle(null));
    if (dial) this.#write(FrameKind.hello, [encodeHello(dial.self)]);
    this.#arm(this.peer ? cfg.pingIntervalMs : cfg.helloTimeoutMs);
  }

  /** True once closed, for whatever reason. */
  get isClosed(): boolean {
    return this.#reason !== null;
  }

  /** Writes one data frame; see the module comment for when it resolves. */
  send(frame: Uint8Array): Promise<void> {
    // A copy: the caller may reuse `frame` once this resolves, possibly before it is written.
    return this.sendParts([Buffer.from(frame)]);
  }

  /**
   * Writes the data frame `parts` make, handed over (never copied, never modified); `released`
   * is called once the socket no longer holds them (see Transport.sendParts).
   */
  sendParts(parts: readonly Uint8Array[], released?: () => void): Promise<void> {
    const to = this.peer ?? 'peer';
    if (this.#reason || this.#socket.writableLength > this.#cfg.maxQueuedBytes) {
      released?.();
      if (this.#reason) return Promise.reject(TransportError.unreachable(to, 'connection closed'));
      return Promise.reject(TransportError.unreachable(to, 'send queue full; peer not reading'));
    }
    this.#write(FrameKind.data, parts, released);
    if (this.#socket.writableLength <= this.#cfg.highWaterMark) return Promise.resolve();
    if (this.#waiters.length === 0) {
      this.#stallTimer = this.#cfg.clock.setTimeout(
        () => this.close('stalled'),
        this.#cfg.stallTimeoutMs
      );
    }
    this.#events.count('drain-wait', 0);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Closes with `reason`. A local close says bye and ends the stream so queued frames still
   * arrive; any other reason destroys the socket at once. Resolves when the socket is closed.
   */
  close(reason: TcpCloseReason): Promise<void> {
    if (this.#reason) return this.#closedPromise;
    this.#reason = reason;
    this.#cfg.clock.clearTimeout(this.#timer);
    this.#settle(TransportError.unreachable(this.peer ?? 'peer', `connection ${reason}`));
    if (reason === 'local-close' && !this.#socket.destroyed) {
      this.#write(FrameKind.bye, []);
      this.#socket.end();
      // Real time on purpose: a safety net against a peer that never closes, not protocol logic.
      setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
    } else {
      this.#socket.destroy();
    }
    this.#events.closed(this, reason);
    return this.#closedPromise;
  }

  /**
   * The frame header, then each part: corked, so the socket gets them in one writev and no
   * bytes are copied together in user space (a small frame is simply joined).
   */
  #write(kind: FrameKind, parts: readonly Uint8Array[], released?: () => void): void {
    this.#lastOut = this.#cfg.clock.now();
    const socket = this.#socket;
    const bytes = frameHeader(kind, parts);
    if (bytes.body < JOIN_BELOW) {
      // Small: one copy and one write are cheaper than a stream write per piece.
      socket.write(Buffer.concat([bytes.header, ...parts]));
      released?.(); // copied: the parts are free again
    } else {
      socket.cork();
      // The header last-but-one: the stream calls a write's callback once that chunk, and so
      // every chunk before it, is written (or with an error once the socket is destroyed and
      // drops them), so the last part's callback frees them all.
      socket.write(bytes.header);
      const last = parts.findLastIndex((p) => p.byteLength > 0);
      for (let i = 0; i <= last; i++) {
        const p = parts[i]!;
        if (p.byteLength > 0) socket.write(p, i === last ? released : undefined);
      }
      if (last < 0) released?.();
      socket.uncork();
    }
    if (kind === FrameKind.data) this.#events.count('out', bytes.body);
  }

  /** Resolves (err null) or rejects every send waiting for 'drain'. */
  #settle(err: Error | null): void {
    if (this.#waiters.length === 0) return;
    this.#cfg.clock.clearTimeout(this.#stallTimer);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters)
      if (err) w.reject(err);
      else w.resolve();
  }

  #onData(chunk: Buffer): void {
    if (this.#reason) return;
    this.#lastIn = this.#cfg.clock.now();
    const fault = this.#decoder.push(
      chunk,
      (kind, body) => this.#onFrame(kind, body),
      () => this.#reason === null
    );
    if (fault) void this.close(fault);
  }

  /** One decoded frame; `body` is borrowed from the decoder (see FrameSink). */
  #onFrame(kind: FrameKind, body: Uint8Array): void {
    if (kind === FrameKind.data) {
      if (!this.peer) return void this.close('no-hello');
      this.#events.count('in', body.byteLength);
      this.#events.frame(this, body);
    } else if (kind === FrameKind.hello) {
      const address = this.dialed || this.peer ? null : parseHello(body);
      if (!address) return void this.close('bad-hello');
      this.peer = address;
      this.#arm(this.#cfg.pingIntervalMs);
      this.#events.hello(this, address);
    } else if (kind === FrameKind.ping) this.#write(FrameKind.pong, []);
    else if (kind === FrameKind.bye) this.#byeSeen = true;
  }

  /** One timer per connection: the hello deadline first, then the idle check every interval. */
  #arm(ms: number): void {
    this.#cfg.clock.clearTimeout(this.#timer);
    this.#timer = this.#cfg.clock.setTimeout(() => this.#onTimer(), ms);
  }

  #onTimer(): void {
    if (this.#reason) return;
    if (!this.peer) return void this.close('no-hello');
    const now = this.#cfg.clock.now();
    if (now - this.#lastIn >= this.#cfg.deadAfterMs) return void this.close('idle-timeout');
    if (
      now - this.#lastIn >= this.#cfg.pingIntervalMs ||
      now - this.#lastOut >= this.#cfg.pingIntervalMs
    ) {
      this.#write(FrameKind.ping, []);
      this.#events.count('ping', 0);
    }
    this.#arm(this.#cfg.pingIntervalMs);
  }
}
