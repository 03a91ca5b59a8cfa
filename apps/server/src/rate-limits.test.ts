import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import type { ErrorBody } from "./errors.js";
import { DEFAULT_RATE_LIMITS, type RateLimitBackend, type RateLimitSettings } from "./rate-limits.js";
import { as, platform, TEST_KEY, testApp } from "./test-app.test-helper.js";

// Redis is used when LEAKGUARD_TEST_REDIS_URL is set (.ci/run sets it when a Redis server answers).
const redisUrl = process.env.LEAKGUARD_TEST_REDIS_URL;
const backends: { name: string; backend: () => RateLimitBackend }[] = [
  { name: "database", backend: () => ({ kind: "database" }) },
];
let redis: Redis | undefined;
if (redisUrl !== undefined && redisUrl !== "") {
  redis = new Redis(redisUrl, { lazyConnect: true });
  const client = redis;
  backends.push({ name: "redis", backend: () => ({ kind: "redis", redis: client }) });
}
afterAll(async () => {
  await redis?.quit();
});

const password = (id: string) => `pw-of-${id}-long`;

const cases = engines.flatMap((e) => backends.map((b) => ({ ...e, backend: b.backend, store: b.name })));

describe.each(cases)("rate limits on $name, counted in the $store", ({ open, backend, store }) => {
  const db = migratedDb(open);
  // Keys differ per run so Redis (shared by runs) starts every run from zero.
  const run = Math.random().toString(36).slice(2, 8);
  const id = (name: string) => `${name}_${store.slice(0, 2)}${run}`;
  const octet = () => String(1 + Math.floor(Math.random() * 250));
  const address = () => `10.${octet()}.${octet()}.${octet()}`;
  const ATTACKER = address();
  const OTHER_IP = address();
  let now = new Date("2026-12-03T10:00:10Z");
  const clock = () => now;
  let one: FastifyInstance;
  let two: FastifyInstance;

  /** Two app instances on one database (and one Redis): two API processes behind a balancer. */
  const instance = (settings: Partial<RateLimitSettings> = {}) =>
    buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now: clock,
      rateLimits: { settings: { ...DEFAULT_RATE_LIMITS, flushMs: 0, ...settings }, backend: backend() },
    });

  beforeAll(async () => {
    const people = (["victim", "bystander", "busy", "other"] as const).map(
      (n) => [id(n), "freelancer"] as [string, "freelancer"],
    );
    one = await testApp(db(), clock, people, password);
    await one.close();
    one = await instance();
    two = await instance();
  }, 60_000);
  afterAll(async () => {
    await one.close();
    await two.close();
  });

  const signIn = (app: FastifyInstance, accountId: string, pw: string, ip = ATTACKER) =>
    app.inject({
      method: "POST",
      url: "/v1/sessions",
      payload: { accountId, password: pw },
      remoteAddress: ip,
    });

  it("stops guessing one account's password after ten failures across both instances, the right one too", async () => {
    const victim = id("victim");
    for (let i = 0; i < 10; i++) {
      const res = await signIn(i % 2 === 0 ? one : two, victim, `guess-${i}-wrong`);
      expect(res.statusCode).toBe(401);
    }
    for (const app of [one, two]) {
      const blocked = await signIn(app, victim, password(victim), OTHER_IP);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json<ErrorBody>().error.code).toBe("rate_limited");
      expect(blocked.json<ErrorBody>().error.message).toMatch(/retry after \d+ s \(at 2026-12-03T/);
      const retryAfter = Number(blocked.headers["retry-after"]);
      // The 15-minute window began at 10:00:00; it is 10:00:10.
      expect(retryAfter).toBe(15 * 60 - 10);
    }
    // Another account is not affected.
    expect((await signIn(two, id("bystander"), password(id("bystander")), OTHER_IP)).statusCode).toBe(201);
    // Once the window has passed, the owner signs in.
    now = new Date(now.getTime() + 15 * 60_000);
    expect((await signIn(one, victim, password(victim), OTHER_IP)).statusCode).toBe(201);
  });

  it("a success clears the account's failures", async () => {
    const busy = id("busy");
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++)
        expect((await signIn(two, busy, `typo-${i}-wrong`, OTHER_IP)).statusCode).toBe(401);
      expect((await signIn(one, busy, password(busy), OTHER_IP)).statusCode).toBe(201);
    }
  });

  it("stops one address guessing many accounts after fifty failures, on both instances", async () => {
    now = new Date(now.getTime() + 15 * 60_000);
    for (let i = 0; i < 50; i++) {
      const res = await signIn(i % 2 === 0 ? one : two, `nobody_${run}_${i}`, "a-wrong-password");
      expect(res.statusCode).toBe(401);
    }
    const other = id("other");
    const blocked = await signIn(one, other, password(other));
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<ErrorBody>().error.code).toBe("rate_limited");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    expect((await signIn(two, other, password(other))).statusCode).toBe(429);
    // The same account from another address is fine: the address is limited, not the account.
    expect((await signIn(two, other, password(other), OTHER_IP)).statusCode).toBe(201);
  });

  it("limits requests per acting account across instances, whether through a session or the platform's key", async () => {
    const a = await instance({ userPerMinute: 4, ipPerMinute: 1_000 });
    const b = await instance({ userPerMinute: 4, ipPerMinute: 1_000 });
    try {
      now = new Date("2026-12-03T12:00:05Z");
      const other = id("other");
      const { token } = (await signIn(a, other, password(other), OTHER_IP)).json<{ token: string }>();
      const session = { authorization: `Bearer ${token}` };
      const read = (app: FastifyInstance, headers: Record<string, string>) =>
        app.inject({ url: `/v1/accounts/${other}`, headers, remoteAddress: OTHER_IP });
      expect((await read(a, session)).statusCode).toBe(200);
      expect((await read(b, session)).statusCode).toBe(200);
      expect((await read(a, as(other))).statusCode).toBe(200);
      expect((await read(b, as(other))).statusCode).toBe(200);
      const fifth = await read(a, session);
      expect(fifth.statusCode).toBe(429);
      expect(fifth.json<ErrorBody>().error.message).toContain("requests by this account");
      expect(Number(fifth.headers["retry-after"])).toBe(55);
      // The platform acting as this user spends the same budget...
      expect((await read(b, as(other))).statusCode).toBe(429);
      // ...but not other users', nor its own.
      expect(
        (await a.inject({ url: `/v1/accounts/${id("busy")}`, headers: as(id("busy")) })).statusCode,
      ).toBe(200);
      expect((await b.inject({ url: `/v1/accounts/${other}`, headers: platform })).statusCode).toBe(200);
      // A new minute, a new budget.
      now = new Date("2026-12-03T12:01:00Z");
      expect((await read(b, session)).statusCode).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("limits requests per address, never the platform's key, never health probes", async () => {
    const a = await instance({ ipPerMinute: 3 });
    const b = await instance({ ipPerMinute: 3 });
    try {
      now = new Date("2026-12-03T13:00:00Z");
      const ip = address();
      const anon = (app: FastifyInstance) => app.inject({ url: "/v1/accounts/x", remoteAddress: ip });
      expect((await anon(a)).statusCode).toBe(401);
      expect((await anon(b)).statusCode).toBe(401);
      expect((await anon(a)).statusCode).toBe(401);
      const limited = await anon(b);
      expect(limited.statusCode).toBe(429);
      expect(limited.json<ErrorBody>().error.message).toContain("requests from this address");
      expect(Number(limited.headers["retry-after"])).toBe(60);
      expect((await a.inject({ url: "/healthz", remoteAddress: ip })).statusCode).toBe(200);
      for (let i = 0; i < 5; i++)
        expect(
          (await a.inject({ url: `/v1/accounts/${id("busy")}`, headers: platform, remoteAddress: ip }))
            .statusCode,
        ).toBe(200);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("counts in the process for a moment when batching, and shares the counts once flushed", async () => {
    if (store === "redis") return; // Redis counts every request at once; batching is for the database.
    const a = await instance({ ipPerMinute: 3, flushMs: 60_000 });
    const b = await instance({ ipPerMinute: 3, flushMs: 60_000 });
    try {
      now = new Date("2026-12-03T14:00:00Z");
      const ip = address();
      const anon = (app: FastifyInstance) => app.inject({ url: "/v1/accounts/x", remoteAddress: ip });
      for (let i = 0; i < 3; i++) expect((await anon(a)).statusCode).toBe(401);
      expect((await anon(a)).statusCode).toBe(429);
      // Closing flushes a's counts to the database (a running server flushes every flushMs); b reads
      // the shared total when it first meets the address.
      await a.close();
      expect((await anon(b)).statusCode).toBe(429);
    } finally {
      await b.close();
    }
  });

  it("refuses an oversized sign-in body with payload_too_large", async () => {
    const res = await one.inject({
      method: "POST",
      url: "/v1/sessions",
      payload: { accountId: id("other"), password: "x".repeat(4_000) },
      remoteAddress: address(),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json<ErrorBody>().error.code).toBe("payload_too_large");
  });
});
