import {
  type Currency,
  DEFAULT_CONFIG,
  err,
  type MarketplaceConfig,
  ok,
  type Result,
  type TimeSegment,
  weekStart,
} from "@leakguard/domain";
import type { Db, Queryable } from "./db.js";

export type HourlyCode =
  | "contract_not_found"
  | "segment_not_aligned"
  | "invalid_activity"
  | "segment_in_the_future"
  | "week_invoiced"
  | "contract_ended";

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
  db: Db,
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
  // Under a shared lock on the terms: invoicing takes it exclusively while it reads the week's time.
  return db.transaction(async (tx) => {
    const terms = await tx.query("SELECT 1 FROM hourly_terms WHERE contract_id = $1 FOR SHARE", [contractId]);
    if (terms.rows.length === 0) return err("contract_not_found", `no hourly contract ${contractId}`);
    // Under a shared lock on the contract too: ending it takes the row exclusively, so a segment is
    // either logged before the end is written or sees it.
    const ended =
      (
        await tx.query<{ ended_at: Date | null }>("SELECT ended_at FROM contracts WHERE id = $1 FOR SHARE", [
          contractId,
        ])
      ).rows[0]?.ended_at ?? null;
    if (ended !== null && segment.start.getTime() >= new Date(ended).getTime())
      return err(
        "contract_ended",
        `this contract ended at ${new Date(ended).toISOString()}: no time is logged from then on`,
      );
    const already = await tx.query("SELECT 1 FROM time_segments WHERE contract_id = $1 AND starts_at = $2", [
      contractId,
      segment.start,
    ]);
    if (already.rows.length > 0) return ok({ logged: false });
    const week = weekStart(segment.start);
    const invoiced = await tx.query(
      "SELECT 1 FROM weekly_invoices WHERE contract_id = $1 AND week_start = $2",
      [contractId, week],
    );
    if (invoiced.rows.length > 0)
      return err(
        "week_invoiced",
        `the week of ${week.toISOString().slice(0, 10)} is invoiced; its time can no longer change`,
      );
    const inserted = await tx.query(
      `INSERT INTO time_segments (contract_id, starts_at, tracked, memo, activity) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (contract_id, starts_at) DO NOTHING RETURNING starts_at`,
      [contractId, segment.start, segment.tracked, segment.memo, segment.activity],
    );
    return ok({ logged: inserted.rows.length > 0 });
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

/** What a contract was created with (and where its milestones stand): for reading it, and to answer a retried creation. */
export interface ContractTerms {
  id: string;
  clientId: string;
  freelancerId: string;
  kind: "fixed_price" | "hourly";
  currency: string;
  milestones: { id: string; amount: bigint; status: string }[];
  hourlyRate?: bigint;
  weeklyLimitHours?: number;
  /** When the contract ended, and why (`ended_by_party`, `account_removed`); absent while it runs. */
  endedAt?: Date;
  endedBecause?: string;
}

export async function contractTerms(db: Queryable, contractId: string): Promise<ContractTerms | null> {
  const c = (
    await db.query<{
      client_id: string;
      freelancer_id: string;
      kind: "fixed_price" | "hourly";
      currency: string;
      ended_at: Date | null;
      ended_because: string | null;
    }>(
      "SELECT client_id, freelancer_id, kind, currency, ended_at, ended_because FROM contracts WHERE id = $1",
      [contractId],
    )
  ).rows[0];
  if (c === undefined) return null;
  const milestones = (
    await db.query<{ id: string; amount: string; status: string }>(
      "SELECT id, amount::text AS amount, status FROM milestones WHERE contract_id = $1 ORDER BY id",
      [contractId],
    )
  ).rows.map((m) => ({ id: m.id, amount: BigInt(m.amount), status: m.status }));
  const h = (
    await db.query<{ hourly_rate: string; weekly_limit_hours: number }>(
      "SELECT hourly_rate::text AS hourly_rate, weekly_limit_hours FROM hourly_terms WHERE contract_id = $1",
      [contractId],
    )
  ).rows[0];
  return {
    id: contractId,
    clientId: c.client_id,
    freelancerId: c.freelancer_id,
    kind: c.kind,
    currency: c.currency.trim(),
    milestones,
    ...(h === undefined ? {} : { hourlyRate: BigInt(h.hourly_rate), weeklyLimitHours: h.weekly_limit_hours }),
    ...(c.ended_at === null ? {} : { endedAt: new Date(c.ended_at) }),
    ...(c.ended_because === null ? {} : { endedBecause: c.ended_because }),
  };
}

/** The contracts an account is on, either side, newest first (at most `limit`). */
export async function contractsOf(db: Queryable, accountId: string, limit = 200): Promise<ContractTerms[]> {
  const ids = (
    await db.query<{ id: string }>(
      `SELECT id FROM contracts WHERE client_id = $1 OR freelancer_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [accountId, limit],
    )
  ).rows;
  const contracts: ContractTerms[] = [];
  for (const { id } of ids) {
    const terms = await contractTerms(db, id);
    if (terms !== null) contracts.push(terms);
  }
  return contracts;
}

/** An hourly contract's logged segments from `from` (inclusive) to `to` (exclusive), in time order. */
export async function segmentsOf(
  db: Queryable,
  contractId: string,
  from: Date,
  to: Date,
): Promise<TimeSegment[]> {
  return (
    await db.query<{ starts_at: Date; tracked: boolean; memo: string; activity: number }>(
      `SELECT starts_at, tracked, memo, activity FROM time_segments
       WHERE contract_id = $1 AND starts_at >= $2 AND starts_at < $3 ORDER BY starts_at`,
      [contractId, from, to],
    )
  ).rows.map((r) => ({
    start: new Date(r.starts_at),
    tracked: r.tracked,
    memo: r.memo,
    activity: r.activity,
  }));
}
