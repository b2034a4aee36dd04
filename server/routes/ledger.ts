/**
 * The ledger routes (token-protected like every /api route): a node's balance with its contracts
 * and customers' standings, every hosted node's balance, the entries page by page, and the chain
 * audit. `node` picks a hosted node by id (default: the operator's). Money is µc as decimal
 * strings, storage byte-ms as decimal strings (docs/payment.md "Units").
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HostedNode } from '../../actors/node/types.js';
import { storageOf } from '../../actors/storage/services.js';
import { entryKey, hashOf, ledgerSummary, type LedgerEntry } from '../../actors/ledger/index.js';
import type { PaymentRuntime } from '../../actors/payment/service.js';
import { ApiError } from '../errors.js';
import { ErrorReply } from '../schemas.js';

const closed = { additionalProperties: false } as const;
const Token = { token: Type.Optional(Type.String({ maxLength: 256 })) };
const NodeId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-z2-7]+$' });
const NodeQuery = Type.Object({ ...Token, node: Type.Optional(NodeId) }, closed);
const EntriesQuery = Type.Object(
  {
    ...Token,
    node: Type.Optional(NodeId),
    /** First sequence number to list (default: the newest `limit`). */
    from: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 }))
  },
  closed
);
const Micro = Type.String({ pattern: '^-?[0-9]+$' });
/** An invoice id: hex, as the supplier derives it. */
const InvoiceParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-f]+$' }) },
  closed
);
const errors = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  503: ErrorReply
};

/** What `GET /api/ledger` answers. */
export const LedgerView = Type.Object({
  node: Type.String(),
  balance: Micro,
  granted: Micro,
  spendable: Micro,
  paid: Micro,
  received: Micro,
  donatedByteMs: Micro,
  consumedByteMs: Micro,
  entries: Type.Integer(),
  head: Type.String(),
  contracts: Type.Array(
    Type.Object({
      id: Type.String(),
      role: Type.Union([Type.Literal('customer'), Type.Literal('supplier')]),
      peer: Type.String(),
      bytes: Type.Integer(),
      pricePerGBHour: Type.Integer(),
      startMs: Type.Integer(),
      termMs: Type.Integer(),
      seq: Type.Integer()
    })
  ),
  customers: Type.Array(
    Type.Object({
      customer: Type.String(),
      owed: Micro,
      standing: Type.String(),
      detail: Type.String()
    })
  ),
  /**
   * Invoices we received and have not settled: how far each got, whether its machine runs, waits
   * to be retried or was given up on, and why the last run failed.
   */
  owing: Type.Array(
    Type.Object({
      invoice: Type.String(),
      supplier: Type.String(),
      amount: Type.Integer(),
      periodEnd: Type.Integer(),
      stage: Type.Union([
        Type.Literal('received'),
        Type.Literal('accepted'),
        Type.Literal('signed')
      ]),
      state: Type.Union([
        Type.Literal('running'),
        Type.Literal('retrying'),
        Type.Literal('given-up')
      ]),
      failedRuns: Type.Integer(),
      retryAt: Type.Optional(Type.Integer()),
      reason: Type.Optional(Type.String())
    })
  ),
  /**
   * Invoices of ours a customer disputed, and how each was resolved: `superseded` (re-issued at the
   * customer's figure as `correctedBy`) or `disputed` (still owed; the customer is dropped for
   * cause).
   */
  disputes: Type.Array(
    Type.Object({
      invoice: Type.String(),
      customer: Type.String(),
      status: Type.Union([Type.Literal('superseded'), Type.Literal('disputed')]),
      amount: Type.Integer(),
      periodEnd: Type.Integer(),
      billedByteMs: Type.String(),
      claimedByteMs: Type.Optional(Type.String()),
      correctedBy: Type.Optional(Type.String()),
      reason: Type.Optional(Type.String())
    })
  ),
  /** Payers caught signing two payments at one spend position (refused from then on). */
  forks: Type.Array(
    Type.Object({
      payer: Type.String(),
      n: Type.Integer(),
      payments: Type.Array(
        Type.Object({
          id: Type.String(),
          payee: Type.String(),
          amount: Type.Integer(),
          total: Type.String(),
          hash: Type.String()
        })
      )
    })
  )
});
export type LedgerView = Static<typeof LedgerView>;

