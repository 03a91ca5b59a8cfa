import { DEFAULT_POLICY } from "@leakguard/detect";
import { type ContractState, type Explanation, judgeInConversation, stageOf } from "@leakguard/trust";

/** The default marketplace's window (packages/domain's DEFAULT_CONFIG), for a pair the server has not described yet. */
export const DEFAULT_WINDOW_MONTHS = 24;

/** What the browser knows of a pair: enough to judge a draft the way the server will. */
export interface PairFacts {
  contracts: ContractState[];
  converted: boolean;
  offPlatformWindowEndsAt: string;
  /** How long the window lasts from first contact (the marketplace's setting): the reminder quotes it. */
  offPlatformWindowMonths: number;
  /** The conversation so far as this user sees it, oldest first. */
  recent: { senderId: string; text: string }[];
}

export interface LiveVerdict {
  verdict: "allow" | "nudge" | "mask" | "hold";
  explanations: Explanation[];
  shownText: string;
}

/**
 * The engine in the browser: the same stage, pair policy, conversation
 * scanner and decision as the server's screening, on what this user can see
 * (the other side's messages as delivered to them). The server's verdict on
 * send is the one that counts.
 */
export function judgeDraft(senderId: string, text: string, pair: PairFacts, now: Date): LiveVerdict {
  const state = {
    stage: stageOf(pair.contracts),
    inOffPlatformWindow: now.getTime() < Date.parse(pair.offPlatformWindowEndsAt),
    converted: pair.converted,
    windowMonths: pair.offPlatformWindowMonths,
  };
  const { decision } = judgeInConversation(DEFAULT_POLICY, state, { senderId, text }, pair.recent);
  return { verdict: decision.verdict, explanations: decision.explanations, shownText: decision.shownText };
}
