import {
  answerInvoiceDispute,
  type Currency,
  chargeInvoice,
  DEFAULT_CONFIG,
  err,
  type InvoiceDispute,
  type InvoiceDisputeCode,
  type InvoiceMoney,
  type InvoiceOutcome,
  type InvoiceResolveCode,
  type InvoiceSettlementCode,
  type InvoiceSettlementKind,
  lapseInvoiceDispute,
  type MarketplaceConfig,
  type Minor,
  mayResolveInvoiceDispute,
  minor,
  ok,
  openInvoiceDispute,
  type Result,
  settleInvoice,
  type WeeklyInvoice,
  weeklyInvoice,
  weekStart,
} from "@leakguard/domain";
import {
  type ContractTrustCode,
  contractTrust,
  mayActGivenTrust,
  releasesWaitSql,
} from "./contract-trust.js";
import type { Db, Queryable } from "./db.js";
import { type IdempotencyCode, oncePerKey } from "./idempotency.js";
import { type PostCode, postTransfersIn } from "./ledger.js";

/**
 * Weekly hourly invoices and their money. An invoice is issued once per
 * contract and week, charging the client into the invoice's hold in the same
 * transaction; it is settled once, under its row lock, when its outcome is
 * known: the window closed undisputed (the clock), the freelancer accepted
 * the client's dispute, left it unanswered (the clock), or an agent decided
 * a contested one.
 */

export interface InvoiceSettlementRecord {
  kind: InvoiceSettlementKind | "before_billing";
  settledAt: Date;
  refundedMinor: bigint;
  /** The agent who decided a contested dispute. */
  resolvedBy?: string;
}

export interface StoredInvoice {
  contractId: string;
  weekStart: Date;
  issuedAt: Date;
  disputeUntil: Date;
  currency: string;
  billedMinor: bigint;
  protectedMinor: bigint;
  /** Why the rest is not protected: per reason, the segments and their amount (minor units). */
  unprotected: Record<string, { segments: number; amountMinor: bigint }>;
  dispute?: InvoiceDispute;
  settlement?: InvoiceSettlementRecord;
}

export type InvoiceAct =
  | { type: "open" }
  | { type: "answer"; accept: boolean }
  | { type: "resolve"; refundMinor: Minor; agentId: string };

export type InvoiceActCode =
  | InvoiceDisputeCode
  | InvoiceResolveCode
  | InvoiceSettlementCode
  | PostCode
  | IdempotencyCode
  | ContractTrustCode
  | "invoice_not_found";

/**
 * Issues every invoice owed at `now`, once, charging the client in the same
 * transaction: the week before for every hourly contract that had not ended
 * before that week began (Monday from the configured hour; an ended contract
 * logs no more time, so a later week would be an empty invoice), and any
 * earlier week with logged time and no invoice (the
 * clock was down across a Monday), whose dispute window then runs from now.
 * The invoice's key is the contract and the week, and the contract's terms
 * row is locked while the week's time is read, so a second worker issues
 * nothing and time cannot slip into a week as it is invoiced. A contract
 * whose invoice cannot be issued does not hold up the others: its error is
 * thrown after the rest are issued. Returns the invoices issued by this call.
 */
