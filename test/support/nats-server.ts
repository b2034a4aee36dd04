/**
 * Starts Debian's `nats-server` for tests and benchmarks: on loopback only, on a free port, with an
 * optional small `max_payload` (to force chunking) and cluster routes. Readiness is read from the
 * server's own log ("Server is ready", "Route connection created"), with a bounded wait, so no
 * test polls a port or sleeps. Every server started here is killed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the Makefile's apt step installs the server. */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A reason to skip NATS tests (the binary is missing), or false when they can run. */
export function natsServerMissing(): string | false {
  return existsSync(NATS_SERVER_BIN)
    ? false
    : `${NATS_SERVER_BIN} not found: install Debian's nats-server (make apt) to run NATS tests`;
}

/** How to start one server. */
export interface NatsServerOptions {
  /** Client port; default a free one. */
  port?: number;
  /** The server's max_payload in bytes (default the server's 1 MiB). */
  maxPayload?: number;
  /** Cluster membership: this server's route port and the routes it solicits. */
  cluster?: { name: string; port: number; routes: number[] };
  /** Routes to wait for before resolving (default: the count of `cluster.routes`). */
  waitRoutes?: number;
  /** Bound on the start-up wait. Default 10 s. */
  timeoutMs?: number;
}

/** A running server. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGTERM, then SIGKILL) and resolves when it exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same ports with the same options. */
  restart(): Promise<NatsServer>;
}

/** A port nobody listens on right now (closed again before use; good enough on loopback). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof addr !== 'object' || !addr) throw new Error('no port');
  return addr.port;
}

/** Starts `nats-server` on 127.0.0.1 and resolves once it accepts clients (and routes). */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const missing = natsServerMissing();
  if (missing) throw new Error(missing);
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-nats-'));
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, options.maxPayload ? `max_payload: ${options.maxPayload}\n` : '');
  const args = ['-c', conf, '-a', '127.0.0.1', '-p', String(port)];
  const c = options.cluster;
  if (c) {
    args.push('--cluster', `nats://127.0.0.1:${c.port}`, '--cluster_name', c.name);
    if (c.routes.length) {
      args.push('--routes', c.routes.map((p) => `nats://127.0.0.1:${p}`).join(','));
    }
  }
  const child = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // A test or bench that exits early (a failure, process.exit) must not leave the server behind.
  const orphan = (): void => void child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(child, options.waitRoutes ?? c?.routes.length ?? 0, options.timeoutMs ?? 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      return startNatsServer({ ...options, port });
    }
  };
}

/**
 * Starts `n` clustered servers: the first listens for routes, each later one solicits routes to all
 * before it, so the mesh is complete; resolves when every server has its n − 1 routes.
 */
export async function startNatsCluster(n: number, maxPayload?: number): Promise<NatsServer[]> {
  const routePorts: number[] = [];
  for (let i = 0; i < n; i++) routePorts.push(await freePort());
  const servers: NatsServer[] = [];
  try {
    const started = routePorts.map((port, i) =>
      startNatsServer({
        maxPayload,
        cluster: { name: 'bitdust-test', port, routes: routePorts.slice(0, i) },
        waitRoutes: n - 1
      }).then((s) => void servers.push(s))
    );
    await Promise.all(started);
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}

/** Resolves when the log says the server is ready and `routes` routes are up; bounded. */
function ready(child: ChildProcess, routes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = ''; // start-up output is a few KiB; matched whole, so a line split across chunks counts
    const done = (err?: Error): void => {
      clearTimeout(timer);
      child.stderr?.removeListener('data', onData);
      child.removeListener('exit', onExit);
      child.stderr?.resume(); // keep draining the log so the server never blocks on it
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      const routed = log.split('Route connection created').length - 1;
      if (log.includes('Server is ready') && routed >= routes) done();
    };
    const onExit = (code: number | null): void =>
      done(new Error(`nats-server exited (${code}) before it was ready:\n${log}`));
    const timer = setTimeout(
      () => done(new Error(`nats-server not ready after ${timeoutMs} ms:\n${log}`)),
      timeoutMs
    );
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}
