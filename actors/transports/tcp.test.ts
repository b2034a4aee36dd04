import { transportCompliance } from './compliance.js';
import { createTcpTransport } from './tcp.js';
import type { TransportHarness } from './compliance.js';
import type { Transport } from './types.js';
import { setImmediate as yieldToIo } from 'node:timers/promises';

const opened = new WeakMap<TransportHarness, Transport[]>();

transportCompliance('tcp', {
  async setup() {
    const mine: Transport[] = [];
    const harness: TransportHarness = {
      async open() {
        const t = await createTcpTransport({ host: '127.0.0.1', maxFrameBytes: 256 * 1024 });
        mine.push(t);
        return t;
      },
      tick: () => yieldToIo(),
      // Port 1 on loopback: privileged, nobody listens there in a test environment.
      unreachableAddress: () => 'tcp://127.0.0.1:1',
      rejectsUnreachable: true,
      maxTicks: 100_000
    };
    opened.set(harness, mine);
    return harness;
  },
  async teardown(h) {
    await Promise.all((opened.get(h) ?? []).map((t) => t.close()));
  }
});
