import { confusablesMap } from "confusables";
import { identityView, type View } from "./view.js";

/**
 * The `base` view: NFKC, lower case, diacritics folded, default-ignorable code
 * points (zero-width, bidi controls, variation selectors, the keycap mark)
 * removed, every kind of space made one space, and look-alike letters from
 * other scripts mapped to Latin inside runs that also hold Latin letters
 * ("pаypal" with a Cyrillic а). Whole words in another script stay as they
 * are, so Russian or Arabic lexicons still match.
 */
export function baseView(original: string, keepCase = false): View {
  if (PLAIN_ASCII.test(original)) {
    // Fast path for the common message: the identity map, lower-cased.
    const lower = keepCase ? original : original.toLowerCase();
    const view = identityView(original);
    return lower === original ? view : { ...view, text: lower };
  }
  return mixedView(original, keepCase) ?? lookalikeView(original);
}

/**
 * A message with some non-ASCII text: runs of printable ASCII are copied as
 * they are (lower-cased), the rest is folded one code point at a time. Returns
 * null when the message holds a letter that looks like a Latin one, which needs
 * the word-by-word pass of lookalikeView.
 */
function mixedView(original: string, keepCase: boolean): View | null {
  const n = original.length;
  const parts: string[] = [];
  let starts = new Int32Array(n + 16);
  let ends = new Int32Array(n + 16);
  let length = 0;
  const reserve = (more: number): void => {
    if (length + more <= starts.length) return;
    const capacity = Math.max(starts.length * 2, length + more);
    const s2 = new Int32Array(capacity);
    const e2 = new Int32Array(capacity);
    s2.set(starts.subarray(0, length));
    e2.set(ends.subarray(0, length));
    starts = s2;
    ends = e2;
  };
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n) {
      const c = original.charCodeAt(j);
      if (c < 0x20 || c > 0x7e) break;
      j++;
    }
    if (j > i) {
      reserve(j - i);
      for (let k = i; k < j; k++, length++) {
        starts[length] = k;
        ends[length] = k + 1;
      }
      const run = original.slice(i, j);
      parts.push(keepCase ? run : run.toLowerCase());
      i = j;
      continue;
    }
    const cp = original.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    if (!isIgnorable(cp)) {
      const ch = cp < 0x80 ? original.charAt(i) : original.slice(i, i + width);
      const folded = keepCase ? keepCaseFold(cp, ch) : foldCodePoint(cp, ch);
      if (!keepCase && folded > "\x7f" && isLookalikeLetter(folded)) return null;
      if (folded.length > 0) {
        reserve(folded.length);
        starts.fill(i, length, length + folded.length);
        ends.fill(i + width, length, length + folded.length);
        length += folded.length;
        parts.push(folded);
      }
    }
    i += width;
  }
  return { text: parts.join(""), origStart: starts.subarray(0, length), origEnd: ends.subarray(0, length) };
}

/** The slower path for messages with look-alike letters: one piece per code point, then the word-by-word mapping. */
function lookalikeView(original: string): View {
  const texts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < original.length; ) {
    const cp = original.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    if (!isIgnorable(cp)) {
      const folded = foldCodePoint(cp, cp < 0x80 ? original.charAt(i) : original.slice(i, i + width));
      if (folded.length > 0) {
        texts.push(folded);
        starts.push(i);
        ends.push(i + width);
      }
    }
    i += width;
  }
  mapLookalikesInLatinWords(texts);
  let length = 0;
  for (const t of texts) length += t.length;
  const origStart = new Int32Array(length);
  const origEnd = new Int32Array(length);
  for (let n = 0, at = 0; n < texts.length; n++) {
    const width = (texts[n] as string).length;
    origStart.fill(starts[n] as number, at, at + width);
    origEnd.fill(ends[n] as number, at, at + width);
    at += width;
  }
  return { text: texts.join(""), origStart, origEnd };
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const MARKS = /\p{M}/gu;
const SPACE = /^\s$/u;
const LATIN = /\p{Script=Latin}/u;
const ASCII_LETTER = /[a-z]/;
const LETTER = /^\p{L}$/u;

