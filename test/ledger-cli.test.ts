// `bitdust ledger` as a user runs it, against a node started by `bitdust node start` with a devnet:
// contracts signed over the router show up, the entries list the start grant, the audit passes,
// every hosted node's balance is listed; the ledger routes refuse a missing token and bad input.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startNodeCli } from './support/cli-process.js';

interface View {
  node: string;
  balance: string;
  granted: string;
  contracts: { role: string; peer: string }[];
}

it('bitdust ledger: balance, entries, audit and balances through the API', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'bitdust-ledger-cli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dataDir = join(home, 'node');
  const { node, url, token } = await startNodeCli(t, dataDir, ['--devnet', '3']);
  const get = (path: string, auth = true) =>
    fetch(`${url}${path}`, auth ? { headers: { authorization: `Bearer ${token}` } } : {});

  // The operator's customer hires two suppliers (1+1) and signs a contract with each.
  let view: View | undefined;
  for (let i = 0; i < 90; i++) {
    const res = await get('/api/ledger');
    if (res.ok) view = (await res.json()) as View;
    if (view && view.contracts.filter((k) => k.role === 'customer').length === 2) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  assert.equal(view?.contracts.filter((k) => k.role === 'customer').length, 2, 'two contracts');
  assert.equal(view!.granted, '10000000', 'the start grant: 10 credits');

  const run = async (args: string[], code = 0) => {
    const p = runCli(['ledger', ...args, '--data-dir', dataDir]);
    assert.equal(await p.exited(30_000), code, p.output());
    return p.output();
  };
  const balance = await run([]);
  assert.match(balance, new RegExp(`node ${view!.node}`));
  assert.match(balance, /granted +10\.000000 cr/);
  assert.equal((balance.match(/contract +buy from/g) ?? []).length, 2);
  assert.match(await run(['entries']), /^ +1 +\S+ +grant\.start +10\.000000 cr/m);
  assert.match(await run(['audit']), /chain ok: \d+ entries verified, balance \d+\.\d{6} cr/);
  const all = await run(['balances']);
  assert.equal(all.trim().split('\n').length, 4, 'the operator and its three devnet peers');
  const json = JSON.parse(await run(['audit', '--json'])) as { ok: boolean; node: string };
  assert.deepEqual([json.ok, json.node], [true, view!.node]);
  assert.match(
    await run(['bogus'], 2),
    /ledger: expected balance, entries, audit, balances or retry <invoice>/
  );
  assert.match(await run(['retry', 'NOT-HEX'], 2), /ledger retry: expected one invoice id/);
  // An invoice the node does not owe: the route's 404, named, and a failing exit.
  const none = await run(['retry', 'ab'.repeat(16)], 1);
  assert.match(none, /owes no invoice abab/);

  // The routes: the token is required, input is validated, unknown nodes are named.
  assert.equal((await get('/api/ledger', false)).status, 401);
  assert.equal((await fetch(`${url}/api/ledger/audit`, { method: 'POST' })).status, 401);
  for (const bad of ['?limit=0', '?limit=501', '?from=-1', '?node=NOT_AN_ID!']) {
    const res = await get(`/api/ledger/entries${bad}`);
    assert.equal(res.status, 400, bad);
    assert.equal(((await res.json()) as { code: string }).code.startsWith('ERR_'), true);
  }
  const retry = (id: string, auth = true) =>
    fetch(`${url}/api/ledger/invoices/${id}/retry`, {
      method: 'POST',
      ...(auth ? { headers: { authorization: `Bearer ${token}` } } : {})
    });
  assert.equal((await retry('ab'.repeat(16), false)).status, 401);
  for (const bad of ['NOT_HEX', 'a'.repeat(65)]) {
    const res = await retry(bad);
    assert.equal(res.status, 400, bad);
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_API_BAD_REQUEST');
  }
  const owed = await retry('ab'.repeat(16));
  assert.equal(owed.status, 404);
  assert.equal(((await owed.json()) as { code: string }).code, 'ERR_API_NOT_FOUND');
  const unknown = await get(`/api/ledger?node=${'a'.repeat(32)}`);
  assert.equal(unknown.status, 404);
  const page = (await (await get('/api/ledger/entries?from=1&limit=1')).json()) as {
    entries: { seq: number; kind: string }[];
  };
  assert.deepEqual(
    page.entries.map((e) => [e.seq, e.kind]),
    [[1, 'grant.start']]
  );

  node.child.kill('SIGINT');
  assert.equal(await node.exited(), 0);
});
