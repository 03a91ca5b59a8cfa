import { createHmac } from "node:crypto";
import { DEFAULT_POLICY, type Policy, type ScanResult, type Stage } from "@leakguard/detect";
import { inOffPlatformWindow, type MarketplaceConfig } from "@leakguard/domain";
import type { MessageContext, Screening } from "@leakguard/store";
import {
  type ConversationCache,
  type Explanation,
  judgeInConversation,
  type PairState,
  type SignalId,
  stageOf,
} from "@leakguard/trust";

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
  options: {
    confirmed?: boolean;
    basePolicy?: Policy;
    shadowPolicy?: Policy;
    handleKey?: string;
    /** Scanners that have read the pair's recent messages, reused when they read exactly these (a pre-send check). */
    conversations?: ConversationCache;
    /** A send: keep the scanner that judged the text in `conversations`, for the pair's next message. */
    keepJudged?: boolean;
  } = {},
): (context: MessageContext) => Screening {
  const basePolicy = options.basePolicy ?? BASE_POLICY;
  return ({ pair, contracts, recent }) => {
    const state: PairState = {
      stage: stageOf(contracts),
      inOffPlatformWindow: inOffPlatformWindow(pair, now, config),
      windowMonths: config.relationship.offPlatformWindowMonths,
      converted: pair.conversionPaidAt !== undefined,
    };
    const { stage, inOffPlatformWindow: inWindow, converted } = state;
    const message = {
      senderId: sender.id,
      text,
      ...(sender.locale === undefined ? {} : { locale: sender.locale }),
    };
    // The live and the shadow judgements each keep their scanner for the pair (under keys of their own).
    const conversationsFor = (which: string) =>
      options.conversations === undefined
        ? undefined
        : {
            cache: options.conversations,
            key: `${pair.clientId}\u0000${pair.freelancerId}${which}`,
            ...(options.keepJudged === true ? { keepJudged: true } : {}),
          };
    const { policy, result, decision } = judgeInConversation(
      basePolicy,
      state,
      message,
      recent,
      conversationsFor(""),
    );
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
    // Shadow mode: the candidate judges the same message in the same context; recorded, never enforced.
    const candidate =
      options.shadowPolicy === undefined
        ? undefined
        : judgeInConversation(options.shadowPolicy, state, message, recent, conversationsFor("\u0000shadow"));
    const shadow =
      candidate === undefined
        ? undefined
        : {
            livePolicy: policy.version,
            candidatePolicy: candidate.policy.version,
            verdict: candidate.decision.verdict,
            rules: candidate.result.rules,
          };
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
