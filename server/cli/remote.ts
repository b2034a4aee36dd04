/**
 * Commands that talk to a running node through its local API: the URL comes from
 * `<data-dir>/node.json`, the token from `<data-dir>/api-token`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeConfig } from '../../actors/node/config.js';
import { RUNTIME_FILE } from './host.js';
import { EXIT } from './args.js';
import type { Flags } from './args.js';
import type { Io } from './main.js';

export interface Running {
  url: string;
  token: string;
}

async function findRunning(config: NodeConfig): Promise<Running | undefined> {
  try {
    const runtime = JSON.parse(await readFile(join(config.dataDir, RUNTIME_FILE), 'utf8')) as {
      url: string;
    };
    const token = (await readFile(join(config.dataDir, 'api-token'), 'utf8')).trim();
    return { url: runtime.url, token };
  } catch {
    return undefined;
  }
}

/** One authenticated request to the running node's API; HTTP errors throw with the body. */
export async function call(running: Running, path: string, method = 'GET'): Promise<unknown> {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${running.token}` },
    signal: AbortSignal.timeout(10_000)
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Runs `fn` with the running node's URL and token; exit code 3 when no node runs. */
export async function withNode(
  config: NodeConfig,
  io: Io,
  fn: (running: Running) => Promise<number>
): Promise<number> {
  const running = await findRunning(config);
  if (!running) {
    io.err(`bitdust: no node is running from ${config.dataDir}`);
    return EXIT.notRunning;
  }
  try {
    return await fn(running);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
      io.err(`bitdust: no node answers at ${running.url} (stale ${RUNTIME_FILE}?)`);
      return EXIT.notRunning;
    }
    throw err;
  }
}

export function stopCommand(config: NodeConfig, flags: Flags, io: Io): Promise<number> {
  return withNode(config, io, async (running) => {
    const answer = await call(running, '/api/node/stop', 'POST');
    io.out(flags.json ? JSON.stringify(answer) : 'stop requested');
    return EXIT.ok;
  });
}

interface NodeView {
  id: string;
  name: string;
  devnet: boolean;
  services: { name: string; status: string; reason?: string }[];
}

/** A node's proxy view in GET /api/proxy (null when its transport is not proxy-aware). */
interface ProxyView {
  node: string;
  proxy: { mode: string; address: string; reachability: { state: string; reason: string } } | null;
}

export function statusCommand(config: NodeConfig, flags: Flags, io: Io): Promise<number> {
  return withNode(config, io, async (running) => {
    const answer = (await call(running, '/api/node')) as { nodes: NodeView[] };
    // Reachability, for nodes on a proxy-aware transport (tcp); an older API has no such route.
    const proxies = (
      (await call(running, '/api/proxy').catch(() => ({ nodes: [] }))) as {
        nodes: ProxyView[];
      }
    ).nodes;
    if (flags.json) {
      io.out(JSON.stringify({ ...answer, proxy: proxies }));
      return EXIT.ok;
    }
    for (const node of answer.nodes) {
      io.out(`${node.devnet ? 'devnet peer' : 'node'} ${node.name} ${node.id}`);
      for (const s of node.services) {
        io.out(`  ${s.name.padEnd(10)} ${s.status}${s.reason ? ` — ${s.reason}` : ''}`);
      }
      const p = proxies.find((x) => x.node === node.id)?.proxy;
      if (p) {
        const { state, reason } = p.reachability;
        io.out(`  ${'reach'.padEnd(10)} ${state} — ${reason}${p.address ? ` (${p.address})` : ''}`);
      }
    }
    return EXIT.ok;
  });
}

interface TreeView {
  id: string;
  status?: string;
  value?: unknown;
  restarts?: number;
  children?: TreeView[];
}

export function actorsCommand(config: NodeConfig, flags: Flags, io: Io): Promise<number> {
  return withNode(config, io, async (running) => {
    const answer = (await call(running, '/api/actors')) as {
      nodes: { node: string; tree: TreeView }[];
    };
    if (flags.json) {
      io.out(JSON.stringify(answer));
      return EXIT.ok;
    }
    const print = (t: TreeView, depth: number) => {
      const state = t.value === undefined ? '' : ` ${JSON.stringify(t.value)}`;
      const restarts = t.restarts ? ` (restarts ${t.restarts})` : '';
      io.out(`${'  '.repeat(depth)}${t.id}${state}${restarts}`);
      for (const c of t.children ?? []) print(c, depth + 1);
    };
    for (const n of answer.nodes) {
      io.out(`node ${n.node}`);
      print(n.tree, 1);
    }
    return EXIT.ok;
  });
}

/**
 * The storage commands (`backup`, `restore`, `rebuild`, `ls`, `versions`, `suppliers`, `rm`,
 * `retention`, `jobs`).
 */
export const STORAGE_COMMANDS = [
  'backup',
  'restore',
  'rebuild',
  'ls',
  'versions',
  'suppliers',
  'rm',
  'retention',
  'jobs'
] as const;

/** Runs one storage command against the running node's REST routes. */
export function storageCommand(
  name: (typeof STORAGE_COMMANDS)[number],
  args: string[],
  config: NodeConfig,
  io: Io
): Promise<number> {
  return withNode(config, io, async (running) => {
    const storage = await import('./storage-commands.js');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${running.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {})
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000)
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
      return JSON.parse(text) as unknown;
    };
    // A job's event stream lasts as long as the job: allow it the time a large tree takes (the
    // server sends a keep-alive comment every 15 s, so an idle connection is not cut).
    const events = async function* (path: string) {
      const res = await fetch(`${running.url}${path}`, {
        headers: { authorization: `Bearer ${running.token}`, accept: 'text/event-stream' },
        signal: AbortSignal.timeout(24 * 3600_000)
      });
      if (!res.ok || !res.body)
        throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
      // Node's web streams are async iterable; the DOM typings do not say so.
      yield* storage.parseEvents(res.body as unknown as AsyncIterable<Uint8Array>);
    };
    const backend = storage.remoteBackend(call, events);
    const handlers = {
      backup: storage.backupCommand,
      restore: storage.restoreCommand,
      rebuild: storage.rebuildCommand,
      ls: storage.lsCommand,
      versions: storage.versionsCommand,
      suppliers: storage.suppliersCommand,
      rm: storage.rmCommand,
      retention: storage.retentionCommand,
      jobs: storage.jobsCommand
    };
    return handlers[name](backend, args, io);
  });
}
