import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import {
  buildWorld,
  CALLERS,
  type CallerName,
  fillTemplate as fill,
  type World,
} from "./authz-world.test-helper.js";
import { type ApiCode, STATUS_OF } from "./errors.js";

/**
 * The authorisation matrix: every route the app registers, called by every
 * kind of caller, on real records. A caller marked `ok` must not be refused
 * (no 401 or 403, no 500: a domain answer such as a 409 is fine); a caller
 * marked with a code must get exactly that code and its status, and the call
 * must write nothing. Non-parties get the same 404 as for a missing record
 * (ids do not leak), so some refusals are 404s.
 */

/** Callers by who they are; each person is called with the platform key acting as them and with their own session. */
const GROUPS: Readonly<Record<string, readonly CallerName[]>> = {
  anonymous: ["anonymous"],
  platform: ["key"],
  client: ["key_as_client", "client"],
  freelancer: ["key_as_freelancer", "freelancer"],
  other: ["other_freelancer"],
  agent: ["key_as_agent", "agent"],
  admin: ["key_as_admin", "admin"],
  suspended: ["suspended"],
  keys: ["key", "key_as_client", "key_as_freelancer", "key_as_agent", "key_as_admin"],
  sessions: ["client", "freelancer", "other_freelancer", "agent", "admin", "suspended"],
  everyone: CALLERS,
};

/** Who gets what: `ok`, or the exact error code; values are space-separated group names. */
type Outcomes = Partial<Record<"ok" | ApiCode, string>>;

interface Row {
  route: string;
  /** The URL, with `{name}` for a record of the world (WorldIds). */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  outcomes: Outcomes;
}

/** Every /v1 route: no credentials is 401; a suspended account reaches only what app.ts SANCTIONED_MAY lets it. */
const V1 = { unauthenticated: "anonymous", account_suspended: "suspended" } as const;
const IDEM = { "idempotency-key": "authz-matrix-key-0001" };
const row = (route: string, url: string, outcomes: Outcomes, more: Partial<Row> = {}): Row => ({
  route,
  url,
  outcomes,
  ...more,
});

const STAFF_READ: Outcomes = { ok: "platform agent admin", forbidden: "client freelancer other", ...V1 };
const AGENTS_ONLY: Outcomes = { ok: "agent admin", forbidden: "platform client freelancer other", ...V1 };
const AGENTS_ACT: Outcomes = {
  ok: "agent admin",
  not_allowed_for_actor: "platform client freelancer other",
  ...V1,
};
const ADMINS: Outcomes = { ok: "platform admin", forbidden: "client freelancer other agent", ...V1 };
const SIGNED_IN: Outcomes = { ok: "platform client freelancer other agent admin", ...V1 };
/** Reading one account's affairs (mayReadAccount): the account itself, staff and the platform. */
const OWN_FREELANCER: Outcomes = { ok: "platform freelancer agent admin", forbidden: "client other", ...V1 };
/** The same about the suspended account, which may read these about itself (app.ts SANCTIONED_MAY_OWN). */
const OWN_SUSPENDED: Outcomes = {
  ok: "platform agent admin suspended",
  forbidden: "client freelancer other",
  unauthenticated: "anonymous",
};
/** A pair's or contract's record: its two sides, staff, the platform; anyone else the 404 of a missing one. */
const PARTIES = (hidden: ApiCode): Outcomes => ({
  ok: "platform client freelancer agent admin",
  [hidden]: "other",
  ...V1,
});
const OPENING: Outcomes = {
  invalid_request: "platform",
  ok: "client",
  forbidden: "freelancer other agent admin",
  ...V1,
};

