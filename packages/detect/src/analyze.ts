import type { ChannelKind, CompiledLexicon, IndexTag, PhraseCategory } from "./lexicon.js";
import {
  anyIn,
  flagAt,
  markWords,
  STRONG_NEGATION_ENDS,
  STRONG_NEGATION_STARTS,
  type WordMarks,
} from "./marks.js";
import type { PhraseMatch } from "./phrases.js";
import { baseView } from "./text/normalize.js";
import { type Token, tokenize } from "./text/tokens.js";
import { type View, ViewBuilder } from "./text/view.js";

export interface ChannelMention {
  kind: ChannelKind;
  /** Token range in Analysis.tokens. */
  from: number;
  to: number;
  strength: "strong" | "weak" | "euphemism";
  /** "I don't use WhatsApp", "whatsapp nai": named, but not as a channel to use. */
  negated: boolean;
}

/** Everything the extractors share about one message, computed once. */
export interface Analysis {
  original: string;
  /** base view with spaced and dotted letters joined ("j o h n" -> "john"). */
  view: View;
  tokens: Token[];
  /** Keys of the word tokens, in order, and the token index of each. */
  words: string[];
  /** The same words with leetspeak read as letters ("p4yp4l" -> "paypal"), for names of channels and methods. */
  letterWords: string[];
  wordToken: number[];
  /** Token index -> word index (-1 for symbols). */
  tokenWord: Int32Array;
  /** All the lexicon's phrase lists, matched once. */
  found: Found;
  /** Per-word facts for constant-time look-ups (marks.ts). */
  marks: WordMarks;
  /** Word ranges [first, last] between quotation marks. */
  quotes: [number, number][];
  channels: ChannelMention[];
  lexicon: CompiledLexicon;
}

const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "9": "g",
};

export function leetFold(word: string): string {
  let out = "";
  for (const ch of word) out += LEET[ch] ?? ch;
  return out;
}

export const MAX_CHANNEL_MENTIONS = 64;
const HAS_DIGIT = /\d/;

/**
 * A name with a case ending glued on, as Turkish, Finnish or Hungarian write it ("telegramdan",
 * "whatsappta"): the strong name the word starts with, when at most four letters follow it.
 */
function gluedSuffix(
  key: string,
  lexicon: CompiledLexicon,
): { strong?: ChannelKind; weak?: ChannelKind; prefix?: true } | undefined {
  if (key.length < 6 || lexicon.channelWords.get(key.slice(0, 5))?.prefix !== true) return undefined;
  for (let cut = 1; cut <= 4 && key.length - cut >= 5; cut++) {
    const strong = lexicon.channelNames.get(key.slice(0, -cut));
    if (strong !== undefined) return { strong };
  }
  return undefined;
}

const QUOTES = new Set(['"', "'", "“", "”", "‘", "’", "«", "»", "„", "‚", "`"]);

/**
 * Word ranges between quotation marks, paired within a sentence. An apostrophe inside a word
 * ("what's") is part of the word for the tokenizer, so a quote token here is a real quote.
 */
function quotedWords(tokens: readonly Token[], tokenWord: Int32Array): [number, number][] {
  const out: [number, number][] = [];
  let open = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.isWord) continue;
    if (t.key === "." || t.key === "!" || t.key === "?") open = -1;
    else if (QUOTES.has(t.key)) {
      if (open < 0) open = i;
      else {
        let first = -1;
        let last = -1;
        for (let k = open + 1; k < i; k++) {
          const w = tokenWord[k] ?? -1;
          if (w < 0) continue;
          if (first < 0) first = w;
          last = w;
        }
        if (first >= 0) out.push([first, last]);
        open = -1;
      }
    }
  }
  return out;
}

/** Words that start a channel's name but, followed by the rest of it, are ordinary English ("we chat", "line up"). */
const SPLIT_NAME_STOPWORDS = new Set([
  "we",
  "i",
  "me",
  "my",
  "you",
  "the",
  "a",
  "an",
  "to",
  "in",
  "on",
  "at",
  "it",
  "is",
  "so",
  "no",
  "do",
  "be",
]);

/** The combined index's matches, by list. */
export interface Found {
  phrases: PhraseMatch<PhraseCategory>[];
  euphemisms: PhraseMatch<ChannelKind>[];
  work: PhraseMatch<"work">[];
  methods: PhraseMatch<"strong" | "weak">[];
  calls: PhraseMatch<"call">[];
  reversed: boolean;
  proposals: number;
  samples: PhraseMatch<"sample">[];
  /** Regions of the places named ("I'm in Lagos" -> NG). */
  regions: string[];
}

