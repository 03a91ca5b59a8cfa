import { randomBytes, randomUUID } from "node:crypto";
import { err, ok, type Result } from "@leakguard/domain";
import type { AuditEntry } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { isSealed, openSecret, sealSecret } from "./secrets.js";

/**
 * Webhooks through a transactional outbox. `emitEvent` runs in the
 * transaction of the change it reports and writes the event and one pending
 * delivery per subscribed endpoint: both commit with the change or neither
 * does. Workers lease due deliveries (`claimDueDeliveries`), send them, and
 * record each attempt (`recordAttempt`); a worker that dies mid-send leaves
 * its lease to expire, and the delivery is sent again with the same event id,
 * which receivers de-duplicate on.
 */

/** The event types, and what each reports. */
export const WEBHOOK_EVENT_TYPES = {
  "message.held": "A message was held for review instead of delivered.",
  "message.released": "An agent released a held message: it is delivered.",
  "message.rejected": "An agent rejected a held message: it is never delivered.",
  "report.filed": "A party reported a message as a request to go off the platform.",
  "case.opened": "A case opened about a user.",
  "action.taken": "An agent (or the platform's rules) acted on a case: dismiss, clarify, warn, restrict, ...",
  "clarification.answered": "A user answered a clarification request.",
  "clarification.lapsed":
    "A clarification request passed its deadline unanswered; its default outcome applied.",
  "appeal.filed": "A user appealed an action.",
  "appeal.decided": "An agent upheld or overturned an appeal.",
  "user.restricted": "A user may no longer send messages.",
  "user.suspended": "A user was suspended.",
  "user.removed": "A user was removed; their open contracts ended.",
  "user.reinstated": "A user is active again.",
  "contract.protection_voided":
    "Payment outside the platform was confirmed on a contract: its protection is void.",
  "contract.protection_restored": "A contract's protection was restored on appeal.",
  "contract.ended": "A contract ended.",
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

export function isWebhookEventType(s: string): s is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, s);
}

/** The webhook an audit entry becomes, if any (signals are too many and too raw to push). */
export function webhookTypeOf(e: AuditEntry): WebhookEventType | null {
  switch (e.event) {
    case "message.screened":
      return e.change?.delivery === "held" ? "message.held" : null;
    case "message.reviewed": {
      const to = (e.change?.delivery as { to?: string } | undefined)?.to;
      return to === "delivered" ? "message.released" : "message.rejected";
    }
    case "case.action":
      return "action.taken";
    case "account.status_changed": {
      const to = e.change?.to;
      return to === "restricted"
        ? "user.restricted"
        : to === "suspended"
          ? "user.suspended"
          : to === "removed"
            ? "user.removed"
            : "user.reinstated";
    }
    case "report.filed":
    case "case.opened":
    case "clarification.answered":
    case "clarification.lapsed":
    case "appeal.filed":
    case "appeal.decided":
    case "contract.protection_voided":
    case "contract.protection_restored":
    case "contract.ended":
      return e.event;
    case "case.claimed":
    case "case.released":
    case "signal.recorded":
    case "original.viewed":
    case "account.scope_granted":
    case "account.scope_revoked":
    case "message.originals_erased":
      return null;
  }
}

/** Writes an event and its pending deliveries in the caller's transaction. */
export async function emitEvent(
  tx: Queryable,
  type: WebhookEventType,
  at: Date,
  payload: Record<string, unknown>,
): Promise<string> {
  const id = `evt_${randomUUID()}`;
  // The event and its deliveries in one statement (a held message emits one with every send).
  await tx.query(
    `WITH event AS (
       INSERT INTO webhook_events (id, type, occurred_at, payload) VALUES ($1, $2, $3, $4) RETURNING id)
     INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at)
     SELECT 'dlv_' || md5(event.id || e.id), event.id, e.id, 'pending', $3 FROM event, webhook_endpoints e
     WHERE e.active AND ($2 = ANY (e.events) OR '*' = ANY (e.events))`,
    [id, type, at, JSON.stringify(payload)],
    "leakguard_emit_event",
  );
  return id;
}

