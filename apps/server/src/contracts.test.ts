import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, testApp } from "./test-app.test-helper.js";

describe.each(engines)("reading what an account is part of, over HTTP, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let fixed = "";
  let hourly = "";
  beforeAll(async () => {
    app = await testApp(db(), () => new Date("2026-11-26T15:00:00Z"), [
      ["cli_l", "client"],
      ["cli_m", "client"],
      ["fre_l", "freelancer"],
      ["agt_l", "agent"],
    ]);
    await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_l"),
      payload: { recipientId: "fre_l", text: "Hi Lee" },
    });
    fixed = (
      await app.inject({
        method: "POST",
        url: "/v1/contracts/fixed-price",
        headers: as("cli_l"),
        payload: {
          freelancerId: "fre_l",
          currency: "USD",
          milestones: [{ amount: "5000" }, { amount: "7000" }],
        },
      })
    ).json<{ id: string }>().id;
    hourly = (
      await app.inject({
        method: "POST",
        url: "/v1/contracts/hourly",
        headers: as("cli_l"),
        payload: { freelancerId: "fre_l", currency: "USD", hourlyRate: "4500", weeklyLimitHours: 20 },
      })
    ).json<{ id: string }>().id;
    for (const start of ["2026-11-17T09:00:00Z", "2026-11-24T09:00:00Z", "2026-11-24T09:10:00Z"])
      await app.inject({
        method: "POST",
        url: `/v1/contracts/${hourly}/time`,
        headers: as("fre_l"),
        payload: { start, tracked: true, memo: "api", activity: 50 },
      });
  });

  it("lists an account's pairs and contracts to itself and agents only", async () => {
    const pairs = await app.inject({ url: "/v1/accounts/fre_l/relationships", headers: as("fre_l") });
    expect(pairs.json<{ relationships: { clientId: string; converted: boolean }[] }>().relationships).toEqual(
      [expect.objectContaining({ clientId: "cli_l", freelancerId: "fre_l", converted: false })],
    );
    const contracts = await app.inject({ url: "/v1/accounts/cli_l/contracts", headers: as("agt_l") });
    const listed = contracts.json<{ contracts: { id: string; kind: string }[] }>().contracts;
    expect(listed.map((c) => c.id).sort()).toEqual([fixed, hourly].sort());
    for (const url of ["/v1/accounts/cli_l/contracts", "/v1/accounts/cli_l/relationships"]) {
      const res = await app.inject({ url, headers: as("cli_m") });
      expect(res.statusCode).toBe(403);
    }
  });

  it("reads a contract's terms and milestones for its sides, and nobody else", async () => {
    const res = await app.inject({ url: `/v1/contracts/${fixed}`, headers: as("fre_l") });
    expect(res.json()).toMatchObject({
      id: fixed,
      kind: "fixed_price",
      currency: "USD",
      milestones: [
        { amount: "5000", status: "unfunded" },
        { amount: "7000", status: "unfunded" },
      ],
    });
    expect((await app.inject({ url: `/v1/contracts/${hourly}`, headers: as("cli_l") })).json()).toMatchObject(
      {
        kind: "hourly",
        hourlyRate: "4500",
        weeklyLimitHours: 20,
        milestones: [],
      },
    );
    const outsider = await app.inject({ url: `/v1/contracts/${fixed}`, headers: as("cli_m") });
    expect([outsider.statusCode, outsider.json<ErrorBody>().error.code]).toEqual([404, "contract_not_found"]);
  });

  it("shows an hourly week's logged time, by any day of the week", async () => {
    const res = await app.inject({
      url: `/v1/contracts/${hourly}/time?week=2026-11-26`,
      headers: as("cli_l"),
    });
    expect(res.json()).toEqual({
      weekStart: "2026-11-23T00:00:00.000Z",
      segments: [
        { start: "2026-11-24T09:00:00.000Z", tracked: true, memo: "api", activity: 50 },
        { start: "2026-11-24T09:10:00.000Z", tracked: true, memo: "api", activity: 50 },
      ],
    });
    expect(
      (await app.inject({ url: `/v1/contracts/${hourly}/time?week=someday`, headers: as("cli_l") }))
        .statusCode,
    ).toBe(400);
    expect(
      (await app.inject({ url: `/v1/contracts/${fixed}/time?week=2026-11-26`, headers: as("cli_l") }))
        .statusCode,
    ).toBe(404);
  });
});
