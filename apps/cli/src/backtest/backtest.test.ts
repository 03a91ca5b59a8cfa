import { Readable } from "node:stream";
import { DEFAULT_POLICY, resolvePolicy } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import { createBacktest } from "./backtest.js";
import { readLines } from "./reader.js";

const json = (v: unknown): string => JSON.stringify(v);
const at = (minute: number): string => new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString();
const msg = (id: string, conversation: string, sender: string, minute: number, text: string): string =>
  json({ id, conversation_id: conversation, sender, timestamp: at(minute), contract_state: "none", text });

async function run(text: string, policies = [{ name: "default", policy: DEFAULT_POLICY }]) {
  const backtest = createBacktest({ policies, defaultStage: "pre_contract", hashKey: "test-key" });
  let bytes = 0;
  // Small chunks, so lines cross chunk boundaries as they do on a big file.
  const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
  for await (const line of readLines(Readable.from(chunks), (b) => (bytes = b))) backtest.pushLine(line);
  return { report: backtest.finish(), bytes };
}

describe("streaming reader and replay", () => {
  it("skips bad lines, reports them with line numbers, and replays the rest", async () => {
    const text = [
      msg("m1", "cv1", "f-1", 0, "hello, are you free for a logo?"),
      "{broken",
      "",
      json({ id: "m3", text: 12 }),
      msg("m4", "cv1", "f-1", 1, "call me on +44 7911 123456"),
    ].join("\n");
    const { report, bytes } = await run(text);
    expect(bytes).toBe(Buffer.byteLength(text));
    expect(report.input).toMatchObject({ lines: 5, messages: 2, badLines: 2 });
    expect(report.input.lineErrors.map((e) => [e.line, e.code])).toEqual([
      [2, "invalid_json"],
      [4, "missing_text"],
    ]);
    const s = report.summaries[0];
    expect(s?.verdicts).toEqual({ allow: 1, nudge: 0, mask: 1, hold: 0 });
    expect(s?.conversationsAffected).toBe(1);
  });

  it("assembles a number sent in pieces within one conversation, not across two", async () => {
    const lines = [
      msg("a1", "cv1", "f-1", 0, "my number is"),
      msg("b1", "cv2", "f-1", 1, "917"),
      msg("a2", "cv1", "f-1", 2, "917"),
      msg("a3", "cv1", "f-1", 3, "555"),
      msg("b2", "cv2", "f-1", 4, "hello"),
      msg("a4", "cv1", "f-1", 5, "0142"),
    ];
    const { report } = await run(lines.join("\n"));
    expect(report.summaries[0]?.handles.distinct).toBe(1);
    expect(report.summaries[0]?.verdictExamples.mask.map((e) => e.id)).toEqual(["a4"]);
  });

  it("links a handle sent by two senders and never shows its value", async () => {
    const lines = [
      msg("m1", "cv1", "f-1", 0, "email me at jane.roe@gmail.com"),
      msg("m2", "cv2", "f-2", 1, "my paypal is jane.roe@gmail.com"),
      msg("m3", "cv3", "f-3", 2, "email me at other.person@gmail.com"),
    ];
    const { report } = await run(lines.join("\n"));
    const s = report.summaries[0];
    expect(s?.handles).toMatchObject({ distinct: 2, linked: 1 });
    expect(s?.clusters[0]?.senders).toEqual(["f-1", "f-2"]);
    expect(s?.clusters[0]?.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(s?.clusters)).not.toContain("jane.roe");
  });

  it("compares two policies and scores labels carried by the lines", async () => {
    const strict = resolvePolicy({ version: "strict", rules: { C2: { pre_contract: "hold" } } });
    const lines = [
      json({
        id: "d1",
        stage: "pre_contract",
        text: "what's your whatsapp?",
        violation: true,
        rules: ["C2"],
      }),
      json({ id: "d2", stage: "pre_contract", text: "budget is $300", violation: false, rules: [] }),
    ];
    const { report } = await run(lines.join("\n"), [
      { name: "default", policy: DEFAULT_POLICY },
      { name: "strict", policy: strict },
    ]);
    expect(report.comparison?.changes.map((c) => [c.direction, c.count])).toEqual([["nudge→hold", 1]]);
    expect(report.labels?.source).toBe("inline");
    expect(report.labels?.scores[0]?.overall).toMatchObject({ tp: 1, fp: 0, fn: 0, tn: 1 });
  });

  it("orders messages by time within the window and counts the stragglers beyond it", () => {
    const lines = [msg("m2", "cv1", "a", 2, "second"), msg("m1", "cv1", "a", 1, "first")];
    const backtest = createBacktest({
      policies: [{ name: "default", policy: DEFAULT_POLICY }],
      defaultStage: "pre_contract",
      hashKey: "k",
      replay: { reorderWindow: 1 },
    });
    for (const l of [...lines, msg("m0", "cv1", "a", 0, "late")]) backtest.pushLine(l);
    const report = backtest.finish();
    expect(report.summaries[0]?.verdictExamples.allow.map((e) => e.id)).toEqual(["m1", "m0", "m2"]);
    expect(report.replay.late).toBe(1);
  });
});
