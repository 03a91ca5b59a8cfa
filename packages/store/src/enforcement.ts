import { randomUUID } from "node:crypto";
import {
  type Account,
  type AccountStatus,
  addDays,
  DEFAULT_CONFIG,
  err,
  type MarketplaceConfig,
  ok,
  type Result,
  suspensionAfterWarning,
  type WarningKind,
} from "@leakguard/domain";
import { CLARIFICATION_TEMPLATE } from "@leakguard/trust";
import { recordContractEndedAfterContactExchange } from "./activity-signals.js";
import { audit } from "./audit.js";
import type { Case, CaseCode } from "./cases.js";
import type { Db, Queryable } from "./db.js";
import { type IdempotencyCode, oncePerKey } from "./idempotency.js";
import { type ReviewCode, reviewHeldMessageIn } from "./messages.js";
import { actOnMilestoneIn } from "./milestones.js";
import { getAccount, setStatusIn } from "./people.js";

/**
 * What agents do about a case, and what the platform's rules do for them:
 * every action is one transaction that locks the case, appends the action,
 * applies its effect (a status, a question, a contract's protection, a held
 * message) and writes the audit log. Appeals and clarifications follow the
 * same shape.
 */

export type ActionKind =
  | "dismiss"
  | "clarify"
  | "warn"
  | "restrict"
  | "suspend"
  | "remove"
  | "confirm_off_platform"
  | "release_message"
  | "reject_message";

/** The outcomes a clarification request may default to when its deadline passes unanswered. */
export type DefaultOutcome = "dismiss" | "warn" | "restrict" | "suspend";

export type CaseActionInput =
  | { kind: "dismiss" | "restrict" | "suspend" | "remove"; reason: string }
  | { kind: "warn"; reason: string; warningKind: WarningKind }
  | {
      kind: "clarify";
      reason: string;
      /** The question the user reads; the template's when absent. */
      question?: string;
      /** When the answer is due; the configured number of days from now when absent. */
      deadline?: Date;
      defaultOutcome: DefaultOutcome;
      /** The kind of warning a `warn` default outcome gives. */
      warningKind?: WarningKind;
    }
  | { kind: "confirm_off_platform"; reason: string; contractId: string }
  | { kind: "release_message" | "reject_message"; reason: string; messageId: string };

export interface CaseAction {
  id: string;
  caseId: string;
  subjectId: string;
  kind: ActionKind;
  reason: string;
  /** The agent; null when the platform's rules took it (the warning ladder, a lapsed deadline). */
  actorId: string | null;
  at: Date;
  details: Record<string, unknown>;
}

export type EnforcementCode =
  | CaseCode
  | ReviewCode
  | IdempotencyCode
  | "reason_required"
  | "clarification_pending"
  | "deadline_out_of_range"
  | "status_unchanged"
  | "contract_not_found"
  | "contract_not_of_subject"
  | "protection_already_void"
  | "message_not_of_subject";

/** Kinds that close the case they are taken on. */
const CLOSES: ReadonlySet<ActionKind> = new Set(["dismiss", "warn", "restrict", "suspend", "remove"]);

/** The status each sanction sets. */
const STATUS_OF_SANCTION: Readonly<Partial<Record<ActionKind, AccountStatus>>> = {
  restrict: "restricted",
  suspend: "suspended",
  remove: "removed",
};

interface CaseLockRow extends Record<string, unknown> {
  id: string;
  subject_id: string;
  status: Case["status"];
  opened_at: Date;
  assignee_id: string | null;
}

interface ActionRow extends Record<string, unknown> {
  id: string;
  case_id: string;
  subject_id: string;
  kind: ActionKind;
  reason: string;
  actor_id: string | null;
  at: Date;
  details: Record<string, unknown> | string;
}

