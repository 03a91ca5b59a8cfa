import { accounts, type Currency, type MilestoneAction, minor } from "@leakguard/domain";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "./db.js";
import { engines, migratedDb } from "./engines.test-helper.js";
import { createHourlyContract, logSegment } from "./hourly.js";
import { actOnInvoice, type InvoiceAct, invoicesOf, issueWeeklyInvoices } from "./invoices.js";
import { runDueJobs } from "./jobs.js";
import { actOnMilestone, createFixedPriceContract, getMilestone } from "./milestones.js";
import { createAccount } from "./people.js";

// Model-based: random sequences of what users and the clock do, against the real store, with the
// books checked from the ledger's own rows after every step (not from the domain that wrote them).

const USD = "USD" as Currency;
const T0 = new Date("2026-03-02T09:00:00Z");
const HOUR = 3_600_000;

type Step =
  | {
      kind: "act";
      ms: number;
      action: MilestoneAction["type"];
      by: "client" | "freelancer" | "agent" | null;
      accept: boolean;
      share: number;
    }
  | { kind: "replay" }
  | { kind: "advance"; hours: number }
  | { kind: "log"; slot: number; tracked: boolean; activity: number }
  | { kind: "invoice" }
  | { kind: "invoiceAct"; pick: number; act: "open" | "accept" | "contest" | "resolve"; share: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("act" as const),
      ms: fc.nat(1),
      // The first steps of a milestone's life come up more often, so later ones are reached.
      action: fc.constantFrom<MilestoneAction["type"][]>(
        "fund",
        "fund",
        "submit",
        "submit",
        "approve",
        "request_changes",
        "request_refund",
        "answer_refund",
        "dispute",
        "answer_dispute",
        "resolve",
      ),
      // Mostly the party the action belongs to (null), sometimes anyone: the refusals are tested too.
      by: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<("client" | "freelancer" | "agent")[]>("client", "freelancer", "agent"),
        },
      ),
      accept: fc.boolean(),
      share: fc.double({ min: 0, max: 1.2, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "replay" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      hours: fc.integer({ min: 1, max: 24 * 16 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("log" as const),
      slot: fc.nat(200),
      tracked: fc.boolean(),
      activity: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "invoice" as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("invoiceAct" as const),
      pick: fc.nat(3),
      act: fc.constantFrom<("open" | "accept" | "contest" | "resolve")[]>(
        "open",
        "open",
        "accept",
        "contest",
        "resolve",
      ),
      share: fc.double({ min: 0, max: 1.2, noNaN: true }),
    }),
  },
);

/** The party an action belongs to; for disputes and their answers, either side. */
function ownerOf(action: MilestoneAction["type"], coin: boolean): "client" | "freelancer" | "agent" {
  switch (action) {
    case "submit":
    case "answer_refund":
      return "freelancer";
    case "dispute":
    case "answer_dispute":
      return coin ? "client" : "freelancer";
    case "resolve":
    case "tick":
    case "end_contract":
      return "agent";
    case "fund":
    case "approve":
    case "request_changes":
    case "request_refund":
      return "client";
  }
}

