import type { Queryable } from "./db.js";

/** Signal events about an account, or within a pair, oldest first. */
export async function signalEventsOf(
  db: Queryable,
  subject: { accountId: string } | { relationshipId: string },
  limit = 1000,
): Promise<{ signal: string; at: Date; accountId: string; messageId?: string }[]> {
  const [column, id] =
    "accountId" in subject ? ["account_id", subject.accountId] : ["relationship_id", subject.relationshipId];
  return (
    await db.query<{ signal: string; at: Date; account_id: string; message_id: string | null }>(
      `SELECT signal, at, account_id, message_id FROM signal_events WHERE ${column} = $1 ORDER BY at, id LIMIT $2`,
      [id, limit],
    )
  ).rows.map((r) => ({
    signal: r.signal,
    at: new Date(r.at),
    accountId: r.account_id,
    ...(r.message_id === null ? {} : { messageId: r.message_id }),
  }));
}
