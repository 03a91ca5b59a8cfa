import type { RuleId, ScanResult } from "@leakguard/detect";
import type { Label, LineError } from "./history.js";

const RULES: readonly RuleId[] = ["P1", "P2", "C1", "C2", "A1", "A2", "A3"];

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Scores extends Confusion {
  /** null when undefined (no positive prediction, no positive label, no negative label). */
  precision: number | null;
  recall: number | null;
  falsePositiveRate: number | null;
}

export interface LabelScores {
  policy: string;
  /** Messages replayed that had a label. */
  labelled: number;
  overall: Scores;
  /** Per rule, over the labelled messages whose label lists its rules; only rules some label names. */
  rules: Record<string, Scores>;
}

export type ParsedLabel = { ok: true; id: string; label: Label } | { ok: false; error: LineError };

/** One line of a labels file: `{"id", "violation": boolean, "rules"?: string[]}`. Never throws. */
export function parseLabelLine(text: string, line: number): ParsedLabel {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return bad(line, "invalid_json", `not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return bad(line, "invalid_line", "expected a JSON object");
  const o = v as Record<string, unknown>;
  const id =
    typeof o.id === "string" && o.id !== "" ? o.id : typeof o.id === "number" ? String(o.id) : undefined;
  if (id === undefined) return bad(line, "missing_id", 'expected "id" (a string or a number)');
  if (typeof o.violation !== "boolean")
    return bad(line, "invalid_line", 'expected "violation" (true or false)');
  if (o.rules === undefined) return { ok: true, id, label: { violation: o.violation } };
  if (!Array.isArray(o.rules) || !o.rules.every((r) => typeof r === "string"))
    return bad(line, "invalid_line", '"rules" must be an array of rule ids');
  return { ok: true, id, label: { violation: o.violation, rules: o.rules } };
}

function bad(line: number, code: LineError["code"], message: string): ParsedLabel {
  return { ok: false, error: { line, code, message: `line ${line}: ${message}` } };
}

export interface LabelScorer {
  add(label: Label, result: ScanResult): void;
  result(): LabelScores;
}

/**
 * Precision, recall and false-positive rate of the verdicts against labels:
 * overall on `violation`, and per rule on whether the result lists the rule.
 */
export function createLabelScorer(policy: string): LabelScorer {
  const overall = empty();
  // The engine's rules from the start, so each is scored on every labelled message with rules.
  const rules = new Map<string, Confusion>(RULES.map((r) => [r, empty()]));
  let labelled = 0;
  return {
    add(label, result) {
      labelled++;
      tally(overall, result.violation, label.violation);
      if (label.rules === undefined) return;
      const predicted = new Set<string>(result.rules);
      const expected = new Set(label.rules);
      for (const rule of new Set([...predicted, ...expected])) if (!rules.has(rule)) rules.set(rule, empty());
      // A rule outside the engine's (a label's typo) is scored from where it first appears.
      for (const [rule, c] of rules) tally(c, predicted.has(rule), expected.has(rule));
    },
    result() {
      return {
        policy,
        labelled,
        overall: scores(overall),
        rules: Object.fromEntries(
          [...rules]
            .filter(([, c]) => c.tp + c.fn > 0)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([rule, c]) => [rule, scores(c)]),
        ),
      };
    },
  };
}

function tally(c: Confusion, predicted: boolean, actual: boolean): void {
  if (predicted && actual) c.tp++;
  else if (predicted) c.fp++;
  else if (actual) c.fn++;
  else c.tn++;
}

export function scores(c: Confusion): Scores {
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
  return {
    ...c,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    falsePositiveRate: ratio(c.fp, c.fp + c.tn),
  };
}

function empty(): Confusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}
