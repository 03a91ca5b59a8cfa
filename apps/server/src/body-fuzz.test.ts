import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { buildWorld, type CallerName, fillTemplate as fill, type World } from "./authz-world.test-helper.js";
import { STATUS_OF } from "./errors.js";

/**
 * Property-based fuzzing of the request body of every route that takes one:
 * arbitrary JSON (and some that is not JSON), and bodies one mutation away
 * from a valid one. Whatever comes, the answer is never a 5xx; a 4xx is a
 * coded error body ({error: {code, message}} with the status of its code in
 * errors.ts) and leaves every table's row count as it was. Runs are seeded:
 * FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> changes its length; fast-check
 * prints the seed and the shrunk counterexample of a failure.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 16);

interface Target {
  /** The URL, with `{name}` for a record of the world (WorldIds). */
  url: string;
  /** Who calls: someone who may, so the body reaches the route's own logic. */
  caller: CallerName;
  /** The route takes an Idempotency-Key: each run sends a fresh one. */
  keyed?: boolean;
  /** Valid bodies, to mutate. */
  valid: readonly Record<string, unknown>[];
}

/** Every route that takes a body. A new one needs an entry (the first test says so, naming it). */
const TARGETS: Readonly<Record<string, Target>> = {
  "POST /v1/sessions": {
    url: "/v1/sessions",
    caller: "anonymous",
    valid: [{ accountId: "cli", password: "correct horse battery" }],
  },
  "POST /v1/accounts": {
    url: "/v1/accounts",
    caller: "key",
    valid: [
      { id: "fz_new", role: "client", displayName: "Fuzz", country: "US", locale: "en-US" },
      {
        id: "fz_pw",
        role: "agent",
        displayName: "F",
        country: "DE",
        locale: "de-DE",
        password: "0123456789",
      },
    ],
  },
  "POST /v1/accounts/:id/status": {
    url: "/v1/accounts/{bystander}/status",
    caller: "key_as_admin",
    keyed: true,
    valid: [{ status: "restricted", reason: "fuzzing" }],
  },
  "POST /v1/contracts/fixed-price": {
    url: "/v1/contracts/fixed-price",
    caller: "key_as_client",
    keyed: true,
    valid: [{ freelancerId: "fre", currency: "USD", milestones: [{ amount: "20000" }, { amount: "1" }] }],
  },
  "POST /v1/contracts/hourly": {
    url: "/v1/contracts/hourly",
    caller: "key_as_client",
    keyed: true,
    valid: [{ freelancerId: "fre", currency: "USD", hourlyRate: "5000", weeklyLimitHours: 5 }],
  },
  "POST /v1/milestones/:id/:action": {
    url: "/v1/milestones/{milestone}/resolve",
    caller: "key_as_agent",
    keyed: true,
    valid: [{ toFreelancer: "100" }, { accept: true }],
  },
  "POST /v1/contracts/:id/time": {
    url: "/v1/contracts/{hourlyContract}/time",
    caller: "key_as_freelancer",
    valid: [{ start: "2026-11-24T09:00:00Z", tracked: true, memo: "tests", activity: 50 }],
  },
  "POST /v1/contracts/:id/end": {
    url: "/v1/contracts/{hourlyContract}/end",
    caller: "key_as_client",
    keyed: true,
    valid: [{ reason: "the work is done" }],
  },
  "POST /v1/contracts/:id/invoices/:week/dispute": {
    url: "/v1/contracts/{hourlyContract}/invoices/{invoiceWeek}/dispute",
    caller: "key_as_freelancer",
    keyed: true,
    valid: [{ accept: true }, {}],
  },
  "POST /v1/contracts/:id/invoices/:week/resolve": {
    url: "/v1/contracts/{hourlyContract}/invoices/{invoiceWeek}/resolve",
    caller: "key_as_agent",
    keyed: true,
    valid: [{ refund: "0" }],
  },
  "POST /v1/relationships/:id/conversion-fee": {
    url: "/v1/relationships/{relationship}/conversion-fee",
    caller: "key_as_client",
    keyed: true,
    valid: [{}],
  },
  "POST /v1/messages": {
    url: "/v1/messages",
    caller: "key_as_client",
    keyed: true,
    valid: [
      { recipientId: "fre", text: "Can you start on Monday?" },
      { recipientId: "fre", text: "Write to me at sam@example.com", confirmationToken: "lgn_x" },
    ],
  },
  "POST /v1/messages/check": {
    url: "/v1/messages/check",
    caller: "key_as_client",
    valid: [{ recipientId: "fre", text: "Call me on +1 415 555 0100" }],
  },
  "POST /v1/messages/:id/report": {
    url: "/v1/messages/{delivered}/report",
    caller: "key_as_freelancer",
    valid: [{ reason: "other", note: "fuzzing" }, { reason: "contact_details" }],
  },
  "POST /v1/cases/:id/actions": {
    url: "/v1/cases/{openCase}/actions",
    caller: "key_as_agent",
    keyed: true,
    valid: [
      { kind: "dismiss", reason: "nothing to see" },
      { kind: "warn", reason: "fuzzing", warningKind: "contact_details" },
      {
        kind: "clarify",
        reason: "fuzzing",
        question: "Why?",
        deadline: "2026-11-28T00:00:00Z",
        defaultOutcome: "warn",
        warningKind: "off_platform_work",
      },
      { kind: "confirm_off_platform", reason: "fuzzing", contractId: "{fixedContract}" },
      { kind: "release_message", reason: "fuzzing", messageId: "{held}" },
    ],
  },
  "POST /v1/clarifications/:id/answer": {
    url: "/v1/clarifications/{clientClarification}/answer",
    caller: "key_as_client",
    valid: [{ answer: "It is the checkout we are building." }],
  },
  "POST /v1/appeals": {
    url: "/v1/appeals",
    caller: "key_as_client",
    valid: [{ actionId: "{clientWarning}", statement: "I meant the checkout integration." }],
  },
  "POST /v1/appeals/:id/decision": {
    url: "/v1/appeals/{pendingAppeal}/decision",
    caller: "key_as_agent",
    valid: [{ decision: "overturned", reason: "a checkout integration" }],
  },
  "POST /v1/accounts/:id/scopes": {
    url: "/v1/accounts/{agent}/scopes",
    caller: "key",
    valid: [{ scope: "read_originals", action: "revoke", reason: "fuzzing the scope route" }],
  },
  "POST /v1/api-keys": { url: "/v1/api-keys", caller: "key", valid: [{ name: "fuzz key" }] },
  "POST /v1/webhooks": {
    url: "/v1/webhooks",
    caller: "key",
    valid: [
      { url: "https://example.org/hooks", events: ["message.held", "case.opened"], description: "fuzz" },
    ],
  },
};

