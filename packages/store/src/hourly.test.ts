import type { Currency } from "@leakguard/domain";
import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "./engines.test-helper.js";
import { createHourlyContract, issueWeeklyInvoices, logSegment } from "./hourly.js";

const monday = new Date("2026-03-02T00:00:00Z");
const at = (minutes: number): Date => new Date(monday.getTime() + minutes * 60_000);
const nextMondayNoon = new Date("2026-03-09T12:00:00Z");

describe.each(engines)("hourly contracts on $name", ({ open }) => {
  const dbOf = migratedDb(open);

  it("logs segments, issues the week's invoice once on Monday noon, with what is protected", async () => {
    await createHourlyContract(dbOf(), {
      id: "ct_h1",
      clientId: "u_c",
      freelancerId: "u_f",
      currency: "USD" as Currency,
      hourlyRate: 6_000n,
      weeklyLimitHours: 40,
    });
    const seg = (m: number, tracked = true) => ({ start: at(m), tracked, memo: "api work", activity: 50 });
    expect(await logSegment(dbOf(), "ct_h1", seg(0), nextMondayNoon)).toEqual({
      ok: true,
      value: { logged: true },
    });
    expect(await logSegment(dbOf(), "ct_h1", seg(0), nextMondayNoon)).toEqual({
      ok: true,
      value: { logged: false },
    });
    await logSegment(dbOf(), "ct_h1", seg(10, false), nextMondayNoon);
    expect(await logSegment(dbOf(), "ct_h1", seg(5), nextMondayNoon)).toMatchObject({
      ok: false,
      code: "segment_not_aligned",
    });
    expect(await logSegment(dbOf(), "ct_nope", seg(20), nextMondayNoon)).toMatchObject({
      ok: false,
      code: "contract_not_found",
    });

    expect(await issueWeeklyInvoices(dbOf(), new Date("2026-03-09T11:59:00Z"))).toEqual([]);
    const issued = await issueWeeklyInvoices(dbOf(), nextMondayNoon);
    expect(issued).toHaveLength(1);
    expect(issued[0]?.invoice.billedMinor).toBe(2_000n);
    expect(issued[0]?.invoice.protectedMinor).toBe(1_000n);
    expect(issued[0]?.invoice.unprotected.manual_time.segments).toBe(1);
    expect(await issueWeeklyInvoices(dbOf(), nextMondayNoon)).toEqual([]);
  });
});
