import { err, ok, type Result } from "@leakguard/domain";
import type { Queryable } from "./db.js";

/**
 * Where trust & safety reaches into the money: a contract's protection can be
 * void (an agent confirmed payment outside), a contract can have ended (a
 * party was removed), and releases can be frozen (a party is suspended) or
 * made to wait (the pair is under investigation for a held message).
 */

export type ContractTrustCode = "protection_void" | "contract_ended" | "escrow_frozen" | "release_waiting";

/**
 * SQL true when automatic releases on the contract aliased `c` must wait:
 * a party is suspended, or a party has an unclosed case and sent a message
 * held in this pair since that case opened.
 */
export function releasesWaitSql(c: string): string {
  return `(EXISTS (SELECT 1 FROM accounts a WHERE a.id IN (${c}.client_id, ${c}.freelancer_id) AND a.status = 'suspended')
    OR EXISTS (SELECT 1 FROM cases cs
      JOIN relationships r ON r.client_id = ${c}.client_id AND r.freelancer_id = ${c}.freelancer_id
      JOIN messages msg ON msg.relationship_id = r.id AND msg.sender_id = cs.subject_id
        AND msg.verdict = 'hold' AND msg.sent_at >= cs.opened_at
      WHERE cs.status <> 'closed' AND cs.subject_id IN (${c}.client_id, ${c}.freelancer_id)))`;
}

interface ContractTrustRow extends Record<string, unknown> {
  protection_void_at: Date | null;
  ended_at: Date | null;
  suspended: boolean;
  waiting: boolean;
}

export interface ContractTrust {
  protectionVoid: boolean;
  ended: boolean;
  /** A party is suspended: no release by anyone but an agent. */
  frozen: boolean;
  /** Automatic releases wait (frozen, or the pair is under investigation). */
  releasesWait: boolean;
}

export async function contractTrust(db: Queryable, contractId: string): Promise<ContractTrust> {
  const row = (
    await db.query<ContractTrustRow>(
      `SELECT c.protection_void_at, c.ended_at,
         EXISTS (SELECT 1 FROM accounts a WHERE a.id IN (c.client_id, c.freelancer_id) AND a.status = 'suspended') AS suspended,
         ${releasesWaitSql("c")} AS waiting
       FROM contracts c WHERE c.id = $1`,
      [contractId],
    )
  ).rows[0];
  if (row === undefined) return { protectionVoid: false, ended: false, frozen: false, releasesWait: false };
  return {
    protectionVoid: row.protection_void_at !== null,
    ended: row.ended_at !== null,
    frozen: row.suspended,
    releasesWait: row.waiting,
  };
}

/**
 * Whether an act on a contract's money may go ahead given its trust state:
 * `opensDispute` for a dispute, `releases` for an act that pays the
 * freelancer, `automatic` when the clock does it, `byAgent` for an agent's
 * decision (which neither a freeze nor an investigation stops).
 */
export function mayActGivenTrust(
  trust: ContractTrust,
  act: {
    opensDispute?: boolean;
    startsWork?: boolean;
    releases?: boolean;
    automatic?: boolean;
    byAgent?: boolean;
  },
): Result<true, ContractTrustCode> {
  if (act.opensDispute === true && trust.protectionVoid)
    return err(
      "protection_void",
      "payment outside the platform was confirmed on this contract: its protection is void and disputes are not eligible",
    );
  if (act.startsWork === true && trust.ended) return err("contract_ended", "this contract has ended");
  if (act.releases === true && act.byAgent !== true) {
    if (trust.frozen)
      return err("escrow_frozen", "a party to this contract is suspended: releases are frozen");
    if (act.automatic === true && trust.releasesWait)
      return err("release_waiting", "the pair is under investigation: automatic releases wait");
  }
  return ok(true);
}
