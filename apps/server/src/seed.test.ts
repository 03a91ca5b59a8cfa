import { accounts } from "@leakguard/domain";
import { balanceOf, issueWeeklyInvoices, listCases, messagesOf, relationshipId } from "@leakguard/store";
import { describe, expect, it } from "vitest";
import { engines, migratedDb } from "../../../packages/store/src/engines.test-helper.js";
import { seedDemo } from "./seed.js";

describe.each(engines)("demo data on $name", ({ open }) => {
  const db = migratedDb(open);
  const now = new Date("2026-11-26T15:00:00Z");

  it("is written once, with a conversation, funded escrow and last week's hourly time", async () => {
    expect(await seedDemo(db(), now)).toBe(true);
    expect(await seedDemo(db(), now)).toBe(false);
    const messages = await messagesOf(db(), relationshipId("cli_ana", "fre_maya"));
    expect(messages).toHaveLength(4);
    // The last asks to pay through PayPal: held, with a case for the agent to find.
    expect(messages[3]?.delivery).toBe("held");
    expect((await listCases(db(), new Date())).map((c) => [c.subjectId, c.openedBecause])).toEqual([
      ["cli_ana", "held_message"],
    ]);
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
