import {
  actionsOfCase,
  auditLogOf,
  type Case,
  caseCounts,
  claimCase,
  clarificationsOf,
  contractsOf,
  contractTrust,
  flaggedMessagesOf,
  getCase,
  linkedAccounts,
  listAppeals,
  listCases,
  moneyEventsOf,
  riskNow,
  signalEventsOf,
  urgencyOf,
} from "@leakguard/store";
import { z } from "zod";
import { ContractSchema, contractJson } from "./contracts.js";
import {
  ActionSchema,
  AppealSchema,
  AuditSchema,
  actionJson,
  appealJson,
  auditJson,
  ClarificationSchema,
  clarificationJson,
} from "./enforcement.js";
import { agentActing, errors, fail, Id, type RouteDeps, type ZodApp } from "./http.js";
import { endpointOf, MessageSchema, presentMessages, readerOf } from "./messages.js";
import { LinkedAccountSchema, RiskSchema } from "./risk.js";

/** Milestone states whose money sits in escrow. */
const ESCROWED: ReadonlySet<string> = new Set(["funded", "submitted", "refund_requested", "disputed"]);

export const CaseSchema = z.object({
  id: z.string(),
  subjectId: z.string(),
  status: z
    .enum(["open", "waiting", "closed"])
    .describe("waiting: on the subject's answer to a clarification"),
  openedAt: z.string(),
  openedBecause: z.enum(["held_message", "report", "risk_threshold"]),
  priority: z.number().describe("0-100: the subject's highest risk since the case opened"),
  urgency: z
    .number()
    .describe("0-100: the priority plus a point for every 6 hours open (at most 20); the queue's order"),
  updatedAt: z.string(),
  assigneeId: z.string().optional(),
  claimedAt: z.string().optional(),
  closedAt: z.string().optional(),
  resolution: z.string().optional().describe("the action that closed it"),
});

export function caseJson(c: Case, now: Date): z.infer<typeof CaseSchema> {
  return {
    id: c.id,
    subjectId: c.subjectId,
    status: c.status,
    openedAt: c.openedAt.toISOString(),
    openedBecause: c.openedBecause,
    priority: c.priority,
    urgency: urgencyOf(c, now),
    updatedAt: c.updatedAt.toISOString(),
    ...(c.assigneeId === undefined ? {} : { assigneeId: c.assigneeId }),
    ...(c.claimedAt === undefined ? {} : { claimedAt: c.claimedAt.toISOString() }),
    ...(c.closedAt === undefined ? {} : { closedAt: c.closedAt.toISOString() }),
    ...(c.resolution === undefined ? {} : { resolution: c.resolution }),
  };
}

