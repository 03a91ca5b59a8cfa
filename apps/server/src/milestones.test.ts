import { accounts, type Currency } from "@leakguard/domain";
import { balanceOf } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, testApp } from "./test-app.test-helper.js";

const USD = "USD" as Currency;
interface MilestoneBody {
  id: string;
  status: string;
  amount: string;
}

describe.each(engines)("fixed-price milestones over HTTP on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let tick = 0;
  beforeAll(async () => {
    app = await testApp(db(), () => new Date(Date.UTC(2026, 10, 2, 10, 0, tick++)), [
      ["cli_a", "client"],
      ["cli_b", "client"],
      ["fre_a", "freelancer"],
      ["fre_b", "freelancer"],
      ["agt_m", "agent"],
    ]);
  });

  async function newMilestone(amount = "150000"): Promise<string> {
    const res = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_a"),
      payload: { freelancerId: "fre_a", currency: "USD", milestones: [{ amount }] },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ milestones: MilestoneBody[] }>().milestones[0]?.id ?? "";
  }
  const act = (id: string, action: string, who: string, key: string, payload?: object) =>
    app.inject({
      method: "POST",
      url: `/v1/milestones/${id}/${action}`,
      headers: as(who, key),
      ...(payload ? { payload } : {}),
    });

  it("funds once however often the same request is sent with one key", async () => {
    const id = await newMilestone();
    const first = await act(id, "fund", "cli_a", "fund-key-0001");
    expect(first.statusCode).toBe(200);
    expect(first.json<MilestoneBody>().status).toBe("funded");
    const again = await act(id, "fund", "cli_a", "fund-key-0001");
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await balanceOf(db(), accounts.escrow(id))).toBe(150000n);
    // The same key for another request is refused, and moves nothing.
    const other = await act(id, "request-refund", "cli_a", "fund-key-0001");
    expect(other.statusCode).toBe(422);
    expect(other.json<ErrorBody>().error.code).toBe("idempotency_key_reused");
    // A new key for the same action meets the state machine instead.
    const twice = await act(id, "fund", "cli_a", "fund-key-0002");
    expect(twice.json<ErrorBody>().error.code).toBe("milestone_already_funded");
    expect(await balanceOf(db(), accounts.escrow(id))).toBe(150000n);
  });

  it("answers every action sent twice with one key as the first time, moving money once", async () => {
    const transfers = async () =>
      Number(
        (await db().query<{ n: string }>("SELECT COUNT(*)::text AS n FROM ledger_transfers")).rows[0]?.n ?? 0,
      );
    const twice = async (id: string, action: string, who: string, payload?: object) => {
      const key = `twice-${id}-${action}`;
      const first = await act(id, action, who, key, payload);
      expect([action, first.statusCode]).toEqual([action, 200]);
      const before = await transfers();
      const again = await act(id, action, who, key, payload);
      expect([action, again.statusCode, again.json()]).toEqual([action, 200, first.json()]);
      expect(await transfers()).toBe(before);
      return first.json<MilestoneBody>();
    };
    const approved = await newMilestone("20000");
    for (const [action, who] of [
      ["fund", "cli_a"],
      ["submit", "fre_a"],
      ["approve", "cli_a"],
    ] as const)
      await twice(approved, action, who);
    const contested = await newMilestone("40000");
    await twice(contested, "fund", "cli_a");
    await twice(contested, "submit", "fre_a");
    await twice(contested, "request-changes", "cli_a");
    await twice(contested, "request-refund", "cli_a");
    await twice(contested, "answer-refund", "fre_a", { accept: false });
    await twice(contested, "dispute", "fre_a");
    await twice(contested, "answer-dispute", "cli_a");
    expect((await twice(contested, "resolve", "agt_m", { toFreelancer: "10000" })).status).toBe("split");
    expect(await balanceOf(db(), accounts.escrow(contested))).toBe(0n);
  });

  it("shows both sides the money in escrow for them, then the freelancer's pending money", async () => {
    const made = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_b"),
      payload: { freelancerId: "fre_b", currency: "EUR", milestones: [{ amount: "70000" }] },
    });
    const id = made.json<{ milestones: MilestoneBody[] }>().milestones[0]?.id ?? "";
    const balances = async (who: string) =>
      (await app.inject({ url: `/v1/accounts/${who}/balances`, headers: as(who) })).json<{
        balances: { currency: string; inEscrow: string; pending: string; available: string }[];
      }>().balances;
    expect(await balances("cli_b")).toEqual([]);
    await act(id, "fund", "cli_b", "escrow-view-fund");
    const held = { currency: "EUR", inEscrow: "70000", pending: "0", available: "0" };
    expect(await balances("cli_b")).toEqual([held]);
    expect(await balances("fre_b")).toEqual([held]);
    await act(id, "approve", "cli_b", "escrow-view-approve");
    expect(await balances("cli_b")).toEqual([]);
    expect(await balances("fre_b")).toEqual([
      { currency: "EUR", inEscrow: "0", pending: "63000", available: "0" },
    ]);
  });

  it("keeps each caller's keys apart, and one key sent at once for two milestones answers once", async () => {
    const mine = await newMilestone("1000");
    const made = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_b"),
      payload: {
        freelancerId: "fre_b",
        currency: "USD",
        milestones: [{ amount: "1000" }, { amount: "2000" }],
      },
    });
    const [theirs, theirsToo] = made.json<{ milestones: MilestoneBody[] }>().milestones.map((m) => m.id);
    expect((await act(mine, "fund", "cli_a", "shared-key-0001")).statusCode).toBe(200);
    // Another client's same key is theirs alone.
    expect((await act(theirs ?? "", "fund", "cli_b", "shared-key-0001")).statusCode).toBe(200);
    const [one, two] = await Promise.all([
      act(theirsToo ?? "", "fund", "cli_b", "shared-key-0002"),
      act(theirs ?? "", "request-refund", "cli_b", "shared-key-0002"),
    ]);
    expect([one.statusCode, two.statusCode].sort()).toEqual([200, 422]);
    expect([one, two].find((r) => r.statusCode === 422)?.json<ErrorBody>().error.code).toBe(
      "idempotency_key_reused",
    );
  });

  it("opens one contract for a creation sent twice, or twice at once, with one key", async () => {
    const create = (key: string, amount = "5000") =>
      app.inject({
        method: "POST",
        url: "/v1/contracts/fixed-price",
        headers: as("cli_a", key),
        payload: { freelancerId: "fre_a", currency: "USD", milestones: [{ amount }, { amount: "700" }] },
      });
    const first = await create("create-key-01");
    const again = await create("create-key-01");
    expect(first.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    const twins = await Promise.all([create("create-key-02"), create("create-key-02")]);
    expect(twins.map((t) => t.statusCode)).toEqual([201, 201]);
    expect(twins[0]?.json<{ id: string }>().id).toBe(twins[1]?.json<{ id: string }>().id);
    const other = await create("create-key-01", "9999");
    expect(other.statusCode).toBe(422);
    expect(other.json<ErrorBody>().error.code).toBe("idempotency_key_reused");
    const { id } = first.json<{ id: string }>();
    expect(
      (
        await db().query<{ n: string }>("SELECT COUNT(*)::text AS n FROM milestones WHERE contract_id = $1", [
          id,
        ])
      ).rows[0]?.n,
    ).toBe("2");
  });

  it("needs an Idempotency-Key to move money, and says so", async () => {
    const id = await newMilestone();
    const res = await app.inject({ method: "POST", url: `/v1/milestones/${id}/fund`, headers: as("cli_a") });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json<ErrorBody>().error.details)).toContain("idempotency-key");
  });

  it("keeps other clients and freelancers out of a milestone", async () => {
    const id = await newMilestone();
    await act(id, "fund", "cli_a", "auth-fund-01");
    await act(id, "submit", "fre_a", "auth-submit-01");
    const stranger = await act(id, "approve", "cli_b", "auth-approve-b");
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json<ErrorBody>().error.code).toBe("milestone_not_found");
    const read = await app.inject({ url: `/v1/milestones/${id}`, headers: as("fre_b") });
    expect(read.statusCode).toBe(404);
    // The freelancer cannot approve their own work.
    const self = await act(id, "approve", "fre_a", "auth-approve-f");
    expect(self.statusCode).toBe(403);
    expect(self.json<ErrorBody>().error.code).toBe("not_allowed_for_actor");
    expect(
      (await app.inject({ url: `/v1/milestones/${id}`, headers: as("cli_a") })).json<MilestoneBody>().status,
    ).toBe("submitted");
  });

  it("releases once when the same approval is sent 20 times at once", async () => {
    const id = await newMilestone("100000");
    await act(id, "fund", "cli_a", "race-fund-01");
    await act(id, "submit", "fre_a", "race-submit-01");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        act(id, "approve", "cli_a", `race-approve-${String(i).padStart(2, "0")}`),
      ),
    );
    const released = answers.filter((r) => r.statusCode === 200);
    expect(released).toHaveLength(1);
    for (const r of answers.filter((a) => a.statusCode !== 200))
      expect(r.json<ErrorBody>().error.code).toBe("milestone_closed");
    expect(await balanceOf(db(), accounts.escrow(id))).toBe(0n);
    expect(await balanceOf(db(), accounts.pending("fre_a", USD))).toBeGreaterThanOrEqual(90000n);
    const money = await app.inject({ url: "/v1/accounts/fre_a/balances", headers: as("fre_a") });
    const [usd] = money.json<{ balances: { currency: string; pending: string }[] }>().balances;
    expect(usd?.currency).toBe("USD");
    expect(BigInt(usd?.pending ?? "0")).toBe(await balanceOf(db(), accounts.pending("fre_a", USD)));
  });

  it("checks action bodies: an agent's split needs its amount, a refund answer its choice", async () => {
    const id = await newMilestone();
    await act(id, "fund", "cli_a", "body-fund-01");
    await act(id, "request-refund", "cli_a", "body-refund-01");
    const noChoice = await act(id, "answer-refund", "fre_a", "body-answer-01", {});
    expect(noChoice.json<ErrorBody>().error.code).toBe("invalid_request");
    const extra = await act(id, "answer-refund", "fre_a", "body-answer-02", { accept: true, tip: 5 });
    expect(extra.statusCode).toBe(400);
    const yes = await act(id, "answer-refund", "fre_a", "body-answer-03", { accept: true });
    expect(yes.json<MilestoneBody>().status).toBe("refunded");
    expect(await balanceOf(db(), accounts.escrow(id))).toBe(0n);
    expect(await balanceOf(db(), accounts.world(USD))).toBeLessThan(0n);
  });

  it("refuses a contract that is not between a client and a freelancer, or with a bad amount", async () => {
    const byFreelancer = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("fre_a"),
      payload: { freelancerId: "fre_b", currency: "USD", milestones: [{ amount: "100" }] },
    });
    expect(byFreelancer.json<ErrorBody>().error.code).toBe("forbidden");
    for (const amount of ["0", "-5", "1.50", 150, "1e9", "1000000000001", "999999999999999999"]) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/contracts/fixed-price",
        headers: as("cli_a"),
        payload: { freelancerId: "fre_a", currency: "USD", milestones: [{ amount }] },
      });
      expect(res.statusCode, String(amount)).toBe(400);
    }
    const ghost = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_a"),
      payload: { freelancerId: "nobody", currency: "USD", milestones: [{ amount: "100" }] },
    });
    expect(ghost.json<ErrorBody>().error.code).toBe("account_not_found");
  });
});