function actionOf(r: ActionRow): CaseAction {
  return {
    id: r.id,
    caseId: r.case_id,
    subjectId: r.subject_id,
    kind: r.kind,
    reason: r.reason,
    actorId: r.actor_id,
    at: new Date(r.at),
    details: typeof r.details === "string" ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
  };
}

/**
 * An agent acts on a case. The case must not be closed nor claimed by
 * another agent (acting on an unclaimed case claims it). With an idempotency
 * key a retry answers as the first time.
 */
export async function actOnCase(
  db: Db,
  caseId: string,
  agentId: string,
  input: CaseActionInput,
  now: Date,
  idempotencyKey?: string,
  config: MarketplaceConfig = DEFAULT_CONFIG,
): Promise<Result<{ action: CaseAction; followUps: CaseAction[] }, EnforcementCode>> {
  return db.transaction(async (tx) => {
    const c = (
      await tx.query<CaseLockRow>(
        "SELECT id, subject_id, status, opened_at, assignee_id FROM cases WHERE id = $1 FOR UPDATE",
        [caseId],
      )
    ).rows[0];
    if (c === undefined) return err("case_not_found", `no case ${caseId}`);
    return oncePerKey(tx, idempotencyKey, { caseId, agentId, input: inputKey(input) }, async () => {
      if (c.status === "closed") return err("case_closed", `case ${caseId} is closed`);
      if (c.assignee_id !== null && c.assignee_id !== agentId)
        return err("case_claimed", `case ${caseId} is claimed by ${c.assignee_id}`);
      if (input.reason.trim().length < 3)
        return err("reason_required", "say why, in a few words (3 characters or more)");
      if (c.assignee_id === null)
        await tx.query("UPDATE cases SET assignee_id = $2, claimed_at = $3 WHERE id = $1", [
          caseId,
          agentId,
          now,
        ]);
      return applyAction(tx, c, agentId, input, now, config);
    });
  });
}

/** The request as the idempotency check compares it (dates as ISO strings). */
function inputKey(input: CaseActionInput): Record<string, unknown> {
  return input.kind === "clarify" && input.deadline !== undefined
    ? { ...input, deadline: input.deadline.toISOString() }
    : { ...input };
}

