import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, testApp } from "./test-app.test-helper.js";

interface CaseBody {
  id: string;
  subjectId: string;
  openedBecause: string;
  priority: number;
  assigneeId?: string;
}

describe.each(engines)("cases for the trust & safety team, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let tick = 0;
  beforeAll(async () => {
    app = await testApp(db(), () => new Date(Date.UTC(2026, 10, 26, 10, 0, tick++)), [
      ["cli_c", "client"],
      ["cli_d", "client"],
      ["fre_c", "freelancer"],
      ["agt_a", "agent"],
      ["agt_b", "agent"],
    ]);
  });
  const send = (from: string, to: string, text: string) =>
    app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as(from),
      payload: { recipientId: to, text },
    });
  const queue = async (who = "agt_a", query = "") =>
    (await app.inject({ url: `/v1/cases${query}`, headers: as(who) })).json<{
      cases: CaseBody[];
      counts: { open: number; unclaimed: number };
    }>();

  it("opens one case per subject on a held message, and raises its priority as risk grows", async () => {
    await send("cli_c", "fre_c", "Let's skip the fees, I'll pay you directly via PayPal.");
    const first = (await queue()).cases.filter((c) => c.subjectId === "cli_c");
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ openedBecause: "held_message" });
    await send("cli_c", "fre_c", "Send me your IBAN, I'll wire it outside the platform.");
    const second = (await queue()).cases.filter((c) => c.subjectId === "cli_c");
    expect(second).toHaveLength(1);
    expect(second[0]?.id).toBe(first[0]?.id);
    expect(second[0]?.priority).toBeGreaterThan(first[0]?.priority ?? 0);
    // A plain message with no red flag opens nothing.
    await send("cli_d", "fre_c", "Hello! Are you free next week?");
    expect((await queue()).cases.map((c) => c.subjectId)).not.toContain("cli_d");
    expect((await app.inject({ url: "/v1/cases", headers: as("cli_c") })).statusCode).toBe(403);
  });

  it("locks a claimed case to its agent until they release it", async () => {
    const [c] = (await queue()).cases;
    const act = (who: string, what: string) =>
      app.inject({ method: "POST", url: `/v1/cases/${c?.id ?? ""}/${what}`, headers: as(who) });
    expect((await act("agt_a", "claim")).json<CaseBody>().assigneeId).toBe("agt_a");
    expect((await act("agt_a", "claim")).statusCode).toBe(200);
    expect((await act("agt_b", "claim")).json<ErrorBody>().error.code).toBe("case_claimed");
    expect((await act("agt_b", "release")).json<ErrorBody>().error.code).toBe("case_not_claimed_by_you");
    expect((await queue("agt_b", "?assignee=me")).cases).toEqual([]);
    expect((await queue("agt_a", "?assignee=me")).cases.map((x) => x.id)).toEqual([c?.id]);
    expect((await queue()).counts.unclaimed).toBe((await queue()).counts.open - 1);
    expect((await act("agt_a", "release")).json<CaseBody>().assigneeId).toBeUndefined();
    expect((await act("cli_c", "claim")).json<ErrorBody>().error.code).toBe("not_allowed_for_actor");
  });

  it("shows a case with its subject's risk, signals and linked accounts", async () => {
    const [c] = (await queue()).cases;
    const res = await app.inject({ url: `/v1/cases/${c?.id ?? ""}`, headers: as("agt_b") });
    const body = res.json<{
      risk: { score: number; top: { signal: string }[] };
      signals: { signal: string }[];
    }>();
    expect(body.risk.score).toBe(c?.priority);
    expect(body.risk.top[0]?.signal).toBe("off_platform_payment_proposed");
    expect(body.signals.length).toBeGreaterThanOrEqual(2);
    expect((await app.inject({ url: "/v1/cases/case_nope", headers: as("agt_b") })).statusCode).toBe(404);
  });

  it("opens a case for the sender of a reported message", async () => {
    const sent = (await send("fre_c", "cli_d", "Thanks, see you Monday")).json<{ id: string }>();
    await app.inject({
      method: "POST",
      url: `/v1/messages/${sent.id}/report`,
      headers: as("cli_d"),
      payload: { reason: "other", note: "asked me to call outside" },
    });
    const theirs = (await queue()).cases.find((c) => c.subjectId === "fre_c");
    expect(theirs?.openedBecause).toBe("report");
  });

  it("filters the queue by minimum priority and by why the case was opened", async () => {
    const all = (await queue()).cases;
    const reasons = new Set(all.map((c) => c.openedBecause));
    expect(reasons).toEqual(new Set(["held_message", "report"]));
    const byReport = (await queue("agt_a", "?openedBecause=report")).cases;
    expect(byReport.map((c) => c.subjectId)).toEqual(["fre_c"]);
    expect((await queue("agt_a", "?openedBecause=held_message")).cases.map((c) => c.subjectId)).toEqual([
      "cli_c",
    ]);
    expect((await queue("agt_a", "?openedBecause=risk_threshold")).cases).toEqual([]);
    const priorities = all.map((c) => c.priority).sort((a, b) => a - b);
    const top = priorities.at(-1) ?? 0;
    expect(top).toBeGreaterThan(priorities[0] ?? 0);
    // At least the highest priority: only that case; at least 0: all of them.
    expect((await queue("agt_a", `?minPriority=${top}`)).cases.map((c) => c.priority)).toEqual([top]);
    expect((await queue("agt_a", `?minPriority=${top + 1}`)).cases).toEqual([]);
    expect((await queue("agt_a", "?minPriority=0")).cases).toHaveLength(all.length);
    const reportPriority = byReport[0]?.priority ?? 0;
    const both = `?minPriority=${reportPriority}&openedBecause=report`;
    expect((await queue("agt_a", both)).cases.map((c) => c.subjectId)).toEqual(["fre_c"]);
    // By the rule the subject's flagged messages broke: cli_c asked to pay outside (P1).
    expect((await queue("agt_a", "?rule=P1")).cases.map((c) => c.subjectId)).toContain("cli_c");
    expect((await queue("agt_a", "?rule=P2")).cases.map((c) => c.subjectId)).not.toContain("cli_c");
    for (const bad of [
      "?minPriority=101",
      "?minPriority=-1",
      "?minPriority=high",
      "?openedBecause=whim",
      "?rule=Z9",
    ]) {
      const res = await app.inject({ url: `/v1/cases${bad}`, headers: as("agt_a") });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json<ErrorBody>().error.code).toBe("invalid_request");
    }
  });
});

