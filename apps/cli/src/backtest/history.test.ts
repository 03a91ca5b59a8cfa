import { describe, expect, it } from "vitest";
import { parseHistoryLine } from "./history.js";

const json = (v: unknown): string => JSON.stringify(v);

describe("parseHistoryLine", () => {
  it("reads a history line with contract_state and an ISO timestamp", () => {
    const p = parseHistoryLine(
      json({
        id: "m1",
        conversation_id: "cv1",
        sender: "f-1",
        timestamp: "2026-01-05T08:00:00Z",
        contract_state: "active",
        text: "hi",
      }),
      1,
      "pre_contract",
    );
    expect(p).toEqual({
      ok: true,
      messages: [
        {
          id: "m1",
          conversation: "cv1",
          sender: "f-1",
          time: Date.UTC(2026, 0, 5, 8),
          stage: "contract_active",
          text: "hi",
        },
      ],
    });
  });

  it("maps an ended contract to pre_contract and takes epoch milliseconds", () => {
    const p = parseHistoryLine(
      json({ id: 1, contract_state: "ended", timestamp: 5, text: "x" }),
      1,
      "contract_active",
    );
    expect(p.ok && p.messages[0]).toMatchObject({
      id: "1",
      conversation: "1",
      stage: "pre_contract",
      time: 5,
    });
  });

  it("reads the corpus's message lines with their labels, and conversation lines as one conversation", () => {
    const m = parseHistoryLine(
      json({ id: "d-1", stage: "pre_contract", text: "t", violation: true, rules: ["C1"] }),
      1,
      "pre_contract",
    );
    expect(m.ok && m.messages[0]?.label).toEqual({ violation: true, rules: ["C1"] });
    const c = parseHistoryLine(
      json({
        id: "dc-1",
        stage: "contract_active",
        messages: [
          { from: "client", text: "a" },
          { from: "freelancer", text: "b" },
        ],
      }),
      2,
      "pre_contract",
    );
    expect(c.ok && c.messages.map((x) => [x.id, x.conversation, x.sender, x.stage])).toEqual([
      ["dc-1:0", "dc-1", "dc-1:client", "contract_active"],
      ["dc-1:1", "dc-1", "dc-1:freelancer", "contract_active"],
    ]);
  });

  it.each([
    ["{not json", "invalid_json"],
    ["[1]", "invalid_line"],
    [json({ text: "no id" }), "missing_id"],
    [json({ id: "a" }), "missing_text"],
    [json({ id: "a", text: "t", stage: "signed" }), "invalid_stage"],
    [json({ id: "a", text: "t", contract_state: "weird" }), "invalid_stage"],
    [json({ id: "a", text: "t", timestamp: "yesterday" }), "invalid_timestamp"],
    [json({ id: "a", messages: [{ from: "x" }] }), "missing_text"],
  ])("reports %s as %s with its line number", (line, code) => {
    const p = parseHistoryLine(line, 42, "pre_contract");
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error.code).toBe(code);
      expect(p.error.line).toBe(42);
      expect(p.error.message).toMatch(/^line 42: /);
    }
  });
});
