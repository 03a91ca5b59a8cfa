import { weekStart } from "@leakguard/domain";
import {
  type ContractTerms,
  contractSides,
  contractsOf,
  contractTerms,
  endContract,
  relationshipsOf,
  segmentsOf,
} from "@leakguard/store";
import { z } from "zod";
import {
  actorFor,
  errors,
  fail,
  Id,
  IdempotencyKey,
  IsoDay,
  idempotencyKeyOf,
  mayReadAccount,
  type RouteDeps,
  type ZodApp,
} from "./http.js";

export const ContractSchema = z.object({
  id: z.string(),
  kind: z.enum(["fixed_price", "hourly"]),
  clientId: z.string(),
  freelancerId: z.string(),
  currency: z.string(),
  milestones: z
    .array(z.object({ id: z.string(), amount: z.string().describe("minor units"), status: z.string() }))
    .describe(
      "fixed price: each milestone and where it stands (GET /v1/milestones/{id} for the whole of one)",
    ),
  hourlyRate: z.string().optional().describe("hourly: minor units per hour"),
  weeklyLimitHours: z.number().optional(),
  endedAt: z.string().optional().describe("when the contract ended; absent while it runs"),
  endedBecause: z
    .string()
    .optional()
    .describe("why it ended: `ended_by_party` (POST /v1/contracts/{id}/end) or `account_removed`"),
});

export function contractJson(c: ContractTerms): z.infer<typeof ContractSchema> {
  return {
    id: c.id,
    kind: c.kind,
    clientId: c.clientId,
    freelancerId: c.freelancerId,
    currency: c.currency,
    milestones: c.milestones.map((m) => ({ id: m.id, amount: m.amount.toString(), status: m.status })),
    ...(c.hourlyRate === undefined ? {} : { hourlyRate: c.hourlyRate.toString() }),
    ...(c.weeklyLimitHours === undefined ? {} : { weeklyLimitHours: c.weeklyLimitHours }),
    ...(c.endedAt === undefined ? {} : { endedAt: c.endedAt.toISOString() }),
    ...(c.endedBecause === undefined ? {} : { endedBecause: c.endedBecause }),
  };
}

const RelationshipSummary = z.object({
  id: z.string(),
  clientId: z.string(),
  freelancerId: z.string(),
  identifiedAt: z.string(),
  converted: z.boolean(),
});

/** Reading what an account is part of (its pairs, its contracts, a contract, an hourly week's time), and ending a contract. */
export function contractRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;

  r.get(
    "/accounts/:id/relationships",
    {
      schema: {
        summary: "The pairs an account is in, newest first (the account itself, agents, admins)",
        params: z.object({ id: Id }),
        response: { 200: z.object({ relationships: z.array(RelationshipSummary) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!mayReadAccount(request.caller.actingAs, request.params.id))
        return fail(reply, "forbidden", "a user sees only their own relationships");
      const pairs = await relationshipsOf(db, request.params.id);
      return {
        relationships: pairs.map((p) => ({
          id: p.id,
          clientId: p.clientId,
          freelancerId: p.freelancerId,
          identifiedAt: p.identifiedAt.toISOString(),
          converted: p.conversionPaidAt !== undefined,
        })),
      };
    },
  );

  r.get(
    "/accounts/:id/contracts",
    {
      schema: {
        summary:
          "The contracts an account is on, either side, newest first (the account itself, agents, admins)",
        params: z.object({ id: Id }),
        response: { 200: z.object({ contracts: z.array(ContractSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!mayReadAccount(request.caller.actingAs, request.params.id))
        return fail(reply, "forbidden", "a user sees only their own contracts");
      return { contracts: (await contractsOf(db, request.params.id)).map(contractJson) };
    },
  );

  r.get(
    "/contracts/:id",
    {
      schema: {
        summary: "A contract's terms and milestones (its two sides, agents, admins)",
        params: z.object({ id: Id }),
        response: { 200: ContractSchema, ...errors },
      },
    },
    async (request, reply) => {
      const terms = await contractTerms(db, request.params.id);
      if (terms === null || actorFor(request.caller.actingAs, terms) === null)
        return fail(reply, "contract_not_found", `no contract ${request.params.id} you can see`);
      return contractJson(terms);
    },
  );

  r.post(
    "/contracts/:id/end",
    {
      schema: {
        summary: "End a contract (either side, agents, admins)",
        description:
          "A fixed-price contract ends only when no milestone holds escrow (`escrow_held`: approve, request a refund, or dispute first); an hourly one at any time, its time logged so far still invoiced and no time logged from the end on. An ended contract takes no new work; ending it again is `contract_ended`. With an `Idempotency-Key`, a retry answers as the first time.",
        params: z.object({ id: Id }),
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
        body: z.object({
          reason: z.string().max(2_000).describe("why, in a few words (3 characters or more)"),
        }),
        response: { 200: ContractSchema, ...errors },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      // Someone else's contract is not theirs to see, let alone end: the same 404 as a missing one.
      if (sides === null || actorFor(request.caller.actingAs, sides) === null)
        return fail(reply, "contract_not_found", `no contract ${request.params.id} you can end`);
      const key = request.headers["idempotency-key"];
      const ended = await endContract(
        db,
        request.params.id,
        request.caller.actingAs?.id ?? null,
        request.body.reason,
        now(),
        key === undefined ? undefined : idempotencyKeyOf("contract-end", request.caller.actingAs, key),
        deps.config.trust.signals,
      );
      if (!ended.ok) return fail(reply, ended.code, ended.message);
      const terms = await contractTerms(db, request.params.id);
      if (terms === null) throw new Error(`contract ${request.params.id} could not be read back`);
      return contractJson(terms);
    },
  );

  r.get(
    "/contracts/:id/time",
    {
      schema: {
        summary: "An hourly contract's logged segments in one billing week (its two sides, agents, admins)",
        params: z.object({ id: Id }),
        querystring: z.object({
          week: IsoDay.describe(
            "any day of the billing week, YYYY-MM-DD; the week runs Monday to Sunday, UTC",
          ),
        }),
        response: {
          200: z.object({
            weekStart: z.string(),
            segments: z.array(
              z.object({ start: z.string(), tracked: z.boolean(), memo: z.string(), activity: z.number() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      if (sides === null || sides.kind !== "hourly" || actorFor(request.caller.actingAs, sides) === null)
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id} you can see`);
      const from = weekStart(new Date(`${request.query.week}T00:00:00Z`));
      const to = new Date(from.getTime() + 7 * 86_400_000);
      const segments = await segmentsOf(db, request.params.id, from, to);
      return {
        weekStart: from.toISOString(),
        segments: segments.map((s) => ({ ...s, start: s.start.toISOString() })),
      };
    },
  );
}
