import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "./config.js";
import { answerInvoiceDispute, lapseInvoiceDispute, openInvoiceDispute } from "./invoice-dispute.js";

const disputeUntil = new Date("2026-11-27T23:59:59.999Z");
const at = (iso: string) => new Date(iso);

describe("invoice disputes", () => {
  it("opens until the Friday after issue, once, with three days to answer", () => {
    const opened = openInvoiceDispute({ disputeUntil }, at("2026-11-27T20:00:00Z"), DEFAULT_CONFIG);
    expect(opened.ok && opened.value.answerBy).toEqual(at("2026-11-30T20:00:00Z"));
    if (!opened.ok) return;
    expect(
      openInvoiceDispute({ disputeUntil, dispute: opened.value }, at("2026-11-27T21:00:00Z"), DEFAULT_CONFIG),
    ).toMatchObject({
      code: "invoice_already_disputed",
    });
    expect(openInvoiceDispute({ disputeUntil }, at("2026-11-28T00:00:00Z"), DEFAULT_CONFIG)).toMatchObject({
      code: "dispute_window_closed",
    });
  });

  it("is answered once within the window; silence lapses for the client", () => {
    const d = { openedAt: at("2026-11-27T20:00:00Z"), answerBy: at("2026-11-30T20:00:00Z") };
    expect(answerInvoiceDispute(d, false, at("2026-11-29T10:00:00Z"))).toMatchObject({
      ok: true,
      value: { outcome: "contested" },
    });
    expect(answerInvoiceDispute(d, true, at("2026-11-30T20:00:01Z"))).toMatchObject({
      code: "answer_window_closed",
    });
    expect(
      answerInvoiceDispute({ ...d, outcome: "accepted" }, true, at("2026-11-29T10:00:00Z")),
    ).toMatchObject({
      code: "dispute_already_answered",
    });
    expect(answerInvoiceDispute(undefined, true, at("2026-11-29T10:00:00Z"))).toMatchObject({
      code: "no_dispute",
    });
    expect(lapseInvoiceDispute(d, at("2026-11-30T20:00:00Z"))).toBeNull();
    expect(lapseInvoiceDispute(d, at("2026-11-30T20:00:01Z"))).toMatchObject({
      outcome: "lapsed",
      closedAt: d.answerBy,
    });
    expect(lapseInvoiceDispute({ ...d, outcome: "contested" }, at("2026-12-05T00:00:00Z"))).toBeNull();
  });
});
