#!/usr/bin/env node
// What the rate limiter costs on the pre-send check (POST /v1/messages/check),
// in process (app.inject, no sockets): the same app with no limiter, with
// counters in PostgreSQL (one upsert per request, and batched), and in Redis.
// Each variant runs `--seconds` with `--concurrency` requests in flight, as a
// signed-in person (so both the per-IP and the per-account limit count).
//
// Usage: npm run build && DATABASE_URL=postgres://… [LEAKGUARD_TEST_REDIS_URL=redis://…] \
//          node scripts/bench-rate-limits.mjs [--seconds 8] [--concurrency 32]
// Without DATABASE_URL it runs on PGlite (one statement at a time: slower, same shape).
import { randomBytes } from "node:crypto";
import { migrate, openDb } from "@leakguard/store";
import { Redis } from "ioredis";
import pg from "pg";
import { buildApp } from "../apps/server/dist/app.js";
import { sha256Hex } from "../apps/server/dist/auth.js";
import { DEFAULT_RATE_LIMITS, REQUEST_LIMITS_OFF } from "../apps/server/dist/rate-limits.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const seconds = arg("seconds", 8);
const concurrency = arg("concurrency", 32);
const url = process.env.DATABASE_URL;
const redisUrl = process.env.LEAKGUARD_TEST_REDIS_URL;

const schema = `bench_${randomBytes(5).toString("hex")}`;
let admin;
let db;
if (url) {
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = await openDb({ engine: "postgres", url, schema, maxConnections: 20 });
} else db = await openDb({ engine: "pglite" });
await migrate(db);

const KEY = "lg_bench_key";
const platform = { authorization: `Bearer ${KEY}` };
const high = { userPerMinute: 1e6, ipPerMinute: 1e6, platformPerMinute: 1e6 };
const off = REQUEST_LIMITS_OFF;
const redis = redisUrl ? new Redis(redisUrl) : undefined;
const variants = [
  ["no limiter", { settings: off }],
  ["PostgreSQL, one upsert per request", { settings: { ...DEFAULT_RATE_LIMITS, ...high, flushMs: 0 } }],
  [
    "PostgreSQL, batched (flush every 250 ms)",
    { settings: { ...DEFAULT_RATE_LIMITS, ...high, flushMs: 250 } },
  ],
  ...(redis
    ? [
        [
          "Redis, one INCRBY per request",
          { settings: { ...DEFAULT_RATE_LIMITS, ...high }, backend: { kind: "redis", redis } },
        ],
      ]
    : []),
];

const setup = await buildApp({ db, apiKeyHashes: [sha256Hex(KEY)] });
for (const [id, role] of [
  ["cli_bench", "client"],
  ["fre_bench", "freelancer"],
]) {
  const res = await setup.inject({
    method: "POST",
    url: "/v1/accounts",
    headers: platform,
    payload: { id, role, displayName: id, country: "US", locale: "en-US", password: "bench-password-long" },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
}
const { token } = (
  await setup.inject({
    method: "POST",
    url: "/v1/sessions",
    payload: { accountId: "cli_bench", password: "bench-password-long" },
  })
).json();
await setup.close();

const texts = [
  "Hi! I can start on the logo tomorrow, is the brief final?",
  "Sure, send me the files here and I'll take a look tonight.",
  "Let's talk on whatsapp, my number is plus one five five five 0100",
  "The milestone is submitted, please review when you can.",
];

async function run(name, rateLimits) {
  const app = await buildApp({ db, apiKeyHashes: [sha256Hex(KEY)], rateLimits });
  const headers = { authorization: `Bearer ${token}` };
  let done = 0;
  let errors = 0;
  const one = async (i) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/messages/check",
      headers,
      payload: { recipientId: "fre_bench", text: texts[i % texts.length] },
    });
    if (res.statusCode !== 200) errors++;
    done++;
  };
  // Warm-up, then the measured run.
  for (let i = 0; i < 300; i++) await one(i);
  done = 0;
  const cpu0 = process.cpuUsage();
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (performance.now() < until) {
        i += concurrency;
        await one(i);
      }
    }),
  );
  const rate = done / ((performance.now() - started) / 1000);
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / done;
  await app.close();
  console.log(
    `${name.padEnd(42)} ${rate.toFixed(0).padStart(6)} requests/s, ${cpuUs.toFixed(0).padStart(5)} µs of this process's CPU per request${errors ? ` (${errors} not 200)` : ""}`,
  );
  return { rate, cpuUs };
}

console.log(
  `pre-send check in process, ${concurrency} in flight, ${seconds} s each, on ${url ? "PostgreSQL" : "PGlite"}:`,
);
// Rounds interleave the variants so a change in the machine's load falls on all of them; medians are kept.
const rounds = arg("rounds", 3);
const runs = variants.map(() => []);
for (let r = 0; r < rounds; r++)
  for (const [i, [name, rl]] of variants.entries()) runs[i].push(await run(name, rl));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = runs.map((rs) => ({
  rate: median(rs.map((x) => x.rate)),
  cpuUs: median(rs.map((x) => x.cpuUs)),
}));
console.log("medians:");
for (const [i, [name]] of variants.entries())
  console.log(
    `  ${name.padEnd(42)} ${summary[i].rate.toFixed(0).padStart(6)} requests/s (${(((summary[i].rate - summary[0].rate) / summary[0].rate) * 100).toFixed(1)}%), ${summary[i].cpuUs.toFixed(0)} µs CPU/request (+${(summary[i].cpuUs - summary[0].cpuUs).toFixed(0)})`,
  );

// The limiter alone, one caller at a time: what one hit costs in latency.
const { databaseCounters, BatchedCounters } = await import("../apps/server/dist/rate-limits.js");
const time = async (label, counters) => {
  const n = 2_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await counters.hit(`bench:${i % 50}`, 60_000, new Date());
  console.log(`  ${label.padEnd(42)} ${(((performance.now() - t0) / n) * 1000).toFixed(0)} µs per hit`);
  await counters.close();
};
console.log("one hit, sequential:");
await time("PostgreSQL upsert", databaseCounters(db));
await time(
  "PostgreSQL batched",
  new BatchedCounters(
    db,
    250,
    () => new Date(),
    () => {},
  ),
);

await redis?.quit();
await db.close();
if (admin) {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
