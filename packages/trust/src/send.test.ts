import { DEFAULT_POLICY, scan } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import {
  ConversationCache,
  decideSend,
  judgeInConversation,
  type PairState,
  policyForPair,
  policyWordsFor,
  stageOf,
} from "./send.js";

describe("the stage of a pair", () => {
  it("is contract_active while a fixed-price milestone is open or an hourly contract exists", () => {
    expect(stageOf([])).toBe("pre_contract");
    expect(stageOf([{ kind: "fixed_price", milestoneStatuses: ["released", "refunded"] }])).toBe(
      "pre_contract",
    );
    expect(stageOf([{ kind: "fixed_price", milestoneStatuses: ["released", "funded"] }])).toBe(
      "contract_active",
    );
    expect(stageOf([{ kind: "fixed_price", milestoneStatuses: ["unfunded"] }])).toBe("contract_active");
    expect(stageOf([{ kind: "hourly", milestoneStatuses: [] }])).toBe("contract_active");
    // An ended contract is not active, whatever its milestones say.
    expect(stageOf([{ kind: "hourly", milestoneStatuses: [], ended: true }])).toBe("pre_contract");
    expect(stageOf([{ kind: "fixed_price", milestoneStatuses: ["unfunded"], ended: true }])).toBe(
      "pre_contract",
    );
  });
});

describe("the policy of a pair", () => {
  const payOutside = "I'll pay you via PayPal, skip the platform fee.";
  const email = "mail me at dana.k@gmail.com";
  it("is the base policy within the window", () => {
    const p = policyForPair(DEFAULT_POLICY, {
      stage: "pre_contract",
      inOffPlatformWindow: true,
      converted: false,
    });
    expect(p).toBe(DEFAULT_POLICY);
    expect(scan(payOutside, { stage: "pre_contract", policy: p }).verdict).toBe("hold");
  });
  it("lifts payment rules once the window has ended, not contact rules", () => {
    const p = policyForPair(DEFAULT_POLICY, {
      stage: "pre_contract",
      inOffPlatformWindow: false,
      converted: false,
    });
    expect(scan(payOutside, { stage: "pre_contract", policy: p }).verdict).not.toBe("hold");
    expect(scan(email, { stage: "pre_contract", policy: p }).verdict).toBe("mask");
    expect(p.version).toBe(`${DEFAULT_POLICY.version}+window_ended`);
  });
  it("allows everything, still recording findings, for a converted pair", () => {
    const p = policyForPair(DEFAULT_POLICY, {
      stage: "pre_contract",
      inOffPlatformWindow: false,
      converted: true,
    });
    for (const text of [payOutside, email]) {
      const r = scan(text, { stage: "pre_contract", policy: p });
      expect(r.verdict).toBe("allow");
      expect(r.findings.length).toBeGreaterThan(0);
    }
  });
});

describe("what happens to a sent message", () => {
  it("maps each verdict to its delivery, shows masked text, and quotes the policy", () => {
    const text = "mail me at dana.k@gmail.com";
    const words = policyWordsFor(24);
    const masked = decideSend(scan(text, { stage: "pre_contract" }), text, words);
    expect(masked).toMatchObject({ verdict: "mask", delivery: "deliver" });
    expect(masked.shownText).not.toContain("dana.k");
    expect(masked.explanations[0]?.message).toMatch(/^Sharing direct contact details/);
    const held = decideSend(
      scan("pay me on paypal instead", { stage: "pre_contract" }),
      "pay me on paypal instead",
      words,
    );
    expect(held).toMatchObject({ verdict: "hold", delivery: "hold" });
    expect(held.explanations[0]?.message).toMatch(/not allowed for 24 months after you first met here/);
    const plain = decideSend(scan("see you tomorrow", { stage: "pre_contract" }), "see you tomorrow", words);
    expect(plain).toEqual({
      verdict: "allow",
      delivery: "deliver",
      shownText: "see you tomorrow",
      explanations: [],
    });
  });

  it("quotes the window the marketplace enforces, not the default's", () => {
    const pair = (windowMonths: number): PairState => ({
      stage: "pre_contract",
      inOffPlatformWindow: true,
      converted: false,
      windowMonths,
    });
    const message = { senderId: "c", text: "pay me on paypal instead" };
    const quoted = (windowMonths: number) =>
      judgeInConversation(DEFAULT_POLICY, pair(windowMonths), message, []).decision.explanations[0]?.message;
    expect(quoted(12)).toMatch(/not allowed for 12 months after you first met here/);
    expect(quoted(1)).toMatch(/not allowed for 1 month after you first met here/);
    expect(quoted(24)).toMatch(/not allowed for 24 months after you first met here/);
    expect(policyWordsFor(12).C1).toBe(policyWordsFor(24).C1);
  });
});

