import { DEFAULT_CONFIG } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./auth.js";
import { missingSecrets, parseConfig, type ServerConfig } from "./config.js";

describe("server configuration", () => {
  it("has defaults that need nothing installed", () => {
    const parsed = parseConfig({});
    expect(parsed).toEqual({
      ok: true,
      config: {
        host: "127.0.0.1",
        port: 8080,
        databaseUrl: undefined,
        dataDir: "./.leakguard/data",
        apiKeyHashes: [],
        seedDemo: true,
        marketplace: DEFAULT_CONFIG,
        handleKey: undefined,
        role: "all",
        policyFile: undefined,
        shadowPolicyFile: undefined,
        checkCacheSeconds: 30,
        scanMemoEntries: 50_000,
        clockMs: 60_000,
        webhookPollMs: 1_000,
        webhookLeaseMs: 60_000,
        logLevel: "info",
        logFormat: undefined,
        metricsToken: undefined,
        metricsPort: undefined,
        production: false,
        secureCookies: false,
        secretKey: undefined,
        redisUrl: undefined,
        trustProxy: false,
        webhookAllowPrivate: false,
        rateLimits: {
          userPerMinute: 600,
          ipPerMinute: 1_200,
          platformPerMinute: 6_000,
          signInFailuresPerAccount: 10,
          signInFailuresPerIp: 50,
          signInWindowMinutes: 15,
          flushMs: 250,
        },
      },
    });
    if (parsed.ok) expect(Object.isFrozen(parsed.config)).toBe(true);
  });

  it("reads PORT, DATABASE_URL, LEAKGUARD_DATA_DIR and the key hashes", () => {
    const hash = sha256Hex("k");
    const parsed = parseConfig({
      PORT: "9090",
      DATABASE_URL: "postgres://u@h/db",
      LEAKGUARD_DATA_DIR: "/var/lib/lg",
      LEAKGUARD_API_KEY_HASHES: `${hash},${hash}`,
    });
    expect(parsed.ok && parsed.config).toMatchObject({
      port: 9090,
      databaseUrl: "postgres://u@h/db",
      dataDir: "/var/lib/lg",
      apiKeyHashes: [hash, hash],
    });
  });

  it("names every bad setting at once", () => {
    const parsed = parseConfig({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      LEAKGUARD_API_KEY_HASHES: "plain-key",
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problems).toHaveLength(3);
      expect(parsed.problems.join("\n")).toMatch(/PORT[\s\S]*DATABASE_URL[\s\S]*LEAKGUARD_API_KEY_HASHES/);
    }
  });

  it("overrides any of the marketplace's periods and fees from LEAKGUARD_MARKETPLACE, keeping the rest", () => {
    const parsed = parseConfig({
      LEAKGUARD_MARKETPLACE: JSON.stringify({
        platformFeeBps: 800,
        hourly: { disputeAnswerDays: 5 },
        relationship: { conversionFeeMaxMinor: "4000000", usdMillionthsPerMinor: { EUR: 1_080_000 } },
      }),
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const m = parsed.config.marketplace;
    expect(m.platformFeeBps).toBe(800);
    expect(m.hourly).toEqual({ ...DEFAULT_CONFIG.hourly, disputeAnswerDays: 5 });
    expect(m.fixedPrice).toEqual(DEFAULT_CONFIG.fixedPrice);
    expect(m.relationship.conversionFeeMaxMinor).toBe(4_000_000n);
    expect(m.relationship.usdMillionthsPerMinor).toEqual({ USD: 1_000_000n, EUR: 1_080_000n });
    expect(Object.isFrozen(m.relationship)).toBe(true);
  });

  it("names each bad marketplace field by its path", () => {
    const bad = parseConfig({
      LEAKGUARD_MARKETPLACE: JSON.stringify({
        platformFeeBps: 20_000,
        hourly: { segmentMinutes: 7, weekStartsOn: "sunday" },
        relationship: { usdMillionthsPerMinor: { euro: 1 } },
      }),
    });
    expect(bad.ok).toBe(false);
    const text = bad.ok ? "" : bad.problems.join("\n");
    expect(text).toMatch(/LEAKGUARD_MARKETPLACE\.platformFeeBps/);
    expect(text).toMatch(/LEAKGUARD_MARKETPLACE\.hourly\.segmentMinutes: a divisor of 60/);
    expect(text).toMatch(/LEAKGUARD_MARKETPLACE\.hourly.*weekStartsOn/);
    expect(text).toMatch(/LEAKGUARD_MARKETPLACE\.relationship\.usdMillionthsPerMinor\.euro/);
    expect(parseConfig({ LEAKGUARD_MARKETPLACE: "{fee: 1}" })).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^LEAKGUARD_MARKETPLACE: not JSON/)],
    });
    expect(
      parseConfig({
        LEAKGUARD_MARKETPLACE: '{"relationship":{"conversionFeeMinMinor":"9000000"}}',
      }),
    ).toMatchObject({ ok: false, problems: [expect.stringMatching(/conversionFeeMinMinor is above/)] });
  });
});

