import type { MarketplaceConfig } from "./config.js";
import type { InvoiceDispute } from "./invoice-dispute.js";
import { accounts, refundTransfers, releaseTransfers, type Transfer } from "./ledger.js";
import { type Currency, type Minor, minor } from "./money.js";
import { err, ok, type Result } from "./result.js";

/**
 * The money of one weekly hourly invoice. The client is charged when the
 * invoice is issued, into a hold of its own; the hold is settled once:
 *
 * - `undisputed`: the dispute window closed with no dispute, all to the freelancer;
 * - `accepted`: the freelancer accepted the client's dispute, all back to the client;
 * - `lapsed`: the freelancer left the dispute unanswered, the unprotected part
 *   back to the client and the protected part to the freelancer;
 * - `resolved`: an agent decided a contested dispute, refunding at most the
 *   unprotected part.
 *
 * Hourly Protection is that guarantee: time that qualifies (tracked, with a
 * memo, with activity, within the weekly limit) is paid whatever the client
 * disputes, unless the freelancer agrees to give it back.
 */
export interface InvoiceMoney {
  contractId: string;
  weekStart: Date;
  freelancerId: string;
  currency: Currency;
  billedMinor: Minor;
  protectedMinor: Minor;
}

export type InvoiceSettlementKind = "undisputed" | "accepted" | "lapsed" | "resolved";

export type InvoiceOutcome =
  | { kind: "undisputed" | "accepted" | "lapsed" }
  | { kind: "resolved"; refundMinor: Minor };

export interface InvoiceSettlement {
  kind: InvoiceSettlementKind;
  refundedMinor: Minor;
  /** Paid out of the hold for the freelancer: their pending money and the platform's fee. */
  releasedMinor: Minor;
  transfers: Transfer[];
}

export type InvoiceSettlementCode = "refund_out_of_range";

const prefix = (inv: InvoiceMoney): string =>
  `invoice:${inv.contractId}:${inv.weekStart.toISOString().slice(0, 10)}`;

/** What the client is charged when the invoice is issued: nothing for an empty week. */
export function chargeInvoice(inv: InvoiceMoney): Transfer[] {
  if (inv.billedMinor <= 0n) return [];
  return [
    {
      id: `${prefix(inv)}:charge`,
      debit: accounts.world(inv.currency),
      credit: accounts.invoice(inv.contractId, inv.weekStart),
      amount: inv.billedMinor,
      currency: inv.currency,
    },
  ];
}

/** The refund an outcome gives the client, before checks. */
function refundOf(inv: InvoiceMoney, outcome: InvoiceOutcome): Minor {
  switch (outcome.kind) {
    case "undisputed":
      return minor(0n);
    case "accepted":
      return inv.billedMinor;
    case "lapsed":
      return minor(inv.billedMinor - inv.protectedMinor);
    case "resolved":
      return outcome.refundMinor;
  }
}

/** Settles the invoice's hold: the refund to the client, the rest to the freelancer less the platform fee. */
export function settleInvoice(
  inv: InvoiceMoney,
  outcome: InvoiceOutcome,
  config: MarketplaceConfig,
): Result<InvoiceSettlement, InvoiceSettlementCode> {
  const refunded = refundOf(inv, outcome);
  const unprotected = inv.billedMinor - inv.protectedMinor;
  // Only an agent's refund is chosen; the others follow from the invoice and are in range by construction.
  if (outcome.kind === "resolved" && (refunded < 0n || refunded > unprotected))
    return err(
      "refund_out_of_range",
      `an agent refunds from 0 to the unprotected ${unprotected} minor units; the protected ${inv.protectedMinor} is the freelancer's`,
    );
  const released = minor(inv.billedMinor - refunded);
  const hold = accounts.invoice(inv.contractId, inv.weekStart);
  const at = `${prefix(inv)}:settle`;
  return ok({
    kind: outcome.kind,
    refundedMinor: refunded,
    releasedMinor: released,
    transfers: [
      ...refundTransfers(at, hold, inv.currency, refunded),
      ...releaseTransfers(at, hold, inv.freelancerId, inv.currency, released, config.platformFeeBps),
    ],
  });
}

export type InvoiceResolveCode = "no_dispute" | "dispute_not_contested" | "invoice_already_settled";

/** An agent may decide an invoice's dispute only once the freelancer contested it, and only once. */
export function mayResolveInvoiceDispute(
  dispute: InvoiceDispute | undefined,
  settled: boolean,
): Result<true, InvoiceResolveCode> {
  if (dispute === undefined) return err("no_dispute", "this invoice is not disputed");
  if (settled) return err("invoice_already_settled", "this invoice's money has been settled");
  if (dispute.outcome !== "contested")
    return err(
      "dispute_not_contested",
      dispute.outcome === undefined
        ? "the freelancer has not answered the dispute yet"
        : `the dispute is ${dispute.outcome}, nothing to decide`,
    );
  return ok(true);
}