function groupMatches(all: readonly PhraseMatch<IndexTag>[]): Found {
  const found: Found = {
    regions: [],
    phrases: [],
    euphemisms: [],
    work: [],
    methods: [],
    calls: [],
    reversed: false,
    proposals: 0,
    samples: [],
  };
  for (const m of all) {
    const tag = m.category;
    const at = { phrase: m.phrase, from: m.from, to: m.to };
    switch (tag.group) {
      case "phrase":
        found.phrases.push({ ...at, category: tag.category });
        break;
      case "euphemism":
        found.euphemisms.push({ ...at, category: tag.kind });
        break;
      case "work":
        found.work.push({ ...at, category: "work" });
        break;
      case "method":
        found.methods.push({ ...at, category: tag.strength });
        break;
      case "call":
        found.calls.push({ ...at, category: "call" });
        break;
      case "reversed":
        found.reversed = true;
        break;
      case "proposal":
        found.proposals++;
        break;
      case "sample":
        found.samples.push({ ...at, category: "sample" });
        break;
      case "place":
        if (!found.regions.includes(tag.region)) found.regions.push(tag.region);
        break;
    }
  }
  return found;
}

export function analyze(original: string, lexicon: CompiledLexicon): Analysis {
  const view = joinSpacedLetters(baseView(original));
  const tokens = tokenize(view.text);
  const words: string[] = [];
  const letterWords: string[] = [];
  const wordToken: number[] = [];
  const tokenWord = new Int32Array(tokens.length).fill(-1);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (!t.isWord) continue;
    tokenWord[i] = words.length;
    words.push(t.key);
    wordToken.push(i);
    // Leetspeak starts with a letter ("p4yp4l", "t3l3gr4m"); "3th" or "10k" are numbers.
    const c0 = t.key.charCodeAt(0);
    letterWords.push(c0 >= 0x61 && c0 <= 0x7a && HAS_DIGIT.test(t.key) ? leetFold(t.key) : t.key);
  }
  const found = groupMatches(lexicon.index.match(letterWords));
  // Bounded so that every per-detail look-up over channels costs a constant: a message naming
  // more than this many channels is already flagged by the first ones.
  const channels = findChannels(tokens, letterWords, wordToken, lexicon, found.euphemisms).slice(
    0,
    MAX_CHANNEL_MENTIONS,
  );
  const quotes = quotedWords(tokens, tokenWord);
  const marks = markWords(tokens, wordToken, found, quotes);
  for (const c of channels) c.negated = isNegatedMention(c, marks, tokenWord);
  return {
    original,
    view,
    tokens,
    words,
    letterWords,
    wordToken,
    tokenWord,
    found,
    marks,
    quotes,
    channels,
    lexicon,
  };
}

function findChannels(
  tokens: Token[],
  words: string[],
  wordToken: number[],
  lexicon: CompiledLexicon,
  euphemisms: readonly PhraseMatch<ChannelKind>[],
): ChannelMention[] {
  const out: ChannelMention[] = [];
  for (let w = 0; w < words.length; w++) {
    const key = words[w] as string;
    const tok = wordToken[w] as number;
    const token = tokens[tok] as Token;
    // "whatsapp'tan" (a Turkish suffix): the name is the part before the apostrophe.
    // A contraction's joined form is never a weak name ("what's" is not "whats", WhatsApp); its head may be ("number's").
    const byKey = lexicon.channelWords.get(key);
    const entry =
      (token.head === undefined
        ? byKey
        : byKey?.strong !== undefined
          ? byKey
          : lexicon.channelWords.get(token.head)) ?? gluedSuffix(key, lexicon);
    if (entry === undefined) continue;
    if (entry.strong !== undefined) {
      out.push({ kind: entry.strong, from: tok, to: tok + 1, strength: "strong", negated: false });
      continue;
    }
    // A name split in two ("sk ype", "whats app").
    const next = words[w + 1];
    if (next !== undefined && entry.prefix === true && !SPLIT_NAME_STOPWORDS.has(key)) {
      const joined = lexicon.channelNames.get(key + next);
      if (joined !== undefined) {
        const to = (wordToken[w + 1] as number) + 1;
        out.push({ kind: joined, from: tok, to, strength: "strong", negated: false });
        w++;
        continue;
      }
    }
    if (entry.weak !== undefined)
      out.push({ kind: entry.weak, from: tok, to: tok + 1, strength: "weak", negated: false });
  }
  for (const m of euphemisms) {
    out.push({
      kind: m.category,
      from: wordToken[m.from] as number,
      to: (wordToken[m.to - 1] as number) + 1,
      strength: "euphemism",
      negated: false,
    });
  }
  tokens.forEach((t, i) => {
    if (t.isWord) return;
    const kind = lexicon.emoji.get(t.key);
    if (kind !== undefined) out.push({ kind, from: i, to: i + 1, strength: "weak", negated: false });
  });
  out.sort((a, b) => a.from - b.from);
  return out;
}

