import { inOffPlatformWindow, offPlatformWindowEnd } from "@leakguard/domain";
import { balancesOf, conversionFeeFor, getRelationship, payConversionFee } from "@leakguard/store";
import { z } from "zod";
import {
  actorFor,
  errors,
  fail,
  Id,
  IdempotencyKey,
  idempotencyKeyOf,
  mayReadAccount,
  type RouteDeps,
  type ZodApp,
} from "./http.js";

const RelationshipSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  freelancerId: z.string(),
  identifiedAt: z.string(),
  offPlatformWindowEndsAt: z.string().describe("until then, paying outside the platform breaks the policy"),
  offPlatformWindowMonths: z
    .number()
    .int()
    .describe("how long the window lasts from first contact, in months (the marketplace's setting)"),
  converted: z.boolean().describe("the conversion fee is paid: the pair may work and pay outside"),
  offPlatformPaymentAllowed: z
    .boolean()
    .describe(
      "whether the policy lets this pair pay outside now: after converting, or once the window has ended",
    ),
  conversionFee: z
    .union([
      z.object({ amount: z.string().describe("minor units"), currency: z.literal("USD") }),
      z.object({
        unavailable: z.string().describe("why the fee cannot be priced now, and what to configure"),
      }),
    ])
    .describe("the fee to take the pair off the platform now, from its highest hourly rate in USD"),
});

export function relationshipRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, config } = deps;

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
      const fee = await conversionFeeFor(db, pair, now(), config);
      return {
        id: pair.id,
        clientId: pair.clientId,
        freelancerId: pair.freelancerId,
        identifiedAt: pair.identifiedAt.toISOString(),
        offPlatformWindowEndsAt: offPlatformWindowEnd(pair.identifiedAt, config).toISOString(),
        offPlatformWindowMonths: config.relationship.offPlatformWindowMonths,
        converted: pair.conversionPaidAt !== undefined,
        offPlatformPaymentAllowed: !inOffPlatformWindow(pair, now(), config),
        conversionFee: fee.ok
          ? { amount: fee.value.toString(), currency: "USD" as const }
          : { unavailable: fee.message },
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
          "Moves money, so it takes an `Idempotency-Key`: the same key answers as the first time. Paid once per pair, whatever the key: paying again with another key moves nothing and answers with the fee paid and `alreadyPaid: true`. A pair with an hourly contract in a currency with no configured rate to USD gets `exchange_rate_missing`.",
        params: z.object({ id: Id }),
        headers: z.object({ "idempotency-key": IdempotencyKey }),
        response: {
          200: z.object({
            amount: z.string(),
            currency: z.literal("USD"),
            paidAt: z.string(),
            alreadyPaid: z.boolean(),
          }),
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
      const paid = await payConversionFee(
        db,
        pair.id,
        now(),
        idempotencyKeyOf("conversion", request.caller.actingAs, request.headers["idempotency-key"]),
        config,
      );
      if (!paid.ok) return fail(reply, paid.code, paid.message);
      return {
        amount: paid.value.feeMinor.toString(),
        currency: "USD" as const,
        paidAt: paid.value.paidAt.toISOString(),
        alreadyPaid: paid.value.alreadyPaid,
      };
    },
  );

  r.get(
    "/accounts/:id/balances",
    {
      schema: {
        summary:
          "A user's money per currency: in escrow for their contracts (either side), pending (released, waiting out the pending period) and available",
        params: z.object({ id: Id }),
        response: {
          200: z.object({
            balances: z.array(
              z.object({
                currency: z.string(),
                inEscrow: z.string().describe("funded milestones and charged invoices not yet settled"),
                pending: z.string(),
                available: z.string(),
              }),
            ),
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
          inEscrow: b.inEscrow.toString(),
          pending: b.pending.toString(),
          available: b.available.toString(),
        })),
      };
    },
  );
}
