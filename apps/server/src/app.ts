import { randomBytes } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { DEFAULT_POLICY, type Policy, ScanMemo } from "@leakguard/detect";
import {
  ACCOUNT_STATUSES,
  type AccountStatus,
  DEFAULT_CONFIG,
  type MarketplaceConfig,
} from "@leakguard/domain";
import {
  changeAccountStatus,
  createAccount,
  type Db,
  getAccount,
  instanceSecret,
  sealWebhookSecrets,
  setPassword,
  statusChangesOf,
} from "@leakguard/store";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { z } from "zod";
import { apiKeyRoutes } from "./api-keys.js";
import { authenticate, type Caller, SESSION_COOKIE } from "./auth.js";
import { caseRoutes } from "./cases.js";
import { contractRoutes } from "./contracts.js";
import {
  DATABASE_RETRY_AFTER_S,
  DATABASE_UNAVAILABLE_MESSAGE,
  isDatabaseUnavailable,
} from "./database-errors.js";
import { enforcementRoutes } from "./enforcement.js";
import { hourlyRoutes } from "./hourly.js";
import {
  callerHas,
  errors,
  fail,
  Id,
  IdempotencyKey,
  idempotencyKeyOf,
  mayReadAccount,
  type RouteDeps,
  unstorableTextAt,
} from "./http.js";
import { invoiceRoutes } from "./invoices.js";
import { messageRoutes } from "./messages.js";
import { milestoneRoutes } from "./milestones.js";
import { fastifyLogging, Metrics, metricsRoute, observeRequests } from "./observability.js";
import { policyRoutes } from "./policy.js";
import {
  DEFAULT_RATE_LIMITS,
  installRateLimits,
  type RateLimitBackend,
  type RateLimitSettings,
} from "./rate-limits.js";
import { DEFAULT_READ_CACHE, ReadCache, type ReadCacheOptions } from "./read-cache.js";
import { relationshipRoutes } from "./relationships.js";
import { riskRoutes } from "./risk.js";
import { scopeRoutes } from "./scopes.js";
import { secretKeyOf } from "./secret-key.js";
import { securityHeaders } from "./security-headers.js";
import { clearSessionCookie, signInRoutes, signOutRoutes } from "./sessions.js";
import { shadowRoutes } from "./shadow.js";
import { statsRoutes } from "./stats.js";
import { DEFAULT_WEB_DIR, serveWeb } from "./web.js";
import { webhookRoutes } from "./webhooks.js";

export interface AppOptions {
  db: Db;
  apiKeyHashes: readonly string[];
  /** The clock every transition reads; tests pass their own. */
  now?: () => Date;
  /** The marketplace's periods and fees; the product's defaults when absent. */
  marketplace?: MarketplaceConfig;
  /** The key of the handle hashes (LEAKGUARD_HANDLE_KEY); without it, one made once and kept in the database. */
  handleKey?: string;
  /** Off by default (tests); `true` for Fastify's own pino, or main.ts's pino instance (JSON lines, secrets redacted). */
  logger?: boolean | Logger;
  /** Where requests, verdicts and jobs are counted; a registry of this app's own (without process metrics) when absent. */
  metrics?: Metrics;
  /** LEAKGUARD_METRICS_TOKEN: when set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The built console and demo marketplace (apps/web/dist by default). */
  webDir?: string;
  /** The engine's live policy; the default policy when absent. */
  policy?: Policy;
  /** A candidate policy to run in shadow on every message. */
  shadowPolicy?: Policy;
  /** Mark the session cookie Secure and send HSTS on plain-http requests too (TLS ends at a proxy). */
  secureCookies?: boolean;
  /** The key sealing stored secrets (LEAKGUARD_SECRET_KEY); without it, one made once and kept in the database. */
  secretKey?: Buffer;
  /** Rate limits and where their counters live; the defaults, counted in the database, when absent. */
  rateLimits?: { settings?: RateLimitSettings; backend?: RateLimitBackend };
  /** Which proxies' X-Forwarded-For to believe for the client IP (LEAKGUARD_TRUST_PROXY); none when absent. */
  trustProxy?: boolean | number | string;
  /** Let webhook endpoints be private or loopback addresses (LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1); refused when absent. */
  webhookAllowPrivate?: boolean;
  /**
   * The pre-send check's cache of accounts and pair contexts (read-cache.ts); DEFAULT_READ_CACHE when
   * absent, `false` to read the database on every check.
   */
  readCache?: ReadCacheOptions | false;
  /**
   * How many scans of conversation messages to remember for building a pair's conversation scanner again
   * (ScanMemo; LEAKGUARD_SCAN_MEMO_ENTRIES); 50,000 when absent, 0 for none.
   */
  scanMemoEntries?: number;
  /** Told of every route as it is added: the authorisation matrix test lists the routes so, hidden ones included. */
  onRoute?: (route: RouteOptions) => void;
}