describe("trust and webhook settings", () => {
  it("reads the sanction ladder from LEAKGUARD_MARKETPLACE and the webhook timings, and says what is wrong", () => {
    const parsed = parseConfig({
      LEAKGUARD_MARKETPLACE: JSON.stringify({ trust: { warningExpiryDays: 30, anyWarningsToSuspend: 2 } }),
      LEAKGUARD_WEBHOOK_POLL_MS: "250",
    });
    expect(parsed.ok && parsed.config.marketplace.trust).toEqual({
      ...DEFAULT_CONFIG.trust,
      warningExpiryDays: 30,
      anyWarningsToSuspend: 2,
    });
    expect(parsed.ok && parsed.config.webhookPollMs).toBe(250);
    const bad = parseConfig({
      LEAKGUARD_MARKETPLACE: JSON.stringify({ trust: { warningExpiryDays: 0, ladder: 1 } }),
      LEAKGUARD_WEBHOOK_LEASE_MS: "10",
    });
    expect(bad.ok).toBe(false);
    const problems = bad.ok ? "" : bad.problems.join("\n");
    expect(problems).toMatch(/warningExpiryDays/);
    expect(problems).toMatch(/ladder/);
    expect(problems).toMatch(/LEAKGUARD_WEBHOOK_LEASE_MS/);
  });

  it("marks production (NODE_ENV=production, or an api or worker role) and names the secrets it lacks", () => {
    const config = (env: Record<string, string>): ServerConfig => {
      const parsed = parseConfig(env);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      return parsed.config;
    };
    expect(missingSecrets(config({}))).toEqual([]);
    const api = missingSecrets(config({ LEAKGUARD_ROLE: "api" }));
    expect(api).toHaveLength(3);
    expect(api[0]).toMatch(/^LEAKGUARD_HANDLE_KEY: required in production \(LEAKGUARD_ROLE=api\)/);
    expect(api[1]).toMatch(/^LEAKGUARD_SECRET_KEY: required in production/);
    expect(api[2]).toMatch(/^LEAKGUARD_API_KEY_HASHES: required in production/);
    // A worker serves no HTTP: it needs the handle key and the secret key (it signs webhooks), not API keys.
    expect(missingSecrets(config({ LEAKGUARD_ROLE: "worker" }))).toEqual([
      expect.stringMatching(/^LEAKGUARD_HANDLE_KEY/),
      expect.stringMatching(/^LEAKGUARD_SECRET_KEY/),
    ]);
    const both = {
      LEAKGUARD_HANDLE_KEY: "h".repeat(32),
      LEAKGUARD_SECRET_KEY: "ab".repeat(32),
      LEAKGUARD_API_KEY_HASHES: sha256Hex("k"),
    };
    expect(missingSecrets(config({ NODE_ENV: "production", ...both }))).toEqual([]);
    expect(
      missingSecrets(
        config({
          NODE_ENV: "production",
          LEAKGUARD_HANDLE_KEY: "h".repeat(32),
          LEAKGUARD_SECRET_KEY: "ab".repeat(32),
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^LEAKGUARD_API_KEY_HASHES: required in production \(NODE_ENV=production\)/),
    ]);
  });

  it("marks the session cookie Secure in production unless told otherwise, and when told to", () => {
    const secure = (env: Record<string, string>) => {
      const parsed = parseConfig(env);
      return parsed.ok && parsed.config.secureCookies;
    };
    expect(secure({})).toBe(false);
    expect(secure({ NODE_ENV: "production" })).toBe(true);
    expect(secure({ NODE_ENV: "production", LEAKGUARD_SECURE_COOKIES: "0" })).toBe(false);
    expect(secure({ LEAKGUARD_SECURE_COOKIES: "1" })).toBe(true);
    expect(parseConfig({ LEAKGUARD_SECURE_COOKIES: "yes" }).ok).toBe(false);
  });
});

describe("the clock's interval", () => {
  it("reads LEAKGUARD_CLOCK_MS, and refuses what is not a sensible number of milliseconds", () => {
    const parsed = parseConfig({ LEAKGUARD_CLOCK_MS: "500" });
    expect(parsed.ok && parsed.config.clockMs).toBe(500);
    for (const bad of ["fast", "10", "1.5", "100000000000"]) {
      const r = parseConfig({ LEAKGUARD_CLOCK_MS: bad });
      expect(r.ok, bad).toBe(false);
      expect(r.ok ? "" : r.problems.join("\n")).toMatch(/LEAKGUARD_CLOCK_MS/);
    }
  });
});

describe("the log's format", () => {
  it("reads LEAKGUARD_LOG_FORMAT (json or pretty), unset by default, and names a bad one", () => {
    const format = (env: Record<string, string>) => {
      const parsed = parseConfig(env);
      return parsed.ok ? parsed.config.logFormat : parsed.problems.join("\n");
    };
    expect(format({})).toBeUndefined();
    expect(format({ LEAKGUARD_LOG_FORMAT: "json" })).toBe("json");
    expect(format({ LEAKGUARD_LOG_FORMAT: "pretty" })).toBe("pretty");
    expect(format({ LEAKGUARD_LOG_FORMAT: "xml" })).toMatch(/LEAKGUARD_LOG_FORMAT is json or pretty/);
  });
});

describe("secrets, Redis, proxies and rate limits", () => {
  it("reads the secret key, Redis, the trusted proxies and the rate limits, and names a bad one", () => {
    const key = "ab".repeat(32);
    const parsed = parseConfig({
      LEAKGUARD_SECRET_KEY: key,
      LEAKGUARD_REDIS_URL: "redis://127.0.0.1:6379",
      LEAKGUARD_TRUST_PROXY: "10.0.0.0/8,127.0.0.1",
      LEAKGUARD_RATE_LIMIT_USER_PER_MIN: "100",
      LEAKGUARD_SIGNIN_FAILURES_PER_ACCOUNT: "5",
      LEAKGUARD_RATE_LIMIT_FLUSH_MS: "0",
    });
    expect(parsed.ok && parsed.config.secretKey?.toString("hex")).toBe(key);
    expect(parsed.ok && parsed.config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(parsed.ok && parsed.config.trustProxy).toBe("10.0.0.0/8,127.0.0.1");
    expect(parsed.ok && parsed.config.rateLimits).toMatchObject({
      userPerMinute: 100,
      signInFailuresPerAccount: 5,
      flushMs: 0,
    });
    expect(
      parseConfig({ LEAKGUARD_TRUST_PROXY: "1" }).ok && parseConfig({ LEAKGUARD_TRUST_PROXY: "1" }),
    ).toMatchObject({
      config: { trustProxy: 1 },
    });
    const bad = parseConfig({
      LEAKGUARD_SECRET_KEY: "not-32-bytes",
      LEAKGUARD_REDIS_URL: "http://x",
      LEAKGUARD_TRUST_PROXY: "everyone; drop",
    });
    const problems = bad.ok ? "" : bad.problems.join("\n");
    expect(problems).toMatch(/LEAKGUARD_SECRET_KEY is 32 bytes/);
    expect(problems).toMatch(/LEAKGUARD_REDIS_URL/);
    expect(problems).toMatch(/LEAKGUARD_TRUST_PROXY/);
  });
});
