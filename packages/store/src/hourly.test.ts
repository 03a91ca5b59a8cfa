import { accounts, type Currency, minor } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { createHourlyContract, logSegment } from "./hourly.js";
import { actOnInvoice, invoicesOf, issueWeeklyInvoices, settleUndisputedInvoices } from "./invoices.js";
import { runDueJobs } from "./jobs.js";
import { balanceOf, ledgerTotals } from "./ledger.js";
import { balancesOf, createAccount } from "./people.js";

const monday = new Date("2026-03-02T00:00:00Z");
const at = (minutes: number): Date => new Date(monday.getTime() + minutes * 60_000);
const nextMondayNoon = new Date("2026-03-09T12:00:00Z");

describe.each(engines)("hourly contracts on $name", ({ open }) => {
  const dbOf = migratedDb(open);

  it("logs segments, issues the week's invoice once on Monday noon, with what is protected", async () => {
    await createHourlyContract(dbOf(), {
      id: "ct_h1",
      clientId: "u_c",
      freelancerId: "u_f",
      currency: "USD" as Currency,
      hourlyRate: 6_000n,
      weeklyLimitHours: 40,
    });
    const seg = (m: number, tracked = true) => ({ start: at(m), tracked, memo: "api work", activity: 50 });
    expect(await logSegment(dbOf(), "ct_h1", seg(0), nextMondayNoon)).toEqual({
      ok: true,
      value: { logged: true },
    });
    expect(await logSegment(dbOf(), "ct_h1", seg(0), nextMondayNoon)).toEqual({
      ok: true,
      value: { logged: false },
    });
    await logSegment(dbOf(), "ct_h1", seg(10, false), nextMondayNoon);
    expect(await logSegment(dbOf(), "ct_h1", seg(5), nextMondayNoon)).toMatchObject({
      ok: false,
      code: "segment_not_aligned",
    });
    expect(await logSegment(dbOf(), "ct_nope", seg(20), nextMondayNoon)).toMatchObject({
      ok: false,
      code: "contract_not_found",
    });

    expect(await issueWeeklyInvoices(dbOf(), new Date("2026-03-09T11:59:00Z"))).toEqual([]);
    const issued = await issueWeeklyInvoices(dbOf(), nextMondayNoon);
    expect(issued).toHaveLength(1);
    expect(issued[0]?.invoice.billedMinor).toBe(2_000n);
    expect(issued[0]?.invoice.protectedMinor).toBe(1_000n);
    expect(issued[0]?.invoice.unprotected.manual_time.segments).toBe(1);
    expect(await issueWeeklyInvoices(dbOf(), nextMondayNoon)).toEqual([]);
  });

  /** A contract of its own with `protectedSegments` tracked segments and `manual` manual ones in the week of `monday`. */
  async function invoiced(id: string, protectedSegments: number, manual: number): Promise<Date> {
    await createHourlyContract(dbOf(), {
      id,
      clientId: `${id}_c`,
      freelancerId: `${id}_f`,
      currency: USD,
      hourlyRate: 6_000n,
      weeklyLimitHours: 40,
    });
    for (let i = 0; i < protectedSegments + manual; i++)
      await logSegment(
        dbOf(),
        id,
        { start: at(i * 10), tracked: i < protectedSegments, memo: "api work", activity: 50 },
        nextMondayNoon,
      );
    await issueWeeklyInvoices(dbOf(), nextMondayNoon);
    return monday;
  }
  const USD = "USD" as Currency;
  const friday = new Date("2026-03-13T23:59:59.999Z");
  const saturday = new Date("2026-03-14T00:00:00Z");

  it("charges the client on issue and pays an undisputed invoice out once its window closes, once", async () => {
    const week = await invoiced("ct_pay", 3, 1);
    const hold = accounts.invoice("ct_pay", week);
    expect(await balanceOf(dbOf(), hold)).toBe(4_000n);
    expect(await balancesOf(dbOf(), "ct_pay_c")).toEqual([
      { currency: "USD", inEscrow: 4_000n, pending: 0n, available: 0n },
    ]);
    expect(await settleUndisputedInvoices(dbOf(), friday)).toBe(0);
    const [a, b] = await Promise.all([
      settleUndisputedInvoices(dbOf(), saturday),
      settleUndisputedInvoices(dbOf(), saturday),
    ]);
    // Two workers at once: every due invoice paid once (this one and the first test's), then nothing.
    expect(a + b).toBe(2);
    expect(await settleUndisputedInvoices(dbOf(), saturday)).toBe(0);
    const paid = await dbOf().query(
      "SELECT id FROM ledger_transfers WHERE id LIKE 'invoice:ct_pay:%:settle:%'",
    );
    expect(paid.rows).toHaveLength(2);
    expect(await balanceOf(dbOf(), hold)).toBe(0n);
    expect(await balanceOf(dbOf(), accounts.pending("ct_pay_f", USD))).toBe(3_600n);
    expect(await balancesOf(dbOf(), "ct_pay_c")).toEqual([]);
    const [inv] = await invoicesOf(dbOf(), "ct_pay");
    expect(inv?.settlement).toMatchObject({ kind: "undisputed", refundedMinor: 0n });
    expect(await actOnInvoice(dbOf(), "ct_pay", week, { type: "open" }, saturday)).toMatchObject({
      code: "dispute_window_closed",
    });
    expect((await ledgerTotals(dbOf())).balances).toBe(0n);
  });

  it("refunds everything when the freelancer accepts a dispute, once per key", async () => {
    const week = await invoiced("ct_acc", 2, 2);
    const opened = await actOnInvoice(dbOf(), "ct_acc", week, { type: "open" }, nextMondayNoon, "k-acc-open");
    expect(opened).toMatchObject({
      ok: true,
      value: { dispute: { answerBy: new Date("2026-03-12T12:00:00Z") } },
    });
    const accept = { type: "answer", accept: true } as const;
    const first = await actOnInvoice(dbOf(), "ct_acc", week, accept, nextMondayNoon, "k-acc-answer");
    expect(first).toMatchObject({
      ok: true,
      value: { settlement: { kind: "accepted", refundedMinor: 4_000n } },
    });
    // The same key and request: the first answer, and no money moves again.
    expect(await actOnInvoice(dbOf(), "ct_acc", week, accept, nextMondayNoon, "k-acc-answer")).toEqual(first);
    expect(
      await actOnInvoice(
        dbOf(),
        "ct_acc",
        week,
        { type: "answer", accept: false },
        nextMondayNoon,
        "k-acc-answer",
      ),
    ).toMatchObject({ code: "idempotency_key_reused" });
    expect(await balanceOf(dbOf(), accounts.invoice("ct_acc", week))).toBe(0n);
    expect(await balanceOf(dbOf(), accounts.pending("ct_acc_f", USD))).toBe(0n);
    // Settled at once: the clock has nothing left to pay.
    expect(await settleUndisputedInvoices(dbOf(), saturday)).toBe(0);
  });

  it("keeps the protected part for the freelancer when a dispute lapses", async () => {
    const week = await invoiced("ct_lap", 3, 1);
    await actOnInvoice(dbOf(), "ct_lap", week, { type: "open" }, nextMondayNoon);
    const report = await runDueJobs(dbOf(), new Date("2026-03-12T12:00:01Z"));
    expect(report.invoiceDisputesLapsed).toBe(1);
    const [inv] = await invoicesOf(dbOf(), "ct_lap");
    expect(inv?.settlement).toMatchObject({ kind: "lapsed", refundedMinor: 1_000n });
    // 3,000 protected, less the 10% fee.
    expect(await balanceOf(dbOf(), accounts.pending("ct_lap_f", USD))).toBe(2_700n);
  });

  it("lets an agent decide a contested dispute within the unprotected part, once", async () => {
    await createAccount(dbOf(), "agt_inv", {
      role: "agent",
      displayName: "Agent",
      country: "US",
      locale: "en-US",
    });
    const week = await invoiced("ct_res", 2, 2);
    const resolve = (refund: bigint, key: string) =>
      actOnInvoice(
        dbOf(),
        "ct_res",
        week,
        { type: "resolve", refundMinor: minor(refund), agentId: "agt_inv" },
        nextMondayNoon,
        key,
      );
    expect(await resolve(0n, "k-res-0")).toMatchObject({ code: "no_dispute" });
    await actOnInvoice(dbOf(), "ct_res", week, { type: "open" }, nextMondayNoon);
    expect(await resolve(0n, "k-res-1")).toMatchObject({ code: "dispute_not_contested" });
    await actOnInvoice(dbOf(), "ct_res", week, { type: "answer", accept: false }, nextMondayNoon);
    expect(await resolve(2_001n, "k-res-2")).toMatchObject({ code: "refund_out_of_range" });
    expect(await resolve(1_500n, "k-res-3")).toMatchObject({
      ok: true,
      value: { settlement: { kind: "resolved", refundedMinor: 1_500n, resolvedBy: "agt_inv" } },
    });
    expect(await resolve(1_500n, "k-res-4")).toMatchObject({ code: "invoice_already_settled" });
    expect(await balanceOf(dbOf(), accounts.invoice("ct_res", week))).toBe(0n);
    // 2,500 released: 2,250 to the freelancer, 250 fee.
    expect(await balanceOf(dbOf(), accounts.pending("ct_res_f", USD))).toBe(2_250n);
  });

  it("invoices a week the clock missed, with its own dispute window, and refuses time for an invoiced week", async () => {
    await createHourlyContract(dbOf(), {
      id: "ct_late",
      clientId: "ct_late_c",
      freelancerId: "ct_late_f",
      currency: USD,
      hourlyRate: 6_000n,
      weeklyLimitHours: 40,
    });
    const seg = { start: new Date("2026-04-06T10:00:00Z"), tracked: true, memo: "late", activity: 40 };
    await logSegment(dbOf(), "ct_late", seg, new Date("2026-04-06T11:00:00Z"));
    // The clock was down from before Monday the 13th until Tuesday the 21st.
    const back = new Date("2026-04-21T13:00:00Z");
    const report = await runDueJobs(dbOf(), back);
    expect(report.errors).toEqual([]);
    const invoices = await invoicesOf(dbOf(), "ct_late");
    const late = invoices.find((i) => i.weekStart.toISOString() === "2026-04-06T00:00:00.000Z");
    expect(late).toMatchObject({ billedMinor: 1_000n, issuedAt: back });
    // Four days on is Saturday the 25th: the window ends on Friday May 1.
    expect(late?.disputeUntil.toISOString()).toBe("2026-05-01T23:59:59.999Z");
    expect(late?.settlement).toBeUndefined();
    expect(invoices.map((i) => i.weekStart.toISOString().slice(0, 10))).toContain("2026-04-13");
    const again = await logSegment(
      dbOf(),
      "ct_late",
      { ...seg, start: new Date("2026-04-07T10:00:00Z") },
      back,
    );
    expect(again).toMatchObject({ ok: false, code: "week_invoiced" });
    // The segment already logged is still answered as logged, not refused.
    expect(await logSegment(dbOf(), "ct_late", seg, back)).toEqual({ ok: true, value: { logged: false } });
  });

  it("keeps the clock's other work going when one invoice cannot be issued", async () => {
    // A rate no API call can set: a week of it is more than one transfer may move.
    await dbOf().exec(`INSERT INTO contracts (id, client_id, freelancer_id, kind, currency) VALUES ('ct_huge', 'h_c', 'h_f', 'hourly', 'USD');
      INSERT INTO hourly_terms (contract_id, hourly_rate, weekly_limit_hours) VALUES ('ct_huge', 900000000000000, 40);
      INSERT INTO time_segments (contract_id, starts_at, tracked, memo, activity) VALUES ('ct_huge', '2026-05-04T10:00:00Z', true, 'x', 50)`);
    await createHourlyContract(dbOf(), {
      id: "ct_fine",
      clientId: "ct_fine_c",
      freelancerId: "ct_fine_f",
      currency: USD,
      hourlyRate: 6_000n,
      weeklyLimitHours: 40,
    });
    await logSegment(
      dbOf(),
      "ct_fine",
      { start: new Date("2026-05-04T10:00:00Z"), tracked: true, memo: "ok", activity: 50 },
      new Date("2026-05-04T11:00:00Z"),
    );
    const report = await runDueJobs(dbOf(), new Date("2026-05-11T12:00:00Z"));
    expect(report.errors.map((e) => e.job)).toEqual(["issue invoices"]);
    expect(report.errors[0]?.message).toMatch(/ct_huge/);
    expect(await invoicesOf(dbOf(), "ct_huge")).toEqual([]);
    expect((await invoicesOf(dbOf(), "ct_fine"))[0]?.billedMinor).toBe(1_000n);
    expect((await ledgerTotals(dbOf())).balances).toBe(0n);
  });
});
