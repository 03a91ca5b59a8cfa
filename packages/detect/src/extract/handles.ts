import type { Analysis, ChannelMention } from "../analyze.js";
import { USERNAME_KINDS } from "../kinds.js";
import { toOriginal } from "../text/view.js";
import type { HandleKind } from "../types.js";
import type { Element } from "./elements.js";

export interface HandleCandidate {
  kind: HandleKind;
  value: string;
  /** Token range. */
  from: number;
  to: number;
  confidence: number;
  reasons: string[];
}

/** Words allowed between a channel name and the handle: "my tg is x", "insta: x", "id hai @x". */
const CONNECTORS = new Set([
  "as",
  "is",
  "id",
  "handle",
  "username",
  "user",
  "name",
  "nick",
  "ник",
  "me",
  "on",
  "at",
  "my",
  "its",
  "it",
  "hai",
  "pe",
  "par",
  "es",
  "e",
  "est",
  "ist",
  "do",
  "da",
  "the",
  "app",
  "account",
  "profile",
  "add",
  "find",
  "search",
  "message",
  "dm",
  "here",
  "im",
]);
const NOT_A_HANDLE = new Set([
  "me",
  "you",
  "us",
  "the",
  "app",
  "here",
  "there",
  "number",
  "id",
  "is",
  "and",
  "or",
  "please",
  "pls",
  "thanks",
  "ok",
  "okay",
  "later",
  "now",
  "today",
  "tomorrow",
  "instead",
  "too",
  "also",
  "only",
  "first",
  "chat",
  "call",
  "video",
  "group",
  "bot",
  "business",
  "api",
  "web",
  "desktop",
  "channel",
  "account",
  "profile",
  "page",
  "link",
  "contact",
  "same",
  "what",
  "whats",
]);
/** Words before a user name to add or follow on a channel named earlier. */
const ADD_WORDS = new Set(["add", "follow", "find", "search"]);
/** Signs allowed between a channel and its handle, and those that mark the handle as one. */
const CONNECTOR_SIGNS = new Set([":", "=", ",", "(", ")", "→", ">", "-"]);
const MARKING_SIGNS = new Set([":", "=", "→", ">", "("]);
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;
/** Connectors that name a handle outright: "my skype is x", "mi usuario es x". */
const NAMING = new Set([
  "as",
  "is",
  "es",
  "est",
  "ist",
  "e",
  "hai",
  "id",
  "handle",
  "username",
  "user",
  "nick",
  "ник",
]);
/** Words that follow "my whatsapp is" without being a name. */
const NOT_A_NAME = new Set([
  "down",
  "broken",
  "blocked",
  "banned",
  "busy",
  "full",
  "offline",
  "online",
  "better",
  "easier",
  "faster",
  "slower",
  "working",
  "not",
  "always",
  "usually",
  "mostly",
  "quite",
  "really",
  "very",
  "open",
  "closed",
  "active",
  "inactive",
  "private",
  "public",
  "same",
  "different",
  "new",
  "old",
  "fine",
  "dead",
  "off",
  "muted",
  "available",
  "unavailable",
]);

/** A user name ending at element `last`, read backwards over "_", "." and "-" written without spaces. */
function readUsernameBefore(els: readonly Element[], last: number): { value: string; first: number } | null {
  const end = els[last];
  if (end?.type !== "word") return null;
  let value = end.key;
  let first = last;
  for (;;) {
    const sep = els[first - 1];
    const word = els[first - 2];
    if (
      sep?.type !== "symbol" ||
      word?.type !== "word" ||
      !sep.literal ||
      (sep.symbol !== "_" && sep.symbol !== "." && sep.symbol !== "-")
    )
      break;
    if (sep.spaceBefore || els[first]?.spaceBefore === true) break;
    value = `${word.key}${sep.symbol}${value}`;
    first -= 2;
  }
  return USERNAME.test(value) ? { value, first } : null;
}

/** "I'm on Discord as x": the channel after a preposition, so "as" names an account, not a role ("Venmo as giving options"). */
function prepositionBefore(a: Analysis, token: number): boolean {
  const prev = a.tokens[token - 1];
  return prev?.isWord === true && a.lexicon.channelPrepositions.has(prev.key);
}

