import { randomBytes } from "node:crypto";
import { err, ok, type Result, type SignalTuning } from "@leakguard/domain";
import { type Risk, riskOfRecorded } from "@leakguard/trust";
import { audit } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { signalEventsOf } from "./signals.js";

/**
 * Trust & safety cases: one open case per subject. An event that concerns a
 * subject opens their case or, if one is open, raises its priority; agents
 * claim a case (it is then theirs alone) and release it.
 */

export type CaseReason = "held_message" | "report" | "risk_threshold";

/** Open: in the queue. Waiting: on the subject's answer to a question. Closed: resolved. */
export type CaseStatus = "open" | "waiting" | "closed";

export interface Case {
  id: string;
  subjectId: string;
  status: CaseStatus;
  openedAt: Date;
  openedBecause: CaseReason;
  priority: number;
  updatedAt: Date;
  assigneeId?: string;
  claimedAt?: Date;
  closedAt?: Date;
  /** The action that closed it. */
  resolution?: string;
}

interface CaseRow extends Record<string, unknown> {
  id: string;
  subject_id: string;
  status: CaseStatus;
  opened_at: Date;
  opened_because: CaseReason;
  priority: number;
  updated_at: Date;
  assignee_id: string | null;
  claimed_at: Date | null;
  closed_at: Date | null;
  resolution: string | null;
}

/**
 * CaseRow's columns, named: a prepared statement returning `*` fails on its connection for good once a
 * migration adds a column ("cached plan must not change result type").
 */
const CASE_COLUMNS =
  "id, subject_id, status, opened_at, opened_because, priority, updated_at, assignee_id, claimed_at, closed_at, resolution";

function caseOf(r: CaseRow): Case {
  return {
    id: r.id,
    subjectId: r.subject_id,
    status: r.status,
    openedAt: new Date(r.opened_at),
    openedBecause: r.opened_because,
    priority: r.priority,
    updatedAt: new Date(r.updated_at),
    ...(r.assignee_id === null ? {} : { assigneeId: r.assignee_id }),
    ...(r.claimed_at === null ? {} : { claimedAt: new Date(r.claimed_at) }),
    ...(r.closed_at === null ? {} : { closedAt: new Date(r.closed_at) }),
    ...(r.resolution === null ? {} : { resolution: r.resolution }),
  };
}

/**
 * Opens the subject's case, or raises the unclosed one's priority to
 * `priority` if that is higher; a held message or a report brings a case
 * waiting on the subject's answer back to the queue (new evidence wants an
 * agent). Racing openers agree on one case: the unique index on unclosed
 * cases decides, the loser updates it.
 */
export async function openOrRaiseCase(
  db: Queryable,
  subjectId: string,
  because: CaseReason,
  priority: number,
  now: Date,
): Promise<Case> {
  const p = Math.max(0, Math.min(100, Math.round(priority)));
  // Random, not derived from the subject and the time: a case closed and a new one opened in the same
  // millisecond would share a derived id (a 500). Racers still agree through the unclosed-case index.
  const id = `case_${randomBytes(12).toString("hex")}`;
  const upserted = await db.query<CaseRow>(
    `INSERT INTO cases (id, subject_id, opened_at, opened_because, priority, updated_at)
     VALUES ($1, $2, $3, $4, $5, $3)
     ON CONFLICT (subject_id) WHERE status <> 'closed'
     DO UPDATE SET priority = GREATEST(cases.priority, EXCLUDED.priority), updated_at = EXCLUDED.updated_at,
       status = CASE WHEN EXCLUDED.opened_because = 'risk_threshold' THEN cases.status ELSE 'open' END
     RETURNING ${CASE_COLUMNS}`,
    [id, subjectId, now, because, p],
    "leakguard_open_or_raise_case",
  );
  // The row inserted, or the unclosed one as updated: the subject's case either way.
  const row = upserted.rows[0];
  if (row === undefined) throw new Error(`the case of ${subjectId} could not be read back`);
  if (row.id === id)
    await audit(db, {
      at: now,
      actorId: null,
      event: "case.opened",
      subjectId,
      caseId: id,
      reason: because,
      change: { priority: p },
    });
  return caseOf(row);
}

export interface CaseFilter {
  status?: CaseStatus;
  /** An agent's id, or "none" for unclaimed cases. */
  assignee?: string;
  sort?: "priority" | "age";
  /** Only cases whose priority (the subject's risk) is at least this. */
  minPriority?: number;
  /** Only cases opened for this reason. */
  openedBecause?: CaseReason;
  /** Only cases whose subject sent a message flagged by this rule (P1, C1, ...) in the 30 days before the case opened, or since. */
  rule?: string;
  limit?: number;
}

/**
 * How urgent a case is: its priority (the subject's risk) plus a point for
 * every 6 hours it has been open, at most 20 (5 days), so an old case of a
 * middling risk is not starved by a stream of new ones. Capped at 100.
 */
export function urgencyOf(c: Pick<Case, "priority" | "openedAt">, now: Date): number {
  const ageBonus = Math.min(20, Math.floor(Math.max(0, now.getTime() - c.openedAt.getTime()) / 21_600_000));
  return Math.min(100, c.priority + ageBonus);
}

const URGENCY_SQL =
  "LEAST(100, priority + LEAST(20, FLOOR(GREATEST(0, EXTRACT(EPOCH FROM ($1::timestamptz - opened_at))) / 21600)))";

