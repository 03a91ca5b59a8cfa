import { DEFAULT_CONFIG, type MarketplaceConfig } from "@leakguard/domain";
import { parseSecretKey } from "@leakguard/store";
import { z } from "zod";

/** pino's levels, and `silent`, as LEAKGUARD_LOG_LEVEL takes them. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's settings, parsed once from the environment, frozen and passed down. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** A real PostgreSQL server; without it the embedded PGlite in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** SHA-256 (hex) of the platform API keys; the keys themselves are never kept. */
  readonly apiKeyHashes: readonly string[];
  /** Write the demo data on first start (LEAKGUARD_DEMO=0 turns it off). */
  readonly seedDemo: boolean;
  /** The marketplace's periods and fees: the defaults, with LEAKGUARD_MARKETPLACE's overrides. */
  readonly marketplace: MarketplaceConfig;
  /** The key of the handle hashes that link accounts; unset, the database keeps one of its own. */
  readonly handleKey: string | undefined;
  /** A policy file (JSON or YAML) for the engine and the sanction ladder; the default policy when unset. */
  readonly policyFile: string | undefined;
  /** A candidate policy file run in shadow on every message: its verdicts are stored and counted, never enforced. */
  readonly shadowPolicyFile: string | undefined;
  /** What this process does: serve the API (`api`), run the clock's jobs and send webhooks (`worker`), or both (`all`). */
  readonly role: "api" | "worker" | "all";
  /** How often a worker runs the clock's jobs (auto-release, invoices, deadlines, signals). */
  readonly clockMs: number;
  /** How often the webhook sender looks for due deliveries. */
  readonly webhookPollMs: number;
  /** How long a sender holds a delivery it is sending; one that dies leaves it to expire, then it is sent again. */
  readonly webhookLeaseMs: number;
  /** The lowest level written to the JSON log (pino's levels, or `silent`). */
  readonly logLevel: LogLevel;
  /** `json` lines, or `pretty` text for a person; unset, pretty on a terminal outside production, else JSON. */
  readonly logFormat: "json" | "pretty" | undefined;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; unset, it is open (keep it on a private network). */
  readonly metricsToken: string | undefined;
  /** A worker's listener for /metrics, /healthz and /readyz (a worker serves no API); unset, none. */
  readonly metricsPort: number | undefined;
  /**
   * Production (NODE_ENV=production, or LEAKGUARD_ROLE api or worker: parts of a deployment): secrets
   * come only from the environment, and the session cookie is Secure by default.
   */
  readonly production: boolean;
  /** Mark the session cookie Secure and send HSTS even on plain-http requests (TLS ends at a proxy). */
  readonly secureCookies: boolean;
  /** The key sealing stored secrets (32 bytes); unset, the database keeps one of its own (embedded default only). */
  readonly secretKey: Buffer | undefined;
  /** Redis for the rate-limit counters; unset, they are kept in the database. */
  readonly redisUrl: string | undefined;
  /** Which proxies' X-Forwarded-For give the client IP: none (false), all (true), a hop count, or addresses/CIDRs. */
  readonly trustProxy: boolean | number | string;
  /** Webhook endpoints may be private, loopback or link-local addresses (off: refused, against SSRF). */
  readonly webhookAllowPrivate: boolean;
  /** How long the pre-send check may serve a cached account or pair context at most; 0: no cache. */
  readonly checkCacheSeconds: number;
  /** How many scans of conversation messages each API process remembers (ScanMemo); 0: none. */
  readonly scanMemoEntries: number;
  readonly rateLimits: {
    readonly userPerMinute: number;
    readonly ipPerMinute: number;
    readonly platformPerMinute: number;
    readonly signInFailuresPerAccount: number;
    readonly signInFailuresPerIp: number;
    readonly signInWindowMinutes: number;
    readonly flushMs: number;
  };
}

const Whole = (min: number, max: number) => z.number().int().min(min).max(max);
/** Minor units in JSON: a string of digits (exact) or a safe integer. */
const MinorUnits = z
  .union([z.string().regex(/^[0-9]{1,18}$/, "a string of digits"), Whole(0, Number.MAX_SAFE_INTEGER)])
  .transform((v) => BigInt(v));

const RETENTION_DAYS = "a whole number of days from 1 to 36500, or null to keep originals forever";

