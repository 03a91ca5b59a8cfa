import type { Analysis } from "../analyze.js";
import type { CompiledLexicon } from "../lexicon.js";

/**
 * Runs of digits as people write them in chat: literal digits with separators
 * ("(21) 98451-2077", "0.1.5.2"), digit look-alikes inside digit words
 * ("4l5", "O5o"), digits spelled out in any supported language, composed
 * numbers ("beş yüz otuz iki" = 532, "quatre vingt huit" = 88), repeaters
 * ("double oh"), and any mix of them.
 */
export interface DigitRun {
  digits: string;
  plus: boolean;
  /** Token range [from, to) in Analysis.tokens. */
  from: number;
  to: number;
  /** Literal digit groups in order (empty strings never appear). */
  groups: string[];
  /** Separator characters seen between items. */
  separators: string;
  spelledWords: number;
  lookalikes: boolean;
}

/** Written digits before a comma that make a whole number on their own. */
const MIN_WHOLE_DIGITS = 7;
const LOOKALIKE_DIGITS = /^[0-9oli|]+$/;
const STOP_SYMBOLS = new Set([
  ":",
  "?",
  "!",
  ";",
  "@",
  "#",
  "%",
  "=",
  "<",
  ">",
  '"',
  "&",
  "$",
  "€",
  "£",
  "¥",
  "₹",
]);

export function findDigitRuns(a: Analysis): DigitRun[] {
  const runs: DigitRun[] = [];
  const { tokens, lexicon } = a;
  let run = null as DigitRun | null;
  let acc = null as number | null;
  let repeat = 0;
  let pendingSeps = 0;
  let pendingSepChars = "";
  let lastWasWord = false;

  const flushAcc = (): void => {
    if (run !== null && acc !== null) run.digits += String(acc);
    acc = null;
  };
  const appendDigits = (d: string): void => {
    if (run === null) return;
    if (repeat > 1 && d.length > 0) {
      run.digits += (d[0] as string).repeat(repeat) + d.slice(1);
      repeat = 0;
    } else run.digits += d;
  };
  const endRun = (): void => {
    flushAcc();
    if (run !== null && run.digits.length > 0) runs.push(run);
    run = null;
    repeat = 0;
    pendingSeps = 0;
    pendingSepChars = "";
  };
  const startRun = (i: number): DigitRun => {
    run ??= {
      digits: "",
      plus: false,
      from: i,
      to: i + 1,
      groups: [],
      separators: "",
      spelledWords: 0,
      lookalikes: false,
    };
    return run;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    if (!t.isWord) {
      const c = t.key;
      if (c === "+") {
        // "+" starts a new number, also right after another one ("10 and 12, +7 989 ...").
        if (run !== null && (run.digits.length > 0 || acc !== null)) endRun();
        startRun(i).plus = true;
        continue;
      }
      // "+44 (0)7700 900295": the trunk zero in brackets is not dialled from abroad.
      if (
        c === "(" &&
        run?.plus === true &&
        run.groups.length === 1 &&
        tokens[i + 1]?.key === "0" &&
        tokens[i + 2]?.key === ")"
      ) {
        i += 2;
        continue;
      }
      // "+44 7700 900 388, 1 reply fast": a comma after a whole written number ends it. (Spelled numbers
      // are dictated in comma-separated groups, and "1,250,000" has too few digits before its first comma.)
      if (c === "," && run !== null && run.spelledWords === 0 && run.digits.length >= MIN_WHOLE_DIGITS) {
        endRun();
        continue;
      }
      if (run !== null && !STOP_SYMBOLS.has(c) && pendingSeps < 2) {
        // A separator: it does not extend the run's span until a digit follows.
        pendingSeps++;
        pendingSepChars += c;
        if (c === "," || c === "/") flushAcc();
        continue;
      }
      endRun();
      continue;
    }
    const key = t.key;
    const inRun = run !== null && run.digits.length + (acc === null ? 0 : 1) > 0;
    // "29'dan" (Turkish case ending): the digits belong to the run, then it ends.
    const digitHead = t.head !== undefined && /^\d+$/.test(t.head) ? t.head : undefined;
    const item: DigitItem | null =
      digitHead !== undefined
        ? { type: "literal", digits: digitHead, lookalike: false }
        : digitItem(key, tokens, i, lexicon, inRun, lastWasWord, run?.spelledWords ?? 0);
    if (item === null) {
      endRun();
      continue;
    }
    const r = startRun(i);
    if (t.spaceBefore && r.digits.length > 0) {
      // space between items also separates spoken groups
      if (!r.separators.includes(" ")) r.separators += " ";
    }
    const separatedBefore = pendingSepChars.length > 0;
    for (const c of pendingSepChars) if (!r.separators.includes(c)) r.separators += c;
    pendingSeps = 0;
    pendingSepChars = "";
    switch (item.type) {
      case "literal":
        flushAcc();
        appendDigits(item.digits);
        r.groups.push(item.digits);
        if (item.lookalike) r.lookalikes = true;
        break;
      case "word": {
        r.spelledWords++;
        if (item.value < 10 && acc === null) {
          appendDigits(String(item.value));
        } else if (acc !== null && canAdd(acc, item.value)) acc += item.value;
        else {
          flushAcc();
          if (item.value < 10) appendDigits(String(item.value));
          else if (repeat > 1) appendDigits(String(item.value));
          else acc = item.value;
        }
        i += item.extraTokens;
        break;
      }
      case "scale":
        if (acc !== null) acc *= item.value;
        else if (separatedBefore) {
          // "..., yüz yirmi üç": a scale opening a group is one hundred, not the last digit times it.
          acc = item.value;
        } else {
          // "hundred" alone after a digit word: multiply the last digit written.
          const last = r.digits.at(-1);
          if (last !== undefined && last !== "0") {
            r.digits = r.digits.slice(0, -1);
            acc = Number(last) * item.value;
          } else acc = item.value;
        }
        r.spelledWords++;
        break;
      case "repeat":
        flushAcc();
        repeat = item.value;
        r.spelledWords++;
        break;
      case "joiner":
        break;
    }
    r.to = i + 1;
    lastWasWord = item.type === "word" || item.type === "scale" || item.type === "joiner";
    if (digitHead !== undefined) endRun();
  }
  endRun();
  return runs;
}

