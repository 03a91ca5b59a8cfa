import type { SignalTuning } from "@leakguard/domain";
import { getAccount, getRelationship, linkedAccounts, signalEventsOf } from "@leakguard/store";
import { riskOfRecorded } from "@leakguard/trust";
import { z } from "zod";
import { callerHas, errors, fail, Id, type RouteDeps, type ZodApp } from "./http.js";

/** An account linked to another by a shared handle: the kind and a hash prefix, never the handle. */
export const LinkedAccountSchema = z.object({
  accountId: z.string(),
  shared: z.array(z.object({ kind: z.string(), hashPrefix: z.string() })),
});

export const RiskSchema = z.object({
  score: z.number().describe("0 to 100"),
  computedAt: z.string(),
  top: z
    .array(
      z.object({
        signal: z.string(),
        points: z.number().describe("after decay"),
        occurrences: z.number(),
        explanation: z.string(),
      }),
    )
    .describe("the signals that contribute most, largest first"),
});

function riskJson(
  events: { signal: string; at: Date; weight?: number }[],
  now: Date,
  tuning: SignalTuning | undefined,
): z.infer<typeof RiskSchema> {
  const risk = riskOfRecorded(events, now, 5, tuning);
  return { score: risk.score, computedAt: now.toISOString(), top: risk.top };
}

/** Risk scores with their reasons, for trust & safety (agents, admins, the platform): computed from the signals at each call. */
export function riskRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;

  r.get(
    "/accounts/:id/risk",
    {
      schema: {
        summary: "A user's risk score (0-100) and the signals that contribute most (agents, admins)",
        params: z.object({ id: Id }),
        response: { 200: RiskSchema, ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "read_any"))
        return fail(reply, "forbidden", "risk scores are for trust & safety");
      if ((await getAccount(db, request.params.id)) === null)
        return fail(reply, "account_not_found", `no account ${request.params.id}`);
      return riskJson(
        await signalEventsOf(db, { accountId: request.params.id }),
        now(),
        deps.config.trust.signals,
      );
    },
  );

  r.get(
    "/accounts/:id/linked",
    {
      schema: {
        summary: "Accounts that share a contact or payment handle with this one (agents, admins)",
        description:
          "Handles are matched on keyed hashes; only the kind and a prefix of the hash are shown, never the handle.",
        params: z.object({ id: Id }),
        response: { 200: z.object({ linked: z.array(LinkedAccountSchema) }), ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "read_any"))
        return fail(reply, "forbidden", "linked accounts are for trust & safety");
      if ((await getAccount(db, request.params.id)) === null)
        return fail(reply, "account_not_found", `no account ${request.params.id}`);
      return { linked: await linkedAccounts(db, request.params.id) };
    },
  );

  r.get(
    "/relationships/:id/risk",
    {
      schema: {
        summary: "A pair's risk score (0-100) from both sides' signals within it (agents, admins)",
        params: z.object({ id: Id }),
        response: { 200: RiskSchema, ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "read_any"))
        return fail(reply, "forbidden", "risk scores are for trust & safety");
      if ((await getRelationship(db, request.params.id)) === null)
        return fail(reply, "not_found", `no relationship ${request.params.id}`);
      return riskJson(
        await signalEventsOf(db, { relationshipId: request.params.id }),
        now(),
        deps.config.trust.signals,
      );
    },
  );
}