/** Overrides of the marketplace configuration: any subset, every field checked, unknown fields refused. */
const MarketplaceOverrides = z
  .object({
    platformFeeBps: Whole(0, 10_000),
    pendingDays: Whole(0, 365),
    fixedPrice: z
      .object({
        autoReleaseDays: Whole(1, 365),
        refundAnswerDays: Whole(1, 365),
        disputeAnswerBusinessDays: Whole(1, 260),
      })
      .partial()
      .strict(),
    hourly: z
      .object({
        segmentMinutes: z
          .number()
          .int()
          .refine(
            (n) => n > 0 && 60 % n === 0,
            "a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)",
          ),
        invoiceHourUtc: Whole(0, 23),
        disputeAnswerDays: Whole(1, 30),
      })
      .partial()
      .strict(),
    relationship: z
      .object({
        offPlatformWindowMonths: Whole(0, 240),
        conversionHours: Whole(0, 10_000),
        conversionFeeBps: Whole(0, 10_000),
        conversionFeeMinMinor: MinorUnits,
        conversionFeeMaxMinor: MinorUnits,
        conversionFeeNominalMinor: MinorUnits,
        usdMillionthsPerMinor: z.record(z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code"), MinorUnits),
      })
      .partial()
      .strict(),
    trust: z
      .object({
        warningExpiryDays: Whole(1, 3_650),
        sameKindWarningsToSuspend: Whole(1, 100),
        anyWarningsToSuspend: Whole(1, 100),
        clarificationDays: Whole(1, 90),
      })
      .partial()
      .strict(),
    retention: z
      .object({
        // Zero would erase what agents are still reviewing; "forever" is said with null.
        originalDays: z
          .number({ error: RETENTION_DAYS })
          .int({ error: RETENTION_DAYS })
          .min(1, { error: RETENTION_DAYS })
          .max(36_500, { error: RETENTION_DAYS })
          .nullable(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

/** `base` with every field `over` sets (an absent or undefined field keeps the base's). */
function overlay<T extends object>(base: T, over: { [K in keyof T]?: T[K] | undefined } | undefined): T {
  const out = { ...base };
  for (const key of Object.keys(over ?? {}) as (keyof T)[]) {
    const v = over?.[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The defaults with `text`'s overrides, or the problems, each with its field's path. */
function marketplaceFrom(
  text: string | undefined,
): { ok: true; value: MarketplaceConfig } | { ok: false; problems: string[] } {
  if (text === undefined) return { ok: true, value: DEFAULT_CONFIG };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`LEAKGUARD_MARKETPLACE: not JSON (${(error as Error).message})`] };
  }
  const parsed = MarketplaceOverrides.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `LEAKGUARD_MARKETPLACE.${i.path.join(".")}: ${i.message}`),
    };
  const o = parsed.data;
  const d = DEFAULT_CONFIG;
  const relationship = {
    ...overlay(d.relationship, o.relationship),
    usdMillionthsPerMinor: Object.freeze({
      ...d.relationship.usdMillionthsPerMinor,
      ...o.relationship?.usdMillionthsPerMinor,
    }),
  };
  if (relationship.conversionFeeMinMinor > relationship.conversionFeeMaxMinor)
    return {
      ok: false,
      problems: ["LEAKGUARD_MARKETPLACE.relationship: conversionFeeMinMinor is above conversionFeeMaxMinor"],
    };
  return {
    ok: true,
    value: Object.freeze({
      platformFeeBps: o.platformFeeBps ?? d.platformFeeBps,
      pendingDays: o.pendingDays ?? d.pendingDays,
      fixedPrice: Object.freeze(overlay(d.fixedPrice, o.fixedPrice)),
      hourly: Object.freeze(overlay(d.hourly, o.hourly)),
      relationship: Object.freeze(relationship),
      trust: Object.freeze(overlay(d.trust, o.trust)),
      retention: Object.freeze({
        originalDays:
          o.retention?.originalDays === undefined ? d.retention.originalDays : o.retention.originalDays,
      }),
    }),
  };
}

const Env = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://")
    .optional(),
  LEAKGUARD_DATA_DIR: z.string().min(1).default("./.leakguard/data"),
  LEAKGUARD_API_KEY_HASHES: z
    .string()
    .regex(
      /^[0-9a-f]{64}(,[0-9a-f]{64})*$/,
      "LEAKGUARD_API_KEY_HASHES is a comma-separated list of SHA-256 hex digests",
    )
    .optional(),
  LEAKGUARD_DEMO: z.enum(["0", "1"], "LEAKGUARD_DEMO is 0 or 1").default("1"),
  LEAKGUARD_MARKETPLACE: z.string().optional(),
  LEAKGUARD_HANDLE_KEY: z.string().min(32, "LEAKGUARD_HANDLE_KEY has at least 32 characters").optional(),
  LEAKGUARD_ROLE: z.enum(["api", "worker", "all"], "LEAKGUARD_ROLE is api, worker or all").default("all"),
  LEAKGUARD_POLICY_FILE: z.string().min(1).optional(),
  LEAKGUARD_SHADOW_POLICY_FILE: z.string().min(1).optional(),
  LEAKGUARD_CLOCK_MS: z.coerce
    .number("LEAKGUARD_CLOCK_MS is a number of milliseconds")
    .int("LEAKGUARD_CLOCK_MS is a whole number of milliseconds")
    .min(100, "LEAKGUARD_CLOCK_MS is at least 100 (the clock's jobs read every due row each run)")
    .max(86_400_000, "LEAKGUARD_CLOCK_MS is at most 86400000 (a day)")
    .default(60_000),
  LEAKGUARD_WEBHOOK_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1_000),
  LEAKGUARD_WEBHOOK_LEASE_MS: z.coerce
    .number()
    .int()
    .min(
      1_000,
      "LEAKGUARD_WEBHOOK_LEASE_MS is at least 1000 (a send times out after 10 s; keep it above that in production)",
    )
    .max(3_600_000)
    .default(60_000),
  LEAKGUARD_LOG_LEVEL: z
    .enum(LOG_LEVELS, `LEAKGUARD_LOG_LEVEL is one of ${LOG_LEVELS.join(", ")}`)
    .default("info"),
  LEAKGUARD_LOG_FORMAT: z.enum(["json", "pretty"], "LEAKGUARD_LOG_FORMAT is json or pretty").optional(),
  LEAKGUARD_METRICS_TOKEN: z
    .string()
    .min(16, "LEAKGUARD_METRICS_TOKEN has at least 16 characters")
    .regex(/^[\x21-\x7e]+$/, "LEAKGUARD_METRICS_TOKEN is visible ASCII (it travels in a header)")
    .optional(),
  LEAKGUARD_METRICS_PORT: z.coerce
    .number("LEAKGUARD_METRICS_PORT is a port number")
    .int()
    .min(0)
    .max(65_535)
    .optional(),
  LEAKGUARD_SECURE_COOKIES: z.enum(["0", "1"], "LEAKGUARD_SECURE_COOKIES is 0 or 1").optional(),
  NODE_ENV: z.string().optional(),
  LEAKGUARD_SECRET_KEY: z
    .string()
    .refine(
      (s) => parseSecretKey(s) !== null,
      "LEAKGUARD_SECRET_KEY is 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)",
    )
    .optional(),
  LEAKGUARD_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "LEAKGUARD_REDIS_URL starts with redis:// or rediss://")
    .optional(),
  LEAKGUARD_TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|[0-9]{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/,
      "LEAKGUARD_TRUST_PROXY is true, false, a number of proxy hops, or comma-separated proxy addresses/CIDRs",
    )
    .default("false"),
  LEAKGUARD_RATE_LIMIT_USER_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(600),
  LEAKGUARD_RATE_LIMIT_IP_PER_MIN: z.coerce.number().int().min(0).max(1_000_000).default(1_200),
  LEAKGUARD_RATE_LIMIT_PLATFORM_PER_MIN: z.coerce.number().int().min(0).max(10_000_000).default(6_000),
  LEAKGUARD_SIGNIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(10_000).default(10),
  LEAKGUARD_SIGNIN_FAILURES_PER_IP: z.coerce.number().int().min(1).max(100_000).default(50),
  LEAKGUARD_SIGNIN_WINDOW_MIN: z.coerce.number().int().min(1).max(1_440).default(15),
  LEAKGUARD_WEBHOOK_ALLOW_PRIVATE: z
    .enum(["0", "1"], "LEAKGUARD_WEBHOOK_ALLOW_PRIVATE is 0 or 1")
    .default("0"),
  LEAKGUARD_RATE_LIMIT_FLUSH_MS: z.coerce.number().int().min(0).max(1_000).default(250),
  LEAKGUARD_CHECK_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(30),
  LEAKGUARD_SCAN_MEMO_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
});

