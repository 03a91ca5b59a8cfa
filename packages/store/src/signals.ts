import { audit } from "./audit.js";
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
    )
  ).rows.map((r) => ({
    signal: r.signal,
    at: new Date(r.at),
    weight: Number(r.weight),
    accountId: r.account_id,
    ...(r.message_id === null ? {} : { messageId: r.message_id }),
  }));
}

/** Records one signal event and its audit entry, in the caller's transaction. */
export async function recordSignal(
  tx: Queryable,
  e: {
    accountId: string;
    signal: string;
    at: Date;
    relationshipId?: string;
    messageId?: string;
    /** 0 to 1; 1 when absent. */
    weight?: number;
  },
): Promise<void> {
  await tx.query(
    "INSERT INTO signal_events (account_id, relationship_id, signal, at, message_id, weight) VALUES ($1, $2, $3, $4, $5, $6)",
    [e.accountId, e.relationshipId ?? null, e.signal, e.at, e.messageId ?? null, e.weight ?? 1],
  );
  await audit(tx, {
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
  });
}
