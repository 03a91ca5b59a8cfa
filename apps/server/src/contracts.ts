import { weekStart } from "@leakguard/domain";
import {
  type ContractTerms,
  contractSides,
  contractsOf,
  contractTerms,
  relationshipsOf,
  segmentsOf,
} from "@leakguard/store";
import { z } from "zod";
import { actorFor, errors, fail, Id, mayReadAccount, type RouteDeps, type ZodApp } from "./http.js";

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
  };
}

const RelationshipSummary = z.object({
  id: z.string(),
  clientId: z.string(),
  freelancerId: z.string(),
  identifiedAt: z.string(),
  converted: z.boolean(),
});

/** Reading what an account is part of: its pairs, its contracts, a contract, an hourly week's time. */
export function contractRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db } = deps;

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

  r.get(
    "/contracts/:id/time",
    {
      schema: {
        summary: "An hourly contract's logged segments in one billing week (its two sides, agents, admins)",
        params: z.object({ id: Id }),
        querystring: z.object({
          week: z.iso
            .date()
            .describe("any day of the billing week, YYYY-MM-DD; the week runs Monday to Sunday, UTC"),
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