describe.each(engines)("a case reopened at the instant the last one closed, on $name", ({ open }) => {
  const db = migratedDb(open);

  it("opens a second case, not a 500 on the first case's id", async () => {
    // A clock that does not move: the new case is opened in the same millisecond as the closed one.
    const at = new Date(Date.UTC(2026, 10, 26, 10, 0, 0));
    const app = await testApp(db(), () => at, [
      ["cli_r", "client"],
      ["fre_r", "freelancer"],
      ["agt_r", "agent"],
    ]);
    const hold = () =>
      app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: as("cli_r"),
        payload: { recipientId: "fre_r", text: "Let's skip the fees, I'll pay you directly via PayPal." },
      });
    const caseOf = async () =>
      (await app.inject({ url: "/v1/cases", headers: as("agt_r") })).json<{ cases: CaseBody[] }>().cases;
    expect((await hold()).statusCode).toBe(201);
    const [first] = await caseOf();
    const dismissed = await app.inject({
      method: "POST",
      url: `/v1/cases/${first?.id ?? ""}/actions`,
      headers: as("agt_r"),
      payload: { kind: "dismiss", reason: "a checkout integration" },
    });
    expect(dismissed.statusCode).toBe(201);
    expect((await hold()).statusCode).toBe(201);
    const [second] = await caseOf();
    expect(second?.subjectId).toBe("cli_r");
    expect(second?.id).not.toBe(first?.id);
  });
});
