import { describe, expect, it } from "vitest";
import { generateHistory, germanIban } from "./generate.js";
import { parseHistoryLine } from "./history.js";

describe("generateHistory", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = [...generateHistory({ messages: 500, seed: 3 })].map((m) => m.line);
    const b = [...generateHistory({ messages: 500, seed: 3 })].map((m) => m.line);
    const c = [...generateHistory({ messages: 500, seed: 4 })].map((m) => m.line);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("writes valid history lines, mostly in time order, with violations and labels", () => {
    const all = [...generateHistory({ messages: 5000, seed: 1 })];
    expect(all).toHaveLength(5000);
    const parsed = all.map((m, i) => parseHistoryLine(m.line, i + 1, "pre_contract"));
    expect(parsed.every((p) => p.ok)).toBe(true);
    const times = parsed.map((p) => (p.ok ? (p.messages[0]?.time ?? 0) : 0));
    const late = times.filter((t, i) => i > 0 && t < (times[i - 1] ?? 0)).length;
    expect(late).toBeGreaterThan(0);
    expect(late).toBeLessThan(250);
    const violations = all.filter((m) => m.label.violation).length;
    expect(violations / all.length).toBeGreaterThan(0.01);
    expect(violations / all.length).toBeLessThan(0.1);
    expect(new Set(all.map((m) => m.label.id)).size).toBe(5000);
  });

  it("makes IBANs with valid check digits", () => {
    expect(germanIban("37040044", "0532013000")).toBe("DE89 3704 0044 0532 0130 00");
  });
});