async function checkBooks(
  db: Db,
  milestones: { id: string; amount: bigint }[],
  hourly: string,
): Promise<void> {
  // Debits equal credits: the balances sum to zero, and each balance is its credits minus its debits.
  const rows = (
    await db.query<{ id: string; balance: string; computed: string }>(
      `SELECT a.id, a.balance::text AS balance,
         (COALESCE((SELECT SUM(amount) FROM ledger_transfers t WHERE t.credit = a.id), 0)
          - COALESCE((SELECT SUM(amount) FROM ledger_transfers t WHERE t.debit = a.id), 0))::text AS computed
       FROM ledger_accounts a`,
    )
  ).rows;
  let total = 0n;
  for (const r of rows) {
    total += BigInt(r.balance);
    expect(BigInt(r.balance), r.id).toBe(BigInt(r.computed));
    // No account below zero but the outside world.
    if (!r.id.startsWith("world:")) expect(BigInt(r.balance) >= 0n, r.id).toBe(true);
  }
  expect(total).toBe(0n);

  for (const m of milestones) {
    const escrow = accounts.escrow(m.id);
    const flows = (
      await db.query<{ funded: string; released: string; refunded: string }>(
        `SELECT
           COALESCE(SUM(amount) FILTER (WHERE credit = $1), 0)::text AS funded,
           COALESCE(SUM(amount) FILTER (WHERE debit = $1 AND credit NOT LIKE 'world:%'), 0)::text AS released,
           COALESCE(SUM(amount) FILTER (WHERE debit = $1 AND credit LIKE 'world:%'), 0)::text AS refunded
         FROM ledger_transfers WHERE credit = $1 OR debit = $1`,
        [escrow],
      )
    ).rows[0];
    const funded = BigInt(flows?.funded ?? 0);
    const released = BigInt(flows?.released ?? 0);
    const refunded = BigInt(flows?.refunded ?? 0);
    const balance = BigInt(
      (
        await db.query<{ b: string }>(
          "SELECT COALESCE((SELECT balance FROM ledger_accounts WHERE id = $1), 0)::text AS b",
          [escrow],
        )
      ).rows[0]?.b ?? 0,
    );
    // Escrow is what was funded less what was released and refunded; funded once, paid out at most once.
    expect(balance).toBe(funded - released - refunded);
    expect(funded === 0n || funded === m.amount).toBe(true);
    expect(released + refunded <= funded).toBe(true);
    const state = await getMilestone(db, m.id);
    const open = ["funded", "submitted", "refund_requested", "disputed"].includes(state?.status ?? "");
    const closed = ["released", "refunded", "split"].includes(state?.status ?? "");
    if (state?.status === "unfunded") expect(funded).toBe(0n);
    if (open) expect(balance).toBe(m.amount);
    if (closed) {
      expect(balance).toBe(0n);
      expect(released + refunded).toBe(m.amount);
    }
  }

  // Each invoice: charged once on issue; held until settled, then emptied exactly once, the freelancer
  // keeping at least the protected part unless they accepted the dispute.
  for (const inv of await invoicesOf(db, hourly)) {
    const hold = accounts.invoice(hourly, inv.weekStart);
    const flows = (
      await db.query<{ charged: string; refunded: string; released: string }>(
        `SELECT
           COALESCE(SUM(amount) FILTER (WHERE credit = $1), 0)::text AS charged,
           COALESCE(SUM(amount) FILTER (WHERE debit = $1 AND credit LIKE 'world:%'), 0)::text AS refunded,
           COALESCE(SUM(amount) FILTER (WHERE debit = $1 AND credit NOT LIKE 'world:%'), 0)::text AS released
         FROM ledger_transfers WHERE credit = $1 OR debit = $1`,
        [hold],
      )
    ).rows[0];
    const charged = BigInt(flows?.charged ?? 0);
    const refunded = BigInt(flows?.refunded ?? 0);
    const released = BigInt(flows?.released ?? 0);
    expect(charged).toBe(inv.billedMinor);
    if (inv.settlement === undefined) expect(refunded + released).toBe(0n);
    else {
      expect(refunded + released).toBe(charged);
      expect(refunded).toBe(inv.settlement.refundedMinor);
      if (inv.settlement.kind !== "accepted") expect(released >= inv.protectedMinor).toBe(true);
    }
  }
}