/** Strings that have broken servers: controls and NUL, lone surrogates, bidi and zero-width marks, emoji, SQL and paths. */
const oddString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff\ud800",
    "\u202e\u200b\ufeff",
    "👩‍👩‍👧‍👦",
    "'; DROP TABLE accounts; --",
    "../../etc/passwd",
    "%00",
    "NaN",
    "-0",
    "1e400",
    "99999999999999999999999999",
    "0x10",
    "2026-02-30T25:61:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:50:00-14:00",
    "USD\n",
  ),
);
const longString = fc
  .tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 200, max: 30_000 }))
  .map(([s, n]) => s.repeat(n).slice(0, n));
const oddNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    2 ** 53 + 1,
    -(2 ** 63),
    2 ** 64,
    1e308,
    -1e308,
    5e-324,
    100,
    101,
    168,
    169,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const nested = fc
  .integer({ min: 20, max: 400 })
  .map((depth) => Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: [inner] }), 1));
/** A value of any type, odd ones favoured. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  oddString,
  longString,
  oddNumber,
  fc.constantFrom(null, true, false, [], {}),
  nested,
);

/** A body of anything: any JSON, odd scalars, deep nesting, and raw text that is not JSON at all. */
const anyBody = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)), weight: 3 },
  { arbitrary: oddValue.map((v) => JSON.stringify(v)), weight: 2 },
  {
    arbitrary: fc
      .dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor")), oddValue, {
        maxKeys: 6,
      })
      .map((v) => JSON.stringify(v)),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: "binary", maxLength: 60 }), weight: 1 },
  { arbitrary: fc.constantFrom("{", '{"a":', "[1,]", "nul", '{"__proto__":{"x":1}}', ""), weight: 1 },
);

