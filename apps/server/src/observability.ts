import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { ScanMemo } from "@leakguard/detect";
import { type Db, queueDepths } from "@leakguard/store";
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import Fastify, { LogController } from "fastify";
import { type DestinationStream, type Logger, pino } from "pino";
import pinoPretty from "pino-pretty";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { LogLevel } from "./config.js";
import { errorBody } from "./errors.js";

/**
 * What never reaches a log line, wherever it is nested: credentials in
 * headers (an API key or session token, cookies) and passwords in bodies.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["set-cookie"]',
  "password",
  "*.password",
  "*.*.password",
];

/** The server's logger: JSON lines on stdout (or `destination`, for tests), secrets redacted. */
/**
 * Text for a person at a terminal (`npm start`): time, level and message, via
 * pino-pretty, synchronous so start-up lines come out in order. Production
 * and anything piped keeps JSON lines for the log collector.
 */
export function prettyDestination(): DestinationStream {
  return pinoPretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: "SYS:HH:MM:ss",
    // The start-up facts' fields repeat their message; a request's and an error's fields stay.
    ignore: "pid,hostname,url,role,database,migrationsApplied,rateLimits,secretKey,policy,shadowPolicy",
  });
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** Bounded and plain, so a caller's id can be echoed and logged without letting them inject into either. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is well formed (so a trace crosses services), else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

export type Verdict = "allow" | "nudge" | "mask" | "hold";

/**
 * The process's Prometheus metrics, in a registry of its own (not
 * prom-client's global one), so two apps in one process never clash.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "leakguard_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "leakguard_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly verdicts = new Counter({
    name: "leakguard_message_verdicts_total",
    help: "Messages screened on send, by the engine's verdict",
    labelNames: ["verdict"] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "leakguard_queue_depth",
    help: "What is waiting, read from the database at scrape time: cases_open, cases_waiting, held_messages, webhook_deliveries_due",
    labelNames: ["queue"] as const,
    registers: [this.registry],
  });
  readonly oldestDueWebhook = new Gauge({
    name: "leakguard_webhook_oldest_due_seconds",
    help: "How long the oldest undelivered due webhook delivery has been due (0 when none is)",
    registers: [this.registry],
  });
  readonly webhookLag = new Histogram({
    name: "leakguard_webhook_delivery_lag_seconds",
    help: "From an event's creation to its delivery's 2xx answer, retries included",
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400],
    registers: [this.registry],
  });
  readonly jobRuns = new Counter({
    name: "leakguard_job_runs_total",
    help: "Runs of the background jobs: clock (the due jobs) and webhooks (a sender's pass)",
    labelNames: ["job"] as const,
    registers: [this.registry],
  });
  readonly readCache = new Counter({
    name: "leakguard_read_cache_reads_total",
    help: "Reads of the pre-send check's cache: hit, miss (read from the database and kept) or bypass (not listening for changes)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  private scanMemo: { memo: ScanMemo; hits: number; misses: number } | null = null;
  private readonly scanMemoReads: Counter<"result"> = new Counter({
    name: "leakguard_scan_memo_reads_total",
    help: "Scans of conversation messages looked up in the scan memo: hit (reused) or miss (scanned and kept)",
    labelNames: ["result"] as const,
    registers: [this.registry],
    // The engine counts; it knows nothing of metrics. What it counted since the last scrape is added here.
    collect: () => {
      const watched = this.scanMemo;
      if (watched === null) return;
      this.scanMemoReads.inc({ result: "hit" }, watched.memo.hits - watched.hits);
      this.scanMemoReads.inc({ result: "miss" }, watched.memo.misses - watched.misses);
      watched.hits = watched.memo.hits;
      watched.misses = watched.memo.misses;
    },
  });
  readonly jobFailures = new Counter({
    name: "leakguard_job_failures_total",
    help: "Background job failures, by job (a step of the clock's run, or a whole clock run or webhook pass)",
    labelNames: ["job"] as const,
    registers: [this.registry],
  });

  /** `processMetrics`: also the process's CPU, memory, event loop and GC (prom-client's defaults). */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Reports the memo's hits and misses as `leakguard_scan_memo_reads_total`. */
  watchScanMemo(memo: ScanMemo): void {
    this.scanMemo = { memo, hits: memo.hits, misses: memo.misses };
  }

  verdict(verdict: Verdict): void {
    this.verdicts.inc({ verdict });
  }

  /**
   * The queue gauges, set from the database now. A failed read clears them
   * (and is thrown), so a scrape never shows stale depths as current.
   */
  async readQueues(db: Db, now: Date): Promise<void> {
    try {
      const q = await queueDepths(db, now);
      this.queueDepth.set({ queue: "cases_open" }, q.cases.open);
      this.queueDepth.set({ queue: "cases_waiting" }, q.cases.waiting);
      this.queueDepth.set({ queue: "held_messages" }, q.heldMessages);
      this.queueDepth.set({ queue: "webhook_deliveries_due" }, q.dueWebhookDeliveries);
      this.oldestDueWebhook.set(q.oldestDueWebhookSeconds);
    } catch (error) {
      this.queueDepth.reset();
      this.oldestDueWebhook.reset();
      throw error;
    }
  }

  /** Counts a request by its route's pattern (never the raw URL, which would make a series per id). */
  observeRequest(request: FastifyRequest, reply: FastifyReply): void {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: String(reply.statusCode),
    };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, reply.elapsedTime / 1000);
  }
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/**
 * One line per request at `info`, when it is answered, with what a reader
 * greps for; the arrival only at `debug` (Fastify writes both at `info`).
 */