/** The name's text in the message is longer than the name: its letters were written apart, then joined. */
function writtenApart(a: Analysis, els: readonly Element[], from: number, next: number): boolean {
  const first = els[from];
  const last = els[next - 1];
  if (first === undefined || last === undefined) return false;
  const start = a.tokens[first.from]?.start ?? 0;
  const end = a.tokens[last.to - 1]?.end ?? 0;
  const [os, oe] = toOriginal(a.view, start, end);
  return oe - os > (end - start) * 1.5;
}

function possessiveBefore(a: Analysis, token: number): boolean {
  for (let t = token - 1; t >= 0 && t >= token - 2; t--) {
    const tok = a.tokens[t];
    if (tok?.isWord === true) return a.lexicon.firstPersonPossessives.has(tok.key);
  }
  return false;
}

export function findHandles(a: Analysis, els: readonly Element[]): HandleCandidate[] {
  const out: HandleCandidate[] = [];
  const tokenElement = new Int32Array(a.tokens.length).fill(-1);
  els.forEach((e, i) => {
    for (let t = e.from; t < e.to; t++) tokenElement[t] = i;
  });
  const taken = new Set<number>();
  // Without a channel a user name belongs to, only a $cashtag or a Skype id can be a handle.
  const anyChannel = a.channels.some((m) => USERNAME_KINDS.has(m.kind));
  if (!anyChannel) return cashtagsAndSkype(a, els, out);

  // "@name", not part of an email: the channel comes from the nearest mention.
  els.forEach((e, i) => {
    if (e.type !== "symbol" || e.symbol !== "@" || !e.literal) return;
    const prev = els[i - 1];
    if (prev !== undefined && !e.spaceBefore && prev.type === "word") return;
    const name = readUsername(els, i + 1, false);
    if (name === null || /^\d+$/.test(name.value)) return;
    const channel = nearestChannel(a, e.from, (m) => USERNAME_KINDS.has(m.kind));
    if (channel === null) return;
    out.push({
      kind: channel.kind as HandleKind,
      value: name.value,
      from: e.from,
      to: name.to,
      confidence: 0.9,
      reasons: ["@handle", `channel ${channel.kind}`],
    });
    for (let k = i; k < name.next; k++) taken.add(k);
  });

  // "I'm ghostquill.writes on Discord": a name shaped like one, then "on" and the channel.
  for (const m of a.channels) {
    if (!USERNAME_KINDS.has(m.kind) || m.negated) continue;
    const at = tokenElement[m.from] ?? -1;
    const prep = els[at - 1];
    if (at < 2 || prep?.type !== "word" || !a.lexicon.channelPrepositions.has(prep.key)) continue;
    const name = readUsernameBefore(els, at - 2);
    if (name === null || !/[\d_.]/.test(name.value) || /^\d/.test(name.value) || taken.has(name.first))
      continue;
    out.push({
      kind: m.kind as HandleKind,
      value: name.value,
      from: els[name.first]?.from ?? 0,
      to: els[at - 2]?.to ?? 0,
      confidence: 0.85,
      reasons: [`name before "on ${m.kind}"`],
    });
    for (let j = name.first; j <= at - 2; j++) taken.add(j);
  }

  // "telegram: name", "my dc is name", "hmu on the ghost app, name".
  for (const m of a.channels) {
    if (!USERNAME_KINDS.has(m.kind)) continue;
    const start = tokenElement[m.to] ?? -1;
    if (start < 0) continue;
    let k = start;
    let colon = false;
    let naming = false;
    // "I'm on Discord as pixelforge": "as" names the account without a possessive.
    let namedAs = false;
    let connectors = 0;
    let parenMarked = false;
    while (k < els.length && connectors <= 4) {
      const e = els[k] as Element;
      if (e.type === "other" && CONNECTOR_SIGNS.has(e.key)) {
        // ":" "=" "→" "(" mark what follows as the name ("Discord (mirohex)", "d1sc0rd → novaframes").
        if (e.key === "(") parenMarked = k === start;
        else if (MARKING_SIGNS.has(e.key)) colon = true;
        k++;
        connectors++;
        continue;
      }
      // "Skype - name" is a dash between words; "PayPal-Integration", "Venmo-style" are compounds.
      if (e.type === "symbol" && e.symbol === "-" && e.literal && e.spaceBefore) {
        colon = true;
        k++;
        continue;
      }
      if (
        e.type === "word" &&
        (CONNECTORS.has(e.key) || a.lexicon.firstPersonPossessives.has(e.key)) &&
        !(els[k + 1]?.type === "symbol" && (els[k + 1] as Element & { symbol?: string }).symbol === "_")
      ) {
        if (NAMING.has(e.key)) naming = true;
        if (e.key === "as") namedAs = true;
        k++;
        connectors++;
        continue;
      }
      break;
    }
    if (taken.has(k)) continue;
    const atSign = els[k];
    const hasAt = atSign?.type === "symbol" && atSign.symbol === "@" && atSign.literal;
    const name = readUsername(els, hasAt ? k + 1 : k, !hasAt);
    if (name === null || NOT_A_HANDLE.has(name.value) || /^\d+$/.test(name.value.replace(/[-. ]/g, "")))
      continue;
    // "Discord (mirohex)" marks the name only when the bracket closes right after it; "Venmo (through Braintree)" does not.
    const closing = els[name.next];
    if (parenMarked && closing?.type === "other" && closing.key === ")") colon = true;
    // Digits, "_" or "." mark a user name; so does one written with its letters apart ("m.a.y.a.l.u.x").
    const shaped = /[\d_.]/.test(name.value) || writtenApart(a, els, k, name.next);
    // "my Skype is sofialindqvist": named outright, by a possessive before the channel and "is" after it.
    const namedOutright =
      naming &&
      ((namedAs && prepositionBefore(a, m.from)) || possessiveBefore(a, m.from)) &&
      name.value.length >= 5 &&
      !NOT_A_NAME.has(name.value);
    // Discord's older tags, name#1234, mark a handle on their own.
    const tag = m.kind === "discord" ? discordTag(els, name.next) : undefined;
    if (!hasAt && !colon && !shaped && !namedOutright && tag === undefined) continue;
    // A weak name ("line", "x", "dc") needs the handle marked: "dc: name", "@name".
    if (m.strength === "weak" && !hasAt && !colon && !(shaped && naming)) continue;
    let value = name.value;
    if (tag !== undefined) {
      value += `#${tag.digits}`;
      name.to = tag.to;
    }
    if (m.kind === "skype" && value === "live") continue;
    out.push({
      kind: m.kind as HandleKind,
      value,
      from: els[k]?.from ?? m.to,
      to: name.to,
      confidence: hasAt || colon ? 0.9 : 0.8,
      reasons: [`after ${m.kind} mention`],
    });
    for (let j = k; j < name.next; j++) taken.add(j);
  }

  // "we're all on LINE at the studio, add yuki.sato.art": a name after "add" or "follow", the channel named earlier.
  els.forEach((e, i) => {
    if (e.type !== "word" || !ADD_WORDS.has(e.key) || taken.has(i + 1)) return;
    const atSign = els[i + 1];
    const hasAt = atSign?.type === "symbol" && atSign.symbol === "@" && atSign.literal;
    const name = readUsername(els, hasAt ? i + 2 : i + 1, true);
    if (name === null || NOT_A_HANDLE.has(name.value) || (!hasAt && !/[\d_.]/.test(name.value))) return;
    if (
      /^\d+$/.test(name.value.replace(/[-. ]/g, "")) ||
      a.lexicon.fileExtensions.has(name.value.split(".").at(-1) ?? "")
    )
      return;
    // A name starts with a letter ("add 3.6k to the contract" is an amount); a weak name ("line height") is no channel here.
    if (!/^[a-z]/.test(name.value)) return;
    const channel = nearestChannel(
      a,
      e.from,
      (m) =>
        USERNAME_KINDS.has(m.kind) &&
        m.to <= e.from &&
        (m.strength !== "weak" || prepositionBefore(a, m.from)),
    );
    if (channel === null) return;
    out.push({
      kind: channel.kind as HandleKind,
      value: name.value,
      from: e.from + 1,
      to: name.to,
      confidence: 0.8,
      reasons: [`added on ${channel.kind}`],
    });
  });

  return cashtagsAndSkype(a, els, out);
}

