import { describe, expect, it } from "vitest";
import { DistinctCounter } from "./distinct.js";

describe("DistinctCounter", () => {
  it("counts exactly up to its limit", () => {
    const c = new DistinctCounter(100);
    for (let i = 0; i < 300; i++) c.add(`v${i % 50}`);
    expect(c).toMatchObject({ exact: true, count: 50 });
  });

  it("estimates within a few per cent past it", () => {
    const c = new DistinctCounter(1000);
    for (let i = 0; i < 200_000; i++) c.add(`sender-${i}`);
    expect(c.exact).toBe(false);
    expect(Math.abs(c.count - 200_000) / 200_000).toBeLessThan(0.04);
  });
});
