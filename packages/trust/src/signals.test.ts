import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { riskOf, SIGNALS, type SignalEvent, type SignalId } from "./signals.js";

const now = new Date("2026-11-26T12:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe("risk", () => {
  it("is 0 with no signals, and names the signals that contribute most", () => {
    expect(riskOf([], now)).toEqual({ score: 0, top: [] });
    const risk = riskOf(
      [
        { signal: "off_platform_payment_proposed", at: now },
        { signal: "contact_before_contract", at: now },
        { signal: "contact_before_contract", at: now },
        { signal: "nudge_overridden", at: now },
      ],
      now,
    );
    expect(risk.top.map((t) => t.signal)).toEqual([
      "off_platform_payment_proposed",
      "contact_before_contract",
      "nudge_overridden",
    ]);
    expect(risk.top[1]).toMatchObject({ points: 24, occurrences: 2 });
    expect(risk.score).toBe(Math.round(100 * (1 - Math.exp(-59 / 60))));
  });

  it("fades with each signal's half-life", () => {
    const fresh = riskOf([{ signal: "off_platform_payment_proposed", at: now }], now);
    const old = riskOf([{ signal: "off_platform_payment_proposed", at: daysAgo(60) }], now);
    expect(old.top[0]?.points).toBe(15);
    expect(old.score).toBeLessThan(fresh.score);
  });

  it("stays within 0-100 and never falls when a signal is added", () => {
    const ids = Object.keys(SIGNALS) as SignalId[];
    const event = fc.record({
      signal: fc.constantFrom(...ids),
      at: fc.integer({ min: 0, max: 400 }).map(daysAgo),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), event, (events: SignalEvent[], extra: SignalEvent) => {
        const before = riskOf(events, now).score;
        const after = riskOf([...events, extra], now).score;
        expect(before).toBeGreaterThanOrEqual(0);
        expect(after).toBeLessThanOrEqual(100);
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });
});

describe("signal tuning from a policy file", () => {
  it("replaces a signal's weight or half-life and leaves the others alone", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const events = [
      { signal: "nudge_overridden" as const, at: now },
      { signal: "counterparty_report" as const, at: new Date("2026-11-24T00:00:00Z") },
    ];
    const plain = riskOf(events, now, 5);
    const tuned = riskOf(events, now, 5, {
      nudge_overridden: { weight: 0 },
      counterparty_report: { halfLifeDays: 7 },
    });
    const points = (r: typeof plain, s: string) => r.top.find((t) => t.signal === s)?.points;
    expect(points(plain, "nudge_overridden")).toBe(5);
    expect(points(tuned, "nudge_overridden")).toBe(0);
    // A week old at a 7-day half-life: half of 20.
    expect(points(tuned, "counterparty_report")).toBe(10);
    expect(tuned.score).toBeLessThan(plain.score);
  });
});
