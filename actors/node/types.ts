/**
 * What a running node exposes to the local API, the inspector and embedders. The node assembly
 * (actors/node/create-node.ts) implements it; server/ only reads through it.
 */
import type { AnyActorRef } from 'xstate';

/** A service's health as the operator sees it: down always carries a reason. */
export interface ServiceStatus {
  name: string;
  status: 'starting' | 'up' | 'down' | 'stopped';
  dependsOn: string[];
  reason?: string;
}

/** One node's summary for /api/node. */
export interface NodeInfo {
  id: string;
  name: string;
  dataDir: string;
  startedAt: number;
  /** True for peers of the in-process devnet, false for the operator's node. */
  devnet: boolean;
  services: ServiceStatus[];
}

/** A node hosted in this process: the operator's node or a devnet peer. */
export interface HostedNode {
  readonly id: string;
  /** The root supervisor actor: its XState system is what the inspection bridge watches. */
  readonly root: AnyActorRef;
  info(): NodeInfo;
  /**
   * Live counters the operator may need when something is refused: decode errors by code,
   * handshakes and refusals by reason, sessions, router and DHT (JSON, served by /api/counters).
   */
  counters?(): unknown;
  /**
   * Proxy mode, reachability (`direct` / `relayed` / `unreachable` with a plain reason) and the
   * receiver's and router's counters (served by /api/proxy); null without a proxy-aware transport.
   */
  proxy?(): unknown;
}
