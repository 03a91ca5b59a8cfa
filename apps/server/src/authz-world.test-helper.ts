import { type Db, issueWeeklyInvoices } from "@leakguard/store";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse, RouteOptions } from "fastify";
import { expect } from "vitest";
import { buildApp } from "./app.js";
import { sha256Hex } from "./auth.js";
import { REQUEST_LIMITS_OFF } from "./rate-limits.js";
import { as, platform, TEST_KEY } from "./test-app.test-helper.js";

/**
 * One small marketplace with every kind of record the API has, for the
 * authorisation matrix and the body fuzzing: accounts of each role, sessions,
 * a pair with delivered, masked and held messages, cases open and closed, a
 * warning with an appeal pending, clarifications waiting, a fixed-price and an
 * hourly contract with an invoice, a webhook endpoint with a delivery, and a
 * suspended user. Tests snapshot it once and restore it between routes.
 */

export const NOW = new Date("2026-11-26T15:00:00Z");

/** Everyone who can call the API, by how they call it. */
export const CALLERS = [
  "anonymous",
  "key",
  "key_as_client",
  "key_as_freelancer",
  "key_as_agent",
  "key_as_admin",
  "client",
  "freelancer",
  "other_freelancer",
  "agent",
  "admin",
  "suspended",
] as const;
export type CallerName = (typeof CALLERS)[number];

const PASSWORD = "correct horse battery";

/** The world's record ids, named for what they are. */
export interface WorldIds {
  client: string;
  freelancer: string;
  otherFreelancer: string;
  agent: string;
  admin: string;
  suspended: string;
  /** A client who is no caller: the target of status changes, the subject of the open case. */
  bystander: string;
  relationship: string;
  delivered: string;
  masked: string;
  maskedText: string;
  held: string;
  heldText: string;
  /** Open and unclaimed, about the bystander. */
  openCase: string;
  /** The client's case closed with a warning (appealable by the client). */
  clientWarning: string;
  clientClarification: string;
  clientCase: string;
  suspendedWarning: string;
  suspendedClarification: string;
  /** An appeal pending, filed against an action the fixtures' own agent took. */
  pendingAppeal: string;
  fixedContract: string;
  milestone: string;
  hourlyContract: string;
  invoiceWeek: string;
  webhook: string;
  delivery: string;
  /** A platform API key kept in the database. */
  apiKey: string;
}

export interface World {
  app: FastifyInstance;
  /** Every route the app registered, as `METHOD /url` (HEAD routes Fastify adds for GETs left out). */
  routes: string[];
  /** The routes whose schema takes a body. */
  bodyRoutes: string[];
  ids: WorldIds;
  headersOf: (caller: CallerName) => Record<string, string>;
  call: (caller: CallerName, request: InjectOptions) => Promise<LightMyRequestResponse>;
  /** Rows in every table of the schema, by table. */
  rowCounts: () => Promise<Record<string, number>>;
  /** Puts every table back as it was when the world was built. */
  restore: () => Promise<void>;
}

const SNAP = "snap__";

