import {
  type Action,
  type ConversationScanner,
  createConversationScanner,
  type EnforcedRule,
  type Policy,
  type RuleId,
  resolvePolicy,
  type ScanMemo,
  type ScanResult,
  type Stage,
  type Verdict,
} from "@leakguard/detect";

/**
 * What happens to a message when it is sent, decided from its scan and the
 * pair's state. Pure: the server gathers the state, runs the engine and
 * stores what this returns.
 */

/** Where a pair stands, as the policy needs it. */
export interface PairState {
  /** At least one active contract between the two. */
  stage: Stage;
  /** Within the off-platform window (24 months from first contact by default, configurable), and not converted. */
  inOffPlatformWindow: boolean;
  /** How long the window lasts, in months from first contact: the policy's words quote it to the sender. */
  windowMonths: number;
  /** The client paid the conversion fee: the pair may work and pay outside. */
  converted: boolean;
}

/** A contract as the stage needs it: fixed price is active while a milestone is open; hourly while it exists. */
export interface ContractState {
  kind: "fixed_price" | "hourly";
  milestoneStatuses: readonly string[];
  /** Ended by a party or by a removal: no longer active, whatever its milestones say. */
  ended?: boolean;
}

const CLOSED_MILESTONE = new Set(["released", "refunded", "split"]);

/** `contract_active` while the pair has an active contract (policy: "at least one active contract"). */
export function stageOf(contracts: readonly ContractState[]): Stage {
  const active = contracts.some(
    (c) =>
      c.ended !== true && (c.kind === "hourly" || c.milestoneStatuses.some((s) => !CLOSED_MILESTONE.has(s))),
  );
  return active ? "contract_active" : "pre_contract";
}

const ALLOW_ALL: Record<Stage, Action> = { pre_contract: "allow", contract_active: "allow" };

/** Pair policies already resolved, per base policy and pair state. */
const derived = new WeakMap<Policy, Map<string, Policy>>();

/**
 * The policy for one pair. A converted pair may work and pay outside: every
 * rule is allowed (findings are still recorded). Once the off-platform
 * window has passed, payment outside (P1, P2) is no longer a violation;
 * sharing contacts before a contract (C1, C2) still is.
 */
export function policyForPair(base: Policy, pair: Omit<PairState, "windowMonths">): Policy {
  if (!pair.converted && pair.inOffPlatformWindow) return base;
  const state = pair.converted ? "converted" : "window_ended";
  // Resolved (validated and frozen) once per base policy and state, not on every message sent.
  const variants = derived.get(base) ?? new Map<string, Policy>();
  derived.set(base, variants);
  const known = variants.get(state);
  if (known !== undefined) return known;
  const lifted: EnforcedRule[] = pair.converted ? ["P1", "P2", "C1", "C2"] : ["P1", "P2"];
  const policy = resolvePolicy({
    ...base,
    version: `${base.version}+${state}`,
    rules: { ...base.rules, ...Object.fromEntries(lifted.map((r) => [r, ALLOW_ALL])) },
  });
  variants.set(state, policy);
  return policy;
}

/** deliver: as shown; confirm: only once the sender confirms the reminder; hold: for an agent's review. */
export type Delivery = "deliver" | "confirm" | "hold";

export interface Explanation {
  rule: RuleId;
  /** What the sender reads: what was found, what the policy says, what happened. */
  message: string;
}

export interface SendDecision {
  verdict: Verdict;
  delivery: Delivery;
  /** What the two sides see once delivered: the text, or the text with details masked. */
  shownText: string;
  explanations: Explanation[];
}

const policyWords = new Map<number, Readonly<Record<EnforcedRule, string>>>();

/**
 * The policy's words, quoted to the sender (docs/default-policy.md), for a
 * marketplace whose off-platform window lasts `windowMonths` months from first
 * contact (`relationship.offPlatformWindowMonths`): the words name the window
 * the marketplace enforces, not the default's.
 */
export function policyWordsFor(windowMonths: number): Readonly<Record<EnforcedRule, string>> {
  const known = policyWords.get(windowMonths);
  if (known !== undefined) return known;
  const words = Object.freeze({
    P1: `Asking for, offering or agreeing to payment outside the platform is not allowed for ${windowMonths} ${windowMonths === 1 ? "month" : "months"} after you first met here: payments made here are the ones we can protect.`,
    P2: "Proposing to end, refund or close a contract and continue outside, or to split work so part is paid outside, is not allowed.",
    C1: "Sharing direct contact details (email address, phone number, messaging-app handle or link, social profile) is not allowed before a contract starts.",
    C2: "Asking for someone's direct contact details, or proposing to move the conversation to another channel, is not allowed before a contract starts.",
  });
  // A marketplace has one window; the bound only keeps a caller passing many from growing the map.
  if (policyWords.size < 64) policyWords.set(windowMonths, words);
  return words;
}

const OUTCOME: Record<Exclude<Verdict, "allow">, string> = {
  nudge: "Please check your message before you send it; you may edit it or send it anyway.",
  mask: "We delivered your message with those details hidden.",
  hold: "Your message is under review by our trust & safety team and has not been delivered yet.",
};

const ENFORCED: ReadonlySet<RuleId> = new Set(["P1", "P2", "C1", "C2"]);

