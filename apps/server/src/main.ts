#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { migrate, runDueJobs } from "@leakguard/store";
import { Redis } from "ioredis";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { missingSecrets, parseConfig } from "./config.js";
import { databaseLabel, openConfiguredDb } from "./database.js";
import { buildOpsApp, createLogger, Metrics, prettyDestination } from "./observability.js";
import { type PolicyFile, readPolicyFile } from "./policy-file.js";
import { DEFAULT_READ_CACHE } from "./read-cache.js";
import { secretKeyOf } from "./secret-key.js";
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from "./seed.js";
import { deliverDueWebhooks } from "./webhook-delivery.js";

// The only place the server reads process.env: parsed once, frozen, passed down.
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  // Before a logger exists (its level is one of the settings): plain text for the person starting it.
  console.error(`leakguard server: bad configuration\n  ${parsed.problems.join("\n  ")}`);
  process.exit(2);
}
const missing = missingSecrets(parsed.config);
if (missing.length > 0) {
  console.error(`leakguard server: missing secrets\n  ${missing.join("\n  ")}`);
  process.exit(2);
}
// JSON lines on stdout, one object per event; requests carry their id as `reqId`. A person running
// `npm start` at a terminal reads text instead (LEAKGUARD_LOG_FORMAT chooses either way).
const pretty =
  parsed.config.logFormat === "pretty" ||
  (parsed.config.logFormat === undefined && !parsed.config.production && process.stdout.isTTY === true);
