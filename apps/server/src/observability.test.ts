import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { parseConfig } from "./config.js";
import type { ErrorBody } from "./errors.js";
import { buildOpsApp, createLogger, Metrics, requestIdOf } from "./observability.js";
import { PROCESS_KEY, SERVER_MAIN, startServer } from "./server-process.test-helper.js";
import { as, platform, TEST_KEY } from "./test-app.test-helper.js";
import { deliverDueWebhooks } from "./webhook-delivery.js";

/** A pino destination that keeps every line, parsed. */
function capture(): { lines: Record<string, unknown>[]; raw: string[]; write: (s: string) => void } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    write: (s: string) => {
      raw.push(s);
      lines.push(JSON.parse(s) as Record<string, unknown>);
    },
  };
}

/** The value of one series in Prometheus's text format, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

describe("request ids and the logger's settings", () => {
  it("keeps a well-formed incoming id and replaces anything else", () => {
    expect(requestIdOf("trace-01J8Z.abc:1")).toBe("trace-01J8Z.abc:1");
    for (const bad of ["", "has space", "x".repeat(129), "new\nline", "<script>", undefined, ["a", "b"]])
      expect(requestIdOf(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("reads LEAKGUARD_LOG_LEVEL, LEAKGUARD_METRICS_TOKEN and LEAKGUARD_METRICS_PORT, and names a bad one", () => {
    const good = parseConfig({
      LEAKGUARD_LOG_LEVEL: "debug",
      LEAKGUARD_METRICS_TOKEN: METRICS_TOKEN,
      LEAKGUARD_METRICS_PORT: "9464",
    });
    expect(good.ok && good.config).toMatchObject({
      logLevel: "debug",
      metricsToken: METRICS_TOKEN,
      metricsPort: 9464,
    });
    const defaults = parseConfig({});
    expect(defaults.ok && defaults.config).toMatchObject({
      logLevel: "info",
      metricsToken: undefined,
      metricsPort: undefined,
    });
    const bad = parseConfig({
      LEAKGUARD_LOG_LEVEL: "loud",
      LEAKGUARD_METRICS_TOKEN: "short",
      LEAKGUARD_METRICS_PORT: "http",
    });
    const problems = bad.ok ? "" : bad.problems.join("\n");
    expect(problems).toMatch(/LEAKGUARD_LOG_LEVEL is one of fatal, error, warn, info, debug, trace, silent/);
    expect(problems).toMatch(/LEAKGUARD_METRICS_TOKEN has at least 16 characters/);
    expect(problems).toMatch(/LEAKGUARD_METRICS_PORT/);
  });

  it("never writes credentials or passwords, however they are nested", () => {
    const out = capture();
    const log = createLogger("info", out);
    log.info(
      {
        req: { headers: { authorization: "Bearer lg_secret_1", cookie: "sid=secret_2" } },
        res: { headers: { "set-cookie": "sid=secret_3" } },
        body: { accountId: "a", password: "secret_4" },
        password: "secret_5",
      },
      "a request",
    );
    expect(out.raw.join("")).not.toMatch(/secret_/);
    expect(out.lines[0]).toMatchObject({ password: "[redacted]", body: { password: "[redacted]" } });
  });
});

describe.each(engines)("logs and metrics, on $name", ({ open }) => {
  const db = migratedDb(open);
  let app: FastifyInstance;
  const out = capture();
  const metrics = new Metrics({ processMetrics: false });
  let clock = Date.UTC(2026, 11, 2, 9, 0, 0);
  const now = () => {
    clock += 1_000;
    return new Date(clock);
  };
  beforeAll(async () => {
    app = await buildApp({
      db: db(),
      apiKeyHashes: [sha256Hex(TEST_KEY)],
      now,
      logger: createLogger("info", out),
      metrics,
      metricsToken: METRICS_TOKEN,
      webhookAllowPrivate: true,
    });
    // A route that fails as a bug would, to see what a caller and the log get from a 500.
    app.get("/test/boom", () => Promise.reject(new Error("a bug")));
    for (const [id, role] of [
      ["cli_o", "client"],
      ["fre_o", "freelancer"],
      ["fre_p", "freelancer"],
    ] as const) {
      const res = await app.inject({
        method: "POST",
        url: "/v1/accounts",
        headers: platform,
        payload: { id, role, displayName: id, country: "US", locale: "en-US", password: "a-password-1" },
      });
      expect(res.statusCode).toBe(201);
    }
  });

  const scrape = async () => {
    const res = await app.inject({
      url: "/metrics",
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it("echoes a well-formed X-Request-Id, replaces a bad one, and logs each request's lines with it", async () => {
    const kept = await app.inject({ url: "/healthz", headers: { "x-request-id": "lb-7f3a.42" } });
    expect(kept.headers["x-request-id"]).toBe("lb-7f3a.42");
    const replaced = await app.inject({ url: "/healthz", headers: { "x-request-id": "no spaces\tor tabs" } });
    const id = replaced.headers["x-request-id"];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const none = await app.inject({ url: "/healthz" });
    expect(none.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers["x-request-id"]).not.toBe(id);

    const line = out.lines.find((l) => l.reqId === "lb-7f3a.42" && l.msg === "request completed");
    expect(line).toMatchObject({ level: 30, method: "GET", route: "/healthz", status: 200 });
    expect(out.lines.some((l) => l.reqId === id)).toBe(true);
  });

  it("answers a 500 with the request id, and logs the error under that id", async () => {
    const res = await app.inject({ url: "/test/boom", headers: { "x-request-id": "support-ticket-1" } });
    expect(res.statusCode).toBe(500);
    const body = res.json<ErrorBody>();
    expect(body.error).toMatchObject({ code: "internal", details: { requestId: "support-ticket-1" } });
    expect(body.error.message).toContain("support-ticket-1");
    expect(res.headers["x-request-id"]).toBe("support-ticket-1");
    const logged = out.lines.filter((l) => l.reqId === "support-ticket-1" && l.level === 50);
    expect(logged.map((l) => (l.err as { message: string } | undefined)?.message)).toContain("a bug");
  });

  it("writes no key, token or password into the log for a sign-in and a keyed call", async () => {
    const signIn = await app.inject({
      method: "POST",
      url: "/v1/sessions",
      payload: { accountId: "cli_o", password: "a-password-1" },
    });
    expect(signIn.statusCode).toBe(201);
    const { token } = signIn.json<{ token: string }>();
    await app.inject({ url: "/v1/accounts/cli_o", headers: { authorization: `Bearer ${token}` } });
    const all = out.raw.join("");
    for (const secret of [token, TEST_KEY, "a-password-1"]) expect(all).not.toContain(secret);
  });

  it("counts verdicts by kind and requests by route pattern, and reads the held queue from the database", async () => {
    const before = await scrape();
    const held0 = sample(before, 'leakguard_queue_depth{queue="held_messages"}') ?? 0;
    const send = (to: string, text: string, key: string) =>
      app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: as("cli_o", key),
        payload: { recipientId: to, text },
      });
    expect(
      (await send("fre_o", "Could you share a quote for the landing page?", "k-allow-1")).statusCode,
    ).toBe(201);
    expect((await send("fre_o", "Happy to start next week, thanks!", "k-allow-2")).statusCode).toBe(201);
    expect(
      (await send("fre_p", "What's your WhatsApp? Easier to chat there.", "key-nudge-1")).statusCode,
    ).toBe(202);
    const held = await send("fre_o", "Let's skip the fees, I'll pay you directly via PayPal.", "key-hold-1");
    expect(held.json<{ delivery: string }>().delivery).toBe("held");
    // A replay is answered from the store, not screened again: it does not count twice.
    await send("fre_o", "Let's skip the fees, I'll pay you directly via PayPal.", "key-hold-1");

    const text = await scrape();
    expect(sample(text, 'leakguard_message_verdicts_total{verdict="allow"}')).toBe(2);
    expect(sample(text, 'leakguard_message_verdicts_total{verdict="nudge"}')).toBe(1);
    expect(sample(text, 'leakguard_message_verdicts_total{verdict="hold"}')).toBe(1);
    expect(
      sample(text, 'leakguard_http_requests_total{method="POST",route="/v1/messages",status="201"}'),
    ).toBe(4);
    expect(
      sample(text, 'leakguard_http_requests_total{method="POST",route="/v1/messages",status="202"}'),
    ).toBe(1);
    // By pattern, not by URL: one series for every account read.
    expect(
      sample(text, 'leakguard_http_requests_total{method="GET",route="/v1/accounts/:id",status="200"}'),
    ).toBe(1);
    expect(text).not.toMatch(/route="\/v1\/accounts\/cli_o"/);
    expect(
      sample(
        text,
        'leakguard_http_request_duration_seconds_count{method="POST",route="/v1/messages",status="201"}',
      ),
    ).toBe(4);
    expect(sample(text, 'leakguard_queue_depth{queue="held_messages"}')).toBe(held0 + 1);
    // The held message opened a case for the sender.
    expect(sample(text, 'leakguard_queue_depth{queue="cases_open"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leakguard_queue_depth{queue="cases_waiting"}')).toBe(0);
  });

  it("answers /metrics only with the token when one is configured, and keeps it out of the OpenAPI document", async () => {
    expect((await app.inject({ url: "/metrics" })).statusCode).toBe(401);
    const wrong = await app.inject({ url: "/metrics", headers: { authorization: "Bearer not-the-token" } });
    expect(wrong.json<ErrorBody>().error.code).toBe("unauthenticated");
    // The platform's API key is not the metrics token.
    expect((await app.inject({ url: "/metrics", headers: platform })).statusCode).toBe(401);
    const doc = (await app.inject({ url: "/openapi.json" })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).not.toContain("/metrics");
  });

  it("measures webhook lag, shows undelivered due deliveries, and logs a failed delivery with structure", async () => {
    const got: string[] = [];
    let status = 500;
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        got.push(req.url ?? "");
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const created = await app.inject({
        method: "POST",
        url: "/v1/webhooks",
        headers: platform,
        payload: { url: `http://127.0.0.1:${port}/hooks?token=receiver-secret`, events: ["message.held"] },
      });
      expect(created.statusCode).toBe(201);
      const held = await app.inject({
        method: "POST",
        url: "/v1/messages",
        headers: as("cli_o", "k-hold-2"),
        payload: {
          recipientId: "fre_p",
          text: "Skip the platform fees and pay me directly on PayPal instead.",
        },
      });
      expect(held.json<{ delivery: string }>().delivery).toBe("held");
      clock += 30_000;
      const waiting = await scrape();
      expect(sample(waiting, 'leakguard_queue_depth{queue="webhook_deliveries_due"}')).toBe(1);
      expect(sample(waiting, "leakguard_webhook_oldest_due_seconds")).toBeGreaterThanOrEqual(30);

      const logs = capture();
      const log = createLogger("info", logs);
      const failed = await deliverDueWebhooks(db(), new Date(clock), {
        leaseMs: 30_000,
        log,
        metrics,
        allowPrivate: true,
      });
      expect(failed).toMatchObject({ delivered: 0, retried: 1 });
      expect(logs.lines[0]).toMatchObject({
        level: 40,
        eventType: "message.held",
        receiver: `http://127.0.0.1:${port}`,
        statusCode: 500,
        attempt: 1,
        willRetry: true,
      });
      expect(logs.raw.join("")).not.toContain("receiver-secret");

      status = 204;
      clock += 3_600_000;
      const sent = await deliverDueWebhooks(db(), new Date(clock), {
        leaseMs: 30_000,
        log,
        metrics,
        allowPrivate: true,
      });
      expect(sent.delivered).toBe(1);
      const after = await scrape();
      expect(sample(after, "leakguard_webhook_delivery_lag_seconds_count")).toBe(1);
      // From the event's creation, retries included: more than the hour waited.
      expect(sample(after, "leakguard_webhook_delivery_lag_seconds_sum")).toBeGreaterThan(3_600);
      expect(sample(after, 'leakguard_queue_depth{queue="webhook_deliveries_due"}')).toBe(0);
      expect(sample(after, "leakguard_webhook_oldest_due_seconds")).toBe(0);
      expect(got).toHaveLength(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("serves a worker's metrics and health without the API", async () => {
    const workerMetrics = new Metrics();
    workerMetrics.jobRuns.inc({ job: "clock" });
    workerMetrics.jobFailures.inc({ job: "issue invoices" });
    const ops = await buildOpsApp({
      db: db(),
      metrics: workerMetrics,
      logger: createLogger("silent"),
      token: METRICS_TOKEN,
    });
    try {
      expect((await ops.inject({ url: "/healthz" })).statusCode).toBe(200);
      expect((await ops.inject({ url: "/readyz" })).json()).toEqual({ ready: true });
      expect((await ops.inject({ url: "/metrics" })).statusCode).toBe(401);
      const res = await ops.inject({
        url: "/metrics",
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(sample(res.body, 'leakguard_job_failures_total{job="issue invoices"}')).toBe(1);
      expect(sample(res.body, 'leakguard_job_runs_total{job="clock"}')).toBe(1);
      // prom-client's process metrics come with it.
      expect(res.body).toMatch(/^process_cpu_user_seconds_total /m);
      expect((await ops.inject({ url: "/v1/accounts/cli_o", headers: platform })).statusCode).toBe(404);
    } finally {
      await ops.close();
    }
  });

  it("serves /metrics openly when no token is configured", async () => {
    const open = await buildApp({ db: db(), apiKeyHashes: [sha256Hex(TEST_KEY)], now });
    try {
      const res = await open.inject({ url: "/metrics" });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^# TYPE leakguard_http_requests_total counter$/m);
    } finally {
      await open.close();
    }
  });
});

describe("the server process's log and a worker's metrics listener", () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "leakguard-obs-"));
    dirs.push(dir);
    return dir;
  };
  /** Resolves with the first stdout line, parsed, that `match` accepts. */
  const lineOf = (child: ChildProcess, match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      let rest = "";
      child.stdout?.on("data", (c: Buffer) => {
        rest += c.toString();
        const lines = rest.split("\n");
        rest = lines.pop() ?? "";
        for (const l of lines) {
          const parsed = JSON.parse(l) as Record<string, unknown>;
          if (match(parsed)) resolve(parsed);
        }
      });
    });

  it("writes JSON lines on stdout, each request's with its id", async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run npm run build first`).toBe(true);
    const server = await startServer({ LEAKGUARD_DATA_DIR: dataDir() });
    children.push(server.child);
    const logged = lineOf(server.child, (l) => l.reqId === "from-the-balancer-1");
    const res = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "from-the-balancer-1" } });
    expect(res.headers.get("x-request-id")).toBe("from-the-balancer-1");
    expect(await logged).toMatchObject({
      level: 30,
      msg: "request completed",
      route: "/healthz",
      status: 200,
    });
  }, 120_000);

  it("serves a worker's metrics on LEAKGUARD_METRICS_PORT, and no API", async () => {
    const worker = await startServer(
      { LEAKGUARD_DATA_DIR: dataDir(), LEAKGUARD_ROLE: "worker", LEAKGUARD_METRICS_PORT: "0" },
      { ready: /worker metrics and health on (http:\/\/[^\s]+)/ },
    );
    children.push(worker.child);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    expect(
      (await fetch(`${worker.url}/v1/cases`, { headers: { authorization: `Bearer ${PROCESS_KEY}` } })).status,
    ).toBe(404);
    // The clock runs once at start and the sender keeps polling: both are counted.
    let text = "";
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !/leakguard_job_runs_total\{job="webhooks"\} [1-9]/.test(text)) {
      text = await (await fetch(`${worker.url}/metrics`)).text();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sample(text, 'leakguard_job_runs_total{job="clock"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leakguard_job_runs_total{job="webhooks"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leakguard_queue_depth{queue="held_messages"}')).toBe(0);
  }, 120_000);
});
