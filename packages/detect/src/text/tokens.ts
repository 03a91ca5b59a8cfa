import { baseView } from "./normalize.js";
/**
 * Tokens of a view: words (letters, digits, underscores, inner apostrophes) and
 * single symbol characters. Spaces are not tokens; each token records whether
 * space preceded it, which the extractors use to tell "john.doe" from "john. doe".
 */
export interface Token {
  /** Word text with apostrophes dropped ("what's" -> "whats"); the character itself for symbols. */
  key: string;
  /** Offsets into the view's text. */
  start: number;
  end: number;
  isWord: boolean;
  /** Space (or nothing at the start of the text) before this token. */
  spaceBefore: boolean;
  /** For words written with an apostrophe: the part before the first and after the last one ("whatsapp'tan", "d'ordine"). */
  head?: string;
  tail?: string;
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;
const APOSTROPHES = /['’ʼ]/g;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaceBefore = true;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      spaceBefore = true;
      i++;
      continue;
    }
    if (isWordAt(text, i, c)) {
      const start = i;
      let hasApostrophe = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isWordAt(text, i, d)) {
          i += d >= 0xd800 && d <= 0xdbff ? 2 : 1;
        } else if (
          (d === 39 || d === 0x2019 || d === 0x2bc) &&
          i + 1 < n &&
          isWordAt(text, i + 1, text.charCodeAt(i + 1))
        ) {
          hasApostrophe = true;
          i++;
        } else break;
      }
      const raw = text.slice(start, i);
      if (hasApostrophe) {
        const parts = raw.split(APOSTROPHES);
        tokens.push({
          key: apostropheKey(raw, parts[0] as string, parts.at(-1) as string),
          start,
          end: i,
          isWord: true,
          spaceBefore,
          head: parts[0] as string,
          tail: parts.at(-1) as string,
        });
      } else tokens.push({ key: raw, start, end: i, isWord: true, spaceBefore });
    } else {
      const width = c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      tokens.push({ key: text.slice(i, i + width), start: i, end: i + width, isWord: false, spaceBefore });
      i += width;
    }
    spaceBefore = false;
  }
  return tokens;
}

/** Elided articles and prepositions before an apostrophe: French, Italian, Catalan ("l'adresse", "dell'ordine"). */
const ELISIONS = new Set([
  "l",
  "d",
  "j",
  "m",
  "n",
  "s",
  "t",
  "c",
  "qu",
  "dell",
  "all",
  "nell",
  "sull",
  "dall",
  "quell",
  "jusqu",
  "lorsqu",
  "puisqu",
]);
/** Turkish case and plural endings written after an apostrophe on names and numbers ("WhatsApp'tan", "29'dan"). */
const TURKISH_SUFFIX =
  /^(?:[yn]?[aeıioöuü]|[dt][aeıioöuü]n?|n[ıiuü]n|[yn]?[ıiuü]n|y?l[ae]|l[ae]r\p{L}*|[ıiuü]m\p{L}*|d[ıiuü]r)$/u;

/**
 * The key of a word written with an apostrophe: the word after an elision
 * ("d'ordine" -> "ordine"), the name before a Turkish ending ("whatsapp'tan"
 * -> "whatsapp"), otherwise the word without the apostrophe ("what's" -> "whats").
 */
function apostropheKey(raw: string, head: string, tail: string): string {
  if (ELISIONS.has(head) && tail.length >= 3) return tail;
  if (head.length >= 2 && TURKISH_SUFFIX.test(tail)) return head;
  return raw.replace(APOSTROPHES, "");
}

function isWordAt(text: string, i: number, c: number): boolean {
  if (c < 0x80) {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || (c >= 0x41 && c <= 0x5a);
  }
  const cp = text.codePointAt(i) ?? c;
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

/** Words of a phrase as the tokenizer would key them ("what's your no." -> ["whats", "your", "no"]). */
export function phraseWords(phrase: string): string[] {
  // Folded exactly as messages are (baseView), so "numaranızı" in a lexicon meets "numaranızı" in a message.
  return tokenize(baseView(phrase).text)
    .filter((t) => t.isWord || t.key === "*" || t.key === "~")
    .reduce<string[]>((words, t) => {
      // "pay*" tokenizes as "pay" + "*": glue the star back onto its word.
      if (t.key === "*" && words.length > 0 && !t.spaceBefore) words[words.length - 1] += "*";
      else words.push(t.key);
      return words;
    }, []);
}