type DigitItem =
  | { type: "literal"; digits: string; lookalike: boolean }
  | { type: "word"; value: number; extraTokens: number }
  | { type: "scale"; value: number }
  | { type: "repeat"; value: number }
  | { type: "joiner" };

function digitItem(
  key: string,
  tokens: Analysis["tokens"],
  i: number,
  lexicon: CompiledLexicon,
  inRun: boolean,
  afterNumberWord: boolean,
  spelledSoFar: number,
): DigitItem | null {
  const c0 = key.charCodeAt(0);
  if (c0 >= 0x30 && c0 <= 0x39 && /^\d+$/.test(key))
    return { type: "literal", digits: key, lookalike: false };
  // Look-alike digits ("4l5", "O5o"): the word must start with a digit or a look-alike letter.
  if (
    key.length >= 2 &&
    ((c0 >= 0x30 && c0 <= 0x39) || c0 === 0x6f || c0 === 0x6c || c0 === 0x69 || c0 === 0x7c) &&
    /\d/.test(key) &&
    LOOKALIKE_DIGITS.test(key)
  ) {
    const digits = key.replace(/o/g, "0").replace(/[li|]/g, "1");
    // At least half real digits (or inside a run already), so words such as "lol1" stay words.
    if (inRun || (key.match(/\d/g)?.length ?? 0) * 2 >= key.length)
      return { type: "literal", digits, lookalike: true };
  }
  // Most words are no number word of any kind: one look-up rules them out.
  if (!lexicon.digitVocabulary.has(key)) return null;
  const multi = lexicon.numberPhrases.get(key);
  if (multi !== undefined) {
    for (const entry of multi) {
      if (wordsAt(tokens, i, entry.words.length).join(" ") === entry.words.join(" ")) {
        return {
          type: "word",
          value: entry.value,
          extraTokens: tokenSpan(tokens, i, entry.words.length) - 1,
        };
      }
    }
  }
  const value = lexicon.numberWords.get(key);
  if (value !== undefined) {
    // A number word that is also an everyday word ("on", "do", "hai") counts only between two spelled
    // numbers ("dört yüz on yedi"), never next to written digits ("15 on 25.06.2026").
    // At the end of a long spelled number it closes it ("... panch char tin").
    if (
      lexicon.ambiguousNumberWords.has(key) &&
      !(
        afterNumberWord &&
        (nextIsNumberWord(tokens, i, lexicon) || (spelledSoFar >= 3 && !wordFollows(tokens, i)))
      )
    )
      return null;
    return { type: "word", value, extraTokens: 0 };
  }
  // "oh" for zero: inside a run, or starting one before a number; a lone "o" only inside a run ("N.º 2024").
  if ((key === "oh" && (inRun || nextIsNumber(tokens, i, lexicon))) || (key === "o" && inRun))
    return { type: "word", value: 0, extraTokens: 0 };
  const scale = lexicon.scales.get(key);
  if (scale !== undefined && inRun) return { type: "scale", value: scale };
  const rep = lexicon.repeaters.get(key);
  if (rep !== undefined && nextIsNumber(tokens, i, lexicon)) return { type: "repeat", value: rep };
  // "vinte e um", "trente et un": a joiner between number words only, never between written digits.
  if (afterNumberWord && lexicon.joiners.has(key) && nextIsNumberWord(tokens, i, lexicon))
    return { type: "joiner" };
  return null;
}

