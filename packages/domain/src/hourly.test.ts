import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "./config.js";
import { type TimeSegment, weeklyInvoice } from "./hourly.js";
import { minor } from "./money.js";
import { conversionFee, offPlatformWindowEnd } from "./relationship.js";

const monday = new Date("2026-03-02T00:00:00Z");
const seg = (minutesFromMonday: number, patch: Partial<TimeSegment> = {}): TimeSegment => ({
  start: new Date(monday.getTime() + minutesFromMonday * 60_000),
  tracked: true,
  memo: "checkout page",
  activity: 60,
  ...patch,
});

describe("hourly invoices and protection", () => {
  it("bills the week's segments and protects only the qualifying ones, saying why", () => {
    const segments = [
      seg(0),
      seg(10),
      seg(20, { tracked: false }),
      seg(30, { memo: " " }),
      seg(40, { activity: 0 }),
      seg(60 * 24 * 7),
    ];
    const inv = weeklyInvoice(segments, monday, minor(6_000n), 40, DEFAULT_CONFIG);
    expect(inv.billedSegments).toBe(5); // the last one falls in the next week
    expect(inv.billedMinor).toBe(5_000n); // 50 minutes at 60.00/h
    expect(inv.protectedMinor).toBe(2_000n);
    expect(inv.unprotected.manual_time.segments).toBe(1);
    expect(inv.unprotected.no_memo.segments).toBe(1);
    expect(inv.unprotected.no_activity.segments).toBe(1);
    expect(inv.issuedAt.toISOString()).toBe("2026-03-09T12:00:00.000Z");
    expect(inv.disputeUntil.toISOString()).toBe("2026-03-13T23:59:59.999Z");
  });

  it("gives a late invoice at least four days to dispute, ending on a Friday", () => {
    const late = (iso: string) =>
      weeklyInvoice(
        [seg(0)],
        monday,
        minor(6_000n),
        40,
        DEFAULT_CONFIG,
        new Date(iso),
      ).disputeUntil.toISOString();
    // Issued on time (or the override is earlier): the Friday of the issue week.
    expect(late("2026-03-01T00:00:00Z")).toBe("2026-03-13T23:59:59.999Z");
    // Issued on Wednesday the 18th: Sunday is four days on, so the Friday after.
    expect(late("2026-03-18T09:00:00Z")).toBe("2026-03-27T23:59:59.999Z");
    // Issued on Saturday the 21st: four days on is Wednesday, so that week's Friday.
    expect(late("2026-03-21T09:00:00Z")).toBe("2026-03-27T23:59:59.999Z");
    expect(
      weeklyInvoice([seg(0)], monday, minor(6_000n), 40, DEFAULT_CONFIG, new Date("2026-03-18T09:00:00Z"))
        .issuedAt,
    ).toEqual(new Date("2026-03-18T09:00:00Z"));
  });

  it("never bills past the weekly limit, and protected never exceeds billed", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            slot: fc.integer({ min: 0, max: 1007 }),
            tracked: fc.boolean(),
            memo: fc.constantFrom("", "work"),
            activity: fc.integer({ min: 0, max: 100 }),
          }),
        ),
        fc.integer({ min: 0, max: 80 }),
        fc.bigInt({ min: 0n, max: 50_000n }),
        (raw, limitHours, rate) => {
          const segments = raw.map((r) =>
            seg(r.slot * 10, { tracked: r.tracked, memo: r.memo, activity: r.activity }),
          );
          const inv = weeklyInvoice(segments, monday, minor(rate), limitHours, DEFAULT_CONFIG);
          expect(inv.billedSegments).toBeLessThanOrEqual(limitHours * 6);
          expect(inv.protectedMinor <= inv.billedMinor).toBe(true);
          expect(inv.billedSegments + inv.unprotected.over_weekly_limit.segments).toBe(segments.length);
        },
      ),
    );
  });
});

describe("relationship", () => {
  const identified = new Date("2026-01-31T10:00:00Z");
  it("forbids off-platform payment for 24 months", () => {
    expect(offPlatformWindowEnd(identified, DEFAULT_CONFIG).toISOString()).toBe("2028-01-31T10:00:00.000Z");
  });
  it("computes the conversion fee, bounded, and nominal after the window", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    expect(conversionFee(minor(5_000n), identified, now, DEFAULT_CONFIG)).toBe(1_404_000n); // 50.00/h x 2080 x 13.5%
    expect(conversionFee(minor(100n), identified, now, DEFAULT_CONFIG)).toBe(100_000n); // lower bound USD 1,000
    expect(conversionFee(minor(1_000_000n), identified, now, DEFAULT_CONFIG)).toBe(5_000_000n); // upper bound USD 50,000
    expect(conversionFee(minor(5_000n), identified, new Date("2028-02-01T00:00:00Z"), DEFAULT_CONFIG)).toBe(
      100n,
    );
  });
});
