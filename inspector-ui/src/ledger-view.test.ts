import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { creditText, ledgerCells } from './ledger-view.js';

test('credits are shown exactly from µc strings', () => {
  assert.equal(creditText('0'), '0.000000');
  assert.equal(creditText('1'), '0.000001');
  assert.equal(creditText('10000000'), '10.000000');
  assert.equal(creditText('-2500000'), '-2.500000');
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (n) => {
      const [whole, frac] = creditText(n.toString()).split('.');
      assert.equal(BigInt(`${whole}${frac}`), n);
      assert.equal(frac!.length, 6);
    })
  );
});

test('rows: name (or the id when unnamed), balance, paid, received, entries', () => {
  const row = { node: 'abcdefghijkl', granted: '0', entries: 4 };
  assert.deepEqual(
    ledgerCells([
      { ...row, name: 'peer-1', balance: '12000000', paid: '0', received: '2000000' },
      { ...row, name: '', balance: '5', paid: '7', received: '0' }
    ]),
    [
      ['peer-1', '12.000000', '0.000000', '2.000000', '4'],
      ['abcdefgh', '0.000005', '0.000007', '0.000000', '4']
    ]
  );
});