/** Negation just before the mention ("I don't use WhatsApp") or right after it ("whatsapp nai", as Hindi, Urdu and Bengali put it). */
function isNegatedMention(c: ChannelMention, marks: WordMarks, tokenWord: Int32Array): boolean {
  const first = tokenWord[c.from] ?? -1;
  const last = tokenWord[c.to - 1] ?? -1;
  if (first < 0) return false;
  // Negation ending up to two words before the name, or starting right after it.
  return (
    anyIn(marks, STRONG_NEGATION_ENDS, first - 2, first) || flagAt(marks, STRONG_NEGATION_STARTS, last + 1)
  );
}

/**
 * Joins runs of single characters written apart: three or more separated by one
 * space ("f e l i p e @ g m a i l . c o m") or four or more letters separated
 * by dots ("w.h.a.t.s.a.p.p"). Acronyms ("e.g.", "U.S.") are shorter.
 */
export function joinSpacedLetters(base: View): View {
  const text = base.text;
  // Most messages have neither: two cheap linear tests skip the scan.
  if (!SPACED_HINT.test(text) && !DOTTED_HINT.test(text)) return base;
  const n = text.length;
  const drop = new Uint8Array(n);
  let any = false;
  // Spaced: positions of single non-space chars each followed by exactly one space.
  let i = 0;
  while (i < n) {
    if (!isSingleAt(text, i)) {
      i++;
      continue;
    }
    let j = i;
    let count = 1;
    while (j + 2 < n && text[j + 1] === " " && isSingleAt(text, j + 2)) {
      j += 2;
      count++;
    }
    if (count >= 3) {
      for (let k = i + 1; k < j; k += 2) drop[k] = 1;
      any = true;
    }
    i = j + 1;
  }
  // Dotted: single letters separated by dots.
  i = 0;
  while (i < n) {
    if (!isSingleLetterAt(text, i, ".")) {
      i++;
      continue;
    }
    // Dots between the letters go; "..." stands for a real dot ("l...c.o.m") and keeps its middle one;
    // an "@" may sit among the letters ("n.@.g").
    let j = i;
    let count = 1;
    const dropped: number[] = [];
    for (;;) {
      if (text[j + 1] === "." && isSingleLetterAt(text, j + 2, ".")) {
        dropped.push(j + 1);
        j += 2;
        count++;
      } else if (text.startsWith("...", j + 1) && isSingleLetterAt(text, j + 4, ".")) {
        dropped.push(j + 1, j + 3);
        j += 4;
      } else break;
    }
    if (count >= 4) {
      for (const k of dropped) drop[k] = 1;
      any = true;
    }
    i = j + 1;
  }
  if (!any) return base;
  const builder = new ViewBuilder(n);
  let from = 0;
  for (let k = 0; k <= n; k++) {
    if (k === n || drop[k] === 1) {
      builder.copy(base, from, k);
      from = k + 1;
    }
  }
  return builder.build();
}

/**
 * A single non-space character at i with a space (or an end of the text) on
 * both sides; the last of a run may carry punctuation ("c o m, thanks").
 */
function isSingleAt(text: string, i: number): boolean {
  const c = text[i];
  if (c === undefined || c === " ") return false;
  if (i > 0 && text[i - 1] !== " ") return false;
  const after = text[i + 1];
  if (after === undefined || after === " ") return true;
  return TRAILING_PUNCTUATION.has(after) && LETTER_OR_DIGIT.test(c) && (text[i + 2] ?? " ") === " ";
}

const SPACED_HINT = /(?:^| )\S \S \S(?: |$|[,.;:!?)])/;
const DOTTED_HINT = /[\p{L}\p{N}@_]\.[\p{L}\p{N}@_]\.[\p{L}\p{N}@_]\.[\p{L}\p{N}@_]/u;
const TRAILING_PUNCTUATION = new Set([",", ".", ";", ":", "!", "?", ")"]);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function isSingleLetterAt(text: string, i: number, sep: string): boolean {
  const c = text[i];
  if (c === undefined || (c !== "@" && c !== "_" && !LETTER_OR_DIGIT.test(c))) return false;
  const before = i === 0 ? " " : (text[i - 1] as string);
  const after = i + 1 >= text.length ? " " : (text[i + 1] as string);
  const bounded = (ch: string): boolean => ch === sep || ch === " " || !LETTER_OR_DIGIT.test(ch);
  return bounded(before) && bounded(after);
}
