import { accounts, type Currency } from "@leakguard/domain";
import { balanceOf } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { parseConfig } from "./config.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, TEST_KEY, testApp } from "./test-app.test-helper.js";

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
    expect((await first).json<{ offPlatformPaymentAllowed: boolean }>().offPlatformPaymentAllowed).toBe(
      false,
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
    expect(first.json()).toEqual({
      amount: "1684800",
      currency: "USD",
      paidAt: "2026-11-26T15:00:00.000Z",
      alreadyPaid: false,
    });
    // Sent twice with one key: the first answer. With another key: paid already, nothing moves.
    expect((await pay("cli_r", "conv-key-02")).json()).toEqual(first.json());
    expect((await pay("cli_r", "conv-key-03")).json()).toEqual({
      ...first.json<object>(),
      alreadyPaid: true,
    });
    const noKey = await app.inject({
      method: "POST",
      url: `/v1/relationships/${pairId}/conversion-fee`,
      headers: as("cli_r"),
    });
    expect(noKey.statusCode).toBe(400);
    expect(await balanceOf(db(), accounts.fees(USD))).toBe(before + 1_684_800n);
    const after = await app.inject({ url: `/v1/relationships/${pairId}`, headers: as("cli_r") });
    expect(after.json()).toMatchObject({ converted: true, offPlatformPaymentAllowed: true });
    // Converted, the pair may arrange payment outside: such a message is delivered as it is.
    const outside = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_r"),
      payload: { recipientId: "fre_r", text: "I'll pay you through PayPal from now on." },
    });
    expect(outside.json()).toMatchObject({ verdict: "allow", delivery: "delivered" });
  });

  it("shows a user their own balances and nobody else's", async () => {
    const own = await app.inject({ url: "/v1/accounts/fre_r/balances", headers: as("fre_r") });
    expect(own.json()).toEqual({ balances: [] });
    const other = await app.inject({ url: "/v1/accounts/fre_r/balances", headers: as("fre_s") });
    expect(other.statusCode).toBe(403);
  });

  it("compares hourly rates across currencies with the configured rates, and says when one is missing", async () => {
    const euros = await testApp(db(), () => new Date("2026-11-26T15:00:00Z"), [
      ["cli_e", "client"],
      ["fre_e", "freelancer"],
    ]);
    const sent = await euros.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_e"),
      payload: { recipientId: "fre_e", text: "Hallo" },
    });
    const pair = sent.json<{ relationshipId: string }>().relationshipId;
    await euros.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_e"),
      payload: { freelancerId: "fre_e", currency: "EUR", hourlyRate: "8000", weeklyLimitHours: 10 },
    });
    const quote = await euros.inject({ url: `/v1/relationships/${pair}`, headers: as("cli_e") });
    expect(quote.json<{ conversionFee: { unavailable: string } }>().conversionFee.unavailable).toMatch(/EUR/);
    const pay = await euros.inject({
      method: "POST",
      url: `/v1/relationships/${pair}/conversion-fee`,
      headers: as("cli_e", "conv-eur-key-1"),
    });
    expect(pay.statusCode).toBe(422);
    expect(pay.json<ErrorBody>().error.code).toBe("exchange_rate_missing");

    // The same pair on a server configured with a euro at 1.10 USD: 80.00 EUR/h is 88.00 USD/h.
    const parsed = parseConfig({
      LEAKGUARD_MARKETPLACE: '{"relationship":{"usdMillionthsPerMinor":{"EUR":1100000}}}',
    });
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const configured = await buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now: () => new Date("2026-11-26T15:00:00Z"),
      marketplace: parsed.config.marketplace,
    });
    const priced = await configured.inject({ url: `/v1/relationships/${pair}`, headers: as("cli_e") });
    // 88.00 x 2,080 x 13.5% = 24,710.40 USD.
    expect(priced.json<{ conversionFee: { amount: string } }>().conversionFee.amount).toBe("2471040");
  });
});

describe.each(engines)("a marketplace with its own off-platform window, on $name", ({ open }) => {
  const db = migratedDb(open);
  it("quotes its window, not the default's, in explanations, the policy and the pair", async () => {
    const parsed = parseConfig({ LEAKGUARD_MARKETPLACE: '{"relationship":{"offPlatformWindowMonths":12}}' });
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const app = await buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now: () => new Date("2026-11-26T15:00:00Z"),
      marketplace: parsed.config.marketplace,
    });
    for (const [id, role] of [
      ["cli_w", "client"],
      ["fre_w", "freelancer"],
    ] as const) {
      const created = await app.inject({
        method: "POST",
        url: "/v1/accounts",
        headers: platform,
        payload: { id, role, displayName: id, country: "US", locale: "en-US" },
      });
      expect(created.statusCode).toBe(201);
    }
    const hello = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_w"),
      payload: { recipientId: "fre_w", text: "Hello, thanks for applying" },
    });
    expect(hello.statusCode).toBe(201);
    const held = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("fre_w"),
      payload: { recipientId: "cli_w", text: "pay me on paypal instead, skip the fee" },
    });
    expect(held.statusCode).toBe(201);
    const explanations = held.json<{ explanations: { rule: string; message: string }[] }>().explanations;
    expect(explanations.find((e) => e.rule === "P1")?.message).toMatch(/not allowed for 12 months after/);
    const check = await app.inject({
      method: "POST",
      url: "/v1/messages/check",
      headers: as("fre_w"),
      payload: { recipientId: "cli_w", text: "pay me on paypal instead" },
    });
    expect(JSON.stringify(check.json())).toMatch(/not allowed for 12 months after/);
    const policy = await app.inject({ url: "/v1/policy", headers: as("fre_w") });
    const body = policy.json<{ rules: { id: string; forbids: string }[]; pairStates: { state: string }[] }>();
    expect(body.rules.find((r) => r.id === "P1")?.forbids).toMatch(/for 12 months after/);
    expect(body.pairStates[0]?.state).toMatch(/12 months/);
    const pairId = hello.json<{ relationshipId: string }>().relationshipId;
    const pair = await app.inject({ url: `/v1/relationships/${pairId}`, headers: as("cli_w") });
    expect(pair.json()).toMatchObject({
      offPlatformWindowMonths: 12,
      offPlatformWindowEndsAt: "2027-11-26T15:00:00.000Z",
    });
    expect(JSON.stringify([explanations, check.json(), body])).not.toMatch(/24 months/);
  });
});