const AccountSchema = z.object({
  id: z.string(),
  role: z.enum(["client", "freelancer", "agent", "admin"]),
  status: z.enum(["active", "restricted", "suspended", "removed"]),
  displayName: z.string(),
  country: z.string(),
  locale: z.string(),
});

declare module "fastify" {
  interface FastifyRequest {
    caller: Caller;
  }
}

/**
 * Builds the API without listening, so tests drive it with `inject()` and
 * main.ts decides the port.
 */
/** What a suspended or removed account may still call: its notices, its appeals, its questions, signing out. */
const SANCTIONED_MAY: ReadonlySet<string> = new Set([
  "POST /v1/appeals",
  "GET /v1/appeals",
  "POST /v1/clarifications/:id/answer",
  "DELETE /v1/sessions/current",
]);
const STAFF: ReadonlySet<string> = new Set(["agent", "admin"]);

/** ... and these about itself only. */
const SANCTIONED_MAY_OWN: ReadonlySet<string> = new Set([
  "GET /v1/accounts/:id",
  "GET /v1/accounts/:id/notices",
  "GET /v1/accounts/:id/status-changes",
]);

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const handleKey =
    options.handleKey ?? (await instanceSecret(db, "handle_key", () => randomBytes(32).toString("hex")));
  const secretKey = await secretKeyOf(db, options.secretKey);
  // Endpoints made before secrets were sealed are sealed now (see the 20261203T1405 migration).
  await sealWebhookSecrets(db, secretKey);
  // The process's own metrics (CPU, memory, GC) come from main.ts's registry, not from every app built.
  const metrics = options.metrics ?? new Metrics({ processMetrics: false });
  const app = Fastify({
    ...fastifyLogging(options.logger),
    bodyLimit: 256 * 1024,
    // A hop count trusts that many proxies nearest to us (Fastify's own rule, which its types leave out).
    trustProxy:
      typeof options.trustProxy === "number"
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(options.trustProxy)
        : (options.trustProxy ?? false),
  }) as unknown as FastifyInstance;
  observeRequests(app, metrics);
  const readCacheOptions = options.readCache ?? DEFAULT_READ_CACHE;
  const readCache =
    readCacheOptions === false
      ? null
      : new ReadCache(
          db,
          {
            ...readCacheOptions,
            onError: (what, error) => app.log.warn({ err: error }, what),
          },
          (result) => metrics.readCache.inc({ result }),
        );
  if (readCache !== null) {
    await readCache.start();
    app.addHook("onClose", () => readCache.close());
  }
  const scanMemoEntries = options.scanMemoEntries ?? 50_000;
  const scanMemo = scanMemoEntries > 0 ? new ScanMemo(scanMemoEntries) : null;
  if (scanMemo !== null) metrics.watchScanMemo(scanMemo);
  if (options.onRoute !== undefined) app.addHook("onRoute", options.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // No 500 on bad input: every framework error becomes a coded error body.
  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error))
      return fail(reply, "invalid_request", `the request does not match the schema`, error.validation);
    const { statusCode: status = 500, message = "" } = error as { statusCode?: number; message?: string };
    if (status === 413)
      return fail(
        reply,
        "payload_too_large",
        `the body is larger than this route takes (${request.routeOptions.bodyLimit ?? 256 * 1024} bytes)`,
      );
    if (status === 415) return fail(reply, "unsupported_media_type", "send JSON (application/json)");
    if (status >= 400 && status < 500) return fail(reply, "invalid_request", message);
    if (isDatabaseUnavailable(error)) {
      void reply.header("retry-after", String(DATABASE_RETRY_AFTER_S));
      return fail(reply, "database_unavailable", DATABASE_UNAVAILABLE_MESSAGE);
    }
    request.log.error(error);
    // The request id lets the caller quote this failure, and lets us find its log lines.
    return fail(
      reply,
      "internal",
      `something went wrong on our side; the request changed nothing it did not finish (request id ${request.id})`,
      { requestId: request.id },
    );
  });
  // Text PostgreSQL cannot keep as sent is refused here, once for every route, not found by a 500 later.
  app.addHook("preValidation", async (request, reply) => {
    const where =
      unstorableTextAt(request.body) ??
      unstorableTextAt(request.query, "query") ??
      unstorableTextAt(request.params, "path");
    if (where !== null)
      return fail(
        reply,
        "invalid_request",
        `${where} holds a NUL character (U+0000) or half of a surrogate pair: send valid Unicode text without NUL`,
      );
  });
  app.setNotFoundHandler((request, reply) =>
    fail(reply, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
  );
  const secureCookies = options.secureCookies ?? false;
  securityHeaders(app, secureCookies);
  await app.register(fastifyCookie);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Leakguard API",
        version: "0.1.0",
        description:
          "Payment protection and circumvention detection for freelance marketplaces. Authenticate with `Authorization: Bearer <platform key>`; act as a user with `Leakguard-Act-As: <account id>`.",
      },
      components: {
        securitySchemes: { platformKey: { type: "http", scheme: "bearer" } },
      },
      security: [{ platformKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });

  // Before any route: the per-IP limit is a hook on every route, and needs to see them declared.
  const limits = await installRateLimits(app, {
    db,
    settings: options.rateLimits?.settings ?? DEFAULT_RATE_LIMITS,
    backend: options.rateLimits?.backend ?? { kind: "database" },
    apiKeyHashes: options.apiKeyHashes,
    now,
  });

  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get("/openapi.json", { schema: { hide: true } }, () => Promise.resolve(app.swagger()));
  metricsRoute(app, { db, metrics, now, token: options.metricsToken });
  api.get(
    "/healthz",
    { schema: { security: [], response: { 200: z.object({ ok: z.literal(true) }) } } },
    () => Promise.resolve({ ok: true as const }),
  );

  // Readiness, for a load balancer: the process is up (/healthz) and its database answers (/readyz).
  api.get(
    "/readyz",
    {
      schema: {
        summary: "Ready to serve: the database answers (503 while it does not)",
        security: [],
        response: {
          200: z.object({ ready: z.literal(true) }),
          503: z.object({ ready: z.literal(false), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await db.query("SELECT 1");
        return { ready: true as const };
      } catch (error) {
        return reply.code(503).send({
          ready: false as const,
          reason: `database: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    },
  );

  await serveWeb(api, options.webDir ?? DEFAULT_WEB_DIR);

  const sessions = { db, now, secureCookies, limits };
  signInRoutes(api, sessions);

  await app.register(
    (v1, _options, done) => {
      const r = v1.withTypeProvider<ZodTypeProvider>();
      r.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
        // The pre-send check comes at every pause in typing: its acting account comes from the read cache.
        // So does a send's: the send reads its sender again, with the pair, in its one read, and refuses an
        // account that cannot act, so an entry a notification has not yet reached decides nothing.
        const accountOf =
          readCache !== null &&
          (request.routeOptions.url === "/v1/messages/check" ||
            (request.routeOptions.url === "/v1/messages" && request.method === "POST"))
            ? (id: string) => readCache.account(id)
            : undefined;
        const auth = await authenticate(db, request, options.apiKeyHashes, now(), accountOf);
        if (!auth.ok) {
          // A browser holding an ended session's cookie (and no bearer header, which wins) is told to forget it.
          if (
            auth.code === "unauthenticated" &&
            request.cookies[SESSION_COOKIE] !== undefined &&
            request.headers.authorization === undefined
          )
            clearSessionCookie(request, reply, secureCookies);
          return fail(reply, auth.code, auth.message);
        }
        request.caller = auth.caller;
        // A suspended or removed account reaches only its own notices, its appeals and its questions;
        // a restricted user may not message (the store refuses), a restricted agent or admin may not act.
        const acting = auth.caller.actingAs;
        const writes = request.method !== "GET" && request.method !== "HEAD";
        if (
          writes &&
          acting?.status === "restricted" &&
          STAFF.has(acting.role) &&
          request.routeOptions.url !== "/v1/sessions/current"
        )
          return fail(
            reply,
            "account_cannot_act",
            `account ${acting.id} is restricted: it may read but not act`,
          );
        if (acting !== null && (acting.status === "suspended" || acting.status === "removed")) {
          const route = `${request.method} ${request.routeOptions.url ?? ""}`;
          const own = (request.params as { id?: string } | undefined)?.id === acting.id;
          if (!(SANCTIONED_MAY.has(route) || (own && SANCTIONED_MAY_OWN.has(route))))
            return fail(
              reply,
              "account_suspended",
              `account ${acting.id} is ${acting.status}: it may read its notices (GET /v1/accounts/${acting.id}/notices), answer questions and appeal, nothing else`,
            );
        }
      });
      // Read your writes: a write of this process (a contract, a milestone, a status, a review) empties
      // its read cache before it answers, so the caller's next check reads it; the other processes hear
      // of it from the database's notification. A send forgets its own conversation (messages.ts).
      if (readCache !== null)
        r.addHook("onSend", async (request, _reply, payload) => {
          if (
            request.method !== "GET" &&
            request.method !== "HEAD" &&
            request.routeOptions.url !== "/v1/messages/check" &&
            request.routeOptions.url !== "/v1/messages"
          )
            readCache.forgetAll();
          return payload;
        });
      // After authentication: counted against the account acted as (docs/security.md).
      r.addHook("onRequest", limits.perCaller);

      r.post(
        "/accounts",
        {
          schema: {
            summary: "Create an account (the platform, or an admin)",
            body: z.object({
              id: Id,
              role: z.string(),
              displayName: z.string(),
              country: z.string(),
              locale: z.string(),
              password: z
                .string()
                .optional()
                .describe("lets the person sign in (POST /v1/sessions); kept only as a hash"),
            }),
            response: { 201: AccountSchema, ...errors },
          },
        },
        async (request, reply) => {
          if (!callerHas(request.caller.actingAs, "manage_accounts"))
            return fail(reply, "forbidden", "accounts are created by the platform or an admin");
          const { id, password, ...fields } = request.body;
          // The password is checked before anything is written, so a bad one leaves no account behind.
          if (password !== undefined && (password.length < 10 || password.length > 200))
            return fail(reply, "invalid_password", "a password has 10 to 200 characters");
          const created = await createAccount(db, id, fields);
          if (created.ok && password !== undefined) await setPassword(db, id, password);
          if (!created.ok && created.code === "account_exists") {
            // The id is the key: the same account sent again is answered as the first time.
            const existing = await getAccount(db, id);
            const same =
              existing !== null &&
              existing.role === fields.role &&
              existing.displayName === fields.displayName.trim() &&
              existing.country === fields.country &&
              existing.locale === fields.locale;
            if (same) return reply.code(201).send({ ...existing, status: "active" as const });
          }
          if (!created.ok) return fail(reply, created.code, created.message);
          return reply.code(201).send(created.value);
        },
      );

      r.get(
        "/accounts/:id",
        {
          schema: {
            summary: "Read an account",
            params: z.object({ id: Id }),
            response: { 200: AccountSchema, ...errors },
          },
        },
        async (request, reply) => {
          const acting = request.caller.actingAs;
          // A user reads only their own account; agents and admins read any.
          if (!mayReadAccount(acting, request.params.id))
            return fail(reply, "forbidden", "a user reads only their own account");
          const account = await getAccount(db, request.params.id);
          if (account === null) return fail(reply, "account_not_found", `no account ${request.params.id}`);
          return account;
        },
      );

      r.post(
        "/accounts/:id/status",
        {
          schema: {
            summary: "Change an account's status with a reason (the platform, or an admin)",
            description:
              "Restricted, suspended and removed accounts may read but not act. Each change is kept with who made it and why (`GET /v1/accounts/{id}/status-changes`). Setting the status it already has is `status_unchanged`; an admin does not change their own. With an `Idempotency-Key`, a retry answers as the first time.",
            params: z.object({ id: Id }),
            headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
            body: z.object({
              status: z.enum(ACCOUNT_STATUSES as [AccountStatus, ...AccountStatus[]]),
              reason: z.string().max(2_000),
            }),
            response: { 200: AccountSchema, ...errors },
          },
        },
        async (request, reply) => {
          const acting = request.caller.actingAs;
          if (!callerHas(acting, "manage_accounts"))
            return fail(reply, "forbidden", "an account's status is changed by the platform or an admin");
          const changed = await changeAccountStatus(
            db,
            request.params.id,
            request.body.status,
            request.body.reason,
            acting?.id ?? null,
            now(),
            request.headers["idempotency-key"] === undefined
              ? undefined
              : idempotencyKeyOf("status", acting, request.headers["idempotency-key"]),
          );
          if (!changed.ok) return fail(reply, changed.code, changed.message);
          return changed.value;
        },
      );

      r.get(
        "/accounts/:id/status-changes",
        {
          schema: {
            summary: "An account's status changes, oldest first, with who made each and why",
            params: z.object({ id: Id }),
            response: {
              200: z.object({
                changes: z.array(
                  z.object({
                    from: z.string(),
                    to: z.string(),
                    reason: z.string(),
                    changedBy: z.string().nullable().describe("the admin; null for the platform's key"),
                    changedAt: z.string(),
                  }),
                ),
              }),
              ...errors,
            },
          },
        },
        async (request, reply) => {
          if (!mayReadAccount(request.caller.actingAs, request.params.id))
            return fail(reply, "forbidden", "a user reads only their own account");
          if ((await getAccount(db, request.params.id)) === null)
            return fail(reply, "account_not_found", `no account ${request.params.id}`);
          const changes = await statusChangesOf(db, request.params.id);
          return {
            changes: changes.map((c) => ({
              from: c.from,
              to: c.to,
              reason: c.reason,
              changedBy: c.changedBy,
              changedAt: c.changedAt.toISOString(),
            })),
          };
        },
      );

      signOutRoutes(r, sessions);
      const deps: RouteDeps = {
        db,
        now,
        config: options.marketplace ?? DEFAULT_CONFIG,
        handleKey,
        secretKey,
        webhookAllowPrivate: options.webhookAllowPrivate ?? false,
        policy: options.policy ?? DEFAULT_POLICY,
        metrics,
        readCache,
        scanMemo,
        ...(options.shadowPolicy === undefined ? {} : { shadowPolicy: options.shadowPolicy }),
      };
      milestoneRoutes(r, deps);
      hourlyRoutes(r, deps);
      invoiceRoutes(r, deps);
      relationshipRoutes(r, deps);
      messageRoutes(r, deps);
      riskRoutes(r, deps);
      caseRoutes(r, deps);
      enforcementRoutes(r, deps);
      webhookRoutes(r, deps);
      shadowRoutes(r, deps);
      contractRoutes(r, deps);
      statsRoutes(r, deps);
      policyRoutes(r, deps);
      scopeRoutes(r, deps);
      apiKeyRoutes(r, deps);
      done();
    },
    { prefix: "/v1" },
  );

  return app;
}
