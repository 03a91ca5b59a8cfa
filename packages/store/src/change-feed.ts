import type { Queryable } from "./db.js";

/**
 * What changed, as a tag a process's read cache forgets entries by. The
 * 20261203T1500 triggers send these for accounts, pairs (relationships,
 * contracts, milestones) and reviewed or erased messages; a process that
 * stores a new message announces its relationship with announceChanges.
 */
export const changeTag = {
  account: (accountId: string): string => `a:${accountId}`,
  pair: (clientId: string, freelancerId: string): string => `p:${clientId}:${freelancerId}`,
  relationship: (relationshipId: string): string => `r:${relationshipId}`,
};

/** The channel the triggers notify on: one per schema, as the triggers name it (`lg_changes_<schema>`). */
export async function changesChannel(db: Queryable): Promise<string> {
  const row = (await db.query<{ channel: string }>("SELECT 'lg_changes_' || current_schema() AS channel"))
    .rows[0];
  if (row === undefined) throw new Error("current_schema() returned no row");
  return row.channel;
}

/**
 * Tells every listening process that these tags changed. Outside the
 * change's own transaction, after its commit: a notifying transaction holds
 * PostgreSQL's notification-queue lock through its commit (see the migration).
 */
export async function announceChanges(
  db: Queryable,
  channel: string,
  tags: readonly string[],
): Promise<void> {
  if (tags.length === 0) return;
  await db.query("SELECT pg_notify($1, tag) FROM unnest($2::text[]) AS tag", [channel, [...tags]]);
}
