import type { Found } from "./analyze.js";
import type { Token } from "./text/tokens.js";

/**
 * Per-word facts computed once per message, so that every "is there a
 * negation just before?", "is this in quotes?", "is a work word near?" costs
 * a constant instead of a pass over all matches. Without them a 64 KB message
 * of repeated phrases took seconds (every phrase checked against every other).
 * Arrays a message does not need (no quotes, no work words) stay empty: most
 * messages need few of them, and this runs on every message.
 */
export interface WordMarks {
  /** Bit flags per word position (see the FLAG_ constants). */
  flags: Uint8Array;
  /** Sentence number of each word (a full stop, "!" or "?" ends one); empty when no check needs it. */
  sentence: Int32Array;
  /** Whether sentence s holds reported speech ("someone asked me to ..."). */
  reportedSentence: Uint8Array;
  /** Prefix sums of words inside a work term (workBefore[w] = covered words among 0..w-1); empty without work terms. */
  workBefore: Int32Array;
  /** Quote span number of each word, -1 outside quotes; empty without quotes. */
  quote: Int32Array;
  /** Index in found.methods of the payment method covering each word, -1 for none; empty without methods. */
  method: Int32Array;
}

/** A negation phrase ends just before word w (its exclusive end is w). */
export const NEGATION_ENDS = 1;
/** The same without short ones ("no", "na", "di": other words in other languages). */
export const STRONG_NEGATION_ENDS = 2;
export const STRONG_NEGATION_STARTS = 4;
/** A call word ("call", "llámame") starts at w / ends just before w. */
export const CALL_STARTS = 8;
export const CALL_ENDS = 16;
/** An example word ("test", "placeholder") starts at w / ends just before w. */
export const SAMPLE_STARTS = 32;
export const SAMPLE_ENDS = 64;

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);

export function markWords(
  tokens: readonly Token[],
  wordToken: readonly number[],
  found: Found,
  quotes: readonly [number, number][],
): WordMarks {
  const n = wordToken.length;
  const flags = new Uint8Array(n + 2);
  let reported = false;
  for (const p of found.phrases) {
    if (p.category === "reported") reported = true;
    else if (p.category === "negation") {
      // One- and two-letter negations are other words elsewhere ("di" is "at" in Indonesian, "na" and "no"
      // "in the" in Portuguese): they negate an intent phrase right after them, never a channel or a method.
      const strong = p.phrase.length > 2;
      flags[p.to] = (flags[p.to] ?? 0) | NEGATION_ENDS | (strong ? STRONG_NEGATION_ENDS : 0);
      if (strong) flags[p.from] = (flags[p.from] ?? 0) | STRONG_NEGATION_STARTS;
    }
  }
  for (const c of found.calls) {
    flags[c.from] = (flags[c.from] ?? 0) | CALL_STARTS;
    flags[c.to] = (flags[c.to] ?? 0) | CALL_ENDS;
  }
  for (const x of found.samples) {
    flags[x.from] = (flags[x.from] ?? 0) | SAMPLE_STARTS;
    flags[x.to] = (flags[x.to] ?? 0) | SAMPLE_ENDS;
  }

  let sentence = EMPTY_I32;
  let reportedSentence = EMPTY_U8;
  if (reported || found.methods.length > 0) {
    sentence = new Int32Array(n);
    let s = 0;
    let w = 0;
    for (let t = 0; t < tokens.length && w < n; t++) {
      const tok = tokens[t] as Token;
      if (tok.isWord) {
        if (wordToken[w] === t) sentence[w++] = s;
        continue;
      }
      const k = tok.key;
      // A semicolon joins two halves of one thought ("she wanted to pay by wire; I said no").
      if (k === "!" || k === "?" || (k === "." && tokens[t + 1]?.spaceBefore !== false)) s++;
    }
    reportedSentence = new Uint8Array(s + 1);
    for (const p of found.phrases) if (p.category === "reported") reportedSentence[sentence[p.from] ?? 0] = 1;
  }

  let workBefore = EMPTY_I32;
  if (found.work.length > 0) {
    const covered = new Uint8Array(n);
    for (const x of found.work) covered.fill(1, x.from, x.to);
    workBefore = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) workBefore[i + 1] = (workBefore[i] ?? 0) + (covered[i] ?? 0);
  }
  let quote = EMPTY_I32;
  if (quotes.length > 0) {
    quote = new Int32Array(n).fill(-1);
    for (const [id, [from, to]] of quotes.entries()) quote.fill(id, from, to + 1);
  }
  let method = EMPTY_I32;
  if (found.methods.length > 0) {
    method = new Int32Array(n).fill(-1);
    for (const [id, m] of found.methods.entries()) method.fill(id, m.from, m.to);
  }
  return { flags, sentence, reportedSentence, workBefore, quote, method };
}

/** Whether a flag is set at any position in [from, to] (clamped). */
export function anyIn(marks: WordMarks, flag: number, from: number, to: number): boolean {
  const f = marks.flags;
  for (let i = Math.max(0, from); i <= Math.min(f.length - 1, to); i++)
    if (((f[i] ?? 0) & flag) !== 0) return true;
  return false;
}

/** Whether any entry of a plain array of flags is set in [from, to] (clamped). */
export function anySet(flags: Uint8Array, from: number, to: number): boolean {
  for (let i = Math.max(0, from); i <= Math.min(flags.length - 1, to); i++) if (flags[i] === 1) return true;
  return false;
}

/** Whether a flag is set at one position. */
export const flagAt = (marks: WordMarks, flag: number, at: number): boolean =>
  ((marks.flags[at] ?? 0) & flag) !== 0;

/** Whether a work term covers any word in [from, to] (clamped). */
export function workIn(marks: WordMarks, from: number, to: number): boolean {
  const n = marks.workBefore.length - 1;
  if (n <= 0) return false;
  const a = Math.max(0, from);
  const b = Math.min(n - 1, to);
  return b >= a && (marks.workBefore[b + 1] ?? 0) - (marks.workBefore[a] ?? 0) > 0;
}

/** Whether word w sits in a sentence with reported speech. */
export const inReportedSentence = (marks: WordMarks, w: number): boolean =>
  marks.reportedSentence.length > 0 && marks.reportedSentence[marks.sentence[w] ?? 0] === 1;
