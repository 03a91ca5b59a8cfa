import {
  answerInvoiceDispute,
  type Currency,
  DEFAULT_CONFIG,
  err,
  type InvoiceDispute,
  type InvoiceDisputeCode,
  lapseInvoiceDispute,
  type MarketplaceConfig,
  minor,
  ok,
  openInvoiceDispute,
  type Result,
  type TimeSegment,
  type WeeklyInvoice,
  weeklyInvoice,
  weekStart,
} from "@leakguard/domain";
import type { Db, Queryable } from "./db.js";

export type HourlyCode =
  | "contract_not_found"
  | "segment_not_aligned"
  | "invalid_activity"
  | "segment_in_the_future";

/** Creates an hourly contract with its rate (minor units per hour) and weekly limit. */
export async function createHourlyContract(
  db: Db,
  contract: {
    id: string;
    clientId: string;
    freelancerId: string;
    currency: Currency;
    hourlyRate: bigint;
    weeklyLimitHours: number;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO contracts (id, client_id, freelancer_id, kind, currency) VALUES ($1, $2, $3, 'hourly', $4)",
      [contract.id, contract.clientId, contract.freelancerId, contract.currency],
    );
    await tx.query(
      "INSERT INTO hourly_terms (contract_id, hourly_rate, weekly_limit_hours) VALUES ($1, $2, $3)",
      [contract.id, contract.hourlyRate.toString(), contract.weeklyLimitHours],
    );
  });
}

/**
 * Logs one segment. Segments start on the segment grid (10 minutes by default);
 * logging the same segment again replaces nothing (the first entry stands).
 */
