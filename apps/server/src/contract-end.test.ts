import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, testApp } from "./test-app.test-helper.js";

interface ContractBody {
  id: string;
  kind: string;
  milestones: { id: string; status: string }[];
  endedAt?: string;
  endedBecause?: string;
}

const DAY = 86_400_000;

/** A party ends a contract over HTTP: who may, when they may not, and what an ended contract refuses. */
describe.each(engines)("ending a contract over HTTP, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let clock = Date.UTC(2026, 11, 7, 9, 0, 0);
  const now = () => {
    clock += 1_000;
    return new Date(clock);
  };
  const later = (ms: number) => {
    clock += ms;
  };
  beforeAll(async () => {
    app = await testApp(db(), now, [
      ["cli_a", "client"],
      ["fre_a", "freelancer"],
      ["cli_b", "client"],
      ["fre_b", "freelancer"],
      ["cli_x", "client"],
      ["agt_1", "agent"],
    ]);
  });

  let keys = 0;
  const fixedPrice = async (client: string, freelancer: string, amounts = ["50000"]) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as(client),
      payload: {
        freelancerId: freelancer,
        currency: "USD",
        milestones: amounts.map((amount) => ({ amount })),
      },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; milestones: { id: string }[] }>();
    return { contractId: body.id, milestoneIds: body.milestones.map((m) => m.id) };
  };
  const milestone = (id: string, action: string, who: string) =>
    app.inject({
      method: "POST",
      url: `/v1/milestones/${id}/${action}`,
      headers: as(who, `ce-key-${keys++}`),
    });
  const end = (contractId: string, who: string, reason = "the work is no longer needed", key?: string) =>
    app.inject({
      method: "POST",
      url: `/v1/contracts/${contractId}/end`,
      headers: as(who, key),
      payload: { reason },
    });
  const code = (res: { json: <T>() => T }) => res.json<ErrorBody>().error.code;
  const signals = async (accountId: string) =>
    (
      await db().query<{ message_id: string | null }>(
        "SELECT message_id FROM signal_events WHERE signal = 'contract_ended_after_contact_exchange' AND account_id = $1",
        [accountId],
      )
    ).rows;

  it("lets either party end it, not a stranger; refuses while escrow is held and once ended", async () => {
    const { contractId, milestoneIds } = await fixedPrice("cli_a", "fre_a", ["30000", "20000"]);
    const [m1, m2] = milestoneIds as [string, string];
    expect((await milestone(m1, "fund", "cli_a")).statusCode).toBe(200);

    // Someone who is not a party gets the same 404 as for a contract that does not exist.
    const stranger = await end(contractId, "cli_x");
    expect([stranger.statusCode, code(stranger)]).toEqual([404, "contract_not_found"]);
    expect(code(await end("ctr_nope", "cli_a"))).toBe("contract_not_found");

    // Escrow is held on the funded milestone: settle it first.
    const held = await end(contractId, "cli_a");
    expect([held.statusCode, code(held)]).toEqual([409, "escrow_held"]);
    expect(held.json<ErrorBody>().error.message).toMatch(/approves.*refund.*dispute/);
    expect(code(await end(contractId, "fre_a"))).toBe("escrow_held");
    expect((await milestone(m1, "submit", "fre_a")).statusCode).toBe(200);
    expect(code(await end(contractId, "cli_a"))).toBe("escrow_held");
    expect((await milestone(m1, "approve", "cli_a")).statusCode).toBe(200);

    // Settled: the freelancer ends it; a retry with the same key answers the same.
    const ended = await end(contractId, "fre_a", "client asked to stop after the first part", "end-key-a-1");
    expect(ended.statusCode).toBe(200);
    const body = ended.json<ContractBody>();
    expect(body).toMatchObject({ id: contractId, endedBecause: "ended_by_party" });
    expect(body.endedAt).toBeDefined();
    const retried = await end(
      contractId,
      "fre_a",
      "client asked to stop after the first part",
      "end-key-a-1",
    );
    expect([retried.statusCode, retried.json<ContractBody>().endedAt]).toEqual([200, body.endedAt]);
    expect(code(await end(contractId, "fre_a", "another reason", "end-key-a-1"))).toBe(
      "idempotency_key_reused",
    );

    // Ended: again is refused, by either side; the contract reads as ended.
    const again = await end(contractId, "cli_a");
    expect([again.statusCode, code(again)]).toEqual([409, "contract_ended"]);
    const read = await app.inject({ url: `/v1/contracts/${contractId}`, headers: as("cli_a") });
    expect(read.json<ContractBody>()).toMatchObject({
      endedAt: body.endedAt,
      endedBecause: "ended_by_party",
    });
    const listed = await app.inject({ url: "/v1/accounts/fre_a/contracts", headers: as("fre_a") });
    expect(
      listed.json<{ contracts: ContractBody[] }>().contracts.find((c) => c.id === contractId)?.endedAt,
    ).toBe(body.endedAt);

    // No new work on an ended contract: the second milestone cannot be funded.
    const fund = await milestone(m2, "fund", "cli_a");
    expect([fund.statusCode, code(fund)]).toEqual([409, "contract_ended"]);
    expect(
      (await app.inject({ url: `/v1/milestones/${m2}`, headers: as("cli_a") })).json<{ status: string }>()
        .status,
    ).toBe("unfunded");
  });

  it("lets the client end it, and an agent; says why a reason is needed", async () => {
    const first = await fixedPrice("cli_a", "fre_a");
    const short = await end(first.contractId, "cli_a", " x ");
    expect([short.statusCode, code(short)]).toEqual([422, "reason_required"]);
    expect((await end(first.contractId, "cli_a")).statusCode).toBe(200);
    const second = await fixedPrice("cli_a", "fre_a");
    expect((await end(second.contractId, "agt_1", "ended at both parties' request")).statusCode).toBe(200);
  });

  it("ends an hourly contract at any time and refuses time logged from the end on", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_b"),
      payload: { freelancerId: "fre_b", currency: "USD", hourlyRate: "6000", weeklyLimitHours: 40 },
    });
    const contractId = created.json<{ id: string }>().id;
    const log = (startMs: number) =>
      app.inject({
        method: "POST",
        url: `/v1/contracts/${contractId}/time`,
        headers: as("fre_b"),
        payload: { start: new Date(startMs).toISOString(), tracked: true, memo: "work", activity: 50 },
      });
    const grid = 10 * 60_000;
    const before = Math.floor(clock / grid) * grid - grid;
    expect((await log(before)).statusCode).toBe(200);
    const ended = await end(contractId, "cli_b", "budget cut");
    expect(ended.statusCode).toBe(200);
    const endedAt = Date.parse(ended.json<ContractBody>().endedAt ?? "");
    later(DAY);
    const after = Math.ceil(endedAt / grid) * grid;
    const refused = await log(after);
    expect([refused.statusCode, code(refused)]).toEqual([409, "contract_ended"]);
    // Time from before the end may still be logged (until its week is invoiced).
    expect((await log(before - grid)).json<{ logged: boolean }>()).toEqual({ logged: true });
  });

  it("records contract_ended_after_contact_exchange about whoever sent a contact detail days before", async () => {
    const sent = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("fre_b"),
      payload: { recipientId: "cli_b", text: "Write to me at jordan.baker.dev@gmail.com for the details." },
    });
    expect(sent.statusCode).toBeLessThan(300);
    // The pair's hourly contract has ended: they are judged as before any contract again.
    expect(sent.json<{ verdict: string }>().verdict).not.toBe("allow");
    const messageId = sent.json<{ id: string }>().id;
    later(3 * DAY);
    const { contractId } = await fixedPrice("cli_b", "fre_b");
    later(2 * DAY);
    expect((await end(contractId, "cli_b", "changed my mind")).statusCode).toBe(200);
    expect(await signals("fre_b")).toEqual([{ message_id: messageId }]);
    expect(await signals("cli_b")).toEqual([]);
    // It counts towards the freelancer's risk, with its explanation.
    const risk = await app.inject({ url: "/v1/accounts/fre_b/risk", headers: platform });
    expect(JSON.stringify(risk.json())).toMatch(/contract_ended_after_contact_exchange/);
  });
});
