import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import type { ErrorBody } from "./errors.js";
import { as, platform, testApp } from "./test-app.test-helper.js";

interface KeyJson {
  id: string;
  name: string;
  prefix: string;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

describe.each(engines)("API keys in the database on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  let now = new Date("2026-12-03T14:00:00Z");
  let adminSession = "";
  beforeAll(async () => {
    app = await testApp(
      db(),
      () => now,
      [
        ["adm_k", "admin"],
        ["agt_k", "agent"],
        ["cli_k", "client"],
      ],
      (id) => `pw-of-${id}-long`,
    );
    const session = await app.inject({
      method: "POST",
      url: "/v1/sessions",
      payload: { accountId: "adm_k", password: "pw-of-adm_k-long" },
    });
    adminSession = session.json<{ token: string }>().token;
  });

  const admin = () => ({ authorization: `Bearer ${adminSession}` });
  const create = (headers: Record<string, string>, name = "billing service") =>
    app.inject({ method: "POST", url: "/v1/api-keys", headers, payload: { name } });
  const row = async (id: string) =>
    (
      await db().query<{
        key_hash: string;
        prefix: string;
        name: string;
        revoked_at: Date | null;
        last_used_at: Date | null;
      }>("SELECT key_hash, prefix, name, revoked_at, last_used_at FROM api_keys WHERE id = $1", [id])
    ).rows[0];

  it("shows a new key once and keeps only its SHA-256 and a prefix; the key then works like a platform key", async () => {
    const made = await create(admin());
    expect(made.statusCode).toBe(201);
    expect(made.headers["cache-control"]).toBe("no-store");
    const { key, ...listed } = made.json<KeyJson & { key: string }>();
    expect(key).toMatch(/^lgk_[A-Za-z0-9_-]{43}$/);
    expect(listed).toMatchObject({
      name: "billing service",
      createdBy: "adm_k",
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(listed.prefix).toBe(key.slice(0, 12));
    const stored = await row(listed.id);
    expect(stored?.key_hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(key);

    // The list never shows a secret again.
    const list = await app.inject({ url: "/v1/api-keys", headers: admin() });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(key);
    expect(list.json<{ apiKeys: KeyJson[] }>().apiKeys.map((k) => k.id)).toContain(listed.id);

    // It authenticates, and may act as a user, as an environment key does.
    const bare = await app.inject({ url: "/v1/api-keys", headers: { authorization: `Bearer ${key}` } });
    expect(bare.statusCode).toBe(200);
    const acting = await app.inject({
      url: "/v1/accounts/cli_k",
      headers: { authorization: `Bearer ${key}`, "leakguard-act-as": "cli_k" },
    });
    expect(acting.statusCode).toBe(200);
    // No CSRF token for a bearer key's writes.
    expect((await create({ authorization: `Bearer ${key}` }, "made by a key")).statusCode).toBe(201);
  });

  it("revokes a key at once and keeps its row", async () => {
    const made = (await create(platform, "to revoke")).json<KeyJson & { key: string }>();
    const withKey = { authorization: `Bearer ${made.key}` };
    expect((await app.inject({ url: "/v1/api-keys", headers: withKey })).statusCode).toBe(200);
    const revoked = await app.inject({ method: "DELETE", url: `/v1/api-keys/${made.id}`, headers: admin() });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json<KeyJson>().revokedAt).toBe(now.toISOString());
    const refused = await app.inject({ url: "/v1/api-keys", headers: withKey });
    expect(refused.statusCode).toBe(401);
    expect(refused.json<ErrorBody>().error.code).toBe("unauthenticated");
    expect((await row(made.id))?.revoked_at).toEqual(now);
    // Revoking again keeps the first time; an unknown id is a 404.
    now = new Date(now.getTime() + 60_000);
    const again = await app.inject({ method: "DELETE", url: `/v1/api-keys/${made.id}`, headers: admin() });
    expect(again.json<KeyJson>().revokedAt).toBe(new Date(now.getTime() - 60_000).toISOString());
    const unknown = await app.inject({ method: "DELETE", url: "/v1/api-keys/key_nope", headers: admin() });
    expect(unknown.json<ErrorBody>().error.code).toBe("api_key_not_found");
    expect(unknown.statusCode).toBe(404);
  });

  it("is for the platform and admins only, and writes nothing for anyone else or a bad name", async () => {
    const count = async () =>
      Number((await db().query<{ n: string }>("SELECT count(*) AS n FROM api_keys")).rows[0]?.n);
    const before = await count();
    for (const headers of [as("cli_k"), as("agt_k"), {}]) {
      const res = await create(headers);
      expect([401, 403]).toContain(res.statusCode);
      expect((await app.inject({ url: "/v1/api-keys", headers })).statusCode).toBe(res.statusCode);
    }
    const clientSession = (
      await app.inject({
        method: "POST",
        url: "/v1/sessions",
        payload: { accountId: "cli_k", password: "pw-of-cli_k-long" },
      })
    ).json<{ token: string }>().token;
    const byClient = await create({ authorization: `Bearer ${clientSession}` });
    expect(byClient.json<ErrorBody>().error.code).toBe("forbidden");
    const blank = await create(admin(), "   ");
    expect(blank.json<ErrorBody>().error.code).toBe("invalid_api_key_name");
    expect(await count()).toBe(before);
    // An admin acting through the platform's key may.
    expect((await create(as("adm_k"), "through the key")).statusCode).toBe(201);
  });

  it("records when a key was last used at most once an hour, not on every request", async () => {
    const made = (await create(admin(), "last used")).json<KeyJson & { key: string }>();
    const use = () => app.inject({ url: "/v1/api-keys", headers: { authorization: `Bearer ${made.key}` } });
    const first = new Date(now);
    await use();
    expect((await row(made.id))?.last_used_at).toEqual(first);
    now = new Date(first.getTime() + 30 * 60_000);
    await use();
    expect((await row(made.id))?.last_used_at).toEqual(first);
    now = new Date(first.getTime() + 61 * 60_000);
    await use();
    expect((await row(made.id))?.last_used_at).toEqual(now);
  });
});
