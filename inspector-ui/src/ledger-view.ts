/**
 * The credits panel: every hosted node's ledger (balance, paid, received, entries) from
 * GET /api/ledger/balances, polled every 2 s while the page is open. Hidden when no node runs
 * payments. Money arrives as integer µc in decimal strings and is shown in credits exactly.
 */
import { api } from './api.js';
import { byId, el } from './dom.js';

/** One node's balance as the API answers it. */
export interface BalanceRow {
  node: string;
  name: string;
  balance: string;
  granted: string;
  paid: string;
  received: string;
  entries: number;
}

const POLL_MS = 2_000;

/** µc as a decimal string → "12.345678" credits (no float touches the amount). */
export function creditText(micro: string): string {
  const neg = micro.startsWith('-');
  const digits = (neg ? micro.slice(1) : micro).padStart(7, '0');
  const whole = digits.slice(0, -6).replace(/^0+(?=\d)/, '');
  return `${neg ? '-' : ''}${whole}.${digits.slice(-6)}`;
}

/** The table's cells for each row: name, balance, paid, received, entries. */
export function ledgerCells(rows: readonly BalanceRow[]): string[][] {
  return rows.map((r) => [
    r.name || r.node.slice(0, 8),
    creditText(r.balance),
    creditText(r.paid),
    creditText(r.received),
    String(r.entries)
  ]);
}

/** Polls the balances and draws them into #ledger. */
export class LedgerView {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  start(): void {
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    try {
      const { nodes } = await api.balances<{ nodes: BalanceRow[] }>();
      byId('ledger').hidden = nodes.length === 0;
      const body = byId('ledger-body');
      body.replaceChildren(
        ...ledgerCells(nodes).map((cells, i) => {
          const tr = el('tr');
          tr.title = nodes[i]!.node;
          cells.forEach((c, j) => tr.append(el('td', j > 0 ? 'num' : '', c)));
          return tr;
        })
      );
    } catch {
      // No payments here, or the node is restarting: try again at the next tick.
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }
}
