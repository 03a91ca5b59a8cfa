import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "./config.js";
import {
  chargeInvoice,
  type InvoiceMoney,
  mayResolveInvoiceDispute,
  settleInvoice,
} from "./invoice-settlement.js";
import { accounts, applyTransfers, totalOf } from "./ledger.js";
import { type Currency, minor } from "./money.js";

const USD = "USD" as Currency;
const week = new Date("2026-11-16T00:00:00Z");
const invoice = (billed: bigint, protectedPart: bigint): InvoiceMoney => ({
  contractId: "ctr_1",
  weekStart: week,
  freelancerId: "fre_a",
  currency: USD,
  billedMinor: minor(billed),
  protectedMinor: minor(protectedPart),
});
const hold = accounts.invoice("ctr_1", week);

describe("invoice settlement", () => {
  it("charges the client into the invoice's own hold, and nothing for an empty week", () => {
    expect(chargeInvoice(invoice(50_000n, 30_000n))).toEqual([
      {
        id: "invoice:ctr_1:2026-11-16:charge",
        debit: accounts.world(USD),
        credit: hold,
        amount: 50_000n,
        currency: USD,
      },
    ]);
    expect(chargeInvoice(invoice(0n, 0n))).toEqual([]);
  });

  it("pays an undisputed invoice to the freelancer less the platform fee", () => {
    const s = settleInvoice(invoice(50_000n, 30_000n), { kind: "undisputed" }, DEFAULT_CONFIG);
    expect(s).toMatchObject({ ok: true, value: { refundedMinor: 0n, releasedMinor: 50_000n } });
    const amounts = s.ok ? Object.fromEntries(s.value.transfers.map((t) => [t.credit, t.amount])) : {};
    expect(amounts).toEqual({ [accounts.pending("fre_a", USD)]: 45_000n, [accounts.fees(USD)]: 5_000n });
  });

  it("gives everything back when the freelancer accepts, and keeps the protected part when they are silent", () => {
    expect(settleInvoice(invoice(50_000n, 30_000n), { kind: "accepted" }, DEFAULT_CONFIG)).toMatchObject({
      value: { refundedMinor: 50_000n, releasedMinor: 0n },
    });
    expect(settleInvoice(invoice(50_000n, 30_000n), { kind: "lapsed" }, DEFAULT_CONFIG)).toMatchObject({
      value: { refundedMinor: 20_000n, releasedMinor: 30_000n },
    });
  });

  it("lets an agent refund only the unprotected part", () => {
    const inv = invoice(50_000n, 30_000n);
    expect(
      settleInvoice(inv, { kind: "resolved", refundMinor: minor(20_000n) }, DEFAULT_CONFIG),
    ).toMatchObject({ ok: true, value: { refundedMinor: 20_000n, releasedMinor: 30_000n } });
    expect(
      settleInvoice(inv, { kind: "resolved", refundMinor: minor(20_001n) }, DEFAULT_CONFIG),
    ).toMatchObject({ ok: false, code: "refund_out_of_range" });
    expect(settleInvoice(inv, { kind: "resolved", refundMinor: minor(-1n) }, DEFAULT_CONFIG)).toMatchObject({
      ok: false,
      code: "refund_out_of_range",
    });
  });

  test.prop([
    fc.bigInt({ min: 0n, max: 10_000_000n }),
    fc.bigInt({ min: 0n, max: 10_000_000n }),
    fc.constantFrom("undisputed", "accepted", "lapsed", "resolved"),
    fc.bigInt({ min: 0n, max: 10_000_000n }),
  ])("empties the hold exactly, whatever the outcome", (a, b, kind, r) => {
    const [protectedPart, billed] = a > b ? [b, a] : [a, b];
    const inv = invoice(billed, protectedPart);
    const refund = minor(billed - protectedPart === 0n ? 0n : r % (billed - protectedPart + 1n));
    const outcome = kind === "resolved" ? { kind, refundMinor: refund } : { kind };
    const settled = settleInvoice(inv, outcome, DEFAULT_CONFIG);
    expect(settled.ok).toBe(true);
    if (!settled.ok) return;
    const after = applyTransfers(new Map(), [...chargeInvoice(inv), ...settled.value.transfers]);
    expect(after.ok).toBe(true);
    if (!after.ok) return;
    expect(after.value.get(hold) ?? 0n).toBe(0n);
    expect(totalOf(after.value)).toBe(0n);
    expect(settled.value.refundedMinor + settled.value.releasedMinor).toBe(billed);
    // The freelancer keeps at least the protected part unless they accepted the dispute.
    if (kind !== "accepted") expect(settled.value.releasedMinor >= protectedPart).toBe(true);
  });
});

describe("resolving an invoice dispute", () => {
  const opened = { openedAt: week, answerBy: week };
  it("needs a contested dispute not yet settled", () => {
    expect(mayResolveInvoiceDispute(undefined, false)).toMatchObject({ code: "no_dispute" });
    expect(mayResolveInvoiceDispute(opened, false)).toMatchObject({ code: "dispute_not_contested" });
    expect(mayResolveInvoiceDispute({ ...opened, outcome: "lapsed" }, true)).toMatchObject({
      code: "invoice_already_settled",
    });
    expect(mayResolveInvoiceDispute({ ...opened, outcome: "contested" }, false)).toMatchObject({ ok: true });
  });
});