export async function logSegment(
  db: Queryable,
  contractId: string,
  segment: TimeSegment,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<{ logged: boolean }, HourlyCode>> {
  const step = config.hourly.segmentMinutes * 60_000;
  if (segment.start.getTime() % step !== 0)
    return err(
      "segment_not_aligned",
      `a segment starts on a ${config.hourly.segmentMinutes}-minute boundary`,
    );
  if (!Number.isInteger(segment.activity) || segment.activity < 0 || segment.activity > 100)
    return err("invalid_activity", "activity is a whole number from 0 to 100");
  if (segment.start.getTime() > now.getTime())
    return err("segment_in_the_future", "time is logged once it has passed");
  const inserted = await db.query<{ starts_at: Date }>(
    `INSERT INTO time_segments (contract_id, starts_at, tracked, memo, activity) SELECT $1, $2, $3, $4, $5
     WHERE EXISTS (SELECT 1 FROM hourly_terms WHERE contract_id = $1)
     ON CONFLICT (contract_id, starts_at) DO NOTHING RETURNING starts_at`,
    [contractId, segment.start, segment.tracked, segment.memo, segment.activity],
  );
  if (inserted.rows.length === 0) {
    const exists =
      (await db.query("SELECT 1 FROM hourly_terms WHERE contract_id = $1", [contractId])).rows.length > 0;
    if (!exists) return err("contract_not_found", `no hourly contract ${contractId}`);
    return ok({ logged: false });
  }
  return ok({ logged: true });
}

/**
 * Issues the invoice of the week before `now` for every hourly contract, once:
 * the row's key is the contract and the week, so a second run issues nothing.
 * Returns the invoices issued by this call.
 */
export async function issueWeeklyInvoices(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<{ contractId: string; invoice: WeeklyInvoice }[]> {
  const thisWeek = weekStart(now);
  const issueAt = new Date(thisWeek.getTime() + config.hourly.invoiceHourUtc * 3_600_000);
  if (now.getTime() < issueAt.getTime()) return [];
  const lastWeek = new Date(thisWeek.getTime() - 7 * 86_400_000);
  const terms = (
    await db.query<{ contract_id: string; hourly_rate: string | number; weekly_limit_hours: number }>(
      `SELECT contract_id, hourly_rate, weekly_limit_hours FROM hourly_terms h
       WHERE NOT EXISTS (SELECT 1 FROM weekly_invoices w WHERE w.contract_id = h.contract_id AND w.week_start = $1)`,
      [lastWeek],
    )
  ).rows;
  const issued: { contractId: string; invoice: WeeklyInvoice }[] = [];
  for (const t of terms) {
    const segments = (
      await db.query<{ starts_at: Date; tracked: boolean; memo: string; activity: number }>(
        "SELECT starts_at, tracked, memo, activity FROM time_segments WHERE contract_id = $1 AND starts_at >= $2 AND starts_at < $3",
        [t.contract_id, lastWeek, thisWeek],
      )
    ).rows.map((r) => ({
      start: new Date(r.starts_at),
      tracked: r.tracked,
      memo: r.memo,
      activity: r.activity,
    }));
    const invoice = weeklyInvoice(
      segments,
      lastWeek,
      minor(BigInt(t.hourly_rate)),
      t.weekly_limit_hours,
      config,
    );
    const inserted = await db.query(
      `INSERT INTO weekly_invoices (contract_id, week_start, issued_at, dispute_until, billed, protected, unprotected)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (contract_id, week_start) DO NOTHING RETURNING contract_id`,
      [
        t.contract_id,
        lastWeek,
        invoice.issuedAt,
        invoice.disputeUntil,
        invoice.billedMinor.toString(),
        invoice.protectedMinor.toString(),
        JSON.stringify(invoice.unprotected, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      ],
    );
    if (inserted.rows.length > 0) issued.push({ contractId: t.contract_id, invoice });
  }
  return issued;
}

export interface StoredInvoice {
  contractId: string;
  weekStart: Date;
  issuedAt: Date;
  disputeUntil: Date;
  billedMinor: bigint;
  protectedMinor: bigint;
  /** Why the rest is not protected: per reason, the segments and their amount (minor units). */
  unprotected: Record<string, { segments: number; amountMinor: bigint }>;
  dispute?: InvoiceDispute;
}

/** A contract's issued weekly invoices, newest week first. */
export async function invoicesOf(db: Queryable, contractId: string): Promise<StoredInvoice[]> {
  const rows = (
    await db.query<{
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
    }>(
      `SELECT week_start, issued_at, dispute_until, billed, protected, unprotected,
         dispute_opened_at, dispute_answer_by, dispute_outcome, dispute_closed_at
       FROM weekly_invoices WHERE contract_id = $1 ORDER BY week_start DESC`,
      [contractId],
    )
  ).rows;
  return rows.map((r) => {
    // jsonb comes back parsed from the server and from PGlite alike; a string only from older drivers.
    const reasons =
      typeof r.unprotected === "string" ? (JSON.parse(r.unprotected) as typeof r.unprotected) : r.unprotected;
    const unprotected: StoredInvoice["unprotected"] = {};
    const dispute = disputeOf(r);
    for (const [reason, v] of Object.entries(
      reasons as Record<string, { segments: number; amountMinor: string }>,
    ))
      unprotected[reason] = { segments: v.segments, amountMinor: BigInt(v.amountMinor) };
    return {
      contractId,
      weekStart: new Date(r.week_start),
      issuedAt: new Date(r.issued_at),
      disputeUntil: new Date(r.dispute_until),
      billedMinor: BigInt(r.billed),
      protectedMinor: BigInt(r.protected),
      unprotected,
      ...(dispute === undefined ? {} : { dispute }),
    };
  });
}

/** A contract's two sides and kind, for deciding who may see it. */
export async function contractSides(
  db: Queryable,
  contractId: string,
): Promise<{ clientId: string; freelancerId: string; kind: "fixed_price" | "hourly" } | null> {
  const row = (
    await db.query<{ client_id: string; freelancer_id: string; kind: "fixed_price" | "hourly" }>(
      "SELECT client_id, freelancer_id, kind FROM contracts WHERE id = $1",
      [contractId],
    )
  ).rows[0];
  return row === undefined
    ? null
    : { clientId: row.client_id, freelancerId: row.freelancer_id, kind: row.kind };
}

/** What a contract was created with, to answer a retried creation with the same contract. */
export interface ContractTerms {
  clientId: string;
  freelancerId: string;
  kind: "fixed_price" | "hourly";
  currency: string;
  milestones: { id: string; amount: bigint }[];
  hourlyRate?: bigint;
  weeklyLimitHours?: number;
}

export async function contractTerms(db: Queryable, contractId: string): Promise<ContractTerms | null> {
  const c = (
    await db.query<{
      client_id: string;
      freelancer_id: string;
      kind: "fixed_price" | "hourly";
      currency: string;
    }>("SELECT client_id, freelancer_id, kind, currency FROM contracts WHERE id = $1", [contractId])
  ).rows[0];
  if (c === undefined) return null;
  const milestones = (
    await db.query<{ id: string; amount: string }>(
      "SELECT id, amount::text AS amount FROM milestones WHERE contract_id = $1 ORDER BY id",
      [contractId],
    )
  ).rows.map((m) => ({ id: m.id, amount: BigInt(m.amount) }));
  const h = (
    await db.query<{ hourly_rate: string; weekly_limit_hours: number }>(
      "SELECT hourly_rate::text AS hourly_rate, weekly_limit_hours FROM hourly_terms WHERE contract_id = $1",
      [contractId],
    )
  ).rows[0];
  return {
    clientId: c.client_id,
    freelancerId: c.freelancer_id,
    kind: c.kind,
    currency: c.currency.trim(),
    milestones,
    ...(h === undefined ? {} : { hourlyRate: BigInt(h.hourly_rate), weeklyLimitHours: h.weekly_limit_hours }),
  };
}

export type InvoiceActCode = InvoiceDisputeCode | "invoice_not_found";

interface DisputeRow extends Record<string, unknown> {
  dispute_until: Date;
  dispute_opened_at: Date | null;
  dispute_answer_by: Date | null;
  dispute_outcome: "accepted" | "contested" | "lapsed" | null;
  dispute_closed_at: Date | null;
}

function disputeOf(row: DisputeRow): InvoiceDispute | undefined {
  if (row.dispute_opened_at === null || row.dispute_answer_by === null) return undefined;
  return {
    openedAt: new Date(row.dispute_opened_at),
    answerBy: new Date(row.dispute_answer_by),
    ...(row.dispute_outcome === null ? {} : { outcome: row.dispute_outcome }),
    ...(row.dispute_closed_at === null ? {} : { closedAt: new Date(row.dispute_closed_at) }),
  };
}

async function lockInvoiceDispute(
  tx: Queryable,
  contractId: string,
  week: Date,
): Promise<DisputeRow | undefined> {
  return (
    await tx.query<DisputeRow>(
      `SELECT dispute_until, dispute_opened_at, dispute_answer_by, dispute_outcome, dispute_closed_at
       FROM weekly_invoices WHERE contract_id = $1 AND week_start = $2 FOR UPDATE`,
      [contractId, week],
    )
  ).rows[0];
}

async function writeDispute(tx: Queryable, contractId: string, week: Date, d: InvoiceDispute): Promise<void> {
  await tx.query(
    `UPDATE weekly_invoices SET dispute_opened_at = $3, dispute_answer_by = $4, dispute_outcome = $5, dispute_closed_at = $6
     WHERE contract_id = $1 AND week_start = $2`,
    [contractId, week, d.openedAt, d.answerBy, d.outcome ?? null, d.closedAt ?? null],
  );
}

/**
 * The client disputes (`open`) or the freelancer answers (`accept`/`contest`)
 * one weekly invoice, under the invoice row's lock so two answers cannot both win.
 */
export async function actOnInvoiceDispute(
  db: Db,
  contractId: string,
  week: Date,
  act: "open" | "accept" | "contest",
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<InvoiceDispute, InvoiceActCode>> {
  return db.transaction(async (tx) => {
    const row = await lockInvoiceDispute(tx, contractId, week);
    if (row === undefined)
      return err("invoice_not_found", `no invoice for the week of ${week.toISOString()}`);
    const current = disputeOf(row);
    const next =
      act === "open"
        ? openInvoiceDispute({ disputeUntil: new Date(row.dispute_until), dispute: current }, now, config)
        : answerInvoiceDispute(current, act === "accept", now);
    if (!next.ok) return next;
    await writeDispute(tx, contractId, week, next.value);
    return next;
  });
}

/** The clock: lapses every dispute left unanswered past its time, once. Returns how many it lapsed. */
export async function lapseInvoiceDisputes(db: Db, now: Date): Promise<number> {
  const due = (
    await db.query<{ contract_id: string; week_start: Date }>(
      `SELECT contract_id, week_start FROM weekly_invoices
       WHERE dispute_opened_at IS NOT NULL AND dispute_outcome IS NULL AND dispute_answer_by < $1`,
      [now],
    )
  ).rows;
  let lapsed = 0;
  for (const d of due)
    await db.transaction(async (tx) => {
      const row = await lockInvoiceDispute(tx, d.contract_id, d.week_start);
      const next = row === undefined ? null : lapseInvoiceDispute(disputeOf(row), now);
      if (next === null) return;
      await writeDispute(tx, d.contract_id, new Date(d.week_start), next);
      lapsed++;
    });
  return lapsed;
}
