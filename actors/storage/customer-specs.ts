/**
 * Child specs of the customer's long-lived actors — fire-hire (with its supplier connectors) and
 * the audit loop — given their effects. Everything goes through `get()`, read when the actor
 * starts or acts, so the specs can be written before the customer is opened (a node service's
 * children are fixed when the node is built) and a restarted child sees the current state.
 */
import { fromPromise } from 'xstate';
import { childSpec, type ChildSpec } from '../supervisor/index.js';
import { fireHireMachine, type FireHireInput } from '../../machines/fire-hire/machine.js';
import type { FireRecord } from '../../machines/fire-hire/seats.js';
import { supplierConnectorMachine } from '../../machines/supplier-connector/machine.js';
import type { AuditInput } from '../../machines/audit/machine.js';
import type { CustomerStorage } from './customer.js';
import { findOne } from './customer.js';
import { auditLogic, type UpkeepContext } from './maintenance.js';

/** Fire-hire's spec, its effects bound to the customer `get()` returns. */
export function fireHireSpec(get: () => CustomerStorage): ChildSpec {
  const o = () => get().options;
  const logic = fireHireMachine.provide({
    actors: {
      supplierConnector: supplierConnectorMachine.provide({
        actors: {
          requestService: fromPromise<void, { supplierId: string; position: number }>(({ input }) =>
            o().client.requestService(input.supplierId, {
              v: 1,
              neededBytes: o().neededBytes,
              position: input.position,
              profile: `rs/${o().k}+${o().m}`
            })
          ),
          cancelService: fromPromise<void, { supplierId: string }>(({ input }) =>
            o().client.cancelService(input.supplierId)
          )
        }
      }),
      findSupplier: fromPromise<string, { exclude: readonly string[] }>(({ input }) =>
        findOne(o().finder, input.exclude)
      ),
      savePosition: fromPromise<void, { position: number; supplierId: string }>(({ input }) =>
        get().catalog.setPosition({ ...input, since: Math.floor(o().clock.now()) })
      )
    },
    actions: {
      announce: ({ self }) => get().bindFireHire(self),
      notifyHired: (_, p: { position: number; supplierId: string }) => get().hired(p.position),
      notifyFired: (_, f: FireRecord) => get().firedAt(f.position)
    }
  });
  // Getters: read when the actor starts (and restarts), so the seats saved last are used.
  const input: FireHireInput = {
    get k() {
      return o().k;
    },
    get m() {
      return o().m;
    },
    get suppliers() {
      return get().savedSeats();
    },
    get offlineLimitMs() {
      return o().offlineLimitMs ?? 10 * 60_000;
    },
    get connectorRetryMs() {
      return o().connectorRetryMs ?? 30_000;
    },
    get connectorCheckMs() {
      return o().connectorCheckMs ?? 60_000;
    },
    get hireTimeoutMs() {
      return o().hireTimeoutMs ?? 60_000;
    },
    get retryMs() {
      return o().connectorRetryMs ?? 30_000;
    },
    maxHireAttempts: 5
  };
  return childSpec('storage.fire-hire', logic, { systemId: 'storage.fire-hire', input });
}

/** The audit loop's spec. */
export function auditSpec(get: () => CustomerStorage): ChildSpec {
  const ctx: UpkeepContext = {
    get client() {
      return get().options.client;
    },
    get catalog() {
      return get().catalog;
    },
    get clock() {
      return get().options.clock;
    },
    get holdings() {
      return get().holdings;
    },
    suppliers: () => get().suppliers(),
    onShard: (p, e, k) => get().onShard(p, e, k)
  };
  const logic = auditLogic(ctx, {
    get random() {
      return get().options.random;
    },
    onFailed: (f) => get().auditFailed(f),
    onStart: (self) => get().bindAudit(self)
  });
  const input: AuditInput = {
    get positions() {
      return get().k + get().m;
    },
    get intervalMs() {
      return get().options.auditIntervalMs ?? 10 * 60_000;
    },
    get failLimit() {
      return get().options.auditFailLimit ?? 2;
    }
  };
  return childSpec('storage.audit', logic, { systemId: 'storage.audit', input });
}
