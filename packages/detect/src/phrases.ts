import { phraseWords } from "./text/tokens.js";

/**
 * A set of phrases matched over word keys. Phrase syntax (lexicons/README.md):
 * words, `pre*` for a prefix, `~` for a gap of 0-3 arbitrary words. Phrases
 * live in a trie of words, so phrases that share a beginning ("pay you",
 * "pay you directly", "pay you outside") are walked once: matching costs one
 * map lookup per word plus the branches that really continue there.
 */
export interface PhraseMatch<C> {
  category: C;
  phrase: string;
  /** Index of the first and one past the last matched word. */
  from: number;
  to: number;
}

interface Ending<C> {
  category: C;
  phrase: string;
}

interface TrieNode<C> {
  exact: Map<string, TrieNode<C>> | undefined;
  /** Children reached by a word prefix ("pay*"), grouped by the prefix's first three letters: [prefix, node]. */
  prefixes: Map<number, [string, TrieNode<C>][]> | undefined;
  /** Child reached after a gap of 0-3 words ("~"). */
  gap: TrieNode<C> | undefined;
  ends: Ending<C>[] | undefined;
}

/** The first three UTF-16 units of a word as one number (a Map key without a string slice). */
const key3 = (w: string): number => w.charCodeAt(0) * 4294967296 + w.charCodeAt(1) * 65536 + w.charCodeAt(2);

const MAX_GAP = 3;

/** Categories are strings or small tag objects ({ group, ... }): equal when every field is. */
function sameCategory<C>(a: C, b: C): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
  );
}

const newNode = <C>(): TrieNode<C> => ({
  exact: undefined,
  prefixes: undefined,
  gap: undefined,
  ends: undefined,
});

export class PhraseSet<C> {
  private readonly root: TrieNode<C> = newNode();

  add(category: C, phrase: string): void {
    const words = phraseWords(phrase);
    if (words.length === 0 || words[0] === "~") return;
    let node = this.root;
    for (const w of words) node = this.child(node, w);
    node.ends ??= [];
    // The same phrase in several languages' lists ("bank transfer") is one ending.
    const text = words.join(" ");
    if (node.ends.some((e) => e.phrase === text && sameCategory(e.category, category))) return;
    node.ends.push({ category, phrase: text });
  }

  /** All matches, in order of start word; overlapping matches are all reported, each phrase once per start. */
  match(words: readonly string[]): PhraseMatch<C>[] {
    const out: PhraseMatch<C>[] = [];
    const root = this.root;
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      const exact = root.exact?.get(w);
      const prefixed = root.prefixes !== undefined && w.length >= 3 ? root.prefixes.get(key3(w)) : undefined;
      if (exact === undefined && prefixed === undefined) continue;
      const seen = new Set<Ending<C>>();
      if (exact !== undefined) this.walk(exact, words, i, i + 1, out, seen);
      if (prefixed !== undefined)
        for (const [prefix, child] of prefixed)
          if (w.startsWith(prefix)) this.walk(child, words, i, i + 1, out, seen);
    }
    return out;
  }

  private walk(
    node: TrieNode<C>,
    words: readonly string[],
    from: number,
    at: number,
    out: PhraseMatch<C>[],
    seen: Set<Ending<C>>,
  ): void {
    if (node.ends !== undefined)
      for (const e of node.ends)
        if (!seen.has(e)) {
          seen.add(e);
          out.push({ category: e.category, phrase: e.phrase, from, to: at });
        }
    if (node.gap !== undefined) {
      // The gap's own continuation is tried at each length; the gap never ends a phrase.
      for (let g = 0; g <= MAX_GAP && at + g < words.length; g++)
        this.next(node.gap, words, from, at + g, out, seen);
    }
    if (at < words.length) this.next(node, words, from, at, out, seen);
  }

  /** Walks on from `node` with the word at `at`, by its exact child and by every prefix child it starts with. */
  private next(
    node: TrieNode<C>,
    words: readonly string[],
    from: number,
    at: number,
    out: PhraseMatch<C>[],
    seen: Set<Ending<C>>,
  ): void {
    const w = words[at] as string;
    const exact = node.exact?.get(w);
    if (exact !== undefined) this.walk(exact, words, from, at + 1, out, seen);
    if (node.prefixes === undefined || w.length < 3) return;
    const prefixed = node.prefixes.get(key3(w));
    if (prefixed !== undefined)
      for (const [prefix, child] of prefixed)
        if (w.startsWith(prefix)) this.walk(child, words, from, at + 1, out, seen);
  }

  private child(node: TrieNode<C>, w: string): TrieNode<C> {
    if (w === "~") {
      node.gap ??= newNode();
      return node.gap;
    }
    // Prefixes shorter than three letters would match too much; lexicons/README.md asks for three.
    if (w.endsWith("*") && w.length > 3) {
      const prefix = w.slice(0, -1);
      node.prefixes ??= new Map();
      const group = node.prefixes.get(key3(prefix)) ?? [];
      node.prefixes.set(key3(prefix), group);
      const found = group.find(([p]) => p === prefix);
      if (found !== undefined) return found[1];
      const created = newNode<C>();
      group.push([prefix, created]);
      return created;
    }
    node.exact ??= new Map();
    let next = node.exact.get(w);
    if (next === undefined) {
      next = newNode();
      node.exact.set(w, next);
    }
    return next;
  }
}