describe.each(engines)("the store under random use on $name", ({ open }) => {
  const db = migratedDb(open);
  beforeAll(async () => {
    await createAccount(db(), "mdl_agent", {
      role: "agent",
      displayName: "Agent",
      country: "US",
      locale: "en-US",
    });
  });
  let run = 0;
  const moved: Record<string, number> = {};

  it("keeps the books after every step of any sequence", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 1n, max: 5_000_000n }), { minLength: 2, maxLength: 2 }),
        fc.array(stepArb, { minLength: 1, maxLength: 40, size: "max" }),
        async (amounts, steps) => {
          run++;
          const milestones = amounts.map((amount, i) => ({ id: `mdl${run}_ms${i}`, amount }));
          await createFixedPriceContract(
            db(),
            { id: `mdl${run}_fp`, clientId: `mdl${run}_c`, freelancerId: `mdl${run}_f`, currency: USD },
            milestones,
          );
          const hourly = `mdl${run}_hr`;
          await createHourlyContract(db(), {
            id: hourly,
            clientId: `mdl${run}_c`,
            freelancerId: `mdl${run}_f`,
            currency: USD,
            hourlyRate: 3_000n,
            weeklyLimitHours: 5,
          });
          let now = T0;
          const answered: { key: string; ms: string; action: MilestoneAction; at: Date; answer: unknown }[] =
            [];
          for (const [i, step] of steps.entries()) {
            if (step.kind === "act") {
              const m = milestones[step.ms] as { id: string; amount: bigint };
              const action = {
                type: step.action,
                by: step.by ?? ownerOf(step.action, step.accept),
                ...(step.action === "answer_refund" ? { accept: step.accept } : {}),
                ...(step.action === "resolve"
                  ? { toFreelancer: minor((m.amount * BigInt(Math.round(step.share * 1000))) / 1000n) }
                  : {}),
              } as MilestoneAction;
              const key = `mdl${run}_k${i}`;
              const answer = await actOnMilestone(db(), m.id, action, now, key);
              answered.push({ key, ms: m.id, action, at: now, answer });
              if (answer.ok) moved[step.action] = (moved[step.action] ?? 0) + 1;
            } else if (step.kind === "replay") {
              const first = answered[Math.floor(answered.length / 2)];
              if (first === undefined) continue;
              const before = (
                await db().query<{ n: string }>("SELECT COUNT(*)::text AS n FROM ledger_transfers")
              ).rows[0]?.n;
              // The same key and request, later: the first answer again, and no money moves.
              expect(await actOnMilestone(db(), first.ms, first.action, now, first.key)).toEqual(
                first.answer,
              );
              expect(
                (await db().query<{ n: string }>("SELECT COUNT(*)::text AS n FROM ledger_transfers")).rows[0]
                  ?.n,
              ).toBe(before);
            } else if (step.kind === "advance") {
              now = new Date(now.getTime() + step.hours * HOUR);
              await runDueJobs(db(), now);
            } else if (step.kind === "log") {
              const start = new Date(T0.getTime() + step.slot * 600_000);
              const memo = step.tracked ? "work" : "";
              const logged = await logSegment(
                db(),
                hourly,
                { start, tracked: step.tracked, memo, activity: step.activity },
                now,
              );
              // Refused only for time not yet passed, or in a week already invoiced.
              expect(logged.ok || ["segment_in_the_future", "week_invoiced"].includes(logged.code)).toBe(
                true,
              );
            } else if (step.kind === "invoice") {
              const first = await issueWeeklyInvoices(db(), now);
              // Issuing again at the same moment issues nothing: an invoice per contract and week, once.
              expect(await issueWeeklyInvoices(db(), now)).toEqual([]);
              for (const { invoice } of first)
                expect(invoice.protectedMinor <= invoice.billedMinor).toBe(true);
            } else {
              const invoices = await invoicesOf(db(), hourly);
              const inv = invoices[step.pick % Math.max(1, invoices.length)];
              if (inv === undefined) continue;
              const act: InvoiceAct =
                step.act === "open"
                  ? { type: "open" }
                  : step.act === "resolve"
                    ? {
                        type: "resolve",
                        refundMinor: minor(
                          ((inv.billedMinor - inv.protectedMinor) * BigInt(Math.round(step.share * 1000))) /
                            1000n,
                        ),
                        agentId: "mdl_agent",
                      }
                    : { type: "answer", accept: step.act === "accept" };
              const answer = await actOnInvoice(db(), hourly, inv.weekStart, act, now, `mdl${run}_ik${i}`);
              if (answer.ok) moved[`invoice_${step.act}`] = (moved[`invoice_${step.act}`] ?? 0) + 1;
              // Again with the same key: the same answer.
              expect(await actOnInvoice(db(), hourly, inv.weekStart, act, now, `mdl${run}_ik${i}`)).toEqual(
                answer,
              );
            }
            await checkBooks(db(), milestones, hourly);
          }
        },
      ),
      { numRuns: 50 },
    );
    // Not vacuous: the sequences reached every kind of action, not only refusals.
    expect(moved.fund ?? 0).toBeGreaterThan(0);
    expect(
      (moved.submit ?? 0) + (moved.approve ?? 0) + (moved.dispute ?? 0) + (moved.request_refund ?? 0),
    ).toBeGreaterThan(0);
    expect(moved.invoice_open ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