const EntryView = Type.Object({
  seq: Type.Integer(),
  ts: Type.Integer(),
  kind: Type.String(),
  id: Type.String(),
  /** µc moved (signed: negative when we paid), 0 for usage. */
  amount: Micro,
  counterparty: Type.Optional(Type.String()),
  waived: Type.Optional(Type.Boolean()),
  byteMs: Type.Optional(Micro),
  hash: Type.String()
});

const AuditView = Type.Object({
  node: Type.String(),
  ok: Type.Boolean(),
  verified: Type.Integer(),
  firstBad: Type.Optional(
    Type.Object({ seq: Type.Integer(), code: Type.String(), reason: Type.String() })
  ),
  balance: Micro,
  granted: Micro,
  head: Type.String()
});

/** Options of {@link ledgerRoutes}: the hosted nodes (the operator's is the non-devnet one). */
export interface LedgerRoutesOptions {
  nodes: () => HostedNode[];
}

/** One entry as the API shows it, from `owner`'s point of view. */
export function entryView(e: LedgerEntry, owner: string): Static<typeof EntryView> {
  const base = { seq: e.seq, ts: e.ts, kind: e.body.kind, hash: e.hash };
  const b = e.body;
  if (b.kind === 'grant')
    return { ...base, kind: `grant.${b.basis}`, id: b.id, amount: String(b.amount) };
  if (b.kind === 'transfer') {
    const p = b.settled.payment;
    const out = p.payer === owner;
    return {
      ...base,
      id: p.id,
      amount: String(out ? -p.amount : p.amount),
      counterparty: out ? p.payee : p.payer,
      waived: p.waived
    };
  }
  const a = b.signed.accept;
  return {
    ...base,
    kind: a.supplier === owner ? 'usage.donated' : 'usage.consumed',
    id: a.invoiceId,
    amount: '0',
    counterparty: a.supplier === owner ? a.customer : a.supplier,
    byteMs: a.storedByteMs
  };
}

