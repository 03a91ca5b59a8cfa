import { accounts, type Currency } from "@leakguard/domain";
import { balanceOf } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, testApp } from "./test-app.test-helper.js";

const USD = "USD" as Currency;

describe.each(engines)("relationships and money over HTTP on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let pairId = "";
  beforeAll(async () => {
    app = await testApp(db(), () => new Date("2026-11-26T15:00:00Z"), [
      ["cli_r", "client"],
      ["fre_r", "freelancer"],
      ["fre_s", "freelancer"],
    ]);
    const sent = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_r"),
      payload: { recipientId: "fre_r", text: "Hello" },
    });
    pairId = sent.json<{ relationshipId: string }>().relationshipId;
  });

  it("quotes the conversion fee from the pair's highest hourly rate, bounded", async () => {
    const quote = () => app.inject({ url: `/v1/relationships/${pairId}`, headers: as("fre_r") });
    const first = quote();
    // No hourly contract yet: the lower bound, USD 1,000.
    expect((await first).json<{ conversionFee: { amount: string } }>().conversionFee.amount).toBe("100000");
    expect((await first).json<{ offPlatformWindowEndsAt: string }>().offPlatformWindowEndsAt).toBe(
      "2028-11-26T15:00:00.000Z",
    );
    await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_r"),
      payload: { freelancerId: "fre_r", currency: "USD", hourlyRate: "6000", weeklyLimitHours: 10 },
    });
    // USD 60/h x 2,080 h x 13.5% = USD 16,848.
    expect((await quote()).json<{ conversionFee: { amount: string } }>().conversionFee.amount).toBe(
      "1684800",
    );
    expect((await app.inject({ url: `/v1/relationships/${pairId}`, headers: as("fre_s") })).statusCode).toBe(
      404,
    );
  });

  it("takes the fee from the client once; the freelancer cannot pay it", async () => {
    const pay = (who: string, key: string) =>
      app.inject({
        method: "POST",
        url: `/v1/relationships/${pairId}/conversion-fee`,
        headers: { ...as(who), "idempotency-key": key },
      });
    const byFreelancer = await pay("fre_r", "conv-key-01");
    expect(byFreelancer.statusCode).toBe(403);
    expect(byFreelancer.json<ErrorBody>().error.code).toBe("not_allowed_for_actor");
    const before = await balanceOf(db(), accounts.fees(USD));
    const first = await pay("cli_r", "conv-key-02");
    expect(first.json()).toEqual({ amount: "1684800", currency: "USD", alreadyPaid: false });
    const again = await pay("cli_r", "conv-key-02");
    expect(again.json<{ alreadyPaid: boolean }>().alreadyPaid).toBe(true);
    expect(await balanceOf(db(), accounts.fees(USD))).toBe(before + 1_684_800n);
    expect(
      (await app.inject({ url: `/v1/relationships/${pairId}`, headers: as("cli_r") })).json<{
        converted: boolean;
      }>().converted,
    ).toBe(true);
  });

  it("shows a user their own balances and nobody else's", async () => {
    const own = await app.inject({ url: "/v1/accounts/fre_r/balances", headers: as("fre_r") });
    expect(own.json()).toEqual({ balances: [] });
    const other = await app.inject({ url: "/v1/accounts/fre_r/balances", headers: as("fre_s") });
    expect(other.statusCode).toBe(403);
  });
});
