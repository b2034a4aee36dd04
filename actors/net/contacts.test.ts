import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addressFromContact, contactFor, withContact } from './contacts.js';
import { contactAddress } from '../node/services/network.js';

test('a relayed address round-trips through the proxy:// contact a hidden node publishes', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
  const host = fc.constantFrom('127.0.0.2', 'example.org', '[::1]');
  fc.assert(
    fc.property(host, fc.integer({ min: 1, max: 65535 }), token, (h, port, t) => {
      const address = `proxy:tcp://${h}:${port}#${t}`;
      const contact = contactAddress(address);
      assert.equal(contact, `proxy://${h}:${port}#${t}`);
      assert.equal(addressFromContact('tcp', contact), address);
      assert.equal(addressFromContact('nats', contact), undefined);
    })
  );
});

test('contacts: plain kinds, and malformed relayed contacts are no address', () => {
  assert.equal(addressFromContact('tcp', 'tcp://127.0.0.1:4000'), 'tcp://127.0.0.1:4000');
  assert.equal(addressFromContact('nats', contactFor('nats', 'abc')), 'abc');
  for (const bad of ['proxy://127.0.0.1#x', 'proxy://h:1#', 'proxy://h:1#a b', 'proxy://h:1']) {
    assert.equal(addressFromContact('tcp', bad), undefined, bad);
  }
  assert.deepEqual(withContact({}, 'tcp', contactAddress('proxy:tcp://10.0.0.2:7001#T')), {
    tcp: ['proxy://10.0.0.2:7001#T']
  });
});
