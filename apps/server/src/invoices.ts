import { hasScope, minor } from "@leakguard/domain";
import {
  actOnInvoice,
  contractSides,
  type InvoiceAct,
  invoicesOf,
  type StoredInvoice,
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
  MinorUnits,
  type RouteDeps,
  type ZodApp,
} from "./http.js";

/** A billing week by its Monday, "2026-11-16". */
const Week = IsoDay.describe("the billing week's Monday, YYYY-MM-DD");

const DisputeSchema = z.object({
  openedAt: z.string(),
  answerBy: z.string().describe("the freelancer answers by then; silence lapses in the client's favour"),
  outcome: z.enum(["accepted", "contested", "lapsed"]).optional(),
  closedAt: z.string().optional(),
});

const SettlementSchema = z
  .object({
    kind: z
      .enum(["undisputed", "accepted", "lapsed", "resolved", "before_billing"])
      .describe(
        "undisputed: all paid to the freelancer; accepted: all refunded; lapsed: the unprotected part refunded; resolved: an agent's decision",
      ),
    settledAt: z.string(),
    refunded: z.string().describe("minor units back to the client"),
    released: z
      .string()
      .describe("minor units paid for the freelancer (their pending money and the platform fee)"),
    resolvedBy: z.string().optional(),
  })
  .describe("how the invoice's money was settled; absent while it is held");

const InvoiceSchema = z.object({
  weekStart: z.string(),
  issuedAt: z.string(),
  disputeUntil: z.string(),
  currency: z.string(),
  billed: z.string().describe("minor units, charged to the client when the invoice is issued"),
  protected: z
    .string()
    .describe("minor units covered by Hourly Protection: paid to the freelancer whatever is disputed"),
  unprotected: z
    .record(z.string(), z.object({ segments: z.number(), amount: z.string() }))
    .describe("why the rest is not protected: per reason, its segments and amount"),
  dispute: DisputeSchema.optional(),
  settlement: SettlementSchema.optional(),
});

function invoiceJson(i: StoredInvoice): z.infer<typeof InvoiceSchema> {
  const d = i.dispute;
  const s = i.settlement;
  return {
    weekStart: i.weekStart.toISOString(),
    issuedAt: i.issuedAt.toISOString(),
    disputeUntil: i.disputeUntil.toISOString(),
    currency: i.currency,
    billed: i.billedMinor.toString(),
    protected: i.protectedMinor.toString(),
    unprotected: Object.fromEntries(
      Object.entries(i.unprotected).map(([reason, v]) => [
        reason,
        { segments: v.segments, amount: v.amountMinor.toString() },
      ]),
    ),
    ...(d === undefined
      ? {}
      : {
          dispute: {
            openedAt: d.openedAt.toISOString(),
            answerBy: d.answerBy.toISOString(),
            ...(d.outcome === undefined ? {} : { outcome: d.outcome }),
            ...(d.closedAt === undefined ? {} : { closedAt: d.closedAt.toISOString() }),
          },
        }),
    ...(s === undefined
      ? {}
      : {
          settlement: {
            kind: s.kind,
            settledAt: s.settledAt.toISOString(),
            refunded: s.refundedMinor.toString(),
            released: (s.kind === "before_billing" ? 0n : i.billedMinor - s.refundedMinor).toString(),
            ...(s.resolvedBy === undefined ? {} : { resolvedBy: s.resolvedBy }),
          },
        }),
  };
}

export function invoiceRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, config } = deps;

  r.get(
    "/contracts/:id/invoices",
    {
      schema: {
        summary:
          "An hourly contract's weekly invoices, newest first, with what is protected, why the rest is not, and how each was settled",
        params: z.object({ id: Id }),
        response: { 200: z.object({ invoices: z.array(InvoiceSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      if (sides === null || sides.kind !== "hourly" || actorFor(request.caller.actingAs, sides) === null)
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id} you can see`);
      return { invoices: (await invoicesOf(db, request.params.id)).map(invoiceJson) };
    },
  );

  r.post(
    "/contracts/:id/invoices/:week/dispute",
    {
      schema: {
        summary:
          "Dispute a weekly invoice (the client, until the Friday after issue) or answer it (the freelancer, `{accept}`)",
        description:
          "Accepting refunds the client at once, so this takes an `Idempotency-Key`: the same key with the same request returns the first answer. A contested dispute goes to an agent (`resolve`); an unanswered one lapses after 3 days, refunding the unprotected part.",
        params: z.object({ id: Id, week: Week }),
        headers: z.object({ "idempotency-key": IdempotencyKey }),
        body: z.object({ accept: z.boolean().optional() }).strict().nullish(),
        response: { 200: InvoiceSchema, ...errors },
      },
    },
    async (request, reply) => {
      const sides = await contractSides(db, request.params.id);
      const part = sides === null ? null : actorFor(request.caller.actingAs, sides);
      if (sides === null || sides.kind !== "hourly" || part === null)
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id} you can see`);
      if (part !== "client" && part !== "freelancer")
        return fail(
          reply,
          "not_allowed_for_actor",
          "invoice disputes are between the contract's client and freelancer; agents decide contested ones with resolve",
        );
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
      const act: InvoiceAct =
        part === "client" ? { type: "open" } : { type: "answer", accept: accept === true };
      return actAndAnswer(
        request.params,
        act,
        idempotencyKeyOf("invoice", request.caller.actingAs, request.headers["idempotency-key"]),
        reply,
      );
    },
  );

  r.post(
    "/contracts/:id/invoices/:week/resolve",
    {
      schema: {
        summary: "Decide a contested invoice dispute (agents)",
        description:
          "`refund` (minor units) goes back to the client, from 0 to the invoice's unprotected amount; the rest is paid to the freelancer less the platform fee. Takes an `Idempotency-Key`.",
        params: z.object({ id: Id, week: Week }),
        headers: z.object({ "idempotency-key": IdempotencyKey }),
        body: z.object({ refund: MinorUnits }).strict(),
        response: { 200: InvoiceSchema, ...errors },
      },
    },
    async (request, reply) => {
      const agent = request.caller.actingAs;
      if (agent === null || !hasScope(agent, "decide_disputes"))
        return fail(
          reply,
          "not_allowed_for_actor",
          "an agent or admin decides invoice disputes (the platform key names one with Leakguard-Act-As)",
        );
      const sides = await contractSides(db, request.params.id);
      if (sides === null || sides.kind !== "hourly")
        return fail(reply, "contract_not_found", `no hourly contract ${request.params.id}`);
      const act: InvoiceAct = {
        type: "resolve",
        refundMinor: minor(BigInt(request.body.refund)),
        agentId: agent.id,
      };
      return actAndAnswer(
        request.params,
        act,
        idempotencyKeyOf("invoice", request.caller.actingAs, request.headers["idempotency-key"]),
        reply,
      );
    },
  );

  async function actAndAnswer(
    params: { id: string; week: string },
    act: InvoiceAct,
    key: string,
    reply: Parameters<typeof fail>[0],
  ) {
    const week = new Date(`${params.week}T00:00:00Z`);
    const result = await actOnInvoice(db, params.id, week, act, now(), key, config);
    if (!result.ok) return fail(reply, result.code, result.message);
    return invoiceJson(result.value);
  }
}