/** Skype live ids and $cashtags: handles that name their channel themselves. */
function cashtagsAndSkype(a: Analysis, els: readonly Element[], out: HandleCandidate[]): HandleCandidate[] {
  // Skype ids: live:.cid.1234abcd or live:name.
  const text = a.view.text;
  if (text.includes("live:")) {
    const re = /live:[a-z0-9._-]{3,64}/g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const value = m[0].replace(/[.]+$/, "");
      const from = tokenAt(a, m.index);
      const to = tokenAt(a, m.index + value.length - 1) + 1;
      out.push({ kind: "skype", value, from, to, confidence: 0.95, reasons: ["skype live id"] });
    }
  }

  // $cashtag
  if (!text.includes("$")) return out;
  els.forEach((e, i) => {
    if (e.type !== "other" || e.key !== "$") return;
    const next = els[i + 1];
    if (next?.type !== "word" || next.spaceBefore || !/^[a-z][a-z0-9_]{1,19}$/.test(next.key)) return;
    out.push({
      kind: "cashapp",
      value: next.key,
      from: e.from,
      to: next.to,
      confidence: 0.85,
      reasons: ["$cashtag"],
    });
  });
  return out;
}

/** "#1234" right after a name, no space: a Discord discriminator. */
function discordTag(els: readonly Element[], k: number): { digits: string; to: number } | undefined {
  const hash = els[k];
  const digits = els[k + 1];
  if (hash?.type !== "other" || hash.key !== "#" || hash.spaceBefore) return undefined;
  if (digits?.type !== "word" || digits.spaceBefore || !/^\d{4}$/.test(digits.key)) return undefined;
  return { digits: digits.key, to: digits.to };
}

