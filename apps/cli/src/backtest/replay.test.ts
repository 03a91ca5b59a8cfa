import { DEFAULT_POLICY } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import type { HistoryMessage } from "./history.js";
import { createReplayer, type Replayed } from "./replay.js";

const DAY = 86_400_000;
const m = (id: string, conversation: string, time: number | null, text = "hi"): HistoryMessage => ({
  id,
  conversation,
  sender: `${conversation}:s`,
  time,
  stage: "pre_contract",
  text,
});

describe("createReplayer", () => {
  it("holds at most maxConversations states, forgetting the least recently active", () => {
    const out: Replayed[] = [];
    const r = createReplayer(
      { policies: [DEFAULT_POLICY], maxConversations: 100, idleMs: 365 * DAY, reorderWindow: 10 },
      (x) => out.push(x),
    );
    for (let i = 0; i < 10_000; i++) r.push(m(`m${i}`, `cv${i % 1000}`, i));
    r.finish();
    expect(out).toHaveLength(10_000);
    expect(r.held).toBe(100);
    expect(r.stats.maxHeld).toBe(100);
    expect(r.stats.evictedCap).toBe(r.stats.conversationsOpened - 100);
  });

  it("forgets conversations idle for longer than idleMs", () => {
    const r = createReplayer(
      { policies: [DEFAULT_POLICY], maxConversations: 1000, idleMs: 2 * DAY, reorderWindow: 0 },
      () => {},
    );
    r.push(m("a", "cv-old", 0));
    r.push(m("b", "cv-new", 1 * DAY));
    expect(r.held).toBe(2);
    r.push(m("c", "cv-new", 3 * DAY));
    expect(r.held).toBe(1);
    expect(r.stats.evictedIdle).toBe(1);
  });

  it("restarts a conversation's scanner when its stage changes, and keeps one per policy", () => {
    const seen: Replayed[] = [];
    const r = createReplayer(
      { policies: [DEFAULT_POLICY, DEFAULT_POLICY], maxConversations: 10, idleMs: DAY, reorderWindow: 0 },
      (x) => seen.push(x),
    );
    r.push(m("a", "cv", 0, "call me on +44 7911 123456"));
    r.push({ ...m("b", "cv", 1, "call me on +44 7911 123456"), stage: "contract_active" });
    expect(r.stats.stageChanges).toBe(1);
    expect(seen.map((s) => s.results.map((x) => x.verdict))).toEqual([
      ["mask", "mask"],
      ["allow", "allow"],
    ]);
    expect(seen[0]?.firstViolation).toEqual([true, true]);
  });
});
