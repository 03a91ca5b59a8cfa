import { err, ok, type Result } from "@leakguard/domain";
import { audit } from "./audit.js";
import type { Db, Queryable } from "./db.js";
import { getAccount } from "./people.js";

/**
 * A message's original is what its sender typed, contact and payment details
 * included. Staff read it only with the `read_originals` grant, and every
 * response that shows one is logged (`recordOriginalsViewed`); without it they
 * read the text with each detail the engine found replaced (`redactDetails`).
 * The retention job (`eraseOriginals`) drops originals after a period, keeping
 * the verdict, the findings' rules, kinds and spans, and the keyed hashes.
 */

/** Scopes granted per account on top of a role's: only staff (agents, admins) hold them. */
export type GrantableScope = "read_originals";
export const GRANTABLE_SCOPES: readonly GrantableScope[] = ["read_originals"];

export interface Grant {
  scope: GrantableScope;
  grantedBy: string | null;
  grantedAt: Date;
  reason: string;
}

export type GrantCode = "account_not_found" | "scope_not_for_role" | "own_scopes" | "reason_required";

export async function grantsOf(db: Queryable, accountId: string): Promise<Grant[]> {
  return (
    await db.query<{ scope: GrantableScope; granted_by: string | null; granted_at: Date; reason: string }>(
      "SELECT scope, granted_by, granted_at, reason FROM account_grants WHERE account_id = $1 ORDER BY scope",
      [accountId],
    )
  ).rows.map((r) => ({
    scope: r.scope,
    grantedBy: r.granted_by,
    grantedAt: new Date(r.granted_at),
    reason: r.reason,
  }));
}

export async function hasGrant(db: Queryable, accountId: string, scope: GrantableScope): Promise<boolean> {
  return (
    (await db.query("SELECT 1 FROM account_grants WHERE account_id = $1 AND scope = $2", [accountId, scope]))
      .rows.length > 0
  );
}

/**
 * An admin (or the platform's key, `byId` null) grants or revokes a scope,
 * with a reason, never on their own account (nobody widens their own reach).
 * Granting what is held, or revoking what is not, changes and logs nothing.
 */
export async function setGrant(
  db: Db,
  change: { accountId: string; scope: GrantableScope; grant: boolean; reason: string; byId: string | null },
  now: Date,
): Promise<Result<{ grants: Grant[]; changed: boolean }, GrantCode>> {
  if (change.byId === change.accountId) return err("own_scopes", "an admin does not change their own scopes");
  const reason = change.reason.trim();
  if (reason.length < 3) return err("reason_required", "say why, in a few words (3 characters or more)");
  return db.transaction(async (tx) => {
    const account = await getAccount(tx, change.accountId);
    if (account === null) return err("account_not_found", `no account ${change.accountId}`);
    if (change.grant && account.role !== "agent" && account.role !== "admin")
      return err(
        "scope_not_for_role",
        `${change.scope} is granted to agents and admins, not a ${account.role}`,
      );
    // The account row is locked so a grant and a revocation racing on it are applied one after the other.
    await tx.query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", [change.accountId]);
    const done = change.grant
      ? await tx.query(
          `INSERT INTO account_grants (account_id, scope, granted_by, granted_at, reason) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (account_id, scope) DO NOTHING RETURNING scope`,
          [change.accountId, change.scope, change.byId, now, reason],
        )
      : await tx.query("DELETE FROM account_grants WHERE account_id = $1 AND scope = $2 RETURNING scope", [
          change.accountId,
          change.scope,
        ]);
    const changed = done.rows.length > 0;
    if (changed)
      await audit(tx, {
        at: now,
        actorId: change.byId,
        event: change.grant ? "account.scope_granted" : "account.scope_revoked",
        subjectId: change.accountId,
        reason,
        change: { scope: change.scope },
      });
    return ok({ grants: await grantsOf(tx, change.accountId), changed });
  });
}

/** Where a response showing originals came from, for the log: the route, and how the caller signed in. */
export interface OriginalsViewed {
  at: Date;
  /** The staff account; null for the platform's key acting as nobody. */
  viewerId: string | null;
  via: "session" | "platform_key";
  endpoint: string;
  messages: readonly { id: string; senderId: string }[];
  caseId?: string;
}

/**
 * One audit row for one response that showed originals: who, which messages,
 * through which endpoint. The caller writes it before the response leaves, so
 * no original is shown without its row (a failed write fails the request).
 */
export async function recordOriginalsViewed(db: Queryable, v: OriginalsViewed): Promise<void> {
  if (v.messages.length === 0) return;
  const senders = [...new Set(v.messages.map((m) => m.senderId))];
  await audit(db, {
    at: v.at,
    actorId: v.viewerId,
    event: "original.viewed",
    // About one sender, it joins that account's timeline (and their case's).
    ...(senders.length === 1 && senders[0] !== undefined ? { subjectId: senders[0] } : {}),
    ...(v.caseId === undefined ? {} : { caseId: v.caseId }),
    change: {
      endpoint: v.endpoint,
      via: v.via,
      messageIds: v.messages.map((m) => m.id),
      senderIds: senders,
    },
  });
}