type Path = (string | number)[];
function pathsOf(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => pathsOf(x, [...at, i]))];
  if (typeof v === "object" && v !== null)
    return [at, ...Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, k]))];
  return [at];
}
function mutateAt(v: unknown, path: Path, op: (parent: unknown, key: string | number) => void): unknown {
  const copy = structuredClone(v);
  if (path.length === 0) return copy;
  let parent: unknown = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
  op(parent, path.at(-1) as string | number);
  return copy;
}

/** Characters that are valid JSON but hard on what comes after: NUL and controls, surrogate halves, marks, quotes. */
const ODD_CHARS = [
  "\u0000",
  "\ud800",
  "\udc00",
  "\u0007",
  "\u001b",
  "\u202e",
  "\u200b",
  "\ufeff",
  "\n",
  "'",
  '"',
  "\\",
  "%",
  "🙂",
];

type Op = "drop" | "replace" | "extra" | "taint" | "stretch" | "boundary";

const isLeafString = (body: unknown, path: Path) => typeof valueAt(body, path) === "string";
function valueAt(body: unknown, path: Path): unknown {
  let v = body;
  for (const key of path) v = (v as Record<string | number, unknown>)[key];
  return v;
}

/**
 * One mutation of a valid body: a field dropped, given a value of any type, a
 * field added beside it; a string with an odd character slipped in or made
 * very long; a number at or past its bounds. Text edits pick string fields.
 */
function nearValid(valid: readonly Record<string, unknown>[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...valid),
      fc.constantFrom<Op>(
        "drop",
        "replace",
        "extra",
        "taint",
        "taint",
        "taint",
        "taint",
        "stretch",
        "boundary",
      ),
    )
    .chain(([body, op]) => {
      const all = pathsOf(body);
      const strings = all.filter((p) => isLeafString(body, p));
      const paths = (op === "taint" || op === "stretch") && strings.length > 0 ? strings : all;
      return fc.tuple(
        fc.constant(body),
        fc.constantFrom(...paths),
        fc.constant(op),
        oddValue,
        fc.string({ maxLength: 12 }),
        fc.constantFrom(...ODD_CHARS),
        fc.nat(),
        fc.oneof(
          oddNumber,
          fc.tuple(fc.nat(13), fc.integer({ min: -2, max: 2 })).map(([e, d]) => 10 ** e + d),
        ),
      );
    })
    .map(([body, path, op, value, name, char, at, number]) => {
      const changed = (old: unknown): unknown => {
        if (op === "taint" && typeof old === "string") {
          const i = at % (old.length + 1);
          return old.slice(0, i) + char + old.slice(i);
        }
        if (op === "stretch" && typeof old === "string")
          return old.padEnd(20_000 + (at % 20_000), old || "x");
        if (op === "boundary")
          return typeof old === "string" && /^[0-9]+$/.test(old) ? String(number) : number;
        return value;
      };
      if (path.length === 0)
        return JSON.stringify(
          op === "extra" ? { ...body, [name]: value } : op === "drop" ? {} : changed(body),
        );
      return JSON.stringify(
        mutateAt(body, path, (parent, key) => {
          const p = parent as Record<string | number, unknown>;
          if (op === "drop") {
            if (Array.isArray(p)) p.splice(key as number, 1);
            else delete p[key];
          } else if (op === "extra") {
            if (Array.isArray(p)) p.push(value);
            else p[name] = value;
          } else p[key] = changed(p[key]);
        }),
      );
    });
}

function expectCodedError(status: number, body: string, what: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`${what}: a ${status} without a JSON body: ${body.slice(0, 200)}`);
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  expect(typeof error?.code, `${what}: ${body.slice(0, 300)}`).toBe("string");
  expect(typeof error?.message, `${what}: ${body.slice(0, 300)}`).toBe("string");
  expect(
    STATUS_OF[error?.code as keyof typeof STATUS_OF],
    `${what}: the status of ${String(error?.code)}`,
  ).toBe(status);
}

