import { createHash } from "node:crypto";
import fastifyRateLimit, { type FastifyRateLimitStore, normalizeIP } from "@fastify/rate-limit";
import { addHits, clearHits, type Db } from "@leakguard/store";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { fail } from "./http.js";

/**
 * Rate limits whose counters live outside the process, so any number of API
 * processes behind a balancer share them: in PostgreSQL (PGlite in the
 * embedded mode, one code path) or in Redis when LEAKGUARD_REDIS_URL is set.
 *
 * - Every request not made with the platform's key counts against its client
 *   IP (`ipPerMinute`); health probes do not.
 * - Every authenticated request counts against the account it acts as
 *   (`userPerMinute`): a signed-in person, or the person the platform's key
 *   names in `Leakguard-Act-As`. The platform's key speaks for every user
 *   from one address, so it is never limited by IP nor as one caller: each
 *   user it acts for has their own budget, the same one their own session
 *   spends, and one noisy user cannot starve the others. The key acting as
 *   nobody (administration, listings) has its own budget (`platformPerMinute`).
 * - Sign-in attempts are counted per account and per IP before the password
 *   is checked (so a burst of parallel guesses cannot slip past a check made
 *   before the count); a success clears the account's count. While either is
 *   over its limit even the right password is refused.
 */
export interface RateLimitSettings {
  /** Requests a minute by one account (a session, or the platform's key acting as it); 0 turns it off. */
  readonly userPerMinute: number;
  /** Requests a minute from one client IP (not counting the platform's key); 0 turns it off. */
  readonly ipPerMinute: number;
  /** Requests a minute by the platform's key acting as nobody; 0 turns it off. */
  readonly platformPerMinute: number;
  /** Failed sign-ins to one account in a window before it waits out the window. */
  readonly signInFailuresPerAccount: number;
  /** Failed sign-ins from one IP (to any accounts) in a window. */
  readonly signInFailuresPerIp: number;
  readonly signInWindowMinutes: number;
  /**
   * How long request counts are gathered in the process before they are added
   * to the shared counter (PostgreSQL only). 0: one upsert per request. See
   * BatchedCounters for why the default batches.
   */
  readonly flushMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = Object.freeze({
  userPerMinute: 600,
  ipPerMinute: 1_200,
  platformPerMinute: 6_000,
  signInFailuresPerAccount: 10,
  signInFailuresPerIp: 50,
  signInWindowMinutes: 15,
  flushMs: 250,
});

/**
 * Request limits off (sign-in limits stay): for tests that send thousands of
 * requests as one caller under a frozen clock, and for benchmarks.
 */
export const REQUEST_LIMITS_OFF: RateLimitSettings = Object.freeze({
  ...DEFAULT_RATE_LIMITS,
  userPerMinute: 0,
  ipPerMinute: 0,
  platformPerMinute: 0,
});

/** Where counts are kept: the database (default) or a Redis server. */
export type RateLimitBackend = { kind: "database" } | { kind: "redis"; redis: Redis };

export interface CounterState {
  hits: number;
  /** When the fixed window ends. */
  resetAt: number;
}

/** Shared counters in fixed windows. */
export interface Counters {
  /** Adds `n` (default 1) to the key's current window; its total since the window began. */
  hit(key: string, windowMs: number, now: Date, n?: number): Promise<CounterState>;
  clear(key: string, windowMs: number, now: Date): Promise<void>;
  close(): Promise<void>;
}

const windowStart = (now: Date, windowMs: number) => Math.floor(now.getTime() / windowMs) * windowMs;

/** One upsert per hit: exact across processes. Used for sign-ins, and for requests with flushMs 0. */
export function databaseCounters(db: Db): Counters {
  return {
    hit: async (key, windowMs, now, n = 1) => {
      const [s] = await addHits(db, [{ key, windowMs, n }], now);
      return {
        hits: s?.hits ?? n,
        resetAt: s?.windowEnds.getTime() ?? windowStart(now, windowMs) + windowMs,
      };
    },
    clear: (key) => clearHits(db, key),
    close: () => Promise.resolve(),
  };
}

/**
 * Counts gathered in the process for at most `flushMs`, then added to the
 * shared counters in one upsert for all keys. A key first met in a window is
 * added at once (one awaited upsert per key, window and process), so a
 * process starts from what the others counted; after that a request is
 * judged on the shared total last read plus what this process counted since.
 * One process is exact; N processes may together let through up to
 * (N - 1) × (their rate) × flushMs more than a limit before each sees the
 * others' counts (at 250 ms, a few percent of a per-minute limit).
 *
 * Why: measured in process on the pre-send check (scripts/bench-rate-limits.mjs,
 * PostgreSQL 15 on the same 2 cores), one upsert per request cost about
 * 380 µs of the API process's CPU per request (+25%) and 15% of its
 * throughput; batched, the cost was within the noise (±5%), and one hit takes
 * microseconds instead of a round trip (about 1.4 ms on a loaded machine).
 * Sign-in attempts are few and must be exact: they always upsert.
 */
export class BatchedCounters implements Counters {
  private readonly entries = new Map<
    string,
    { windowMs: number; start: number; shared: number; pending: number }
  >();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly flushMs: number,
    private readonly clock: () => Date,
    private readonly onError: (error: unknown) => void,
  ) {}

