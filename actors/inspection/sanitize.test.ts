import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActor, createMachine } from 'xstate';
import { sanitize } from './sanitize.js';

test('binary becomes its size; functions, undefined and actor refs are dropped', () => {
  const ref = createActor(createMachine({}));
  const { value, truncated } = sanitize({
    key: new Uint8Array(32),
    buf: Buffer.alloc(7),
    raw: new ArrayBuffer(3),
    fn: () => 1,
    ref,
    none: undefined,
    list: [1, () => 2, ref],
    when: new Date(0),
    big: 10n,
    nan: Number.NaN,
    map: new Map([['a', 1]]),
    set: new Set(['x']),
    err: new TypeError('bad')
  });
  assert.equal(truncated, false);
  assert.deepEqual(value, {
    key: { bytes: 32 },
    buf: { bytes: 7 },
    raw: { bytes: 3 },
    list: [1, null, null],
    when: '1970-01-01T00:00:00.000Z',
    big: '10',
    nan: 'NaN',
    map: { a: 1 },
    set: ['x'],
    err: { error: 'TypeError', message: 'bad' }
  });
});

test('depth, breadth, string length and total size are capped', () => {
  const deep = { a: { b: { c: { d: 1 } } } };
  assert.deepEqual(sanitize(deep, { maxDepth: 2 }), {
    value: { a: { b: '[…]' } },
    truncated: true
  });
  const wide = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, i]));
  assert.deepEqual(sanitize(wide, { maxKeys: 2 }).value, { k0: 0, k1: 1, '[…]': 3 });
  assert.deepEqual(sanitize([1, 2, 3], { maxKeys: 2 }).value, [1, 2, '[…]']);
  assert.equal(sanitize('x'.repeat(10), { maxString: 4 }).value, 'xxxx…');
  const many = sanitize(
    Array.from({ length: 100 }, (_, i) => i),
    { maxNodes: 10 }
  );
  assert.equal(many.truncated, true);
  assert.ok(JSON.stringify(many.value).length < 200);
});

test('cycles are cut, shared references are not', () => {
  const shared = { n: 1 };
  const cyclic: Record<string, unknown> = { shared, again: shared };
  cyclic.self = cyclic;
  assert.deepEqual(sanitize(cyclic).value, {
    shared: { n: 1 },
    again: { n: 1 },
    self: '[Circular]'
  });
});
