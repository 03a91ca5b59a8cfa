import { addDays, type Currency } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { recordContractEndedAfterContactExchange } from "./activity-signals.js";
import { auditLogOf } from "./audit.js";
import { openOrRaiseCase } from "./cases.js";
import { endContract } from "./contract-end.js";
import { actOnCase } from "./enforcement.js";
import { engines, migratedDb } from "./engines.test-helper.js";
import { createHourlyContract, logSegment } from "./hourly.js";
import { issueWeeklyInvoices } from "./invoices.js";
import { runDueJobs } from "./jobs.js";
import { type Screening, sendMessage } from "./messages.js";
import { actOnMilestone, createFixedPriceContract } from "./milestones.js";
import { createAccount, relationshipId } from "./people.js";

const USD = "USD" as Currency;
const SIGNAL = "contract_ended_after_contact_exchange";
const hours = (t: Date, h: number): Date => new Date(t.getTime() + h * 3_600_000);

/** A screening stub: delivered, with a recorded scan holding a contact detail (an email, C1) or nothing. */
const screened = (text: string, detail: boolean, stage: string) => (): Screening => ({
  verdict: "allow",
  delivery: "deliver",
  shownText: text,
  stage,
  scan: {
    rules: detail ? ["C1"] : [],
    findings: detail
      ? [{ rule: "C1", kind: "email", start: 0, end: 12, value: "me@mail.test", confidence: 0.95 }]
      : [],
  },
  signals: [],
});

