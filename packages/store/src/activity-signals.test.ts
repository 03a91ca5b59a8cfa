import { addDays, type Currency, minor } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { recordHourlyTimeStopped, recordSilencesAfterContactExchange } from "./activity-signals.js";
import { listCases } from "./cases.js";
import { engines, migratedDb } from "./engines.test-helper.js";
import { createHourlyContract, logSegment } from "./hourly.js";
import { runDueJobs } from "./jobs.js";
import { type Screening, sendMessage } from "./messages.js";
import { createFixedPriceContract } from "./milestones.js";
import { createAccount, relationshipId } from "./people.js";

const USD = "USD" as Currency;
const hours = (t: Date, h: number): Date => new Date(t.getTime() + h * 3_600_000);

/** A screening stub: delivered, with a recorded scan that holds a contact detail (an email, C1) or nothing. */
const screened =
  (text: string, options: { detail?: boolean; stage?: string; signals?: string[] } = {}) =>
  (): Screening => ({
    verdict: "allow",
    delivery: "deliver",
    shownText: text,
    stage: options.stage ?? "pre_contract",
    scan: {
      rules: options.detail === true ? ["C1"] : [],
      findings:
        options.detail === true
          ? [{ rule: "C1", kind: "email", start: 0, end: 12, value: "me@mail.test", confidence: 0.95 }]
          : [],
    },
    signals: options.signals ?? [],
  });

