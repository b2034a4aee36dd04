/**
 * Which node ids are on the network. On a devnet all nodes share one directory; the DHT (issue 4)
 * replaces it on real networks with the same two questions: who is there, and tell me when that
 * changes.
 */
export interface PeerDirectory {
  join(id: string): void;
  leave(id: string): void;
  list(): string[];
  /** Called with the full list after every change; returns an unsubscribe function. */
  subscribe(listener: (ids: string[]) => void): () => void;
}

export function createPeerDirectory(): PeerDirectory {
  const ids = new Set<string>();
  const listeners = new Set<(ids: string[]) => void>();
  const notify = () => {
    const list = [...ids];
    for (const listener of [...listeners]) listener(list);
  };
  return {
    join(id) {
      if (ids.has(id)) return;
      ids.add(id);
      notify();
    },
    leave(id) {
      if (ids.delete(id)) notify();
    },
    list: () => [...ids],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }
  };
}