/** A finding as recorded with a message (apps/server's ScreeningRecord); only the fields read here. */
interface RecordedFinding {
  kind?: unknown;
  start?: unknown;
  end?: unknown;
  value?: unknown;
}

/** A concrete contact or payment detail (the engine's handle kinds), not an intent or a channel named. */
function isDetail(f: RecordedFinding): boolean {
  return typeof f.kind === "string" && !f.kind.startsWith("intent_") && f.kind !== "channel_mention";
}

function findingsOf(scan: unknown): RecordedFinding[] {
  const findings = (scan as { findings?: unknown } | null | undefined)?.findings;
  return Array.isArray(findings)
    ? findings.filter((f): f is RecordedFinding => typeof f === "object" && f !== null)
    : [];
}

/**
 * The text with every detail the engine found (at any confidence, so a weak
 * one is hidden too) replaced by `[kind hidden]`; spans index the original,
 * overlapping ones merge into one placeholder.
 */
export function redactDetails(text: string, scan: unknown): string {
  const spans = findingsOf(scan)
    .filter(isDetail)
    .filter((f) => typeof f.start === "number" && typeof f.end === "number")
    .map((f) => ({
      kind: String(f.kind),
      start: Math.max(0, Math.min(text.length, f.start as number)),
      end: Math.max(0, Math.min(text.length, f.end as number)),
    }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  for (const s of spans) {
    if (s.start < at) {
      at = Math.max(at, s.end);
      continue;
    }
    out += `${text.slice(at, s.start)}[${s.kind} hidden]`;
    at = s.end;
  }
  return out + text.slice(at);
}

/** The recorded scan with each detail's value dropped and the handles reduced to their kinds. */
export function scanWithoutValues(scan: unknown): unknown {
  if (typeof scan !== "object" || scan === null) return scan;
  const { handles, findings, ...rest } = scan as { handles?: unknown; findings?: unknown };
  return {
    ...rest,
    ...(Array.isArray(handles)
      ? {
          handleKinds: [
            ...new Set(handles.map((h) => (typeof h === "string" ? h.slice(0, h.indexOf(":")) : "?"))),
          ],
        }
      : {}),
    ...(Array.isArray(findings)
      ? {
          findings: findings.map((f: unknown) => {
            if (typeof f !== "object" || f === null || !isDetail(f)) return f;
            const { value: _erased, ...kept } = f as Record<string, unknown>;
            return kept;
          }),
        }
      : {}),
  };
}

export interface ErasureReport {
  erased: number;
  /** Batches written, each in its own transaction with its own audit row. */
  batches: number;
}

/**
 * Retention: erases the originals of messages sent before `cutoff`. Each
 * batch takes its rows with `FOR UPDATE SKIP LOCKED`, so two workers erase
 * disjoint rows; each row is written only while `erased_at IS NULL`, so a
 * second run finds nothing. `text` becomes NULL and `erased_at` is set; what
 * was shown stays, except that a text shown unmasked (allowed, nudged, held)
 * gets its detected details replaced; the scan keeps rules, kinds, spans and
 * confidences but drops each detail's value. Each batch writes one
 * `message.originals_erased` audit row with its count in its transaction.
 */
export async function eraseOriginals(
  db: Db,
  cutoff: Date,
  now: Date,
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<ErasureReport> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  let erased = 0;
  let batches = 0;
  while (batches < maxBatches) {
    const n = await db.transaction(async (tx) => {
      const rows = (
        await tx.query<{ id: string; text: string; shown_text: string | null; scan: unknown }>(
          `SELECT id, text, shown_text, scan FROM messages WHERE erased_at IS NULL AND sent_at < $1
           ORDER BY sent_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [cutoff, batchSize],
        )
      ).rows;
      if (rows.length === 0) return 0;
      const ids: string[] = [];
      const shown: string[] = [];
      const scans: (string | null)[] = [];
      for (const r of rows) {
        const scan = typeof r.scan === "string" ? (JSON.parse(r.scan) as unknown) : r.scan;
        const wasShown = r.shown_text ?? r.text;
        ids.push(r.id);
        shown.push(wasShown === r.text ? redactDetails(r.text, scan) : wasShown);
        scans.push(scan === null || scan === undefined ? null : JSON.stringify(scanWithoutValues(scan)));
      }
      const updated = await tx.query(
        `UPDATE messages m SET text = NULL, erased_at = $1, shown_text = u.shown, scan = u.scan::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[]) AS u(id, shown, scan)
         WHERE m.id = u.id AND m.erased_at IS NULL RETURNING m.id`,
        [now, ids, shown, scans],
      );
      await audit(tx, {
        at: now,
        actorId: null,
        event: "message.originals_erased",
        reason: "retention",
        change: { count: updated.rows.length, sentBefore: cutoff.toISOString() },
      });
      return updated.rows.length;
    });
    if (n === 0) break;
    erased += n;
    batches++;
    if (n < batchSize) break;
  }
  return { erased, batches };
}