function trustProxyOf(text: string): boolean | number | string {
  if (text === "true") return true;
  if (text === "false") return false;
  return /^[0-9]+$/.test(text) ? Number(text) : text;
}

export type ConfigResult = { ok: true; config: ServerConfig } | { ok: false; problems: string[] };

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  // An empty variable counts as unset ("DATABASE_URL= npm start" means the embedded database).
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  const marketplace = marketplaceFrom(
    env.LEAKGUARD_MARKETPLACE === "" ? undefined : env.LEAKGUARD_MARKETPLACE,
  );
  if (!marketplace.ok) problems.push(...marketplace.problems);
  if (!parsed.success || !marketplace.ok) return { ok: false, problems };
  const e = parsed.data;
  const production = e.NODE_ENV === "production" || e.LEAKGUARD_ROLE !== "all";
  return {
    ok: true,
    config: Object.freeze({
      host: e.HOST,
      port: e.PORT,
      databaseUrl: e.DATABASE_URL,
      dataDir: e.LEAKGUARD_DATA_DIR,
      apiKeyHashes: Object.freeze(e.LEAKGUARD_API_KEY_HASHES?.split(",") ?? []),
      seedDemo: e.LEAKGUARD_DEMO === "1",
      marketplace: marketplace.value,
      handleKey: e.LEAKGUARD_HANDLE_KEY,
      role: e.LEAKGUARD_ROLE,
      policyFile: e.LEAKGUARD_POLICY_FILE,
      shadowPolicyFile: e.LEAKGUARD_SHADOW_POLICY_FILE,
      clockMs: e.LEAKGUARD_CLOCK_MS,
      webhookPollMs: e.LEAKGUARD_WEBHOOK_POLL_MS,
      webhookLeaseMs: e.LEAKGUARD_WEBHOOK_LEASE_MS,
      logLevel: e.LEAKGUARD_LOG_LEVEL,
      logFormat: e.LEAKGUARD_LOG_FORMAT,
      metricsToken: e.LEAKGUARD_METRICS_TOKEN,
      metricsPort: e.LEAKGUARD_METRICS_PORT,
      production,
      secureCookies:
        e.LEAKGUARD_SECURE_COOKIES === undefined
          ? e.NODE_ENV === "production"
          : e.LEAKGUARD_SECURE_COOKIES === "1",
      secretKey:
        e.LEAKGUARD_SECRET_KEY === undefined
          ? undefined
          : (parseSecretKey(e.LEAKGUARD_SECRET_KEY) ?? undefined),
      redisUrl: e.LEAKGUARD_REDIS_URL,
      trustProxy: trustProxyOf(e.LEAKGUARD_TRUST_PROXY),
      webhookAllowPrivate: e.LEAKGUARD_WEBHOOK_ALLOW_PRIVATE === "1",
      checkCacheSeconds: e.LEAKGUARD_CHECK_CACHE_SECONDS,
      scanMemoEntries: e.LEAKGUARD_SCAN_MEMO_ENTRIES,
      rateLimits: Object.freeze({
        userPerMinute: e.LEAKGUARD_RATE_LIMIT_USER_PER_MIN,
        ipPerMinute: e.LEAKGUARD_RATE_LIMIT_IP_PER_MIN,
        platformPerMinute: e.LEAKGUARD_RATE_LIMIT_PLATFORM_PER_MIN,
        signInFailuresPerAccount: e.LEAKGUARD_SIGNIN_FAILURES_PER_ACCOUNT,
        signInFailuresPerIp: e.LEAKGUARD_SIGNIN_FAILURES_PER_IP,
        signInWindowMinutes: e.LEAKGUARD_SIGNIN_WINDOW_MIN,
        flushMs: e.LEAKGUARD_RATE_LIMIT_FLUSH_MS,
      }),
    }),
  };
}

