import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, natsServerMissing, startNatsServer } from './support/nats-server.js';

const ENTRY = fileURLToPath(new URL('./support/node-process.ts', import.meta.url));
const MESSAGES = 10_000;

interface Proc {
  child: ChildProcessWithoutNullStreams;
  ready: { id: string; address: string };
  ask<T = Record<string, unknown>>(cmd: object, event: string, timeoutMs: number): Promise<T>;
  output(): string;
}

/** Starts one node process and waits (bounded) for its ready line. */
async function startProc(args: string[]): Promise<Proc> {
  // The test runner marks its children with NODE_TEST_CONTEXT; a node process is not a test file.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe']
  });
  let out = '';
  let buffered = '';
  const waiters: { event: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    buffered += d.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const msg = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>;
      buffered = buffered.slice(nl + 1);
      const i = waiters.findIndex((w) => w.event === msg.event);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
    }
  });
  const next = (event: string, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${event} within ${timeoutMs} ms; output:\n${out}`)),
        timeoutMs
      );
      waiters.push({
        event,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        }
      });
      child.once('exit', () => reject(new Error(`exited before ${event}; output:\n${out}`)));
    });
  const ready = (await next('ready', 30_000)) as unknown as Proc['ready'];
  return {
    child,
    ready,
    output: () => out,
    ask: async <T>(cmd: object, event: string, timeoutMs: number) => {
      const reply = next(event, timeoutMs);
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
      return (await reply) as T;
    }
  };
}

const exited = (p: Proc, timeoutMs = 10_000) =>
  p.child.exitCode !== null || p.child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          p.child.kill('SIGKILL');
          resolve();
        }, timeoutMs);
        p.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });

async function connected(p: Proc, ids: string[], timeoutMs = 30_000) {
  const r = await p.ask<{ ok: boolean }>(
    { cmd: 'wait-peers', ids, timeoutMs },
    'peers',
    timeoutMs + 5_000
  );
  assert.ok(r.ok, `${p.ready.id} has no session with ${ids.join(', ')}:\n${p.output()}`);
}

/** `from` sends `count` messages to `to`; all acknowledged, each received once. */
async function exchange(pairs: [Proc, Proc][], count: number) {
  const sent = await Promise.all(
    pairs.map(([from, to]) =>
      from.ask<{ ok: number; failed: number }>(
        { cmd: 'send', to: to.ready.id, count, window: 64 },
        'sent',
        60_000
      )
    )
  );
  for (const s of sent) assert.deepEqual({ ok: s.ok, failed: s.failed }, { ok: count, failed: 0 });
  const receivers = [...new Set(pairs.map(([, to]) => to))];
  const reports = new Map<
    Proc,
    Record<string, { count: number; duplicates: number; max: number }>
  >();
  for (const to of receivers) {
    const r = await to.ask<{
      from: Record<string, { count: number; duplicates: number; max: number }>;
    }>({ cmd: 'received', reset: true }, 'received', 10_000);
    reports.set(to, r.from);
  }
  for (const [from, to] of pairs) {
    const got = reports.get(to)?.[from.ready.id];
    assert.deepEqual(
      got,
      { count, duplicates: 0, max: count - 1 },
      `what ${to.ready.id} received from ${from.ready.id}: every index once`
    );
  }
}

/** Three processes: handshake, 10,000 messages each way, kill -9 and restart of one. */
async function scenario(args: (name: string, seed: Proc | undefined) => Promise<string[]>) {
  const base = mkdtempSync(join(tmpdir(), 'bitdust-3p-'));
  const procs: Proc[] = [];
  try {
    const argsOf: Record<string, string[]> = {};
    const start = async (name: string, seed?: Proc) => {
      argsOf[name] ??= [
        '--data-dir',
        join(base, name),
        '--name',
        name,
        ...(await args(name, seed))
      ];
      const p = await startProc(argsOf[name]);
      procs.push(p);
      return p;
    };
    const a = await start('a');
    const b = await start('b', a);
    const c = await start('c', a);
    const all = [a, b, c];
    for (const p of all)
      await connected(
        p,
        all.filter((q) => q !== p).map((q) => q.ready.id)
      );
    // Every pair, both ways at once: 6 × 10,000 requests, each acknowledged through the sessions.
    await exchange(
      [
        [a, b],
        [b, a],
        [a, c],
        [c, a],
        [b, c],
        [c, b]
      ],
      MESSAGES
    );

    c.child.kill('SIGKILL');
    await exited(c);
    const c2 = await start('c', a);
    assert.equal(c2.ready.id, c.ready.id, 'the restarted node keeps its identity');
    await connected(c2, [a.ready.id, b.ready.id]);
    await connected(a, [c2.ready.id]);
    await connected(b, [c2.ready.id]);
    await exchange(
      [
        [c2, a],
        [a, c2],
        [b, c2]
      ],
      200
    );
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => exited(p)));
    rmSync(base, { recursive: true, force: true });
  }
}

describe('three node processes on loopback', { timeout: 120_000 }, () => {
  it('over tcp: handshake, 10,000 messages each way, survive kill -9 and restart', async () => {
    const ports: Record<string, number> = {};
    await scenario(async (name, seed) => {
      ports[name] ??= await freePort();
      const listen = ['--listen', `tcp://127.0.0.1:${ports[name]}`];
      return seed ? [...listen, '--join', seed.ready.address] : listen;
    });
  });

  it(
    'over nats: handshake, 10,000 messages each way, survive kill -9 and restart',
    { skip: natsServerMissing() },
    async () => {
      const server = await startNatsServer();
      try {
        await scenario(async (_name, seed) =>
          seed ? ['--nats', server.url, '--join', seed.ready.id] : ['--nats', server.url]
        );
      } finally {
        await server.stop();
      }
    }
  );
});