/** Registers /api/ledger*. */
export async function ledgerRoutes(app: FastifyInstance, options: LedgerRoutesOptions) {
  const pick = (id: string | undefined): { node: HostedNode; rt: PaymentRuntime } => {
    const all = options.nodes();
    const node = id ? all.find((n) => n.id === id) : (all.find((n) => !n.info().devnet) ?? all[0]);
    if (!node) throw new ApiError('ERR_API_NOT_FOUND', 404, `no hosted node ${id ?? ''}`.trim());
    const rt = storageOf(node.id)?.payment();
    if (!rt) throw new ApiError('ERR_API_NO_LEDGER', 503, `payments are not running on ${node.id}`);
    return { node, rt };
  };

  const viewOf = async (node: HostedNode, rt: PaymentRuntime): Promise<LedgerView> => {
    await rt.ledger.idle();
    const s = await ledgerSummary(rt.store);
    const v = rt.view();
    return {
      node: node.id,
      balance: s.balance,
      granted: s.granted,
      spendable: rt.ledger.spendable().toString(),
      paid: s.paid,
      received: s.received,
      donatedByteMs: s.donatedByteMs,
      consumedByteMs: s.consumedByteMs,
      entries: s.entries,
      head: s.head,
      contracts: rt.pay.contracts().map((k) => {
        const t = k.terms;
        const supplier = t.supplier === rt.pay.id;
        return {
          id: t.id,
          role: supplier ? ('supplier' as const) : ('customer' as const),
          peer: supplier ? t.customer : t.supplier,
          bytes: t.bytes,
          pricePerGBHour: t.pricePerGBHour,
          startMs: t.startMs,
          termMs: t.termMs,
          seq: t.seq
        };
      }),
      customers: v.customers,
      owing: rt.pay.customer.owing(),
      disputes: [...rt.pay.supplier.invoices.values()]
        .filter((b) => b.status === 'superseded' || b.status === 'disputed')
        .sort((a, b) => a.invoice.invoice.periodEnd - b.invoice.invoice.periodEnd)
        .map((b) => ({
          invoice: b.invoice.invoice.id,
          customer: b.invoice.invoice.customer,
          status: b.status as 'superseded' | 'disputed',
          amount: b.invoice.invoice.amount,
          periodEnd: b.invoice.invoice.periodEnd,
          billedByteMs: b.invoice.invoice.storedByteMs,
          ...(b.dispute
            ? { claimedByteMs: b.dispute.claimedByteMs, reason: b.dispute.reason }
            : {}),
          ...(b.correctedBy ? { correctedBy: b.correctedBy } : {})
        })),
      forks: rt.pay.supplier.forks().map((f) => ({
        payer: f.payer,
        n: f.n,
        payments: [f.a, f.b].map(({ payment: p }) => ({
          id: p.id,
          payee: p.payee,
          amount: p.amount,
          total: p.spend!.total,
          hash: hashOf(p)
        }))
      }))
    };
  };

  app.get<{ Querystring: Static<typeof NodeQuery> }>(
    '/api/ledger',
    { schema: { querystring: NodeQuery, response: { 200: LedgerView, ...errors } } },
    async (req) => {
      const { node, rt } = pick(req.query.node);
      return viewOf(node, rt);
    }
  );

  app.get(
    '/api/ledger/balances',
    {
      schema: {
        querystring: Type.Object(Token, closed),
        response: {
          200: Type.Object({
            nodes: Type.Array(
              Type.Object({
                node: Type.String(),
                name: Type.String(),
                balance: Micro,
                granted: Micro,
                paid: Micro,
                received: Micro,
                entries: Type.Integer()
              })
            )
          }),
          ...errors
        }
      }
    },
    async () => {
      const nodes = [];
      for (const n of options.nodes()) {
        const rt = storageOf(n.id)?.payment();
        if (!rt) continue;
        const s = await ledgerSummary(rt.store);
        nodes.push({
          node: n.id,
          name: n.info().name,
          balance: s.balance,
          granted: s.granted,
          paid: s.paid,
          received: s.received,
          entries: s.entries
        });
      }
      return { nodes };
    }
  );

  app.get<{ Querystring: Static<typeof EntriesQuery> }>(
    '/api/ledger/entries',
    {
      schema: {
        querystring: EntriesQuery,
        response: {
          200: Type.Object({
            node: Type.String(),
            entries: Type.Array(EntryView),
            more: Type.Boolean()
          }),
          ...errors
        }
      }
    },
    async (req) => {
      const { node, rt } = pick(req.query.node);
      await rt.ledger.idle();
      const limit = req.query.limit ?? 50;
      const last = rt.ledger.state().seq;
      const from = req.query.from ?? Math.max(1, last - limit + 1);
      const rows = await rt.store.range<LedgerEntry>({
        prefix: 'e/',
        start: entryKey(from),
        limit: limit + 1
      });
      return {
        node: node.id,
        entries: rows.slice(0, limit).map((r) => entryView(r.value, rt.pay.id)),
        more: rows.length > limit
      };
    }
  );

  app.post<{ Querystring: Static<typeof NodeQuery>; Params: Static<typeof InvoiceParams> }>(
    '/api/ledger/invoices/:id/retry',
    {
      schema: {
        querystring: NodeQuery,
        params: InvoiceParams,
        response: {
          202: Type.Object({ node: Type.String(), invoice: Type.String(), state: Type.String() }),
          ...errors,
          409: ErrorReply
        }
      }
    },
    async (req, reply) => {
      const { node, rt } = pick(req.query.node);
      const id = req.params.id;
      const done = rt.pay.customer.retry(id);
      if (done === 'unknown')
        throw new ApiError('ERR_API_NOT_FOUND', 404, `${node.id} owes no invoice ${id}`);
      if (done === 'not-given-up') {
        const o = rt.pay.customer.owing().find((x) => x.invoice === id);
        throw new ApiError(
          'ERR_API_NOT_GIVEN_UP',
          409,
          `invoice ${id} was not given up on (${o?.state ?? 'running'}): nothing to retry`
        );
      }
      return reply.code(202).send({ node: node.id, invoice: id, state: 'running' });
    }
  );

  app.post<{ Querystring: Static<typeof NodeQuery> }>(
    '/api/ledger/audit',
    { schema: { querystring: NodeQuery, response: { 200: AuditView, ...errors } } },
    async (req) => {
      const { node, rt } = pick(req.query.node);
      await rt.ledger.idle();
      return { node: node.id, ...(await rt.audit()) };
    }
  );
}
