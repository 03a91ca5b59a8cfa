import { WARNING_KINDS, type WarningKind } from "@leakguard/domain";
import {
  APPEALABLE,
  type Appeal,
  type AuditRecord,
  actionsAbout,
  actOnCase,
  answerClarification,
  auditLogOf,
  type CaseAction,
  type CaseActionInput,
  type Clarification,
  clarificationsOf,
  decideAppeal,
  fileAppeal,
  getAccount,
  getCase,
  listAppeals,
} from "@leakguard/store";
import { z } from "zod";
import { CaseSchema, caseJson } from "./cases.js";
import {
  agentActing,
  callerHas,
  errors,
  fail,
  Id,
  IdempotencyKey,
  IsoInstant,
  idempotencyKeyOf,
  mayReadAccount,
  type RouteDeps,
  type ZodApp,
} from "./http.js";

const Reason = z.string().max(2_000).describe("why, for the record (3 characters or more)");
const WarningKindSchema = z.enum(WARNING_KINDS as [WarningKind, ...WarningKind[]]);

export const ActionSchema = z.object({
  id: z.string(),
  caseId: z.string(),
  subjectId: z.string(),
  kind: z.string(),
  reason: z.string(),
  actorId: z
    .string()
    .nullable()
    .describe("null: the platform's rules (the warning ladder, a lapsed deadline)"),
  at: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export function actionJson(a: CaseAction): z.infer<typeof ActionSchema> {
  return { ...a, at: a.at.toISOString() };
}

export const ClarificationSchema = z.object({
  id: z.string(),
  caseId: z.string(),
  question: z.string(),
  askedAt: z.string(),
  deadline: z.string(),
  defaultOutcome: z.string().describe("applied if no answer comes by the deadline"),
  answer: z.string().optional(),
  answeredAt: z.string().optional(),
  lapsedAt: z.string().optional(),
});

export function clarificationJson(c: Clarification): z.infer<typeof ClarificationSchema> {
  return {
    id: c.id,
    caseId: c.caseId,
    question: c.question,
    askedAt: c.askedAt.toISOString(),
    deadline: c.deadline.toISOString(),
    defaultOutcome: c.defaultOutcome,
    ...(c.answer === undefined ? {} : { answer: c.answer }),
    ...(c.answeredAt === undefined ? {} : { answeredAt: c.answeredAt.toISOString() }),
    ...(c.lapsedAt === undefined ? {} : { lapsedAt: c.lapsedAt.toISOString() }),
  };
}

export const AppealSchema = z.object({
  id: z.string(),
  actionId: z.string(),
  appellantId: z.string(),
  statement: z.string(),
  filedAt: z.string(),
  decision: z.enum(["upheld", "overturned"]).optional(),
  decidedBy: z.string().optional(),
  decisionReason: z.string().optional(),
  decidedAt: z.string().optional(),
});

export function appealJson(a: Appeal): z.infer<typeof AppealSchema> {
  return {
    id: a.id,
    actionId: a.actionId,
    appellantId: a.appellantId,
    statement: a.statement,
    filedAt: a.filedAt.toISOString(),
    ...(a.decision === undefined ? {} : { decision: a.decision }),
    ...(a.decidedBy === undefined ? {} : { decidedBy: a.decidedBy }),
    ...(a.decisionReason === undefined ? {} : { decisionReason: a.decisionReason }),
    ...(a.decidedAt === undefined ? {} : { decidedAt: a.decidedAt.toISOString() }),
  };
}

export const AuditSchema = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable().describe("null: the platform (its rules, clock or key)"),
  event: z.string(),
  subjectId: z.string().optional(),
  caseId: z.string().optional(),
  reason: z.string(),
  change: z.record(z.string(), z.unknown()),
});

export function auditJson(e: AuditRecord): z.infer<typeof AuditSchema> {
  return { ...e, at: e.at.toISOString() };
}

const ActionBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.enum(["dismiss", "restrict", "suspend", "remove"]), reason: Reason }).strict(),
  z.object({ kind: z.literal("warn"), reason: Reason, warningKind: WarningKindSchema }).strict(),
  z
    .object({
      kind: z.literal("clarify"),
      reason: Reason,
      question: z.string().max(4_000).optional().describe("what the user reads; a standard text when absent"),
      deadline: IsoInstant.optional().describe("ISO 8601; 3 days from now when absent"),
      defaultOutcome: z.enum(["dismiss", "warn", "restrict", "suspend"]),
      warningKind: WarningKindSchema.optional().describe("the warning a `warn` default outcome gives"),
    })
    .strict(),
  z.object({ kind: z.literal("confirm_off_platform"), reason: Reason, contractId: Id }).strict(),
  z.object({ kind: z.enum(["release_message", "reject_message"]), reason: Reason, messageId: Id }).strict(),
]);

