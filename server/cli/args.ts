/**
 * Command-line parsing shared by every `bitdust` command: one table of options, `--help` text
 * generated from it, and usage errors that carry exit code 2.
 */
import { parseArgs } from 'node:util';
import { BitDustError } from '../../actors/errors.js';

/** Exit codes, in the conventions of Node CLIs. */
export const EXIT = { ok: 0, failure: 1, usage: 2, notRunning: 3 } as const;

export class UsageError extends BitDustError {
  constructor(message: string) {
    super('ERR_CLI_USAGE', message);
    this.name = 'UsageError';
  }
}

export const OPTIONS = {
  'data-dir': { type: 'string', help: 'where the node keeps its keys, token and data' },
  port: { type: 'string', help: 'local API port on 127.0.0.1 (0: any free port)' },
  devnet: { type: 'string', help: 'in-process devnet peers to start beside the node (0: none)' },
  seed: { type: 'string', help: 'seed for simulated delays and faults, to replay a run' },
  name: { type: 'string', help: 'a name for this node in the inspector' },
  config: { type: 'string', help: 'a JSON config file (default: <data-dir>/config.json)' },
  'log-level': { type: 'string', help: 'fatal, error, warn, info, debug, trace or silent' },
  'no-api': { type: 'boolean', help: 'do not start the local API and inspector' },
  compression: {
    type: 'string',
    help: 'node start: how backups compress blocks, auto (where it pays) or off (default auto)'
  },
  join: {
    type: 'string',
    multiple: true,
    help: 'node start: a seed to join through, tcp://HOST:PORT (with --nats: a node id)'
  },
  listen: {
    type: 'string',
    help: "node start: this node's tcp listener (default tcp://127.0.0.1:0)"
  },
  nats: { type: 'string', help: 'node start: attach to this NATS server, nats://HOST:PORT' },
  'proxy-router': {
    type: 'boolean',
    help: 'node start (tcp): carry proxy circuits for hidden nodes, announced in the DHT; logs its --via'
  },
  'proxy-capacity': {
    type: 'string',
    help: 'node start: circuit hops a --proxy-router carries at once (default 20)'
  },
  hide: {
    type: 'string',
    help: 'node start (tcp): hide this node behind proxy routers: nat (1 hop) or privacy (3)'
  },
  via: {
    type: 'string',
    multiple: true,
    help: 'node start: a proxy router for --hide, tcp://HOST:PORT#NOISEKEY (repeatable; default: DHT)'
  },
  out: { type: 'string', help: 'identity export: write to this file instead of stdout' },
  force: { type: 'boolean', help: 'identity import: replace an existing identity' },
  contact: { type: 'string', multiple: true, help: 'identity rotate: a contact URL (repeatable)' },
  json: { type: 'boolean', help: 'print machine-readable JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', help: 'show the version' }
} as const;

export type Flags = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

export function parse(argv: string[]): { positionals: string[]; flags: Flags } {
  try {
    const options = Object.fromEntries(
      Object.entries(OPTIONS).map(([name, o]) => [
        name,
        {
          type: o.type,
          ...('short' in o ? { short: o.short } : {}),
          ...('multiple' in o ? { multiple: o.multiple } : {})
        }
      ])
    );
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
    return { positionals, flags: values as Flags };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const HELP = `bitdust — a node of the BitDust TS network

Usage
  bitdust node start [options]   start a node (and an in-process devnet) in the foreground
  bitdust node stop [options]    stop the node running from the data dir
  bitdust node status [options]  show the running node's services
  bitdust actors [options]       show the live supervisor and actor tree
  bitdust backup <path>          back up a file or a tree to the node's suppliers
  bitdust restore <path> --into <dir> [--overwrite] [--version n]
  bitdust rebuild                put back every shard missing at a hired supplier
  bitdust ls | versions <path> | suppliers | rm <path>
  bitdust retention [n]          versions kept of each file (n sets it)
  bitdust jobs [id]              storage jobs of the node; with an id, follow one to its end
  bitdust jobs cancel <id>       ask a running storage job to stop
  bitdust ledger [balance]       credits: balance, grants, contracts, customers' standing
  bitdust ledger entries | audit | balances   the chain's entries, its audit, every node
  bitdust identity show          show this node's identity document
  bitdust identity export        print the identity, sealed with BITDUST_PASSPHRASE, for recovery
  bitdust identity import FILE   restore an exported identity into the data dir
  bitdust identity rotate        publish new contacts (--contact URL ...) in a new revision
  bitdust demo <scenario>        run a scripted scenario to watch in the inspector

Options
${Object.entries(OPTIONS)
  .map(([name, o]) => `  --${name.padEnd(12)} ${o.help}`)
  .join('\n')}

Environment
  BITDUST_DATA_DIR, BITDUST_PORT, BITDUST_DEVNET, BITDUST_SEED, BITDUST_NAME, BITDUST_LOG_LEVEL
  BITDUST_PASSPHRASE  seals the keys at rest (Argon2id) and the identity export

Exit codes
  0 success, 1 failure, 2 usage or configuration error, 3 no node running
`;
