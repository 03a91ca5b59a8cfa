import type { Found } from "./analyze.js";
import type { Token } from "./text/tokens.js";

/**
 * Per-word facts computed once per message, so that every "is there a
 * negation just before?", "is this in quotes?", "is a work word near?" costs
 * a constant instead of a pass over all matches. Without them a 64 KB message
 * of repeated phrases took seconds (every phrase checked against every other).
 */
export interface WordMarks {
  /** Sentence number of each word (a full stop, "!", "?" or ";" ends one). */
  sentence: Int32Array;
  /** Whether sentence s holds reported speech ("someone asked me to ..."). */
  reportedSentence: Uint8Array;
  /** A negation phrase ends just before word w (its exclusive end is w). */
  negationEndsAt: Uint8Array;
  /** The same, without a bare "no" (Portuguese and Spanish "no zap" is "on WhatsApp"), and where one starts. */
  strongNegationEndsAt: Uint8Array;
  strongNegationStartsAt: Uint8Array;
  /** A call word ("call", "llámame") starts at w / ends just before w. */
  callStartsAt: Uint8Array;
  callEndsAt: Uint8Array;
  /** An example word ("test", "placeholder") starts at w / ends just before w. */
  sampleStartsAt: Uint8Array;
  sampleEndsAt: Uint8Array;
  /** Prefix sums of words inside a work term: workBefore[w] = covered words among 0..w-1. */
  workBefore: Int32Array;
  /** Quote span number of each word, -1 outside quotes. */
  quote: Int32Array;
  /** Index in found.methods of the payment method covering each word, -1 for none. */
  method: Int32Array;
}

export function markWords(
  tokens: readonly Token[],
  wordToken: readonly number[],
  found: Found,
  quotes: readonly [number, number][],
): WordMarks {
  const n = wordToken.length;
  const sentence = new Int32Array(n);
  let s = 0;
  let w = 0;
  for (let t = 0; t < tokens.length && w < n; t++) {
    const tok = tokens[t] as Token;
    if (tok.isWord) {
      if (wordToken[w] === t) sentence[w++] = s;
      continue;
    }
    const k = tok.key;
    if (k === "!" || k === "?" || k === ";" || (k === "." && tokens[t + 1]?.spaceBefore !== false)) s++;
  }
  const reportedSentence = new Uint8Array(s + 1);
  const negationEndsAt = new Uint8Array(n + 1);
  const strongNegationEndsAt = new Uint8Array(n + 1);
  const strongNegationStartsAt = new Uint8Array(n + 1);
  for (const p of found.phrases) {
    if (p.category === "reported") reportedSentence[sentence[p.from] ?? 0] = 1;
    else if (p.category === "negation") {
      negationEndsAt[p.to] = 1;
      if (p.phrase !== "no") {
        strongNegationEndsAt[p.to] = 1;
        strongNegationStartsAt[p.from] = 1;
      }
    }
  }
  const callStartsAt = new Uint8Array(n + 1);
  const callEndsAt = new Uint8Array(n + 1);
  for (const c of found.calls) {
    callStartsAt[c.from] = 1;
    callEndsAt[c.to] = 1;
  }
  const sampleStartsAt = new Uint8Array(n + 1);
  const sampleEndsAt = new Uint8Array(n + 1);
  for (const x of found.samples) {
    sampleStartsAt[x.from] = 1;
    sampleEndsAt[x.to] = 1;
  }
  const covered = new Uint8Array(n);
  for (const x of found.work) covered.fill(1, x.from, x.to);
  const workBefore = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) workBefore[i + 1] = (workBefore[i] ?? 0) + (covered[i] ?? 0);
  const quote = new Int32Array(n).fill(-1);
  for (const [id, [from, to]] of quotes.entries()) quote.fill(id, from, to + 1);
  const method = new Int32Array(n).fill(-1);
  for (const [id, m] of found.methods.entries()) method.fill(id, m.from, m.to);
  return {
    sentence,
    reportedSentence,
    negationEndsAt,
    strongNegationEndsAt,
    strongNegationStartsAt,
    callStartsAt,
    callEndsAt,
    sampleStartsAt,
    sampleEndsAt,
    workBefore,
    quote,
    method,
  };
}

/** Whether any flag is set at positions [from, to] (clamped). */
export function anyIn(flags: Uint8Array, from: number, to: number): boolean {
  for (let i = Math.max(0, from); i <= Math.min(flags.length - 1, to); i++) if (flags[i] === 1) return true;
  return false;
}

/** Whether a work term covers any word in [from, to] (clamped). */
export function workIn(marks: WordMarks, from: number, to: number): boolean {
  const n = marks.workBefore.length - 1;
  const a = Math.max(0, from);
  const b = Math.min(n - 1, to);
  return b >= a && (marks.workBefore[b + 1] ?? 0) - (marks.workBefore[a] ?? 0) > 0;
}