class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: "reqId" });
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, "incoming request");
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: request.url.split("?")[0],
      route: request.routeOptions.url ?? "unmatched",
      status: reply.statusCode,
      responseTime: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}

/**
 * Request ids (echoed in X-Request-Id) and the request metrics,
 * on every route of `app` (hooks on the root reach every plugin registered after).
 */
export function observeRequests(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-request-id", request.id);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    metrics.observeRequest(request, reply);
    done();
  });
}

/**
 * `GET /metrics` in Prometheus's text format, the queue gauges read at scrape
 * time. With `token`, only `Authorization: Bearer <token>` reads it;
 * without, anyone who can reach the port does (keep it on a private network).
 */
export function metricsRoute(
  app: FastifyInstance,
  deps: { db: Db; metrics: Metrics; now: () => Date; token?: string | undefined },
): void {
  const expected = deps.token === undefined ? undefined : sha256(`Bearer ${deps.token}`);
  app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    // Hashed first, so the comparison takes the same time whatever length was sent.
    if (expected !== undefined && !timingSafeEqual(sha256(request.headers.authorization ?? ""), expected))
      return reply
        .code(401)
        .send(
          errorBody("unauthenticated", "the metrics need Authorization: Bearer <LEAKGUARD_METRICS_TOKEN>"),
        );
    try {
      await deps.metrics.readQueues(deps.db, deps.now());
    } catch (error) {
      // The rest is still worth scraping; the queue gauges are absent until the database answers.
      request.log.warn({ err: error }, "metrics: the queue depths could not be read");
    }
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/** Fastify's logger options for a boolean (tests: off by default) or a pino instance (main.ts). */
export function fastifyLogging(logger: boolean | Logger | undefined) {
  const common = {
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      requestIdOf(req.headers["x-request-id"]),
    logController: new RequestLog(),
  };
  return typeof logger === "object"
    ? { ...common, loggerInstance: logger as FastifyBaseLogger }
    : { ...common, logger: logger ?? false };
}

/**
 * What a worker serves when LEAKGUARD_METRICS_PORT is set: its metrics (job
 * failures and webhook lag happen in workers) and its health, nothing of the API.
 */
export async function buildOpsApp(options: {
  db: Db;
  metrics: Metrics;
  logger: Logger;
  token?: string | undefined;
  now?: () => Date;
}): Promise<FastifyInstance> {
  const app = Fastify(fastifyLogging(options.logger)) as unknown as FastifyInstance;
  observeRequests(app, options.metrics);
  app.get("/healthz", () => Promise.resolve({ ok: true }));
  app.get("/readyz", async (_request, reply) => {
    try {
      await options.db.query("SELECT 1");
      return { ready: true };
    } catch (error) {
      return reply.code(503).send({
        ready: false,
        reason: `database: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });
  metricsRoute(app, {
    db: options.db,
    metrics: options.metrics,
    now: options.now ?? (() => new Date()),
    token: options.token,
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody("not_found", `no route ${request.method} ${request.url.split("?")[0]} on a worker`)),
  );
  await app.ready();
  return app;
}
