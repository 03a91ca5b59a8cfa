import type { Queryable } from "./db.js";

/** What is waiting on someone, read for the metrics at scrape time. */
export interface QueueDepths {
  /** Cases not closed, by status (an agent's queue: `open`; waiting on the user: `waiting`). */
  cases: { open: number; waiting: number };
  /** Messages held for review. */
  heldMessages: number;
  /** Webhook deliveries due and not yet delivered (pending, next attempt at or before now). */
  dueWebhookDeliveries: number;
  /** How long the oldest of those has been due, in seconds; 0 when none is. */
  oldestDueWebhookSeconds: number;
}

/**
 * One round trip of counts, each over a partial index (unclosed cases, held
 * messages, pending deliveries), so a scrape stays cheap however large the
 * tables grow.
 */
export async function queueDepths(db: Queryable, now: Date): Promise<QueueDepths> {
  const row = (
    await db.query<{
      open: string;
      waiting: string;
      held: string;
      due: string;
      oldest: Date | string | null;
    }>(
      `SELECT
         (SELECT COUNT(*) FROM cases WHERE status = 'open')::text AS open,
         (SELECT COUNT(*) FROM cases WHERE status = 'waiting')::text AS waiting,
         (SELECT COUNT(*) FROM messages WHERE delivery = 'held')::text AS held,
         (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1)::text AS due,
         (SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1) AS oldest`,
      [now],
    )
  ).rows[0];
  const oldest = row?.oldest === null || row?.oldest === undefined ? null : new Date(row.oldest);
  return {
    cases: { open: Number(row?.open ?? 0), waiting: Number(row?.waiting ?? 0) },
    heldMessages: Number(row?.held ?? 0),
    dueWebhookDeliveries: Number(row?.due ?? 0),
    oldestDueWebhookSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest.getTime()) / 1000),
  };
}
