/**
 * A devnet customer (4+2 over 6 suppliers) behind the REST API, for the storage API tests. Files
 * whose path matches `held` are read only once the test calls `release()` (so a job is surely
 * running while the test looks at it or cancels it); `hold()` arms the gate again. `call` sends
 * one authorised request and returns its JSON, throwing with the status on any other than 2xx.
 */
import { createReadStream } from 'node:fs';
import { realClock } from '../../actors/clock.js';
import { createInspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import type { CustomerOptions } from '../../actors/storage/customer.js';
import { buildApp, type AppOptions } from '../../server/app.js';
import { storageDevnet } from './storage-devnet.js';

export interface StorageApiNetOptions {
  readonly token: string;
  /** Which files wait for `release()`. */
  readonly held: RegExp;
  /** More customer options (the held-file reader is set here). */
  readonly customer?: Partial<CustomerOptions>;
  /** More app options (token, nodes and bridge are set here). */
  readonly app?: Partial<AppOptions>;
}

export async function storageApiNet(
  t: { after(fn: () => unknown): void },
  o: StorageApiNetOptions
) {
  let release!: () => void;
  let gate!: Promise<void>;
  const hold = () => void (gate = new Promise<void>((resolve) => (release = resolve)));
  hold();
  const net = await storageDevnet({
    suppliers: 6,
    k: 4,
    m: 2,
    customer: {
      ...o.customer,
      openFile: (path) =>
        o.held.test(path)
          ? (async function* () {
              await gate;
              yield* createReadStream(path, { highWaterMark: 64 * 1024 });
            })()
          : undefined
    }
  });
  t.after(() => net.stop());
  await net.ready({ rebuilt: true });
  const bridge = createInspectionBridge({ clock: realClock });
  const app = await buildApp({
    ...o.app,
    token: o.token,
    nodes: () => [net.customerNode],
    bridge
  });
  bridge.attach(net.customerNode.id, net.customerNode.root);
  t.after(() => app.close());
  const headers = { authorization: `Bearer ${o.token}` };
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body ? { payload: body as object } : {})
    });
    if (res.statusCode < 200 || res.statusCode > 299)
      throw Object.assign(new Error(res.body), { status: res.statusCode, reply: res.json() });
    return res.json() as unknown;
  };
  return { net, app, bridge, headers, call, release: () => release(), hold };
}
