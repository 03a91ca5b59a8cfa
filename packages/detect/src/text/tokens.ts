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
          key: raw.replace(APOSTROPHES, ""),
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

function isWordAt(text: string, i: number, c: number): boolean {
  if (c < 0x80) {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || (c >= 0x41 && c <= 0x5a);
  }
  const cp = text.codePointAt(i) ?? c;
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

/** Words of a phrase as the tokenizer would key them ("what's your no." -> ["whats", "your", "no"]). */
export function phraseWords(phrase: string): string[] {
  return tokenize(phrase.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC"))
    .filter((t) => t.isWord || t.key === "*" || t.key === "~")
    .reduce<string[]>((words, t) => {
      // "pay*" tokenizes as "pay" + "*": glue the star back onto its word.
      if (t.key === "*" && words.length > 0 && !t.spaceBefore) words[words.length - 1] += "*";
      else words.push(t.key);
      return words;
    }, []);
}
