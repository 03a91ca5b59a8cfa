import type { Currency, InvoiceDispute } from "@leakguard/domain";
import {
  actOnInvoiceDispute,
  contractSides,
  createHourlyContract,
  type Db,
  invoicesOf,
  logSegment,
} from "@leakguard/store";
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
  PositiveMinorUnits,
  type ZodApp,
} from "./http.js";

const DisputeSchema = z.object({
  openedAt: z.string(),
  answerBy: z.string().describe("the freelancer answers by then; silence lapses in the client's favour"),
  outcome: z.enum(["accepted", "contested", "lapsed"]).optional(),
  closedAt: z.string().optional(),
});

function disputeJson(d: InvoiceDispute): z.infer<typeof DisputeSchema> {
  return {
    openedAt: d.openedAt.toISOString(),
    answerBy: d.answerBy.toISOString(),
    ...(d.outcome === undefined ? {} : { outcome: d.outcome }),
    ...(d.closedAt === undefined ? {} : { closedAt: d.closedAt.toISOString() }),
  };
}

/** A billing week by its Monday, "2026-11-16". */
const Week = z.iso.date().describe("the billing week's Monday, YYYY-MM-DD");

const InvoiceSchema = z.object({
  weekStart: z.string(),
  issuedAt: z.string(),
  disputeUntil: z.string(),
  billed: z.string().describe("minor units"),
  protected: z.string().describe("minor units covered by Hourly Protection"),
  unprotected: z
    .record(z.string(), z.object({ segments: z.number(), amount: z.string() }))
    .describe("why the rest is not protected: per reason, its segments and amount"),
  dispute: DisputeSchema.optional(),
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
          currency: CurrencyCode,
          hourlyRate: PositiveMinorUnits.describe("minor units per hour"),
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
          ...(i.dispute === undefined ? {} : { dispute: disputeJson(i.dispute) }),
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

  r.post(
    "/contracts/:id/invoices/:week/dispute",
    {
      schema: {
        summary:
          "Dispute a weekly invoice (the client, until the Friday after issue) or answer it (the freelancer, `{accept}`)",
        params: z.object({ id: Id, week: Week }),
        body: z.object({ accept: z.boolean().optional() }).strict().nullish(),
        response: { 200: DisputeSchema, ...errors },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      const part = sides === null ? null : actorFor(request.caller.actingAs, sides);
      if (sides === null || sides.kind !== "hourly" || part === null)
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id} you can see`);
      const accept = request.body?.accept;
      // The client opens a dispute; the freelancer answers it with {accept}.
      if (part === "client" && accept !== undefined)
        return fail(
          reply,
          "invalid_request",
          "the client opens a dispute with no body; the freelancer answers with {accept}",
        );
      if (part === "freelancer" && accept === undefined)
        return fail(reply, "invalid_request", 'the freelancer answers with {"accept": true|false}');
      if (part !== "client" && part !== "freelancer")
        return fail(
          reply,
          "not_allowed_for_actor",
          "invoice disputes are between the contract's client and freelancer",
        );
      const act = part === "client" ? "open" : accept === true ? "accept" : "contest";
      const week = new Date(`${request.params.week}T00:00:00Z`);
      const result = await actOnInvoiceDispute(db, request.params.id, week, act, now());
      if (!result.ok) return fail(reply, result.code, result.message);
      return disputeJson(result.value);
    },
  );
}
