import type { RuleId, Stage, Verdict } from "./types.js";

/** What the product does when a rule matches at a stage. "allow" still records the finding. */
export type Action = Verdict;

export type EnforcedRule = "P1" | "P2" | "C1" | "C2";

export interface Policy {
  /** Recorded with every verdict, so a verdict can be traced to the policy that made it. */
  version: string;
  rules: Record<EnforcedRule, Record<Stage, Action>>;
  thresholds: {
    /** A detail at or above this confidence gets its rule's action. */
    detail: number;
    /** A detail between this and `detail` only nudges (never masks or holds). Below it, it is ignored. */
    lowConfidence: number;
  };
  /** Hosts of work artifacts (A1) allowed on top of the built-in list; a host matches itself and its subdomains. */
  artifactHosts: string[];
  /** Hosts that are contact channels on top of the built-in list. */
  contactHosts: string[];
  /** Messages longer than this (UTF-16 units) are refused with `message_too_large`. */
  maxMessageLength: number;
  placeholders: { contact: string; payment: string };
  conversation: {
    /** How many recent messages of one sender are joined to find details split across messages. */
    assemblyWindow: number;
  };
}

/** Freezes a policy all the way down: a shared policy must not be changed by one caller for all. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export const DEFAULT_POLICY: Policy = deepFreeze({
  version: "default-2026-11",
  rules: {
    P1: { pre_contract: "hold", contract_active: "hold" },
    P2: { pre_contract: "hold", contract_active: "hold" },
    C1: { pre_contract: "mask", contract_active: "allow" },
    C2: { pre_contract: "nudge", contract_active: "allow" },
  },
  thresholds: { detail: 0.6, lowConfidence: 0.55 },
  artifactHosts: [],
  contactHosts: [],
  maxMessageLength: 65_536,
  placeholders: { contact: "[contact detail hidden]", payment: "[payment detail hidden]" },
  conversation: { assemblyWindow: 6 },
});

const ACTIONS: readonly Action[] = ["allow", "nudge", "mask", "hold"];
const STAGES: readonly Stage[] = ["pre_contract", "contract_active"];
const ENFORCED: readonly EnforcedRule[] = ["P1", "P2", "C1", "C2"];

export class PolicyError extends Error {
  override name = "PolicyError";
}

/**
 * Checks a policy once, at construction, and returns it frozen. A partial
 * policy is merged over the default, so `{ ...DEFAULT_POLICY, ... }` and a
 * plain `{ rules: { C1: { contract_active: "mask" } } }` both work.
 */
export function resolvePolicy(input: unknown): Policy {
  if (input === undefined) return DEFAULT_POLICY;
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new PolicyError("policy: expected an object");
  const p = input as Record<string, unknown>;
  const known = new Set(Object.keys(DEFAULT_POLICY));
  for (const key of Object.keys(p))
    if (!known.has(key))
      throw new PolicyError(`policy.${key}: unknown field (known: ${[...known].join(", ")})`);

  const rules = Object.fromEntries(ENFORCED.map((r) => [r, { ...DEFAULT_POLICY.rules[r] }])) as Record<
    EnforcedRule,
    Record<Stage, Action>
  >;
  if (p.rules !== undefined) {
    const r = expectObject(p.rules, "policy.rules");
    for (const [rule, stages] of Object.entries(r)) {
      if (!ENFORCED.includes(rule as EnforcedRule))
        throw new PolicyError(`policy.rules.${rule}: unknown rule (known: ${ENFORCED.join(", ")})`);
      const s = expectObject(stages, `policy.rules.${rule}`);
      for (const [stage, action] of Object.entries(s)) {
        if (!STAGES.includes(stage as Stage))
          throw new PolicyError(`policy.rules.${rule}.${stage}: unknown stage (known: ${STAGES.join(", ")})`);
        if (!ACTIONS.includes(action as Action))
          throw new PolicyError(
            `policy.rules.${rule}.${stage}: "${String(action)}" is not an action (one of: ${ACTIONS.join(", ")})`,
          );
        rules[rule as EnforcedRule][stage as Stage] = action as Action;
      }
    }
  }
  const thresholds = { ...DEFAULT_POLICY.thresholds };
  if (p.thresholds !== undefined) {
    const t = expectObject(p.thresholds, "policy.thresholds");
    for (const [k, v] of Object.entries(t)) {
      if (!Object.hasOwn(thresholds, k))
        throw new PolicyError(`policy.thresholds.${k}: unknown threshold (known: detail, lowConfidence)`);
      if (typeof v !== "number" || !(v >= 0 && v <= 1))
        throw new PolicyError(`policy.thresholds.${k}: expected a number from 0 to 1`);
      thresholds[k as keyof typeof thresholds] = v;
    }
    if (thresholds.lowConfidence > thresholds.detail)
      throw new PolicyError("policy.thresholds.lowConfidence: must not exceed policy.thresholds.detail");
  }
  const hosts = (key: "artifactHosts" | "contactHosts"): string[] => {
    const v = p[key];
    if (v === undefined) return [...DEFAULT_POLICY[key]];
    if (!Array.isArray(v)) throw new PolicyError(`policy.${key}: expected an array of host names`);
    return v.map((h, i) => {
      if (typeof h !== "string" || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(h))
        throw new PolicyError(`policy.${key}[${i}]: "${String(h)}" is not a host name such as "example.com"`);
      return h.toLowerCase();
    });
  };
  let maxMessageLength = DEFAULT_POLICY.maxMessageLength;
  if (p.maxMessageLength !== undefined) {
    const v = p.maxMessageLength;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 10_000_000)
      throw new PolicyError("policy.maxMessageLength: expected an integer from 1 to 10000000");
    maxMessageLength = v;
  }
  const placeholders = { ...DEFAULT_POLICY.placeholders };
  if (p.placeholders !== undefined) {
    const o = expectObject(p.placeholders, "policy.placeholders");
    for (const [k, v] of Object.entries(o)) {
      if (!Object.hasOwn(placeholders, k))
        throw new PolicyError(`policy.placeholders.${k}: unknown placeholder (known: contact, payment)`);
      if (typeof v !== "string") throw new PolicyError(`policy.placeholders.${k}: expected a string`);
      placeholders[k as keyof typeof placeholders] = v;
    }
  }
  const conversation = { ...DEFAULT_POLICY.conversation };
  if (p.conversation !== undefined) {
    const o = expectObject(p.conversation, "policy.conversation");
    for (const [k, v] of Object.entries(o)) {
      if (k !== "assemblyWindow")
        throw new PolicyError(`policy.conversation.${k}: unknown field (known: assemblyWindow)`);
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 50)
        throw new PolicyError("policy.conversation.assemblyWindow: expected an integer from 1 to 50");
      conversation.assemblyWindow = v;
    }
  }
  const version = p.version ?? DEFAULT_POLICY.version;
  if (typeof version !== "string" || version.length === 0)
    throw new PolicyError("policy.version: expected a non-empty string");
  return deepFreeze({
    version,
    rules,
    thresholds,
    artifactHosts: hosts("artifactHosts"),
    contactHosts: hosts("contactHosts"),
    maxMessageLength,
    placeholders,
    conversation,
  });
}

function expectObject(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new PolicyError(`${path}: expected an object`);
  return v as Record<string, unknown>;
}

const SEVERITY: Record<Action, number> = { allow: 0, nudge: 1, mask: 2, hold: 3 };

export function stronger(a: Action, b: Action): Action {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

export function isEnforced(rule: RuleId): rule is EnforcedRule {
  return rule === "P1" || rule === "P2" || rule === "C1" || rule === "C2";
}
