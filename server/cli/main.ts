/**
 * `bitdust`: node start/stop/status, actors, demo. Human output by default, `--json` for scripts;
 * exit codes 0 ok, 1 failure, 2 usage or configuration error, 3 no node running.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../actors/node/config.js';
import type { NodeConfig } from '../../actors/node/config.js';
import { EXIT, HELP, parse, UsageError } from './args.js';
import type { Flags } from './args.js';
import { startCommand } from './start.js';
import {
  actorsCommand,
  statusCommand,
  stopCommand,
  STORAGE_COMMANDS,
  storageCommand
} from './remote.js';

/** Output streams, replaceable in tests. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** stdout is a terminal: progress redraws one bar in place (through `write`). */
  tty?: boolean;
  /** Writes to stdout without a newline. */
  write?: (chunk: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: process.stdout.isTTY === true,
  write: (chunk) => process.stdout.write(chunk)
};

/** Runs one command; resolves with the exit code (`node start` resolves when the node stops). */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  try {
    const storage = STORAGE_COMMANDS.find((c) => c === argv[0]);
    if (storage) {
      // Storage commands have options of their own (--into, --overwrite, --version): only the
      // options that find the node are read here, the rest goes to the command.
      const { global, rest } = splitGlobalOptions(argv.slice(1));
      return await storageCommand(storage, rest, configFrom(parse(global).flags), io);
    }
    const { positionals, flags } = parse(argv);
    if (flags.version) {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      io.out(String(pkg.version));
      return EXIT.ok;
    }
    if (flags.help || positionals.length === 0) {
      io.out(HELP);
      return flags.help ? EXIT.ok : EXIT.usage;
    }
    const command = positionals.join(' ');
    switch (command) {
      case 'node start':
        return await startCommand(configFrom(flags), flags, io);
      case 'node stop':
        return await stopCommand(configFrom(flags), flags, io);
      case 'node status':
        return await statusCommand(configFrom(flags), flags, io);
      case 'actors':
        return await actorsCommand(configFrom(flags), flags, io);
      default:
        if (positionals[0] === 'identity') {
          const { identityCommand } = await import('./identity.js');
          const [, action, ...rest] = positionals;
          return await identityCommand(action, rest, configFrom(flags), flags, io);
        }
        if (positionals[0] === 'ledger') {
          const { ledgerCommand } = await import('./ledger-commands.js');
          return await ledgerCommand(positionals.slice(1), configFrom(flags), flags, io);
        }
        if (positionals[0] === 'demo') {
          const { demoCommand } = await import('./demo.js');
          return await demoCommand(positionals[1], configFrom(flags), flags, io);
        }
        throw new UsageError(`unknown command '${command}' (see bitdust --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`bitdust: ${err.message.replace(/^ERR_CLI_USAGE: /, '')}`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      io.err('bitdust: invalid configuration:');
      for (const issue of err.issues) io.err(`  ${issue.key} (${issue.source}): ${issue.message}`);
      return EXIT.usage;
    }
    io.err(`bitdust: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  }
}

/** `--data-dir`/`--config` (with their values) apart from everything else. */
function splitGlobalOptions(argv: string[]): { global: string[]; rest: string[] } {
  const global: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir' || a === '--config') global.push(a, argv[++i] ?? '');
    else if (a.startsWith('--data-dir=') || a.startsWith('--config=')) global.push(a);
    else rest.push(a);
  }
  return { global, rest };
}

function configFrom(flags: Flags): NodeConfig {
  return loadConfig({
    options: {
      dataDir: flags['data-dir'],
      port: flags.port,
      devnet: flags.devnet,
      seed: flags.seed,
      name: flags.name,
      logLevel: flags['log-level'],
      api: flags['no-api'] ? false : undefined,
      compression: flags.compression
    },
    ...(flags.config !== undefined ? { configFile: flags.config } : {})
  });
}

// Run when executed directly (node --import tsx server/cli/main.ts ...).
if (import.meta.url === `file://${process.argv[1]}`) {
  // `bitdust actors | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  process.exitCode = await main(process.argv.slice(2));
}
