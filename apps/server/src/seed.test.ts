import { accounts } from "@leakguard/domain";
import { balanceOf, issueWeeklyInvoices, messagesOf, relationshipId } from "@leakguard/store";
import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { seedDemo } from "./seed.js";

describe.each(engines)("demo data on $name", ({ open }) => {
  const db = migratedDb(open);
  const now = new Date("2026-11-26T15:00:00Z");

  it("is written once, with a conversation, funded escrow and last week's hourly time", async () => {
    expect(await seedDemo(db(), now)).toBe(true);
    expect(await seedDemo(db(), now)).toBe(false);
    expect(await messagesOf(db(), relationshipId("cli_ana", "fre_maya"))).toHaveLength(4);
    expect(await balanceOf(db(), accounts.escrow("ms_demo_logo"))).toBe(150_000n);
    expect(await balanceOf(db(), accounts.escrow("ms_demo_menu"))).toBe(0n);
    const [issued] = await issueWeeklyInvoices(db(), now);
    expect(issued?.contractId).toBe("ctr_demo_hourly");
    // 36 segments of 10 minutes at 45.00/h; the three entered by hand are not protected.
    expect(issued?.invoice.billedSegments).toBe(36);
    expect(issued?.invoice.billedMinor).toBe(27_000n);
    expect(issued?.invoice.protectedMinor).toBe(24_750n);
  });
});
