import { shadowReport } from "@leakguard/store";
import { z } from "zod";
import { callerHas, errors, fail, type RouteDeps, type ZodApp } from "./http.js";

/** Shadow mode: how the candidate policy would have judged what the live one judged. */
export function shadowRoutes(r: ZodApp, deps: RouteDeps): void {
  const { db, now, policy, shadowPolicy } = deps;
  r.get(
    "/shadow",
    {
      schema: {
        summary: "Where a candidate policy run in shadow disagrees with the live one (agents, admins)",
        description:
          "With LEAKGUARD_SHADOW_POLICY_FILE set, every message is also judged by the candidate policy; its verdict is stored beside the live one and never enforced. This counts agreement over the last `days` days, the disagreements by direction (live → candidate), and the latest examples, so a team can promote the candidate with evidence.",
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
        response: {
          200: z.object({
            livePolicy: z.string(),
            candidatePolicy: z.string().nullable().describe("null when no candidate runs now"),
            since: z.string(),
            total: z.number(),
            agree: z.number(),
            byDirection: z.array(z.object({ live: z.string(), candidate: z.string(), count: z.number() })),
            policies: z.array(z.object({ live: z.string(), candidate: z.string(), count: z.number() })),
            examples: z.array(
              z.object({
                messageId: z.string(),
                live: z.string(),
                candidate: z.string(),
                rules: z.array(z.string()),
                stage: z.string(),
                at: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!callerHas(request.caller.actingAs, "read_any"))
        return fail(reply, "forbidden", "shadow results are for trust & safety");
      const since = new Date(now().getTime() - request.query.days * 86_400_000);
      const report = await shadowReport(db, since);
      return {
        livePolicy: policy.version,
        candidatePolicy: shadowPolicy?.version ?? null,
        since: since.toISOString(),
        total: report.total,
        agree: report.agree,
        byDirection: report.byDirection,
        policies: report.policies,
        examples: report.examples.map((e) => ({ ...e, at: e.at.toISOString() })),
      };
    },
  );
}