describe("judging texts against a conversation read once", () => {
  const open: PairState = {
    stage: "pre_contract",
    inOffPlatformWindow: true,
    converted: false,
    windowMonths: 24,
  };
  const recent = [
    { senderId: "c", text: "what's the best way to reach you?" },
    { senderId: "f", text: "917" },
    { senderId: "f", text: "555" },
  ];
  it("answers as a fresh read does, for each text, however often the conversation is reused", () => {
    const cache = new ConversationCache();
    const on = { cache, key: "c:f" };
    for (const text of ["0142", "0142", "sounds good", "call me at 0142", "0142"]) {
      const message = { senderId: "f", text, locale: "en-US" };
      expect(judgeInConversation(DEFAULT_POLICY, open, message, recent, on)).toEqual(
        judgeInConversation(DEFAULT_POLICY, open, message, recent),
      );
    }
  });
  it("reads the conversation again when its messages, the stage or the policy changed", () => {
    const cache = new ConversationCache(1);
    const on = { cache, key: "c:f" };
    const message = { senderId: "f", text: "0142" };
    const judge = (pair: PairState, msgs: typeof recent) =>
      judgeInConversation(DEFAULT_POLICY, pair, message, msgs, on).decision.verdict;
    expect(judge(open, recent)).not.toBe("allow");
    expect(judge(open, [...recent, { senderId: "f", text: "sorry, wrong chat" }])).toBe(
      judgeInConversation(DEFAULT_POLICY, open, message, [
        ...recent,
        { senderId: "f", text: "sorry, wrong chat" },
      ]).decision.verdict,
    );
    expect(judge({ ...open, stage: "contract_active" }, recent)).toBe("allow");
    expect(judge({ ...open, converted: true }, recent)).toBe("allow");
    expect(judge(open, recent)).not.toBe("allow");
  });
  it("keeps a sent message's scanner for the next message: each judged as after a fresh read of all before it", () => {
    // Counts the conversation reads: a kept scanner is found without one.
    const cache = new (class extends ConversationCache {
      reads = 0;
      override scannerFor(...[policy, key, recent, read]: Parameters<ConversationCache["scannerFor"]>) {
        return super.scannerFor(policy, key, recent, () => {
          this.reads++;
          return read();
        });
      }
    })();
    const on = { cache, key: "c:f", keepJudged: true };
    // A phone number split over the freelancer's turns, the client asking in between: assembled only with history.
    const turns = [
      { senderId: "c", text: "what's your number?" },
      { senderId: "f", text: "415" },
      { senderId: "f", text: "290" },
      { senderId: "c", text: "go on" },
      { senderId: "f", text: "7396" },
      { senderId: "f", text: "thanks, talk soon" },
    ];
    const conversation: { senderId: string; text: string }[] = [];
    for (const turn of turns) {
      const message = { ...turn, locale: "en-US" };
      expect(judgeInConversation(DEFAULT_POLICY, open, message, conversation, on)).toEqual(
        judgeInConversation(DEFAULT_POLICY, open, message, conversation),
      );
      conversation.push(turn);
    }
    expect(cache.reads).toBe(1);
    // A message judged but never stored (a nudge not confirmed) leaves a list nobody reads: the next read misses.
    const unsent = { senderId: "f", text: "my email is dana.k@gmail.com", locale: "en-US" };
    judgeInConversation(DEFAULT_POLICY, open, unsent, conversation, on);
    const next = { senderId: "f", text: "dana.k", locale: "en-US" };
    expect(judgeInConversation(DEFAULT_POLICY, open, next, conversation, on)).toEqual(
      judgeInConversation(DEFAULT_POLICY, open, next, conversation),
    );
    expect(cache.reads).toBe(2);
  });
});