describe.each(engines)("request bodies fuzzed on every route that takes one, on $name", ({ open }) => {
  const db = migratedDb(open);
  let world: World;
  beforeAll(async () => {
    world = await buildWorld(db());
  }, 120_000);

  it("has a fuzz target for every route with a body schema", () => {
    const missing = world.bodyRoutes.filter((r) => TARGETS[r] === undefined);
    expect(
      missing,
      missing
        .map(
          (r) =>
            `Route "${r}" takes a body but has no fuzz target: add "${r}": { url, caller, valid: [<a valid body>] } to TARGETS in apps/server/src/body-fuzz.test.ts.`,
        )
        .join("\n"),
    ).toEqual([]);
  });

  let keys = 0;
  it.each(Object.keys(TARGETS))("%s: no 5xx, a coded 4xx that writes nothing", async (route) => {
    const target = TARGETS[route] as Target;
    await world.restore();
    const url = fill(target.url, world.ids) as string;
    const valid = fill(target.valid, world.ids) as Record<string, unknown>[];
    const method = route.split(" ")[0] as "POST";
    let counts = await world.rowCounts();
    const seen = new Map<number, number>();
    // A seed of its own per route, so routes do not all draw the same sequence of choices.
    const seed = (SEED + [...route].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0)) | 0;
    const probe = async (payload: string) => {
      const res = await world.call(target.caller, {
        method,
        url,
        payload,
        headers: {
          "content-type": "application/json",
          ...(target.keyed === true ? { "idempotency-key": `fuzz-key-${++keys}` } : {}),
        },
      });
      const what = `${route} with ${payload.slice(0, 300)}`;
      seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
      const after = await world.rowCounts();
      if (res.statusCode >= 400) {
        expectCodedError(res.statusCode, res.body, what);
        // A keyed request's first answer, refusal included, is kept under its key (store/src/idempotency.ts).
        const { idempotency_keys: keysBefore = 0, ...before } = counts;
        const { idempotency_keys: keysAfter = 0, ...rest } = after;
        expect(rest, `${what} answered ${res.statusCode} but wrote`).toEqual(before);
        expect(keysAfter - keysBefore).toBeLessThanOrEqual(target.keyed === true ? 1 : 0);
      }
      counts = after;
    };
    // Every text field of every valid body, with each of the characters most likely to break storage, while
    // the world is fresh: the first that is accepted may change what the next ones reach (a case closed, ...).
    for (const char of ["\u0000", "\ud800", "\udc00", "\u001b", "🙂"])
      for (const body of valid)
        for (const path of pathsOf(body).filter((p) => isLeafString(body, p)))
          await probe(
            JSON.stringify(
              mutateAt(body, path, (parent, key) => {
                const p = parent as Record<string | number, string>;
                p[key] = `${p[key] ?? ""}${char}`;
              }),
            ),
          );
    // Every date in them at the edges of what PostgreSQL holds: year 0 (it has none), 1, 9999.
    for (const year of ["0000", "0001", "9999"])
      for (const body of valid)
        for (const path of pathsOf(body).filter((p) => /^\d{4}-\d{2}-\d{2}/.test(String(valueAt(body, p)))))
          await probe(
            JSON.stringify(
              mutateAt(body, path, (parent, key) => {
                const p = parent as Record<string | number, string>;
                p[key] = `${year}${(p[key] ?? "").slice(4)}`;
              }),
            ),
          );
    // The valid bodies themselves must not fail on the server's side either.
    for (const body of valid) await probe(JSON.stringify(body));
    await fc.assert(fc.asyncProperty(anyBody, probe), { seed: seed, numRuns: RUNS });
    await fc.assert(fc.asyncProperty(nearValid(valid), probe), { seed: seed + 1, numRuns: RUNS * 2 });
    // Not everything was stopped by the schema: some bodies reached the route's own logic.
    expect(
      [...seen.keys()].some((status) => status !== 400),
      `${route}: ${JSON.stringify([...seen])}`,
    ).toBe(true);
  });
});
