import { type Account, hasScope } from "@leakguard/domain";
import {
  type Case,
  caseCounts,
  claimCase,
  getCase,
  linkedAccounts,
  listCases,
  riskNow,
  signalEventsOf,
} from "@leakguard/store";
import { z } from "zod";
import { errors, fail, Id, type RouteDeps, type ZodApp } from "./http.js";
import { LinkedAccountSchema } from "./risk.js";

const CaseSchema = z.object({
  id: z.string(),
  subjectId: z.string(),
  status: z.enum(["open", "closed"]),
  openedAt: z.string(),
  openedBecause: z.enum(["held_message", "report", "risk_threshold"]),
  priority: z.number().describe("0-100: the subject's highest risk since the case opened"),
  updatedAt: z.string(),
  assigneeId: z.string().optional(),
  claimedAt: z.string().optional(),
});

function caseJson(c: Case): z.infer<typeof CaseSchema> {
  return {
    id: c.id,
    subjectId: c.subjectId,
    status: c.status,
    openedAt: c.openedAt.toISOString(),
    openedBecause: c.openedBecause,
    priority: c.priority,
    updatedAt: c.updatedAt.toISOString(),
    ...(c.assigneeId === undefined ? {} : { assigneeId: c.assigneeId }),
    ...(c.claimedAt === undefined ? {} : { claimedAt: c.claimedAt.toISOString() }),
  };
}

export function caseRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;
  const agentOf = (acting: Account | null): Account | null =>
    acting !== null && hasScope(acting, "handle_cases") ? acting : null;

  r.get(
    "/cases",
    {
      schema: {
        summary: "The case queue (agents, admins): open cases by default, highest priority first",
        querystring: z.object({
          status: z.enum(["open", "closed"]).optional(),
          assignee: z.string().max(64).optional().describe('an agent id, "me", or "none" for unclaimed'),
          sort: z.enum(["priority", "age"]).optional(),
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
      const agent = agentOf(request.caller.actingAs);
      if (agent === null) return fail(reply, "forbidden", "the case queue is for agents and admins");
      const q = request.query;
      const assignee = q.assignee === "me" ? agent.id : q.assignee;
      const cases = await listCases(db, {
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(assignee === undefined ? {} : { assignee }),
        ...(q.sort === undefined ? {} : { sort: q.sort }),
      });
      return { cases: cases.map(caseJson), counts: await caseCounts(db) };
    },
  );

  r.get(
    "/cases/:id",
    {
      schema: {
        summary:
          "A case with its subject's risk, the signals behind it and the linked accounts (agents, admins)",
        params: z.object({ id: Id }),
        response: {
          200: CaseSchema.extend({
            risk: z.object({
              score: z.number(),
              top: z.array(
                z.object({
                  signal: z.string(),
                  points: z.number(),
                  occurrences: z.number(),
                  explanation: z.string(),
                }),
              ),
            }),
            signals: z.array(
              z.object({ signal: z.string(), at: z.string(), messageId: z.string().optional() }),
            ),
            linked: z.array(LinkedAccountSchema),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (agentOf(request.caller.actingAs) === null)
        return fail(reply, "forbidden", "cases are for agents and admins");
      const c = await getCase(db, request.params.id);
      if (c === null) return fail(reply, "case_not_found", `no case ${request.params.id}`);
      const signals = await signalEventsOf(db, { accountId: c.subjectId });
      return {
        ...caseJson(c),
        risk: await riskNow(db, c.subjectId, now(), 5),
        signals: signals.map((s) => ({
          signal: s.signal,
          at: s.at.toISOString(),
          ...(s.messageId === undefined ? {} : { messageId: s.messageId }),
        })),
        linked: await linkedAccounts(db, c.subjectId),
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
      const agent = agentOf(request.caller.actingAs);
      if (agent === null)
        return fail(
          reply,
          "not_allowed_for_actor",
          "an agent or admin claims cases (name one with Leakguard-Act-As)",
        );
      const done = await claimCase(db, request.params.id, agent.id, request.params.claim === "claim", now());
      if (!done.ok) return fail(reply, done.code, done.message);
      return caseJson(done.value);
    },
  );
}
