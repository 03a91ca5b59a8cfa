import {
  type Currency,
  DEFAULT_CONFIG,
  err,
  type MarketplaceConfig,
  type Milestone,
  type MilestoneAction,
  type MilestoneCode,
  type MilestoneStatus,
  minor,
  nextDeadline,
  ok,
  type Result,
  stepMilestone,
} from "@leakguard/domain";
import {
  type ContractTrustCode,
  contractTrust,
  mayActGivenTrust,
  releasesWaitSql,
} from "./contract-trust.js";
import type { Db, Queryable } from "./db.js";
import { oncePerKey } from "./idempotency.js";
import { type PostCode, postTransfersIn } from "./ledger.js";

export type ActCode =
  | MilestoneCode
  | PostCode
  | ContractTrustCode
  | "milestone_not_found"
  | "idempotency_key_reused";

interface MilestoneRow extends Record<string, unknown> {
  id: string;
  contract_id: string;
  client_id: string;
  freelancer_id: string;
  currency: string;
  amount: string | number | bigint;
  status: string;
  funded_at: Date | null;
  submitted_at: Date | null;
  refund_requested_at: Date | null;
  dispute_by: string | null;
  dispute_opened_at: Date | null;
  dispute_answered_at: Date | null;
}

/** Creates a fixed-price contract with its milestones (unfunded). */
export async function createFixedPriceContract(
  db: Db,
  contract: { id: string; clientId: string; freelancerId: string; currency: Currency },
  milestones: readonly { id: string; amount: bigint }[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO contracts (id, client_id, freelancer_id, kind, currency) VALUES ($1, $2, $3, 'fixed_price', $4)",
      [contract.id, contract.clientId, contract.freelancerId, contract.currency],
    );
    for (const m of milestones)
      await tx.query(
        "INSERT INTO milestones (id, contract_id, amount, status) VALUES ($1, $2, $3, 'unfunded')",
        [m.id, contract.id, m.amount.toString()],
      );
  });
}

/**
 * One action on a milestone, in one transaction: the milestone row is locked,
 * an idempotency key already used returns its first answer (or
 * `idempotency_key_reused` for another request), the domain decides, its
 * transfers are posted to the ledger and the new state written with the time
 * the clock must look again. Money never moves twice: the second of two
 * racing approvals finds the milestone released.
 */
export async function actOnMilestone(
  db: Db,
  milestoneId: string,
  action: MilestoneAction,
  now: Date,
  idempotencyKey?: string,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<Milestone, ActCode>> {
  return db.transaction((tx) => actOnMilestoneIn(tx, milestoneId, action, now, idempotencyKey, config));
}

/** actOnMilestone inside the caller's transaction. */
export async function actOnMilestoneIn(
  tx: Queryable,
  milestoneId: string,
  action: MilestoneAction,
  now: Date,
  idempotencyKey?: string,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<Milestone, ActCode>> {
  const locked = await readMilestone(tx, milestoneId, true);
  if (locked === null) return err("milestone_not_found", `no milestone ${milestoneId}`);
  const { milestone: m, contractId } = locked;
  return oncePerKey(
    tx,
    idempotencyKey,
    { milestoneId, action },
    async (): Promise<Result<Milestone, ActCode>> => {
      const step = stepMilestone(m, action, now, config);
      if (!step.ok) return step;
      const trust = await contractTrust(tx, contractId);
      const allowed = mayActGivenTrust(trust, {
        opensDispute: action.type === "dispute",
        startsWork: action.type === "fund" || action.type === "submit",
        releases: step.value.milestone.status === "released" || step.value.milestone.status === "split",
        automatic: action.type === "tick",
        byAgent: action.by === "agent",
      });
      if (!allowed.ok) return allowed;
      const posted = await postTransfersIn(tx, step.value.transfers, now);
      if (!posted.ok) return posted;
      await writeMilestone(tx, step.value.milestone, config);
      return ok(step.value.milestone);
    },
  );
}

/**
 * Milestones whose deadline has passed at `now`, for the clock's job; a
 * release that must wait (a party suspended, the pair under investigation)
 * is left out until it may go, so it never blocks the queue behind it.
 */
export async function dueMilestones(db: Queryable, now: Date, limit = 100): Promise<string[]> {
  return (
    await db.query<{ id: string }>(
      `SELECT m.id FROM milestones m JOIN contracts c ON c.id = m.contract_id
       WHERE m.due_at <= $1 AND NOT (m.status IN ('submitted', 'disputed') AND ${releasesWaitSql("c")})
       ORDER BY m.due_at LIMIT $2`,
      [now, limit],
    )
  ).rows.map((r) => r.id);
}

/** A milestone as it is now (read without a lock; its two sides never change). */
export async function getMilestone(db: Queryable, id: string): Promise<Milestone | null> {
  return (await readMilestone(db, id, false))?.milestone ?? null;
}

/** The milestone and its contract's id (for the contract's trust state), locked when `lock`. */
async function readMilestone(
  tx: Queryable,
  id: string,
  lock: boolean,
): Promise<{ milestone: Milestone; contractId: string } | null> {
  const row = (
    await tx.query<MilestoneRow>(
      `SELECT m.*, c.client_id, c.freelancer_id, c.currency FROM milestones m JOIN contracts c ON c.id = m.contract_id
       WHERE m.id = $1${lock ? " FOR UPDATE OF m" : ""}`,
      [id],
    )
  ).rows[0];
  if (row === undefined) return null;
  const m: Milestone = {
    id: row.id,
    clientId: row.client_id,
    freelancerId: row.freelancer_id,
    amount: minor(BigInt(row.amount)),
    currency: row.currency as Currency,
    status: row.status as MilestoneStatus,
  };
  if (row.funded_at !== null) m.fundedAt = new Date(row.funded_at);
  if (row.submitted_at !== null) m.submittedAt = new Date(row.submitted_at);
  if (row.refund_requested_at !== null) m.refundRequestedAt = new Date(row.refund_requested_at);
  if (row.dispute_by !== null && row.dispute_opened_at !== null)
    m.dispute = {
      by: row.dispute_by as "client" | "freelancer",
      openedAt: new Date(row.dispute_opened_at),
      ...(row.dispute_answered_at === null ? {} : { answeredAt: new Date(row.dispute_answered_at) }),
    };
  return { milestone: m, contractId: row.contract_id };
}

async function writeMilestone(tx: Queryable, m: Milestone, config: MarketplaceConfig): Promise<void> {
  await tx.query(
    `UPDATE milestones SET status = $2, funded_at = $3, submitted_at = $4, refund_requested_at = $5,
       dispute_by = $6, dispute_opened_at = $7, dispute_answered_at = $8, due_at = $9, version = version + 1
     WHERE id = $1`,
    [
      m.id,
      m.status,
      m.fundedAt ?? null,
      m.submittedAt ?? null,
      m.refundRequestedAt ?? null,
      m.dispute?.by ?? null,
      m.dispute?.openedAt ?? null,
      m.dispute?.answeredAt ?? null,
      nextDeadline(m, config)?.at ?? null,
    ],
  );
}