const log = createLogger(parsed.config.logLevel, pretty ? prettyDestination() : undefined);
// The policy files are read once at start: a bad one stops the server with its file, line and field.
const policyOf = (path: string | undefined, what: string): PolicyFile | undefined => {
  if (path === undefined) return undefined;
  const read = readPolicyFile(path);
  if (!read.ok) {
    log.fatal(
      { file: path, code: read.error.code },
      `leakguard server: bad ${what} (${read.error.code}): ${read.error.message}`,
    );
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
const metrics = new Metrics();
const app = await buildApp({
  db,
  apiKeyHashes,
  logger: log,
  metrics,
  ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
  marketplace: config.marketplace,
  ...(livePolicy === undefined ? {} : { policy: livePolicy.policy }),
  ...(shadowPolicy === undefined ? {} : { shadowPolicy: shadowPolicy.policy }),
  ...(config.handleKey === undefined ? {} : { handleKey: config.handleKey }),
  secureCookies: config.secureCookies,
  secretKey,
  trustProxy: config.trustProxy,
  webhookAllowPrivate: config.webhookAllowPrivate,
  // A worker answers no checks: it keeps no cache and opens no listening connection.
  readCache:
    serves && config.checkCacheSeconds > 0
      ? { ...DEFAULT_READ_CACHE, ttlMs: config.checkCacheSeconds * 1_000 }
      : false,
  scanMemoEntries: serves ? config.scanMemoEntries : 0,
  rateLimits: {
    settings: config.rateLimits,
    backend: redis === undefined ? { kind: "database" } : { kind: "redis", redis },
  },
});
const url = serves ? await app.listen({ host: config.host, port: config.port }) : "";
// A worker serves no API; given a port, it serves its metrics and health there, so its job failures
// and webhook lag can be scraped.
const ops =
  !serves && config.metricsPort !== undefined
    ? await buildOpsApp({ db, metrics, logger: log, token: config.metricsToken })
    : undefined;
const opsUrl =
  ops === undefined ? "" : await ops.listen({ host: config.host, port: config.metricsPort ?? 0 });

// The start-up facts as log lines whose messages read as sentences, so `npm start` stays a quick start.
if (serves) {
  log.info({ url }, `Leakguard API on ${url} (reference: ${url}/docs, OpenAPI: ${url}/openapi.json)`);
  log.info(`trust & safety console: ${url}/console/ · demo marketplace: ${url}/app/`);
  log.info({ url: `${url}/metrics` }, `metrics: ${url}/metrics`);
}
if (ops !== undefined)
  log.info(
    { url: `${opsUrl}/metrics` },
    `worker metrics and health on ${opsUrl} (/metrics, /healthz, /readyz)`,
  );
log.info(
  { role: config.role },
  `role: ${config.role} (${[serves ? "serves the API" : "", works ? "runs the clock's jobs and sends webhooks" : ""].filter((s) => s !== "").join("; ")})`,
);
log.info(
  { database: databaseLabel(config), migrationsApplied: applied.length },
  `database: ${databaseLabel(config)}; migrations applied now: ${applied.length}`,
);
log.info(
  {
    rateLimits: redis === undefined ? "database" : "redis",
    secretKey: config.secretKey === undefined ? "instance" : "environment",
  },
  `rate limits: counted in ${redis === undefined ? "the database" : "Redis"}; stored secrets sealed with ${config.secretKey === undefined ? "the instance's own key (set LEAKGUARD_SECRET_KEY in production)" : "LEAKGUARD_SECRET_KEY"}`,
);
log.info(
  { policy: livePolicy?.policy.version ?? null, shadowPolicy: shadowPolicy?.policy.version ?? null },
  `policy: ${livePolicy?.policy.version ?? "the default"}${shadowPolicy === undefined ? "" : `; in shadow: ${shadowPolicy.policy.version}`}`,
);
if (config.seedDemo && serves) {
  log.info(
    `demo data ${seeded ? "written now" : "already there"}; sign in as one of these with password "${DEMO_PASSWORD}" (POST /v1/sessions), or act as one with the key and Leakguard-Act-As:`,
  );
  for (const a of DEMO_ACCOUNTS) log.info(`demo account: ${a.id} (${a.role}) ${a.displayName}`);
  log.info(
    `try: curl -H "Authorization: Bearer ${devKey ?? "<your key>"}" -H "Leakguard-Act-As: fre_maya" ${url}/v1/milestones/ms_demo_logo`,
  );
}
// Only when no key is configured: a key made for this run, shown once so a first start needs no setup.
if (devKey !== undefined && serves)
  log.info(
    `platform API key for this run: ${devKey} (set LEAKGUARD_API_KEY_HASHES to the SHA-256 of your own keys to fix them)`,
  );

// The clock's jobs (auto-release, dispute defaults, weekly invoices and their settlement, pending to
// available) run every LEAKGUARD_CLOCK_MS (a minute); each is safe to run twice, so a restart or a
// second worker does no harm. One run at a time: a slow run is never overtaken by the next.
let ticking = false;
const runClock = async () => {
  if (ticking) return;
  ticking = true;
  metrics.jobRuns.inc({ job: "clock" });
  try {
    const report = await runDueJobs(db, new Date(), config.marketplace);
    for (const e of report.errors) {
      metrics.jobFailures.inc({ job: e.job });
      log.error({ job: e.job, error: e.message }, `clock: ${e.job}: ${e.message}`);
    }
    if (report.milestones > 0 || report.skipped > 0)
      log.info(
        { job: "clock", milestonesChanged: report.milestones, milestonesSkipped: report.skipped },
        `clock: milestones changed ${report.milestones}, left to others or later ${report.skipped}`,
      );
  } catch (error) {
    metrics.jobFailures.inc({ job: "clock" });
    log.error({ job: "clock", err: error }, "clock: the run failed; the next one retries");
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
  metrics.jobRuns.inc({ job: "webhooks" });
  try {
    await deliverDueWebhooks(db, new Date(), {
      leaseMs: config.webhookLeaseMs,
      log: log.child({ job: "webhooks" }),
      metrics,
      secretKey,
      allowPrivate: config.webhookAllowPrivate,
    });
  } catch (error) {
    metrics.jobFailures.inc({ job: "webhooks" });
    log.error({ job: "webhooks", err: error }, "webhooks: a pass failed; the next one retries");
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
      .then(() => ops?.close())
      .then(() => redis?.quit())
      .then(() => db.close())
      .then(() => process.exit(0));
  });