  async hit(key: string, windowMs: number, now: Date, n = 1): Promise<CounterState> {
    const start = windowStart(now, windowMs);
    const e = this.entries.get(key);
    if (e === undefined || e.start !== start) {
      // A key first seen in this window is added at once, so the process starts from the shared total
      // (what other processes counted) rather than from zero: one upsert per key and window.
      const fresh = { windowMs, start, shared: 0, pending: n };
      this.entries.set(key, fresh);
      await this.flush();
      return { hits: fresh.shared + fresh.pending, resetAt: start + windowMs };
    }
    e.pending += n;
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
    return { hits: e.shared + e.pending, resetAt: start + windowMs };
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
    await clearHits(this.db, key);
  }

  /** Adds every pending count to the shared counters and reads their totals back. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.flushing.then(async () => {
      const now = this.clock();
      const batch = [...this.entries].filter(([, e]) => e.pending > 0);
      // Windows that have ended are dropped: their counts no longer matter.
      for (const [key, e] of this.entries)
        if (e.start + e.windowMs <= now.getTime() && e.pending === 0) this.entries.delete(key);
      if (batch.length === 0) return;
      const sent = batch.map(([key, e]) => ({ key, e, n: e.pending }));
      try {
        const totals = await addHitsAt(this.db, sent);
        for (const [i, s] of sent.entries()) {
          s.e.pending -= s.n;
          s.e.shared = totals[i] ?? s.e.shared + s.n;
        }
      } catch (error) {
        // A database that does not answer fails the requests elsewhere; the counts wait for the next flush.
        this.onError(error);
        this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
      }
    });
    this.flushing = next;
    return next;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
  }
}

/** Adds counts each to the window it was counted in (not the flush's, which may be the next one). */
async function addHitsAt(
  db: Db,
  sent: readonly { key: string; e: { windowMs: number; start: number }; n: number }[],
): Promise<number[]> {
  // Grouped by window start, since addHits places a batch in the window of one instant.
  const byStart = new Map<number, typeof sent>();
  for (const s of sent) byStart.set(s.e.start, [...(byStart.get(s.e.start) ?? []), s]);
  const totals = new Map<string, number>();
  for (const [start, group] of byStart) {
    const states = await addHits(
      db,
      group.map((s) => ({ key: s.key, windowMs: s.e.windowMs, n: s.n })),
      new Date(start),
    );
    for (const st of states) totals.set(st.key, st.hits);
  }
  return sent.map((s) => totals.get(s.key) ?? 0);
}

/** Fixed windows in Redis: one INCR per hit on a key per window, which expires on its own. */
export function redisCounters(redis: Redis, prefix = "leakguard:rl:"): Counters {
  const keyOf = (key: string, windowMs: number, now: Date) => `${prefix}${key}:${windowStart(now, windowMs)}`;
  return {
    hit: async (key, windowMs, now, n = 1) => {
      const k = keyOf(key, windowMs, now);
      // The key outlives its window by one more, whatever the two clocks say; a later window is another key.
      const replies = await redis
        .multi()
        .incrby(k, n)
        .pexpire(k, windowMs * 2)
        .exec();
      const hits = Number(replies?.[0]?.[1] ?? n);
      return { hits, resetAt: windowStart(now, windowMs) + windowMs };
    },
    clear: async (key, windowMs, now) => {
      await redis.del(keyOf(key, windowMs, now));
    },
    close: () => Promise.resolve(),
  };
}

/** Seconds until `resetAt`, at least 1, and a sentence saying when to come back. */
function retryAfter(resetAt: number, now: Date): { seconds: number; when: string } {
  const seconds = Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000));
  const when = `retry after ${seconds} s (at ${new Date(now.getTime() + seconds * 1000).toISOString()})`;
  return { seconds, when };
}

