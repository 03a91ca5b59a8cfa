import type { ScanResult, Verdict } from "@leakguard/detect";
import type { Example } from "./aggregate.js";
import type { HistoryMessage } from "./history.js";

const SEVERITY: Record<Verdict, number> = { allow: 0, nudge: 1, mask: 2, hold: 3 };

export interface Change {
  /** "allow→mask": the verdict under the base policy, then under the compared one. */
  direction: string;
  from: Verdict;
  to: Verdict;
  /** Stricter (to is more severe than from) or looser. */
  stricter: boolean;
  count: number;
  /** Each example gives the text as the base policy masks it. */
  examples: (Example & { to: Verdict; toRules: string[] })[];
}

export interface Comparison {
  base: string;
  other: string;
  messages: number;
  changed: number;
  changes: Change[];
}

export interface Comparer {
  add(message: HistoryMessage, base: ScanResult, other: ScanResult): void;
  result(): Comparison;
}

/** Counts the messages whose verdict differs between two policies, by direction, with a few examples each. */
export function createComparer(base: string, other: string, examplesPerDirection = 3): Comparer {
  const changes = new Map<string, Change>();
  let messages = 0;
  let changed = 0;
  return {
    add(m, a, b) {
      messages++;
      if (a.verdict === b.verdict) return;
      changed++;
      const direction = `${a.verdict}→${b.verdict}`;
      let c = changes.get(direction);
      if (c === undefined) {
        c = {
          direction,
          from: a.verdict,
          to: b.verdict,
          stricter: SEVERITY[b.verdict] > SEVERITY[a.verdict],
          count: 0,
          examples: [],
        };
        changes.set(direction, c);
      }
      c.count++;
      if (c.examples.length < examplesPerDirection)
        c.examples.push({
          id: m.id,
          conversation: m.conversation,
          sender: m.sender,
          time: m.time,
          verdict: a.verdict,
          rules: a.rules,
          masked: a.masked,
          to: b.verdict,
          toRules: b.rules,
        });
    },
    result() {
      return {
        base,
        other,
        messages,
        changed,
        changes: [...changes.values()].sort(
          (x, y) => y.count - x.count || (x.direction < y.direction ? -1 : 1),
        ),
      };
    },
  };
}
