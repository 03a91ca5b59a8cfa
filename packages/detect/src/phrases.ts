import { phraseWords } from "./text/tokens.js";

/**
 * A set of phrases matched over word keys. Phrase syntax (lexicons/README.md):
 * words, `pre*` for a prefix, `~` for a gap of 0-3 arbitrary words. Phrases are
 * indexed by their first word (or its 3-letter prefix), so matching costs one
 * map lookup per word plus the few phrases that start there.
 */
export interface PhraseMatch<C extends string> {
  category: C;
  phrase: string;
  /** Index of the first and one past the last matched word. */
  from: number;
  to: number;
}

interface CompiledPhrase<C extends string> {
  category: C;
  phrase: string;
  words: string[];
}

const MAX_GAP = 3;

export class PhraseSet<C extends string> {
  private readonly exact = new Map<string, CompiledPhrase<C>[]>();
  private readonly prefixed = new Map<string, CompiledPhrase<C>[]>();

  add(category: C, phrase: string): void {
    const words = phraseWords(phrase);
    const first = words[0];
    if (first === undefined || first === "~") return;
    const compiled = { category, phrase, words };
    if (first.endsWith("*")) {
      const key = first.slice(0, 3);
      const list = this.prefixed.get(key) ?? [];
      list.push(compiled);
      this.prefixed.set(key, list);
    } else {
      const list = this.exact.get(first) ?? [];
      list.push(compiled);
      this.exact.set(first, list);
    }
  }

  /** All matches, in order of start word; overlapping matches are all reported. */
  match(words: readonly string[]): PhraseMatch<C>[] {
    const out: PhraseMatch<C>[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      const a = this.exact.get(w);
      if (a !== undefined) for (const p of a) this.tryAt(p, words, i, out);
      if (w.length >= 3) {
        const b = this.prefixed.get(w.slice(0, 3));
        if (b !== undefined) for (const p of b) this.tryAt(p, words, i, out);
      }
    }
    return out;
  }

  private tryAt(p: CompiledPhrase<C>, words: readonly string[], i: number, out: PhraseMatch<C>[]): void {
    const end = matchFrom(p.words, 0, words, i);
    if (end >= 0) out.push({ category: p.category, phrase: p.phrase, from: i, to: end });
  }
}

/** Returns one past the last matched word, or -1. Gaps are bounded, so the work per start is bounded. */
function matchFrom(pattern: readonly string[], pi: number, words: readonly string[], wi: number): number {
  if (pi === pattern.length) return wi;
  const p = pattern[pi] as string;
  if (p === "~") {
    for (let gap = 0; gap <= MAX_GAP && wi + gap <= words.length; gap++) {
      const end = matchFrom(pattern, pi + 1, words, wi + gap);
      if (end >= 0) return end;
    }
    return -1;
  }
  const w = words[wi];
  if (w === undefined) return -1;
  const ok = p.endsWith("*") ? w.startsWith(p.slice(0, -1)) : w === p;
  return ok ? matchFrom(pattern, pi + 1, words, wi + 1) : -1;
}
