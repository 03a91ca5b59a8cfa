import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { claimDueDeliveries, type Db, type OutgoingDelivery, recordAttempt } from "@leakguard/store";
import type { Logger } from "pino";
import type { Metrics } from "./observability.js";
import { secretKeyOf } from "./secret-key.js";
import { publicAddressLookup, webhookTargetRefusal } from "./webhook-target.js";

/**
 * Sends due webhook deliveries: each signed with HMAC-SHA256 over
 * `${timestamp}.${body}` with its endpoint's secret, so a receiver can tell
 * it came from us and is fresh; retried with exponential backoff by the
 * store; never lost, since a delivery stays pending until a receiver answers
 * 2xx (or the last retry fails).
 */

export const SIGNATURE_HEADER = "leakguard-signature";
export const TIMESTAMP_HEADER = "leakguard-timestamp";
export const EVENT_ID_HEADER = "leakguard-event-id";

export function signatureOf(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute the signature over the raw body and check
 * the timestamp is within `toleranceSeconds` of now (replays of old
 * deliveries are refused). Exported for receivers written in TypeScript and
 * for our tests.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const timestamp = headers[TIMESTAMP_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (typeof timestamp !== "string" || typeof signature !== "string" || !/^\d+$/.test(timestamp))
    return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface DeliveryRun {
  delivered: number;
  retried: number;
  failed: number;
}

/** One pass: lease what is due, send it (in parallel, each with a timeout), record every attempt. */
export async function deliverDueWebhooks(
  db: Db,
  now: Date,
  options: {
    leaseMs: number;
    timeoutMs?: number;
    limit?: number;
    /** Failed attempts are logged here, with what the receiver answered. */
    log?: Pick<Logger, "warn">;
    /** Delivery lag is observed here. */
    metrics?: Metrics;
    secretKey?: Buffer;
    allowPrivate?: boolean;
  },
): Promise<DeliveryRun> {
  // Without a key given, the instance's own (the embedded default, and tests): the one buildApp sealed with.
  const key = options.secretKey ?? (await secretKeyOf(db, undefined));
  const due = await claimDueDeliveries(db, now, options.leaseMs, key, options.limit ?? 50);
  const run: DeliveryRun = { delivered: 0, retried: 0, failed: 0 };
  await Promise.all(
    due.map(async (d) => {
      // Checked at every send, not only when the endpoint was added: a name may resolve elsewhere now.
      const refusal = await webhookTargetRefusal(d.url, options.allowPrivate ?? false);
      const outcome =
        refusal === null
          ? await send(d, now, options.timeoutMs ?? 10_000, options.allowPrivate ?? false)
          : { error: refusal, durationMs: 0 };
      // Times are the pass's clock plus what the send took, so an injected clock stays consistent.
      const at = new Date(now.getTime() + outcome.durationMs);
      const result = await recordAttempt(db, d.deliveryId, outcome, at);
      if (result === "delivered") {
        run.delivered++;
        options.metrics?.webhookLag.observe(Math.max(0, (at.getTime() - d.occurredAt.getTime()) / 1000));
        return;
      }
      if (result === "retry") run.retried++;
      else run.failed++;
      // The receiver's origin only: a URL's path or query may carry the receiver's own secret.
      options.log?.warn(
        {
          deliveryId: d.deliveryId,
          eventId: d.eventId,
          eventType: d.type,
          receiver: originOf(d.url),
          attempt: d.attempts + 1,
          statusCode: outcome.statusCode,
          error: outcome.error,
          willRetry: result === "retry",
        },
        result === "retry"
          ? "webhook delivery failed; it will be retried"
          : "webhook delivery failed for good",
      );
    }),
  );
  return run;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(not a URL)";
  }
}

async function send(
  d: OutgoingDelivery,
  now: Date,
  timeoutMs: number,
  allowPrivate: boolean,
): Promise<{ statusCode?: number; error?: string; durationMs: number }> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const started = performance.now();
  try {
    const statusCode = await postWebhook(
      d.url,
      {
        "content-type": "application/json",
        "user-agent": "Leakguard-Webhooks/1",
        [EVENT_ID_HEADER]: d.eventId,
        "leakguard-event-type": d.type,
        "leakguard-delivery-id": d.deliveryId,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signatureOf(d.secret, timestamp, d.body),
      },
      d.body,
      { timeoutMs, allowPrivate },
    );
    return { statusCode, durationMs: performance.now() - started };
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    return { error: cause.slice(0, 500), durationMs: performance.now() - started };
  }
}

/**
 * POSTs `body` to `url` and resolves with the answer's status (redirects are
 * not followed: a 3xx is an answer like any other). Without `allowPrivate`
 * the connection resolves the host through publicAddressLookup, so it goes
 * only to an address checked to be public, whatever the name answered to the
 * check before it. node:http rather than fetch: fetch (Node's bundled undici)
 * takes its own lookup only through a dispatcher of the undici package, one
 * more dependency for what `lookup` does here.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: publicAddressLookup }),
      },
      (response) => {
        // The answer's body is not needed; reading it frees the connection.
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
        response.once("error", reject);
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}
