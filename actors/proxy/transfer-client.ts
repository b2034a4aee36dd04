/**
 * The driving side of the acknowledged transfer (transfer.ts): opens an end-to-end NK session with
 * a server whose Noise key it knows, then puts and gets numbered chunks, each request retried on
 * its own timeout until answered or out of attempts. Loss, a dead circuit or a circuit rebuilt
 * elsewhere only show as `retries`.
 */
import { realClock } from '../clock.js';
import { BitDustError } from '../errors.js';
import { HandshakeState } from '../crypto/handshake-state.js';
import { Session } from '../crypto/session.js';
import type { Transport } from '../transports/types.js';
import { HOP_PROTOCOL } from './router-hops.js';
import {
  newSid,
  parseOp,
  sealedParts,
  sendSealed,
  transferFrame,
  type TransferOptions
} from './transfer.js';

interface Pending {
  resolve(bytes: Uint8Array): void;
  reject(err: Error): void;
  timer: unknown;
}

/** A client of one transfer server. */
export class TransferClient {
  readonly sid = newSid();
  readonly counters = { retries: 0, bad: 0 };
  #session: Session | null = null;
  #nextReq = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #off: () => void;
  readonly #o: Required<TransferOptions>;
  #welcome: ((b: Uint8Array) => void) | null = null;

  constructor(
    readonly transport: Transport,
    readonly to: string,
    readonly noiseKey: Uint8Array,
    options: TransferOptions = {}
  ) {
    this.#o = { timeoutMs: 1000, maxAttempts: 60, window: 8, clock: realClock, ...options };
    // Borrowed: a reply is decrypted into a fresh buffer, a welcome copied.
    this.#off = transport.onFrame((_from, frame) => this.#onFrame(frame), { borrow: true });
  }

  /** Runs the handshake (retried like any request). */
  async open(): Promise<void> {
    const hs = new HandshakeState({
      protocolName: HOP_PROTOCOL,
      initiator: true,
      remoteStaticKey: this.noiseKey
    });
    const hello = transferFrame(1, this.sid, hs.writeMessage());
    const welcome = await this.#retry(
      () => this.transport.send(this.to, hello),
      (settle) => (this.#welcome = settle)
    );
    this.#welcome = null;
    hs.readMessage(welcome);
    this.#session = Session.fromHandshake(hs.result, true);
  }

  /** Stores `chunks` under their indexes; resolves when every one is acknowledged. */
  async put(chunks: Uint8Array[]): Promise<void> {
    await this.#each(chunks.length, (i) => this.#request(1, i, chunks[i]).then(() => undefined));
  }

  /** Reads back `count` chunks. */
  async get(count: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array(count);
    await this.#each(count, async (i) => {
      out[i] = new Uint8Array(await this.#request(3, i));
    });
    return out;
  }

  close(): void {
    this.#off();
    for (const p of this.#pending.values()) {
      this.#o.clock.clearTimeout(p.timer);
      p.reject(new BitDustError('ERR_PROXY_TRANSFER_CLOSED', 'client closed'));
    }
    this.#pending.clear();
    this.#session?.destroy();
  }

  async #each(n: number, fn: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < n) await fn(next++); // bounded: each worker takes distinct indexes below n
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.window, n) }, worker));
  }

  #request(code: number, index: number, bytes?: Uint8Array): Promise<Uint8Array> {
    const reqId = this.#nextReq++;
    return this.#retry(
      () => {
        const session = this.#session as Session;
        return sendSealed(
          this.transport,
          this.to,
          sealedParts(session, this.sid, code, reqId, index, bytes)
        );
      },
      (settle) => this.#pending.set(reqId, { resolve: settle, reject: () => {}, timer: null }),
      reqId
    );
  }

  /** Sends, waits `timeoutMs`, resends, up to `maxAttempts`; resolves with the answer's bytes. */
  #retry(
    send: () => Promise<void>,
    register: (settle: (b: Uint8Array) => void) => void,
    reqId = 0
  ) {
    return new Promise<Uint8Array>((resolve, reject) => {
      let attempts = 0;
      let timer: unknown = null;
      const settle = (b: Uint8Array) => {
        this.#o.clock.clearTimeout(timer);
        this.#pending.delete(reqId);
        resolve(b);
      };
      register(settle);
      const attempt = () => {
        if (attempts++ >= this.#o.maxAttempts) {
          this.#pending.delete(reqId);
          return reject(
            new BitDustError(
              'ERR_PROXY_TRANSFER_TIMEOUT',
              `no answer after ${attempts - 1} attempts`
            )
          );
        }
        if (attempts > 1) this.counters.retries++;
        send().catch(() => {}); // not ready or unreachable: the timer retries
        timer = this.#o.clock.setTimeout(attempt, this.#o.timeoutMs);
        const p = this.#pending.get(reqId);
        if (p) Object.assign(p, { timer, reject });
      };
      attempt();
    });
  }

  #onFrame(frame: Uint8Array): void {
    if (frame[0] !== 0xe0 || frame.byteLength < 10) return;
    if (Buffer.compare(frame.subarray(2, 10), this.sid) !== 0) return;
    const body = frame.subarray(10);
    if (frame[1] === 2) return this.#welcome?.(new Uint8Array(body));
    if (frame[1] !== 3 || !this.#session) return;
    try {
      const o = parseOp(this.#session.receive(body));
      this.#pending.get(o.reqId)?.resolve(o.bytes);
    } catch {
      this.counters.bad++;
    }
  }
}
