import type { Db } from "@leakguard/store";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { ReadCache } from "./read-cache.js";
import { as, TEST_KEY, testApp } from "./test-app.test-helper.js";

/**
 * The pre-send check's read cache: what it keeps, what makes it forget, and
 * that two API processes on one database see each other's writes. Two apps
 * built on one database stand for two processes (on PostgreSQL each has its
 * pool and its listening connection).
 */
describe.each(engines)("the pre-send check's read cache, on $name", ({ name, open }) => {
  const db = migratedDb(open);
  let first: FastifyInstance;
  let second: FastifyInstance;
  // A millisecond later at each reading: messages keep the order they were sent in (the last 20 are read by time).
  let ticks = 0;
  const now = () => new Date(Date.UTC(2026, 11, 3, 12, 0, 0) + ticks++);

  beforeAll(async () => {
    first = await testApp(db(), now, [
      ["cli_rc", "client"],
      ["fre_rc", "freelancer"],
      ["cli_rd", "client"],
      ["fre_rd", "freelancer"],
      ["cli_re", "client"],
      ["fre_re", "freelancer"],
      ["adm_rc", "admin"],
      ["cli_rm", "client"],
      ["fre_rm", "freelancer"],
    ]);
    second = await buildApp({ db: db(), apiKeyHashes: [sha256Hex(TEST_KEY)], now });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  const check = async (app: FastifyInstance, from: string, to: string, text: string) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/messages/check",
      headers: as(from),
      payload: { recipientId: to, text },
    });
    return { status: res.statusCode, body: res.json<{ verdict?: string; error?: { code: string } }>() };
  };
  const send = (app: FastifyInstance, from: string, to: string, text: string) =>
    app.inject({
      method: "POST",
      url: "/v1/messages",
      headers: as(from),
      payload: { recipientId: to, text },
    });
  const cacheReads = async (app: FastifyInstance) => {
    const text = (await app.inject({ url: "/metrics" })).body;
    const count = (result: string) =>
      Number(
        new RegExp(`^leakguard_read_cache_reads_total\\{result="${result}"\\} (\\d+)`, "m").exec(text)?.[1] ??
          0,
      );
    return { hit: count("hit"), miss: count("miss"), bypass: count("bypass") };
  };
  // What another process wrote reaches this one by a notification: a few milliseconds, not a fixed time.
  const eventually = (fn: () => Promise<void> | void) => vi.waitFor(fn, { timeout: 5_000, interval: 20 });

  it("serves a repeated check from the cache: the acting account and the pair are read once", async () => {
    const before = await cacheReads(second);
    expect((await check(second, "fre_rc", "cli_rc", "Sounds good, thanks")).body.verdict).toBe("allow");
    expect((await check(second, "fre_rc", "cli_rc", "I can start Monday")).body.verdict).toBe("allow");
    const after = await cacheReads(second);
    expect(after.miss - before.miss).toBe(2); // the account and the pair's context, on the first check
    expect(after.hit - before.hit).toBe(2); // both, on the second
    expect(after.bypass).toBe(0);
  });

  it("hears of a message another process stored: half a number there completes it in a check here", async () => {
    expect((await check(second, "fre_rc", "cli_rc", "0142 is my cell")).body.verdict).toBe("allow");
    expect((await send(first, "fre_rc", "cli_rc", "415 555")).statusCode).toBe(201);
    await eventually(async () => {
      expect((await check(second, "fre_rc", "cli_rc", "0142 is my cell")).body.verdict).toBe("mask");
    });
  });

  it("builds a long conversation's scanner again from remembered scans, judging as without them", async () => {
    const memoReads = async (app: FastifyInstance) => {
      const text = (await app.inject({ url: "/metrics" })).body;
      const count = (result: string) =>
        Number(
          new RegExp(`^leakguard_scan_memo_reads_total\\{result="${result}"\\} (\\d+)`, "m").exec(
            text,
          )?.[1] ?? 0,
        );
      return { hit: count("hit"), miss: count("miss") };
    };
    const before = await memoReads(first);
    // More messages than the 20 a send reads: from the 21st, the oldest drops out and the scanner is built again.
    for (let i = 0; i < 24; i++) {
      const [from, to] = i % 2 === 0 ? ["cli_rm", "fre_rm"] : ["fre_rm", "cli_rm"];
      expect((await send(first, from, to, `Update ${i}: the draft is in the shared folder`)).statusCode).toBe(
        201,
      );
    }
    expect((await send(first, "fre_rm", "cli_rm", "415 555")).statusCode).toBe(201);
    const after = await memoReads(first);
    expect(after.hit - before.hit).toBeGreaterThan(after.miss - before.miss);
    // The number's last part, checked here and by a process that remembers no scans: the same answer.
    const plain = await buildApp({ db: db(), apiKeyHashes: [sha256Hex(TEST_KEY)], now, scanMemoEntries: 0 });
    try {
      const here = await check(first, "fre_rm", "cli_rm", "0142 is my cell");
      expect(here.body.verdict).toBe("mask");
      expect(await check(plain, "fre_rm", "cli_rm", "0142 is my cell")).toEqual(here);
      expect((await memoReads(plain)).hit).toBe(0);
    } finally {
      await plain.close();
    }
  });

  it("hears of a contract another process started: the pair's stage changes", async () => {
    const phone = "For urgent issues call +1 415 555 0199.";
    expect((await check(second, "fre_rd", "cli_rd", phone)).body.verdict).toBe("mask");
    const contract = await first.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_rd"),
      payload: { freelancerId: "fre_rd", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 10 },
    });
    expect(contract.statusCode).toBe(201);
    await eventually(async () => {
      expect((await check(second, "fre_rd", "cli_rd", phone)).body.verdict).toBe("allow");
    });
  });

  it("reads its own writes at once: a contract started here changes this process's next check", async () => {
    const phone = "Call me on +1 415 555 0123 any time";
    expect((await check(first, "fre_re", "cli_re", phone)).body.verdict).toBe("mask");
    const contract = await first.inject({
      method: "POST",
      url: "/v1/contracts/hourly",
      headers: as("cli_re"),
      payload: { freelancerId: "fre_re", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 10 },
    });
    expect(contract.statusCode).toBe(201);
    expect((await check(first, "fre_re", "cli_re", phone)).body.verdict).toBe("allow");
  });

  it("hears of an account suspended by another process: the cached acting account is refused", async () => {
    expect((await check(second, "cli_rc", "fre_rc", "Hello again")).status).toBe(200);
    await db().query("UPDATE accounts SET status = 'suspended' WHERE id = $1", ["cli_rc"]);
    await eventually(async () => {
      const refused = await check(second, "cli_rc", "fre_rc", "Hello again");
      expect(refused.status).toBe(403);
      expect(refused.body.error?.code).toBe("account_suspended");
    });
  });

  it("refuses a send by an account suspended a moment ago, whether or not the notification has come", async () => {
    expect((await send(second, "fre_rd", "cli_rd", "Draft one is ready")).statusCode).toBe(201);
    await db().query("UPDATE accounts SET status = 'suspended' WHERE id = $1", ["fre_rd"]);
    // No waiting: the cached account may still say active; the send reads its sender again and refuses.
    const refused = await send(second, "fre_rd", "cli_rd", "Draft two is ready");
    expect(refused.statusCode).toBe(403);
    expect(["account_suspended", "account_cannot_act"]).toContain(
      refused.json<{ error: { code: string } }>().error.code,
    );
    const stored = await db().query<{ n: string }>(
      "SELECT count(*)::text AS n FROM messages WHERE sender_id = $1 AND text = $2",
      ["fre_rd", "Draft two is ready"],
    );
    expect(stored.rows[0]?.n).toBe("0");
    await db().query("UPDATE accounts SET status = 'active' WHERE id = $1", ["fre_rd"]);
  });

  it("keeps nothing read before a change it hears of while reading", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = true;
    const slow: Db = Object.create(db()) as Db;
    slow.query = async (sql, params) => {
      if (held) await gate;
      return db().query(sql, params);
    };
    const cache = new ReadCache(slow, { ttlMs: 60_000, maxEntries: 100 });
    held = false;
    await cache.start();
    held = true;
    const reading = cache.account("fre_rd");
    cache.forget("a:fre_rd");
    release();
    held = false;
    expect((await reading)?.id).toBe("fre_rd");
    await cache.account("fre_rd");
    expect(cache.counts).toEqual({ hit: 0, miss: 2, bypass: 0 });
    await cache.account("fre_rd");
    expect(cache.counts.hit).toBe(1);
    await cache.close();
  });

  it("serves an entry no longer than its time to live, and keeps at most its size", async () => {
    let clock = 0;
    const cache = new ReadCache(db(), { ttlMs: 1_000, maxEntries: 2, clock: () => clock });
    await cache.start();
    await cache.account("cli_rd");
    await cache.account("cli_rd");
    expect(cache.counts).toEqual({ hit: 1, miss: 1, bypass: 0 });
    clock = 1_000;
    await cache.account("cli_rd");
    expect(cache.counts.miss).toBe(2);
    await cache.account("fre_rd");
    await cache.account("adm_rc");
    expect(cache.size).toBe(2);
    await cache.account("cli_rd"); // the least recently used, dropped for adm_rc
    expect(cache.counts.miss).toBe(5);
    await cache.close();
    expect(cache.live).toBe(false);
    await cache.account("cli_rd");
    expect(cache.counts.bypass).toBe(1);
  });

  it.runIf(name === "postgres")(
    "reads the database while its listening connection is lost, and serves again once it listens",
    async () => {
      const cache = new ReadCache(db(), { ttlMs: 60_000, maxEntries: 100, retryMs: 50 });
      await cache.start();
      expect(cache.live).toBe(true);
      await cache.account("fre_rd");
      expect(cache.size).toBe(1);
      const channel = (await db().query<{ c: string }>("SELECT 'lg_changes_' || current_schema() AS c"))
        .rows[0]?.c;
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      try {
        // The listening connection is the one whose last statement was its LISTEN.
        const ended = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()",
          [`LISTEN ${channel}`],
        );
        expect(ended.rowCount).toBeGreaterThanOrEqual(1);
      } finally {
        await admin.end();
      }
      await eventually(() => {
        expect(cache.live).toBe(false);
      });
      expect(cache.size).toBe(0);
      await cache.account("fre_rd");
      expect(cache.counts.bypass).toBeGreaterThanOrEqual(1);
      await eventually(() => {
        expect(cache.live).toBe(true);
      });
      await cache.account("fre_rd");
      await cache.account("fre_rd");
      expect(cache.counts.hit).toBe(1);
      await cache.close();
    },
  );
});