async function applyAction(
  tx: Queryable,
  c: CaseLockRow,
  actorId: string | null,
  input: CaseActionInput,
  now: Date,
  config: MarketplaceConfig,
): Promise<Result<{ action: CaseAction; followUps: CaseAction[] }, EnforcementCode>> {
  const subject = await lockAccount(tx, c.subject_id);
  const reason = input.reason.trim();
  let details: Record<string, unknown> = {};
  const followUps: CaseAction[] = [];
  switch (input.kind) {
    case "clarify": {
      if (c.status === "waiting")
        return err("clarification_pending", `case ${c.id} already waits on an answer`);
      const deadline = input.deadline ?? addDays(now, config.trust.clarificationDays);
      if (deadline.getTime() <= now.getTime() || deadline.getTime() > addDays(now, 90).getTime())
        return err("deadline_out_of_range", "the deadline is after now and within 90 days");
      details = {
        clarificationId: `clr_${randomUUID()}`,
        deadline: deadline.toISOString(),
        defaultOutcome: input.defaultOutcome,
        ...(input.warningKind === undefined ? {} : { warningKind: input.warningKind }),
      };
      break;
    }
    case "warn":
      details = { warningKind: input.warningKind };
      break;
    case "restrict":
    case "suspend":
    case "remove": {
      const to = STATUS_OF_SANCTION[input.kind] as AccountStatus;
      if (subject.status === to) return err("status_unchanged", `account ${subject.id} is already ${to}`);
      break;
    }
    case "confirm_off_platform": {
      const contract = (
        await tx.query<{ client_id: string; freelancer_id: string; protection_void_at: Date | null }>(
          "SELECT client_id, freelancer_id, protection_void_at FROM contracts WHERE id = $1 FOR UPDATE",
          [input.contractId],
        )
      ).rows[0];
      if (contract === undefined) return err("contract_not_found", `no contract ${input.contractId}`);
      if (contract.client_id !== c.subject_id && contract.freelancer_id !== c.subject_id)
        return err("contract_not_of_subject", `contract ${input.contractId} is not one of ${c.subject_id}'s`);
      if (contract.protection_void_at !== null)
        return err("protection_already_void", `contract ${input.contractId}'s protection is already void`);
      details = { contractId: input.contractId };
      break;
    }
    case "release_message":
    case "reject_message": {
      const held = (
        await tx.query<{ sender_id: string; delivery: string }>(
          "SELECT sender_id, delivery FROM messages WHERE id = $1 FOR UPDATE",
          [input.messageId],
        )
      ).rows[0];
      if (held === undefined) return err("message_not_found", `no message ${input.messageId}`);
      if (held.sender_id !== c.subject_id)
        return err("message_not_of_subject", `message ${input.messageId} was not sent by ${c.subject_id}`);
      if (held.delivery !== "held")
        return err("message_not_held", `message ${input.messageId} is ${held.delivery}, not held`);
      details = { messageId: input.messageId };
      break;
    }
    case "dismiss":
      break;
  }
  const action = await appendAction(tx, c, input.kind, reason, actorId, now, details);
  switch (input.kind) {
    case "clarify": {
      const question = input.question?.trim() || CLARIFICATION_TEMPLATE;
      await tx.query(
        `INSERT INTO clarifications (id, case_id, subject_id, action_id, question, asked_at, deadline, default_outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          details.clarificationId,
          c.id,
          c.subject_id,
          action.id,
          question,
          now,
          details.deadline,
          input.defaultOutcome,
        ],
      );
      await tx.query("UPDATE cases SET status = 'waiting', updated_at = $2 WHERE id = $1", [c.id, now]);
      break;
    }
    case "warn": {
      const suspendedBecause = await ladderAfterWarning(tx, subject, input.warningKind, now, config);
      if (suspendedBecause !== null) {
        const auto = await appendAction(tx, c, "suspend", suspendedBecause, null, now, { after: action.id });
        await setStatusIn(tx, subject, "suspended", suspendedBecause, null, now, c.id);
        followUps.push(auto);
      }
      break;
    }
    case "restrict":
    case "suspend":
      await setStatusIn(
        tx,
        subject,
        STATUS_OF_SANCTION[input.kind] as AccountStatus,
        reason,
        actorId,
        now,
        c.id,
      );
      break;
    case "remove":
      await setStatusIn(tx, subject, "removed", reason, actorId, now, c.id);
      await endContractsOf(tx, subject, now, config, c.id);
      break;
    case "confirm_off_platform":
      await tx.query("UPDATE contracts SET protection_void_at = $2 WHERE id = $1", [input.contractId, now]);
      await audit(tx, {
        at: now,
        actorId,
        event: "contract.protection_voided",
        subjectId: c.subject_id,
        caseId: c.id,
        reason,
        change: { contractId: input.contractId },
      });
      break;
    case "release_message":
    case "reject_message": {
      const reviewed = await reviewHeldMessageIn(
        tx,
        input.messageId,
        input.kind === "release_message" ? "release" : "reject",
        actorId ?? "platform",
        now,
        c.id,
      );
      // Checked above under the message's lock: a refusal here is a bug, and throwing rolls everything back.
      if (!reviewed.ok) throw new Error(`reviewing ${input.messageId}: ${reviewed.message}`);
      break;
    }
    case "dismiss":
      // The reports folded into this case were not borne out: their reporters' next reports weigh less.
      await tx.query(
        `INSERT INTO dismissed_reports (message_id, reporter_id, case_id, at)
         SELECT r.message_id, r.reporter_id, $2, $3 FROM message_reports r JOIN messages m ON m.id = r.message_id
         WHERE m.sender_id = $1 AND r.reported_at >= $4 AND r.reported_at <= $3
         ON CONFLICT DO NOTHING`,
        [c.subject_id, c.id, now, c.opened_at],
      );
      break;
  }
  if (CLOSES.has(input.kind))
    await tx.query(
      "UPDATE cases SET status = 'closed', closed_at = $2, updated_at = $2, resolution = $3 WHERE id = $1",
      [c.id, now, followUps.length > 0 ? "suspend" : input.kind],
    );
  return ok({ action, followUps });
}

async function lockAccount(tx: Queryable, id: string): Promise<Account> {
  await tx.query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", [id]);
  const account = await getAccount(tx, id);
  if (account === null) throw new Error(`the subject ${id} has no account`);
  return account;
}

async function appendAction(
  tx: Queryable,
  c: Pick<CaseLockRow, "id" | "subject_id">,
  kind: ActionKind,
  reason: string,
  actorId: string | null,
  now: Date,
  details: Record<string, unknown>,
): Promise<CaseAction> {
  const id = `act_${randomUUID()}`;
  const row = (
    await tx.query<ActionRow>(
      `INSERT INTO case_actions (id, case_id, subject_id, kind, reason, actor_id, at, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [id, c.id, c.subject_id, kind, reason, actorId, now, JSON.stringify(details)],
    )
  ).rows[0];
  if (row === undefined) throw new Error(`action ${id} could not be read back`);
  await audit(tx, {
    at: now,
    actorId,
    event: "case.action",
    subjectId: c.subject_id,
    caseId: c.id,
    reason,
    change: { actionId: id, kind, ...details },
  });
  return actionOf(row);
}

/** The warnings that count for the ladder: given within the expiry, not overturned on appeal. */
async function ladderAfterWarning(
  tx: Queryable,
  subject: Account,
  kind: WarningKind,
  now: Date,
  config: MarketplaceConfig,
): Promise<string | null> {
  if (subject.status === "suspended" || subject.status === "removed") return null;
  const warnings = (
    await tx.query<{ kind: WarningKind; at: Date }>(
      `SELECT a.details->>'warningKind' AS kind, a.at FROM case_actions a
       LEFT JOIN appeals ap ON ap.action_id = a.id AND ap.decision = 'overturned'
       WHERE a.subject_id = $1 AND a.kind = 'warn' AND ap.id IS NULL AND a.at > $2`,
      [subject.id, addDays(now, -config.trust.warningExpiryDays)],
    )
  ).rows.map((r) => ({ kind: r.kind, at: new Date(r.at) }));
  return suspensionAfterWarning(warnings, kind, now, config);
}

/**
 * A removed account's open contracts end: escrow not yet submitted is
 * refunded to the client; submitted work is released to the freelancer when
 * the client was removed and refunded when the freelancer was; disputed
 * escrow stays frozen for an agent to resolve. Each ended contract may raise
 * `contract_ended_after_contact_exchange` (activity-signals.ts).
 */
async function endContractsOf(
  tx: Queryable,
  subject: Account,
  now: Date,
  config: MarketplaceConfig,
  caseId: string,
): Promise<void> {
  const contracts = (
    await tx.query<{ id: string; client_id: string }>(
      `SELECT id, client_id FROM contracts WHERE (client_id = $1 OR freelancer_id = $1) AND ended_at IS NULL
       ORDER BY id FOR UPDATE`,
      [subject.id],
    )
  ).rows;
  for (const contract of contracts) {
    await tx.query("UPDATE contracts SET ended_at = $2, ended_because = 'account_removed' WHERE id = $1", [
      contract.id,
      now,
    ]);
    const settled: Record<string, string> = {};
    const open = (
      await tx.query<{ id: string }>(
        `SELECT id FROM milestones WHERE contract_id = $1 AND status IN ('funded', 'submitted', 'refund_requested')
         ORDER BY id`,
        [contract.id],
      )
    ).rows;
    for (const m of open) {
      const done = await actOnMilestoneIn(
        tx,
        m.id,
        { type: "end_contract", by: "system", releaseSubmitted: contract.client_id === subject.id },
        now,
        undefined,
        config,
      );
      settled[m.id] = done.ok ? done.value.status : `left: ${done.code}`;
    }
    await audit(tx, {
      at: now,
      actorId: null,
      event: "contract.ended",
      subjectId: subject.id,
      caseId,
      reason: "account_removed",
      change: { contractId: contract.id, milestones: settled },
    });
    // After the settlement: submitted work released to the freelancer counts as paid.
    await recordContractEndedAfterContactExchange(tx, contract.id, now, undefined, config.trust.signals);
  }
}

/** The actions taken on a case, oldest first. */
export async function actionsOfCase(db: Queryable, caseId: string): Promise<CaseAction[]> {
  return (
    await db.query<ActionRow>("SELECT * FROM case_actions WHERE case_id = $1 ORDER BY at, id", [caseId])
  ).rows.map(actionOf);
}

/** The actions taken about an account, newest first. */
export async function actionsAbout(db: Queryable, subjectId: string, limit = 200): Promise<CaseAction[]> {
  return (
    await db.query<ActionRow>(
      "SELECT * FROM case_actions WHERE subject_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
      [subjectId, limit],
    )
  ).rows.map(actionOf);
}

export async function getAction(db: Queryable, id: string): Promise<CaseAction | null> {
  const row = (await db.query<ActionRow>("SELECT * FROM case_actions WHERE id = $1", [id])).rows[0];
  return row === undefined ? null : actionOf(row);
}

// --- Clarifications ---------------------------------------------------------

export interface Clarification {
  id: string;
  caseId: string;
  subjectId: string;
  actionId: string;
  question: string;
  askedAt: Date;
  deadline: Date;
  defaultOutcome: DefaultOutcome;
  answer?: string;
  answeredAt?: Date;
  lapsedAt?: Date;
}

interface ClarificationRow extends Record<string, unknown> {
  id: string;
  case_id: string;
  subject_id: string;
  action_id: string;
  question: string;
  asked_at: Date;
  deadline: Date;
  default_outcome: DefaultOutcome;
  answer: string | null;
  answered_at: Date | null;
  lapsed_at: Date | null;
}

function clarificationOf(r: ClarificationRow): Clarification {
  return {
    id: r.id,
    caseId: r.case_id,
    subjectId: r.subject_id,
    actionId: r.action_id,
    question: r.question,
    askedAt: new Date(r.asked_at),
    deadline: new Date(r.deadline),
    defaultOutcome: r.default_outcome,
    ...(r.answer === null ? {} : { answer: r.answer }),
    ...(r.answered_at === null ? {} : { answeredAt: new Date(r.answered_at) }),
    ...(r.lapsed_at === null ? {} : { lapsedAt: new Date(r.lapsed_at) }),
  };
}

export type ClarificationCode = "clarification_not_found" | "clarification_closed" | "answer_required";

/**
 * The subject answers a clarification before its deadline, once: the answer
 * is attached to the case and the case goes back to the queue.
 */
export async function answerClarification(
  db: Db,
  id: string,
  accountId: string,
  answer: string,
  now: Date,
): Promise<Result<Clarification, ClarificationCode>> {
  return db.transaction(async (tx) => {
    const row = (
      await tx.query<ClarificationRow>("SELECT * FROM clarifications WHERE id = $1 FOR UPDATE", [id])
    ).rows[0];
    if (row === undefined || row.subject_id !== accountId)
      return err("clarification_not_found", `no clarification ${id} for you`);
    if (row.answered_at !== null && row.answer === answer.trim()) return ok(clarificationOf(row));
    if (
      row.answered_at !== null ||
      row.lapsed_at !== null ||
      new Date(row.deadline).getTime() <= now.getTime()
    )
      return err(
        "clarification_closed",
        `clarification ${id} is ${row.answered_at !== null ? "answered" : "past its deadline"}`,
      );
    if (answer.trim().length === 0) return err("answer_required", "write an answer");
    await tx.query("UPDATE clarifications SET answer = $2, answered_at = $3 WHERE id = $1", [
      id,
      answer.trim(),
      now,
    ]);
    await tx.query("UPDATE cases SET status = 'open', updated_at = $2 WHERE id = $1 AND status = 'waiting'", [
      row.case_id,
      now,
    ]);
    await audit(tx, {
      at: now,
      actorId: accountId,
      event: "clarification.answered",
      subjectId: accountId,
      caseId: row.case_id,
      change: { clarificationId: id },
    });
    const after = (await tx.query<ClarificationRow>("SELECT * FROM clarifications WHERE id = $1", [id]))
      .rows[0];
    if (after === undefined) throw new Error(`clarification ${id} could not be read back`);
    return ok(clarificationOf(after));
  });
}

/**
 * The clock's job: a clarification unanswered at its deadline applies its
 * default outcome (as an action of the platform) and reopens the case for an
 * agent. Each is done under its row lock, so two workers apply it once.
 */
export async function lapseClarifications(
  db: Db,
  now: Date,
  config: MarketplaceConfig = DEFAULT_CONFIG,
  limit = 200,
): Promise<number> {
  const due = (
    await db.query<{ id: string }>(
      `SELECT id FROM clarifications WHERE answered_at IS NULL AND lapsed_at IS NULL AND deadline <= $1
       ORDER BY deadline LIMIT $2`,
      [now, limit],
    )
  ).rows;
  let lapsed = 0;
  for (const { id } of due) {
    const done = await db.transaction(async (tx) => {
      const row = (
        await tx.query<ClarificationRow>("SELECT * FROM clarifications WHERE id = $1 FOR UPDATE", [id])
      ).rows[0];
      if (row === undefined || row.answered_at !== null || row.lapsed_at !== null) return false;
      const c = (
        await tx.query<CaseLockRow>(
          "SELECT id, subject_id, status, opened_at, assignee_id FROM cases WHERE id = $1 FOR UPDATE",
          [row.case_id],
        )
      ).rows[0];
      if (c === undefined) return false;
      await tx.query("UPDATE clarifications SET lapsed_at = $2 WHERE id = $1", [id, now]);
      await audit(tx, {
        at: now,
        actorId: null,
        event: "clarification.lapsed",
        subjectId: row.subject_id,
        caseId: row.case_id,
        change: { clarificationId: id, defaultOutcome: row.default_outcome },
      });
      const asked = await getAction(tx, row.action_id);
      const warningKind = (asked?.details.warningKind as WarningKind | undefined) ?? "other";
      const reason = `no answer by ${new Date(row.deadline).toISOString()} to the clarification request`;
      const input: CaseActionInput =
        row.default_outcome === "warn"
          ? { kind: "warn", reason, warningKind }
          : { kind: row.default_outcome, reason };
      const subject = await getAccount(tx, row.subject_id);
      const already =
        subject !== null &&
        STATUS_OF_SANCTION[input.kind] !== undefined &&
        subject.status === STATUS_OF_SANCTION[input.kind];
      if (!already) {
        const applied = await applyAction(tx, c, null, input, now, config);
        if (!applied.ok) throw new Error(`applying the default outcome of ${id}: ${applied.message}`);
      }
      // Reopened whatever the outcome: an agent looks at the case again.
      await tx.query(
        "UPDATE cases SET status = 'open', closed_at = NULL, resolution = NULL, updated_at = $2 WHERE id = $1",
        [row.case_id, now],
      );
      return true;
    });
    if (done) lapsed++;
  }
  return lapsed;
}

export async function clarificationsOf(
  db: Queryable,
  of: { subjectId: string } | { caseId: string },
): Promise<Clarification[]> {
  const [column, id] = "subjectId" in of ? ["subject_id", of.subjectId] : ["case_id", of.caseId];
  return (
    await db.query<ClarificationRow>(
      `SELECT * FROM clarifications WHERE ${column} = $1 ORDER BY asked_at DESC`,
      [id],
    )
  ).rows.map(clarificationOf);
}

// --- Appeals ----------------------------------------------------------------

/** Actions a user may appeal: those that sanction them or take something from them. */
export const APPEALABLE: ReadonlySet<ActionKind> = new Set([
  "warn",
  "restrict",
  "suspend",
  "remove",
  "confirm_off_platform",
  "reject_message",
]);

export interface Appeal {
  id: string;
  actionId: string;
  appellantId: string;
  statement: string;
  filedAt: Date;
  decision?: "upheld" | "overturned";
  decidedBy?: string;
  decisionReason?: string;
  decidedAt?: Date;
}

interface AppealRow extends Record<string, unknown> {
  id: string;
  action_id: string;
  appellant_id: string;
  statement: string;
  filed_at: Date;
  decision: "upheld" | "overturned" | null;
  decided_by: string | null;
  decision_reason: string | null;
  decided_at: Date | null;
}

function appealOf(r: AppealRow): Appeal {
  return {
    id: r.id,
    actionId: r.action_id,
    appellantId: r.appellant_id,
    statement: r.statement,
    filedAt: new Date(r.filed_at),
    ...(r.decision === null ? {} : { decision: r.decision }),
    ...(r.decided_by === null ? {} : { decidedBy: r.decided_by }),
    ...(r.decision_reason === null ? {} : { decisionReason: r.decision_reason }),
    ...(r.decided_at === null ? {} : { decidedAt: new Date(r.decided_at) }),
  };
}

export type AppealCode =
  | "action_not_found"
  | "not_appealable"
  | "appeal_exists"
  | "statement_required"
  | "appeal_not_found"
  | "appeal_decided"
  | "appeal_own_action"
  | "reason_required";

/** The sanctioned user appeals an action, once. */
export async function fileAppeal(
  db: Db,
  actionId: string,
  appellantId: string,
  statement: string,
  now: Date,
): Promise<Result<Appeal, AppealCode>> {
  return db.transaction(async (tx) => {
    const action = await getAction(tx, actionId);
    if (action === null || action.subjectId !== appellantId)
      return err("action_not_found", `no action ${actionId} about you`);
    if (!APPEALABLE.has(action.kind)) return err("not_appealable", `a ${action.kind} is not appealed`);
    if (statement.trim().length < 3) return err("statement_required", "say why, in a few words");
    const id = `apl_${randomUUID()}`;
    const inserted = await tx.query(
      `INSERT INTO appeals (id, action_id, appellant_id, statement, filed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (action_id) DO NOTHING RETURNING id`,
      [id, actionId, appellantId, statement.trim(), now],
    );
    if (inserted.rows.length === 0) return err("appeal_exists", `action ${actionId} was appealed already`);
    await audit(tx, {
      at: now,
      actorId: appellantId,
      event: "appeal.filed",
      subjectId: appellantId,
      caseId: action.caseId,
      change: { appealId: id, actionId },
    });
    const row = (await tx.query<AppealRow>("SELECT * FROM appeals WHERE id = $1", [id])).rows[0];
    if (row === undefined) throw new Error(`appeal ${id} could not be read back`);
    return ok(appealOf(row));
  });
}

/**
 * An agent other than the one who acted decides an appeal, once. Overturning
 * undoes what can be undone: a warning stops counting, a restriction,
 * suspension or removal is lifted (contracts a removal ended stay ended), a
 * contract's protection is restored, a rejected message is delivered.
 */
export async function decideAppeal(
  db: Db,
  appealId: string,
  agentId: string,
  decision: "upheld" | "overturned",
  reason: string,
  now: Date,
): Promise<Result<Appeal, AppealCode>> {
  return db.transaction(async (tx) => {
    const row = (await tx.query<AppealRow>("SELECT * FROM appeals WHERE id = $1 FOR UPDATE", [appealId]))
      .rows[0];
    if (row === undefined) return err("appeal_not_found", `no appeal ${appealId}`);
    const action = await getAction(tx, row.action_id);
    if (action === null) throw new Error(`appeal ${appealId} has no action`);
    if (row.decision !== null)
      return err("appeal_decided", `appeal ${appealId} was decided: ${row.decision}`);
    if (action.actorId === agentId)
      return err("appeal_own_action", "an appeal is decided by an agent other than the one who acted");
    if (reason.trim().length < 3)
      return err("reason_required", "say why, in a few words (3 characters or more)");
    await tx.query(
      "UPDATE appeals SET decision = $2, decided_by = $3, decision_reason = $4, decided_at = $5 WHERE id = $1",
      [appealId, decision, agentId, reason.trim(), now],
    );
    const undone: Record<string, unknown> = {};
    if (decision === "overturned") {
      const sanction = STATUS_OF_SANCTION[action.kind];
      if (sanction !== undefined) {
        const subject = await lockAccount(tx, action.subjectId);
        // Lifted only if nothing since has changed the status again.
        if (subject.status === sanction) {
          await setStatusIn(
            tx,
            subject,
            "active",
            `appeal ${appealId} upheld the user: ${reason.trim()}`,
            agentId,
            now,
            action.caseId,
          );
          undone.status = { from: sanction, to: "active" };
        }
      } else if (action.kind === "confirm_off_platform") {
        const contractId = action.details.contractId as string;
        await tx.query("UPDATE contracts SET protection_void_at = NULL WHERE id = $1", [contractId]);
        await audit(tx, {
          at: now,
          actorId: agentId,
          event: "contract.protection_restored",
          subjectId: action.subjectId,
          caseId: action.caseId,
          reason: reason.trim(),
          change: { contractId },
        });
        undone.protectionRestored = contractId;
      } else if (action.kind === "reject_message") {
        const messageId = action.details.messageId as string;
        await tx.query(
          "UPDATE messages SET delivery = 'delivered', reviewed_by = $2, reviewed_at = $3 WHERE id = $1 AND delivery = 'rejected'",
          [messageId, agentId, now],
        );
        undone.delivered = messageId;
      } else if (action.kind === "warn") {
        undone.warningAnnulled = action.id;
      }
    }
    await audit(tx, {
      at: now,
      actorId: agentId,
      event: "appeal.decided",
      subjectId: action.subjectId,
      caseId: action.caseId,
      reason: reason.trim(),
      change: { appealId, actionId: action.id, decision, ...undone },
    });
    const after = (await tx.query<AppealRow>("SELECT * FROM appeals WHERE id = $1", [appealId])).rows[0];
    if (after === undefined) throw new Error(`appeal ${appealId} could not be read back`);
    return ok(appealOf(after));
  });
}

export async function listAppeals(
  db: Queryable,
  filter: { pending?: boolean; appellantId?: string } = {},
  limit = 200,
): Promise<Appeal[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.pending === true) where.push("decision IS NULL");
  if (filter.appellantId !== undefined) {
    params.push(filter.appellantId);
    where.push(`appellant_id = $${params.length}`);
  }
  params.push(limit);
  return (
    await db.query<AppealRow>(
      `SELECT * FROM appeals ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
       ORDER BY filed_at, id LIMIT $${params.length}`,
      params,
    )
  ).rows.map(appealOf);
}

export async function getAppeal(db: Queryable, id: string): Promise<Appeal | null> {
  const row = (await db.query<AppealRow>("SELECT * FROM appeals WHERE id = $1", [id])).rows[0];
  return row === undefined ? null : appealOf(row);
}
