/**
 * `bitdust ledger [balance]`, `ledger entries`, `ledger audit`, `ledger balances`, `ledger retry
 * <invoice>` (runs again the payment of an invoice given up on): the running
 * node's credits through its REST routes (server/routes/ledger.ts). Money shows in credits with
 * six decimals (the ledger counts integer µc); `--json` prints the route's answer as is. `audit`
 * exits 1 when the chain fails, naming the first bad entry.
 */
import type { NodeConfig } from '../../actors/node/config.js';
import { EXIT, UsageError, type Flags } from './args.js';
import type { Io } from './main.js';
import { call, withNode } from './remote.js';
import type { LedgerView } from '../routes/ledger.js';

/** µc as a decimal string → "12.345678 cr" (exact: no float ever touches the amount). */
export function credits(micro: string): string {
  const neg = micro.startsWith('-');
  const digits = (neg ? micro.slice(1) : micro).padStart(7, '0');
  const whole = digits.slice(0, -6).replace(/^0+(?=\d)/, '');
  return `${neg ? '-' : ''}${whole}.${digits.slice(-6)} cr`;
}

/** Byte-ms → GB-hours with three decimals (display only). */
export function gbHours(byteMs: string): string {
  const milli = (BigInt(byteMs) * 1000n) / 3_600_000_000_000_000n;
  return `${milli / 1000n}.${String(milli % 1000n).padStart(3, '0')} GB-h`;
}

const short = (id: string) => id.slice(0, 12);

interface Entry {
  seq: number;
  ts: number;
  kind: string;
  id: string;
  amount: string;
  counterparty?: string;
  waived?: boolean;
  byteMs?: string;
}

/** Runs `bitdust ledger <action>`. */
export function ledgerCommand(
  args: string[],
  config: NodeConfig,
  flags: Flags,
  io: Io
): Promise<number> {
  const action = args[0] ?? 'balance';
  if (action === 'retry') {
    const id = args[1];
    if (!id || args.length > 2 || !/^[0-9a-f]{1,64}$/.test(id))
      throw new UsageError(`ledger retry: expected one invoice id (hex), got '${args.join(' ')}'`);
    return withNode(config, io, async (running) => {
      const answer = await call(running, `/api/ledger/invoices/${id}/retry`, 'POST');
      if (flags.json) io.out(JSON.stringify(answer));
      else io.out(`invoice ${id}: its payment runs again (see bitdust ledger)`);
      return EXIT.ok;
    });
  }
  if (!['balance', 'entries', 'audit', 'balances'].includes(action) || args.length > 1) {
    throw new UsageError(
      `ledger: expected balance, entries, audit, balances or retry <invoice>, got '${args.join(' ')}'`
    );
  }
  return withNode(config, io, async (running) => {
    const path = {
      balance: '/api/ledger',
      entries: '/api/ledger/entries?limit=50',
      audit: '/api/ledger/audit',
      balances: '/api/ledger/balances'
    }[action]!;
    const answer = await call(running, path, action === 'audit' ? 'POST' : 'GET');
    if (flags.json) {
      io.out(JSON.stringify(answer));
      return action === 'audit' && !(answer as { ok: boolean }).ok ? EXIT.failure : EXIT.ok;
    }
    if (action === 'balance') return printBalance(answer as LedgerView, io);
    if (action === 'balances') {
      const { nodes } = answer as {
        nodes: { node: string; name: string; balance: string; paid: string; received: string }[];
      };
      for (const n of nodes) {
        io.out(
          `${n.name.padEnd(12)} ${short(n.node)}  ${credits(n.balance).padStart(18)}  paid ${credits(n.paid)}  received ${credits(n.received)}`
        );
      }
      return EXIT.ok;
    }
    if (action === 'entries') {
      const { entries, more } = answer as { entries: Entry[]; more: boolean };
      for (const e of entries) {
        const who = e.counterparty ? ` ${short(e.counterparty)}` : '';
        const what = e.byteMs !== undefined ? gbHours(e.byteMs) : credits(e.amount);
        const waived = e.waived ? ' (waived: donates enough)' : '';
        io.out(
          `${String(e.seq).padStart(6)}  ${new Date(e.ts).toISOString()}  ${e.kind.padEnd(14)} ${what}${who}${waived}`
        );
      }
      if (entries.length === 0) io.out('no entries');
      if (more) io.out('…');
      return EXIT.ok;
    }
    const a = answer as {
      ok: boolean;
      verified: number;
      balance: string;
      head: string;
      firstBad?: { seq: number; code: string; reason: string };
    };
    if (a.ok) {
      io.out(`chain ok: ${a.verified} entries verified, balance ${credits(a.balance)}`);
      io.out(`head ${a.head}`);
      return EXIT.ok;
    }
    io.err(
      `chain FAILED at entry ${a.firstBad?.seq}: ${a.firstBad?.code} ${a.firstBad?.reason} (${a.verified} verified before it)`
    );
    return EXIT.failure;
  });
}

/** Prints `bitdust ledger balance` from the route's answer (exported for the tests). */
export function printBalance(v: LedgerView, io: Io): number {
  io.out(`node ${v.node}`);
  io.out(`  balance    ${credits(v.balance)} (spendable ${credits(v.spendable)})`);
  io.out(`  granted    ${credits(v.granted)}`);
  io.out(`  paid       ${credits(v.paid)}   received ${credits(v.received)}`);
  io.out(`  donated    ${gbHours(v.donatedByteMs)}   consumed ${gbHours(v.consumedByteMs)}`);
  io.out(`  entries    ${v.entries}   head ${v.head.slice(0, 16)}…`);
  for (const k of v.contracts) {
    io.out(
      `  contract   ${k.role === 'customer' ? 'buy from' : 'sell to '} ${short(k.peer)}  ${k.bytes} B at ${credits(String(k.pricePerGBHour))}/GB-h`
    );
  }
  for (const c of v.customers) {
    io.out(`  customer   ${short(c.customer)}  owes ${credits(c.owed)}  ${c.standing}`);
  }
  for (const o of v.owing) {
    const why = o.reason ? `: ${o.reason}` : '';
    const runs = o.failedRuns > 0 ? ` after ${o.failedRuns} failed runs` : '';
    io.out(
      `  owing      ${credits(String(o.amount))} to ${short(o.supplier)}  ${o.stage}, ${o.state}${runs}${why}`
    );
  }
  for (const d of v.disputes) {
    const what =
      d.status === 'superseded'
        ? `superseded by ${short(d.correctedBy ?? '?')}`
        : 'disputed, still owed';
    const why = d.reason ? `: ${d.reason}` : '';
    io.out(`  dispute    ${credits(String(d.amount))} from ${short(d.customer)}  ${what}${why}`);
  }
  for (const f of v.forks) {
    const to = f.payments.map((p) => short(p.payee)).join(' and ');
    io.out(`  FORK       ${short(f.payer)} signed two payments at position ${f.n} (to ${to})`);
  }
  return EXIT.ok;
}
