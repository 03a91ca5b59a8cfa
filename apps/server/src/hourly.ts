import type { Currency } from "@leakguard/domain";
import { contractSides, createHourlyContract, logSegment } from "@leakguard/store";
import { z } from "zod";
import { createOnce, openingClient } from "./create-once.js";
import {
  actorFor,
  CurrencyCode,
  creationId,
  errors,
  fail,
  HourlyRate,
  Id,
  IdempotencyKey,
  IsoInstant,
  type RouteDeps,
  type ZodApp,
} from "./http.js";

export function hourlyRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, config } = deps;

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
          currency: CurrencyCode,
          hourlyRate: HourlyRate,
          weeklyLimitHours: z.number().int().min(1).max(168),
        }),
        response: { 201: z.object({ id: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const opening = await openingClient(db, request.caller.actingAs, request.body.freelancerId, now());
      if (!opening.ok) return fail(reply, opening.code, opening.message);
      const client = opening.client;
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
          start: IsoInstant.describe("the segment's start, on a 10-minute boundary"),
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
      const logged = await logSegment(
        db,
        request.params.id,
        { start: new Date(start), ...rest },
        now(),
        config,
      );
      if (!logged.ok) return fail(reply, logged.code, logged.message);
      return logged.value;
    },
  );
}
