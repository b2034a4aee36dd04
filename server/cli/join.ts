/**
 * `bitdust node start --join … | --listen … | --nats …`: the operator node's network, built from
 * the flags and handed to `startHost({ network })` in place of the devnet's memory link.
 *
 * - tcp: the node listens on `--listen tcp://127.0.0.1:PORT` (default: an ephemeral port on
 *   loopback) and joins through every `--join tcp://HOST:PORT` seed.
 * - nats: `--nats nats://HOST:PORT` attaches the node to a NATS server; its address there is its
 *   node id, so seeds are given as node ids (`--join <node id>` or `--join nats://<node id>`).
 *
 * Seeds are transport addresses only: the handshake proves which node answers.
 */
import { createNatsTransport } from '../../actors/transports/nats.js';
import { createTcpTransport } from '../../actors/transports/tcp.js';
import type { TransportLogger } from '../../actors/transports/tcp-types.js';
import type { NetworkAttachment, NetLogger } from '../../actors/node/services/network.js';
import { UsageError } from './args.js';

/** The flags this module reads. */
export interface JoinFlags {
  join?: string[];
  listen?: string;
  nats?: string;
}

const TCP_LISTEN = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const NATS_SERVER = /^nats:\/\/[A-Za-z0-9.-]+:\d{1,5}$/;
const NATS_SEED = /^(?:nats:\/\/)?([A-Za-z0-9_-]{1,128})$/;

function listenAddress(flag: string | undefined): { host: string; port: number } {
  const m = TCP_LISTEN.exec(flag ?? 'tcp://127.0.0.1:0');
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`--listen wants tcp://HOST:PORT, got ${flag}`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * The network the flags describe, or undefined when none of them is given (the node then joins
 * the in-process devnet). Throws a UsageError for a malformed or contradictory flag.
 */
export function networkFromFlags(
  flags: JoinFlags,
  logger?: NetLogger & TransportLogger
): NetworkAttachment | undefined {
  const joins = flags.join ?? [];
  if (joins.length === 0 && flags.listen === undefined && flags.nats === undefined)
    return undefined;
  const common = { ...(logger ? { logger } : {}) };
  if (flags.nats !== undefined) {
    if (!NATS_SERVER.test(flags.nats)) {
      throw new UsageError(`--nats wants nats://HOST:PORT, got ${flags.nats}`);
    }
    if (flags.listen !== undefined) throw new UsageError('--listen is for tcp, not with --nats');
    const seeds = joins.map((j) => {
      const m = NATS_SEED.exec(j);
      if (!m) throw new UsageError(`with --nats, --join wants a node id, got ${j}`);
      return m[1] as string;
    });
    const servers = flags.nats;
    return {
      ...common,
      seeds,
      openTransport: (nodeId) =>
        createNatsTransport({ servers, address: nodeId, ...(logger ? { logger } : {}) })
    };
  }
  const { host, port } = listenAddress(flags.listen);
  for (const j of joins) {
    if (!TCP_LISTEN.test(j)) throw new UsageError(`--join wants tcp://HOST:PORT, got ${j}`);
  }
  return {
    ...common,
    seeds: joins,
    openTransport: () => createTcpTransport({ host, port, ...(logger ? { logger } : {}) })
  };
}
