/**
 * Runs `bitdust` as a user would, in a child process, and reads what it prints. Every wait is
 * bounded; the process is killed in teardown if a test left it running.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../server/cli/main.ts', import.meta.url));

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line (the `--json` start summary). */
  firstLine(timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  exited(timeoutMs?: number): Promise<number | null>;
  output(): string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  // The test runner marks its children with NODE_TEST_CONTEXT; the CLI is not one of its tests.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...inherited, ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const bounded = <T>(p: Promise<T>, ms: number, what: string) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${what} not within ${ms} ms; output:\n${out}`)),
          ms
        ).unref()
      )
    ]);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    firstLine: (ms = 30_000) =>
      bounded(
        new Promise<string>((resolve, reject) => {
          const check = () => {
            const nl = out.indexOf('\n');
            if (nl >= 0) resolve(out.slice(0, nl));
          };
          child.stdout.on('data', check);
          child.once('exit', () => reject(new Error(`exited before printing; output:\n${out}`)));
          check();
        }),
        ms,
        'first line'
      ),
    exited: (ms = 30_000) => bounded(exit, ms, 'exit')
  };
}

/** A `bitdust node start --json` child with its start summary and its API token. */
export interface NodeCli {
  node: CliProcess;
  dataDir: string;
  /** The start summary's fields (`id`, `url`, and `address` when it listens). */
  summary: { id: string; url: string; address?: string };
  url: string;
  token: string;
}

/**
 * Starts `bitdust node start --data-dir <dataDir> --port 0 --json …extra` and waits (bounded) for
 * its summary line. The caller owns `dataDir`; the process is killed when the test ends.
 */
export async function startNodeCli(
  t: { after(fn: () => void): void },
  dataDir: string,
  extra: string[]
): Promise<NodeCli> {
  const node = runCli(['node', 'start', '--data-dir', dataDir, '--port', '0', '--json', ...extra]);
  t.after(() => node.child.kill('SIGKILL'));
  const summary = JSON.parse(await node.firstLine()) as NodeCli['summary'];
  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  return { node, dataDir, summary, url: summary.url, token };
}
