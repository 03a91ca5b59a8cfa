import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, testApp } from "./test-app.test-helper.js";

const NOW = new Date("2026-11-26T15:00:00Z");

describe.each(engines)("admin and agent scopes over HTTP on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(db(), () => NOW, [
      ["adm_1", "admin"],
      ["adm_2", "admin"],
      ["agt_1", "agent"],
      ["cli_1", "client"],
      ["cli_2", "client"],
      ["fre_1", "freelancer"],
    ]);
  });

  const create = (who: string, id: string, role: string) =>
    app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: as(who),
      payload: { id, role, displayName: id, country: "GB", locale: "en-GB" },
    });
  const setStatus = (headers: Record<string, string>, id: string, status: string, reason: string) =>
    app.inject({ method: "POST", url: `/v1/accounts/${id}/status`, headers, payload: { status, reason } });

  it("lets an admin create accounts of any role, and nobody else acting as a user", async () => {
    expect((await create("adm_1", "agt_new", "agent")).statusCode).toBe(201);
    for (const who of ["agt_1", "cli_1", "fre_1"]) {
      const res = await create(who, `x_${who}`, "client");
      expect(res.statusCode).toBe(403);
      expect(res.json<ErrorBody>().error.code).toBe("forbidden");
    }
  });

  it("lets an admin change a status with a reason, kept in the account's history", async () => {
    const suspended = await setStatus(as("adm_1"), "cli_1", "suspended", "paid outside after a warning");
    expect(suspended.statusCode).toBe(200);
    expect(suspended.json<{ status: string }>().status).toBe("suspended");
    // Suspended: the account reaches only its notices, questions and appeals.
    const send = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_1"),
      payload: { recipientId: "fre_1", text: "hello" },
    });
    expect(send.json<ErrorBody>().error.code).toBe("account_suspended");
    expect((await setStatus(platform, "cli_1", "active", "appeal upheld")).statusCode).toBe(200);
    const history = await app.inject({ url: "/v1/accounts/cli_1/status-changes", headers: as("cli_1") });
    expect(history.json<{ changes: unknown[] }>().changes).toEqual([
      {
        from: "active",
        to: "suspended",
        reason: "paid outside after a warning",
        changedBy: "adm_1",
        changedAt: NOW.toISOString(),
      },
      {
        from: "suspended",
        to: "active",
        reason: "appeal upheld",
        changedBy: null,
        changedAt: NOW.toISOString(),
      },
    ]);
    // The history is kept as written, whoever asks the database.
    await expect(db().query("UPDATE account_status_changes SET reason = 'nothing'")).rejects.toThrow(
      /account_status_changes is append-only: UPDATE refused/,
    );
    await expect(db().query("DELETE FROM account_status_changes")).rejects.toThrow(/append-only/);
    expect(
      (await app.inject({ url: "/v1/accounts/cli_1/status-changes", headers: as("agt_1") })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ url: "/v1/accounts/cli_1/status-changes", headers: as("cli_2") })).statusCode,
    ).toBe(403);
  });

  it("says what is wrong with a status change", async () => {
    const cases: [Record<string, string>, string, string, string, number, string][] = [
      [as("agt_1"), "cli_2", "restricted", "spam", 403, "forbidden"],
      [as("cli_2"), "cli_2", "active", "mine", 403, "forbidden"],
      [as("adm_1"), "adm_1", "removed", "leaving", 403, "own_status"],
      [as("adm_1"), "cli_2", "active", "nothing to do", 409, "status_unchanged"],
      [as("adm_1"), "cli_2", "restricted", " ", 422, "reason_required"],
      [as("adm_1"), "nobody", "restricted", "who?", 404, "account_not_found"],
      [as("adm_1"), "cli_2", "banned", "no such status", 400, "invalid_request"],
    ];
    for (const [headers, id, status, reason, code, name] of cases) {
      const res = await setStatus(headers, id, status, reason);
      expect([res.statusCode, res.json<ErrorBody>().error.code], `${id} -> ${status}`).toEqual([code, name]);
    }
    // Nothing was written by the refusals.
    const history = await app.inject({ url: "/v1/accounts/cli_2/status-changes", headers: platform });
    expect(history.json<{ changes: unknown[] }>().changes).toEqual([]);
  });

  it("changes a status once when the change is sent twice with one key", async () => {
    const headers = { ...as("adm_1"), "idempotency-key": "status-key-0001" };
    const first = await setStatus(headers, "fre_1", "restricted", "shared a phone number twice");
    expect(first.statusCode).toBe(200);
    const again = await setStatus(headers, "fre_1", "restricted", "shared a phone number twice");
    expect([again.statusCode, again.json()]).toEqual([200, first.json()]);
    const other = await setStatus(headers, "fre_1", "suspended", "shared a phone number twice");
    expect(other.json<ErrorBody>().error.code).toBe("idempotency_key_reused");
    const history = await app.inject({ url: "/v1/accounts/fre_1/status-changes", headers: platform });
    expect(history.json<{ changes: unknown[] }>().changes).toHaveLength(1);
  });

  it("lets one admin restrict another, who then may no longer manage accounts", async () => {
    expect((await setStatus(as("adm_1"), "adm_2", "restricted", "under review")).statusCode).toBe(200);
    expect((await setStatus(as("adm_2"), "cli_2", "restricted", "spam")).json<ErrorBody>().error.code).toBe(
      "account_cannot_act",
    );
  });
});
