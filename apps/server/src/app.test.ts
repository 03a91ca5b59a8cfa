import { migrate, openDb } from "@leakguard/store";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { type ErrorBody, STATUS_OF } from "./errors.js";

const KEY = "lg_test_key";
const bearer = { authorization: `Bearer ${KEY}` };
const as = (id: string) => ({ ...bearer, "leakguard-act-as": id });

describe.each(engines)("HTTP API on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  // A clock that ticks a second per reading, so messages sent one after another are ordered.
  let tick = 0;
  const clock = () => new Date(Date.UTC(2026, 10, 2, 10, 0, tick++));
  beforeAll(async () => {
    app = await buildApp({ db: db(), apiKeyHashes: [sha256Hex(KEY)], now: clock });
    for (const [id, role] of [
      ["cli_a", "client"],
      ["cli_b", "client"],
      ["fre_a", "freelancer"],
      ["fre_b", "freelancer"],
      ["agent_1", "agent"],
    ] as const) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/accounts",
        headers: bearer,
        payload: { id, role, displayName: id, country: "US", locale: "en-US" },
      });
      expect(res.statusCode).toBe(201);
    }
  });

  it("is ready while its database answers, and says so, with 503, when it does not", async () => {
    expect((await app.inject("/readyz")).json()).toEqual({ ready: true });
    const lone = await openDb({ engine: "pglite" });
    await migrate(lone);
    const cut = await buildApp({ db: lone, apiKeyHashes: [] });
    await lone.close();
    const res = await cut.inject("/readyz");
    expect(res.statusCode).toBe(503);
    expect(res.json<{ ready: boolean; reason: string }>()).toMatchObject({ ready: false });
    expect((await cut.inject("/healthz")).statusCode).toBe(200);
    await cut.close();
  });

  it("answers /healthz without a key, and serves its OpenAPI document and reference", async () => {
    expect((await app.inject("/healthz")).json()).toEqual({ ok: true });
    const doc = (await app.inject("/openapi.json")).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/accounts",
        "/v1/accounts/{id}",
        "/v1/messages",
        "/v1/relationships/{id}/messages",
      ]),
    );
    expect((await app.inject("/docs/")).statusCode).toBe(200);
  });

  it("refuses calls without a known key, with a coded error", async () => {
    const none = await app.inject("/v1/accounts/cli_a");
    expect(none.statusCode).toBe(401);
    expect(none.json<ErrorBody>().error.code).toBe("unauthenticated");
    const wrong = await app.inject({ url: "/v1/accounts/cli_a", headers: { authorization: "Bearer nope" } });
    expect(wrong.json<ErrorBody>().error.code).toBe("unauthenticated");
    const ghost = await app.inject({ url: "/v1/accounts/cli_a", headers: as("ghost") });
    expect(ghost.json<ErrorBody>().error.code).toBe("account_not_found");
  });

  it("says what to fix on a bad body, and writes nothing", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: bearer,
      payload: { id: "bad id", role: "client", displayName: "x", country: "US" },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe("invalid_request");
    expect(JSON.stringify(body.error.details)).toContain("locale");
    const domain = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: bearer,
      payload: { id: "bad_country", role: "client", displayName: "x", country: "Narnia", locale: "en-US" },
    });
    expect(domain.statusCode).toBe(422);
    expect(domain.json<ErrorBody>().error.code).toBe("invalid_country");
    expect((await app.inject({ url: "/v1/accounts/bad_country", headers: bearer })).statusCode).toBe(404);
    const broken = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: { ...bearer, "content-type": "application/json" },
      payload: '{"id":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<ErrorBody>().error.code).toBe("invalid_request");
  });

  it("refuses a NUL or half a surrogate pair in any text with a coded 400, not a 500, writing nothing", async () => {
    const count = async () =>
      (await db().query<{ n: string }>("SELECT count(*)::text AS n FROM messages")).rows[0]?.n;
    const before = await count();
    for (const [url, payload] of [
      ["/v1/messages", { recipientId: "fre_a", text: "pay me at\u0000paypal" }],
      ["/v1/messages", { recipientId: "fre_a", text: "half a pair \ud83d here" }],
      ["/v1/messages/check", { recipientId: "fre_a", text: "\u0000" }],
      [
        "/v1/accounts",
        { id: "nul_name", role: "client", displayName: "a\u0000b", country: "US", locale: "en-US" },
      ],
      ["/v1/webhooks", { url: "https://example.org/x", events: ["*"], description: "\u0000" }],
    ] as const) {
      const res = await app.inject({ method: "POST", url, headers: as("cli_a"), payload });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json<ErrorBody>().error.message).toMatch(/^body\.\w+ holds a NUL character/);
    }
    const query = await app.inject({ url: "/v1/cases?assignee=%00", headers: as("agent_1") });
    expect(query.statusCode).toBe(400);
    expect(query.json<ErrorBody>().error.message).toMatch(/^query\.assignee/);
    expect(await count()).toBe(before);
    // A whole emoji (a surrogate pair) is text like any other.
    const emoji = await app.inject({
      method: "POST",
      url: "/v1/messages/check",
      headers: as("cli_a"),
      payload: { recipientId: "fre_a", text: "Thanks! 🙂" },
    });
    expect(emoji.statusCode).toBe(200);
  });

  it("creates an account once: the same account again is answered alike, another under its id is a conflict", async () => {
    const replay = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: bearer,
      payload: { id: "cli_a", role: "client", displayName: "cli_a", country: "US", locale: "en-US" },
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.json<{ displayName: string }>().displayName).toBe("cli_a");
    const again = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: bearer,
      payload: { id: "cli_a", role: "client", displayName: "again", country: "US", locale: "en-US" },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<ErrorBody>().error.code).toBe("account_exists");
    const byUser = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: as("cli_a"),
      payload: { id: "cli_z", role: "client", displayName: "z", country: "US", locale: "en-US" },
    });
    expect(byUser.json<ErrorBody>().error.code).toBe("forbidden");
  });

  it("lets a user read their own account but not another's; agents read any", async () => {
    expect(
      (await app.inject({ url: "/v1/accounts/fre_a", headers: as("fre_a") })).json<{ displayName: string }>()
        .displayName,
    ).toBe("fre_a");
    expect((await app.inject({ url: "/v1/accounts/fre_b", headers: as("fre_a") })).statusCode).toBe(403);
    expect((await app.inject({ url: "/v1/accounts/fre_b", headers: as("agent_1") })).statusCode).toBe(200);
  });

  it("delivers a message within a pair; a freelancer outside the pair cannot read the conversation", async () => {
    const sent = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_a"),
      payload: { recipientId: "fre_a", text: "Hi, can you start Monday?" },
    });
    expect(sent.statusCode).toBe(201);
    const { relationshipId } = sent.json<{ relationshipId: string }>();
    const reply = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("fre_a"),
      payload: { recipientId: "cli_a", text: "Yes." },
    });
    expect(reply.json<{ relationshipId: string }>().relationshipId).toBe(relationshipId);

    const read = await app.inject({
      url: `/v1/relationships/${relationshipId}/messages`,
      headers: as("fre_a"),
    });
    expect(read.json<{ messages: { text: string }[] }>().messages.map((m) => m.text)).toEqual([
      "Hi, can you start Monday?",
      "Yes.",
    ]);
    for (const outsider of ["fre_b", "cli_b"]) {
      const res = await app.inject({
        url: `/v1/relationships/${relationshipId}/messages`,
        headers: as(outsider),
      });
      expect(res.statusCode).toBe(404);
      expect(res.json<ErrorBody>().error.code).toBe("not_found");
    }
    expect(
      (await app.inject({ url: `/v1/relationships/${relationshipId}/messages`, headers: as("agent_1") }))
        .statusCode,
    ).toBe(200);

    const notAPair = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_a"),
      payload: { recipientId: "cli_b", text: "hello" },
    });
    expect(notAPair.json<ErrorBody>().error.code).toBe("not_a_pair");
    const noSender = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: bearer,
      payload: { recipientId: "fre_a", text: "x" },
    });
    expect(noSender.json<ErrorBody>().error.code).toBe("invalid_request");
  });

  it("delivers a message once when it is sent twice with one Idempotency-Key", async () => {
    const send = (text: string) =>
      app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: { ...as("cli_b"), "idempotency-key": "msg-key-0001" },
        payload: { recipientId: "fre_b", text },
      });
    const first = await send("Is the logo ready?");
    const again = await send("Is the logo ready?");
    expect(first.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    const { relationshipId } = first.json<{ relationshipId: string }>();
    const read = await app.inject({
      url: `/v1/relationships/${relationshipId}/messages`,
      headers: as("fre_b"),
    });
    expect(read.json<{ messages: unknown[] }>().messages).toHaveLength(1);
    const other = await send("Something else");
    expect(other.statusCode).toBe(422);
    expect(other.json<ErrorBody>().error.code).toBe("message_id_reused");
  });

  it("lets a suspended account reach only its notices and appeals; a restricted one may not message", async () => {
    await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: bearer,
      payload: { id: "cli_s", role: "client", displayName: "cli_s", country: "US", locale: "en-US" },
    });
    const suspended = await app.inject({
      method: "POST",
      url: "/v1/accounts/cli_s/status",
      headers: bearer,
      payload: { status: "suspended", reason: "asked to be paid outside" },
    });
    expect(suspended.statusCode).toBe(200);
    const send = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_s"),
      payload: { recipientId: "fre_a", text: "pay me outside" },
    });
    expect(send.statusCode).toBe(403);
    expect(send.json<ErrorBody>().error.code).toBe("account_suspended");
    const contract = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_s"),
      payload: { freelancerId: "fre_a", currency: "USD", milestones: [{ amount: "100" }] },
    });
    expect(contract.json<ErrorBody>().error.code).toBe("account_suspended");
    const pairs = await app.inject({ url: "/v1/accounts/cli_s/relationships", headers: as("cli_s") });
    expect(pairs.json<ErrorBody>().error.code).toBe("account_suspended");
    const own = await app.inject({ url: "/v1/accounts/cli_s", headers: as("cli_s") });
    expect(own.json<{ status: string }>().status).toBe("suspended");
    const notices = await app.inject({ url: "/v1/accounts/cli_s/notices", headers: as("cli_s") });
    expect(notices.json<{ status: string }>().status).toBe("suspended");
    // Restricted: no messages, but the work and the money go on.
    await app.inject({
      method: "POST",
      url: "/v1/accounts/cli_s/status",
      headers: bearer,
      payload: { status: "restricted", reason: "suspension eased to a restriction" },
    });
    const again = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as("cli_s"),
      payload: { recipientId: "fre_a", text: "hello again" },
    });
    expect(again.json<ErrorBody>().error.code).toBe("account_cannot_act");
    const work = await app.inject({
      method: "POST",
      url: "/v1/contracts/fixed-price",
      headers: as("cli_s"),
      payload: { freelancerId: "fre_a", currency: "USD", milestones: [{ amount: "100" }] },
    });
    expect(work.statusCode).toBe(201);
  });

  it("answers an unknown route with a coded 404", async () => {
    const res = await app.inject({ url: "/v1/nothing-here", headers: bearer });
    expect(res.statusCode).toBe(404);
    expect(res.json<ErrorBody>().error.code).toBe("not_found");
  });

  it("never answers 500 to any body, however wrong", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "/v1/accounts",
          "/v1/accounts/cli_a/status",
          "/v1/sessions",
          "/v1/messages",
          "/v1/contracts/fixed-price",
          "/v1/contracts/hourly",
          "/v1/contracts/ctr_x/time",
          "/v1/contracts/ctr_x/invoices/2026-11-16/dispute",
          "/v1/contracts/ctr_x/invoices/2026-11-16/resolve",
          "/v1/relationships/rel_x/conversion-fee",
          "/v1/milestones/ms_x/fund",
          "/v1/milestones/ms_x/resolve",
        ),
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.anything().map((v) => JSON.stringify(v) ?? "null"),
        ),
        async (url, payload) => {
          const res = await app.inject({
            method: "POST",
            url,
            headers: { ...as("cli_b"), "content-type": "application/json", "idempotency-key": "fuzz-key-01" },
            payload,
          });
          expect(res.statusCode).toBeLessThan(500);
          expect(typeof res.json<ErrorBody>().error?.code === "string" || res.statusCode === 201).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the error table", () => {
  it("gives every code a 4xx status except the server's own failure and its database's absence", () => {
    for (const [code, status] of Object.entries(STATUS_OF))
      if (code === "internal") expect(status).toBe(500);
      else if (code === "database_unavailable") expect(status).toBe(503);
      else expect(status >= 400 && status < 500, code).toBe(true);
  });
});
