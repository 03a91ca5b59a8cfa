import type { Analysis } from "../analyze.js";
import { toOriginal } from "../text/view.js";
import type { Element } from "./elements.js";

export interface EmailCandidate {
  /** "" when the message points at a mailbox without naming it ("my username here @ gmail"). */
  value: string;
  /** Token range. */
  from: number;
  to: number;
  confidence: number;
  reasons: string[];
}

/** Words that are never the local part of an address written with a bare "at" ("write me at gmail dot com"). */
const NOT_LOCAL = new Set([
  "me",
  "us",
  "you",
  "him",
  "her",
  "them",
  "it",
  "here",
  "there",
  "this",
  "that",
  "is",
  "email",
  "mail",
  "address",
  "and",
  "or",
  "but",
  "the",
  "a",
  "an",
  "to",
  "on",
  "in",
  "be",
  "just",
  "only",
  "directly",
  "later",

  "soon",
  "home",
  "work",
  "office",
  "least",
  "all",
  "once",
  "first",
  "last",
]);
const LABEL = /^[a-z0-9][a-z0-9-]*$/;
const LOCAL = /^[a-z0-9_+-][a-z0-9_.+-]*$/;

export function findEmails(a: Analysis, els: readonly Element[]): EmailCandidate[] {
  const out: EmailCandidate[] = [];
  for (let i = 0; i < els.length; i++) {
    const at = els[i] as Element;
    if (at.type !== "symbol" || at.symbol !== "@") continue;
    const domain = readDomain(a, els, i + 1);
    const bareAt = !at.literal && !at.bracketed;
    if (domain === null) {
      // "@ gmail" with no TLD, or "@gmail": a mailbox hinted at, not given.
      const next = els[i + 1];
      if (next?.type === "word" && a.lexicon.webmailNames.has(next.key) && (at.literal || at.bracketed)) {
        const prev = els[i - 1];
        if (prev === undefined || prev.type !== "word" || at.spaceBefore)
          out.push({
            value: "",
            from: at.from,
            to: next.to,
            confidence: 0.7,
            reasons: ["mailbox named without address"],
          });
      }
      continue;
    }
    if (bareAt && !domain.wordDots && !domain.literalDots) continue;
    // "DM me on Instagram @emil.dev": an @handle after a channel name, not an address.
    const prevWord = els[i - 1];
    if (at.literal && at.spaceBefore && els[i + 1]?.spaceBefore === false && prevWord?.type === "word") {
      if (a.lexicon.channelNames.has(prevWord.key) || a.lexicon.weakChannelNames.has(prevWord.key)) continue;
    }
    const local = readLocal(a, els, i - 1, bareAt);
    // "Staging is up at staging.example.com": a bare "at" before a host name is English, not an address,
    // unless the name before it looks like a mailbox (dots, underscores, digits) or the host is webmail.
    if (
      local !== null &&
      bareAt &&
      !domain.wordDots &&
      !local.wordSymbols &&
      !/[._\d]/.test(local.value) &&
      !a.lexicon.webmailDomains.has(domain.value)
    )
      continue;
    // English "at" is also the preposition ("write me at gmail dot com"); "arroba", "ät", "собака" are not.
    const atToken = a.tokens[at.from];
    const englishAt =
      bareAt &&
      atToken !== undefined &&
      a.original.slice(...toOriginal(a.view, atToken.start, atToken.end)).toLowerCase() === "at";
    if (local === null || (englishAt && NOT_LOCAL.has(local.value)) || (local.value.length < 2 && bareAt)) {
      if (a.lexicon.webmailDomains.has(domain.value) && !bareAt)
        out.push({
          value: "",
          from: at.from,
          to: domain.to,
          confidence: 0.7,
          reasons: ["mailbox named without address"],
        });
      else if (a.lexicon.webmailDomains.has(domain.value) && bareAt && local === null)
        out.push({
          value: "",
          from: at.from,
          to: domain.to,
          confidence: 0.65,
          reasons: ["mailbox named without address"],
        });
      continue;
    }
    let confidence = at.literal && !domain.wordDots && !local.wordSymbols ? 0.95 : at.bracketed ? 0.92 : 0.85;
    if (a.lexicon.webmailDomains.has(domain.value)) confidence = Math.min(0.99, confidence + 0.04);
    out.push({
      value: `${local.value}@${domain.value}`,
      from: local.from,
      to: domain.to,
      confidence,
      reasons: at.literal ? ["address"] : ["address written with words for symbols"],
    });
    i = Math.max(i, domain.lastElement);
  }
  return out;
}

interface DomainRead {
  value: string;
  to: number;
  lastElement: number;
  wordDots: boolean;
  literalDots: boolean;
}

