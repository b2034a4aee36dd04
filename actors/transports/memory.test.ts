import { TestClock } from '../clock.js';
import { createRandom } from '../random.js';
import { transportCompliance } from './compliance.js';
import { createMemoryNetwork } from './memory.js';
import type { MemoryNetwork } from './memory-types.js';

const nets = new WeakMap<object, MemoryNetwork>();

transportCompliance('memory', {
  async setup() {
    const clock = new TestClock();
    // Delays on, no loss or reordering: the suite checks the fault-free contract.
    const net = createMemoryNetwork({
      clock,
      random: createRandom(7),
      delay: { minMs: 1, maxMs: 20 },
      maxFrameBytes: 64 * 1024
    });
    let n = 0;
    const harness = {
      open: async () => net.transport(`node-${n++}`),
      tick: async () => clock.increment(10),
      unreachableAddress: () => 'nobody',
      rejectsUnreachable: true
    };
    nets.set(harness, net);
    return harness;
  },
  teardown: async (h) => nets.get(h)?.close()
});
