import { storeCompliance } from './compliance.js';
import { createMemoryStore } from './memory.js';

storeCompliance('memory', {
  setup: async () => ({ store: createMemoryStore() }),
  teardown: (h) => h.store.close()
});