/** The matrix. A new route needs a line here (the first test says so, naming it). */
const MATRIX: readonly Row[] = [
  row("GET /healthz", "/healthz", { ok: "everyone" }),
  row("GET /readyz", "/readyz", { ok: "everyone" }),
  row("GET /openapi.json", "/openapi.json", { ok: "everyone" }),
  // Open here: the matrix's app has no LEAKGUARD_METRICS_TOKEN (observability.test.ts checks the token).
  row("GET /metrics", "/metrics", { ok: "everyone" }),
  row("GET /docs", "/docs", { ok: "everyone" }),
  row("GET /docs/json", "/docs/json", { ok: "everyone" }),
  row("GET /docs/yaml", "/docs/yaml", { ok: "everyone" }),
  row("GET /docs/static/index.html", "/docs/static/index.html", { ok: "everyone" }),
  row("GET /docs/static/swagger-initializer.js", "/docs/static/swagger-initializer.js", { ok: "everyone" }),
  row("GET /docs/static/*", "/docs/static/swagger-ui.css", { ok: "everyone" }),
  row("GET /", "/", { ok: "everyone" }),
  row("GET /console", "/console", { ok: "everyone" }),
  row("GET /console/", "/console/", { ok: "everyone" }),
  row("GET /app", "/app", { ok: "everyone" }),
  row("GET /app/", "/app/", { ok: "everyone" }),
  row(
    "POST /v1/sessions",
    "/v1/sessions",
    { ok: "everyone" },
    {
      body: { accountId: "cli", password: "correct horse battery" },
    },
  ),
  row("DELETE /v1/sessions/current", "/v1/sessions/current", {
    invalid_request: "keys",
    ok: "sessions",
    unauthenticated: "anonymous",
  }),

  row("POST /v1/accounts", "/v1/accounts", ADMINS, {
    body: { id: "newbie", role: "client", displayName: "Newbie", country: "US", locale: "en-US" },
  }),
  row("GET /v1/accounts/:id", "/v1/accounts/{freelancer}", OWN_FREELANCER),
  row("GET /v1/accounts/:id", "/v1/accounts/{suspended}", OWN_SUSPENDED),
  row("POST /v1/accounts/:id/status", "/v1/accounts/{bystander}/status", ADMINS, {
    body: { status: "restricted", reason: "matrix check" },
  }),
  row("GET /v1/accounts/:id/status-changes", "/v1/accounts/{freelancer}/status-changes", OWN_FREELANCER),
  row("GET /v1/accounts/:id/status-changes", "/v1/accounts/{suspended}/status-changes", OWN_SUSPENDED),
  row("GET /v1/accounts/:id/relationships", "/v1/accounts/{freelancer}/relationships", OWN_FREELANCER),
  row("GET /v1/accounts/:id/contracts", "/v1/accounts/{freelancer}/contracts", OWN_FREELANCER),
  row("GET /v1/accounts/:id/balances", "/v1/accounts/{freelancer}/balances", OWN_FREELANCER),
  row("GET /v1/accounts/:id/notices", "/v1/accounts/{client}/notices", {
    ok: "platform client agent admin",
    forbidden: "freelancer other",
    ...V1,
  }),
  row("GET /v1/accounts/:id/notices", "/v1/accounts/{suspended}/notices", OWN_SUSPENDED),
  row("GET /v1/accounts/:id/risk", "/v1/accounts/{client}/risk", STAFF_READ),
  row("GET /v1/accounts/:id/linked", "/v1/accounts/{client}/linked", STAFF_READ),

  row(
    "POST /v1/messages",
    "/v1/messages",
    {
      invalid_request: "platform",
      ok: "client",
      not_a_pair: "freelancer other agent admin",
      ...V1,
    },
    { body: { recipientId: "fre", text: "Can you start on Monday?" } },
  ),
  row(
    "POST /v1/messages/check",
    "/v1/messages/check",
    {
      invalid_request: "platform",
      ok: "client",
      not_a_pair: "freelancer other agent admin",
      ...V1,
    },
    { body: { recipientId: "fre", text: "Can you start on Monday?" } },
  ),
  row(
    "GET /v1/relationships/:id/messages",
    "/v1/relationships/{relationship}/messages",
    PARTIES("not_found"),
  ),
  row("GET /v1/messages/held", "/v1/messages/held", STAFF_READ),
  row(
    "POST /v1/messages/:id/report",
    "/v1/messages/{delivered}/report",
    {
      invalid_request: "platform",
      ok: "freelancer",
      cannot_report_own_message: "client",
      message_not_found: "other agent admin",
      ...V1,
    },
    { body: { reason: "other" } },
  ),
  row("GET /v1/reports", "/v1/reports", STAFF_READ),
  row("POST /v1/messages/:id/:decision", "/v1/messages/{held}/release", AGENTS_ACT),
  row("GET /v1/relationships/:id", "/v1/relationships/{relationship}", PARTIES("not_found")),
  row("GET /v1/relationships/:id/risk", "/v1/relationships/{relationship}/risk", STAFF_READ),
  row(
    "POST /v1/relationships/:id/conversion-fee",
    "/v1/relationships/{relationship}/conversion-fee",
    {
      ok: "client",
      not_allowed_for_actor: "platform freelancer agent admin",
      not_found: "other",
      ...V1,
    },
    { headers: IDEM },
  ),

  row("GET /v1/cases", "/v1/cases", AGENTS_ONLY),
  row("GET /v1/cases/:id", "/v1/cases/{openCase}", AGENTS_ONLY),
  row("POST /v1/cases/:id/:claim", "/v1/cases/{openCase}/claim", AGENTS_ACT),
  row("POST /v1/cases/:id/actions", "/v1/cases/{openCase}/actions", AGENTS_ACT, {
    body: { kind: "dismiss", reason: "a checkout integration" },
  }),
  row("GET /v1/audit", "/v1/audit?subjectId={client}", STAFF_READ),
  row(
    "POST /v1/clarifications/:id/answer",
    "/v1/clarifications/{clientClarification}/answer",
    {
      not_allowed_for_actor: "platform",
      ok: "client",
      clarification_not_found: "freelancer other agent admin suspended",
      unauthenticated: "anonymous",
    },
    { body: { answer: "It is the PayPal checkout we are building." } },
  ),
  row(
    "POST /v1/clarifications/:id/answer",
    "/v1/clarifications/{suspendedClarification}/answer",
    {
      not_allowed_for_actor: "platform",
      ok: "suspended",
      clarification_not_found: "client freelancer other agent admin",
      unauthenticated: "anonymous",
    },
    { body: { answer: "It is the PayPal checkout we are building." } },
  ),
  row(
    "POST /v1/appeals",
    "/v1/appeals",
    {
      not_allowed_for_actor: "platform",
      ok: "client",
      action_not_found: "freelancer other agent admin suspended",
      unauthenticated: "anonymous",
    },
    { body: { actionId: "{clientWarning}", statement: "I meant the checkout integration." } },
  ),
  row(
    "POST /v1/appeals",
    "/v1/appeals",
    {
      not_allowed_for_actor: "platform",
      ok: "suspended",
      action_not_found: "client freelancer other agent admin",
      unauthenticated: "anonymous",
    },
    { body: { actionId: "{suspendedWarning}", statement: "I meant the checkout integration." } },
  ),
  row("GET /v1/appeals", "/v1/appeals?status=all", {
    ok: "platform client freelancer other agent admin suspended",
    unauthenticated: "anonymous",
  }),
  row("POST /v1/appeals/:id/decision", "/v1/appeals/{pendingAppeal}/decision", AGENTS_ACT, {
    body: { decision: "upheld", reason: "the policy is clear" },
  }),

  row("POST /v1/contracts/fixed-price", "/v1/contracts/fixed-price", OPENING, {
    body: { freelancerId: "fre", currency: "USD", milestones: [{ amount: "20000" }] },
  }),
  row("POST /v1/contracts/hourly", "/v1/contracts/hourly", OPENING, {
    body: { freelancerId: "fre", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 5 },
  }),
  row("GET /v1/contracts/:id", "/v1/contracts/{fixedContract}", PARTIES("contract_not_found")),
  row("POST /v1/contracts/:id/end", "/v1/contracts/{hourlyContract}/end", PARTIES("contract_not_found"), {
    body: { reason: "the work is done" },
  }),
  row("GET /v1/milestones/:id", "/v1/milestones/{milestone}", PARTIES("milestone_not_found")),
  row(
    "POST /v1/milestones/:id/:action",
    "/v1/milestones/{milestone}/fund",
    {
      ok: "client",
      not_allowed_for_actor: "platform freelancer agent admin",
      milestone_not_found: "other",
      ...V1,
    },
    { headers: IDEM },
  ),
  row(
    "POST /v1/contracts/:id/time",
    "/v1/contracts/{hourlyContract}/time",
    {
      ok: "freelancer",
      not_allowed_for_actor: "platform client agent admin",
      contract_not_found: "other",
      ...V1,
    },
    { body: { start: "2026-11-24T09:00:00Z", tracked: true, memo: "tests", activity: 50 } },
  ),
  row(
    "GET /v1/contracts/:id/time",
    "/v1/contracts/{hourlyContract}/time?week=2026-11-17",
    PARTIES("contract_not_found"),
  ),
  row(
    "GET /v1/contracts/:id/invoices",
    "/v1/contracts/{hourlyContract}/invoices",
    PARTIES("contract_not_found"),
  ),
  row(
    "POST /v1/contracts/:id/invoices/:week/dispute",
    "/v1/contracts/{hourlyContract}/invoices/{invoiceWeek}/dispute",
    {
      ok: "client",
      invalid_request: "freelancer",
      not_allowed_for_actor: "platform agent admin",
      contract_not_found: "other",
      ...V1,
    },
    { headers: IDEM },
  ),
  row(
    "POST /v1/contracts/:id/invoices/:week/dispute",
    "/v1/contracts/{hourlyContract}/invoices/{invoiceWeek}/dispute",
    {
      ok: "freelancer",
      invalid_request: "client",
      not_allowed_for_actor: "platform agent admin",
      contract_not_found: "other",
      ...V1,
    },
    { headers: IDEM, body: { accept: true } },
  ),
  row(
    "POST /v1/contracts/:id/invoices/:week/resolve",
    "/v1/contracts/{hourlyContract}/invoices/{invoiceWeek}/resolve",
    AGENTS_ACT,
    { headers: IDEM, body: { refund: "0" } },
  ),

  row("GET /v1/accounts/:id/scopes", "/v1/accounts/{freelancer}/scopes", OWN_FREELANCER),
  row(
    "POST /v1/accounts/:id/scopes",
    "/v1/accounts/{agent}/scopes",
    {
      ok: "platform admin",
      forbidden: "client freelancer other agent",
      ...V1,
    },
    { body: { scope: "read_originals", action: "revoke", reason: "authorisation matrix" } },
  ),
  row("POST /v1/api-keys", "/v1/api-keys", ADMINS, { body: { name: "matrix key" } }),
  row("GET /v1/api-keys", "/v1/api-keys", ADMINS),
  row("DELETE /v1/api-keys/:id", "/v1/api-keys/{apiKey}", ADMINS),

  row("GET /v1/webhooks/event-types", "/v1/webhooks/event-types", SIGNED_IN),
  row("POST /v1/webhooks", "/v1/webhooks", ADMINS, {
    body: { url: "https://example.org/hooks", events: ["*"] },
  }),
  row("GET /v1/webhooks", "/v1/webhooks", ADMINS),
  row("DELETE /v1/webhooks/:id", "/v1/webhooks/{webhook}", ADMINS),
  row("GET /v1/webhooks/:id/deliveries", "/v1/webhooks/{webhook}/deliveries", ADMINS),
  row(
    "POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver",
    "/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver",
    ADMINS,
  ),

  row("GET /v1/shadow", "/v1/shadow", STAFF_READ),
  row("GET /v1/stats", "/v1/stats", STAFF_READ),
  row("GET /v1/policy", "/v1/policy", SIGNED_IN),
];

