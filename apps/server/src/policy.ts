import type { EnforcedRule } from "@leakguard/detect";
import { policyWordsFor } from "@leakguard/trust";
import { z } from "zod";
import { errors, type RouteDeps, type ZodApp } from "./http.js";

const Action = z.enum(["allow", "nudge", "mask", "hold"]);
const ENFORCED: readonly EnforcedRule[] = ["P1", "P2", "C1", "C2"];

/** What the rules the policy does not enforce name: content found and allowed, recorded for context. */
const ALLOWED_RULES = [
  { id: "A1", allows: "Links to work artifacts (repositories, design files, documents) on known hosts." },
  {
    id: "A2",
    allows:
      'A brand or payment method as the subject of the work ("integrate PayPal checkout", "a WhatsApp bot").',
  },
  { id: "A3", allows: "Numbers that are not contact details: prices, dates, times, versions, ids." },
] as const;

const PolicyValue = z.object({
  version: z.string(),
  rules: z.record(z.string(), z.record(z.string(), Action)),
  thresholds: z.object({ detail: z.number(), lowConfidence: z.number() }),
  artifactHosts: z.array(z.string()),
  contactHosts: z.array(z.string()),
  maxMessageLength: z.number(),
  placeholders: z.object({ contact: z.string(), payment: z.string() }),
  conversation: z.object({ assemblyWindow: z.number() }),
});

/** The policy the server screens with, raw (for the engine) and in words (for people). */
export function policyRoutes(r: ZodApp, deps: RouteDeps): void {
  const months = deps.config.relationship.offPlatformWindowMonths;
  const words = policyWordsFor(months);
  // The live policy: LEAKGUARD_POLICY_FILE's, else the default.
  const live = deps.policy;
  r.get(
    "/policy",
    {
      schema: {
        summary: "The active screening policy and its version (anyone signed in)",
        description:
          "The base policy every message is screened with: `policy` is the value itself (pass it to `scan(text, { stage, policy })` of @leakguard/detect for the same verdicts), `rules` says what each enforced rule forbids and what happens at each stage. A pair's state adapts it: after the off-platform window P1 and P2 are allowed; a converted pair has every rule allowed.",
        response: {
          200: z.object({
            version: z.string(),
            policy: PolicyValue,
            rules: z.array(
              z.object({
                id: z.string(),
                forbids: z.string(),
                actions: z.object({ pre_contract: Action, contract_active: Action }),
              }),
            ),
            allowedRules: z.array(z.object({ id: z.string(), allows: z.string() })),
            pairStates: z
              .array(z.object({ state: z.string(), effect: z.string() }))
              .describe("how a pair's state adapts the policy"),
          }),
          ...errors,
        },
      },
    },
    () =>
      Promise.resolve({
        version: live.version,
        policy: live,
        rules: ENFORCED.map((id) => ({
          id,
          forbids: words[id],
          actions: {
            pre_contract: live.rules[id].pre_contract,
            contract_active: live.rules[id].contract_active,
          },
        })),
        allowedRules: [...ALLOWED_RULES],
        pairStates: [
          {
            state: `within the off-platform window (${months} months from first contact)`,
            effect: "the policy as shown",
          },
          {
            state: "after the off-platform window",
            effect: "P1 and P2 are allowed (paying outside is no longer a violation); C1 and C2 still apply",
          },
          {
            state: "converted (the client paid the conversion fee)",
            effect: "every rule is allowed; findings are still recorded",
          },
        ],
      }),
  );
}
