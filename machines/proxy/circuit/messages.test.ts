import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as wire from './messages.js';

const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(b));
const str = fc.string({ maxLength: 40 });
const relay: fc.Arbitrary<wire.RelayCommand> = fc.oneof(
  bytes.map((inner) => ({ cmd: 'forward' as const, inner })),
  fc.record({ cmd: fc.constant('extend' as const), address: str, handshake: bytes }),
  fc.record({ cmd: fc.constant('data' as const), peer: str, payload: bytes }),
  fc.record({ cmd: fc.constant('ping' as const), seq: fc.nat() }),
  fc.record({ cmd: fc.constant('failed' as const), reason: str }),
  fc.constant({ cmd: 'register' as const })
);

describe('proxy wire', () => {
  it('relay commands round-trip', () => {
    fc.assert(
      fc.property(relay, (c) => assert.deepEqual(wire.decodeRelay(wire.encodeRelay(c)), { ...c })),
      { numRuns: 200 }
    );
  });

  it('the piecewise encoders give the same bytes, leaving byte fields uncopied', () => {
    const join = (parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      parts.reduce((at, p) => (out.set(p, at), at + p.byteLength), 0);
      return out;
    };
    const type = fc.constantFrom<wire.CellType>('create', 'relay-fwd', 'destroy-back');
    fc.assert(
      fc.property(relay, type, fc.nat({ max: 2 ** 32 - 1 }), (c, t, circId) => {
        const parts = wire.encodeRelayParts(c);
        const body = wire.encodeRelay(c);
        assert.deepEqual(join(parts), body);
        const field = c.cmd === 'forward' ? c.inner : c.cmd === 'data' ? c.payload : null;
        if (field) assert.equal(parts[parts.length - 1], field); // the caller's view itself
        assert.deepEqual(
          join([wire.cellHead(t, circId), body]),
          wire.encodeCell({ type: t, circId, body })
        );
        if (c.cmd === 'forward') assert.deepEqual(join([wire.forwardHead(), c.inner]), body);
        assert.deepEqual(
          join([wire.routedHead('tok', 'from'), body]),
          wire.encodeRouted({ token: 'tok', from: 'from', payload: body })
        );
      }),
      { numRuns: 200 }
    );
  });

  it('a padded command has exactly its size and gives the command back', () => {
    fc.assert(
      fc.property(relay, fc.nat({ max: 400 }), (c, extra) => {
        const parts = wire.encodeRelayParts(c);
        const bare = Buffer.concat(parts).byteLength;
        const size = 5 + bare + extra;
        const padded = new Uint8Array(Buffer.concat(wire.paddedParts(parts, size)));
        assert.equal(padded.byteLength, size);
        const outer = wire.decodeRelay(padded);
        assert.equal(outer.cmd, 'padded');
        if (outer.cmd === 'padded') assert.deepEqual(wire.decodeRelay(outer.inner), { ...c });
        assert.throws(() => wire.paddedParts(parts, size - extra - 1), RangeError);
      })
    );
    // Padding inside padding is malformed.
    const inner = Buffer.concat(wire.paddedParts(wire.encodeRelayParts({ cmd: 'register' }), 10));
    const twice = Buffer.concat(wire.paddedParts([inner], 20));
    assert.throws(() => wire.decodeRelay(twice), wire.ProxyDecodeError);
  });

  it('cells and routed frames round-trip', () => {
    const type = fc.constantFrom<wire.CellType>(
      'create',
      'created',
      'relay-fwd',
      'relay-back',
      'destroy-fwd',
      'destroy-back'
    );
    fc.assert(
      fc.property(type, fc.nat({ max: 2 ** 32 - 1 }), bytes, str, (t, circId, body, s) => {
        assert.deepEqual(wire.decodeCell(wire.encodeCell({ type: t, circId, body })), {
          type: t,
          circId,
          body
        });
        const r = { token: s.slice(0, 20), from: s, payload: body };
        assert.deepEqual(wire.decodeRouted(wire.encodeRouted(r)), r);
      }),
      { numRuns: 200 }
    );
  });

  it('random bytes never throw anything but ProxyDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        for (const decode of [
          wire.decodeCell,
          wire.decodeRelay,
          wire.decodeRouted,
          wire.decodeDestroy
        ]) {
          try {
            decode(b);
          } catch (err) {
            assert.ok(err instanceof wire.ProxyDecodeError, String(err));
          }
        }
      }),
      { numRuns: 500 }
    );
  });

  it('parses proxy addresses', () => {
    assert.deepEqual(wire.parseProxyAddress(wire.formatProxyAddress('tcp://127.0.0.3:9', 'tok')), {
      router: 'tcp://127.0.0.3:9',
      token: 'tok'
    });
    assert.equal(wire.parseProxyAddress('tcp://127.0.0.3:9'), null);
  });
});
