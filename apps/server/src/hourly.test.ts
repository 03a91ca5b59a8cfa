import { accounts, type Currency } from "@leakguard/domain";
import { balanceOf, issueWeeklyInvoices, lapseInvoiceDisputes } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, testApp } from "./test-app.test-helper.js";

const NOW = new Date("2026-11-26T15:00:00Z");
let keys = 0;
const nextKey = () => `hourly-test-key-${++keys}`;

describe.each(engines)("hourly contracts over HTTP on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let contractId = "";
  beforeAll(async () => {
    app = await testApp(db(), () => NOW, [
      ["cli_h", "client"],
      ["fre_h", "freelancer"],
      ["fre_x", "freelancer"],
      ["agt_h", "agent"],
    ]);
    const made = await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_h"),
      payload: { freelancerId: "fre_h", currency: "USD", hourlyRate: "6000", weeklyLimitHours: 10 },
    });
    expect(made.statusCode).toBe(201);
    contractId = made.json<{ id: string }>().id;
  });

  const log = (who: string, start: string, tracked = true, memo = "checkout flow", activity = 60) =>
    app.inject({
      method: "POST",
      url: `/v1/contracts/${contractId}/time`,
      headers: as(who),
      payload: { start, tracked, memo, activity },
    });

  it("opens one hourly contract for a creation sent twice with one key", async () => {
    const create = (rate: string) =>
      app.inject({
        method: "POST",
        url: "/v1/contracts/hourly",
        headers: { ...as("cli_h"), "idempotency-key": "hourly-key-01" },
        payload: { freelancerId: "fre_h", currency: "USD", hourlyRate: rate, weeklyLimitHours: 10 },
      });
    const first = await create("6000");
    expect(first.statusCode).toBe(201);
    expect((await create("6000")).json()).toEqual(first.json());
    expect((await create("7000")).json<ErrorBody>().error.code).toBe("idempotency_key_reused");
  });

  it("refuses an hourly rate above 1,000,000.00 an hour", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_h"),
      payload: { freelancerId: "fre_h", currency: "USD", hourlyRate: "100000001", weeklyLimitHours: 10 },
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toMatch(/at most 100000000 minor units an hour/);
  });

  it("logs a segment once, and only the freelancer logs", async () => {
    const first = await log("fre_h", "2026-11-17T09:00:00Z");
    expect(first.json<{ logged: boolean }>()).toEqual({ logged: true });
    expect((await log("fre_h", "2026-11-17T09:00:00Z")).json<{ logged: boolean }>()).toEqual({
      logged: false,
    });
    const byClient = await log("cli_h", "2026-11-17T09:10:00Z");
    expect(byClient.statusCode).toBe(403);
    const stranger = await log("fre_x", "2026-11-17T09:10:00Z");
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json<ErrorBody>().error.code).toBe("contract_not_found");
  });

  it("says what is wrong with a segment", async () => {
    const off = await log("fre_h", "2026-11-17T09:05:00Z");
    expect(off.statusCode).toBe(422);
    expect(off.json<ErrorBody>().error.code).toBe("segment_not_aligned");
    const future = await log("fre_h", "2026-12-01T09:00:00Z");
    expect(future.json<ErrorBody>().error.code).toBe("segment_in_the_future");
    const noDate = await log("fre_h", "next tuesday");
    expect(noDate.statusCode).toBe(400);
  });

  it("refuses dates PostgreSQL cannot hold, or a week on from them, with a coded 400 instead of a 500", async () => {
    const start = await log("fre_h", "0000-01-01T00:00:00Z");
    expect(start.statusCode).toBe(400);
    expect(start.json<ErrorBody>().error.code).toBe("invalid_request");
    const lastWeek = await app.inject({
      url: `/v1/contracts/${contractId}/time?week=9999-12-31`,
      headers: as("cli_h"),
    });
    expect(lastWeek.statusCode).toBe(400);
    const yearZero = await app.inject({
      method: "POST",
      url: `/v1/contracts/${contractId}/invoices/0000-01-03/dispute`,
      headers: { ...as("cli_h"), "idempotency-key": nextKey() },
    });
    expect(yearZero.statusCode).toBe(400);
    expect(yearZero.json<ErrorBody>().error.code).toBe("invalid_request");
  });

  it("shows each invoice's protected amount and why the rest is not, to the pair only", async () => {
    await log("fre_h", "2026-11-17T09:10:00Z", false, "by hand", 0);
    await log("fre_h", "2026-11-17T09:20:00Z", true, "", 50);
    await issueWeeklyInvoices(db(), NOW);
    const res = await app.inject({ url: `/v1/contracts/${contractId}/invoices`, headers: as("cli_h") });
    expect(res.statusCode).toBe(200);
    const [invoice] = res.json<{
      invoices: {
        billed: string;
        protected: string;
        unprotected: Record<string, { segments: number; amount: string }>;
      }[];
    }>().invoices;
    // Three segments at 60.00/h: 10.00 each; only the tracked one with a memo and activity is protected.
    expect(invoice?.billed).toBe("3000");
    expect(invoice?.protected).toBe("1000");
    expect(invoice?.unprotected.manual_time).toEqual({ segments: 1, amount: "1000" });
    expect(invoice?.unprotected.no_memo).toEqual({ segments: 1, amount: "1000" });
    expect(
      (await app.inject({ url: `/v1/contracts/${contractId}/invoices`, headers: as("fre_x") })).statusCode,
    ).toBe(404);
  });

  it("lets the client dispute an invoice once and the freelancer answer once", async () => {
    const dispute = (who: string, payload?: object) =>
      app.inject({
        method: "POST",
        url: `/v1/contracts/${contractId}/invoices/2026-11-16/dispute`,
        headers: { ...as(who), "idempotency-key": nextKey() },
        ...(payload ? { payload } : {}),
      });
    const noKey = await app.inject({
      method: "POST",
      url: `/v1/contracts/${contractId}/invoices/2026-11-16/dispute`,
      headers: as("cli_h"),
    });
    expect(noKey.statusCode).toBe(400);
    const opened = await dispute("cli_h");
    expect(opened.statusCode).toBe(200);
    expect(opened.json<{ dispute: { answerBy: string } }>().dispute.answerBy).toBe(
      "2026-11-29T15:00:00.000Z",
    );
    expect((await dispute("cli_h")).json<ErrorBody>().error.code).toBe("invoice_already_disputed");
    expect((await dispute("fre_x", { accept: true })).statusCode).toBe(404);
    expect((await dispute("fre_h")).json<ErrorBody>().error.code).toBe("invalid_request");
    const answered = await dispute("fre_h", { accept: false });
    expect(answered.json<{ dispute: { outcome: string } }>().dispute.outcome).toBe("contested");
    expect((await dispute("fre_h", { accept: true })).json<ErrorBody>().error.code).toBe(
      "dispute_already_answered",
    );
    const listed = await app.inject({ url: `/v1/contracts/${contractId}/invoices`, headers: as("fre_h") });
    expect(
      listed.json<{ invoices: { dispute?: { outcome?: string } }[] }>().invoices[0]?.dispute?.outcome,
    ).toBe("contested");
    const noInvoice = await app.inject({
      method: "POST",
      url: `/v1/contracts/${contractId}/invoices/2026-11-09/dispute`,
      headers: { ...as("cli_h"), "idempotency-key": nextKey() },
    });
    expect(noInvoice.json<ErrorBody>().error.code).toBe("invoice_not_found");
  });

  it("lapses a dispute the freelancer leaves unanswered, once", async () => {
    const made = await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_h"),
      payload: { freelancerId: "fre_h", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 10 },
    });
    const id = made.json<{ id: string }>().id;
    await app.inject({
      method: "POST",
      url: `/v1/contracts/${id}/time`,
      headers: as("fre_h"),
      payload: { start: "2026-11-18T10:00:00Z", tracked: true, memo: "db", activity: 70 },
    });
    await issueWeeklyInvoices(db(), NOW);
    await app.inject({
      method: "POST",
      url: `/v1/contracts/${id}/invoices/2026-11-16/dispute`,
      headers: { ...as("cli_h"), "idempotency-key": nextKey() },
    });
    const later = new Date(NOW.getTime() + 4 * 86_400_000);
    expect(await lapseInvoiceDisputes(db(), later)).toBe(1);
    expect(await lapseInvoiceDisputes(db(), later)).toBe(0);
    const listed = await app.inject({ url: `/v1/contracts/${id}/invoices`, headers: as("cli_h") });
    expect(
      listed.json<{ invoices: { dispute?: { outcome?: string } }[] }>().invoices[0]?.dispute?.outcome,
    ).toBe("lapsed");
  });

  it("lets only an agent decide a contested dispute, within the unprotected part, once per key", async () => {
    const resolve = (who: string, refund: string, key: string) =>
      app.inject({
        method: "POST",
        url: `/v1/contracts/${contractId}/invoices/2026-11-16/resolve`,
        headers: { ...as(who), "idempotency-key": key },
        payload: { refund },
      });
    // The first contract's invoice was contested above: 30.00 billed, 10.00 protected.
    expect((await resolve("cli_h", "0", "resolve-key-1")).json<ErrorBody>().error.code).toBe(
      "not_allowed_for_actor",
    );
    const tooMuch = await resolve("agt_h", "2001", "resolve-key-2");
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json<ErrorBody>().error.code).toBe("refund_out_of_range");
    const before = await balanceOf(db(), accounts.pending("fre_h", "USD" as Currency));
    const decided = await resolve("agt_h", "1500", "resolve-key-3");
    expect(decided.statusCode).toBe(200);
    expect(decided.json<{ settlement: object }>().settlement).toMatchObject({
      kind: "resolved",
      refunded: "1500",
      released: "1500",
      resolvedBy: "agt_h",
    });
    // Sent twice with one key: the first answer, and the money moved once.
    expect((await resolve("agt_h", "1500", "resolve-key-3")).json()).toEqual(decided.json());
    expect((await resolve("agt_h", "1000", "resolve-key-3")).json<ErrorBody>().error.code).toBe(
      "idempotency_key_reused",
    );
    expect((await resolve("agt_h", "1500", "resolve-key-4")).json<ErrorBody>().error.code).toBe(
      "invoice_already_settled",
    );
    expect(await balanceOf(db(), accounts.pending("fre_h", "USD" as Currency))).toBe(before + 1_350n);
  });

  it("refunds once when the freelancer's acceptance is sent twice with one key", async () => {
    const made = await app.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_h"),
      payload: { freelancerId: "fre_h", currency: "USD", hourlyRate: "6000", weeklyLimitHours: 10 },
    });
    const id = made.json<{ id: string }>().id;
    await app.inject({
      method: "POST",
      url: `/v1/contracts/${id}/time`,
      headers: as("fre_h"),
      payload: { start: "2026-11-19T10:00:00Z", tracked: true, memo: "tests", activity: 40 },
    });
    await issueWeeklyInvoices(db(), NOW);
    const url = `/v1/contracts/${id}/invoices/2026-11-16/dispute`;
    const open = () =>
      app.inject({ method: "POST", url, headers: { ...as("cli_h"), "idempotency-key": "open-twice-key" } });
    const opened = await open();
    expect(opened.statusCode).toBe(200);
    // The client's dispute sent twice with one key: the first answer, not invoice_already_disputed.
    expect((await open()).json()).toEqual(opened.json());
    const accept = () =>
      app.inject({
        method: "POST",
        url,
        headers: { ...as("fre_h"), "idempotency-key": "accept-twice-key" },
        payload: { accept: true },
      });
    const first = await accept();
    expect(first.json<{ settlement: object }>().settlement).toMatchObject({
      kind: "accepted",
      refunded: "1000",
    });
    expect((await accept()).json()).toEqual(first.json());
    const refunds = await db().query("SELECT id FROM ledger_transfers WHERE id LIKE $1", [
      `invoice:${id}:%:settle:refund`,
    ]);
    expect(refunds.rows).toHaveLength(1);
  });
});
