/**
 * maintenance — the DHT node's periodic duties as `after` timers on the injected clock (entangled's
 * refresh and republish loops, BitDust's `refresh_timeout`).
 *
 * Three parallel regions, each waiting its interval, running its provided action and waiting again:
 * - `republishing` every `republishMs`: the node re-signs and stores again the records it
 *   publishes, so they outlive their expiry and reach nodes that joined since;
 * - `refreshing` every `refreshMs`: lookups into buckets nobody touched lately, so the table keeps
 *   up with joins and departures;
 * - `sweeping` every `sweepMs`: expired records are dropped from the local store.
 *
 * Events: `dht.maintain` runs all three now (tests, an operator). The actions never fail here:
 * their effects are actors' business and report through their own counters.
 */
import { setup } from 'xstate';

/** Intervals of the maintenance timers, ms. */
export interface MaintenanceInput {
  republishMs: number;
  refreshMs: number;
  sweepMs: number;
}

/** Runs every duty now. */
export type MaintenanceEvent = { type: 'dht.maintain' };

export const maintenanceMachine = setup({
  types: {
    context: {} as MaintenanceInput,
    input: {} as MaintenanceInput,
    events: {} as MaintenanceEvent
  },
  actions: {
    /** Re-sign and store again our own records; provided by actors/dht. */
    republish: () => undefined,
    /** Look up ids in stale buckets; provided by actors/dht. */
    refresh: () => undefined,
    /** Drop expired records; provided by actors/dht. */
    sweep: () => undefined
  },
  delays: {
    republishMs: ({ context }) => context.republishMs,
    refreshMs: ({ context }) => context.refreshMs,
    sweepMs: ({ context }) => context.sweepMs
  }
}).createMachine({
  id: 'dht-maintenance',
  context: ({ input }) => ({ ...input }),
  type: 'parallel',
  states: {
    republishing: {
      initial: 'waiting',
      states: {
        waiting: {
          after: { republishMs: { target: 'waiting', reenter: true, actions: 'republish' } },
          on: { 'dht.maintain': { target: 'waiting', reenter: true, actions: 'republish' } }
        }
      }
    },
    refreshing: {
      initial: 'waiting',
      states: {
        waiting: {
          after: { refreshMs: { target: 'waiting', reenter: true, actions: 'refresh' } },
          on: { 'dht.maintain': { target: 'waiting', reenter: true, actions: 'refresh' } }
        }
      }
    },
    sweeping: {
      initial: 'waiting',
      states: {
        waiting: {
          after: { sweepMs: { target: 'waiting', reenter: true, actions: 'sweep' } },
          on: { 'dht.maintain': { target: 'waiting', reenter: true, actions: 'sweep' } }
        }
      }
    }
  }
});
