import { err, ok, type Result, type SignalTuning } from "@leakguard/domain";
import { recordContractEndedAfterContactExchange } from "./activity-signals.js";
import { audit } from "./audit.js";
import type { Db } from "./db.js";
import { type IdempotencyCode, oncePerKey } from "./idempotency.js";

/**
 * A party (or an agent, or the platform) ends a contract. A fixed-price
 * contract ends only once no milestone holds escrow: the money is settled
 * first, by the milestone's own actions. An hourly contract may end at any
 * time; the time logged before the end is still invoiced, and no time is
 * logged from the end on (`logSegment`). An ended contract takes no new work
 * (`mayActGivenTrust`: no milestone is funded or submitted).
 */

export type EndContractCode =
  | IdempotencyCode
  | "contract_not_found"
  | "contract_ended"
  | "escrow_held"
  | "reason_required";

/** Milestone statuses whose money is in escrow. */
const HOLDS_ESCROW: ReadonlySet<string> = new Set(["funded", "submitted", "refund_requested", "disputed"]);

export interface EndedContract {
  contractId: string;
  endedAt: Date;
  endedBecause: "ended_by_party";
}

/**
 * Ends a contract in one transaction under its row lock (and its milestones'
 * locks, so a milestone funded at the same moment is either seen here or
 * refused as `contract_ended`), writes the audit log (one entry about each
 * party) and records `contract_ended_after_contact_exchange` when it applies.
 * Who may end it is the caller's decision; `actorId` is who did (null: the
 * platform). With an idempotency key a retry answers as the first time.
 */
export async function endContract(
  db: Db,
  contractId: string,
  actorId: string | null,
  reason: string,
  now: Date,
  idempotencyKey?: string,
  signals?: SignalTuning,
): Promise<Result<EndedContract, EndContractCode>> {
  return db.transaction(async (tx) => {
    const c = (
      await tx.query<{
        kind: "fixed_price" | "hourly";
        client_id: string;
        freelancer_id: string;
        ended_at: Date | null;
        ended_because: string | null;
      }>(
        "SELECT kind, client_id, freelancer_id, ended_at, ended_because FROM contracts WHERE id = $1 FOR UPDATE",
        [contractId],
      )
    ).rows[0];
    if (c === undefined) return err("contract_not_found", `no contract ${contractId}`);
    return oncePerKey(
      tx,
      idempotencyKey,
      { endContract: contractId, actorId, reason },
      async (): Promise<Result<EndedContract, EndContractCode>> => {
        if (c.ended_at !== null)
          return err(
            "contract_ended",
            `contract ${contractId} ended at ${new Date(c.ended_at).toISOString()} (${c.ended_because ?? "ended"})`,
          );
        const why = reason.trim();
        if (why.length < 3) return err("reason_required", "say why, in a few words (3 characters or more)");
        if (c.kind === "fixed_price") {
          const held = (
            await tx.query<{ id: string; status: string }>(
              "SELECT id, status FROM milestones WHERE contract_id = $1 ORDER BY id FOR UPDATE",
              [contractId],
            )
          ).rows.filter((m) => HOLDS_ESCROW.has(m.status));
          if (held.length > 0)
            return err(
              "escrow_held",
              `escrow is held on ${held.map((m) => `${m.id} (${m.status})`).join(", ")}: settle it first — the client approves the work, or requests a refund, or either side opens a dispute — then end the contract`,
            );
        }
        await tx.query("UPDATE contracts SET ended_at = $2, ended_because = 'ended_by_party' WHERE id = $1", [
          contractId,
          now,
        ]);
        for (const subjectId of [c.client_id, c.freelancer_id])
          await audit(tx, {
            at: now,
            actorId,
            event: "contract.ended",
            subjectId,
            reason: why,
            change: { contractId, endedBecause: "ended_by_party" },
          });
        await recordContractEndedAfterContactExchange(tx, contractId, now, undefined, signals);
        return ok({ contractId, endedAt: now, endedBecause: "ended_by_party" as const });
      },
    );
  });
}
