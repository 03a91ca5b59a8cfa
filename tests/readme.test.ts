import { createConversationScanner, scan } from "@leakguard/detect";
import { describe, expect, it } from "vitest";

// The README's ten-line example, held to what it says.
describe("README example", () => {
  it("scans one message as documented", () => {
    const r = scan("ring me on +44 7911 123456 after lunch", { stage: "pre_contract" });
    expect(r.verdict).toBe("mask");
    expect(r.rules).toEqual(["C1", "C2"]);
    expect(r.handles).toEqual(["phone:447911123456"]);
    expect(r.masked).toBe("ring me on [contact detail hidden] after lunch");
    expect(r.findings.find((f) => f.kind === "phone")).toMatchObject({
      rule: "C1",
      start: 11,
      end: 26,
      value: "447911123456",
      confidence: 0.99,
    });
  });

  it("assembles a number sent in three messages", () => {
    const chat = createConversationScanner({ stage: "pre_contract" });
    const last = ["917", "555", "0142"].map((text) => chat.push({ from: "freelancer", text })).at(-1);
    expect(last?.handles).toEqual(["phone:9175550142"]);
  });
});
