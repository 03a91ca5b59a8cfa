import { scan } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import { createComparer } from "./compare.js";
import type { HistoryMessage } from "./history.js";

const msg = (id: string): HistoryMessage => ({
  id,
  conversation: "c",
  sender: "s",
  time: null,
  stage: "pre_contract",
  text: "",
});
const as = (verdict: "allow" | "nudge" | "mask" | "hold") => ({
  ...scan("hello", { stage: "pre_contract" }),
  verdict,
});

describe("createComparer", () => {
  it("counts changed verdicts by direction, most frequent first, with a few examples each", () => {
    const c = createComparer("base", "other", 2);
    c.add(msg("1"), as("allow"), as("allow"));
    for (let i = 0; i < 3; i++) c.add(msg(`m${i}`), as("allow"), as("mask"));
    c.add(msg("h"), as("hold"), as("nudge"));
    const r = c.result();
    expect(r).toMatchObject({ base: "base", other: "other", messages: 5, changed: 4 });
    expect(r.changes.map((x) => [x.direction, x.count, x.stricter])).toEqual([
      ["allow→mask", 3, true],
      ["hold→nudge", 1, false],
    ]);
    expect(r.changes[0]?.examples.map((e) => [e.id, e.verdict, e.to])).toEqual([
      ["m0", "allow", "mask"],
      ["m1", "allow", "mask"],
    ]);
  });

  it("reports nothing when the policies agree", () => {
    const c = createComparer("a", "b");
    c.add(msg("1"), as("mask"), as("mask"));
    expect(c.result()).toMatchObject({ changed: 0, changes: [] });
  });
});