async function tablesOf(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_catalog.pg_tables
     WHERE schemaname = current_schema() AND tablename NOT LIKE '${SNAP}%' ORDER BY tablename`,
  );
  return rows.map((r) => r.name);
}

function expectStatus(res: LightMyRequestResponse, status: number, what: string): void {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
}

export async function buildWorld(db: Db): Promise<World> {
  const routes: string[] = [];
  const bodyRoutes: string[] = [];
  const app = await buildApp({
    db,
    apiKeyHashes: [sha256Hex(TEST_KEY)],
    now: () => NOW,
    // Hundreds of calls per caller under a frozen clock: the limits are tested in rate-limits.test.ts.
    rateLimits: { settings: REQUEST_LIMITS_OFF },
    webhookAllowPrivate: true,
    // No built web pages: the same routes whether or not `npm run build` ran.
    webDir: "/nonexistent/leakguard-web",
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat())
        if (method !== "HEAD") {
          routes.push(`${method} ${route.url}`);
          if ((route.schema as { body?: unknown } | undefined)?.body !== undefined)
            bodyRoutes.push(`${method} ${route.url}`);
        }
    },
  });
  const inject = async (request: InjectOptions, status: number, what: string) => {
    const res = await app.inject(request);
    expectStatus(res, status, what);
    return res;
  };
  const people = [
    ["cli", "client"],
    ["fre", "freelancer"],
    ["fre2", "freelancer"],
    ["agt", "agent"],
    ["adm", "admin"],
    ["sus", "client"],
    ["agt0", "agent"],
    ["cli3", "client"],
    ["cli4", "client"],
  ] as const;
  for (const [id, role] of people)
    await inject(
      {
        method: "POST",
        url: "/v1/accounts",
        headers: platform,
        payload: { id, role, displayName: id, country: "US", locale: "en-US", password: PASSWORD },
      },
      201,
      `create ${id}`,
    );
  const tokens: Record<string, string> = {};
  for (const id of ["cli", "fre", "fre2", "agt", "adm", "sus"])
    tokens[id] = (
      await inject(
        { method: "POST", url: "/v1/sessions", payload: { accountId: id, password: PASSWORD } },
        201,
        `sign in ${id}`,
      )
    ).json<{ token: string }>().token;

  const webhook = (
    await inject(
      {
        method: "POST",
        url: "/v1/webhooks",
        headers: platform,
        payload: { url: "https://example.com/hooks", events: ["*"] },
      },
      201,
      "webhook",
    )
  ).json<{ id: string }>().id;

  // The fixtures' agent and admin read originals (the read_originals grant; see originals.test.ts for without).
  for (const staff of ["agt", "adm"])
    await inject(
      {
        method: "POST",
        url: `/v1/accounts/${staff}/scopes`,
        headers: platform,
        payload: { scope: "read_originals", action: "grant", reason: "authorisation matrix fixtures" },
      },
      200,
      `grant ${staff}`,
    );
  const apiKey = (
    await inject(
      { method: "POST", url: "/v1/api-keys", headers: platform, payload: { name: "matrix" } },
      201,
      "api key",
    )
  ).json<{ id: string }>().id;

  const send = async (from: string, to: string, text: string, status = 201) =>
    (
      await inject(
        { method: "POST", url: "/v1/messages", headers: as(from), payload: { recipientId: to, text } },
        status,
        `message from ${from}`,
      )
    ).json<{ id: string; relationshipId: string; verdict: string; delivery: string }>();
  const PAYPAL = "Let's skip the fees, I'll pay you directly via PayPal.";
  const IBAN = "Send me your IBAN, I'll wire it outside the platform.";
  const openCaseOf = async (subject: string) => {
    const { cases } = (await inject({ url: "/v1/cases", headers: as("agt0") }, 200, "queue")).json<{
      cases: { id: string; subjectId: string; status: string }[];
    }>();
    const c = cases.find((x) => x.subjectId === subject);
    if (c === undefined) throw new Error(`no open case about ${subject}`);
    return c.id;
  };
  const act = async (caseId: string, body: object) =>
    (
      await inject(
        { method: "POST", url: `/v1/cases/${caseId}/actions`, headers: as("agt0"), payload: body },
        201,
        `action on ${caseId}`,
      )
    ).json<{ action: { id: string } }>().action.id;
  const warn = (caseId: string) =>
    act(caseId, { kind: "warn", reason: "fixture warning", warningKind: "off_platform_payment" });
  const clarify = async (caseId: string, subject: string) => {
    await act(caseId, { kind: "clarify", reason: "fixture question", defaultOutcome: "dismiss" });
    const { clarifications } = (
      await inject({ url: `/v1/accounts/${subject}/notices`, headers: platform }, 200, "notices")
    ).json<{ clarifications: { id: string; awaitingAnswer: boolean }[] }>();
    const waiting = clarifications.find((c) => c.awaitingAnswer);
    if (waiting === undefined) throw new Error(`no clarification waiting for ${subject}`);
    return waiting.id;
  };

  const delivered = await send("cli", "fre", "Hello! Are you free next week?");
  expect(delivered).toMatchObject({ verdict: "allow", delivery: "delivered" });
  const maskedText = "Sure! Write to me at sam.rivera@gmail.com and we can go from there.";
  const masked = await send("fre", "cli", maskedText);
  expect(masked).toMatchObject({ verdict: "mask", delivery: "delivered" });
  const held = await send("cli", "fre", PAYPAL);
  expect(held).toMatchObject({ verdict: "hold", delivery: "held" });
  const clientWarning = await warn(await openCaseOf("cli"));
  await send("cli", "fre", IBAN);
  const clientCase = await openCaseOf("cli");
  const clientClarification = await clarify(clientCase, "cli");

  await send("sus", "fre", PAYPAL);
  const suspendedWarning = await warn(await openCaseOf("sus"));
  await send("sus", "fre", IBAN);
  const suspendedClarification = await clarify(await openCaseOf("sus"), "sus");
  await inject(
    {
      method: "POST",
      url: "/v1/accounts/sus/status",
      headers: platform,
      payload: { status: "suspended", reason: "fixture suspension" },
    },
    200,
    "suspend",
  );

  await send("cli3", "fre2", PAYPAL);
  const openCase = await openCaseOf("cli3");
  await send("cli4", "fre2", PAYPAL);
  const appealed = await warn(await openCaseOf("cli4"));
  const pendingAppeal = (
    await inject(
      {
        method: "POST",
        url: "/v1/appeals",
        headers: as("cli4"),
        payload: { actionId: appealed, statement: "I meant the PayPal checkout we are building." },
      },
      201,
      "appeal",
    )
  ).json<{ id: string }>().id;

  const fixed = (
    await inject(
      {
        method: "POST",
        url: "/v1/contracts/fixed-price",
        headers: as("cli"),
        payload: { freelancerId: "fre", currency: "USD", milestones: [{ amount: "50000" }] },
      },
      201,
      "fixed-price contract",
    )
  ).json<{ id: string; milestones: { id: string }[] }>();
  const hourlyContract = (
    await inject(
      {
        method: "POST",
        url: "/v1/contracts/hourly",
        headers: as("cli"),
        payload: { freelancerId: "fre", currency: "USD", hourlyRate: "6000", weeklyLimitHours: 10 },
      },
      201,
      "hourly contract",
    )
  ).json<{ id: string }>().id;
  await inject(
    {
      method: "POST",
      url: `/v1/contracts/${hourlyContract}/time`,
      headers: as("fre"),
      payload: { start: "2026-11-17T09:00:00Z", tracked: true, memo: "checkout flow", activity: 60 },
    },
    200,
    "time",
  );
  await issueWeeklyInvoices(db, NOW);
  const { deliveries } = (
    await inject({ url: `/v1/webhooks/${webhook}/deliveries`, headers: platform }, 200, "deliveries")
  ).json<{ deliveries: { id: string }[] }>();
  const delivery = deliveries[0]?.id;
  if (delivery === undefined) throw new Error("the fixtures queued no webhook delivery");

  const ids: WorldIds = {
    client: "cli",
    freelancer: "fre",
    otherFreelancer: "fre2",
    agent: "agt",
    admin: "adm",
    suspended: "sus",
    bystander: "cli3",
    relationship: delivered.relationshipId,
    delivered: delivered.id,
    masked: masked.id,
    maskedText,
    held: held.id,
    heldText: PAYPAL,
    openCase,
    clientWarning,
    clientClarification,
    clientCase,
    suspendedWarning,
    suspendedClarification,
    pendingAppeal,
    fixedContract: fixed.id,
    milestone: fixed.milestones[0]?.id ?? "",
    hourlyContract,
    invoiceWeek: "2026-11-16",
    webhook,
    delivery,
    apiKey,
  };

  const session = (id: string) => ({ authorization: `Bearer ${tokens[id] ?? ""}` });
  const HEADERS: Record<CallerName, Record<string, string>> = {
    anonymous: {},
    key: { ...platform },
    key_as_client: as("cli"),
    key_as_freelancer: as("fre"),
    key_as_agent: as("agt"),
    key_as_admin: as("adm"),
    client: session("cli"),
    freelancer: session("fre"),
    other_freelancer: session("fre2"),
    agent: session("agt"),
    admin: session("adm"),
    suspended: session("sus"),
  };
  const headersOf = (caller: CallerName) => ({ ...HEADERS[caller] });

  const tables = await tablesOf(db);
  for (const t of tables) {
    await db.exec(`DROP TABLE IF EXISTS ${SNAP}${t}`);
    await db.exec(`CREATE TABLE ${SNAP}${t} AS SELECT * FROM ${t}`);
  }
  // Rate-limit counters are not a write of the request's: a refused sign-in must be counted (that is the limit).
  const counted = tables.filter((t) => t !== "rate_limit_counters");
  const rowCounts = async () => {
    const { rows } = await db.query<{ t: string; n: string }>(
      counted.map((t) => `SELECT '${t}' AS t, count(*)::text AS n FROM ${t}`).join(" UNION ALL "),
    );
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
  };
  const restore = () =>
    db.transaction(async (tx) => {
      // Replica mode skips foreign keys and the append-only triggers while the rows go back in.
      await tx.query("SET LOCAL session_replication_role = replica");
      await tx.query(`TRUNCATE ${tables.join(", ")}`);
      for (const t of tables) await tx.query(`INSERT INTO ${t} SELECT * FROM ${SNAP}${t}`);
    });

  const call = (caller: CallerName, request: InjectOptions) =>
    app.inject({
      ...request,
      headers: { ...headersOf(caller), ...(request.headers as Record<string, string> | undefined) },
    });
  return { app, routes, bodyRoutes, ids, headersOf, call, rowCounts, restore };
}

/** A request template with the world's ids in it: `{name}` in any string is `ids.name`. */
export function fillTemplate(template: unknown, ids: WorldIds): unknown {
  if (typeof template === "string")
    return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const v = (ids as unknown as Record<string, unknown>)[name];
      if (typeof v !== "string") throw new Error(`the world has no record {${name}}`);
      return v;
    });
  if (Array.isArray(template)) return template.map((t) => fillTemplate(t, ids));
  if (typeof template === "object" && template !== null)
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, ids)]));
  return template;
}