/** `words`: the policy's words as the marketplace enforces it (policyWordsFor). */
export function decideSend(
  scan: ScanResult,
  text: string,
  words: Readonly<Record<EnforcedRule, string>>,
): SendDecision {
  const delivery: Delivery =
    scan.verdict === "hold" ? "hold" : scan.verdict === "nudge" ? "confirm" : "deliver";
  const shownText = scan.verdict === "mask" ? scan.masked : text;
  if (scan.verdict === "allow") return { verdict: "allow", delivery, shownText, explanations: [] };
  const outcome = OUTCOME[scan.verdict];
  const rules = [...new Set(scan.findings.map((f) => f.rule))].filter((r) =>
    ENFORCED.has(r),
  ) as EnforcedRule[];
  const explanations: Explanation[] = rules.map((rule) => ({
    rule,
    message: `${words[rule]} ${outcome}`,
  }));
  // A scan that failed closed has no findings: say so rather than nothing.
  if (explanations.length === 0)
    explanations.push({
      rule: "P1",
      message: `We could not check this message automatically. ${OUTCOME.hold}`,
    });
  return { verdict: scan.verdict, delivery, shownText, explanations };
}

/** A message judged in its conversation: the policy the pair's state made, the engine's result, the decision. */
export interface Judgement {
  policy: Policy;
  result: ScanResult;
  decision: SendDecision;
}

/**
 * Judges a message where it is sent: the base policy adapted to the pair
 * (policyForPair), the conversation's recent messages through the
 * conversation scanner first (so a detail split across messages is
 * assembled), then the decision. The server's screening (live and shadow)
 * and the browser's live reminder both judge this way, so they agree.
 */
export function judgeInConversation(
  base: Policy,
  pair: PairState,
  message: { senderId: string; text: string; locale?: string },
  recent: readonly { senderId: string; text: string }[],
  conversations?: {
    cache: ConversationCache;
    key: string;
    /**
     * Keep the scanner that judged the message: it has read the recent messages and this one, which is
     * what the pair's next message is judged after once this one is stored (a send).
     */
    keepJudged?: boolean;
  },
): Judgement {
  const policy = policyForPair(base, pair);
  const read = (): ConversationScanner => {
    // The sender's locale hints at how they write phone numbers (their region's formats first).
    const scanner = createConversationScanner(
      {
        stage: pair.stage,
        policy,
        ...(message.locale === undefined ? {} : { locale: message.locale }),
      },
      conversations?.cache.memo === undefined ? {} : { memo: conversations.cache.memo },
    );
    for (const m of recent) scanner.push({ from: m.senderId, text: m.text });
    return scanner;
  };
  const key =
    conversations === undefined ? "" : `${conversations.key}\u0000${pair.stage}\u0000${message.locale ?? ""}`;
  const scanner =
    conversations === undefined
      ? read()
      : conversations.cache.scannerFor(policy, key, recent, read, conversations.keepJudged === true);
  const result = scanner.push({ from: message.senderId, text: message.text });
  if (conversations?.keepJudged === true)
    conversations.cache.keep(
      policy,
      key,
      [...recent, { senderId: message.senderId, text: message.text }],
      scanner,
    );
  return { policy, result, decision: decideSend(result, message.text, policyWordsFor(pair.windowMonths)) };
}

/**
 * Conversation scanners that have read a conversation's recent messages, kept
 * so that judging several texts against the same conversation (a pre-send
 * check as the user types) reads it once. An entry is used only for exactly
 * the messages it read, under the same policy, stage and locale, and only
 * through a copy (a judged text is not part of the conversation), so an
 * answer is the one a fresh scanner gives. The least recently used entries
 * go beyond `size`.
 *
 * With a `memo`, the scanners it builds reuse the scans other scanners made
 * of the same messages in the same contexts (ScanMemo): building one again
 * after the pair's oldest message dropped out of those read, or after
 * another process took the pair's last send, scans only the new texts.
 */
export class ConversationCache {
  private readonly entries = new Map<
    string,
    { policy: Policy; recent: readonly { senderId: string; text: string }[]; scanner: ConversationScanner }
  >();

  constructor(
    private readonly size = 1_000,
    readonly memo?: ScanMemo,
  ) {}

  /**
   * A scanner that has read `recent`, to judge one more text with. `stored`: the text judged will be
   * part of the conversation (a send), so its scans are worth remembering in the memo, and the caller
   * keeps the scanner that judged it (`keep`), so one read here is not kept first; a draft checked as the
   * user types is judged once, and remembering it would only push the conversation's scans out.
   */
  scannerFor(
    policy: Policy,
    key: string,
    recent: readonly { senderId: string; text: string }[],
    read: () => ConversationScanner,
    stored = false,
  ): ConversationScanner {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    const copy = (s: ConversationScanner): ConversationScanner => (stored ? s.fork() : s.fork({}));
    if (hit !== undefined && hit.policy === policy && sameMessages(hit.recent, recent)) {
      this.entries.set(key, hit);
      return copy(hit.scanner);
    }
    const scanner = read();
    if (!stored) this.keep(policy, key, recent, scanner);
    return copy(scanner);
  }

  /**
   * Keeps `scanner`, which has read exactly `recent` (no more, and is not
   * pushed to again), for the next judgement against those messages. A send
   * keeps the scanner that judged it: once the message is stored, the pair's
   * next message is judged after the same messages and that one, and reads
   * only itself (until the conversation is longer than the recent messages
   * read, when the oldest drops out and the list no longer matches).
   */
  keep(
    policy: Policy,
    key: string,
    recent: readonly { senderId: string; text: string }[],
    scanner: ConversationScanner,
  ): void {
    this.entries.delete(key);
    this.entries.set(key, { policy, recent: recent.map((m) => ({ ...m })), scanner });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.size) break;
      this.entries.delete(oldest);
    }
  }
}

function sameMessages(
  a: readonly { senderId: string; text: string }[],
  b: readonly { senderId: string; text: string }[],
): boolean {
  return a.length === b.length && a.every((m, i) => m.senderId === b[i]?.senderId && m.text === b[i]?.text);
}
