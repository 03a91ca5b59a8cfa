import type { CountryCode } from "libphonenumber-js/max";
import { type Detection, detect } from "./detect.js";
import { isDetailKind, PAYMENT_KINDS } from "./kinds.js";
import { type ChannelKind, type CompiledLexicon, defaultLexicon } from "./lexicon.js";
import { type Action, DEFAULT_POLICY, isEnforced, type Policy, resolvePolicy, stronger } from "./policy.js";
import type { Finding, RuleId, ScanError, ScanResult, Stage } from "./types.js";

export interface ScanOptions {
  stage: Stage;
  /** BCP 47 locale of the sender ("en-GB", "pt-BR"): its region helps read national phone numbers. */
  locale?: string;
  /** A policy, or a partial one merged over the default. Validated once per object. */
  policy?: Policy | Partial<Policy>;
}

/** Internal: context a conversation passes to one message. */
export interface MessageContext {
  contactPrimed?: boolean;
  channelHint?: ChannelKind | undefined;
  workSubjects?: ReadonlySet<ChannelKind>;
}

const RULE_ORDER: readonly RuleId[] = ["P1", "P2", "C1", "C2", "A1", "A2", "A3"];
const resolved = new WeakMap<object, Policy>();

/** Resolves a policy once per object; throws PolicyError with a precise message when it is malformed. */
export function policyOf(input: ScanOptions["policy"]): Policy {
  if (input === undefined) return DEFAULT_POLICY;
  const cached = resolved.get(input);
  if (cached !== undefined) return cached;
  const policy = resolvePolicy(input);
  resolved.set(input, policy);
  return policy;
}

/**
 * Scans one message. Never throws on any text: a message too large or an
 * internal failure gives an `error` and a verdict that fails closed (`hold`).
 * A malformed policy throws PolicyError (it is configuration, not input).
 */
export function scan(text: string, options: ScanOptions, context: MessageContext = {}): ScanResult {
  // Options missing altogether: no stage to judge by, so fail closed like any unknown stage.
  const policy = policyOf(options?.policy);
  return scanWith(text, options?.stage, policy, regionHints(options?.locale), context).result;
}

/** A scan's public result and, when it ran, the detection behind it (context for a conversation's next turn). */
export interface DetailedScan {
  result: ScanResult;
  detection?: Detection;
}

export function scanWith(
  text: string,
  stage: Stage | undefined,
  policy: Policy,
  regions: readonly CountryCode[],
  context: MessageContext,
  lexicon?: CompiledLexicon,
): DetailedScan {
  if (typeof text !== "string") return { result: failClosed("", "internal_error", "text must be a string") };
  if (stage !== "pre_contract" && stage !== "contract_active")
    return {
      result: failClosed(
        text,
        "invalid_stage",
        `stage must be "pre_contract" or "contract_active", got ${JSON.stringify(stage)}`,
      ),
    };
  if (text.length > policy.maxMessageLength)
    return {
      result: failClosed(
        text,
        "message_too_large",
        `message is ${text.length} characters; the limit is ${policy.maxMessageLength}`,
      ),
    };
  try {
    const detection = detect(text, {
      lexicon: lexicon ?? defaultLexicon(),
      regionHints: regions,
      contactPrimed: context.contactPrimed === true,
      ...(context.channelHint === undefined ? {} : { channelHint: context.channelHint }),
      ...(context.workSubjects === undefined ? {} : { workSubjects: context.workSubjects }),
      ...hostSetsOf(policy),
    });
    return { result: decide(text, detection.findings, detection.allowedRules, stage, policy), detection };
  } catch (err) {
    return { result: failClosed(text, "internal_error", err instanceof Error ? err.message : String(err)) };
  }
}

const hostSets = new WeakMap<Policy, { artifactHosts: Set<string>; contactHosts: Set<string> }>();

function hostSetsOf(policy: Policy): { artifactHosts: Set<string>; contactHosts: Set<string> } {
  let sets = hostSets.get(policy);
  if (sets === undefined) {
    sets = { artifactHosts: new Set(policy.artifactHosts), contactHosts: new Set(policy.contactHosts) };
    hostSets.set(policy, sets);
  }
  return sets;
}

/** Applies the policy to findings: the verdict, the rules, the handles and the masked text. */
export function decide(
  text: string,
  all: readonly Finding[],
  allowedRules: ReadonlySet<RuleId>,
  stage: Stage,
  policy: Policy,
): ScanResult {
  const findings = all.filter((f) => f.confidence >= policy.thresholds.lowConfidence);
  let verdict: Action = "allow";
  const rules = new Set<RuleId>(allowedRules);
  let violation = false;
  for (const f of findings) {
    rules.add(f.rule);
    if (!isEnforced(f.rule)) continue;
    let action = policy.rules[f.rule][stage];
    if (f.confidence < policy.thresholds.detail && action !== "allow") action = "nudge";
    if (action !== "allow") violation = true;
    verdict = stronger(verdict, action);
  }
  // Only details sure enough to act on are shown as handles and masked; a weaker one only nudges.
  const details = findings.filter((f) => isDetail(f) && f.confidence >= policy.thresholds.detail);
  const handles = [...new Set(details.filter((f) => f.value !== "").map((f) => `${f.kind}:${f.value}`))];
  return {
    verdict,
    violation,
    rules: RULE_ORDER.filter((r) => rules.has(r)),
    findings,
    handles,
    masked: mask(text, details, policy),
  };
}

export function isDetail(f: Finding): boolean {
  return isDetailKind(f.kind);
}

function mask(text: string, details: readonly Finding[], policy: Policy): string {
  if (details.length === 0) return text;
  const spans = [...details].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const f of spans) {
    if (f.start < at) {
      // Overlapping spans: extend the current placeholder's reach.
      at = Math.max(at, f.end);
      continue;
    }
    out +=
      text.slice(at, f.start) +
      (PAYMENT_KINDS.has(f.kind) ? policy.placeholders.payment : policy.placeholders.contact);
    at = f.end;
  }
  return out + text.slice(at);
}

/** A result that holds the message: what every failure gives instead of an allow. */
export function failClosed(text: string, code: ScanError["code"], message: string): ScanResult {
  return {
    verdict: "hold",
    violation: false,
    rules: [],
    findings: [],
    handles: [],
    masked: text,
    error: { code, message },
  };
}

/** "pt-BR" -> ["BR"]; "en" -> []. */
export function regionHints(locale: string | undefined): CountryCode[] {
  if (locale === undefined) return [];
  const m = /^[a-z]{2,3}[-_]([a-z]{2})\b/i.exec(locale);
  return m === null ? [] : [(m[1] as string).toUpperCase() as CountryCode];
}
