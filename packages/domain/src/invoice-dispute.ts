import type { MarketplaceConfig } from "./config.js";
import { err, ok, type Result } from "./result.js";
import { addDays } from "./time.js";

/**
 * A client's dispute of a weekly hourly invoice: opened until the invoice's
 * `disputeUntil` (the Friday after issue), answered by the freelancer within
 * the configured days (3). Accepting credits the disputed invoice to the
 * client; contesting sends it to an agent; silence lapses in the client's
 * favour, as an unanswered refund request does for fixed price.
 */
export interface InvoiceDispute {
  openedAt: Date;
  answerBy: Date;
  outcome?: "accepted" | "contested" | "lapsed";
  closedAt?: Date;
}

export type InvoiceDisputeCode =
  | "dispute_window_closed"
  | "invoice_already_disputed"
  | "no_dispute"
  | "dispute_already_answered"
  | "answer_window_closed";

export function openInvoiceDispute(
  invoice: { disputeUntil: Date; dispute?: InvoiceDispute | undefined },
  now: Date,
  config: MarketplaceConfig,
): Result<InvoiceDispute, InvoiceDisputeCode> {
  if (invoice.dispute !== undefined)
    return err("invoice_already_disputed", "this invoice is already disputed");
  if (now.getTime() > invoice.disputeUntil.getTime())
    return err(
      "dispute_window_closed",
      `the invoice could be disputed until ${invoice.disputeUntil.toISOString()}`,
    );
  return ok({ openedAt: now, answerBy: addDays(now, config.hourly.disputeAnswerDays) });
}

export function answerInvoiceDispute(
  dispute: InvoiceDispute | undefined,
  accept: boolean,
  now: Date,
): Result<InvoiceDispute, InvoiceDisputeCode> {
  if (dispute === undefined) return err("no_dispute", "this invoice is not disputed");
  if (dispute.outcome !== undefined)
    return err("dispute_already_answered", `the dispute is ${dispute.outcome}`);
  if (now.getTime() > dispute.answerBy.getTime())
    return err(
      "answer_window_closed",
      `the dispute could be answered until ${dispute.answerBy.toISOString()}`,
    );
  return ok({ ...dispute, outcome: accept ? "accepted" : "contested", closedAt: now });
}

/** The clock: an unanswered dispute past its answer time lapses for the client; anything else is unchanged (null). */
export function lapseInvoiceDispute(dispute: InvoiceDispute | undefined, now: Date): InvoiceDispute | null {
  if (dispute === undefined || dispute.outcome !== undefined) return null;
  if (now.getTime() <= dispute.answerBy.getTime()) return null;
  return { ...dispute, outcome: "lapsed", closedAt: dispute.answerBy };
}