function refuse(reply: FastifyReply, limit: number, resetAt: number, now: Date, what: string) {
  const { seconds, when } = retryAfter(resetAt, now);
  void reply.header("retry-after", String(seconds));
  void reply.header("x-ratelimit-limit", String(limit));
  void reply.header("x-ratelimit-remaining", "0");
  return fail(reply, "rate_limited", `too many ${what}; ${when}`);
}

/** Routes a load balancer polls: never limited. */
const UNLIMITED_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

export interface RateLimits {
  /** The per-account hook, run after authentication (request.caller set). */
  readonly perCaller: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /**
   * Counts a sign-in attempt before the password is checked: null when it
   * may go on, else the 429 already sent. Call signedIn after a success.
   */
  signInAttempt(
    request: FastifyRequest,
    reply: FastifyReply,
    accountId: string,
  ): Promise<FastifyReply | null>;
  signedIn(request: FastifyRequest, accountId: string): Promise<void>;
}

/**
 * Installs the per-IP limit on every route of `app` (call it before routes
 * are declared) and returns the per-account hook and the sign-in guard.
 * General requests go through @fastify/rate-limit (key normalisation, IPv6
 * /64 grouping, its limiter) with a store over our counters, in PostgreSQL or
 * Redis. Its built-in Redis store is not used: its windows start at a key's
 * first hit and run on Redis's clock, ours are aligned to the app's clock on
 * both backends, so both behave the same and tests drive them with their
 * clock; the cost is the same one round trip (MULTI INCRBY PEXPIRE instead of
 * a Lua script).
 */
