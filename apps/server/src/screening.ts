import { createHmac } from "node:crypto";
import {
  createConversationScanner,
  DEFAULT_POLICY,
  type Policy,
  type ScanResult,
  type Stage,
} from "@leakguard/detect";
import { inOffPlatformWindow, type MarketplaceConfig } from "@leakguard/domain";
import type { MessageContext, Screening } from "@leakguard/store";
import { decideSend, type Explanation, policyForPair, type SignalId, stageOf } from "@leakguard/trust";

/**
 * The policy the server screens every message with, before a pair's state
 * adapts it (policyForPair). GET /v1/policy shows this same value.
 */
/** The policy screening uses when the server is given none (LEAKGUARD_POLICY_FILE unset). */
export const BASE_POLICY: Policy = DEFAULT_POLICY;

/** What is recorded with a screened message: the policy that judged it, the engine's findings, the explanation. */
export interface ScreeningRecord {
  policyVersion: string;
  rules: string[];
  handles: string[];
  findings: {
    rule: string;
    kind: string;
    start: number;
    end: number;
    value: string;
    confidence: number;
    /** Pieced together from this message and the sender's earlier ones: `value` is the whole detail. */
    assembled?: true;
  }[];
  explanations: Explanation[];
  error?: { code: string; message: string };
}

/**
 * The screening the store runs before it stores a message: the pair's stage
 * (an active contract or not) and state (its off-platform window, a paid
 * conversion) choose the policy; the pair's recent messages go through the
 * conversation scanner first, so details split across messages are caught;
 * the trust package decides what happens.
 */
export function screening(
  sender: { id: string; locale?: string },
  text: string,
  now: Date,
  config: MarketplaceConfig,
  options: { confirmed?: boolean; basePolicy?: Policy; shadowPolicy?: Policy; handleKey?: string } = {},
): (context: MessageContext) => Screening {
  const basePolicy = options.basePolicy ?? BASE_POLICY;
  const senderId = sender.id;
  return ({ pair, contracts, recent }) => {
    const stage = stageOf(contracts);
    const inWindow = inOffPlatformWindow(pair, now, config);
    const converted = pair.conversionPaidAt !== undefined;
    const policy = policyForPair(basePolicy, { stage, inOffPlatformWindow: inWindow, converted });
    // The sender's locale hints at how they write phone numbers (their region's formats first).
    const scanner = createConversationScanner({
      stage,
      policy,
      ...(sender.locale === undefined ? {} : { locale: sender.locale }),
    });
    for (const m of recent) scanner.push({ from: m.senderId, text: m.text });
    const result = scanner.push({ from: senderId, text });
    const decision = decideSend(result, text);
    const record: ScreeningRecord = {
      policyVersion: policy.version,
      rules: result.rules,
      handles: result.handles,
      findings: result.findings.map((f) => ({
        rule: f.rule,
        kind: f.kind,
        start: f.start,
        end: f.end,
        value: f.value,
        confidence: f.confidence,
        ...(f.reasons?.includes("assembled across messages") === true ? { assembled: true as const } : {}),
      })),
      explanations: decision.explanations,
      ...(result.error === undefined ? {} : { error: result.error }),
    };
    const signals = converted ? [] : signalsOf(result, stage, inWindow, options.confirmed === true);
    const shadow =
      options.shadowPolicy === undefined
        ? undefined
        : shadowVerdict(
            options.shadowPolicy,
            { stage, inWindow, converted },
            sender,
            recent,
            text,
            policy.version,
          );
    return {
      verdict: decision.verdict,
      delivery: decision.delivery,
      shownText: decision.shownText,
      stage,
      scan: record,
      signals,
      ...(options.handleKey === undefined
        ? {}
        : { handleHashes: handleHashes(result.handles, options.handleKey) }),
      ...(shadow === undefined ? {} : { shadow }),
    };
  };
}

/** The candidate policy's verdict on the same message in the same context: recorded, never enforced. */
function shadowVerdict(
  candidate: Policy,
  pair: { stage: Stage; inWindow: boolean; converted: boolean },
  sender: { id: string; locale?: string },
  recent: readonly { senderId: string; text: string }[],
  text: string,
  livePolicy: string,
): NonNullable<Screening["shadow"]> {
  const policy = policyForPair(candidate, {
    stage: pair.stage,
    inOffPlatformWindow: pair.inWindow,
    converted: pair.converted,
  });
  const scanner = createConversationScanner({
    stage: pair.stage,
    policy,
    ...(sender.locale === undefined ? {} : { locale: sender.locale }),
  });
  for (const m of recent) scanner.push({ from: m.senderId, text: m.text });
  const result = scanner.push({ from: sender.id, text });
  return {
    livePolicy,
    candidatePolicy: policy.version,
    verdict: decideSend(result, text).verdict,
    rules: result.rules,
  };
}

/** The red flags a message raises about its sender (none for a converted pair). */
function signalsOf(result: ScanResult, stage: Stage, inWindow: boolean, confirmedNudge: boolean): SignalId[] {
  const signals = new Set<SignalId>();
  if (stage === "pre_contract" && result.rules.includes("C1")) signals.add("contact_before_contract");
  if (inWindow && (result.rules.includes("P1") || result.rules.includes("P2")))
    signals.add("off_platform_payment_proposed");
  if (result.findings.some((f) => f.reasons?.includes("assembled across messages")))
    signals.add("details_split_across_messages");
  if (confirmedNudge && result.verdict === "nudge") signals.add("nudge_overridden");
  return [...signals];
}

/** Keyed hashes of "kind:value" handles: the same handle gives the same hash under one deployment's key, and nothing without it. */
export function handleHashes(handles: readonly string[], key: string): { kind: string; hash: string }[] {
  return [...new Set(handles)].map((h) => ({
    kind: h.slice(0, h.indexOf(":")),
    hash: createHmac("sha256", key).update(h).digest("hex"),
  }));
}
