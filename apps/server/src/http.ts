import { createHash, randomUUID } from "node:crypto";
import type { Policy, ScanMemo } from "@leakguard/detect";
import {
  type Account,
  type Actor,
  hasScope,
  MAX_TRANSFER_MINOR,
  type MarketplaceConfig,
  type Scope,
} from "@leakguard/domain";
import type { Db } from "@leakguard/store";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { type ApiCode, errorBody, STATUS_OF } from "./errors.js";
import type { Metrics } from "./observability.js";
import type { ReadCache } from "./read-cache.js";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("A stable code; see the error table in the README"),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe("Error");

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' and '-' only");

export const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  422: ErrorSchema,
  429: ErrorSchema,
  // Any route, while the database is unreachable (database_unavailable, with Retry-After).
  503: ErrorSchema,
};

export function fail(reply: FastifyReply, code: ApiCode, message: string, details?: unknown) {
  return reply.code(STATUS_OF[code]).send(errorBody(code, message, details));
}

/** The key of a retried request; a UUID is a good one. */
export const IdempotencyKey = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "visible ASCII, 8 to 128 characters (a UUID is a good key)");

/** What every group of routes is given: the database, the clock, and the marketplace's periods and fees. */
export interface RouteDeps {
  db: Db;
  now: () => Date;
  config: MarketplaceConfig;
  /** The key of the handle hashes that link accounts (HMAC-SHA256). */
  handleKey: string;
  /** The key sealing stored secrets (webhook signing secrets), AES-256-GCM. */
  secretKey: Buffer;
  /** Webhook endpoints may be private or loopback addresses (LEAKGUARD_WEBHOOK_ALLOW_PRIVATE=1; tests). */
  webhookAllowPrivate: boolean;
  /** The engine's live policy (LEAKGUARD_POLICY_FILE, else the default); its version is recorded with every verdict. */
  policy: Policy;
  /** A candidate policy run in shadow on every message (LEAKGUARD_SHADOW_POLICY_FILE): stored, never enforced. */
  shadowPolicy?: Policy;
  /** Where verdicts are counted for `/metrics`. */
  metrics: Metrics;
  /** What the pre-send check reads, cached (null: read from the database every time). */
  readCache: ReadCache | null;
  /** Scans of conversation messages shared by the message routes' conversation scanners (null: none). */
  scanMemo: ScanMemo | null;
}

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * Minor units as a decimal string: JSON numbers lose precision past 2^53, money must not.
 * At most MAX_TRANSFER_MINOR (10^12), so no amount can push a balance past what the database holds.
 */
export const MinorUnits = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,12})$/, 'an amount in minor units, as a string of digits ("150000" is 1,500.00)')
  // Refinements run even when the pattern failed: only digits reach BigInt.
  .refine(
    (s) => !/^[0-9]+$/.test(s) || BigInt(s) <= MAX_TRANSFER_MINOR,
    `at most ${MAX_TRANSFER_MINOR} minor units`,
  );
export const PositiveMinorUnits = MinorUnits.refine((s) => s !== "0", "an amount above zero");
/** An hourly rate: at most 10^8 minor units an hour, so a week's invoice stays within one transfer. */
export const HourlyRate = PositiveMinorUnits.refine(
  (s) => !/^[0-9]+$/.test(s) || BigInt(s) <= 100_000_000n,
  "at most 100000000 minor units an hour",
).describe("minor units per hour");

/**
 * The stored form of a caller's idempotency key: by kind of call and by
 * caller, so two users (or the platform and a user) who happen to pick the
 * same key never meet each other's answers.
 */
export function idempotencyKeyOf(kind: string, acting: { id: string } | null, key: string): string {
  return `${kind}:${acting === null ? "platform" : `account:${acting.id}`}:${key}`;
}

/** The caller's part in a milestone or contract: its client, its freelancer, an agent; the platform itself acts as the system. */
export function actorFor(
  acting: Pick<Account, "id" | "role"> | null,
  m: { clientId: string; freelancerId: string },
): Actor | null {
  if (acting === null) return "system";
  if (acting.id === m.clientId) return "client";
  if (acting.id === m.freelancerId) return "freelancer";
  if (hasScope(acting, "read_any")) return "agent";
  return null;
}

/**
 * The id of a created record: derived from its creator and their idempotency
 * key when there is one, so a retried creation lands on the same row.
 */
export function creationId(prefix: string, creatorId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `${prefix}_${randomUUID()}`;
  return `${prefix}_${createHash("sha256").update(`${creatorId}\n${idempotencyKey}`).digest("hex").slice(0, 32)}`;
}

/** A PostgreSQL unique violation (both engines report SQLSTATE 23505): a racing twin got there first. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}

/** Whether the caller holds a scope: the platform's own key (acting as nobody) holds every one. */
export function callerHas(acting: Pick<Account, "role"> | null, scope: Scope): boolean {
  return acting === null || hasScope(acting, scope);
}

/** The caller as an agent or admin (who handle cases), or null for anyone else, the platform's bare key included. */
export function agentActing(acting: Account | null): Account | null {
  return acting !== null && hasScope(acting, "handle_cases") ? acting : null;
}

/** A user reads only their own account and money; agents, admins and the platform read any. */
export function mayReadAccount(acting: Pick<Account, "id" | "role"> | null, accountId: string): boolean {
  return acting?.id === accountId || callerHas(acting, "read_any");
}

/**
 * Dates and times from 1900 to 9998: any business date, and nothing that
 * arithmetic on it (a week on, a time-zone offset) takes past what
 * PostgreSQL and `toISOString` agree on, years 1 to 9999 (year 0 or 10000 was a 500).
 */
const inStorableYears = (s: string): boolean => {
  const year = Number(s.slice(0, 4));
  return year >= 1900 && year <= 9998;
};
export const IsoDay = z.iso.date().refine(inStorableYears, "a date from 1900 to 9998");
export const IsoInstant = z.iso
  .datetime({ offset: true })
  .refine(inStorableYears, "a time from 1900 to 9998");

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD");

/** A lone surrogate: with the `u` flag a character class matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Where in a request's body, query or params a string holds what PostgreSQL
 * text cannot: NUL (an error, so a 500) or an unpaired surrogate (silently
 * replaced, so the stored text is not what was screened). Null when clean.
 */
export function unstorableTextAt(value: unknown, path = "body"): string | null {
  if (typeof value === "string") return value.includes("\u0000") || LONE_SURROGATE.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = unstorableTextAt(v, `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) {
      const found = unstorableTextAt(k, `${path} (a key)`) ?? unstorableTextAt(v, `${path}.${k}`);
      if (found !== null) return found;
    }
  return null;
}