describe.each(engines)("signals read from activity on $name", ({ open }) => {
  const dbOf = migratedDb(open);

  const person = async (id: string, role: "client" | "freelancer") => {
    const r = await createAccount(dbOf(), id, { role, displayName: id, country: "US", locale: "en" });
    if (!r.ok) throw new Error(r.message);
  };
  const pairOf = async (client: string, freelancer: string) => {
    await person(client, "client");
    await person(freelancer, "freelancer");
  };
  let seq = 0;
  /** Sends a message and returns its id. */
  const send = async (
    from: string,
    to: string,
    at: Date,
    options: { detail?: boolean; stage?: string; signals?: string[] } = {},
  ): Promise<string> => {
    const id = `msg_as_${++seq}`;
    const r = await sendMessage(
      dbOf(),
      { id, senderId: from, recipientId: to, text: `message ${seq}` },
      at,
      screened(`message ${seq}`, options),
    );
    if (!r.ok) throw new Error(r.message);
    return id;
  };
  /** A conversation of `n` messages an hour apart, client first; `detailAt` are the 1-based messages carrying a detail. */
  const converse = async (
    client: string,
    freelancer: string,
    start: Date,
    n: number,
    detailAt: number[],
    signalsAt: Record<number, string[]> = {},
  ): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 1; i <= n; i++) {
      const [from, to] = i % 2 === 1 ? [client, freelancer] : [freelancer, client];
      ids.push(
        await send(from, to, hours(start, i - 1), {
          detail: detailAt.includes(i),
          signals: signalsAt[i] ?? [],
        }),
      );
    }
    return ids;
  };
  const rows = async (signal: string, accountId?: string) =>
    (
      await dbOf().query<{
        account_id: string;
        relationship_id: string | null;
        message_id: string | null;
        at: Date;
      }>(
        `SELECT account_id, relationship_id, message_id, at FROM signal_events
         WHERE signal = $1 ${accountId === undefined ? "" : "AND account_id = $2"} ORDER BY id`,
        accountId === undefined ? [signal] : [signal, accountId],
      )
    ).rows.map((r) => ({
      accountId: r.account_id,
      relationshipId: r.relationship_id,
      messageId: r.message_id,
      at: new Date(r.at).toISOString(),
    }));

  describe("silence after a contact exchange", () => {
    const start = new Date("2026-04-06T09:00:00Z");
    const last = hours(start, 5);

    it("is recorded once, about the sender of the detail, and its risk can open a case", async () => {
      await pairOf("sl_c1", "sl_f1");
      // The freelancer proposed paying outside earlier and gives an email in the sixth of seven messages.
      const ids = await converse("sl_c1", "sl_f1", start, 7, [6], {
        2: ["off_platform_payment_proposed"],
        6: ["contact_before_contract"],
      });
      expect((await listCases(dbOf(), new Date())).some((c) => c.subjectId === "sl_f1")).toBe(false);

      expect(await recordSilencesAfterContactExchange(dbOf(), addDays(last, 2))).toBe(0);
      const now = hours(addDays(last, 3), 2);
      const first = await runDueJobs(dbOf(), now);
      expect(first.errors).toEqual([]);
      expect(first.signalsRecorded).toBeGreaterThanOrEqual(1);
      const expected = [
        {
          accountId: "sl_f1",
          relationshipId: relationshipId("sl_c1", "sl_f1"),
          messageId: ids[5],
          at: now.toISOString(),
        },
      ];
      expect(await rows("silence_after_contact_exchange", "sl_f1")).toEqual(expected);
      expect(await rows("silence_after_contact_exchange", "sl_c1")).toEqual([]);
      const opened = (await listCases(dbOf(), new Date())).find((c) => c.subjectId === "sl_f1");
      expect(opened).toMatchObject({ openedBecause: "risk_threshold" });

      // The clock again, now and later: nothing new.
      expect((await runDueJobs(dbOf(), now)).signalsRecorded).toBe(0);
      expect(await recordSilencesAfterContactExchange(dbOf(), addDays(now, 5))).toBe(0);
      expect(await rows("silence_after_contact_exchange", "sl_f1")).toEqual(expected);
    });

    it("is recorded again only after the pair spoke again and fell silent after another detail", async () => {
      await pairOf("sl_c2", "sl_f2");
      await converse("sl_c2", "sl_f2", start, 6, [6]);
      const now = addDays(last, 4);
      expect(await recordSilencesAfterContactExchange(dbOf(), now)).toBeGreaterThanOrEqual(1);
      expect(await rows("silence_after_contact_exchange", "sl_c2")).toHaveLength(0);
      expect(await rows("silence_after_contact_exchange", "sl_f2")).toHaveLength(1);
      // They talk again; the client now gives a detail, and the pair goes quiet.
      await send("sl_c2", "sl_f2", addDays(now, 1));
      const again = await send("sl_c2", "sl_f2", hours(addDays(now, 1), 1), { detail: true });
      const later = addDays(now, 5);
      await recordSilencesAfterContactExchange(dbOf(), later);
      await recordSilencesAfterContactExchange(dbOf(), later);
      expect(await rows("silence_after_contact_exchange", "sl_c2")).toEqual([
        {
          accountId: "sl_c2",
          relationshipId: relationshipId("sl_c2", "sl_f2"),
          messageId: again,
          at: later.toISOString(),
        },
      ]);
      expect(await rows("silence_after_contact_exchange", "sl_f2")).toHaveLength(1);
    });

    it("is recorded once when two workers run the clock at the same time", async () => {
      await pairOf("sl_c3", "sl_f3");
      await converse("sl_c3", "sl_f3", start, 7, [7]);
      const now = addDays(last, 6);
      const reports = await Promise.all([runDueJobs(dbOf(), now), runDueJobs(dbOf(), now)]);
      expect(reports.flatMap((r) => r.errors)).toEqual([]);
      expect(await rows("silence_after_contact_exchange", "sl_c3")).toHaveLength(1);
    });

    it("is not recorded with a contract, a short conversation, an older detail or a long-gone pair", async () => {
      await pairOf("sl_c4", "sl_f4");
      await converse("sl_c4", "sl_f4", start, 6, [6]);
      await createFixedPriceContract(
        dbOf(),
        { id: "ct_sl4", clientId: "sl_c4", freelancerId: "sl_f4", currency: USD },
        [{ id: "ms_sl4", amount: minor(10_000n) }],
      );
      await pairOf("sl_c5", "sl_f5");
      await converse("sl_c5", "sl_f5", start, 5, [5]);
      await pairOf("sl_c6", "sl_f6");
      await converse("sl_c6", "sl_f6", start, 6, [4]);
      await pairOf("sl_c7", "sl_f7");
      await converse("sl_c7", "sl_f7", addDays(start, -60), 6, [6]);
      for (const days of [3.1, 10, 40]) await runDueJobs(dbOf(), addDays(last, days));
      for (const id of ["sl_c4", "sl_f4", "sl_c5", "sl_f5", "sl_c6", "sl_f6", "sl_c7", "sl_f7"])
        expect(await rows("silence_after_contact_exchange", id)).toEqual([]);
    });
  });

  describe("hourly time stopped while talking", () => {
    const week1 = new Date("2026-06-01T00:00:00Z");
    const week2 = addDays(week1, 7);
    const week3 = addDays(week1, 14);
    const invoiceHour = hours(week3, 12);

    /** A pair with an hourly contract, `logged` segments in each listed week, and `talk` messages in week 2. */
    const hourlyPair = async (n: number, loggedWeeks: Date[], talk: number) => {
      const [client, freelancer, contract] = [`hr_c${n}`, `hr_f${n}`, `ct_hr${n}`];
      await pairOf(client, freelancer);
      await createHourlyContract(dbOf(), {
        id: contract,
        clientId: client,
        freelancerId: freelancer,
        currency: USD,
        hourlyRate: 6_000n,
        weeklyLimitHours: 40,
      });
      for (const w of loggedWeeks) {
        const r = await logSegment(
          dbOf(),
          contract,
          { start: hours(w, 10), tracked: true, memo: "work", activity: 60 },
          hours(w, 11),
        );
        expect(r).toMatchObject({ ok: true });
      }
      for (let i = 0; i < talk; i++)
        await send(
          i % 2 === 0 ? client : freelancer,
          i % 2 === 0 ? freelancer : client,
          hours(week2, 30 + i),
        );
      return freelancer;
    };

    it("is recorded once per week about the freelancer, once the week's time is final", async () => {
      const freelancer = await hourlyPair(1, [week1], 3);
      // Monday morning: last week's time may still be logged until its invoice is issued at noon.
      expect(await recordHourlyTimeStopped(dbOf(), hours(week3, 11))).toBe(0);
      const report = await runDueJobs(dbOf(), invoiceHour);
      expect(report.errors).toEqual([]);
      const expected = [
        {
          accountId: freelancer,
          relationshipId: relationshipId("hr_c1", freelancer),
          messageId: null,
          at: invoiceHour.toISOString(),
        },
      ];
      expect(await rows("hourly_time_stopped_while_talking", freelancer)).toEqual(expected);
      expect(await rows("hourly_time_stopped_while_talking", "hr_c1")).toEqual([]);
      expect((await runDueJobs(dbOf(), invoiceHour)).signalsRecorded).toBe(0);
      expect(await recordHourlyTimeStopped(dbOf(), addDays(invoiceHour, 3))).toBe(0);
      expect(await rows("hourly_time_stopped_while_talking", freelancer)).toEqual(expected);
    });

    it("is recorded once when two workers run the clock at the same time", async () => {
      const freelancer = await hourlyPair(2, [week1], 4);
      const reports = await Promise.all([runDueJobs(dbOf(), invoiceHour), runDueJobs(dbOf(), invoiceHour)]);
      expect(reports.flatMap((r) => r.errors)).toEqual([]);
      expect(await rows("hourly_time_stopped_while_talking", freelancer)).toHaveLength(1);
    });

    it("is not recorded when time was logged that week, never logged, or the pair hardly talked", async () => {
      const logged = await hourlyPair(3, [week1, week2], 3);
      const never = await hourlyPair(4, [], 3);
      const quiet = await hourlyPair(5, [week1], 2);
      await runDueJobs(dbOf(), invoiceHour);
      await runDueJobs(dbOf(), addDays(invoiceHour, 1));
      for (const id of [logged, never, quiet])
        expect(await rows("hourly_time_stopped_while_talking", id)).toEqual([]);
    });
  });

  describe("a new account's contact burst", () => {
    const start = new Date("2026-08-03T09:00:00Z");

    it("is recorded once, at the send that reaches a third counterparty", async () => {
      await person("nb_c1", "client");
      for (const f of ["nb_f1", "nb_f2", "nb_f3", "nb_f4"]) await person(f, "freelancer");
      await send("nb_c1", "nb_f1", start);
      await send("nb_c1", "nb_f1", hours(start, 1), { detail: true });
      await send("nb_c1", "nb_f2", hours(start, 2), { detail: true });
      await send("nb_c1", "nb_f2", hours(start, 3), { detail: true });
      expect(await rows("new_account_contact_burst", "nb_c1")).toEqual([]);
      const third = await send("nb_c1", "nb_f3", hours(start, 4), { detail: true });
      await send("nb_c1", "nb_f4", hours(start, 5), { detail: true });
      await send("nb_c1", "nb_f3", hours(start, 6), { detail: true });
      expect(await rows("new_account_contact_burst", "nb_c1")).toEqual([
        {
          accountId: "nb_c1",
          relationshipId: relationshipId("nb_c1", "nb_f3"),
          messageId: third,
          at: hours(start, 4).toISOString(),
        },
      ]);
    });

    it("is recorded once when the sends race", async () => {
      await person("nb_c2", "client");
      const freelancers = ["nb_r1", "nb_r2", "nb_r3", "nb_r4"];
      for (const f of freelancers) await person(f, "freelancer");
      await send("nb_c2", "nb_r1", start);
      await Promise.all(freelancers.map((f, i) => send("nb_c2", f, hours(start, 1 + i), { detail: true })));
      expect(await rows("new_account_contact_burst", "nb_c2")).toHaveLength(1);
    });

    it("is not recorded for an old account, after the first messages, in contracts, or to two people", async () => {
      const freelancers = ["nb_n1", "nb_n2", "nb_n3"];
      for (const f of freelancers) await person(f, "freelancer");
      // Old: its first message was more than a week before the burst.
      await person("nb_old", "client");
      await send("nb_old", "nb_n1", start);
      for (const f of freelancers) await send("nb_old", f, addDays(start, 8), { detail: true });
      // Its first twenty messages were plain.
      await person("nb_late", "client");
      for (let i = 0; i < 20; i++) await send("nb_late", "nb_n1", hours(start, i));
      for (const f of freelancers) await send("nb_late", f, hours(start, 21), { detail: true });
      // Details shared under active contracts are allowed.
      await person("nb_hired", "client");
      for (const f of freelancers)
        await send("nb_hired", f, hours(start, 1), { detail: true, stage: "contract_active" });
      // Many details, two people.
      await person("nb_two", "client");
      for (let i = 0; i < 6; i++)
        await send("nb_two", i % 2 === 0 ? "nb_n1" : "nb_n2", hours(start, i), { detail: true });
      for (const id of ["nb_old", "nb_late", "nb_hired", "nb_two"])
        expect(await rows("new_account_contact_burst", id)).toEqual([]);
    });
  });
});
