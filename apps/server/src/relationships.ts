import { conversionFee, DEFAULT_CONFIG, minor, offPlatformWindowEnd } from "@leakguard/domain";
import { balancesOf, type Db, getRelationship, highestHourlyRate, payConversionFee } from "@leakguard/store";
import { z } from "zod";
import { actorFor, errors, fail, Id, IdempotencyKey, mayReadAccount, type ZodApp } from "./http.js";

const RelationshipSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  freelancerId: z.string(),
  identifiedAt: z.string(),
  offPlatformWindowEndsAt: z.string().describe("until then, paying outside the platform breaks the policy"),
  converted: z.boolean().describe("the conversion fee is paid: the pair may work and pay outside"),
  conversionFee: z.object({ amount: z.string().describe("minor units"), currency: z.literal("USD") }),
});

export function relationshipRoutes(r: ZodApp, deps: { db: Db; now: () => Date }): void {
  const { db, now } = deps;

  r.get(
    "/relationships/:id",
    {
      schema: {
        summary:
          "A client-freelancer pair: its off-platform window and the fee to take it off the platform now",
        params: z.object({ id: Id }),
        response: { 200: RelationshipSchema, ...errors },
      },
    },
    async (request, reply) => {
      const pair = await getRelationship(db, request.params.id);
      if (pair === null || actorFor(request.caller.actingAs, pair) === null)
        return fail(reply, "not_found", `no relationship ${request.params.id} you can see`);
      const rate = await highestHourlyRate(db, pair.clientId, pair.freelancerId);
      const fee = conversionFee(minor(rate), pair.identifiedAt, now(), DEFAULT_CONFIG);
      return {
        id: pair.id,
        clientId: pair.clientId,
        freelancerId: pair.freelancerId,
        identifiedAt: pair.identifiedAt.toISOString(),
        offPlatformWindowEndsAt: offPlatformWindowEnd(pair.identifiedAt, DEFAULT_CONFIG).toISOString(),
        converted: pair.conversionPaidAt !== undefined,
        conversionFee: { amount: fee.toString(), currency: "USD" as const },
      };
    },
  );

  r.post(
    "/relationships/:id/conversion-fee",
    {
      schema: {
        summary:
          "Pay the conversion fee (acting as the pair's client): the pair may then work and pay outside",
        description:
          "Paid once per pair, whatever the key: paying again moves nothing and answers `alreadyPaid: true`. An `Idempotency-Key` is accepted like on every money-moving call.",
        params: z.object({ id: Id }),
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
        response: {
          200: z.object({ amount: z.string(), currency: z.literal("USD"), alreadyPaid: z.boolean() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const pair = await getRelationship(db, request.params.id);
      const part = pair === null ? null : actorFor(request.caller.actingAs, pair);
      if (pair === null || part === null)
        return fail(reply, "not_found", `no relationship ${request.params.id} you can see`);
      if (part !== "client")
        return fail(reply, "not_allowed_for_actor", "the pair's client pays the conversion fee");
      const rate = await highestHourlyRate(db, pair.clientId, pair.freelancerId);
      const paid = await payConversionFee(db, pair.id, rate, now());
      if (!paid.ok) return fail(reply, paid.code, paid.message);
      return {
        amount: paid.value.feeMinor.toString(),
        currency: "USD" as const,
        alreadyPaid: paid.value.alreadyPaid,
      };
    },
  );

  r.get(
    "/accounts/:id/balances",
    {
      schema: {
        summary:
          "A user's money: pending (released, waiting out the pending period) and available, per currency",
        params: z.object({ id: Id }),
        response: {
          200: z.object({
            balances: z.array(z.object({ currency: z.string(), pending: z.string(), available: z.string() })),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const acting = request.caller.actingAs;
      if (!mayReadAccount(acting, request.params.id))
        return fail(reply, "forbidden", "a user sees only their own money");
      const balances = await balancesOf(db, request.params.id);
      return {
        balances: balances.map((b) => ({
          currency: b.currency,
          pending: b.pending.toString(),
          available: b.available.toString(),
        })),
      };
    },
  );
}