describe.each(engines)("ending a contract, and the signal it may raise, on $name", ({ open }) => {
  const dbOf = migratedDb(open);
  const start = new Date("2026-09-07T09:00:00Z");

  let seq = 0;
  const send = async (from: string, to: string, at: Date, detail = false): Promise<string> => {
    const id = `msg_ce_${++seq}`;
    const r = await sendMessage(
      dbOf(),
      { id, senderId: from, recipientId: to, text: `message ${seq}` },
      at,
      screened(`message ${seq}`, detail, "contract_active"),
    );
    if (!r.ok) throw new Error(r.message);
    return id;
  };
  /** A pair and a fixed-price contract with these milestone amounts; the pair has said hello. */
  const fixedPair = async (n: number, amounts: bigint[]) => {
    const [client, freelancer, contract] = [`ce_c${n}`, `ce_f${n}`, `ct_ce${n}`];
    for (const [id, role] of [
      [client, "client"],
      [freelancer, "freelancer"],
    ] as const) {
      const r = await createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en" });
      if (!r.ok) throw new Error(r.message);
    }
    await send(client, freelancer, start);
    await createFixedPriceContract(
      dbOf(),
      { id: contract, clientId: client, freelancerId: freelancer, currency: USD },
      amounts.map((amount, i) => ({ id: `${contract}_m${i + 1}`, amount })),
    );
    return { client, freelancer, contract, pair: relationshipId(client, freelancer) };
  };
  const rows = async (accountId: string) =>
    (
      await dbOf().query<{ relationship_id: string; message_id: string; at: Date }>(
        "SELECT relationship_id, message_id, at FROM signal_events WHERE signal = $1 AND account_id = $2 ORDER BY id",
        [SIGNAL, accountId],
      )
    ).rows.map((r) => ({
      relationshipId: r.relationship_id,
      messageId: r.message_id,
      at: new Date(r.at).toISOString(),
    }));
  const pay = async (milestoneId: string, at: Date) => {
    for (const action of [
      { type: "fund", by: "client" },
      { type: "submit", by: "freelancer" },
      { type: "approve", by: "client" },
    ] as const)
      expect(await actOnMilestone(dbOf(), milestoneId, action, at)).toMatchObject({ ok: true });
  };

  it("is recorded once, about each party who sent a detail in the 14 days before, when nothing was paid", async () => {
    const { client, freelancer, contract, pair } = await fixedPair(1, [40_000n, 60_000n]);
    // The freelancer's detail 20 days before the end is too old; the one 5 days before, and a later one, count.
    await send(freelancer, client, addDays(start, 1), true);
    await send(freelancer, client, addDays(start, 16), true);
    const latest = await send(freelancer, client, addDays(start, 17), true);
    await send(client, freelancer, addDays(start, 18));
    const endAt = addDays(start, 21);
    const ended = await endContract(dbOf(), contract, client, "we are done here", endAt);
    expect(ended).toMatchObject({ ok: true, value: { contractId: contract, endedAt: endAt } });
    const expected = [{ relationshipId: pair, messageId: latest, at: endAt.toISOString() }];
    expect(await rows(freelancer)).toEqual(expected);
    // The client sent no detail.
    expect(await rows(client)).toEqual([]);
    // Once per contract: recording again for the same end writes nothing.
    expect(await recordContractEndedAfterContactExchange(dbOf(), contract, endAt)).toBe(0);
    expect(await endContract(dbOf(), contract, client, "again", addDays(endAt, 1))).toMatchObject({
      ok: false,
      code: "contract_ended",
    });
    expect(await rows(freelancer)).toEqual(expected);
    // In the audit log like the other signals, and the end itself, about both parties.
    const log = await auditLogOf(dbOf(), { subjectId: freelancer });
    expect(log.filter((e) => e.event === "signal.recorded").map((e) => e.change)).toEqual([
      {
        signal: SIGNAL,
        relationshipId: pair,
        messageId: latest,
        contractId: contract,
        paidMinor: "0",
        valueMinor: "100000",
      },
    ]);
    for (const who of [client, freelancer])
      expect(
        (await auditLogOf(dbOf(), { subjectId: who })).filter((e) => e.event === "contract.ended"),
      ).toEqual([
        expect.objectContaining({
          actorId: client,
          reason: "we are done here",
          change: { contractId: contract, endedBecause: "ended_by_party" },
        }),
      ]);
  });

  it("is not recorded when no detail was exchanged, or when most of the contract was paid", async () => {
    const quiet = await fixedPair(2, [10_000n]);
    await send(quiet.freelancer, quiet.client, addDays(start, 2));
    expect(
      await endContract(dbOf(), quiet.contract, quiet.client, "no longer needed", addDays(start, 3)),
    ).toMatchObject({ ok: true });
    // Half paid: one of two equal milestones released, then the contract is ended.
    const paid = await fixedPair(3, [10_000n, 10_000n]);
    await send(paid.freelancer, paid.client, addDays(start, 2), true);
    await pay(`${paid.contract}_m1`, addDays(start, 2));
    expect(
      await endContract(dbOf(), paid.contract, paid.freelancer, "scope changed", addDays(start, 3)),
    ).toMatchObject({
      ok: true,
    });
    for (const who of [quiet.client, quiet.freelancer, paid.client, paid.freelancer])
      expect(await rows(who)).toEqual([]);
  });

  it("counts a little paid as nothing paid: under a fifth released is little", async () => {
    // One of six equal milestones released (about 17%).
    const { client, freelancer, contract } = await fixedPair(
      4,
      Array.from({ length: 6 }, () => 5_000n),
    );
    await pay(`${contract}_m1`, addDays(start, 1));
    await send(client, freelancer, addDays(start, 2), true);
    expect(await endContract(dbOf(), contract, client, "stopping", addDays(start, 4))).toMatchObject({
      ok: true,
    });
    expect(await rows(client)).toHaveLength(1);
    expect(await rows(freelancer)).toEqual([]);
  });

  it("refuses to end a fixed-price contract while escrow is held, and says what to do", async () => {
    const { client, contract } = await fixedPair(5, [10_000n, 20_000n]);
    expect(
      await actOnMilestone(dbOf(), `${contract}_m2`, { type: "fund", by: "client" }, start),
    ).toMatchObject({
      ok: true,
    });
    const refused = await endContract(dbOf(), contract, client, "stop", hours(start, 1));
    expect(refused).toMatchObject({ ok: false, code: "escrow_held" });
    expect(refused.ok ? "" : refused.message).toMatch(/approves.*refund.*dispute/);
    const row = (
      await dbOf().query<{ ended_at: Date | null }>("SELECT ended_at FROM contracts WHERE id = $1", [
        contract,
      ])
    ).rows[0];
    expect(row?.ended_at).toBeNull();
  });

  it("ends an hourly contract at any time: time before the end is logged and invoiced, none from the end on", async () => {
    const [client, freelancer, contract] = ["ce_hc", "ce_hf", "ct_ce_h"];
    for (const [id, role] of [
      [client, "client"],
      [freelancer, "freelancer"],
    ] as const)
      await createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en" });
    await createHourlyContract(dbOf(), {
      id: contract,
      clientId: client,
      freelancerId: freelancer,
      currency: USD,
      hourlyRate: 6_000n,
      weeklyLimitHours: 40,
    });
    const week1 = new Date("2026-10-05T00:00:00Z");
    const seg = (at: Date) => ({ start: at, tracked: true, memo: "work", activity: 60 });
    expect(await logSegment(dbOf(), contract, seg(hours(week1, 10)), hours(week1, 11))).toMatchObject({
      ok: true,
    });
    // The pair exchanged a detail; no invoice yet, so nothing was paid: the end raises the signal.
    await send(freelancer, client, hours(week1, 12), true);
    const endAt = hours(week1, 30);
    expect(await endContract(dbOf(), contract, freelancer, "project cancelled", endAt)).toMatchObject({
      ok: true,
    });
    expect(await rows(freelancer)).toHaveLength(1);
    // A segment from before the end may still be logged; one at or after it may not.
    expect(await logSegment(dbOf(), contract, seg(hours(week1, 29)), hours(week1, 31))).toMatchObject({
      ok: true,
      value: { logged: true },
    });
    for (const at of [endAt, hours(week1, 30.5)])
      expect(await logSegment(dbOf(), contract, seg(at), hours(week1, 31))).toMatchObject({
        ok: false,
        code: "contract_ended",
      });
    // The pair keeps talking the next week: the time stopped because the contract ended, not a signal.
    const week2 = addDays(week1, 7);
    for (let i = 0; i < 4; i++)
      await send(i % 2 === 0 ? client : freelancer, i % 2 === 0 ? freelancer : client, hours(week2, 30 + i));
    const report = await runDueJobs(dbOf(), hours(addDays(week1, 14), 12));
    expect(report.errors).toEqual([]);
    const stopped = await dbOf().query(
      "SELECT 1 FROM signal_events WHERE signal = 'hourly_time_stopped_while_talking' AND account_id = $1",
      [freelancer],
    );
    expect(stopped.rows).toEqual([]);
    // The week's logged time was invoiced.
    const billed = await dbOf().query<{ billed: string }>(
      "SELECT billed::text AS billed FROM weekly_invoices WHERE contract_id = $1 AND week_start = $2",
      [contract, week1],
    );
    expect(billed.rows[0]?.billed).toBe("2000");
    // No invoice for a week that began after the end: the contract ran no more, so there is nothing to bill.
    const weeks = await dbOf().query<{ week_start: Date }>(
      "SELECT week_start FROM weekly_invoices WHERE contract_id = $1 ORDER BY week_start",
      [contract],
    );
    expect(weeks.rows.map((r) => new Date(r.week_start).toISOString())).toEqual([week1.toISOString()]);
    expect(
      await issueWeeklyInvoices(dbOf(), hours(addDays(week1, 21), 12)).then((issued) =>
        issued.filter((i) => i.contractId === contract),
      ),
    ).toEqual([]);
  });

  it("is recorded when a removal ends the contract, about the detail's sender on either side", async () => {
    const { client, freelancer, contract, pair } = await fixedPair(6, [30_000n]);
    const agent = "ce_agent";
    await createAccount(dbOf(), agent, { role: "agent", displayName: agent, country: "US", locale: "en" });
    // The client funds, then both exchange details; the client is removed before anything is paid.
    expect(
      await actOnMilestone(dbOf(), `${contract}_m1`, { type: "fund", by: "client" }, start),
    ).toMatchObject({
      ok: true,
    });
    const fromClient = await send(client, freelancer, addDays(start, 1), true);
    const fromFreelancer = await send(freelancer, client, addDays(start, 1.5), true);
    const removedAt = addDays(start, 2);
    const c = await openOrRaiseCase(dbOf(), client, "report", 10, removedAt);
    const removed = await actOnCase(
      dbOf(),
      c.id,
      agent,
      { kind: "remove", reason: "confirmed circumvention" },
      removedAt,
    );
    expect(removed).toMatchObject({ ok: true });
    const ended = (
      await dbOf().query<{ ended_because: string }>("SELECT ended_because FROM contracts WHERE id = $1", [
        contract,
      ])
    ).rows[0];
    expect(ended?.ended_because).toBe("account_removed");
    expect(await rows(client)).toEqual([
      { relationshipId: pair, messageId: fromClient, at: removedAt.toISOString() },
    ]);
    expect(await rows(freelancer)).toEqual([
      { relationshipId: pair, messageId: fromFreelancer, at: removedAt.toISOString() },
    ]);
  });
});
