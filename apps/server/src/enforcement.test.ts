import { DEFAULT_CONFIG } from "@leakguard/domain";
import { runDueJobs } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, testApp } from "./test-app.test-helper.js";

interface ActionBody {
  id: string;
  kind: string;
  actorId: string | null;
  reason: string;
  details: Record<string, unknown>;
}
interface ActResult {
  action: ActionBody;
  followUps: ActionBody[];
  case: { id: string; status: string; resolution?: string };
}
interface CaseDetail {
  id: string;
  status: string;
  subjectId: string;
  messages: { id: string; verdict: string; findings?: { kind: string; start: number; end: number }[] }[];
  contracts: {
    id: string;
    inEscrow: string;
    protectionVoid: boolean;
    releasesWait: boolean;
    releasesFrozen: boolean;
  }[];
  actions: ActionBody[];
  clarifications: { id: string; answer?: string; lapsedAt?: string }[];
  appeals: { id: string; decision?: string }[];
  timeline: { event: string; actorId: string | null }[];
}
interface Notices {
  status: string;
  notices: { actionId: string; kind: string; appealable: boolean; appeal?: { decision?: string } }[];
  clarifications: { id: string; question: string; awaitingAnswer: boolean }[];
}

const DAY = 86_400_000;

/**
 * The whole story of enforcement, through the API: a held request to pay
 * outside opens a case; the agent asks; the deadline passes and the default
 * warning is given; a second attempt suspends; appeals are decided by
 * another agent; and escrow, protection and reports follow trust.
 */
