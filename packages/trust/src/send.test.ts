import { DEFAULT_POLICY, scan } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import { decideSend, policyForPair, stageOf } from "./send.js";

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
    const masked = decideSend(scan(text, { stage: "pre_contract" }), text);
    expect(masked).toMatchObject({ verdict: "mask", delivery: "deliver" });
    expect(masked.shownText).not.toContain("dana.k");
    expect(masked.explanations[0]?.message).toMatch(/^Sharing direct contact details/);
    const held = decideSend(
      scan("pay me on paypal instead", { stage: "pre_contract" }),
      "pay me on paypal instead",
    );
    expect(held).toMatchObject({ verdict: "hold", delivery: "hold" });
    const plain = decideSend(scan("see you tomorrow", { stage: "pre_contract" }), "see you tomorrow");
    expect(plain).toEqual({
      verdict: "allow",
      delivery: "deliver",
      shownText: "see you tomorrow",
      explanations: [],
    });
  });
});
