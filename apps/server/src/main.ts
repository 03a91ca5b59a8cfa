#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { migrate, runDueJobs } from "@leakguard/store";
import { Redis } from "ioredis";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { missingSecrets, parseConfig } from "./config.js";
import { databaseLabel, openConfiguredDb } from "./database.js";
import { type PolicyFile, readPolicyFile } from "./policy-file.js";
import { secretKeyOf } from "./secret-key.js";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from "./seed.js";
import { deliverDueWebhooks } from "./webhook-delivery.js";

// The only place the server reads process.env: parsed once, frozen, passed down.
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(`leakguard server: bad configuration\n  ${parsed.problems.join("\n  ")}`);
  process.exit(2);
}
const missing = missingSecrets(parsed.config);
if (missing.length > 0) {
  console.error(`leakguard server: missing secrets\n  ${missing.join("\n  ")}`);
  process.exit(2);
}
// The policy files are read once at start: a bad one stops the server with its file, line and field.
const policyOf = (path: string | undefined, what: string): PolicyFile | undefined => {
  if (path === undefined) return undefined;
  const read = readPolicyFile(path);
  if (!read.ok) {
    console.error(`leakguard server: bad ${what} (${read.error.code})\n  ${read.error.message}`);
    process.exit(2);
  }
  return read.value;
};
const livePolicy = policyOf(parsed.config.policyFile, "policy file (LEAKGUARD_POLICY_FILE)");
const shadowPolicy = policyOf(
  parsed.config.shadowPolicyFile,
  "shadow policy file (LEAKGUARD_SHADOW_POLICY_FILE)",
);
const config = {
  ...parsed.config,
  // The live policy file's sanction ladder overrides LEAKGUARD_MARKETPLACE's.
  marketplace: {
    ...parsed.config.marketplace,
    trust: { ...parsed.config.marketplace.trust, ...livePolicy?.sanctions },
  },
};

let apiKeyHashes = config.apiKeyHashes;
let devKey: string | undefined;
if (apiKeyHashes.length === 0 && !config.production) {
  // No key configured: one for this run only, printed below, so a first start needs no setup
  // (never in production: missingSecrets above stopped the start).
  devKey = `lg_dev_${randomBytes(18).toString("base64url")}`;
  apiKeyHashes = [sha256Hex(devKey)];
}

// Roles: `api` serves HTTP only, `worker` runs the clock and the webhook sender only, `all` (the
// embedded default) does both. Any number of each share one PostgreSQL: the jobs lock what they change.
const serves = config.role !== "worker";
const works = config.role !== "api";

const db = await openConfiguredDb(config);
const applied = await migrate(db);
const secretKey = await secretKeyOf(db, config.secretKey);
// Rate-limit counters in Redis when configured; else in the database, shared the same way.
const redis =
  config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { enableOfflineQueue: true });
const seeded = config.seedDemo && serves ? await seedDemo(db, new Date()) : false;
const app = await buildApp({
  db,
  apiKeyHashes,
  logger: false,
  marketplace: config.marketplace,
  ...(livePolicy === undefined ? {} : { policy: livePolicy.policy }),
  ...(shadowPolicy === undefined ? {} : { shadowPolicy: shadowPolicy.policy }),
  ...(config.handleKey === undefined ? {} : { handleKey: config.handleKey }),
  secureCookies: config.secureCookies,
  secretKey,
  trustProxy: config.trustProxy,
  webhookAllowPrivate: config.webhookAllowPrivate,
  rateLimits: {
    settings: config.rateLimits,
    backend: redis === undefined ? { kind: "database" } : { kind: "redis", redis },
  },
});
const url = serves ? await app.listen({ host: config.host, port: config.port }) : "";

if (serves) {
  console.log(`Leakguard API on ${url} (reference: ${url}/docs, OpenAPI: ${url}/openapi.json)`);
  console.log(`trust & safety console: ${url}/console/ · demo marketplace: ${url}/app/`);
}
console.log(
  `role: ${config.role} (${[serves ? "serves the API" : "", works ? "runs the clock's jobs and sends webhooks" : ""].filter((s) => s !== "").join("; ")})`,
);
console.log(`database: ${databaseLabel(config)}; migrations applied now: ${applied.length}`);
console.log(
  `rate limits: counted in ${redis === undefined ? "the database" : "Redis"}; stored secrets sealed with ${config.secretKey === undefined ? "the instance's own key (set LEAKGUARD_SECRET_KEY in production)" : "LEAKGUARD_SECRET_KEY"}`,
);
console.log(
  `policy: ${livePolicy?.policy.version ?? "the default"}${shadowPolicy === undefined ? "" : `; in shadow: ${shadowPolicy.policy.version}`}`,
);
if (config.seedDemo && serves) {
  console.log(
    `demo data ${seeded ? "written now" : "already there"}; sign in as one of these with password "${DEMO_PASSWORD}" (POST /v1/sessions), or act as one with the key and Leakguard-Act-As:`,
  );
  for (const a of DEMO_ACCOUNTS) console.log(`  ${a.id.padEnd(9)} ${a.role.padEnd(10)} ${a.displayName}`);
  console.log(
    `try: curl -H "Authorization: Bearer ${devKey ?? "<your key>"}" -H "Leakguard-Act-As: fre_maya" ${url}/v1/milestones/ms_demo_logo`,
  );
}
if (devKey !== undefined && serves)
  console.log(
    `platform API key for this run: ${devKey}\n  (set LEAKGUARD_API_KEY_HASHES to the SHA-256 of your own keys to fix them)`,
  );

// The clock's jobs (auto-release, dispute defaults, weekly invoices and their settlement, pending to
// available) run every LEAKGUARD_CLOCK_MS (a minute); each is safe to run twice, so a restart or a
// second worker does no harm. One run at a time: a slow run is never overtaken by the next.
let ticking = false;
const runClock = async () => {
  if (ticking) return;
  ticking = true;
  try {
    const report = await runDueJobs(db, new Date(), config.marketplace);
    for (const e of report.errors) console.error(`clock: ${e.job}: ${e.message}`);
    if (report.milestones > 0 || report.skipped > 0)
      console.log(
        `clock: milestones changed ${report.milestones}, left to others or later ${report.skipped}`,
      );
  } catch (error) {
    console.error("clock: the run failed; the next one retries:", error);
  } finally {
    ticking = false;
  }
};
if (works) await runClock();
const clock = works ? setInterval(() => void runClock(), config.clockMs) : undefined;

// Webhooks leave from the outbox as soon as they are due; one pass at a time, so a slow receiver
// never has two passes sending the same deliveries (the lease guards other processes).
let sending = false;
const sendWebhooks = async () => {
  if (sending) return;
  sending = true;
  try {
    await deliverDueWebhooks(db, new Date(), {
      leaseMs: config.webhookLeaseMs,
      secretKey,
      allowPrivate: config.webhookAllowPrivate,
    });
  } catch (error) {
    console.error("webhooks: a pass failed; the next one retries:", error);
  } finally {
    sending = false;
  }
};
const webhooks = works ? setInterval(() => void sendWebhooks(), config.webhookPollMs) : undefined;

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    clearInterval(clock);
    clearInterval(webhooks);
    void app
      .close()
      .then(() => redis?.quit())
      .then(() => db.close())
      .then(() => process.exit(0));
  });
