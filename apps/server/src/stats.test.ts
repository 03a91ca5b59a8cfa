import { DEFAULT_POLICY } from "@leakguard/detect";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, testApp } from "./test-app.test-helper.js";

interface StatsBody {
  from: string;
  to: string;
  days: number;
  daily: {
    day: string;
    scanned: number;
    verdicts: Record<string, number>;
    casesOpened: number;
    casesClosed: number;
    actedCases: number;
    medianSecondsToAction: number | null;
  }[];
  verdicts: Record<string, number>;
  topRules: { rule: string; messages: number }[];
  timeToAction: { medianSeconds: number | null; acted: number; notYetActed: number };
  leakage: {
    weekStart: string;
    activePairs: number;
    confirmedPairs: number;
    suspectedPairs: number;
    share: number;
  }[];
}

const HOUR = 3_600_000;
const at = (day: number, hour: number) => Date.UTC(2026, 10, day, hour, 0, 0);

/**
 * The dashboard's figures through the API: messages sent over three days,
 * cases opened and acted on at known times, then the buckets, the verdict
 * mix, the top rules, the median time to action and the leakage share.
 */
describe.each(engines)("GET /v1/stats, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let clock = at(10, 9);
  beforeAll(async () => {
    app = await testApp(db(), () => new Date(clock), [
      ["cli_a", "client"],
      ["fre_a", "freelancer"],
      ["cli_b", "client"],
      ["fre_b", "freelancer"],
      ["cli_c", "client"],
      ["fre_c", "freelancer"],
      ["cli_d", "client"],
      ["fre_d", "freelancer"],
      ["cli_f", "client"],
      ["fre_f", "freelancer"],
      ["agt_s", "agent"],
    ]);
  });
  const send = async (from: string, to: string, text: string, confirmationToken?: string) => {
    clock += 1_000;
    const res = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as(from),
      payload: { recipientId: to, text, ...(confirmationToken === undefined ? {} : { confirmationToken }) },
    });
    expect(res.statusCode).toBeLessThan(300);
    return res.json<{ id: string; verdict: string; delivery?: string; confirmationToken?: string }>();
  };
  const caseOf = async (subject: string) =>
    (await app.inject({ url: "/v1/cases?status=open", headers: as("agt_s") }))
      .json<{ cases: { id: string; subjectId: string }[] }>()
      .cases.find((c) => c.subjectId === subject)?.id ?? "";
  const act = async (caseId: string, payload: object) => {
    const res = await app.inject({
      method: "POST",
      url: `/v1/cases/${caseId}/actions`,
      headers: as("agt_s"),
      payload,
    });
    expect(res.statusCode).toBe(201);
  };
  const stats = async (query = "", who = "agt_s") =>
    app.inject({ url: `/v1/stats${query}`, headers: as(who) });

  beforeAll(async () => {
    // Nov 10, outside a 7-day period: one plain message.
    await send("cli_f", "fre_f", "Hi, is the logo brief clear?");
    // Monday Nov 23: a plain exchange, a phone number before any contract (masked), a request to pay outside (held).
    clock = at(23, 10);
    await send("cli_a", "fre_a", "Hello, are you free next week for the landing page?");
    const reported = await send("fre_a", "cli_a", "Sure, happy to help with it.");
    expect((await send("cli_c", "fre_c", "ring me on +44 7911 123456 after lunch")).verdict).toBe("mask");
    expect(
      (await send("cli_b", "fre_b", "Let's skip the fees, I'll pay you directly via PayPal.")).delivery,
    ).toBe("held");
    const caseB = await caseOf("cli_b");
    // The agent warns two hours after the case opened: closed with a sanction.
    clock += 2 * HOUR;
    await act(caseB, { kind: "warn", reason: "asked to pay outside", warningKind: "off_platform_payment" });
    // A report opens a case on fre_a; an agent confirms an off-platform payment on the pair's contract an hour later.
    const contract = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_a"),
      payload: { freelancerId: "fre_a", currency: "USD", milestones: [{ amount: "50000" }] },
    });
    expect(contract.statusCode).toBe(201);
    clock += 1_000;
    const report = await app.inject({
      method: "POST",
      url: `/v1/messages/${reported.id}/report`,
      headers: as("cli_a"),
      payload: { reason: "off_platform_payment", note: "asked me to pay by bank transfer" },
    });
    expect(report.statusCode).toBeLessThan(300);
    const caseA = await caseOf("fre_a");
    expect(caseA).not.toBe("");
    clock += HOUR;
    await act(caseA, {
      kind: "confirm_off_platform",
      reason: "both confirmed a bank transfer outside",
      contractId: contract.json<{ id: string }>().id,
    });
    // Tuesday Nov 24: another held request, dismissed four hours later (no sanction, but the held message stays suspect);
    // and a reminder to stay on the platform that its sender confirmed (a nudge, stored).
    clock = at(24, 8);
    await send("cli_d", "fre_d", "Send me your IBAN, I'll wire it outside the platform.");
    const caseD = await caseOf("cli_d");
    clock += 4 * HOUR;
    await act(caseD, { kind: "dismiss", reason: "joke between old colleagues" });
    const nudged = await send("cli_c", "fre_c", "can we continue this on whatsapp?");
    expect(nudged.verdict).toBe("nudge");
    expect(
      (await send("cli_c", "fre_c", "can we continue this on whatsapp?", nudged.confirmationToken)).verdict,
    ).toBe("nudge");
    // Now: Wednesday Nov 25, midday.
    clock = at(25, 12);
  });

  it("buckets messages and cases per UTC day, empty days included", async () => {
    const res = await stats("?days=7");
    expect(res.statusCode).toBe(200);
    const s = res.json<StatsBody>();
    expect(s).toMatchObject({ from: "2026-11-19", to: "2026-11-25", days: 7 });
    expect(s.daily.map((d) => d.day)).toEqual([
      "2026-11-19",
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
    ]);
    const day = (d: string) => s.daily.find((x) => x.day === d);
    expect(day("2026-11-23")).toMatchObject({
      scanned: 4,
      verdicts: { allow: 2, nudge: 0, mask: 1, hold: 1 },
      casesOpened: 2,
      casesClosed: 1,
      actedCases: 2,
      medianSecondsToAction: 5_400,
    });
    expect(day("2026-11-24")).toMatchObject({
      scanned: 2,
      verdicts: { allow: 0, nudge: 1, mask: 0, hold: 1 },
      casesOpened: 1,
      casesClosed: 1,
      actedCases: 1,
      medianSecondsToAction: 14_400,
    });
    expect(day("2026-11-19")).toMatchObject({ scanned: 0, casesOpened: 0, medianSecondsToAction: null });
    // The Nov 10 message is outside 7 days, inside 30.
    expect(s.daily.reduce((sum, d) => sum + d.scanned, 0)).toBe(6);
    const month = (await stats("?days=30")).json<StatsBody>();
    expect(month.daily).toHaveLength(30);
    expect(month.daily.find((d) => d.day === "2026-11-10")?.verdicts.allow).toBe(1);
    expect(month.verdicts).toEqual({ allow: 3, nudge: 1, mask: 1, hold: 2 });
  });

  it("gives the verdict mix, the top rules from the stored scans and the median time to action", async () => {
    const s = (await stats("?days=7")).json<StatsBody>();
    expect(s.verdicts).toEqual({ allow: 2, nudge: 1, mask: 1, hold: 2 });
    const rule = (r: string) => s.topRules.find((x) => x.rule === r)?.messages ?? 0;
    expect(rule("P1")).toBe(2);
    expect(rule("C1")).toBe(1);
    expect(rule("C2")).toBeGreaterThanOrEqual(1);
    const counts = s.topRules.map((r) => r.messages);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // First agent actions after 2 h, 1 h and 4 h: the median is 2 h.
    expect(s.timeToAction).toEqual({ medianSeconds: 7_200, acted: 3, notYetActed: 0 });
  });

  it("estimates leakage per week: pairs confirmed or suspected of moving off the platform, out of the active pairs", async () => {
    const s = (await stats("?days=7")).json<StatsBody>();
    expect(s.leakage).toEqual([
      { weekStart: "2026-11-16", activePairs: 0, confirmedPairs: 0, suspectedPairs: 0, share: 0 },
      // Active: a, b, c, d. Confirmed: a (confirm_off_platform). Suspected: b (held, then warned) and
      // d (held, though the case was dismissed). c's phone number was masked: neither.
      { weekStart: "2026-11-23", activePairs: 4, confirmedPairs: 1, suspectedPairs: 2, share: 0.75 },
    ]);
    const month = (await stats("?days=30")).json<StatsBody>();
    expect(month.leakage.find((w) => w.weekStart === "2026-11-09")).toMatchObject({
      activePairs: 1,
      share: 0,
    });
  });

  it("is for agents and admins, and takes 1 to 365 days (30 by default)", async () => {
    expect((await stats("", "cli_a")).json<ErrorBody>().error.code).toBe("forbidden");
    expect((await app.inject({ url: "/v1/stats" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/v1/stats?days=3", headers: platform })).statusCode).toBe(200);
    expect((await stats()).json<StatsBody>().days).toBe(30);
    expect((await stats("?days=365")).json<StatsBody>().daily).toHaveLength(365);
    for (const bad of ["0", "366", "-1", "2.5", "abc", ""]) {
      const res = await stats(`?days=${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json<ErrorBody>().error.code).toBe("invalid_request");
    }
  });
});

describe.each(engines)("GET /v1/policy, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(db(), () => new Date(at(25, 12)), [["fre_p", "freelancer"]]);
  });

  it("shows anyone signed in the policy the server screens with, raw and in words", async () => {
    const res = await app.inject({ url: "/v1/policy", headers: as("fre_p") });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      version: string;
      policy: unknown;
      rules: { id: string; forbids: string; actions: Record<string, string> }[];
      allowedRules: { id: string }[];
      pairStates: { state: string; effect: string }[];
    }>();
    expect(body.version).toBe(DEFAULT_POLICY.version);
    expect(body.policy).toEqual(JSON.parse(JSON.stringify(DEFAULT_POLICY)));
    expect(body.rules.map((r) => r.id)).toEqual(["P1", "P2", "C1", "C2"]);
    expect(body.rules.find((r) => r.id === "C1")).toMatchObject({
      actions: { pre_contract: "mask", contract_active: "allow" },
      forbids: expect.stringMatching(/contact details/) as unknown,
    });
    expect(body.allowedRules.map((r) => r.id)).toEqual(["A1", "A2", "A3"]);
    expect(body.pairStates[0]?.state).toMatch(/24 months/);
    expect((await app.inject({ url: "/v1/policy", headers: platform })).statusCode).toBe(200);
    expect((await app.inject({ url: "/v1/policy" })).statusCode).toBe(401);
  });
});