/** The domain after an "@": as written, or, when that ends in no real TLD, with leetspeak read as letters ("gm41l.c0m"). */
function readDomain(a: Analysis, els: readonly Element[], start: number): DomainRead | null {
  return readDomainAs(a, els, start, false) ?? readDomainAs(a, els, start, true);
}

function readDomainAs(a: Analysis, els: readonly Element[], start: number, leet: boolean): DomainRead | null {
  const labels: string[] = [];
  let k = start;
  let wordDots = false;
  let literalDots = false;
  let to = -1;
  let lastElement = start;
  let label = readLabel(a, els, k, leet);
  if (label === null) return null;
  labels.push(label.value);
  k = label.next;
  to = label.to;
  lastElement = label.next - 1;
  for (;;) {
    const dot = els[k];
    if (dot?.type !== "symbol" || dot.symbol !== ".") break;
    const next = els[k + 1];
    if (next === undefined) break;
    // A literal dot followed by a space ends a sentence, not a domain.
    if (dot.literal && next.spaceBefore) break;
    label = readLabel(a, els, k + 1, leet);
    if (label === null) break;
    if (dot.literal) literalDots = true;
    else wordDots = true;
    labels.push(label.value);
    k = label.next;
    to = label.to;
    lastElement = label.next - 1;
  }
  // Take the longest prefix ending in a real TLD ("gmail.com.thanks" is not a thing, but "mail.ru" is).
  for (let n = labels.length; n >= 2; n--) {
    const tld = labels[n - 1] as string;
    if (a.lexicon.tlds.has(tld) && !/^\d+$/.test(tld)) {
      if (n < labels.length) return null;
      return { value: labels.slice(0, n).join("."), to, lastElement, wordDots, literalDots };
    }
  }
  return null;
}

/** A domain label: word, possibly joined by literal hyphens without spaces ("adeyemi-media"). */
function readLabel(
  a: Analysis,
  els: readonly Element[],
  k: number,
  leet: boolean,
): { value: string; next: number; to: number } | null {
  const first = els[k];
  if (first?.type !== "word") return null;
  const word = labelWord(a, first, leet);
  if (!LABEL.test(word)) return null;
  let value = word;
  let next = k + 1;
  let to = first.to;
  for (;;) {
    const dash = els[next];
    const after = els[next + 1];
    if (
      dash?.type === "symbol" &&
      dash.symbol === "-" &&
      dash.literal &&
      !dash.spaceBefore &&
      after?.type === "word" &&
      !after.spaceBefore &&
      LABEL.test(after.key)
    ) {
      value += `-${after.key}`;
      to = after.to;
      next += 2;
    } else break;
  }
  return { value, next, to };
}

/** A domain label as written, or read as letters ("gm41l" -> "gmail"), or from another script ("جيميل" -> "gmail"). */
function labelWord(a: Analysis, el: Element & { type: "word" }, leet: boolean): string {
  const mapped = a.lexicon.domainWords.get(el.key);
  if (mapped !== undefined) return mapped;
  if (!leet) return el.key;
  const w = a.tokenWord[el.from] ?? -1;
  return w >= 0 ? (a.letterWords[w] as string) : el.key;
}

function readLocal(
  a: Analysis,
  els: readonly Element[],
  end: number,
  bareAt: boolean,
): { value: string; from: number; wordSymbols: boolean } | null {
  let last = els[end];
  if (last?.type !== "word") return null;
  // "t.hughes nine one at outlook dot com": spelled digits at the end of the name.
  let spelled = "";
  if (bareAt) {
    let k = end;
    let digits = "";
    for (let e = els[k]; e?.type === "word" && k > end - 6; e = els[--k]) {
      const v = a.lexicon.numberWords.get(e.key);
      if (v === undefined || v > 9) break;
      digits = String(v) + digits;
    }
    const base = els[k];
    if (
      digits.length > 0 &&
      k < end &&
      base?.type === "word" &&
      a.lexicon.numberWords.get(base.key) === undefined
    ) {
      spelled = digits;
      last = base;
      end = k;
    }
  }
  let value = last.key + spelled;
  let from = last.from;
  let wordSymbols = spelled.length > 0;
  let k = end - 1;
  for (;;) {
    const sep = els[k];
    const word = els[k - 1];
    if (sep?.type !== "symbol" || word?.type !== "word" || sep.symbol === "@" || sep.symbol === "+") break;
    if (sep.literal && (sep.spaceBefore || els[k + 1]?.spaceBefore === true)) break;
    if (!sep.literal) wordSymbols = true;
    value = `${word.key}${sep.symbol}${value}`;
    from = word.from;
    k -= 2;
  }
  if (!LOCAL.test(value)) return null;
  return { value, from, wordSymbols };
}
