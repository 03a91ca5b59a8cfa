import type { Analysis } from "../analyze.js";
import { leetFold } from "../analyze.js";
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
  const { tokens, lexicon } = a;
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
  void lexicon;
  return out;
}

function symbolWordAt(a: Analysis, i: number): { symbol: SymbolKind; next: number } | null {
  const t = a.tokens[i];
  if (t === undefined || !t.isWord) return null;
  const entries =
    a.lexicon.symbols.get(t.key) ?? (/\d/.test(t.key) ? a.lexicon.symbols.get(leetFold(t.key)) : undefined);
  if (entries === undefined) return null;
  for (const e of entries) {
    let k = i;
    let ok = true;
    for (let w = 0; w < e.words.length; w++, k++) {
      const tk = a.tokens[k];
      const key =
        tk?.isWord === true ? (w === 0 && /\d/.test(tk.key) ? leetFold(tk.key) : tk.key) : undefined;
      if (key !== e.words[w]) {
        ok = false;
        break;
      }
    }
    if (ok) return { symbol: e.symbol, next: k };
  }
  return null;
}
