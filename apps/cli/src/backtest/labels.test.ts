import { scan } from "@leakguard/detect";
import { describe, expect, it } from "vitest";
import { createLabelScorer, parseLabelLine, scores } from "./labels.js";

const result = (violation: boolean, rules: string[]) =>
  ({ ...scan("hello", { stage: "pre_contract" }), violation, rules }) as ReturnType<typeof scan>;

describe("labelled scoring", () => {
  it("computes precision, recall and false-positive rate overall and per rule", () => {
    const s = createLabelScorer("p");
    s.add({ violation: true, rules: ["C1"] }, result(true, ["C1"])); // tp
    s.add({ violation: true, rules: ["P1"] }, result(false, [])); // fn
    s.add({ violation: false, rules: [] }, result(true, ["C1"])); // fp
    s.add({ violation: false, rules: [] }, result(false, [])); // tn
    s.add({ violation: false }, result(false, [])); // tn, no rules: overall only
    const r = s.result();
    expect(r.labelled).toBe(5);
    expect(r.overall).toEqual({
      tp: 1,
      fp: 1,
      fn: 1,
      tn: 2,
      precision: 0.5,
      recall: 0.5,
      falsePositiveRate: 1 / 3,
    });
    expect(r.rules.C1).toMatchObject({ tp: 1, fp: 1, fn: 0, tn: 2 });
    expect(r.rules.P1).toMatchObject({ tp: 0, fp: 0, fn: 1, tn: 3, precision: null, recall: 0 });
    // Rules no label names are left out (their precision would say nothing).
    expect(Object.keys(r.rules)).toEqual(["C1", "P1"]);
  });

  it("gives null, not NaN, for an undefined ratio", () => {
    expect(scores({ tp: 0, fp: 0, fn: 0, tn: 0 })).toMatchObject({
      precision: null,
      recall: null,
      falsePositiveRate: null,
    });
  });

  it("parses label lines and reports bad ones with their line number", () => {
    expect(parseLabelLine('{"id":"m1","violation":true,"rules":["C1"]}', 1)).toEqual({
      ok: true,
      id: "m1",
      label: { violation: true, rules: ["C1"] },
    });
    expect(parseLabelLine('{"id":7,"violation":false}', 2)).toEqual({
      ok: true,
      id: "7",
      label: { violation: false },
    });
    for (const [line, code] of [
      ["nope", "invalid_json"],
      ['{"violation":true}', "missing_id"],
      ['{"id":"a","violation":"yes"}', "invalid_line"],
      ['{"id":"a","violation":true,"rules":"C1"}', "invalid_line"],
    ] as const) {
      const p = parseLabelLine(line, 9);
      expect(p.ok ? null : [p.error.code, p.error.line]).toEqual([code, 9]);
    }
  });
});