const foldCache = new Map<number, string>();
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * The value of a decimal digit of any script (Arabic-Indic "٣", Devanagari "३", Bengali "৩"):
 * Unicode keeps each script's digits 0-9 in one run, so the value is the distance from the run's start.
 */
function digitValue(cp: number): number {
  let steps = 0;
  while (steps < 10 && DECIMAL_DIGIT.test(String.fromCodePoint(cp - steps - 1))) steps++;
  return steps % 10;
}

function foldCodePoint(cp: number, ch: string): string {
  if (cp < 0x80) {
    if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return " ";
    return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : ch;
  }
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  let out = ch.normalize("NFKC").toLowerCase();
  if (out.length === 1 && out > "\x7f" && DECIMAL_DIGIT.test(out))
    out = String(digitValue(out.codePointAt(0) ?? 0));
  else if (SPACE.test(out)) out = " ";
  else {
    out = out.normalize("NFD").replace(MARKS, "").normalize("NFC");
    if (out === "ı") out = "i";
    // Latin letters with no decomposition (ł, ø, đ) fold through the confusables table.
    else if (out.length === 1 && LATIN.test(out) && out > "\x7f") {
      const plain = confusablesMap.get(out);
      if (plain !== undefined && /^[a-z]$/i.test(plain) && out !== "ß") out = plain.toLowerCase();
    }
  }
  if (foldCache.size < 50_000) foldCache.set(cp, out);
  return out;
}

/** NFKC only, case kept: for checksummed values whose case matters (EIP-55, base58). */
function keepCaseFold(cp: number, ch: string): string {
  if (cp < 0x80) return cp === 0x09 || cp === 0x0a || cp === 0x0d ? " " : ch;
  const out = ch.normalize("NFKC");
  return SPACE.test(out) ? " " : out;
}

/**
 * Maps other-script look-alikes to Latin only inside words (runs of letters and
 * digits) that also hold a Latin letter: "pаypal", "еmіlѕсhmіdt". A word wholly
 * in another script stays ("Telegram-бота" keeps "бота").
 */
const lookalikeLetter = new Map<string, boolean>();

/** A letter of another script that the confusables table maps to Latin (Cyrillic "а"), not a sign ("€"). */
function isLookalikeLetter(ch: string): boolean {
  let yes = lookalikeLetter.get(ch);
  if (yes === undefined) {
    yes = LETTER.test(ch) && confusablesMap.has(ch);
    if (lookalikeLetter.size < 50_000) lookalikeLetter.set(ch, yes);
  }
  return yes;
}

function mapLookalikesInLatinWords(texts: string[]): void {
  let wordStart = 0;
  for (let i = 0; i <= texts.length; i++) {
    const t = texts[i];
    if (t !== undefined && WORD.test(t)) continue;
    let hasAscii = false;
    let hasOther = false;
    for (let k = wordStart; k < i; k++) {
      const c = texts[k] as string;
      if (ASCII_LETTER.test(c)) hasAscii = true;
      else if (c > "\x7f" && confusablesMap.has(c)) hasOther = true;
    }
    if (hasAscii && hasOther) {
      for (let k = wordStart; k < i; k++) {
        const c = texts[k] as string;
        if (c <= "\x7f") continue;
        const plain = confusablesMap.get(c) ?? confusablesMap.get(c.toUpperCase());
        if (plain !== undefined && /^[a-z0-9]$/i.test(plain)) texts[k] = plain.toLowerCase();
      }
    }
    wordStart = i + 1;
  }
}

const WORD = /^[\p{L}\p{N}\p{M}]+$/u;

function isIgnorable(cp: number): boolean {
  return (
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    (cp >= 0x115f && cp <= 0x1160) ||
    (cp >= 0x17b4 && cp <= 0x17b5) ||
    (cp >= 0x180b && cp <= 0x180f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x20e3 ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0000 && cp <= 0xe0fff)
  );
}