export async function issueWeeklyInvoices(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<{ contractId: string; invoice: WeeklyInvoice }[]> {
  const thisWeek = weekStart(now);
  const issueAt = new Date(thisWeek.getTime() + config.hourly.invoiceHourUtc * 3_600_000);
  const lastWeek = new Date(thisWeek.getTime() - 7 * 86_400_000);
  // Weeks before `due` are owed; last week only once its invoice hour has come.
  const due = now.getTime() < issueAt.getTime() ? lastWeek : thisWeek;
  const owed = (
    await db.query<{ contract_id: string; week_start: Date }>(
      `SELECT contract_id, week_start FROM (
         SELECT h.contract_id, $1::timestamptz AS week_start
         FROM hourly_terms h JOIN contracts c ON c.id = h.contract_id
         WHERE $1::timestamptz < $2::timestamptz AND (c.ended_at IS NULL OR c.ended_at > $1::timestamptz)
         UNION
         SELECT DISTINCT s.contract_id, (date_trunc('week', s.starts_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS week_start
         FROM time_segments s WHERE s.starts_at < $2
       ) o
       WHERE NOT EXISTS (SELECT 1 FROM weekly_invoices w WHERE w.contract_id = o.contract_id AND w.week_start = o.week_start)
       ORDER BY week_start, contract_id`,
      [lastWeek, due],
    )
  ).rows;
  const issued: { contractId: string; invoice: WeeklyInvoice }[] = [];
  const failures: unknown[] = [];
  for (const o of owed)
    try {
      const invoice = await issueOne(db, o.contract_id, new Date(o.week_start), now, config);
      if (invoice !== null) issued.push({ contractId: o.contract_id, invoice });
    } catch (error) {
      failures.push(error);
    }
  if (failures.length > 0)
    throw new AggregateError(failures, `${failures.length} invoice(s) could not be issued`);
  return issued;
}

/** Issues and charges one contract's invoice for one week under the terms row's lock; null if it exists. */
async function issueOne(
  db: Db,
  contractId: string,
  week: Date,
  now: Date,
  config: MarketplaceConfig,
): Promise<WeeklyInvoice | null> {
  return db.transaction(async (tx) => {
    const t = (
      await tx.query<{
        freelancer_id: string;
        currency: string;
        hourly_rate: string;
        weekly_limit_hours: number;
      }>(
        `SELECT c.freelancer_id, c.currency, h.hourly_rate::text AS hourly_rate, h.weekly_limit_hours
         FROM hourly_terms h JOIN contracts c ON c.id = h.contract_id WHERE h.contract_id = $1 FOR UPDATE OF h`,
        [contractId],
      )
    ).rows[0];
    if (t === undefined) return null;
    const exists = await tx.query(
      "SELECT 1 FROM weekly_invoices WHERE contract_id = $1 AND week_start = $2",
      [contractId, week],
    );
    if (exists.rows.length > 0) return null;
    const segments = (
      await tx.query<{ starts_at: Date; tracked: boolean; memo: string; activity: number }>(
        "SELECT starts_at, tracked, memo, activity FROM time_segments WHERE contract_id = $1 AND starts_at >= $2 AND starts_at < $3",
        [contractId, week, new Date(week.getTime() + 7 * 86_400_000)],
      )
    ).rows.map((r) => ({
      start: new Date(r.starts_at),
      tracked: r.tracked,
      memo: r.memo,
      activity: r.activity,
    }));
    const invoice = weeklyInvoice(
      segments,
      week,
      minor(BigInt(t.hourly_rate)),
      t.weekly_limit_hours,
      config,
      now,
    );
    await tx.query(
      `INSERT INTO weekly_invoices (contract_id, week_start, issued_at, dispute_until, billed, protected, unprotected)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        contractId,
        week,
        invoice.issuedAt,
        invoice.disputeUntil,
        invoice.billedMinor.toString(),
        invoice.protectedMinor.toString(),
        JSON.stringify(invoice.unprotected, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      ],
    );
    const money = moneyOf(contractId, week, t.freelancer_id, t.currency, invoice);
    const posted = await postTransfersIn(tx, chargeInvoice(money), now);
    // Thrown, so the invoice row goes with it: no invoice without its charge.
    if (!posted.ok)
      throw new Error(`charging invoice ${contractId} ${week.toISOString()}: ${posted.message}`);
    return invoice;
  });
}

function moneyOf(
  contractId: string,
  week: Date,
  freelancerId: string,
  currency: string,
  amounts: { billedMinor: bigint; protectedMinor: bigint },
): InvoiceMoney {
  return {
    contractId,
    weekStart: week,
    freelancerId,
    currency: currency.trim() as Currency,
    billedMinor: minor(amounts.billedMinor),
    protectedMinor: minor(amounts.protectedMinor),
  };
}

interface InvoiceRow extends Record<string, unknown> {
  contract_id: string;
  freelancer_id: string;
  currency: string;
  week_start: Date;
  issued_at: Date;
  dispute_until: Date;
  billed: string | number;
  protected: string | number;
  unprotected: string | Record<string, { segments: number; amountMinor: string }>;
  dispute_opened_at: Date | null;
  dispute_answer_by: Date | null;
  dispute_outcome: "accepted" | "contested" | "lapsed" | null;
  dispute_closed_at: Date | null;
  settlement: InvoiceSettlementRecord["kind"] | null;
  settled_at: Date | null;
  refunded: string | number | null;
  resolved_by: string | null;
}

const SELECT_INVOICE = `SELECT w.*, c.freelancer_id, c.currency FROM weekly_invoices w JOIN contracts c ON c.id = w.contract_id`;

function invoiceOf(r: InvoiceRow): StoredInvoice {
  // jsonb comes back parsed from the server and from PGlite alike; a string only from older drivers.
  const reasons = (typeof r.unprotected === "string" ? JSON.parse(r.unprotected) : r.unprotected) as Record<
    string,
    { segments: number; amountMinor: string }
  >;
  const unprotected: StoredInvoice["unprotected"] = {};
  for (const [reason, v] of Object.entries(reasons))
    unprotected[reason] = { segments: v.segments, amountMinor: BigInt(v.amountMinor) };
  const dispute = disputeOf(r);
  const settlement: InvoiceSettlementRecord | undefined =
    r.settlement === null || r.settled_at === null
      ? undefined
      : {
          kind: r.settlement,
          settledAt: new Date(r.settled_at),
          refundedMinor: BigInt(r.refunded ?? 0),
          ...(r.resolved_by === null ? {} : { resolvedBy: r.resolved_by }),
        };
  return {
    contractId: r.contract_id,
    weekStart: new Date(r.week_start),
    issuedAt: new Date(r.issued_at),
    disputeUntil: new Date(r.dispute_until),
    currency: r.currency.trim(),
    billedMinor: BigInt(r.billed),
    protectedMinor: BigInt(r.protected),
    unprotected,
    ...(dispute === undefined ? {} : { dispute }),
    ...(settlement === undefined ? {} : { settlement }),
  };
}

/** A contract's issued weekly invoices, newest week first. */
export async function invoicesOf(db: Queryable, contractId: string): Promise<StoredInvoice[]> {
  const rows = (
    await db.query<InvoiceRow>(`${SELECT_INVOICE} WHERE w.contract_id = $1 ORDER BY w.week_start DESC`, [
      contractId,
    ])
  ).rows;
  return rows.map(invoiceOf);
}

function disputeOf(row: InvoiceRow): InvoiceDispute | undefined {
  if (row.dispute_opened_at === null || row.dispute_answer_by === null) return undefined;
  return {
    openedAt: new Date(row.dispute_opened_at),
    answerBy: new Date(row.dispute_answer_by),
    ...(row.dispute_outcome === null ? {} : { outcome: row.dispute_outcome }),
    ...(row.dispute_closed_at === null ? {} : { closedAt: new Date(row.dispute_closed_at) }),
  };
}

async function lockInvoice(tx: Queryable, contractId: string, week: Date): Promise<InvoiceRow | undefined> {
  return (
    await tx.query<InvoiceRow>(
      `${SELECT_INVOICE} WHERE w.contract_id = $1 AND w.week_start = $2 FOR UPDATE OF w`,
      [contractId, week],
    )
  ).rows[0];
}

async function writeDispute(tx: Queryable, row: InvoiceRow, d: InvoiceDispute): Promise<void> {
  await tx.query(
    `UPDATE weekly_invoices SET dispute_opened_at = $3, dispute_answer_by = $4, dispute_outcome = $5, dispute_closed_at = $6
     WHERE contract_id = $1 AND week_start = $2`,
    [row.contract_id, row.week_start, d.openedAt, d.answerBy, d.outcome ?? null, d.closedAt ?? null],
  );
}

/** Settles a locked invoice's hold: its transfers and its record, in the caller's transaction. */
async function settleLocked(
  tx: Queryable,
  row: InvoiceRow,
  outcome: InvoiceOutcome,
  now: Date,
  config: MarketplaceConfig,
  resolvedBy?: string,
): Promise<Result<true, InvoiceSettlementCode | PostCode>> {
  // Settled already (or issued before invoices held money): nothing is left to move.
  if (row.settled_at !== null) return ok(true);
  const money = moneyOf(row.contract_id, new Date(row.week_start), row.freelancer_id, row.currency, {
    billedMinor: BigInt(row.billed),
    protectedMinor: BigInt(row.protected),
  });
  const settled = settleInvoice(money, outcome, config);
  if (!settled.ok) return settled;
  const posted = await postTransfersIn(tx, settled.value.transfers, now);
  if (!posted.ok) return posted;
  await tx.query(
    `UPDATE weekly_invoices SET settlement = $3, settled_at = $4, refunded = $5, resolved_by = $6
     WHERE contract_id = $1 AND week_start = $2`,
    [
      row.contract_id,
      row.week_start,
      settled.value.kind,
      now,
      settled.value.refundedMinor.toString(),
      resolvedBy ?? null,
    ],
  );
  return ok(true);
}

/**
 * The client disputes an invoice (`open`), the freelancer answers (`answer`:
 * accepting refunds the client at once), or an agent decides a contested
 * dispute (`resolve`), under the invoice row's lock so two acts cannot both
 * win, and once per idempotency key. Returns the invoice as it now is.
 */
export async function actOnInvoice(
  db: Db,
  contractId: string,
  week: Date,
  act: InvoiceAct,
  now: Date,
  idempotencyKey?: string,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<StoredInvoice, InvoiceActCode>> {
  return db.transaction(async (tx) => {
    const row = await lockInvoice(tx, contractId, week);
    if (row === undefined)
      return err("invoice_not_found", `no invoice for the week of ${week.toISOString()}`);
    const request = { contractId, week: week.toISOString(), act };
    return oncePerKey(
      tx,
      idempotencyKey,
      request,
      async (): Promise<Result<StoredInvoice, InvoiceActCode>> => {
        const current = disputeOf(row);
        const settled = row.settled_at !== null;
        const trust = await contractTrust(tx, contractId);
        const allowed = mayActGivenTrust(trust, {
          opensDispute: act.type === "open",
          releases: act.type === "answer" || act.type === "resolve",
          byAgent: act.type === "resolve",
        });
        if (!allowed.ok) return allowed;
        if (act.type === "open") {
          // A settled invoice is past its window; say so rather than offer a dispute of paid-out money.
          if (settled && current === undefined)
            return err("dispute_window_closed", "this invoice is settled; its dispute window has closed");
          const next = openInvoiceDispute(
            { disputeUntil: new Date(row.dispute_until), dispute: current },
            now,
            config,
          );
          if (!next.ok) return next;
          await writeDispute(tx, row, next.value);
        } else if (act.type === "answer") {
          const next = answerInvoiceDispute(current, act.accept, now);
          if (!next.ok) return next;
          // Money first: a refusal from the ledger leaves the dispute as it was.
          if (act.accept) {
            const paid = await settleLocked(tx, row, { kind: "accepted" }, now, config);
            if (!paid.ok) return paid;
          }
          await writeDispute(tx, row, next.value);
        } else {
          const may = mayResolveInvoiceDispute(current, settled);
          if (!may.ok) return may;
          const paid = await settleLocked(
            tx,
            row,
            { kind: "resolved", refundMinor: act.refundMinor },
            now,
            config,
            act.agentId,
          );
          if (!paid.ok) return paid;
        }
        const after = await lockInvoice(tx, contractId, week);
        if (after === undefined)
          return err("invoice_not_found", `no invoice for the week of ${week.toISOString()}`);
        return ok(invoiceOf(after));
      },
    );
  });
}

/**
 * The clock: lapses every dispute left unanswered past its time and settles
 * it (the unprotected part back to the client), once. Returns how many it lapsed.
 */
export async function lapseInvoiceDisputes(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<number> {
  const due = (
    await db.query<{ contract_id: string; week_start: Date }>(
      `SELECT contract_id, week_start FROM weekly_invoices
       WHERE dispute_opened_at IS NOT NULL AND dispute_outcome IS NULL AND dispute_answer_by < $1`,
      [now],
    )
  ).rows;
  return eachUnderLock(db, due, "dispute(s) could not lapse", async (tx, row) => {
    const next = lapseInvoiceDispute(disputeOf(row), now);
    if (next === null) return false;
    const paid = await settleLocked(tx, row, { kind: "lapsed" }, now, config);
    if (!paid.ok) throw new Error(`settling a lapsed dispute of ${row.contract_id}: ${paid.message}`);
    await writeDispute(tx, row, next);
    return true;
  });
}

/**
 * The clock's loop over due invoices: each in its own transaction under its
 * row lock (re-read there, since another worker may have got to it first),
 * one failure not stopping the rest; the failures are thrown together at the
 * end. Returns how many `work` changed.
 */
async function eachUnderLock(
  db: Db,
  due: readonly { contract_id: string; week_start: Date }[],
  whatFailed: string,
  work: (tx: Queryable, row: InvoiceRow) => Promise<boolean>,
): Promise<number> {
  let changed = 0;
  const failures: unknown[] = [];
  for (const d of due)
    try {
      await db.transaction(async (tx) => {
        const row = await lockInvoice(tx, d.contract_id, new Date(d.week_start));
        if (row !== undefined && (await work(tx, row))) changed++;
      });
    } catch (error) {
      failures.push(error);
    }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} ${whatFailed}`);
  return changed;
}

/** The clock: pays out every invoice whose dispute window closed with no dispute, once. Returns how many. */
export async function settleUndisputedInvoices(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
  limit = 500,
): Promise<number> {
  const due = (
    await db.query<{ contract_id: string; week_start: Date }>(
      `SELECT i.contract_id, i.week_start FROM weekly_invoices i JOIN contracts c ON c.id = i.contract_id
       WHERE i.settled_at IS NULL AND i.dispute_opened_at IS NULL AND i.dispute_until < $1
         AND NOT ${releasesWaitSql("c")}
       ORDER BY i.dispute_until LIMIT $2`,
      [now, limit],
    )
  ).rows;
  return eachUnderLock(db, due, "invoice(s) could not be settled", async (tx, row) => {
    // Checked again under the lock: another worker may have settled it, or the client disputed it in time.
    if (row.settled_at !== null || row.dispute_opened_at !== null) return false;
    const paid = await settleLocked(tx, row, { kind: "undisputed" }, now, config);
    if (!paid.ok) throw new Error(`settling invoice ${row.contract_id}: ${paid.message}`);
    return true;
  });
}
