import { DEFAULT_CONFIG } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";

describe("retention of message originals in LEAKGUARD_MARKETPLACE", () => {
  const retention = (value: unknown) =>
    parseConfig({ LEAKGUARD_MARKETPLACE: JSON.stringify({ retention: { originalDays: value } }) });

  it("keeps originals 365 days by default, takes a number of days, or null for forever", () => {
    expect(DEFAULT_CONFIG.retention.originalDays).toBe(365);
    const defaults = parseConfig({});
    expect(defaults.ok && defaults.config.marketplace.retention).toEqual({ originalDays: 365 });
    const days = retention(90);
    expect(days.ok && days.config.marketplace.retention).toEqual({ originalDays: 90 });
    const forever = retention(null);
    expect(forever.ok && forever.config.marketplace.retention).toEqual({ originalDays: null });
    const untouched = parseConfig({ LEAKGUARD_MARKETPLACE: JSON.stringify({ retention: {} }) });
    expect(untouched.ok && untouched.config.marketplace.retention).toEqual({ originalDays: 365 });
  });

  it("refuses zero, fractions, strings and unknown fields, naming the field", () => {
    for (const bad of [0, -1, 1.5, "365", 36_501]) {
      const parsed = retention(bad);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok)
        expect(parsed.problems.join("\n")).toMatch(/^LEAKGUARD_MARKETPLACE\.retention\.originalDays: /m);
    }
    const zero = retention(0);
    if (!zero.ok)
      expect(zero.problems).toEqual([
        "LEAKGUARD_MARKETPLACE.retention.originalDays: a whole number of days from 1 to 36500, or null to keep originals forever",
      ]);
    const unknown = parseConfig({ LEAKGUARD_MARKETPLACE: JSON.stringify({ retention: { days: 3 } }) });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problems.join("\n")).toMatch(/LEAKGUARD_MARKETPLACE\.retention/);
  });
});
