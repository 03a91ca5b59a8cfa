import type { Db } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";

export const TEST_KEY = "lg_test_key";
export const platform = { authorization: `Bearer ${TEST_KEY}` } as const;
/** Headers of the platform acting as one user (and, if given, an idempotency key). */
export const as = (id: string, idempotencyKey?: string) => ({
  ...platform,
  "leakguard-act-as": id,
  ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey }),
});

/** The app on a migrated test database with these accounts created through the API (password optional). */
export async function testApp(
  db: Db,
  now: () => Date,
  people: readonly (readonly [id: string, role: "client" | "freelancer" | "agent" | "admin"])[],
  password?: (id: string) => string,
): Promise<FastifyInstance> {
  // Test receivers listen on loopback, which production refuses (docs/security.md, SSRF).
  const app = await buildApp({ db, apiKeyHashes: [sha256Hex(TEST_KEY)], now, webhookAllowPrivate: true });
  for (const [id, role] of people) {
    const res = await app.inject({
      method: "POST",
      url: "/v1/accounts",
      headers: platform,
      payload: {
        id,
        role,
        displayName: id,
        country: "US",
        locale: "en-US",
        ...(password === undefined ? {} : { password: password(id) }),
      },
    });
    expect(res.statusCode).toBe(201);
  }
  return app;
}

/** Grants a staff account `read_originals` through the API (the platform's key), as fixtures that read originals need. */
export async function grantOriginals(app: FastifyInstance, id: string): Promise<void> {
  const res = await app.inject({
    method: "POST",
    url: `/v1/accounts/${id}/scopes`,
    headers: platform,
    payload: { scope: "read_originals", action: "grant", reason: "test fixture: reads originals" },
  });
  expect(res.statusCode).toBe(200);
}
