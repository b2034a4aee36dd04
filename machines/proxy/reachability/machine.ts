/**
 * reachability — how others can reach this node, in one word and one plain reason.
 *
 * Purpose: combine what the node knows about inbound connections and about its proxy circuit
 * into `direct`, `relayed` or `unreachable`, each with a reason the API and the inspector show
 * ("inbound TCP works", "no inbound TCP; relayed via 1 router", "router lost: …").
 *
 * States
 * - `checking`: waiting for the inbound probe; after `probeTimeoutMs` it counts as no inbound.
 * - `direct`: peers connect to our own address (never in privacy mode).
 * - `relayed`: peers reach us through a proxy router; `via` is the published proxy address.
 * - `unreachable`: neither; the reason says why.
 *
 * Events: `reach.inbound { ok, detail? }` (a peer dialed us back, or failed to),
 * `reach.relayed { via, hops }` (a circuit is up), `reach.relay-lost { reason }`.
 *
 * Failure and retry: this machine only reports; the receiver machine rebuilds circuits, and
 * the node re-probes inbound when it likes (each probe result is just another event).
 */
import { assign, setup } from 'xstate';

/** Settings: privacy mode never reports `direct`, even when inbound works. */
export interface ReachabilityInput {
  privacy?: boolean;
  probeTimeoutMs?: number;
}

/** Context: the reason for the current state and the relay in use. */
export interface ReachabilityContext {
  privacy: boolean;
  probeTimeoutMs: number;
  inbound: boolean;
  via: string | null;
  hops: number;
  reason: string;
}

/** Events from the node, the probe and the receiver. */
export type ReachabilityEvent =
  | { type: 'reach.inbound'; ok: boolean; detail?: string }
  | { type: 'reach.relayed'; via: string; hops: number }
  | { type: 'reach.relay-lost'; reason: string };

const relayedReason = (c: ReachabilityContext) =>
  `${c.privacy ? 'privacy mode' : 'no inbound TCP'}; relayed via ${c.hops} router${c.hops === 1 ? '' : 's'}`;

/** The reachability machine. */
export const reachabilityMachine = setup({
  types: {
    context: {} as ReachabilityContext,
    events: {} as ReachabilityEvent,
    input: {} as ReachabilityInput
  },
  guards: {
    directOk: ({ context }) => context.inbound && !context.privacy,
    hasRelay: ({ context }) => context.via !== null
  },
  delays: { probe: ({ context }) => context.probeTimeoutMs }
}).createMachine({
  id: 'reachability',
  context: ({ input }) => ({
    privacy: input.privacy ?? false,
    probeTimeoutMs: input.probeTimeoutMs ?? 15_000,
    inbound: false,
    via: null,
    hops: 0,
    reason: input.privacy ? 'privacy mode: waiting for a circuit' : 'checking inbound TCP'
  }),
  initial: 'checking',
  on: {
    'reach.inbound': {
      target: '.deciding',
      actions: assign(({ event }) => ({
        inbound: event.ok,
        reason: event.ok
          ? 'inbound TCP works'
          : `no inbound TCP${event.detail ? ` (${event.detail})` : ''}`
      }))
    },
    'reach.relayed': {
      target: '.deciding',
      actions: assign(({ event }) => ({ via: event.via, hops: event.hops }))
    },
    'reach.relay-lost': {
      target: '.deciding',
      actions: assign(({ event }) => ({ via: null, reason: `router lost: ${event.reason}` }))
    }
  },
  states: {
    checking: {
      always: { guard: ({ context }) => context.privacy, target: 'deciding' },
      after: {
        probe: {
          target: 'deciding',
          actions: assign({ reason: 'no inbound TCP (no probe answered)' })
        }
      }
    },
    deciding: {
      always: [
        { guard: 'directOk', target: 'direct', actions: assign({ reason: 'inbound TCP works' }) },
        {
          guard: 'hasRelay',
          target: 'relayed',
          actions: assign({ reason: ({ context }) => relayedReason(context) })
        },
        { target: 'unreachable' }
      ]
    },
    direct: {},
    relayed: {},
    unreachable: {}
  }
});