describe.each(engines)("enforcement over HTTP, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let clock = Date.UTC(2026, 10, 30, 9, 0, 0);
  const now = () => {
    clock += 1_000;
    return new Date(clock);
  };
  const later = (ms: number) => {
    clock += ms;
  };
  beforeAll(async () => {
    app = await testApp(db(), now, [
      ["cli_p", "client"],
      ["fre_p", "freelancer"],
      ["cli_e", "client"],
      ["fre_e", "freelancer"],
      ["cli_r", "client"],
      ["fre_r", "freelancer"],
      ["agt_1", "agent"],
      ["agt_2", "agent"],
    ]);
  });

  const send = (from: string, to: string, text: string) =>
    app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as(from),
      payload: { recipientId: to, text },
    });
  const caseOf = async (subject: string, status = "open") =>
    (await app.inject({ url: `/v1/cases?status=${status}`, headers: as("agt_1") }))
      .json<{ cases: { id: string; subjectId: string }[] }>()
      .cases.find((c) => c.subjectId === subject);
  const detail = async (id: string) =>
    (await app.inject({ url: `/v1/cases/${id}`, headers: as("agt_1") })).json<CaseDetail>();
  const act = (caseId: string, who: string, payload: object, key?: string) =>
    app.inject({ method: "POST", url: `/v1/cases/${caseId}/actions`, headers: as(who, key), payload });
  const notices = async (who: string) =>
    (await app.inject({ url: `/v1/accounts/${who}/notices`, headers: as(who) })).json<Notices>();
  const fixedPrice = async (client: string, freelancer: string, amount = "50000") => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as(client),
      payload: { freelancerId: freelancer, currency: "USD", milestones: [{ amount }] },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: string; milestones: { id: string }[] }>();
    return { contractId: body.id, milestoneId: body.milestones[0]?.id ?? "" };
  };
  let keys = 0;
  const milestone = (id: string, action: string, who: string) =>
    app.inject({
      method: "POST",
      url: `/v1/milestones/${id}/${action}`,
      headers: as(who, `ms-key-${keys++}`),
    });
  const milestoneStatus = async (id: string) =>
    (await app.inject({ url: `/v1/milestones/${id}`, headers: as("agt_1") })).json<{ status: string }>()
      .status;

  it("holds a request to pay outside, asks, warns by default at the deadline, and suspends on the second attempt", async () => {
    const held = await send("cli_p", "fre_p", "Let's skip the fees, I'll pay you directly via PayPal.");
    expect(held.json<{ delivery: string }>().delivery).toBe("held");
    const c = await caseOf("cli_p");
    expect(c).toBeDefined();
    const caseId = c?.id ?? "";
    const evidence = await detail(caseId);
    expect(evidence.messages[0]?.verdict).toBe("hold");
    expect(evidence.messages[0]?.findings?.length).toBeGreaterThan(0);
    expect(evidence.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(["message.screened", "signal.recorded", "case.opened"]),
    );

    // The agent asks, with a deadline and a default outcome.
    const asked = await act(caseId, "agt_1", {
      kind: "clarify",
      reason: "held request to pay via PayPal",
      defaultOutcome: "warn",
      warningKind: "off_platform_payment",
      deadline: new Date(clock + 2 * DAY).toISOString(),
    });
    expect(asked.statusCode).toBe(201);
    expect(asked.json<ActResult>().case.status).toBe("waiting");
    const question = (await notices("cli_p")).clarifications[0];
    expect(question).toMatchObject({ awaitingAnswer: true });
    expect(question?.question).toMatch(/in your own words/);
    // A waiting case takes no second question, and is not in the open queue.
    expect(
      (
        await act(caseId, "agt_1", { kind: "clarify", reason: "again", defaultOutcome: "dismiss" })
      ).json<ErrorBody>().error.code,
    ).toBe("clarification_pending");
    expect(await caseOf("cli_p")).toBeUndefined();

    // Nobody answers: at the deadline the default warning is given by the platform and the case reopens.
    later(2 * DAY + 60_000);
    const report = await runDueJobs(db(), now(), DEFAULT_CONFIG);
    expect(report.clarificationsLapsed).toBe(1);
    expect(report.errors).toEqual([]);
    expect((await runDueJobs(db(), now(), DEFAULT_CONFIG)).clarificationsLapsed).toBe(0);
    const reopened = await detail(caseId);
    expect(reopened.status).toBe("open");
    expect(reopened.clarifications[0]?.lapsedAt).toBeDefined();
    const warning = reopened.actions.find((a) => a.kind === "warn");
    expect(warning).toMatchObject({ actorId: null, details: { warningKind: "off_platform_payment" } });
    expect((await notices("cli_p")).notices.map((n) => n.kind)).toEqual(["warn", "clarify"]);
    const late = await app.inject({
      method: "POST",
      url: `/v1/clarifications/${question?.id ?? ""}/answer`,
      headers: as("cli_p"),
      payload: { answer: "sorry, I was away" },
    });
    expect(late.json<ErrorBody>().error.code).toBe("clarification_closed");
    // The agent closes the case with the warning standing.
    expect(
      (await act(caseId, "agt_1", { kind: "dismiss", reason: "warned by default; nothing more" })).statusCode,
    ).toBe(201);

    // A second attempt: held again, a new case, and a second warning of the kind suspends.
    later(DAY);
    await send("cli_p", "fre_p", "Send me your PayPal email and I'll pay you outside the platform, no fees.");
    const second = await caseOf("cli_p");
    expect(second?.id).not.toBe(caseId);
    const warned = await act(second?.id ?? "", "agt_1", {
      kind: "warn",
      reason: "second request to pay outside",
      warningKind: "off_platform_payment",
    });
    expect(warned.statusCode).toBe(201);
    const result = warned.json<ActResult>();
    expect(result.followUps.map((a) => [a.kind, a.actorId])).toEqual([["suspend", null]]);
    expect(result.followUps[0]?.reason).toMatch(/2 warnings/);
    expect(result.case).toMatchObject({ status: "closed", resolution: "suspend" });

    // Suspended: no messages, no contracts; notices and appeals only.
    const blocked = await send("cli_p", "fre_p", "hello?");
    expect(blocked.json<ErrorBody>().error.code).toBe("account_suspended");
    const mine = await notices("cli_p");
    expect(mine.status).toBe("suspended");
    const suspension = mine.notices.find((n) => n.kind === "suspend");
    expect(suspension?.appealable).toBe(true);

    // Appeals: once per action; decided by an agent other than the one who acted.
    const appealWarn = await app.inject({
      method: "POST",
      url: "/v1/appeals",
      headers: as("cli_p"),
      payload: { actionId: result.action.id, statement: "I did not understand the rule." },
    });
    expect(appealWarn.statusCode).toBe(201);
    const twice = await app.inject({
      method: "POST",
      url: "/v1/appeals",
      headers: as("cli_p"),
      payload: { actionId: result.action.id, statement: "again" },
    });
    expect(twice.json<ErrorBody>().error.code).toBe("appeal_exists");
    const appealId = appealWarn.json<{ id: string }>().id;
    const decide = (who: string, decision: string) =>
      app.inject({
        method: "POST",
        url: `/v1/appeals/${appealId}/decision`,
        headers: as(who),
        payload: { decision, reason: "first offence of this account, rule now explained" },
      });
    expect((await decide("agt_1", "overturned")).json<ErrorBody>().error.code).toBe("appeal_own_action");
    const pending = await app.inject({ url: "/v1/appeals", headers: as("agt_2") });
    expect(pending.json<{ appeals: { id: string }[] }>().appeals.map((a) => a.id)).toContain(appealId);
    const decided = await decide("agt_2", "overturned");
    expect(decided.json<{ decision: string; decidedBy: string }>()).toMatchObject({
      decision: "overturned",
      decidedBy: "agt_2",
    });
    expect((await decide("agt_2", "upheld")).json<ErrorBody>().error.code).toBe("appeal_decided");
    // The suspension was the platform's: any agent decides it; overturned, the account is active again.
    const appealSuspension = await app.inject({
      method: "POST",
      url: "/v1/appeals",
      headers: as("cli_p"),
      payload: { actionId: suspension?.actionId, statement: "The warning behind it was overturned." },
    });
    const lifted = await app.inject({
      method: "POST",
      url: `/v1/appeals/${appealSuspension.json<{ id: string }>().id}/decision`,
      headers: as("agt_1"),
      payload: { decision: "overturned", reason: "the warning it followed was overturned" },
    });
    expect(lifted.statusCode).toBe(200);
    expect((await notices("cli_p")).status).toBe("active");

    // The audit log has all of it, in order, with who did each.
    const timeline = (await detail(second?.id ?? "")).timeline;
    const events = timeline.map((e) => e.event);
    for (const e of [
      "case.action",
      "clarification.lapsed",
      "account.status_changed",
      "appeal.filed",
      "appeal.decided",
    ])
      expect(events).toContain(e);
    expect(timeline.filter((e) => e.event === "appeal.decided").map((e) => e.actorId)).toEqual([
      "agt_2",
      "agt_1",
    ]);
    // The same log over its own endpoint, by subject or by case; not for users.
    const bySubject = await app.inject({ url: "/v1/audit?subjectId=cli_p", headers: as("agt_2") });
    expect(bySubject.json<{ entries: unknown[] }>().entries).toHaveLength(timeline.length);
    const byCase = await app.inject({ url: `/v1/audit?caseId=${caseId}`, headers: as("agt_2") });
    expect(byCase.json<{ entries: { caseId: string }[] }>().entries.every((e) => e.caseId === caseId)).toBe(
      true,
    );
    expect((await app.inject({ url: "/v1/audit", headers: as("agt_2") })).statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/audit?subjectId=cli_p", headers: as("cli_p") })).statusCode).toBe(
      403,
    );
  });

  it("attaches a timely answer to the case and brings it back to the queue", async () => {
    await send("fre_r", "cli_r", "Let's continue on WhatsApp, and you can pay me by bank transfer outside.");
    const c = await caseOf("fre_r");
    const caseId = c?.id ?? "";
    await act(caseId, "agt_2", {
      kind: "clarify",
      reason: "asked to move off platform",
      defaultOutcome: "dismiss",
      question: "What did you mean by paying outside?",
    });
    // Claimed by the agent who acted: another agent may not act on it.
    const other = await act(caseId, "agt_1", { kind: "dismiss", reason: "looks fine" });
    expect(other.json<ErrorBody>().error.code).toBe("case_claimed");
    const q = (await notices("fre_r")).clarifications[0];
    expect(q?.question).toBe("What did you mean by paying outside?");
    const answer = await app.inject({
      method: "POST",
      url: `/v1/clarifications/${q?.id ?? ""}/answer`,
      headers: as("fre_r"),
      payload: { answer: "I did not know the rule; we will stay here." },
    });
    expect(answer.statusCode).toBe(200);
    const back = await detail(caseId);
    expect(back.status).toBe("open");
    expect(back.clarifications[0]?.answer).toBe("I did not know the rule; we will stay here.");
    // Someone else cannot answer for them.
    const forged = await app.inject({
      method: "POST",
      url: `/v1/clarifications/${q?.id ?? ""}/answer`,
      headers: as("cli_r"),
      payload: { answer: "x" },
    });
    expect(forged.json<ErrorBody>().error.code).toBe("clarification_not_found");
    // An action sent twice with one key is taken once.
    const first = await act(
      caseId,
      "agt_2",
      { kind: "restrict", reason: "keeps steering off platform" },
      "restrict-fre-r-1",
    );
    const again = await act(
      caseId,
      "agt_2",
      { kind: "restrict", reason: "keeps steering off platform" },
      "restrict-fre-r-1",
    );
    expect(again.json<ActResult>().action.id).toBe(first.json<ActResult>().action.id);
    expect((await detail(caseId)).actions.filter((a) => a.kind === "restrict")).toHaveLength(1);
    // Restricted: no messages.
    expect((await send("fre_r", "cli_r", "hi")).json<ErrorBody>().error.code).toBe("account_cannot_act");
  });

  it("says what is wrong with an action, and writes nothing", async () => {
    await send("cli_e", "fre_e", "Can you give me your phone number? I'd rather pay you via Venmo directly.");
    const caseId = (await caseOf("cli_e"))?.id ?? "";
    const before = (await detail(caseId)).timeline.length;
    const bad = async (payload: object, code: string) => {
      const res = await act(caseId, "agt_1", payload);
      expect([JSON.stringify(payload), res.json<ErrorBody>().error.code]).toEqual([
        JSON.stringify(payload),
        code,
      ]);
    };
    await bad({ kind: "warn", reason: "x", warningKind: "other" }, "reason_required");
    await bad({ kind: "warn", reason: "a reason" }, "invalid_request");
    await bad({ kind: "nuke", reason: "a reason" }, "invalid_request");
    await bad(
      { kind: "clarify", reason: "a reason", defaultOutcome: "warn", deadline: "2020-01-01T00:00:00Z" },
      "deadline_out_of_range",
    );
    await bad(
      { kind: "confirm_off_platform", reason: "a reason", contractId: "ctr_nope" },
      "contract_not_found",
    );
    await bad({ kind: "release_message", reason: "a reason", messageId: "msg_nope" }, "message_not_found");
    expect(
      (await act(caseId, "cli_e", { kind: "dismiss", reason: "mine" })).json<ErrorBody>().error.code,
    ).toBe("not_allowed_for_actor");
    expect((await detail(caseId)).timeline.length).toBe(before);
  });

  it("makes automatic releases wait while the pair is under investigation, and freezes them while a party is suspended", async () => {
    const { contractId, milestoneId } = await fixedPrice("cli_e", "fre_e");
    expect((await milestone(milestoneId, "fund", "cli_e")).statusCode).toBe(200);
    expect((await milestone(milestoneId, "submit", "fre_e")).statusCode).toBe(200);
    // cli_e's case (held message above) is open: the auto-release waits past its day.
    later((DEFAULT_CONFIG.fixedPrice.autoReleaseDays + 1) * DAY);
    await runDueJobs(db(), now(), DEFAULT_CONFIG);
    expect(await milestoneStatus(milestoneId)).toBe("submitted");
    const caseId = (await caseOf("cli_e"))?.id ?? "";
    const evidence = await detail(caseId);
    expect(evidence.contracts.find((k) => k.id === contractId)).toMatchObject({
      inEscrow: "50000",
      releasesWait: true,
      releasesFrozen: false,
    });
    // The agent releases the held message and dismisses: the release goes ahead on the next run.
    const heldId = evidence.messages.find((m) => m.verdict === "hold")?.id ?? "";
    expect(
      (
        await act(caseId, "agt_1", {
          kind: "release_message",
          reason: "a misunderstanding",
          messageId: heldId,
        })
      ).statusCode,
    ).toBe(201);
    expect((await act(caseId, "agt_1", { kind: "dismiss", reason: "a misunderstanding" })).statusCode).toBe(
      201,
    );
    await runDueJobs(db(), now(), DEFAULT_CONFIG);
    expect(await milestoneStatus(milestoneId)).toBe("released");
    // The evidence shows the money: funded into escrow, then released (fee and freelancer's part).
    const money = (await app.inject({ url: `/v1/cases/${caseId}`, headers: as("agt_1") })).json<{
      money: { transferId: string; amount: string }[];
    }>().money;
    const ids = money.map((m) => m.transferId);
    expect(ids).toContain(`${milestoneId}:fund`);
    expect(ids.some((id) => id.startsWith(`${milestoneId}:auto_release`))).toBe(true);

    // A suspended freelancer: the client's approval of a submitted milestone is frozen.
    const next = await fixedPrice("cli_e", "fre_e");
    await milestone(next.milestoneId, "fund", "cli_e");
    await milestone(next.milestoneId, "submit", "fre_e");
    await send("fre_e", "cli_e", "Pay me through PayPal instead, it's cheaper for both of us.");
    const freCase = (await caseOf("fre_e"))?.id ?? "";
    expect(
      (await act(freCase, "agt_1", { kind: "suspend", reason: "asked to be paid outside" })).statusCode,
    ).toBe(201);
    const approve = await milestone(next.milestoneId, "approve", "cli_e");
    expect(approve.json<ErrorBody>().error.code).toBe("escrow_frozen");
    expect(await milestoneStatus(next.milestoneId)).toBe("submitted");
  });

  it("voids a contract's protection when off-platform payment is confirmed, and ends a removed account's contracts", async () => {
    const { contractId, milestoneId } = await fixedPrice("cli_r", "fre_r", "70000");
    await milestone(milestoneId, "fund", "cli_r");
    await send(
      "cli_r",
      "fre_r",
      "As agreed I sent the rest by bank transfer outside the platform, so we skip the fees.",
    );
    const caseId = (await caseOf("cli_r"))?.id ?? "";
    expect(caseId).not.toBe("");
    const voided = await act(caseId, "agt_2", {
      kind: "confirm_off_platform",
      reason: "both sides confirmed a bank transfer outside",
      contractId,
    });
    expect(voided.statusCode).toBe(201);
    expect(
      (
        await act(caseId, "agt_2", { kind: "confirm_off_platform", reason: "again", contractId })
      ).json<ErrorBody>().error.code,
    ).toBe("protection_already_void");
    // The freelancer, restricted from messaging, still acts on the contract: but a dispute is no longer eligible.
    const dispute = await milestone(milestoneId, "dispute", "fre_r");
    expect(dispute.json<ErrorBody>().error.code).toBe("protection_void");
    // Removal: the account closes, the contract ends, the unsubmitted escrow goes back to the client.
    expect(
      (await act(caseId, "agt_2", { kind: "remove", reason: "confirmed circumvention, second offence" }))
        .statusCode,
    ).toBe(201);
    expect(await milestoneStatus(milestoneId)).toBe("refunded");
    const evidence = (
      await app.inject({ url: `/v1/cases/${caseId}`, headers: as("agt_2") })
    ).json<CaseDetail>();
    expect(evidence.contracts.find((k) => k.id === contractId)).toMatchObject({
      protectionVoid: true,
      inEscrow: "0",
    });
    expect(evidence.timeline.map((e) => e.event)).toEqual(
      expect.arrayContaining(["contract.protection_voided", "contract.ended"]),
    );
    expect((await notices("cli_r")).status).toBe("removed");
  });

  it("weighs the reports of a reporter whose reports keep being dismissed less, and no longer opens cases on them alone", async () => {
    // cli_p reports four harmless messages from four freelancers; each case it opens is dismissed.
    const opened: boolean[] = [];
    for (const [i, fre] of ["fre_x1", "fre_x2", "fre_x3", "fre_x4"].entries()) {
      await app.inject({
        method: "POST",
        url: "/v1/accounts",
        headers: platform,
        payload: { id: fre, role: "freelancer", displayName: fre, country: "US", locale: "en-US" },
      });
      const sent = await send(fre, "cli_p", `Hello, happy to help with your project number ${i + 1}.`);
      const messageId = sent.json<{ id: string }>().id;
      const reported = await app.inject({
        method: "POST",
        url: `/v1/messages/${messageId}/report`,
        headers: as("cli_p"),
        payload: { reason: "off_platform_payment" },
      });
      expect(reported.statusCode).toBe(201);
      const c = await caseOf(fre);
      opened.push(c !== undefined);
      if (c !== undefined) await act(c.id, "agt_1", { kind: "dismiss", reason: "nothing off platform here" });
    }
    // Weights 1, 1, 1/2 still open a case; after three dismissals (1/4) a report no longer does alone.
    expect(opened).toEqual([true, true, true, false]);
    const risk = await app.inject({ url: "/v1/accounts/fre_x4/risk", headers: as("agt_1") });
    expect(risk.json<{ top: { signal: string; points: number }[] }>().top[0]).toMatchObject({
      signal: "counterparty_report",
      points: 5,
    });
    const reports = (await app.inject({ url: "/v1/reports", headers: as("agt_1") })).json<{
      reports: { senderId: string; dismissed: boolean }[];
      byMessage: { senderId: string; reporters: string[]; count: number }[];
    }>();
    expect(reports.reports.filter((r) => r.senderId.startsWith("fre_x")).map((r) => r.dismissed)).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(reports.byMessage.find((f) => f.senderId === "fre_x1")).toMatchObject({
      reporters: ["cli_p"],
      count: 1,
    });
  });
});
