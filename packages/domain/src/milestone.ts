import type { MarketplaceConfig } from "./config.js";
import { accounts, refundTransfers, releaseTransfers, type Transfer } from "./ledger.js";
import { type Currency, type Minor, minor } from "./money.js";
import { err, ok, type Result } from "./result.js";
import { addBusinessDays, addDays } from "./time.js";

/**
 * A fixed-price milestone and its escrow. Money is protected only once funded.
 * Each money movement is a set of transfers whose ids derive from the
 * milestone and the action, so the ledger refuses a second release, refund or
 * split of the same milestone (the store keeps transfer ids unique).
 */
export type MilestoneStatus =
  | "unfunded"
  | "funded"
  | "submitted"
  | "refund_requested"
  | "disputed"
  | "released"
  | "refunded"
  | "split";

export type Party = "client" | "freelancer";
export type Actor = Party | "agent" | "system";

export interface Milestone {
  id: string;
  clientId: string;
  freelancerId: string;
  amount: Minor;
  currency: Currency;
  status: MilestoneStatus;
  fundedAt?: Date;
  submittedAt?: Date;
  refundRequestedAt?: Date;
  dispute?: { by: Party; openedAt: Date; answeredAt?: Date };
}

export type MilestoneAction =
  | { type: "fund"; by: Actor }
  | { type: "submit"; by: Actor }
  | { type: "approve"; by: Actor }
  | { type: "request_changes"; by: Actor }
  | { type: "request_refund"; by: Actor }
  | { type: "answer_refund"; by: Actor; accept: boolean }
  | { type: "dispute"; by: Actor }
  | { type: "answer_dispute"; by: Actor }
  /** An agent's decision: `toFreelancer` of the escrow is released, the rest refunded. */
  | { type: "resolve"; by: Actor; toFreelancer: Minor }
  /** The clock: releases a submission left alone, refunds an unanswered request, releases an unanswered dispute. */
  | { type: "tick"; by: Actor }
  /**
   * The contract ends because a party was removed: escrow not yet submitted
   * goes back to the client; submitted work is released when `releaseSubmitted`
   * (the client was removed), refunded otherwise; disputed escrow stays
   * frozen for an agent.
   */
  | { type: "end_contract"; by: Actor; releaseSubmitted: boolean };

export type MilestoneCode =
  | "not_allowed_for_actor"
  | "milestone_not_funded"
  | "milestone_already_funded"
  | "milestone_closed"
  | "milestone_frozen"
  | "milestone_not_submitted"
  | "no_refund_request"
  | "no_dispute"
  | "dispute_already_answered"
  | "split_out_of_range"
  | "nothing_due";

export interface MilestoneStep {
  milestone: Milestone;
  transfers: Transfer[];
}

const CLOSED: ReadonlySet<MilestoneStatus> = new Set(["released", "refunded", "split"]);

