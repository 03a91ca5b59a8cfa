import type { Actor, Currency, Milestone, MilestoneAction } from "@leakguard/domain";
import { minor } from "@leakguard/domain";
import { actOnMilestone, createFixedPriceContract, getMilestone } from "@leakguard/store";
import { z } from "zod";
import { createOnce, openingClient } from "./create-once.js";
import {
  actorFor,
  CurrencyCode,
  creationId,
  errors,
  fail,
  Id,
  IdempotencyKey,
  idempotencyKeyOf,
  MinorUnits,
  PositiveMinorUnits,
  type RouteDeps,
  type ZodApp,
} from "./http.js";

const MilestoneSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  freelancerId: z.string(),
  amount: z.string().describe("minor units"),
  currency: z.string(),
  status: z.string(),
  fundedAt: z.string().optional(),
  submittedAt: z.string().optional(),
  refundRequestedAt: z.string().optional(),
  dispute: z
    .object({ by: z.enum(["client", "freelancer"]), openedAt: z.string(), answeredAt: z.string().optional() })
    .optional(),
});

function milestoneJson(m: Milestone): z.infer<typeof MilestoneSchema> {
  return {
    id: m.id,
    clientId: m.clientId,
    freelancerId: m.freelancerId,
    amount: m.amount.toString(),
    currency: m.currency,
    status: m.status,
    ...(m.fundedAt ? { fundedAt: m.fundedAt.toISOString() } : {}),
    ...(m.submittedAt ? { submittedAt: m.submittedAt.toISOString() } : {}),
    ...(m.refundRequestedAt ? { refundRequestedAt: m.refundRequestedAt.toISOString() } : {}),
    ...(m.dispute
      ? {
          dispute: {
            by: m.dispute.by,
            openedAt: m.dispute.openedAt.toISOString(),
            ...(m.dispute.answeredAt ? { answeredAt: m.dispute.answeredAt.toISOString() } : {}),
          },
        }
      : {}),
  };
}

/** The actions a party takes on a milestone, by URL segment. */
const ACTIONS = [
  "fund",
  "submit",
  "approve",
  "request-changes",
  "request-refund",
  "answer-refund",
  "dispute",
  "answer-dispute",
  "resolve",
] as const;

export function milestoneRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, config } = deps;

  r.post(
    "/contracts/fixed-price",
    {
      schema: {
        summary: "Create a fixed-price contract with its milestones, unfunded (acting as the client)",
        description:
          "With an `Idempotency-Key`, a retry answers with the same contract instead of opening a second; the same key for other terms is `idempotency_key_reused`.",
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
        body: z.object({
          freelancerId: Id,
          currency: CurrencyCode,
          milestones: z
            .array(z.object({ amount: PositiveMinorUnits }))
            .min(1)
            .max(50),
        }),
        response: {
          201: z.object({ id: z.string(), milestones: z.array(MilestoneSchema) }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const opening = await openingClient(db, request.caller.actingAs, request.body.freelancerId, now());
      if (!opening.ok) return fail(reply, opening.code, opening.message);
      const client = opening.client;
      const id = creationId("ctr", client.id, request.headers["idempotency-key"]);
      const milestones = request.body.milestones.map((m, i) => ({
        id: `${id}_m${String(i + 1).padStart(2, "0")}`,
        amount: BigInt(m.amount),
      }));
      const currency = request.body.currency as Currency;
      const terms = await createOnce(db, id, () =>
        createFixedPriceContract(
          db,
          { id, clientId: client.id, freelancerId: request.body.freelancerId, currency },
          milestones,
        ),
      );
      const same =
        terms?.kind === "fixed_price" &&
        terms.freelancerId === request.body.freelancerId &&
        terms.currency === currency &&
        terms.milestones.length === milestones.length &&
        terms.milestones.every((m, i) => m.id === milestones[i]?.id && m.amount === milestones[i]?.amount);
      if (!same)
        return fail(reply, "idempotency_key_reused", "this Idempotency-Key created another contract");
      return reply.code(201).send({
        id,
        milestones: milestones.map((m) =>
          milestoneJson({
            id: m.id,
            clientId: client.id,
            freelancerId: request.body.freelancerId,
            amount: minor(m.amount),
            currency,
            status: "unfunded",
          }),
        ),
      });
    },
  );

  r.get(
    "/milestones/:id",
    {
      schema: {
        summary: "Read a milestone (its two sides, agents, admins)",
        params: z.object({ id: Id }),
        response: { 200: MilestoneSchema, ...errors },
      },
    },
    async (request, reply) => {
      const m = await getMilestone(db, request.params.id);
      if (m === null || actorFor(request.caller.actingAs, m) === null)
        return fail(reply, "milestone_not_found", `no milestone ${request.params.id} you can see`);
      return milestoneJson(m);
    },
  );

  r.post(
    "/milestones/:id/:action",
    {
      schema: {
        summary:
          "Act on a milestone: fund, submit, approve, request changes or a refund, answer, dispute, resolve",
        description:
          "Moves money, so it takes an `Idempotency-Key` header: the same key with the same request returns the first answer; with another request, `idempotency_key_reused`. `answer-refund` takes `{accept}`; `resolve` (agents) takes `{toFreelancer}` in minor units.",
        params: z.object({ id: Id, action: z.enum(ACTIONS) }),
        headers: z.object({ "idempotency-key": IdempotencyKey }),
        body: z
          .object({ accept: z.boolean().optional(), toFreelancer: MinorUnits.optional() })
          .strict()
          // No body at all is fine for the actions that need none.
          .nullish(),
        response: { 200: MilestoneSchema, ...errors },
      },
    },
    async (request, reply) => {
      const m = await getMilestone(db, request.params.id);
      const by = m === null ? null : actorFor(request.caller.actingAs, m);
      // Another client's or freelancer's milestone is not theirs to see, let alone act on.
      if (m === null || by === null)
        return fail(reply, "milestone_not_found", `no milestone ${request.params.id} you can act on`);
      const body = request.body ?? {};
      const action = toAction(request.params.action, by, body);
      if (typeof action === "string") return fail(reply, "invalid_request", action);
      const result = await actOnMilestone(
        db,
        m.id,
        action,
        now(),
        idempotencyKeyOf("milestone", request.caller.actingAs, request.headers["idempotency-key"]),
        config,
      );
      if (!result.ok) return fail(reply, result.code, result.message);
      return milestoneJson(result.value);
    },
  );
}

function toAction(
  segment: (typeof ACTIONS)[number],
  by: Actor,
  body: { accept?: boolean | undefined; toFreelancer?: string | undefined },
): MilestoneAction | string {
  switch (segment) {
    case "fund":
      return { type: "fund", by };
    case "submit":
      return { type: "submit", by };
    case "approve":
      return { type: "approve", by };
    case "request-changes":
      return { type: "request_changes", by };
    case "request-refund":
      return { type: "request_refund", by };
    case "answer-refund":
      return body.accept === undefined
        ? 'answer-refund takes {"accept": true|false}'
        : { type: "answer_refund", by, accept: body.accept };
    case "dispute":
      return { type: "dispute", by };
    case "answer-dispute":
      return { type: "answer_dispute", by };
    case "resolve":
      return body.toFreelancer === undefined
        ? 'resolve takes {"toFreelancer": "<minor units>"}'
        : { type: "resolve", by, toFreelancer: minor(BigInt(body.toFreelancer)) };
  }
}
