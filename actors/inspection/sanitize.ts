/**
 * Makes an actor's context safe and small enough to send to a browser: binary becomes its size
 * (shards and keys must never travel to the inspector), functions and actor refs are dropped, and
 * depth, breadth, string length and the total number of values are capped.
 */

/** Caps applied by {@link sanitize}. */
export interface SanitizeLimits {
  maxDepth: number;
  maxKeys: number;
  maxString: number;
  /** Total values emitted; past it everything is replaced by the truncation marker. */
  maxNodes: number;
}

/** The result: a JSON-safe value and whether any cap cut something off. */
export interface Sanitized {
  value: unknown;
  truncated: boolean;
}

const DEFAULTS: SanitizeLimits = { maxDepth: 6, maxKeys: 100, maxString: 1000, maxNodes: 2000 };
const CUT = '[…]';

function isActorRef(v: object): boolean {
  const a = v as { sessionId?: unknown; send?: unknown; getSnapshot?: unknown };
  return typeof a.sessionId === 'string' && typeof a.send === 'function';
}

/** Returns a JSON-safe copy of `input` within the given limits. */
export function sanitize(input: unknown, limits: Partial<SanitizeLimits> = {}): Sanitized {
  const lim = { ...DEFAULTS, ...limits };
  let nodes = 0;
  let truncated = false;
  const seen = new WeakSet<object>();
  const DROP = Symbol('drop');
  const cut = (): string => {
    truncated = true;
    return CUT;
  };

  const walk = (v: unknown, depth: number): unknown => {
    if (++nodes > lim.maxNodes) return cut();
    switch (typeof v) {
      case 'function':
      case 'symbol':
        return DROP;
      case 'bigint':
        return v.toString();
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'string':
        if (v.length <= lim.maxString) return v;
        truncated = true;
        return `${v.slice(0, lim.maxString)}…`;
      case 'undefined':
        return DROP;
    }
    if (v === null || typeof v !== 'object') return v;
    if (ArrayBuffer.isView(v)) return { bytes: v.byteLength };
    if (v instanceof ArrayBuffer) return { bytes: v.byteLength };
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof Error) return { error: v.name, message: v.message };
    if (isActorRef(v)) return DROP;
    if (seen.has(v)) return '[Circular]';
    if (depth >= lim.maxDepth) return cut();
    seen.add(v);
    try {
      const entries: [string, unknown][] =
        v instanceof Map
          ? [...v.entries()].map(([k, x]) => [String(k), x])
          : Array.isArray(v) || v instanceof Set
            ? [...(v as Iterable<unknown>)].map((x, i) => [String(i), x])
            : Object.entries(v);
      // Stop at the breadth cap or when the total budget runs out, whichever comes first.
      const out: [string, unknown][] = [];
      let i = 0;
      for (; i < entries.length && i < lim.maxKeys && nodes < lim.maxNodes; i++) {
        const [k, x] = entries[i]!;
        out.push([k, walk(x, depth + 1)]);
      }
      const left = entries.length - i;
      if (left > 0) truncated = true;
      if (Array.isArray(v) || v instanceof Set) {
        const list = out.map(([, x]) => (x === DROP ? null : x));
        if (left > 0) list.push(CUT);
        return list;
      }
      const obj: Record<string, unknown> = {};
      for (const [k, x] of out) if (x !== DROP) obj[k] = x;
      if (left > 0) obj[CUT] = left;
      return obj;
    } finally {
      seen.delete(v);
    }
  };

  const value = walk(input, 0);
  return { value: value === DROP ? null : value, truncated };
}