/** User-facing wording of what was done to them. */
const NOTICE_TEXT: Readonly<Record<string, string>> = {
  clarify: "Our trust & safety team has a question for you.",
  warn: "You have been warned for going against our policy on keeping work and payments on the platform.",
  restrict: "Your account may no longer send messages.",
  suspend: "Your account is suspended: you may read your notices and appeal, nothing else.",
  remove: "Your account has been closed and its open contracts ended.",
  confirm_off_platform:
    "Payment outside the platform was confirmed on one of your contracts: it is no longer protected.",
  reject_message: "A message you sent was not delivered.",
};

/** Enforcement: agents act on cases; users answer questions, read their notices and appeal; agents decide appeals. */
export function enforcementRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, config } = deps;

  r.post(
    "/cases/:id/actions",
    {
      schema: {
        summary: "Act on a case with a reason (agents, admins)",
        description:
          "`dismiss`, `warn` (with a warningKind), `restrict` (no messages), `suspend` (no use of the account but its notices and appeals; releases on its contracts frozen) and `remove` (account closed; open contracts ended, escrow refunded, submitted work released when the client is removed) close the case. `clarify` asks the subject a question (a standard text unless you write one) with a deadline and a default outcome applied if it passes unanswered; the case waits and comes back to the queue with the answer or at the deadline. `confirm_off_platform` voids a contract's protection (disputes are no longer eligible). `release_message` and `reject_message` decide a held message. Warnings expire after 90 days; a second of the same kind, or a third of any, suspends at once (a follow-up action of the platform). Acting claims an unclaimed case; a case claimed by another agent is theirs. With an `Idempotency-Key`, a retry answers as the first time.",
        params: z.object({ id: Id }),
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
        body: ActionBody,
        response: {
          201: z.object({
            action: ActionSchema,
            followUps: z.array(ActionSchema).describe("what the platform's rules did as a result"),
            case: CaseSchema,
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const agent = agentActing(request.caller.actingAs);
      if (agent === null)
        return fail(
          reply,
          "not_allowed_for_actor",
          "an agent or admin acts on cases (name one with Leakguard-Act-As)",
        );
      const body = request.body;
      const input: CaseActionInput =
        body.kind === "clarify"
          ? {
              kind: "clarify",
              reason: body.reason,
              defaultOutcome: body.defaultOutcome,
              ...(body.question === undefined ? {} : { question: body.question }),
              ...(body.deadline === undefined ? {} : { deadline: new Date(body.deadline) }),
              ...(body.warningKind === undefined ? {} : { warningKind: body.warningKind }),
            }
          : body;
      const key = request.headers["idempotency-key"];
      const done = await actOnCase(
        db,
        request.params.id,
        agent.id,
        input,
        now(),
        key === undefined ? undefined : idempotencyKeyOf("case-action", agent, key),
        config,
      );
      if (!done.ok) return fail(reply, done.code, done.message);
      const c = await getCase(db, request.params.id);
      if (c === null) return fail(reply, "case_not_found", `no case ${request.params.id}`);
      return reply.code(201).send({
        action: actionJson(done.value.action),
        followUps: done.value.followUps.map(actionJson),
        case: caseJson(c, now()),
      });
    },
  );

  r.get(
    "/audit",
    {
      schema: {
        summary: "The audit log about an account or of a case, oldest first (agents, admins)",
        description:
          "Every verdict, signal, report, case event, action, clarification, appeal and status or contract change: who (null: the platform), when, why and what changed. Appended only; nothing in it is ever changed or deleted.",
        querystring: z
          .object({ subjectId: Id.optional(), caseId: Id.optional() })
          .refine(
            (q) => (q.subjectId === undefined) !== (q.caseId === undefined),
            "give subjectId or caseId",
          ),
        response: { 200: z.object({ entries: z.array(AuditSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "read_any"))
        return fail(reply, "forbidden", "the audit log is for trust & safety");
      const q = request.query;
      const entries = await auditLogOf(
        db,
        q.subjectId !== undefined ? { subjectId: q.subjectId } : { caseId: q.caseId ?? "" },
      );
      return { entries: entries.map(auditJson) };
    },
  );

  r.get(
    "/accounts/:id/notices",
    {
      schema: {
        summary:
          "What trust & safety did about an account: warnings, questions, sanctions, and their appeals",
        description:
          "For the account itself (also while suspended or removed) and agents. Each action says whether it may still be appealed; each clarification whether it is waiting for an answer (POST /v1/clarifications/{id}/answer).",
        params: z.object({ id: Id }),
        response: {
          200: z.object({
            status: z.string(),
            notices: z.array(
              z.object({
                actionId: z.string(),
                kind: z.string(),
                at: z.string(),
                text: z.string(),
                reason: z.string(),
                appealable: z.boolean().describe("true while no appeal was filed against it"),
                appeal: AppealSchema.optional(),
              }),
            ),
            clarifications: z.array(ClarificationSchema.extend({ awaitingAnswer: z.boolean() })),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!mayReadAccount(request.caller.actingAs, request.params.id))
        return fail(reply, "forbidden", "a user reads only their own notices");
      const account = await getAccount(db, request.params.id);
      if (account === null) return fail(reply, "account_not_found", `no account ${request.params.id}`);
      const at = now();
      const [actions, appeals, clarifications] = await Promise.all([
        actionsAbout(db, account.id),
        listAppeals(db, { appellantId: account.id }),
        clarificationsOf(db, { subjectId: account.id }),
      ]);
      const appealOf = new Map(appeals.map((a) => [a.actionId, a]));
      return {
        status: account.status,
        notices: actions
          .filter((a) => NOTICE_TEXT[a.kind] !== undefined)
          .map((a) => {
            const appeal = appealOf.get(a.id);
            return {
              actionId: a.id,
              kind: a.kind,
              at: a.at.toISOString(),
              text: NOTICE_TEXT[a.kind] ?? a.kind,
              reason: a.reason,
              appealable: APPEALABLE.has(a.kind) && appeal === undefined,
              ...(appeal === undefined ? {} : { appeal: appealJson(appeal) }),
            };
          }),
        clarifications: clarifications.map((c) => ({
          ...clarificationJson(c),
          awaitingAnswer:
            c.answeredAt === undefined && c.lapsedAt === undefined && c.deadline.getTime() > at.getTime(),
        })),
      };
    },
  );

  r.post(
    "/clarifications/:id/answer",
    {
      schema: {
        summary: "Answer a clarification request before its deadline (the user asked)",
        params: z.object({ id: Id }),
        body: z.object({ answer: z.string().max(8_000) }).strict(),
        response: { 200: ClarificationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const acting = request.caller.actingAs;
      if (acting === null)
        return fail(
          reply,
          "not_allowed_for_actor",
          "the user asked answers (name them with Leakguard-Act-As)",
        );
      const done = await answerClarification(db, request.params.id, acting.id, request.body.answer, now());
      if (!done.ok) return fail(reply, done.code, done.message);
      return clarificationJson(done.value);
    },
  );

  r.post(
    "/appeals",
    {
      schema: {
        summary: "Appeal an action taken against you, once (the sanctioned user, also while suspended)",
        body: z.object({ actionId: Id, statement: z.string().max(8_000) }).strict(),
        response: { 201: AppealSchema, ...errors },
      },
    },
    async (request, reply) => {
      const acting = request.caller.actingAs;
      if (acting === null)
        return fail(
          reply,
          "not_allowed_for_actor",
          "the sanctioned user appeals (name them with Leakguard-Act-As)",
        );
      const done = await fileAppeal(db, request.body.actionId, acting.id, request.body.statement, now());
      if (!done.ok) return fail(reply, done.code, done.message);
      return reply.code(201).send(appealJson(done.value));
    },
  );

  r.get(
    "/appeals",
    {
      schema: {
        summary: "Appeals: pending ones by default, oldest first (agents, admins); a user sees their own",
        querystring: z.object({ status: z.enum(["pending", "all"]).optional() }),
        response: {
          200: z.object({ appeals: z.array(AppealSchema) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const acting = request.caller.actingAs;
      const pending = request.query.status !== "all";
      // The platform and agents see every appeal; a user, their own.
      const own = acting !== null && agentActing(acting) === null;
      const appeals = await listAppeals(db, { pending, ...(own ? { appellantId: acting.id } : {}) });
      return { appeals: appeals.map(appealJson) };
    },
  );

  r.post(
    "/appeals/:id/decision",
    {
      schema: {
        summary: "Decide an appeal (an agent other than the one who acted)",
        description:
          "`overturned` undoes what can be undone: a warning stops counting, a restriction, suspension or removal is lifted (contracts a removal ended stay ended), a contract's protection is restored, a rejected message is delivered.",
        params: z.object({ id: Id }),
        body: z.object({ decision: z.enum(["upheld", "overturned"]), reason: Reason }).strict(),
        response: { 200: AppealSchema, ...errors },
      },
    },
    async (request, reply) => {
      const agent = agentActing(request.caller.actingAs);
      if (agent === null)
        return fail(
          reply,
          "not_allowed_for_actor",
          "an agent or admin decides appeals (name one with Leakguard-Act-As)",
        );
      const done = await decideAppeal(
        db,
        request.params.id,
        agent.id,
        request.body.decision,
        request.body.reason,
        now(),
      );
      if (!done.ok) return fail(reply, done.code, done.message);
      return appealJson(done.value);
    },
  );
}