/** The first token after i, past at most two separators ("ek, paanch"). */
function afterSeparators(tokens: Analysis["tokens"], i: number): Analysis["tokens"][number] | undefined {
  let k = i + 1;
  while (k <= i + 2 && tokens[k]?.isWord === false && SEPARATORS.has(tokens[k]?.key ?? "")) k++;
  return tokens[k];
}

/** Whether a digit item follows (written digits, "oh", a number word that is not ambiguous). */
function nextIsNumber(tokens: Analysis["tokens"], i: number, lexicon: CompiledLexicon): boolean {
  const next = afterSeparators(tokens, i);
  if (next === undefined || !next.isWord) return false;
  const key = next.key;
  return (
    /^\d+$/.test(key) ||
    key === "oh" ||
    (lexicon.numberWords.has(key) && !lexicon.ambiguousNumberWords.has(key))
  );
}

const SEPARATORS = new Set([",", "-", ".", "/", "(", ")"]);

/** Whether the sentence goes on with a word right after (no punctuation between). */
function wordFollows(tokens: Analysis["tokens"], i: number): boolean {
  return tokens[i + 1]?.isWord === true;
}

/** Whether a spelled number follows, past at most two separators ("ek, paanch"). */
function nextIsNumberWord(tokens: Analysis["tokens"], i: number, lexicon: CompiledLexicon): boolean {
  const next = afterSeparators(tokens, i);
  return (
    next?.isWord === true &&
    (lexicon.numberWords.has(next.key) || lexicon.numberPhrases.has(next.key) || lexicon.scales.has(next.key))
  );
}

/** Keys of the next `count` word tokens starting at i (symbols such as hyphens skipped). */
function wordsAt(tokens: Analysis["tokens"], i: number, count: number): string[] {
  const out: string[] = [];
  for (let k = i; k < tokens.length && out.length < count && k < i + count * 2; k++) {
    const t = tokens[k] as Analysis["tokens"][number];
    if (t.isWord) out.push(t.key);
    else if (t.key !== "-") break;
  }
  return out;
}

function tokenSpan(tokens: Analysis["tokens"], i: number, count: number): number {
  let seen = 0;
  let k = i;
  for (; k < tokens.length && seen < count; k++) if ((tokens[k] as Analysis["tokens"][number]).isWord) seen++;
  return k - i;
}

/** Whether a spoken number continues the one before it ("twenty" + "one", "cinq cents" + "trente"). */
function canAdd(acc: number, v: number): boolean {
  if (acc === 0) return false;
  if (acc % 1000 === 0) return v < 1000;
  if (acc % 100 === 0) return v < 100;
  if (acc % 10 === 0 && v < 10) return true;
  // French counts in twenties: soixante-dix (60 + 10), quatre-vingt-dix-sept (80 + 17).
  return acc % 20 === 0 && acc % 100 !== 0 && v >= 10 && v < 20;
}