// --- Endpoints ---------------------------------------------------------------

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string;
  active: boolean;
  createdAt: Date;
}

export type WebhookCode =
  | "invalid_webhook_url"
  | "unknown_event_type"
  | "webhook_not_found"
  | "delivery_not_found";

/** Checks an endpoint's URL: http or https, with a host, no credentials in it. */
export function checkWebhookUrl(url: string): Result<string, WebhookCode> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return err("invalid_webhook_url", `"${url}" is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    return err("invalid_webhook_url", "a webhook URL starts with https:// (or http://)");
  if (parsed.username !== "" || parsed.password !== "")
    return err("invalid_webhook_url", "put no credentials in the URL: receivers check the signature instead");
  return ok(parsed.toString());
}

/** Adds an endpoint; its secret is returned this once and kept sealed under `secretKey` (AES-256-GCM). */
export async function createEndpoint(
  db: Queryable,
  input: { url: string; events: readonly string[]; description?: string; createdBy: string | null },
  now: Date,
  secretKey: Buffer,
): Promise<Result<{ endpoint: WebhookEndpoint; secret: string }, WebhookCode>> {
  const url = checkWebhookUrl(input.url);
  if (!url.ok) return url;
  const unknown = input.events.filter((e) => e !== "*" && !isWebhookEventType(e));
  if (unknown.length > 0 || input.events.length === 0)
    return err(
      "unknown_event_type",
      `unknown event type(s): ${unknown.join(", ") || "(none given)"}; use "*" or some of ${Object.keys(WEBHOOK_EVENT_TYPES).join(", ")}`,
    );
  const id = `whk_${randomUUID()}`;
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  await db.query(
    `INSERT INTO webhook_endpoints (id, url, secret, events, description, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      url.value,
      sealSecret(secretKey, secret, id),
      [...new Set(input.events)],
      input.description ?? "",
      now,
      input.createdBy,
    ],
  );
  const endpoint = await getEndpoint(db, id);
  if (endpoint === null) throw new Error(`endpoint ${id} could not be read back`);
  return ok({ endpoint, secret });
}

interface EndpointRow extends Record<string, unknown> {
  id: string;
  url: string;
  events: string[];
  description: string;
  active: boolean;
  created_at: Date;
}

function endpointOf(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    description: r.description,
    active: r.active,
    createdAt: new Date(r.created_at),
  };
}

export async function getEndpoint(db: Queryable, id: string): Promise<WebhookEndpoint | null> {
  const row = (
    await db.query<EndpointRow>(
      "SELECT id, url, events, description, active, created_at FROM webhook_endpoints WHERE id = $1",
      [id],
    )
  ).rows[0];
  return row === undefined ? null : endpointOf(row);
}

export async function listEndpoints(db: Queryable): Promise<WebhookEndpoint[]> {
  return (
    await db.query<EndpointRow>(
      "SELECT id, url, events, description, active, created_at FROM webhook_endpoints ORDER BY created_at, id",
    )
  ).rows.map(endpointOf);
}

/** Stops sending to an endpoint: no new deliveries, pending ones fail. Its log is kept. */
export async function deactivateEndpoint(db: Db, id: string): Promise<Result<WebhookEndpoint, WebhookCode>> {
  return db.transaction(async (tx) => {
    const updated = await tx.query("UPDATE webhook_endpoints SET active = false WHERE id = $1 RETURNING id", [
      id,
    ]);
    if (updated.rows.length === 0) return err("webhook_not_found", `no webhook endpoint ${id}`);
    await tx.query(
      "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint deactivated' WHERE endpoint_id = $1 AND status = 'pending'",
      [id],
    );
    const endpoint = await getEndpoint(tx, id);
    if (endpoint === null) throw new Error(`endpoint ${id} could not be read back`);
    return ok(endpoint);
  });
}

// --- Deliveries -------------------------------------------------------------

/** A delivery ready to send: the exact body and where to, with the secret to sign it. */
export interface OutgoingDelivery {
  deliveryId: string;
  eventId: string;
  type: string;
  url: string;
  secret: string;
  body: string;
  attempts: number;
  /** When the event happened: delivery lag is measured from here. */
  occurredAt: Date;
}