/**
 * What a production process (NODE_ENV=production, or LEAKGUARD_ROLE api or
 * worker) lacks to start: there no secret is made up for the run or kept in
 * the database, so a missing one stops the start, by name. A worker serves no
 * HTTP, so it needs no API keys. (Checked by the server's start, not by
 * parseConfig, so `leakguard migrate` needs no secrets.)
 */
export function missingSecrets(config: ServerConfig): string[] {
  if (!config.production) return [];
  const why = `required in production (${config.role === "all" ? "NODE_ENV=production" : `LEAKGUARD_ROLE=${config.role}`})`;
  const problems: string[] = [];
  if (config.handleKey === undefined)
    problems.push(
      `LEAKGUARD_HANDLE_KEY: ${why}: set it to 32+ random characters (e.g. \`openssl rand -hex 32\`), the same on every process`,
    );
  if (config.secretKey === undefined)
    problems.push(
      `LEAKGUARD_SECRET_KEY: ${why}: set it to 32 random bytes as hex (e.g. \`openssl rand -hex 32\`), the same on every process; it seals webhook secrets`,
    );
  if (config.apiKeyHashes.length === 0 && config.role !== "worker")
    problems.push(
      `LEAKGUARD_API_KEY_HASHES: ${why}: set it to the SHA-256 hex of your platform key(s), comma-separated (e.g. \`printf %s "$KEY" | sha256sum\`)`,
    );
  return problems;
}
