import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "./config.js";
import { type AccountId, accounts, applyTransfers, type Transfer, totalOf } from "./ledger.js";
import {
  type Actor,
  type Milestone,
  type MilestoneAction,
  nextDeadline,
  stepMilestone,
} from "./milestone.js";
import { type Currency, type Minor, minor } from "./money.js";
import { addDays } from "./time.js";

const USD = "USD" as Currency;
const t0 = new Date("2026-03-02T09:00:00Z"); // a Monday

function milestone(amount = 100_000n): Milestone {
  return {
    id: "ms_1",
    clientId: "u_client",
    freelancerId: "u_free",
    amount: minor(amount),
    currency: USD,
    status: "unfunded",
  };
}

function run(
  m: Milestone,
  steps: [MilestoneAction, Date][],
): { m: Milestone; transfers: Transfer[]; codes: string[] } {
  let current = m;
  const transfers: Transfer[] = [];
  const codes: string[] = [];
  for (const [action, at] of steps) {
    const r = stepMilestone(current, action, at, DEFAULT_CONFIG);
    if (r.ok) {
      current = r.value.milestone;
      transfers.push(...r.value.transfers);
    } else codes.push(r.code);
  }
  return { m: current, transfers, codes };
}

describe("fixed-price milestone", () => {
  it("funds, submits and releases with the platform fee", () => {
    const { m, transfers } = run(milestone(), [
      [{ type: "fund", by: "client" }, t0],
      [{ type: "submit", by: "freelancer" }, addDays(t0, 1)],
      [{ type: "approve", by: "client" }, addDays(t0, 2)],
    ]);
    expect(m.status).toBe("released");
    const balances = applyTransfers(new Map(), transfers);
    expect(balances.ok && balances.value.get(accounts.pending("u_free", USD))).toBe(90_000n);
    expect(balances.ok && balances.value.get(accounts.fees(USD))).toBe(10_000n);
    expect(balances.ok && (balances.value.get(accounts.escrow("ms_1")) ?? 0n)).toBe(0n);
  });

  it("refuses to protect unfunded work, and a second funding", () => {
    expect(
      stepMilestone(milestone(), { type: "submit", by: "freelancer" }, t0, DEFAULT_CONFIG),
    ).toMatchObject({
      ok: false,
      code: "milestone_not_funded",
    });
    const funded = run(milestone(), [[{ type: "fund", by: "client" }, t0]]).m;
    expect(stepMilestone(funded, { type: "fund", by: "client" }, t0, DEFAULT_CONFIG)).toMatchObject({
      ok: false,
      code: "milestone_already_funded",
    });
  });

  it("releases a submission the client leaves alone for 14 days, not before", () => {
    const submitted = run(milestone(), [
      [{ type: "fund", by: "client" }, t0],
      [{ type: "submit", by: "freelancer" }, t0],
    ]).m;
    expect(
      stepMilestone(submitted, { type: "tick", by: "system" }, addDays(t0, 13), DEFAULT_CONFIG),
    ).toMatchObject({
      ok: false,
      code: "nothing_due",
    });
    const r = stepMilestone(submitted, { type: "tick", by: "system" }, addDays(t0, 14), DEFAULT_CONFIG);
    expect(r.ok && r.value.milestone.status).toBe("released");
  });

  it("gives an unanswered freelancer's dispute to the freelancer after 5 business days", () => {
    const disputed = run(milestone(), [
      [{ type: "fund", by: "client" }, t0],
      [{ type: "dispute", by: "freelancer" }, t0],
    ]).m;
    // Monday + 5 business days = next Monday.
    expect(nextDeadline(disputed, DEFAULT_CONFIG)?.at.toISOString()).toBe("2026-03-09T09:00:00.000Z");
    expect(stepMilestone(disputed, { type: "approve", by: "client" }, t0, DEFAULT_CONFIG)).toMatchObject({
      ok: false,
      code: "milestone_frozen",
    });
  });

  it("lets an agent split a dispute, and nothing moves twice", () => {
    const { m, transfers } = run(milestone(), [
      [{ type: "fund", by: "client" }, t0],
      [{ type: "dispute", by: "client" }, t0],
      [{ type: "resolve", by: "agent", toFreelancer: minor(40_000n) }, t0],
      [{ type: "resolve", by: "agent", toFreelancer: minor(40_000n) }, t0],
    ]);
    expect(m.status).toBe("split");
    const b = applyTransfers(new Map(), transfers);
    expect(b.ok && b.value.get(accounts.pending("u_free", USD))).toBe(36_000n);
    expect(b.ok && b.value.get(accounts.world(USD))).toBe(-40_000n);
  });

  it("keeps every invariant over random sequences of actions and clock advances", () => {
    const actors: Actor[] = ["client", "freelancer", "agent", "system"];
    const action = fc.oneof(
      fc.record({
        type: fc.constantFrom(
          "fund",
          "submit",
          "approve",
          "request_changes",
          "request_refund",
          "dispute",
          "answer_dispute",
          "tick" as const,
        ),
        by: fc.constantFrom(...actors),
      }),
      fc.record({
        type: fc.constant("answer_refund" as const),
        by: fc.constantFrom(...actors),
        accept: fc.boolean(),
      }),
      fc.record({
        type: fc.constant("resolve" as const),
        by: fc.constantFrom(...actors),
        toFreelancer: fc.bigInt({ min: -10n, max: 120_000n }).map((n) => minor(n)),
      }),
    ) as fc.Arbitrary<MilestoneAction>;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        fc.array(fc.tuple(action, fc.integer({ min: 0, max: 20 })), { maxLength: 40 }),
        (amount, steps) => {
          let m = milestone(amount);
          let now = t0;
          let balances = new Map<AccountId, Minor>();
          const ids = new Set<string>();
          for (const [a, days] of steps) {
            now = addDays(now, days);
            const r = stepMilestone(m, a, now, DEFAULT_CONFIG);
            if (!r.ok) continue;
            for (const t of r.value.transfers) {
              expect(ids.has(t.id), `transfer ${t.id} twice`).toBe(false);
              ids.add(t.id);
            }
            const applied = applyTransfers(balances, r.value.transfers);
            expect(applied.ok).toBe(true);
            if (!applied.ok) return;
            balances = applied.value;
            m = r.value.milestone;
            // Debits equal credits; no account but the world below zero; escrow is what is still protected.
            expect(totalOf(balances)).toBe(0n);
            for (const [account, v] of balances)
              if (!account.startsWith("world:")) expect(v >= 0n).toBe(true);
            const escrow = balances.get(accounts.escrow(m.id)) ?? 0n;
            const closed = m.status === "released" || m.status === "refunded" || m.status === "split";
            expect(escrow).toBe(m.status === "unfunded" || closed ? 0n : m.amount);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