export function caseRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;

  r.get(
    "/cases",
    {
      schema: {
        summary: "The case queue (agents, admins): open cases by default, highest priority first",
        querystring: z.object({
          status: z.enum(["open", "waiting", "closed"]).optional(),
          assignee: z.string().max(64).optional().describe('an agent id, "me", or "none" for unclaimed'),
          sort: z.enum(["priority", "age"]).optional(),
          minPriority: z.coerce
            .number()
            .int()
            .min(0)
            .max(100)
            .optional()
            .describe("only cases whose priority (the subject's risk, 0-100) is at least this"),
          openedBecause: z
            .enum(["held_message", "report", "risk_threshold"])
            .optional()
            .describe("only cases opened for this reason"),
          rule: z
            .enum(["P1", "P2", "C1", "C2"])
            .optional()
            .describe(
              "only cases whose subject sent a message flagged by this rule (from 30 days before the case opened)",
            ),
        }),
        response: {
          200: z.object({
            cases: z.array(CaseSchema),
            counts: z.object({ open: z.number(), unclaimed: z.number() }),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const agent = agentActing(request.caller.actingAs);
      if (agent === null) return fail(reply, "forbidden", "the case queue is for agents and admins");
      const q = request.query;
      const assignee = q.assignee === "me" ? agent.id : q.assignee;
      const at = now();
      const cases = await listCases(db, at, {
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(assignee === undefined ? {} : { assignee }),
        ...(q.sort === undefined ? {} : { sort: q.sort }),
        ...(q.minPriority === undefined ? {} : { minPriority: q.minPriority }),
        ...(q.openedBecause === undefined ? {} : { openedBecause: q.openedBecause }),
        ...(q.rule === undefined ? {} : { rule: q.rule }),
      });
      return { cases: cases.map((c) => caseJson(c, at)), counts: await caseCounts(db) };
    },
  );

  r.get(
    "/cases/:id",
    {
      schema: {
        summary: "A case and its evidence (agents, admins)",
        description:
          "The subject's risk and the signals behind it; their flagged messages with the detected spans, original and shown side by side; their contracts with the money in escrow and each contract's protection; the linked accounts; the actions taken, clarifications and appeals; and a timeline of everything recorded about the subject (verdicts, signals, reports, actions, decisions, status changes), oldest first.",
        params: z.object({ id: Id }),
        response: {
          200: CaseSchema.extend({
            risk: RiskSchema,
            signals: z.array(
              z.object({
                signal: z.string(),
                at: z.string(),
                weight: z.number(),
                messageId: z.string().optional(),
              }),
            ),
            linked: z.array(LinkedAccountSchema),
            messages: z
              .array(MessageSchema)
              .describe("the subject's messages the engine flagged, newest first"),
            contracts: z.array(
              ContractSchema.extend({
                inEscrow: z.string().describe("minor units held in escrow on this contract now"),
                protectionVoid: z.boolean(),
                ended: z.boolean(),
                releasesFrozen: z.boolean().describe("a party is suspended: no release but an agent's"),
                releasesWait: z
                  .boolean()
                  .describe("automatic releases wait (frozen, or under investigation)"),
              }),
            ),
            actions: z.array(ActionSchema),
            clarifications: z.array(ClarificationSchema),
            appeals: z.array(AppealSchema),
            timeline: z.array(AuditSchema),
            money: z
              .array(
                z.object({
                  transferId: z.string(),
                  from: z.string(),
                  to: z.string(),
                  amount: z.string().describe("minor units"),
                  currency: z.string(),
                  at: z.string(),
                }),
              )
              .describe(
                "every transfer on the subject's contracts (escrow funded, released, refunded; invoices)",
              ),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (agentActing(request.caller.actingAs) === null)
        return fail(reply, "forbidden", "cases are for agents and admins");
      const c = await getCase(db, request.params.id);
      if (c === null) return fail(reply, "case_not_found", `no case ${request.params.id}`);
      const at = now();
      const [signals, risk, linked, flagged, contracts, actions, clarifications, appeals, timeline] =
        await Promise.all([
          signalEventsOf(db, { accountId: c.subjectId }),
          riskNow(db, c.subjectId, at, 5, deps.config.trust.signals),
          linkedAccounts(db, c.subjectId),
          flaggedMessagesOf(db, c.subjectId),
          contractsOf(db, c.subjectId),
          actionsOfCase(db, c.id),
          clarificationsOf(db, { caseId: c.id }),
          listAppeals(db, { appellantId: c.subjectId }),
          auditLogOf(db, { subjectId: c.subjectId }),
        ]);
      return {
        ...caseJson(c, at),
        risk: { ...risk, computedAt: at.toISOString() },
        signals: signals.map((s) => ({
          signal: s.signal,
          at: s.at.toISOString(),
          weight: s.weight,
          ...(s.messageId === undefined ? {} : { messageId: s.messageId }),
        })),
        linked,
        messages: await presentMessages(
          db,
          await readerOf(db, request.caller),
          flagged,
          endpointOf(request),
          at,
          c.id,
        ),
        contracts: await Promise.all(
          contracts.map(async (k) => {
            const trust = await contractTrust(db, k.id);
            return {
              ...contractJson(k),
              inEscrow: k.milestones
                .filter((m) => ESCROWED.has(m.status))
                .reduce((sum, m) => sum + m.amount, 0n)
                .toString(),
              protectionVoid: trust.protectionVoid,
              ended: trust.ended,
              releasesFrozen: trust.frozen,
              releasesWait: trust.releasesWait,
            };
          }),
        ),
        actions: actions.map(actionJson),
        clarifications: clarifications.map(clarificationJson),
        appeals: appeals.filter((a) => actions.some((x) => x.id === a.actionId)).map(appealJson),
        timeline: timeline.map(auditJson),
        money: (
          await moneyEventsOf(
            db,
            contracts.map((k) => k.id),
          )
        ).map((m) => ({
          ...m,
          amount: m.amount.toString(),
          at: m.at.toISOString(),
        })),
      };
    },
  );

  r.post(
    "/cases/:id/:claim",
    {
      schema: {
        summary: "Claim a case (it is then locked to you) or release your claim (agents, admins)",
        params: z.object({ id: Id, claim: z.enum(["claim", "release"]) }),
        response: { 200: CaseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const agent = agentActing(request.caller.actingAs);
      if (agent === null)
        return fail(
          reply,
          "not_allowed_for_actor",
          "an agent or admin claims cases (name one with Leakguard-Act-As)",
        );
      const done = await claimCase(db, request.params.id, agent.id, request.params.claim === "claim", now());
      if (!done.ok) return fail(reply, done.code, done.message);
      return caseJson(done.value, now());
    },
  );
}
