/**
 * The store service: the node's LMDB environment in `<dataDir>/db`. Everything that must survive a
 * restart lives here; a write acknowledged to a peer is one that `flushed()` has confirmed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openLmdbStore } from '../../store/index.js';
import type { KvStore } from '../../store/index.js';
import type { ServiceDefinition } from '../service-graph.js';

export function storeService(dataDir: string): {
  definition: ServiceDefinition;
  get: () => KvStore | undefined;
} {
  let store: KvStore | undefined;
  const definition: ServiceDefinition = {
    name: 'store',
    dependsOn: [],
    open: async () => {
      const path = join(dataDir, 'db');
      await mkdir(path, { recursive: true });
      store = openLmdbStore({ path });
    },
    close: async () => {
      const open = store;
      store = undefined;
      await open?.close();
    }
  };
  return { definition, get: () => store };
}
