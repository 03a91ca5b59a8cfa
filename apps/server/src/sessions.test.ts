import { relationshipId, scryptHash } from "@leakguard/store";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import type { ErrorBody } from "./errors.js";
import { platform, TEST_KEY, testApp } from "./test-app.test-helper.js";

/** The `lg_session` Set-Cookie header of an answer, split into its value and attributes. */
function sessionCookie(res: LightMyRequestResponse): { value: string; attributes: string[] } {
  const raw = res.headers["set-cookie"];
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const line = all.find((c) => c.startsWith("lg_session="));
  if (line === undefined) throw new Error(`no lg_session cookie in ${JSON.stringify(all)}`);
  const [pair = "", ...attributes] = line.split(";").map((p) => p.trim());
  return { value: pair.slice("lg_session=".length), attributes };
}

describe.each(engines)("sessions on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let now = new Date("2026-11-26T15:00:00Z");
  beforeAll(async () => {
    app = await testApp(
      db(),
      () => now,
      [
        ["cli_p", "client"],
        ["fre_p", "freelancer"],
        ["fre_q", "freelancer"],
        ["cli_q", "client"],
      ],
      (id) => `pw-of-${id}-long`,
    );
    await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { ...platform, "leakguard-act-as": "cli_q" },
      payload: { recipientId: "fre_q", text: "hello" },
    });
  });

  const signIn = (accountId: string, password: string) =>
    app.inject({ method: "POST", url: "/v1/sessions", payload: { accountId, password } });

  it("signs a person in, and the session acts only as them", async () => {
    const session = await signIn("fre_p", "pw-of-fre_p-long");
    expect(session.statusCode).toBe(201);
    const { token } = session.json<{ token: string }>();
    const me = { authorization: `Bearer ${token}` };
    expect((await app.inject({ url: "/v1/accounts/fre_p", headers: me })).statusCode).toBe(200);
    expect((await app.inject({ url: "/v1/accounts/fre_q", headers: me })).statusCode).toBe(403);
    const posing = await app.inject({
      url: "/v1/accounts/fre_q",
      headers: { ...me, "leakguard-act-as": "fre_q" },
    });
    expect(posing.json<ErrorBody>().error.code).toBe("forbidden");
    // Another pair's conversation is not there for them.
    expect(
      (
        await app.inject({
          url: `/v1/relationships/${relationshipId("cli_q", "fre_q")}/messages`,
          headers: me,
        })
      ).statusCode,
    ).toBe(404);
    const created = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: me,
      payload: { id: "x_new", role: "client", displayName: "x", country: "US", locale: "en-US" },
    });
    expect(created.statusCode).toBe(403);
  });

  it("refuses a wrong password or an unknown account alike, and ended sessions", async () => {
    const wrong = await signIn("fre_p", "not-the-password");
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json<ErrorBody>().error.code).toBe("wrong_credentials");
    expect((await signIn("nobody", "whatever-long")).json<ErrorBody>().error.code).toBe("wrong_credentials");

    const { token } = (await signIn("cli_p", "pw-of-cli_p-long")).json<{ token: string }>();
    const me = { authorization: `Bearer ${token}` };
    expect(
      (await app.inject({ method: "DELETE", url: "/v1/sessions/current", headers: me })).statusCode,
    ).toBe(204);
    expect((await app.inject({ url: "/v1/accounts/cli_p", headers: me })).json<ErrorBody>().error.code).toBe(
      "unauthenticated",
    );

    const { token: later } = (await signIn("cli_p", "pw-of-cli_p-long")).json<{ token: string }>();
    now = new Date(now.getTime() + 13 * 3_600_000);
    expect(
      (await app.inject({ url: "/v1/accounts/cli_p", headers: { authorization: `Bearer ${later}` } }))
        .statusCode,
    ).toBe(401);
  });

  it("stops a password-guessing run after ten failures, for that account only", async () => {
    for (let i = 0; i < 10; i++) expect((await signIn("fre_q", `guess-number-${i}`)).statusCode).toBe(401);
    const blocked = await signIn("fre_q", "pw-of-fre_q-long");
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<ErrorBody>().error.code).toBe("rate_limited");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect((await signIn("cli_q", "pw-of-cli_q-long")).statusCode).toBe(201);
    now = new Date(now.getTime() + 16 * 60_000);
    expect((await signIn("fre_q", "pw-of-fre_q-long")).statusCode).toBe(201);
  });

  it("keeps passwords and tokens only as hashes, and writes no account for a bad password", async () => {
    const short = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: platform,
      payload: {
        id: "cli_short",
        role: "client",
        displayName: "s",
        country: "US",
        locale: "en-US",
        password: "short",
      },
    });
    expect(short.json<ErrorBody>().error.code).toBe("invalid_password");
    expect((await app.inject({ url: "/v1/accounts/cli_short", headers: platform })).statusCode).toBe(404);
    const stored = await db().query<{ password_hash: string }>("SELECT password_hash FROM credentials");
    for (const row of stored.rows) {
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row.password_hash).not.toContain("pw-of");
    }
    const tokens = await db().query<{ token_hash: string }>("SELECT token_hash FROM sessions");
    for (const row of tokens.rows) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("stores new passwords as argon2id and upgrades an scrypt hash at the next successful sign-in", async () => {
    const hashOf = async (id: string) =>
      (
        await db().query<{ password_hash: string }>(
          "SELECT password_hash FROM credentials WHERE account_id = $1",
          [id],
        )
      ).rows[0]?.password_hash ?? "";
    expect(await hashOf("cli_p")).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // A hash from before argon2id, as the earlier build wrote it.
    const legacy = await scryptHash("pw-of-cli_p-long");
    await db().query("UPDATE credentials SET password_hash = $2 WHERE account_id = $1", ["cli_p", legacy]);
    expect((await signIn("cli_p", "not-the-password")).statusCode).toBe(401);
    expect(await hashOf("cli_p")).toBe(legacy);
    expect((await signIn("cli_p", "pw-of-cli_p-long")).statusCode).toBe(201);
    const upgraded = await hashOf("cli_p");
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await signIn("cli_p", "pw-of-cli_p-long")).statusCode).toBe(201);
    expect(await hashOf("cli_p")).toBe(upgraded);
  });

  it("sets an HttpOnly, SameSite=Strict session cookie, Secure only when configured", async () => {
    const res = await signIn("fre_p", "pw-of-fre_p-long");
    const body = res.json<{ token: string; csrfToken: string; expiresAt: string }>();
    const cookie = sessionCookie(res);
    expect(cookie.value).toBe(body.token);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining([
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        `Expires=${new Date(body.expiresAt).toUTCString()}`,
      ]),
    );
    expect(cookie.attributes).not.toContain("Secure");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The session row keeps only hashes of the token and of the CSRF token.
    const row = await db().query<{ csrf_hash: string }>(
      "SELECT csrf_hash FROM sessions WHERE token_hash = $1",
      [sha256Hex(body.token)],
    );
    expect(row.rows[0]?.csrf_hash).toBe(sha256Hex(body.csrfToken));

    const secure = await buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now: () => now,
      secureCookies: true,
    });
    const behindTls = await secure.inject({
      method: "POST",
      url: "/v1/sessions",
      payload: { accountId: "fre_p", password: "pw-of-fre_p-long" },
    });
    expect(sessionCookie(behindTls).attributes).toEqual(
      expect.arrayContaining(["Secure", "HttpOnly", "SameSite=Strict"]),
    );
    await secure.close();
  });

  it("refuses a write by cookie without the session's CSRF token, writing nothing; bearer calls need none", async () => {
    const res = await signIn("cli_p", "pw-of-cli_p-long");
    const { token, csrfToken } = res.json<{ token: string; csrfToken: string }>();
    const cookies = { lg_session: sessionCookie(res).value };
    const messages = async () =>
      Number(
        (await db().query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE sender_id = 'cli_p'"))
          .rows[0]?.n,
      );
    const send = (headers: Record<string, string>, text: string) =>
      app.inject({
        method: "POST",
        url: "/v1/messages",
        cookies,
        headers,
        payload: { recipientId: "fre_p", text },
      });

    const before = await messages();
    // Reads by cookie need no token.
    expect((await app.inject({ url: "/v1/accounts/cli_p", cookies })).statusCode).toBe(200);
    for (const headers of [{}, { "x-csrf-token": "not-the-token" }, { "x-csrf-token": "" }]) {
      const refused = await send(headers, "hello by cookie");
      expect(refused.statusCode).toBe(403);
      expect(refused.json<ErrorBody>().error.code).toBe("csrf_token_invalid");
    }
    // Another session's CSRF token is no better.
    const other = (await signIn("cli_p", "pw-of-cli_p-long")).json<{ csrfToken: string }>();
    expect((await send({ "x-csrf-token": other.csrfToken }, "hello")).statusCode).toBe(403);
    expect(await messages()).toBe(before);

    expect((await send({ "x-csrf-token": csrfToken }, "hello with the token")).statusCode).toBe(201);
    expect(await messages()).toBe(before + 1);

    // A bearer session or the platform's key: no cookie, no CSRF token needed (a browser never adds these itself).
    const bearer = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { authorization: `Bearer ${token}` },
      payload: { recipientId: "fre_p", text: "hello by bearer" },
    });
    expect(bearer.statusCode).toBe(201);
    const byKey = await app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: { ...platform, "leakguard-act-as": "cli_p" },
      payload: { recipientId: "fre_p", text: "hello by key" },
    });
    expect(byKey.statusCode).toBe(201);
    expect(await messages()).toBe(before + 3);
    // The cookie acts only as its person.
    const posing = await app.inject({
      url: "/v1/accounts/fre_p",
      cookies,
      headers: { "leakguard-act-as": "fre_p" },
    });
    expect(posing.json<ErrorBody>().error.code).toBe("forbidden");
  });

  it("signs out by cookie (with the CSRF token): the session row ends and the cookie is cleared", async () => {
    const res = await signIn("fre_p", "pw-of-fre_p-long");
    const { token, csrfToken } = res.json<{ token: string; csrfToken: string }>();
    const cookies = { lg_session: sessionCookie(res).value };
    const sessionRows = async () =>
      (await db().query("SELECT 1 FROM sessions WHERE token_hash = $1", [sha256Hex(token)])).rows.length;
    const withoutToken = await app.inject({ method: "DELETE", url: "/v1/sessions/current", cookies });
    expect(withoutToken.json<ErrorBody>().error.code).toBe("csrf_token_invalid");
    expect(await sessionRows()).toBe(1);
    const out = await app.inject({
      method: "DELETE",
      url: "/v1/sessions/current",
      cookies,
      headers: { "x-csrf-token": csrfToken },
    });
    expect(out.statusCode).toBe(204);
    const cleared = sessionCookie(out);
    expect(cleared.value).toBe("");
    expect(cleared.attributes).toEqual(
      expect.arrayContaining([
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
      ]),
    );
    expect(await sessionRows()).toBe(0);
    // The old cookie no longer works, and the answer tells the browser to drop it.
    const after = await app.inject({ url: "/v1/accounts/fre_p", cookies });
    expect(after.json<ErrorBody>().error.code).toBe("unauthenticated");
    expect(sessionCookie(after).value).toBe("");
  });
});
