import { accounts, type Currency, minor } from "@leakguard/domain";
import { beforeEach, describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { runDueJobs } from "./jobs.js";
import { balanceOf, ledgerTotals, makeAvailable } from "./ledger.js";
import { actOnMilestone, createFixedPriceContract, dueMilestones } from "./milestones.js";

const USD = "USD" as Currency;
const t0 = new Date("2026-03-02T09:00:00Z");
const days = (n: number): Date => new Date(t0.getTime() + n * 86_400_000);

describe.each(engines)("milestones on $name", ({ open }) => {
  const dbOf = migratedDb(open);
  let n = 0;
  let ms = "";
  beforeEach(async () => {
    n++;
    ms = `ms_${n}`;
    await createFixedPriceContract(
      dbOf(),
      { id: `ct_${n}`, clientId: "u_client", freelancerId: `u_free${n}`, currency: USD },
      [{ id: ms, amount: 100_000n }],
    );
  });

  it("funds, submits and approves; the freelancer's pending balance and the fee follow", async () => {
    expect(await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0)).toMatchObject({ ok: true });
    expect(await actOnMilestone(dbOf(), ms, { type: "submit", by: "freelancer" }, t0)).toMatchObject({
      ok: true,
    });
    expect(await actOnMilestone(dbOf(), ms, { type: "approve", by: "client" }, t0)).toMatchObject({
      ok: true,
      value: { status: "released" },
    });
    expect(await balanceOf(dbOf(), accounts.pending(`u_free${n}`, USD))).toBe(90_000n);
    expect(await balanceOf(dbOf(), accounts.escrow(ms))).toBe(0n);
  });

  it("answers a replayed request with its first answer, and refuses a key reused for another", async () => {
    const first = await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0, `key_${n}`);
    const again = await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0, `key_${n}`);
    expect(again).toEqual(first);
    expect(await balanceOf(dbOf(), accounts.escrow(ms))).toBe(100_000n);
    expect(
      await actOnMilestone(dbOf(), ms, { type: "submit", by: "freelancer" }, t0, `key_${n}`),
    ).toMatchObject({
      ok: false,
      code: "idempotency_key_reused",
    });
  });

  it("releases once when the same approval is sent 20 times at once", async () => {
    await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => actOnMilestone(dbOf(), ms, { type: "approve", by: "client" }, t0)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === "milestone_closed")).toHaveLength(19);
    expect(await balanceOf(dbOf(), accounts.pending(`u_free${n}`, USD))).toBe(90_000n);
    expect((await ledgerTotals(dbOf())).balances).toBe(0n);
  });

  it("lets the clock release a submission left alone for 14 days, once", async () => {
    await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0);
    await actOnMilestone(dbOf(), ms, { type: "submit", by: "freelancer" }, t0);
    expect(await dueMilestones(dbOf(), days(13))).not.toContain(ms);
    expect(await dueMilestones(dbOf(), days(14))).toContain(ms);
    expect(await actOnMilestone(dbOf(), ms, { type: "tick", by: "system" }, days(14))).toMatchObject({
      ok: true,
      value: { status: "released" },
    });
    // A job run twice: the second tick finds the milestone closed and moves nothing.
    expect(await actOnMilestone(dbOf(), ms, { type: "tick", by: "system" }, days(14))).toMatchObject({
      ok: false,
      code: "milestone_closed",
    });
    expect(await dueMilestones(dbOf(), days(30))).not.toContain(ms);
    expect(await balanceOf(dbOf(), accounts.pending(`u_free${n}`, USD))).toBe(90_000n);
  });

  it("refuses unknown milestones and actions of the wrong party, writing nothing", async () => {
    expect(await actOnMilestone(dbOf(), "ms_none", { type: "fund", by: "client" }, t0)).toMatchObject({
      ok: false,
      code: "milestone_not_found",
    });
    expect(await actOnMilestone(dbOf(), ms, { type: "fund", by: "freelancer" }, t0)).toMatchObject({
      ok: false,
      code: "not_allowed_for_actor",
    });
    expect(await balanceOf(dbOf(), accounts.escrow(ms))).toBe(minor(0n));
  });
  it("makes released money available after the pending period, once", async () => {
    await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0);
    await actOnMilestone(dbOf(), ms, { type: "approve", by: "client" }, t0);
    const user = `u_free${n}`;
    expect(await makeAvailable(dbOf(), days(4), 5)).toMatchObject({ ok: true, value: { moved: 0 } });
    expect(await balanceOf(dbOf(), accounts.available(user, USD))).toBe(0n);
    expect(await makeAvailable(dbOf(), days(5), 5)).toMatchObject({ ok: true });
    expect(await balanceOf(dbOf(), accounts.available(user, USD))).toBe(90_000n);
    expect(await balanceOf(dbOf(), accounts.pending(user, USD))).toBe(0n);
    // Run again, by the same job or another worker: nothing moves twice.
    expect(await makeAvailable(dbOf(), days(6), 5)).toMatchObject({ ok: true, value: { moved: 0 } });
    expect(await balanceOf(dbOf(), accounts.available(user, USD))).toBe(90_000n);
  });
  it("runs what the clock owes once, also with two workers at the same time", async () => {
    await actOnMilestone(dbOf(), ms, { type: "fund", by: "client" }, t0);
    await actOnMilestone(dbOf(), ms, { type: "submit", by: "freelancer" }, t0);
    const user = `u_free${n}`;
    const [a, b] = await Promise.all([runDueJobs(dbOf(), days(14)), runDueJobs(dbOf(), days(14))]);
    expect((a?.milestones ?? 0) + (b?.milestones ?? 0)).toBeGreaterThanOrEqual(1);
    expect(await balanceOf(dbOf(), accounts.pending(user, USD))).toBe(90_000n);
    await Promise.all([runDueJobs(dbOf(), days(19)), runDueJobs(dbOf(), days(19))]);
    expect(await balanceOf(dbOf(), accounts.available(user, USD))).toBe(90_000n);
    expect(await balanceOf(dbOf(), accounts.pending(user, USD))).toBe(0n);
    expect((await ledgerTotals(dbOf())).balances).toBe(0n);
  });
});