export async function installRateLimits(
  app: FastifyInstance,
  options: {
    db: Db;
    settings: RateLimitSettings;
    backend: RateLimitBackend;
    apiKeyHashes: readonly string[];
    now: () => Date;
  },
): Promise<RateLimits> {
  const { settings, now } = options;
  const requestCounters: Counters =
    options.backend.kind === "redis"
      ? redisCounters(options.backend.redis)
      : settings.flushMs > 0
        ? new BatchedCounters(options.db, settings.flushMs, now, (error) =>
            app.log.warn({ err: error }, "rate limits: counts not flushed; retrying"),
          )
        : databaseCounters(options.db);
  const signInCounters =
    options.backend.kind === "redis"
      ? redisCounters(options.backend.redis, "leakguard:signin:")
      : databaseCounters(options.db);
  app.addHook("onClose", async () => {
    await requestCounters.close();
  });

  class CounterStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const at = now();
      requestCounters.hit(key, timeWindow, at).then(
        (s) => callback(null, { current: s.hits, ttl: Math.max(0, s.resetAt - at.getTime()) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  }
  await app.register(fastifyRateLimit, {
    global: false,
    // A counter store that fails (the database or Redis down) lets requests through: the routes
    // themselves then answer 503 or 500, and limits must not turn a blip into an outage.
    skipOnError: true,
    store: CounterStore,
  });

  const platformKeys = new Set(options.apiKeyHashes);
  const isPlatformKey = (request: FastifyRequest): boolean => {
    const auth = request.headers.authorization;
    if (platformKeys.size === 0 || typeof auth !== "string" || !auth.startsWith("Bearer ")) return false;
    const secret = auth.slice("Bearer ".length).trim();
    // Session tokens are not platform keys; sparing them the hash keeps the common path cheap.
    return !secret.startsWith("lgs_") && platformKeys.has(createHash("sha256").update(secret).digest("hex"));
  };
  const ipKey = (request: FastifyRequest) => `ip:${normalizeIP(request.ip)}`;

  if (settings.ipPerMinute > 0) {
    const perIp = app.createRateLimit({ max: settings.ipPerMinute, timeWindow: 60_000, keyGenerator: ipKey });
    app.addHook("onRequest", async (request, reply) => {
      if (UNLIMITED_PATHS.has(request.url.split("?")[0] ?? "") || isPlatformKey(request)) return;
      const r = await perIp(request);
      if (!r.isAllowed && r.isExceeded)
        return refuse(reply, r.max, now().getTime() + r.ttl, now(), `requests from this address`);
    });
  }

  const callerKey = (request: FastifyRequest) => {
    const acting = request.caller.actingAs;
    return acting === null ? "platform" : `user:${acting.id}`;
  };
  const perUser =
    settings.userPerMinute > 0 || settings.platformPerMinute > 0
      ? app.createRateLimit({
          timeWindow: 60_000,
          keyGenerator: callerKey,
          max: (_request, key) => (key === "platform" ? settings.platformPerMinute : settings.userPerMinute),
          // A limit set to 0 is off.
          allowList: (_request, key) =>
            (key === "platform" ? settings.platformPerMinute : settings.userPerMinute) === 0,
        })
      : undefined;

  const windowMs = settings.signInWindowMinutes * 60_000;
  return {
    perCaller: async (request, reply) => {
      if (perUser === undefined) return;
      const r = await perUser(request);
      if (!r.isAllowed && r.isExceeded)
        return refuse(
          reply,
          r.max,
          now().getTime() + r.ttl,
          now(),
          r.key === "platform" ? "requests by the platform's key" : "requests by this account",
        );
    },
    signInAttempt: async (request, reply, accountId) => {
      const at = now();
      let account: CounterState;
      let ip: CounterState;
      try {
        [account, ip] = await Promise.all([
          signInCounters.hit(`signin:account:${accountId}`, windowMs, at),
          signInCounters.hit(`signin:${ipKey(request)}`, windowMs, at),
        ]);
      } catch (error) {
        // Fails closed: without a count there is no bound on guesses.
        request.log.error(error);
        return refuse(reply, 0, at.getTime() + 60_000, at, "sign-in attempts (the counter is unavailable)");
      }
      if (account.hits > settings.signInFailuresPerAccount)
        return refuse(
          reply,
          settings.signInFailuresPerAccount,
          account.resetAt,
          at,
          "failed sign-ins to this account",
        );
      if (ip.hits > settings.signInFailuresPerIp)
        return refuse(
          reply,
          settings.signInFailuresPerIp,
          ip.resetAt,
          at,
          "failed sign-ins from this address",
        );
      return null;
    },
    signedIn: async (request, accountId) => {
      const at = now();
      // The attempt was counted up front; a success takes it back from the address and clears the account.
      await Promise.all([
        signInCounters.clear(`signin:account:${accountId}`, windowMs, at),
        signInCounters.hit(`signin:${ipKey(request)}`, windowMs, at, -1),
      ]);
    },
  };
}
