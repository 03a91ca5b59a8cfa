import { relationshipId } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { platform, testApp } from "./test-app.test-helper.js";

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
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain("pw-of");
    }
    const tokens = await db().query<{ token_hash: string }>("SELECT token_hash FROM sessions");
    for (const row of tokens.rows) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