/** Each caller's expected outcome in a row; throws naming the row when a caller is missing or named twice. */
function expectations(r: Row): Map<CallerName, "ok" | ApiCode> {
  const out = new Map<CallerName, "ok" | ApiCode>();
  for (const [outcome, groups] of Object.entries(r.outcomes) as ["ok" | ApiCode, string][])
    for (const group of groups.split(" ")) {
      const callers = GROUPS[group];
      if (callers === undefined) throw new Error(`${r.route} (${r.url}): no caller group "${group}"`);
      for (const c of callers) {
        if (out.has(c)) throw new Error(`${r.route} (${r.url}): ${c} is given two outcomes`);
        out.set(c, outcome);
      }
    }
  const missing = CALLERS.filter((c) => !out.has(c));
  if (missing.length > 0) throw new Error(`${r.route} (${r.url}): no outcome for ${missing.join(", ")}`);
  return out;
}

/**
 * A refusal writes nothing, with one exception by design (store/src/idempotency.ts): a keyed request's
 * first answer, refusal included, is kept under its key so a retry gets the same answer.
 */
function expectNoWrite(
  before: Record<string, number>,
  after: Record<string, number>,
  keyed: boolean,
  caller: string,
): void {
  const { idempotency_keys: keysBefore = 0, ...restBefore } = before;
  const { idempotency_keys: keysAfter = 0, ...restAfter } = after;
  expect(restAfter, `${caller}'s refused call wrote`).toEqual(restBefore);
  expect(keysAfter - keysBefore, `${caller}'s refused call stored idempotency answers`).toBeLessThanOrEqual(
    keyed ? 1 : 0,
  );
}

function errorCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } } | null;
    return typeof parsed?.error?.code === "string" ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}

describe.each(engines)("the authorisation matrix on $name", ({ open }) => {
  const db = migratedDb(open);
  let world: World;
  beforeAll(async () => {
    world = await buildWorld(db());
  }, 120_000);

  it("has an entry for every route the app registers, and none for a route it does not", () => {
    const covered = new Set(MATRIX.map((r) => r.route));
    const missing = world.routes.filter((r) => !covered.has(r));
    expect(
      missing,
      missing
        .map(
          (r) =>
            `Route "${r}" has no entry in the authorisation matrix: add a line to MATRIX in apps/server/src/authz-matrix.test.ts, ` +
            `row("${r}", "<a URL on the world's records, e.g. /v1/x/{client}>", { ok: "<who may>", forbidden: "<who may not>", ...V1 }), ` +
            `naming every caller group (${Object.keys(GROUPS).join(", ")}).`,
        )
        .join("\n"),
    ).toEqual([]);
    const stale = [...covered].filter((r) => !world.routes.includes(r));
    expect(stale, `matrix rows for routes the app does not register: ${stale.join(", ")}`).toEqual([]);
    for (const r of MATRIX) expectations(r);
  });

  it("shows a masked or held message's original to its sender and to staff only, never to the recipient or a stranger", async () => {
    await world.restore();
    const { ids } = world;
    const email = "sam.rivera@gmail.com";
    type View = Record<string, unknown> & { id: string; text: string };
    const thread = async (caller: CallerName) => {
      const res = await world.call(caller, { url: `/v1/relationships/${ids.relationship}/messages` });
      return {
        status: res.statusCode,
        body: res.body,
        messages: res.json<{ messages?: View[] }>().messages ?? [],
      };
    };
    const find = (messages: View[], id: string) => messages.find((m) => m.id === id);
    const fieldsOf = (m: View | undefined) => Object.keys(m ?? {}).sort();
    const OWN = [
      "delivery",
      "explanations",
      "id",
      "relationshipId",
      "senderId",
      "sentAt",
      "shownText",
      "text",
      "verdict",
    ];
    const DELIVERED = ["delivery", "id", "relationshipId", "senderId", "sentAt", "text", "verdict"];
    const FULL = [...OWN, "findings"].sort();

    // The recipient of the masked message (the client) sees only what was delivered: masked, no spans, no reasons.
    for (const caller of ["key_as_client", "client"] as const) {
      const { messages, body } = await thread(caller);
      const masked = find(messages, ids.masked);
      expect(fieldsOf(masked)).toEqual(DELIVERED);
      expect(masked?.text).not.toContain(email);
      expect(body).not.toContain(email);
      // Their own held message: their original and why, but not the engine's findings.
      const held = find(messages, ids.held);
      expect(fieldsOf(held)).toEqual(OWN);
      expect(held?.text).toBe(ids.heldText);
    }
    // The recipient of the held message (the freelancer) does not see it at all; their own masked one in full.
    for (const caller of ["key_as_freelancer", "freelancer"] as const) {
      const { messages, body } = await thread(caller);
      expect(find(messages, ids.held)).toBeUndefined();
      expect(body).not.toContain(ids.heldText);
      const masked = find(messages, ids.masked);
      expect(fieldsOf(masked)).toEqual(OWN);
      expect(masked?.text).toBe(ids.maskedText);
      expect(masked?.shownText).not.toContain(email);
    }
    // A stranger to the pair sees nothing: the same 404 as for no pair.
    const stranger = await thread("other_freelancer");
    expect(stranger.status).toBe(404);
    expect(stranger.body).not.toContain(email);
    // Staff and the platform see the originals and the findings that point into them.
    for (const caller of ["key", "key_as_agent", "agent", "key_as_admin", "admin"] as const) {
      const { messages } = await thread(caller);
      const masked = find(messages, ids.masked);
      expect(fieldsOf(masked)).toEqual(FULL);
      expect(masked?.text).toBe(ids.maskedText);
      const findings = masked?.findings as { start: number; end: number; value: string }[];
      expect(findings.map((f) => ids.maskedText.slice(f.start, f.end)).join(" ")).toContain("sam.rivera");
      expect(fieldsOf(find(messages, ids.held))).toEqual(FULL);
      expect(find(messages, ids.held)?.text).toBe(ids.heldText);
    }

    // The held list and a case's evidence carry the original: staff only.
    for (const caller of ["key_as_agent", "agent", "admin"] as const) {
      const held = await world.call(caller, { url: "/v1/messages/held" });
      const h = find(held.json<{ messages: View[] }>().messages, ids.held);
      expect(fieldsOf(h)).toEqual(FULL);
      expect(h?.text).toBe(ids.heldText);
      const evidence = await world.call(caller, { url: `/v1/cases/${ids.clientCase}` });
      const e = find(evidence.json<{ messages: View[] }>().messages, ids.held);
      expect(fieldsOf(e)).toEqual(FULL);
      expect(e?.text).toBe(ids.heldText);
    }
    for (const caller of [
      "client",
      "freelancer",
      "other_freelancer",
      "key_as_client",
      "key_as_freelancer",
    ] as const) {
      for (const url of ["/v1/messages/held", `/v1/cases/${ids.clientCase}`]) {
        const res = await world.call(caller, { url });
        expect(res.statusCode, `${caller} ${url}`).toBe(403);
        expect(res.body).not.toContain(ids.heldText);
      }
    }
    // Appeals: staff and the platform see every one; a user only their own.
    const appealIds = async (caller: CallerName) =>
      (await world.call(caller, { url: "/v1/appeals?status=all" }))
        .json<{ appeals: { id: string; appellantId: string }[] }>()
        .appeals.map((a) => a.id);
    for (const caller of ["key", "key_as_agent", "agent", "admin"] as const)
      expect(await appealIds(caller)).toContain(ids.pendingAppeal);
    for (const caller of ["client", "key_as_freelancer", "other_freelancer", "suspended"] as const)
      expect(await appealIds(caller)).not.toContain(ids.pendingAppeal);
    // A session never acts as someone else.
    const borrowed = await world.call("client", {
      url: `/v1/relationships/${ids.relationship}/messages`,
      headers: { "leakguard-act-as": "agt" },
    });
    expect(borrowed.statusCode).toBe(403);
    expect(borrowed.json<{ error: { code: string } }>().error.code).toBe("forbidden");
  });

  it.each(MATRIX.map((r, i) => [`${r.route} ${r.url}`, i] as const))("%s", async (_name, i) => {
    const r = MATRIX[i] as Row;
    await world.restore();
    const expected = expectations(r);
    const request = {
      method: r.route.split(" ")[0] as "GET" | "POST" | "DELETE",
      url: fill(r.url, world.ids) as string,
      ...(r.body === undefined ? {} : { payload: fill(r.body, world.ids) as object }),
      ...(r.headers === undefined ? {} : { headers: r.headers }),
    };
    // Refusals first, each checked to write nothing; then those who may, whose writes may change later answers.
    const order = [...CALLERS].sort(
      (a, b) => Number(expected.get(a) === "ok") - Number(expected.get(b) === "ok"),
    );
    const got: string[] = [];
    const want: string[] = [];
    let counts = await world.rowCounts();
    for (const caller of order) {
      const outcome = expected.get(caller) ?? "ok";
      const res = await world.call(caller, request);
      const code = errorCodeOf(res.body);
      const seen = `${res.statusCode}${code === undefined ? "" : ` ${code}`}`;
      if (outcome === "ok") {
        const refused =
          res.statusCode === 401 ||
          res.statusCode === 403 ||
          (res.statusCode >= 500 && res.statusCode !== 503);
        got.push(`${caller}: ${refused ? seen : "ok"}`);
        want.push(`${caller}: ok`);
      } else {
        got.push(`${caller}: ${seen}`);
        want.push(`${caller}: ${STATUS_OF[outcome]} ${outcome}`);
        // Refusals run one after another, so the counts after one are the counts before the next.
        const after = await world.rowCounts();
        expectNoWrite(counts, after, r.headers !== undefined, caller);
        counts = after;
      }
    }
    expect(got).toEqual(want);
  });
});
