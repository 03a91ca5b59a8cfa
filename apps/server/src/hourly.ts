import type { Currency } from "@leakguard/domain";
import {
  contractSides,
  createHourlyContract,
  type Db,
  invoicesOf,
  logSegment,
  relationshipFor,
} from "@leakguard/store";
import { z } from "zod";
import { createOnce } from "./create-once.js";
import {
  actorFor,
  creationId,
  errors,
  fail,
  Id,
  IdempotencyKey,
  PositiveMinorUnits,
  type ZodApp,
} from "./http.js";

const InvoiceSchema = z.object({
  weekStart: z.string(),
  issuedAt: z.string(),
  disputeUntil: z.string(),
  billed: z.string().describe("minor units"),
  protected: z.string().describe("minor units covered by Hourly Protection"),
  unprotected: z
    .record(z.string(), z.object({ segments: z.number(), amount: z.string() }))
    .describe("why the rest is not protected: per reason, its segments and amount"),
});

export function hourlyRoutes(r: ZodApp, deps: { db: Db; now: () => Date }): void {
  const { db, now } = deps;

  r.post(
    "/contracts/hourly",
    {
      schema: {
        summary: "Create an hourly contract (acting as the client)",
        description:
          "With an `Idempotency-Key`, a retry answers with the same contract; the same key for other terms is `idempotency_key_reused`.",
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
        body: z.object({
          freelancerId: Id,
          currency: z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD"),
          hourlyRate: PositiveMinorUnits.describe("minor units per hour"),
          weeklyLimitHours: z.number().int().min(1).max(168),
        }),
        response: { 201: z.object({ id: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const client = request.caller.actingAs;
      if (client === null) return fail(reply, "invalid_request", "name the client in Leakguard-Act-As");
      if (client.role !== "client") return fail(reply, "forbidden", "only a client opens a contract");
      const pair = await relationshipFor(db, client.id, request.body.freelancerId, now());
      if (!pair.ok) return fail(reply, pair.code, pair.message);
      const id = creationId("ctr", client.id, request.headers["idempotency-key"]);
      const hourlyRate = BigInt(request.body.hourlyRate);
      const terms = await createOnce(db, id, () =>
        createHourlyContract(db, {
          id,
          clientId: client.id,
          freelancerId: request.body.freelancerId,
          currency: request.body.currency as Currency,
          hourlyRate,
          weeklyLimitHours: request.body.weeklyLimitHours,
        }),
      );
      const same =
        terms?.kind === "hourly" &&
        terms.freelancerId === request.body.freelancerId &&
        terms.currency === request.body.currency &&
        terms.hourlyRate === hourlyRate &&
        terms.weeklyLimitHours === request.body.weeklyLimitHours;
      if (!same)
        return fail(reply, "idempotency_key_reused", "this Idempotency-Key created another contract");
      return reply.code(201).send({ id });
    },
  );

  r.post(
    "/contracts/:id/time",
    {
      schema: {
        summary: "Log one 10-minute segment of time (acting as the freelancer)",
        description:
          "Naturally idempotent: a segment is keyed by its start, and logging it again changes nothing (`logged: false`).",
        params: z.object({ id: Id }),
        body: z.object({
          start: z.iso.datetime({ offset: true }).describe("the segment's start, on a 10-minute boundary"),
          tracked: z.boolean().describe("logged by the time tracker (true) or by hand (false)"),
          memo: z.string().max(2_000),
          activity: z.number().int().min(0).max(100),
        }),
        response: { 200: z.object({ logged: z.boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      if (sides === null || sides.kind !== "hourly" || actorFor(request.caller.actingAs, sides) === null)
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id} you can see`);
      if (request.caller.actingAs?.id !== sides.freelancerId)
        return fail(reply, "not_allowed_for_actor", "only the contract's freelancer logs time");
      const { start, ...rest } = request.body;
      const logged = await logSegment(db, request.params.id, { start: new Date(start), ...rest }, now());
      if (!logged.ok) return fail(reply, logged.code, logged.message);
      return logged.value;
    },
  );

  r.get(
    "/contracts/:id/invoices",
    {
      schema: {
        summary:
          "An hourly contract's weekly invoices, newest first, with what is protected and why the rest is not",
        params: z.object({ id: Id }),
        response: { 200: z.object({ invoices: z.array(InvoiceSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      if (sides === null || sides.kind !== "hourly" || actorFor(request.caller.actingAs, sides) === null)
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id} you can see`);
      const invoices = await invoicesOf(db, request.params.id);
      return {
        invoices: invoices.map((i) => ({
          weekStart: i.weekStart.toISOString(),
          issuedAt: i.issuedAt.toISOString(),
          disputeUntil: i.disputeUntil.toISOString(),
          billed: i.billedMinor.toString(),
          protected: i.protectedMinor.toString(),
          unprotected: Object.fromEntries(
            Object.entries(i.unprotected).map(([reason, v]) => [
              reason,
              { segments: v.segments, amount: v.amountMinor.toString() },
            ]),
          ),
        })),
      };
    },
  );
}