/** The queue: open cases by default, most urgent first (then oldest). */
export async function listCases(db: Queryable, now: Date, filter: CaseFilter = {}): Promise<Case[]> {
  const where: string[] = ["status = $2"];
  const params: unknown[] = [now, filter.status ?? "open"];
  if (filter.assignee === "none") where.push("assignee_id IS NULL");
  else if (filter.assignee !== undefined) {
    params.push(filter.assignee);
    where.push(`assignee_id = $${params.length}`);
  }
  if (filter.minPriority !== undefined) {
    params.push(filter.minPriority);
    where.push(`priority >= $${params.length}`);
  }
  if (filter.openedBecause !== undefined) {
    params.push(filter.openedBecause);
    where.push(`opened_because = $${params.length}`);
  }
  if (filter.rule !== undefined) {
    params.push(filter.rule);
    where.push(`EXISTS (SELECT 1 FROM messages m WHERE m.sender_id = cases.subject_id AND m.verdict <> 'allow'
      AND jsonb_exists(m.scan -> 'rules', $${params.length}) AND m.sent_at >= cases.opened_at - interval '30 days')`);
  }
  params.push(filter.limit ?? 200);
  const order = filter.sort === "age" ? "opened_at, id" : `${URGENCY_SQL} DESC, opened_at, id`;
  return (
    await db.query<CaseRow>(
      `SELECT * FROM cases WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT $${params.length}`,
      params,
    )
  ).rows.map(caseOf);
}

/** How many cases are open, and how many of those nobody has claimed. */
export async function caseCounts(db: Queryable): Promise<{ open: number; unclaimed: number }> {
  const row = (
    await db.query<{ open: string; unclaimed: string }>(
      `SELECT COUNT(*)::text AS open, COUNT(*) FILTER (WHERE assignee_id IS NULL)::text AS unclaimed
       FROM cases WHERE status = 'open'`,
    )
  ).rows[0];
  return { open: Number(row?.open ?? 0), unclaimed: Number(row?.unclaimed ?? 0) };
}

export async function getCase(db: Queryable, id: string): Promise<Case | null> {
  const row = (await db.query<CaseRow>("SELECT * FROM cases WHERE id = $1", [id])).rows[0];
  return row === undefined ? null : caseOf(row);
}

export type CaseCode = "case_not_found" | "case_claimed" | "case_not_claimed_by_you" | "case_closed";

/** An agent claims a case (it is then locked to them) or releases their claim, under the case's row lock. */
export async function claimCase(
  db: Db,
  id: string,
  agentId: string,
  claim: boolean,
  now: Date,
): Promise<Result<Case, CaseCode>> {
  return db.transaction(async (tx) => {
    const row = (await tx.query<CaseRow>("SELECT * FROM cases WHERE id = $1 FOR UPDATE", [id])).rows[0];
    if (row === undefined) return err("case_not_found", `no case ${id}`);
    if (row.status === "closed") return err("case_closed", `case ${id} is closed`);
    if (claim) {
      if (row.assignee_id !== null && row.assignee_id !== agentId)
        return err("case_claimed", `case ${id} is claimed by ${row.assignee_id}`);
      if (row.assignee_id === agentId) return ok(caseOf(row));
      await tx.query("UPDATE cases SET assignee_id = $2, claimed_at = $3, updated_at = $3 WHERE id = $1", [
        id,
        agentId,
        now,
      ]);
    } else {
      if (row.assignee_id !== agentId)
        return err("case_not_claimed_by_you", `case ${id} is not claimed by you`);
      await tx.query(
        "UPDATE cases SET assignee_id = NULL, claimed_at = NULL, updated_at = $2 WHERE id = $1",
        [id, now],
      );
    }
    await audit(tx, {
      at: now,
      actorId: agentId,
      event: claim ? "case.claimed" : "case.released",
      subjectId: row.subject_id,
      caseId: id,
    });
    const after = (await tx.query<CaseRow>("SELECT * FROM cases WHERE id = $1", [id])).rows[0];
    if (after === undefined) throw new Error(`case ${id} could not be read back`);
    return ok(caseOf(after));
  });
}

/** A risk at or above this opens a case for the user, whatever raised it. */
export const CASE_RISK_THRESHOLD = 60;

/** A user's risk now, from their recorded signals. */
export async function riskNow(
  db: Queryable,
  accountId: string,
  now: Date,
  top = 3,
  tuning?: SignalTuning,
): Promise<Risk> {
  return riskOfRecorded(await signalEventsOf(db, { accountId }), now, top, tuning);
}

/**
 * After an event about a user, in the event's own transaction: a held
 * message or a report opens (or raises) their case; otherwise a risk at the
 * threshold does. The priority is the user's risk then.
 */
export async function openCaseIfDue(
  db: Queryable,
  subjectId: string,
  event: "held_message" | "report" | "message",
  now: Date,
  tuning?: SignalTuning,
): Promise<Case | null> {
  const risk = await riskNow(db, subjectId, now, 3, tuning);
  return openCaseIfDueAtRisk(db, subjectId, event, risk.score, now);
}

/** openCaseIfDue for a caller that knows the subject's risk score now (a send scores what it read and wrote). */
export async function openCaseIfDueAtRisk(
  db: Queryable,
  subjectId: string,
  event: "held_message" | "report" | "message",
  score: number,
  now: Date,
): Promise<Case | null> {
  if (event === "held_message" || event === "report")
    return openOrRaiseCase(db, subjectId, event, score, now);
  if (score >= CASE_RISK_THRESHOLD) return openOrRaiseCase(db, subjectId, "risk_threshold", score, now);
  return null;
}
