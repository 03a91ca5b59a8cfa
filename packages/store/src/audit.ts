import type { Queryable } from "./db.js";
import { emitEvent, webhookTypeOf } from "./webhooks.js";

/**
 * The audit log: every verdict, signal, action and decision, with who did it,
 * when, why and what changed. Written in the transaction of the change it
 * records, so the log and the state never disagree; appended, never changed
 * (a trigger refuses UPDATE and DELETE).
 */
export type AuditEvent =
  | "message.screened"
  | "message.reviewed"
  | "signal.recorded"
  | "report.filed"
  | "case.opened"
  | "case.claimed"
  | "case.released"
  | "case.action"
  | "clarification.answered"
  | "clarification.lapsed"
  | "appeal.filed"
  | "appeal.decided"
  | "account.status_changed"
  | "contract.protection_voided"
  | "contract.protection_restored"
  | "contract.ended"
  | "original.viewed"
  | "account.scope_granted"
  | "account.scope_revoked"
  | "message.originals_erased";

export interface AuditEntry {
  at: Date;
  /** The agent, admin or user who did it; null for the platform (its rules, clock or key). */
  actorId: string | null;
  event: AuditEvent;
  subjectId?: string;
  caseId?: string;
  reason?: string;
  change?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  reason: string;
  change: Record<string, unknown>;
}

/**
 * Appends an entry; an entry webhook receivers care about (see
 * webhookTypeOf) also becomes an outbox event, in the same transaction.
 */
export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, actor_id, event, subject_id, case_id, reason, change)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      e.at,
      e.actorId,
      e.event,
      e.subjectId ?? null,
      e.caseId ?? null,
      e.reason ?? "",
      JSON.stringify(e.change ?? {}),
    ],
  );
  await emitWebhookOf(db, e);
}

/**
 * The outbox event of an audit entry webhook receivers care about (see
 * webhookTypeOf), for a caller that wrote the entry itself (a send writes its
 * entries with the message, in one statement).
 */
export async function emitWebhookOf(db: Queryable, e: AuditEntry): Promise<void> {
  const type = webhookTypeOf(e);
  if (type !== null)
    await emitEvent(db, type, e.at, {
      ...(e.change ?? {}),
      ...(e.subjectId === undefined ? {} : { subjectId: e.subjectId }),
      ...(e.caseId === undefined ? {} : { caseId: e.caseId }),
      actorId: e.actorId,
      ...(e.reason === undefined || e.reason === "" ? {} : { reason: e.reason }),
    });
}

/** The log about an account or of a case, oldest first. */
export async function auditLogOf(
  db: Queryable,
  of: { subjectId: string } | { caseId: string },
  limit = 1000,
): Promise<AuditRecord[]> {
  const [column, id] = "subjectId" in of ? ["subject_id", of.subjectId] : ["case_id", of.caseId];
  const rows = (
    await db.query<{
      id: string | number;
      at: Date;
      actor_id: string | null;
      event: AuditEvent;
      subject_id: string | null;
      case_id: string | null;
      reason: string;
      change: Record<string, unknown> | string;
    }>(`SELECT * FROM audit_log WHERE ${column} = $1 ORDER BY id LIMIT $2`, [id, limit])
  ).rows;
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at),
    actorId: r.actor_id,
    event: r.event,
    ...(r.subject_id === null ? {} : { subjectId: r.subject_id }),
    ...(r.case_id === null ? {} : { caseId: r.case_id }),
    reason: r.reason,
    change: typeof r.change === "string" ? (JSON.parse(r.change) as Record<string, unknown>) : r.change,
  }));
}