function tokenAt(a: Analysis, viewOffset: number): number {
  let lo = 0;
  let hi = a.tokens.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((a.tokens[mid]?.start ?? 0) <= viewOffset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A user name: words joined by "_", "." or "-" written without spaces, or by words for them ("leila underscore pm"). */
function readUsername(
  els: readonly Element[],
  k: number,
  strict: boolean,
): { value: string; to: number; next: number } | null {
  const first = els[k];
  if (first?.type !== "word") return null;
  let value = first.key;
  let to = first.to;
  let next = k + 1;
  for (;;) {
    const sep = els[next];
    const word = els[next + 1];
    if (
      sep?.type !== "symbol" ||
      word?.type !== "word" ||
      (sep.symbol !== "_" && sep.symbol !== "." && sep.symbol !== "-")
    )
      break;
    if (sep.literal && (sep.spaceBefore || word.spaceBefore)) break;
    value += sep.symbol + word.key;
    to = word.to;
    next += 2;
  }
  // A trailing "_" ("name_") stays part of the name.
  const trail = els[next];
  if (trail?.type === "symbol" && trail.symbol === "_" && trail.literal && !trail.spaceBefore) {
    value += "_";
    to = trail.to;
    next++;
  }
  if (!USERNAME.test(value)) return null;
  if (strict && value.length < 3) return null;
  return { value, to, next };
}

/** The channel mention nearest to a token: before it (any distance) or just after it. */
export function nearestChannel(
  a: Analysis,
  token: number,
  accept: (m: ChannelMention) => boolean,
): ChannelMention | null {
  let best: ChannelMention | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const m of a.channels) {
    if (m.negated || !accept(m)) continue;
    const distance =
      m.to <= token ? token - m.to : m.from - token <= 6 ? (m.from - token) * 2 : Number.POSITIVE_INFINITY;
    if (distance < bestDistance) {
      best = m;
      bestDistance = distance;
    }
  }
  return best;
}
