/**
 * `bitdust node start`: runs the node in the foreground until Ctrl-C, SIGTERM or `bitdust node
 * stop`, then stops everything in reverse order. Logs go to `<data-dir>/logs/node.log` (pino).
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { NodeConfig } from '../../actors/node/config.js';
import { EXIT } from './args.js';
import type { Flags } from './args.js';
import { startHost } from './host.js';
import { networkFromFlags } from './join.js';
import type { Io } from './main.js';

const UI_DIR = fileURLToPath(new URL('../../inspector-ui/dist', import.meta.url));

export async function startCommand(config: NodeConfig, flags: Flags, io: Io): Promise<number> {
  const logger = pino(
    { level: config.logLevel, name: config.name },
    pino.destination({ dest: join(config.dataDir, 'logs', 'node.log'), mkdir: true, sync: false })
  );
  const passphrase = process.env.BITDUST_PASSPHRASE ?? '';
  let requestStop: (reason: string) => void = () => undefined;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  // --join/--listen/--nats: the node's own tcp or nats network instead of the devnet's link.
  const network = networkFromFlags(flags, logger);
  const host = await startHost({
    config,
    passphrase,
    logger,
    ...(network ? { network } : {}),
    ...(existsSync(UI_DIR) ? { uiDir: UI_DIR } : {}),
    onStopRequest: (reason) => requestStop(reason)
  });
  logger.info({ id: host.node.id, devnet: host.devnet.nodes.length }, 'node started');

  // Listen for signals before saying we are up: whoever reads the summary may signal at once, and
  // without a listener the OS's default action would kill the process before it stops cleanly.
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const stopping = new Promise<string>((resolve) => {
    for (const s of signals) process.once(s, () => resolve(s));
    void stopRequested.then(resolve);
  });
  const summary = {
    id: host.node.id,
    dataDir: config.dataDir,
    url: host.listening?.url,
    inspector: host.listening?.inspectorUrl,
    devnet: host.devnet.nodes.map((n) => n.id),
    address: host.node.networkStats()?.address
  };
  if (flags.json) io.out(JSON.stringify(summary));
  else {
    io.out(`BitDust TS node ${summary.id} is up (data dir ${summary.dataDir})`);
    if (!passphrase) io.out('  keys are stored unsealed: set BITDUST_PASSPHRASE to seal them');
    io.out(`  devnet: ${summary.devnet.length} in-process peers`);
    if (network) io.out(`  network: ${summary.address ?? 'not attached yet'}`);
    if (summary.inspector) io.out(`  inspector: ${summary.inspector}`);
    else io.out('  local API disabled (--no-api)');
    io.out('  Ctrl-C stops the node');
  }

  const reason = await stopping;
  for (const s of signals) process.removeAllListeners(s);
  if (!flags.json) io.out(`stopping (${reason})…`);
  await host.stop();
  logger.info({ reason }, 'node stopped');
  logger.flush();
  if (!flags.json) io.out('stopped');
  return EXIT.ok;
}
