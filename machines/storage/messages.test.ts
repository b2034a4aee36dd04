// Storage payload schemas: valid payloads accepted and round-tripped through the wire codec,
// anything out of bounds or malformed refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { packPlain } from '../../actors/wire/index.js';
import { decodeServiceRequest, encodeServiceRequest } from '../../actors/storage/wire.js';
import { STORAGE_LIMITS } from './keys.js';
import {
  ServiceRequestSchema,
  STORAGE_PROTOCOL_VERSION,
  STORAGE_SERVICE,
  type ServiceRequest
} from './messages.js';

const request: ServiceRequest = { v: 1, neededBytes: 1 << 20, position: 3, profile: 'rs/4+2' };

const formatError = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === 'ERR_STORAGE_FORMAT');

describe('storage messages', () => {
  it('names the service and version', () => {
    assert.equal(STORAGE_SERVICE, 'storage');
    assert.equal(STORAGE_PROTOCOL_VERSION, 1);
  });

  it('service request: round trip and bounds', () => {
    assert.deepEqual(decodeServiceRequest(encodeServiceRequest(request)), request);
    const ok = (over: object) => Value.Check(ServiceRequestSchema, { ...request, ...over });
    assert.ok(ok({ neededBytes: 0 }));
    assert.ok(ok({ neededBytes: Number.MAX_SAFE_INTEGER }));
    assert.ok(ok({ position: STORAGE_LIMITS.maxPositions - 1 }));
    assert.ok(ok({ profile: 'x'.repeat(32) }));
    for (const bad of [
      { v: 2 },
      { neededBytes: -1 },
      { neededBytes: 1.5 },
      { neededBytes: Number.MAX_SAFE_INTEGER + 2 },
      { neededBytes: '10' },
      { position: -1 },
      { position: STORAGE_LIMITS.maxPositions },
      { position: 0.5 },
      { profile: 'x'.repeat(33) },
      { profile: 4 },
      { extra: true }
    ]) {
      assert.equal(ok(bad), false, JSON.stringify(bad));
      formatError(() => decodeServiceRequest(packPlain({ ...request, ...bad })));
    }
    const { profile: _omit, ...missing } = request;
    assert.equal(Value.Check(ServiceRequestSchema, missing), false);
  });

  it('garbage bytes are ERR_STORAGE_FORMAT, never a crash', () => {
    formatError(() => decodeServiceRequest(new Uint8Array([0xc1])));
    formatError(() => decodeServiceRequest(new Uint8Array(0)));
    formatError(() => decodeServiceRequest(packPlain({ v: 1, chunk: new Uint8Array(3) })));
  });

  it('property: a service request is accepted exactly when every field is in bounds', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(1), fc.integer({ min: -2, max: 3 })),
        fc.oneof(fc.nat(), fc.integer(), fc.double({ noNaN: true })),
        fc.integer({ min: -5, max: 300 }),
        fc.string({ maxLength: 40 }),
        (v, neededBytes, position, profile) => {
          const r = { v, neededBytes, position, profile };
          const valid =
            v === 1 &&
            Number.isInteger(neededBytes) &&
            neededBytes >= 0 &&
            neededBytes <= Number.MAX_SAFE_INTEGER &&
            position >= 0 &&
            position < STORAGE_LIMITS.maxPositions &&
            profile.length <= 32;
          assert.equal(Value.Check(ServiceRequestSchema, r), valid);
          // The codec writes -0 as the integer 0, the same amount; compare with -0 folded to 0.
          if (valid)
            assert.deepEqual(decodeServiceRequest(encodeServiceRequest(r as ServiceRequest)), {
              ...r,
              neededBytes: neededBytes + 0
            });
          else formatError(() => decodeServiceRequest(packPlain(r)));
        }
      ),
      { numRuns: 300 }
    );
  });

  it('property: arbitrary values and arbitrary bytes are refused as ERR_STORAGE_FORMAT', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 2 }), fc.uint8Array({ maxLength: 64 }), (x, bytes) => {
        assert.equal(Value.Check(ServiceRequestSchema, x), false);
        try {
          decodeServiceRequest(bytes);
        } catch (e) {
          assert.equal((e as { code?: string }).code, 'ERR_STORAGE_FORMAT');
        }
      }),
      { numRuns: 300 }
    );
  });
});