/**
 * Leases up to `limit` due deliveries for `leaseMs`: rows locked with SKIP
 * LOCKED, so two workers never take the same one while its lease holds.
 * Secrets are opened with `secretKey` (a legacy plaintext one is used as it is).
 */
export async function claimDueDeliveries(
  db: Db,
  now: Date,
  leaseMs: number,
  secretKey: Buffer,
  limit = 50,
): Promise<OutgoingDelivery[]> {
  return db.transaction(async (tx) => {
    const rows = (
      await tx.query<{
        id: string;
        event_id: string;
        attempts: number;
        type: string;
        occurred_at: Date;
        payload: unknown;
        url: string;
        endpoint_id: string;
        secret: string;
      }>(
        `SELECT d.id, d.event_id, d.attempts, ev.type, ev.occurred_at, ev.payload, e.url, d.endpoint_id, e.secret
         FROM webhook_deliveries d
         JOIN webhook_events ev ON ev.id = d.event_id
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
         ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
        [now, limit],
      )
    ).rows;
    if (rows.length === 0) return [];
    await tx.query("UPDATE webhook_deliveries SET lease_until = $2 WHERE id = ANY ($1)", [
      rows.map((r) => r.id),
      new Date(now.getTime() + leaseMs),
    ]);
    return rows.map((r) => ({
      deliveryId: r.id,
      eventId: r.event_id,
      type: r.type,
      url: r.url,
      secret: openSecret(secretKey, r.secret, r.endpoint_id),
      attempts: r.attempts,
      occurredAt: new Date(r.occurred_at),
      // The body is fixed by the event: every attempt sends the same bytes.
      body: JSON.stringify({
        id: r.event_id,
        type: r.type,
        occurredAt: new Date(r.occurred_at).toISOString(),
        data: typeof r.payload === "string" ? (JSON.parse(r.payload) as unknown) : r.payload,
      }),
    }));
  });
}

/**
 * Seals every endpoint secret still kept in plaintext (rows written before
 * secrets were sealed); the server runs it at start. Each row is changed only
 * if it still holds the plaintext it read, so two processes starting together
 * seal it once. Returns how many it sealed.
 */
export async function sealWebhookSecrets(db: Queryable, secretKey: Buffer): Promise<number> {
  const rows = (
    await db.query<{ id: string; secret: string }>(
      "SELECT id, secret FROM webhook_endpoints WHERE secret NOT LIKE 'v1:%'",
    )
  ).rows;
  let sealed = 0;
  for (const r of rows) {
    if (isSealed(r.secret)) continue;
    const updated = await db.query(
      "UPDATE webhook_endpoints SET secret = $3 WHERE id = $1 AND secret = $2 RETURNING id",
      [r.id, r.secret, sealSecret(secretKey, r.secret, r.id)],
    );
    sealed += updated.rows.length;
  }
  return sealed;
}

/** Attempts after which a delivery fails for good (about 1.5 days of backoff in all). */
export const MAX_ATTEMPTS = 12;

/** Wait before the next try after `attempts` failures: 10 s doubling each time, at most 6 hours. */
export function backoffMs(attempts: number): number {
  return Math.min(6 * 3_600_000, 10_000 * 2 ** Math.max(0, attempts - 1));
}

/** Records one attempt and moves the delivery on: delivered, retried later, or failed. */
export async function recordAttempt(
  db: Db,
  deliveryId: string,
  outcome: { statusCode?: number; error?: string; durationMs: number },
  now: Date,
): Promise<"delivered" | "retry" | "failed"> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms)
       VALUES ($1, $2, $3, $4, $5)`,
      [deliveryId, now, outcome.statusCode ?? null, outcome.error ?? null, Math.round(outcome.durationMs)],
    );
    const row = (
      await tx.query<{ attempts: number; status: string }>(
        "SELECT attempts, status FROM webhook_deliveries WHERE id = $1 FOR UPDATE",
        [deliveryId],
      )
    ).rows[0];
    if (row === undefined) throw new Error(`no delivery ${deliveryId}`);
    const attempts = row.attempts + 1;
    const success = outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
    if (success || row.status === "delivered") {
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, delivered_at = COALESCE(delivered_at, $3),
           lease_until = NULL, last_error = NULL WHERE id = $1`,
        [deliveryId, attempts, now],
      );
      return "delivered";
    }
    const error = outcome.error ?? `answered ${outcome.statusCode ?? "nothing"}`;
    if (attempts >= MAX_ATTEMPTS) {
      await tx.query(
        "UPDATE webhook_deliveries SET status = 'failed', attempts = $2, lease_until = NULL, last_error = $3 WHERE id = $1",
        [deliveryId, attempts, error],
      );
      return "failed";
    }
    await tx.query(
      `UPDATE webhook_deliveries SET attempts = $2, next_attempt_at = $3, lease_until = NULL, last_error = $4
       WHERE id = $1`,
      [deliveryId, attempts, new Date(now.getTime() + backoffMs(attempts)), error],
    );
    return "retry";
  });
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt?: Date;
  lastError?: string;
  log: { at: Date; statusCode?: number; error?: string; durationMs: number }[];
}

/** An endpoint's deliveries, newest first, each with its attempts. */
export async function deliveriesOf(
  db: Queryable,
  endpointId: string,
  filter: { status?: DeliveryRecord["status"] } = {},
  limit = 100,
): Promise<DeliveryRecord[]> {
  const rows = (
    await db.query<{
      id: string;
      event_id: string;
      type: string;
      status: DeliveryRecord["status"];
      attempts: number;
      next_attempt_at: Date;
      delivered_at: Date | null;
      last_error: string | null;
    }>(
      `SELECT d.id, d.event_id, ev.type, d.status, d.attempts, d.next_attempt_at, d.delivered_at, d.last_error
       FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
       WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2)
       ORDER BY ev.occurred_at DESC, d.id DESC LIMIT $3`,
      [endpointId, filter.status ?? null, limit],
    )
  ).rows;
  const attempts = (
    await db.query<{
      delivery_id: string;
      attempted_at: Date;
      status_code: number | null;
      error: string | null;
      duration_ms: number;
    }>(
      "SELECT delivery_id, attempted_at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ANY ($1) ORDER BY id",
      [rows.map((r) => r.id)],
    )
  ).rows;
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    ...(r.delivered_at === null ? {} : { deliveredAt: new Date(r.delivered_at) }),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    log: attempts
      .filter((a) => a.delivery_id === r.id)
      .map((a) => ({
        at: new Date(a.attempted_at),
        ...(a.status_code === null ? {} : { statusCode: a.status_code }),
        ...(a.error === null ? {} : { error: a.error }),
        durationMs: a.duration_ms,
      })),
  }));
}

/** Sends a delivery again, now, whatever became of it (a receiver lost it, or was down past the last retry). */
export async function redeliver(
  db: Queryable,
  endpointId: string,
  deliveryId: string,
  now: Date,
): Promise<Result<true, WebhookCode>> {
  const updated = await db.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, lease_until = NULL
     WHERE id = $1 AND endpoint_id = $2 RETURNING id`,
    [deliveryId, endpointId, now],
  );
  return updated.rows.length === 0
    ? err("delivery_not_found", `no delivery ${deliveryId} to endpoint ${endpointId}`)
    : ok(true);
}

/** Pending deliveries and the age of the oldest, for health checks and metrics. */
export async function deliveryBacklog(
  db: Queryable,
  now: Date,
): Promise<{ pending: number; oldestAgeMs: number }> {
  const row = (
    await db.query<{ pending: string; oldest: Date | null }>(
      "SELECT COUNT(*)::text AS pending, MIN(next_attempt_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'",
    )
  ).rows[0];
  return {
    pending: Number(row?.pending ?? 0),
    oldestAgeMs: row?.oldest ? Math.max(0, now.getTime() - new Date(row.oldest).getTime()) : 0,
  };
}
