/**
 * Child process for the LMDB crash test: writes keys forever, printing each one only after its
 * durable write resolved, until the parent SIGKILLs it. Whatever it printed must survive.
 * Usage: node --import tsx lmdb-crash-writer.ts <dir>
 */
import { openLmdbStore } from './lmdb.js';

const dir = process.argv[2];
if (!dir) throw new TypeError('usage: lmdb-crash-writer.ts <dir>');
const store = openLmdbStore({ path: dir });
const shards = store.sub('shards');
const payload = new Uint8Array(4096).fill(0xab);

// Several writes in flight at once, like a supplier receiving shards from many customers:
// acknowledgements may come out of order, each only after its own durable resolution.
let next = 0;
async function writer(): Promise<never> {
  for (;;) {
    const key = `k${String(next++).padStart(8, '0')}`;
    if (next % 2 === 0) await shards.put(key, { payload, key }, { durable: true });
    else {
      await store.batch(
        [
          { type: 'put', key, value: 'index' },
          { type: 'put', key, value: { payload, key }, sub: 'shards' },
          { type: 'put-bytes', key, bytes: payload, sub: 'blobs' }
        ],
        { durable: true }
      );
    }
    process.stdout.write(`${key}\n`);
  }
}
await Promise.all([writer(), writer(), writer(), writer()]);
