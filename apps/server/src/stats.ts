import { dashboardStats } from "@leakguard/store";
import { z } from "zod";
import { callerHas, errors, fail, type RouteDeps, type ZodApp } from "./http.js";

const Verdicts = z.object({ allow: z.number(), nudge: z.number(), mask: z.number(), hold: z.number() });

export const StatsSchema = z.object({
  from: z.string().describe("first UTC day of the period, YYYY-MM-DD"),
  to: z.string().describe("last UTC day of the period (today), YYYY-MM-DD"),
  days: z.number(),
  daily: z
    .array(
      z.object({
        day: z.string(),
        scanned: z.number().describe("messages screened and stored this UTC day"),
        verdicts: Verdicts,
        casesOpened: z.number(),
        casesClosed: z.number(),
        actedCases: z.number().describe("of the cases opened this day, those an agent has acted on"),
        medianSecondsToAction: z
          .number()
          .nullable()
          .describe("median seconds from opening to an agent's first action, of those cases"),
      }),
    )
    .describe("one bucket per UTC day, oldest first, empty days included"),
  verdicts: Verdicts.describe("the period's verdict mix"),
  topRules: z
    .array(z.object({ rule: z.string(), messages: z.number() }))
    .describe("rules in the stored scans, by messages they fired in (A1-A3 are allowed content)"),
  timeToAction: z.object({
    medianSeconds: z.number().nullable(),
    acted: z.number(),
    notYetActed: z.number(),
  }),
  leakage: z
    .array(
      z.object({
        weekStart: z
          .string()
          .describe("the week's Monday (UTC); the first and last weeks are cut to the period"),
        activePairs: z.number(),
        confirmedPairs: z.number().describe("a confirm_off_platform action on one of their contracts"),
        suspectedPairs: z
          .number()
          .describe(
            "not confirmed, but a held message, or a case on either side unclosed or closed with a sanction",
          ),
        share: z.number().describe("(confirmed + suspected) / active, 0 to 1"),
      }),
    )
    .describe("estimated leakage per week"),
});

/** The trust & safety dashboard's figures (agents, admins, the platform), computed in SQL at each call. */
export function statsRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now } = deps;
  r.get(
    "/stats",
    {
      schema: {
        summary: "Dashboard figures over the last days (agents, admins)",
        description:
          "Per UTC day: messages scanned and their verdicts, cases opened and closed, the median time from a case opening to an agent's first action; over the period: the verdict mix, the top rules, the median time to action; per week: the estimated leakage.",
        querystring: z.object({
          days: z.coerce.number().int().min(1).max(365).default(30).describe("1 to 365; 30 by default"),
        }),
        response: { 200: StatsSchema, ...errors },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "read_any"))
        return fail(reply, "forbidden", "the dashboard is for agents and admins");
      return dashboardStats(db, now(), request.query.days);
    },
  );
}
