import { type AuditEntry, audit } from "./audit.js";
import type { Queryable } from "./db.js";

/** Signal events about an account, or within a pair, oldest first. */
export async function signalEventsOf(
  db: Queryable,
  subject: { accountId: string } | { relationshipId: string },
  limit = 1000,
): Promise<{ signal: string; at: Date; weight: number; accountId: string; messageId?: string }[]> {
  const [column, id] =
    "accountId" in subject ? ["account_id", subject.accountId] : ["relationship_id", subject.relationshipId];
  return (
    await db.query<{
      signal: string;
      at: Date;
      weight: number;
      account_id: string;
      message_id: string | null;
    }>(
      `SELECT signal, at, weight, account_id, message_id FROM signal_events WHERE ${column} = $1 ORDER BY at, id LIMIT $2`,
      [id, limit],
      `leakguard_signal_events_by_${column}`,
    )
  ).rows.map((r) => ({
    signal: r.signal,
    at: new Date(r.at),
    weight: Number(r.weight),
    accountId: r.account_id,
    ...(r.message_id === null ? {} : { messageId: r.message_id }),
  }));
}

export interface SignalRecord {
  accountId: string;
  signal: string;
  at: Date;
  relationshipId?: string;
  messageId?: string;
  /** 0 to 1; 1 when absent. */
  weight?: number;
}

/** Records one signal event and its audit entry, in the caller's transaction. */
export async function recordSignal(tx: Queryable, e: SignalRecord): Promise<void> {
  await tx.query(
    "INSERT INTO signal_events (account_id, relationship_id, signal, at, message_id, weight) VALUES ($1, $2, $3, $4, $5, $6)",
    [e.accountId, e.relationshipId ?? null, e.signal, e.at, e.messageId ?? null, e.weight ?? 1],
  );
  await audit(tx, signalAuditEntry(e));
}

/** The audit entry of a recorded signal (it emits no webhook event: webhookTypeOf is null for it). */
export function signalAuditEntry(e: SignalRecord): AuditEntry & { change: Record<string, unknown> } {
  return {
    at: e.at,
    actorId: null,
    event: "signal.recorded",
    subjectId: e.accountId,
    change: {
      signal: e.signal,
      ...(e.relationshipId === undefined ? {} : { relationshipId: e.relationshipId }),
      ...(e.messageId === undefined ? {} : { messageId: e.messageId }),
      ...(e.weight === undefined ? {} : { weight: e.weight }),
    },
  };
}

/**
 * recordSignal for several events in one statement (the events, then their
 * audit entries, each table in the order given): what many recordSignal calls
 * write, in one round trip instead of two per event.
 */
export async function recordSignals(tx: Queryable, events: readonly SignalRecord[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1 && events[0] !== undefined) return recordSignal(tx, events[0]);
  await tx.query(
    `WITH recorded AS (
       INSERT INTO signal_events (account_id, relationship_id, signal, at, message_id, weight)
       SELECT u.account_id, u.relationship_id, u.signal, u.at, u.message_id, u.weight
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::real[])
         WITH ORDINALITY AS u(account_id, relationship_id, signal, at, message_id, weight, n)
       ORDER BY u.n)
     INSERT INTO audit_log (at, actor_id, event, subject_id, reason, change)
     SELECT u.at, NULL, 'signal.recorded', u.account_id, '', u.change::jsonb
     FROM unnest($4::timestamptz[], $1::text[], $7::text[]) WITH ORDINALITY AS u(at, account_id, change, n)
     ORDER BY u.n`,
    [
      events.map((e) => e.accountId),
      events.map((e) => e.relationshipId ?? null),
      events.map((e) => e.signal),
      events.map((e) => e.at),
      events.map((e) => e.messageId ?? null),
      events.map((e) => e.weight ?? 1),
      events.map((e) => JSON.stringify(signalAuditEntry(e).change)),
    ],
  );
}