export function stepMilestone(
  m: Milestone,
  action: MilestoneAction,
  now: Date,
  config: MarketplaceConfig,
): Result<MilestoneStep, MilestoneCode> {
  const must = (actor: Actor): Result<null, MilestoneCode> =>
    action.by === actor
      ? ok(null)
      : err("not_allowed_for_actor", `${action.type} is for the ${actor}, not the ${action.by}`);
  if (CLOSED.has(m.status)) return err("milestone_closed", `milestone ${m.id} is already ${m.status}`);
  const funded = m.status !== "unfunded";
  switch (action.type) {
    case "fund": {
      const who = must("client");
      if (!who.ok) return who;
      if (funded) return err("milestone_already_funded", `milestone ${m.id} is already funded`);
      const transfers = [
        transfer(`${m.id}:fund`, accounts.world(m.currency), accounts.escrow(m.id), m.amount, m.currency),
      ];
      return ok({ milestone: { ...m, status: "funded", fundedAt: now }, transfers });
    }
    case "submit": {
      const who = must("freelancer");
      if (!who.ok) return who;
      if (!funded)
        return err("milestone_not_funded", `milestone ${m.id} is not funded: only funded work is protected`);
      if (m.status !== "funded") return frozenOr(m, "submit");
      return ok({ milestone: { ...m, status: "submitted", submittedAt: now }, transfers: [] });
    }
    case "approve": {
      const who = must("client");
      if (!who.ok) return who;
      if (!funded) return err("milestone_not_funded", `milestone ${m.id} is not funded`);
      if (m.status === "disputed") return err("milestone_frozen", `milestone ${m.id} is in dispute`);
      return ok(release(m, m.amount, config, "release"));
    }
    case "request_changes": {
      const who = must("client");
      if (!who.ok) return who;
      if (m.status !== "submitted")
        return err("milestone_not_submitted", `milestone ${m.id} has no submission`);
      const { submittedAt: _dropped, ...rest } = m;
      return ok({ milestone: { ...rest, status: "funded" }, transfers: [] });
    }
    case "request_refund": {
      const who = must("client");
      if (!who.ok) return who;
      if (!funded) return err("milestone_not_funded", `milestone ${m.id} is not funded`);
      if (m.status === "disputed" || m.status === "refund_requested")
        return frozenOr(m, "request a refund of");
      return ok({ milestone: { ...m, status: "refund_requested", refundRequestedAt: now }, transfers: [] });
    }
    case "answer_refund": {
      const who = must("freelancer");
      if (!who.ok) return who;
      if (m.status !== "refund_requested")
        return err("no_refund_request", `milestone ${m.id} has no refund request`);
      if (action.accept) return ok(refund(m, m.amount, "refund"));
      // Declined: the client may dispute; the work goes on as before the request.
      const { refundRequestedAt: _dropped, ...rest } = m;
      return ok({
        milestone: { ...rest, status: m.submittedAt === undefined ? "funded" : "submitted" },
        transfers: [],
      });
    }
    case "dispute": {
      if (action.by !== "client" && action.by !== "freelancer")
        return err("not_allowed_for_actor", "only the client or the freelancer opens a dispute");
      if (!funded) return err("milestone_not_funded", `milestone ${m.id} is not funded: nothing to dispute`);
      if (m.status === "disputed") return err("milestone_frozen", `milestone ${m.id} is already in dispute`);
      return ok({
        milestone: { ...m, status: "disputed", dispute: { by: action.by, openedAt: now } },
        transfers: [],
      });
    }
    case "answer_dispute": {
      if (m.status !== "disputed" || m.dispute === undefined)
        return err("no_dispute", `milestone ${m.id} is not in dispute`);
      const other: Party = m.dispute.by === "client" ? "freelancer" : "client";
      const who = must(other);
      if (!who.ok) return who;
      if (m.dispute.answeredAt !== undefined)
        return err("dispute_already_answered", "the dispute is already answered");
      return ok({ milestone: { ...m, dispute: { ...m.dispute, answeredAt: now } }, transfers: [] });
    }
    case "resolve": {
      const who = must("agent");
      if (!who.ok) return who;
      if (m.status !== "disputed") return err("no_dispute", `milestone ${m.id} is not in dispute`);
      const part = action.toFreelancer;
      if (part < 0n || part > m.amount)
        return err(
          "split_out_of_range",
          `the freelancer's part must be between 0 and ${m.amount}, got ${part}`,
        );
      if (part === m.amount) return ok(release(m, m.amount, config, "resolve"));
      if (part === 0n) return ok(refund(m, m.amount, "resolve"));
      const released = release(m, part, config, "resolve");
      const refunded = refund(m, minor(m.amount - part), "resolve");
      return ok({
        milestone: { ...m, status: "split" },
        transfers: [...released.transfers, ...refunded.transfers],
      });
    }
    case "end_contract": {
      const who = must("system");
      if (!who.ok) return who;
      if (m.status === "disputed") return err("milestone_frozen", `milestone ${m.id} is in dispute`);
      if (!funded) return err("nothing_due", `milestone ${m.id} holds no escrow`);
      if (m.status === "submitted" && action.releaseSubmitted)
        return ok(release(m, m.amount, config, "contract_end"));
      return ok(refund(m, m.amount, "contract_end"));
    }
    case "tick": {
      const who = must("system");
      if (!who.ok) return who;
      const due = dueAction(m, now, config);
      if (due === null) return err("nothing_due", `nothing is due on milestone ${m.id}`);
      return ok(
        due === "release" ? release(m, m.amount, config, "auto_release") : refund(m, m.amount, "auto_refund"),
      );
    }
  }
}

/** When the clock next changes this milestone, and what it does then; null when nothing is scheduled. */
export function nextDeadline(
  m: Milestone,
  config: MarketplaceConfig,
): { at: Date; does: "release" | "refund" } | null {
  if (m.status === "submitted" && m.submittedAt !== undefined)
    return { at: addDays(m.submittedAt, config.fixedPrice.autoReleaseDays), does: "release" };
  if (m.status === "refund_requested" && m.refundRequestedAt !== undefined)
    return { at: addDays(m.refundRequestedAt, config.fixedPrice.refundAnswerDays), does: "refund" };
  // A freelancer's dispute the client leaves unanswered goes to the freelancer.
  if (m.status === "disputed" && m.dispute?.by === "freelancer" && m.dispute.answeredAt === undefined)
    return {
      at: addBusinessDays(m.dispute.openedAt, config.fixedPrice.disputeAnswerBusinessDays),
      does: "release",
    };
  return null;
}

function dueAction(m: Milestone, now: Date, config: MarketplaceConfig): "release" | "refund" | null {
  const next = nextDeadline(m, config);
  return next !== null && now.getTime() >= next.at.getTime() ? next.does : null;
}

function frozenOr(m: Milestone, what: string): { ok: false; code: MilestoneCode; message: string } {
  return m.status === "disputed"
    ? err("milestone_frozen", `milestone ${m.id} is in dispute: its escrow is frozen`)
    : err("milestone_not_funded", `cannot ${what} milestone ${m.id} while it is ${m.status}`);
}

function transfer(
  id: string,
  debit: Transfer["debit"],
  credit: Transfer["credit"],
  amount: Minor,
  currency: Currency,
): Transfer {
  return { id, debit, credit, amount, currency };
}

/** Releases `part` of the escrow: the platform's fee to fees, the rest to the freelancer's pending balance. */
function release(m: Milestone, part: Minor, config: MarketplaceConfig, why: string): MilestoneStep {
  const transfers = releaseTransfers(
    `${m.id}:${why}`,
    accounts.escrow(m.id),
    m.freelancerId,
    m.currency,
    part,
    config.platformFeeBps,
  );
  return { milestone: { ...m, status: "released" }, transfers };
}

/** Refunds `part` of the escrow to where it came from. */
function refund(m: Milestone, part: Minor, why: string): MilestoneStep {
  const transfers = refundTransfers(`${m.id}:${why}`, accounts.escrow(m.id), m.currency, part);
  return { milestone: { ...m, status: "refunded" }, transfers };
}
