import type { Analysis } from "../analyze.js";
import type { SymbolKind } from "../lexicon.js";

/**
 * The token stream with words for symbols read as symbols: "(at)", "[dot]",
 * "arroba", "собака", "at the rate", "d0t", "underscore". Email and handle
 * extraction work on these elements, so "jane (dot) roe (at) gmail (dot) com"
 * and "jane.roe@gmail.com" look alike to them.
 */
export type Element =
  | { type: "word"; key: string; from: number; to: number; spaceBefore: boolean }
  | {
      type: "symbol";
      symbol: SymbolKind;
      /** Written as the character itself rather than a word. */
      literal: boolean;
      /** A word in brackets, "(at)": clearly meant as a symbol. */
      bracketed: boolean;
      from: number;
      to: number;
      spaceBefore: boolean;
    }
  | { type: "other"; key: string; from: number; to: number; spaceBefore: boolean };

const LITERAL: Record<string, SymbolKind> = { "@": "@", ".": ".", _: "_", "-": "-", "+": "+" };
const OPEN = new Set(["(", "[", "{", "<"]);
const CLOSE = new Set([")", "]", "}", ">"]);

export function elementsOf(a: Analysis): Element[] {
  const { tokens } = a;
  const out: Element[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined) break;
    if (!t.isWord) {
      const literal = LITERAL[t.key];
      // "(at)" / "[dot]": a bracketed symbol word.
      if (OPEN.has(t.key)) {
        const inner = symbolWordAt(a, i + 1);
        const close = inner === null ? undefined : tokens[inner.next];
        if (inner !== null && close !== undefined && CLOSE.has(close.key)) {
          out.push({
            type: "symbol",
            symbol: inner.symbol,
            literal: false,
            bracketed: true,
            from: i,
            to: inner.next + 1,
            spaceBefore: t.spaceBefore,
          });
          i = inner.next;
          continue;
        }
      }
      if (literal !== undefined)
        out.push({
          type: "symbol",
          symbol: literal,
          literal: true,
          bracketed: false,
          from: i,
          to: i + 1,
          spaceBefore: t.spaceBefore,
        });
      else out.push({ type: "other", key: t.key, from: i, to: i + 1, spaceBefore: t.spaceBefore });
      continue;
    }
    const sym = symbolWordAt(a, i);
    if (sym !== null) {
      out.push({
        type: "symbol",
        symbol: sym.symbol,
        literal: false,
        bracketed: false,
        from: i,
        to: sym.next,
        spaceBefore: t.spaceBefore,
      });
      i = sym.next - 1;
      continue;
    }
    out.push({ type: "word", key: t.key, from: i, to: i + 1, spaceBefore: t.spaceBefore });
  }
  return out;
}

function symbolWordAt(a: Analysis, i: number): { symbol: SymbolKind; next: number } | null {
  const first = a.tokenWord[i] ?? -1;
  if (first < 0) return null;
  // letterWords reads leetspeak as letters, so "d0t" is "dot".
  const entries = a.lexicon.symbols.get(a.letterWords[first] as string);
  if (entries === undefined) return null;
  for (const e of entries) {
    let ok = true;
    for (let w = 0; w < e.words.length; w++) {
      const word = first + w;
      // The words of a symbol phrase are consecutive tokens ("at the rate"), with nothing between.
      if (a.wordToken[word] !== i + w || a.letterWords[word] !== e.words[w]) {
        ok = false;
        break;
      }
    }
    if (ok) return { symbol: e.symbol, next: i + e.words.length };
  }
  return null;
}
