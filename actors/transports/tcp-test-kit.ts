/**
 * Helpers shared by the tcp tests: endpoints on loopback with a TestClock, raw sockets that play a
 * misbehaving peer, and bounded waits on real I/O (each tick yields to the event loop once; none
 * sleeps). Not part of the transport.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { TestClock } from '../clock.js';
import { createTcpTransport } from './tcp.js';
import type { TcpTransport, TcpTransportOptions } from './tcp-types.js';

/** Everything a test opened, closed again by {@link TcpKit.close}. */
export class TcpKit {
  readonly clock = new TestClock(1_000_000);
  readonly warnings: Array<Record<string, unknown>> = [];
  readonly #transports: TcpTransport[] = [];
  readonly #sockets: Socket[] = [];
  readonly #servers: Server[] = [];

  /** An endpoint on 127.0.0.1 driven by this kit's clock, logging warnings into `warnings`. */
  async open(options: Partial<TcpTransportOptions> = {}): Promise<TcpTransport> {
    const t = await createTcpTransport({
      host: '127.0.0.1',
      clock: this.clock,
      logger: { warn: (obj) => this.warnings.push(obj as Record<string, unknown>) },
      ...options
    });
    this.#transports.push(t);
    return t;
  }

  /** A raw client socket to a `tcp://` endpoint, connected. */
  async raw(address: string): Promise<Socket> {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined); // resets are what some tests provoke
    this.#sockets.push(socket);
    await once(socket, 'connect', { signal: AbortSignal.timeout(5000) });
    return socket;
  }

  /** A server that accepts and then never reads nor writes: a hung peer. */
  async silentServer(): Promise<string> {
    const server = createServer((s) => {
      s.pause();
      s.on('error', () => undefined);
      this.#sockets.push(s);
    });
    this.#servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening', { signal: AbortSignal.timeout(5000) });
    const addr = server.address();
    return `tcp://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  /** Resolves once `socket` is closed by the other side, or fails after 5 s. */
  async closedByPeer(socket: Socket): Promise<void> {
    if (socket.closed) return;
    await once(socket, 'close', { signal: AbortSignal.timeout(5000) });
  }

  /** Closes everything this kit opened. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all(this.#transports.map((t) => t.close()));
    await Promise.all(this.#servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** Yields to I/O until `cond` holds; fails after `maxTicks` turns of the event loop. */
export async function until(cond: () => boolean, what: string, maxTicks = 100_000): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    if (cond()) return;
    await yieldToIo();
  }
  throw new Error(`gave up waiting for ${what}`);
}
