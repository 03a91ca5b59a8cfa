import type { CountryCode } from "libphonenumber-js/max";
import { type Analysis, analyze } from "./analyze.js";
import { findDigitRuns } from "./extract/digits.js";
import { elementsOf } from "./extract/elements.js";
import { findEmails } from "./extract/email.js";
import { findHandles, nearestChannel } from "./extract/handles.js";
import { findLinks } from "./extract/links.js";
import { scorePhone } from "./extract/phone.js";
import type { ChannelKind, CompiledLexicon, PhraseCategory } from "./lexicon.js";
import type { PhraseMatch } from "./phrases.js";
import { baseView } from "./text/normalize.js";
import { toOriginal } from "./text/view.js";
import type { Finding, FindingKind, HandleKind, RuleId } from "./types.js";
import { findCryptoCandidates, validateCryptoAddress } from "./validate/crypto.js";
import { findIbanCandidates, validateIban } from "./validate/iban.js";

/** What one message holds before the policy is applied. */
export interface Detection {
  findings: Finding[];
  /** Allowed content worth naming (A1 artifact links, A2 brands as the subject of work, A3 numbers). */
  allowedRules: Set<RuleId>;
  /** The message asks for or offers contact in words (used as context for the next turn). */
  asksForContact: boolean;
}

export interface DetectContext {
  lexicon: CompiledLexicon;
  regionHints: readonly CountryCode[];
  /** The other party just asked for a contact detail, or this sender named a channel: digits are more likely a phone. */
  contactPrimed: boolean;
  artifactHosts: ReadonlySet<string>;
  contactHosts: ReadonlySet<string>;
}

const PAYMENT_KINDS = new Set<HandleKind>([
  "paypal",
  "venmo",
  "cashapp",
  "zelle",
  "wise",
  "payoneer",
  "iban",
  "crypto",
]);
const PHONE_APPS = new Set<ChannelKind>([
  "whatsapp",
  "viber",
  "telegram",
  "signal",
  "line",
  "wechat",
  "zelle",
  "paypal",
  "venmo",
  "cashapp",
  "wise",
  "payoneer",
]);
const EMAIL_KINDS = new Set<ChannelKind>([
  "paypal",
  "zelle",
  "wise",
  "payoneer",
  "venmo",
  "skype",
  "facebook",
]);

export function isPaymentKind(kind: FindingKind): boolean {
  return PAYMENT_KINDS.has(kind as HandleKind);
}

export function detect(original: string, ctx: DetectContext): Detection {
  const a = analyze(original, ctx.lexicon);
  const findings: Finding[] = [];
  const allowedRules = new Set<RuleId>();
  const span = (fromTok: number, toTok: number): [number, number] => {
    const s = a.tokens[fromTok]?.start ?? 0;
    const e = a.tokens[toTok - 1]?.end ?? s;
    return toOriginal(a.view, s, e);
  };
  const add = (
    rule: RuleId,
    kind: FindingKind,
    range: [number, number],
    value: string,
    confidence: number,
    reasons: string[],
  ): void => {
    const [start, end] = range;
    if (end <= start) return;
    findings.push({ rule, kind, start, end, value, confidence: round(confidence), reasons });
  };
  const detailRule = (kind: HandleKind): RuleId => (PAYMENT_KINDS.has(kind) ? "P1" : "C1");

  const phrases = a.phrases.filter((m) => !isNegated(a, m));
  const has = (category: PhraseCategory): boolean => phrases.some((m) => m.category === category);
  const contactContext =
    ctx.contactPrimed || has("contact_context") || has("ask_contact") || has("move_channel");
  const reversed = ctx.lexicon.reversalCues.match(a.words).length > 0;

  // --- Concrete details -------------------------------------------------
  const els = elementsOf(a);
  for (const e of findEmails(a, els)) {
    const channel = nearestChannel(a, e.from, false);
    const kind: HandleKind =
      channel !== null && EMAIL_KINDS.has(channel.kind) && near(channel, e.from, 8)
        ? (channel.kind as HandleKind)
        : "email";
    add(detailRule(kind), kind, span(e.from, e.to), e.value, e.confidence, e.reasons);
  }
  if (reversed)
    for (const f of reversedEmails(a))
      add("C1", "email", f.range, f.value, 0.85, ["address written backwards"]);

  const runs = findDigitRuns(a);
  const ownedTokens = new Set<number>();
  for (const f of findings)
    for (let t = 0; t < a.tokens.length; t++) if (overlaps(a, t, f)) ownedTokens.add(t);
  for (const run of runs) {
    if (ownedTokens.has(run.from)) continue;
    const phone = scorePhone(a, run, ctx.regionHints);
    if (phone === null) continue;
    if (phone.suppressed !== undefined) {
      allowedRules.add("A3");
      continue;
    }
    let confidence = phone.confidence;
    const channel = nearestChannel(a, run.from, false);
    const channelNear = channel !== null && near(channel, run.from, 12);
    if (contactContext || channelNear) confidence += 0.25;
    const kind: HandleKind =
      channelNear && channel !== null && PHONE_APPS.has(channel.kind)
        ? (channel.kind as HandleKind)
        : "phone";
    const digits = reversed ? [...phone.digits].reverse().join("") : phone.digits;
    add(detailRule(kind), kind, span(run.from, run.to), digits, Math.min(0.99, confidence), phone.reasons);
  }
  if (runs.length > 0 && !findings.some((f) => f.kind === "phone")) allowedRules.add("A3");

  for (const h of findHandles(a, els)) {
    if (findings.some((f) => f.value === h.value)) continue;
    add(detailRule(h.kind), h.kind, span(h.from, h.to), h.value, h.confidence, h.reasons);
  }
  for (const link of findLinks(a)) {
    const range = toOriginal(a.view, link.start, link.end);
    if (link.category === "artifact" || ctx.artifactHosts.has(link.host)) {
      allowedRules.add("A1");
      continue;
    }
    if (link.category === "channel" || ctx.contactHosts.has(link.host)) {
      const kind = link.kind as HandleKind;
      add(detailRule(kind), kind, range, link.value, 0.95, [`${link.host} link`]);
    } else if (
      link.category === "personal" &&
      (contactContext ||
        /contact|book|call|about|links?$/.test(link.path) ||
        a.lexicon.linkInBioHosts.has(link.host))
    ) {
      add("C1", "url", range, link.value, 0.75, ["personal contact page"]);
    }
  }
  paymentCodes(a, original, add);

  // --- Intent without a detail -----------------------------------------
  const work = a.lexicon.workTerms.match(a.words);
  const isSubjectOfWork = (fromTok: number, toTok: number): boolean => {
    const fromWord = wordIndexNear(a, fromTok);
    const toWord = wordIndexNear(a, toTok - 1);
    return work.some((w) => w.to >= fromWord - 3 && w.from <= toWord + 3);
  };
  const safe = phrases.filter((m) => m.category === "platform_safe");
  for (const m of phrases) {
    const range = span(a.wordToken[m.from] as number, (a.wordToken[m.to - 1] as number) + 1);
    switch (m.category) {
      case "pay_outside":
        if (safe.some((s) => s.from >= m.from - 2 && s.from <= m.to + 4)) break;
        add("P1", "intent_pay_outside", range, m.phrase, 0.85, [`phrase "${m.phrase}"`]);
        break;
      case "work_outside":
        add("P2", "intent_work_outside", range, m.phrase, 0.85, [`phrase "${m.phrase}"`]);
        break;
      case "ask_contact":
        add("C2", "intent_ask_contact", range, m.phrase, 0.8, [`phrase "${m.phrase}"`]);
        break;
      case "move_channel":
        add("C2", "intent_move_channel", range, m.phrase, 0.75, [`phrase "${m.phrase}"`]);
        break;
      case "contact_context":
      case "payment_context":
      case "negation":
      case "platform_safe":
        break;
    }
  }

  // Payment methods named with a payment verb: "pay via p4yp4l", "pp f&f".
  const hasDetail = findings.some((f) => f.rule === "C1" || f.rule === "P1");
  const paymentWords = a.lexicon.paymentMethods.match(a.words);
  const payMention = paymentWords.find(
    (m) => !isSubjectOfWork(a.wordToken[m.from] as number, (a.wordToken[m.to - 1] as number) + 1),
  );
  const payChannel = a.channels.find((c) => PAYMENT_CHANNELS.has(c.kind) && !isSubjectOfWork(c.from, c.to));
  const payContext = has("payment_context") || has("pay_outside");
  if (
    (payMention !== undefined || payChannel !== undefined) &&
    payContext &&
    !findings.some((f) => f.rule === "P1") &&
    safe.length === 0
  ) {
    const range =
      payMention !== undefined
        ? span(a.wordToken[payMention.from] as number, (a.wordToken[payMention.to - 1] as number) + 1)
        : span((payChannel as { from: number }).from, (payChannel as { to: number }).to);
    add(
      "P1",
      "intent_pay_outside",
      range,
      payMention?.phrase ?? (payChannel as { kind: string }).kind,
      0.75,
      ["payment method with a payment verb"],
    );
  }
  if (paymentWords.length > 0 && payMention === undefined) allowedRules.add("A2");

  // A channel named as where to talk: "hmu on snap", "tg or wa?", "wanna switch to the purple app?".
  if (!hasDetail && !findings.some((f) => f.rule === "C2")) {
    const question = a.tokens.some((t) => t.key === "?");
    for (const c of a.channels) {
      if (PAYMENT_CHANNELS.has(c.kind)) continue;
      if (isSubjectOfWork(c.from, c.to)) {
        allowedRules.add("A2");
        continue;
      }
      const short = a.words.length <= 6;
      const strongEnough = c.strength !== "weak" || short;
      if (strongEnough && (question || short || c.strength === "euphemism") && !negatedAt(a, c.from)) {
        add("C2", "channel_mention", span(c.from, c.to), c.kind, 0.7, [`${c.kind} named as a channel`]);
        break;
      }
    }
  }
  return {
    findings: dedupe(findings),
    allowedRules,
    asksForContact: has("ask_contact") || has("move_channel"),
  };
}

const PAYMENT_CHANNELS = new Set<ChannelKind>([
  "paypal",
  "venmo",
  "cashapp",
  "zelle",
  "wise",
  "payoneer",
  "bank",
  "crypto",
]);

function paymentCodes(
  a: Analysis,
  original: string,
  add: (
    rule: RuleId,
    kind: FindingKind,
    range: [number, number],
    value: string,
    confidence: number,
    reasons: string[],
  ) => void,
): void {
  const text = a.view.text;
  if (!/[a-z0-9]{10}|[a-z]{2}\d\d[ -]?[0-9a-z]{4}/.test(text)) return;
  const cased = baseView(original, true);
  for (const c of findIbanCandidates(cased.text)) {
    const v = validateIban(c.value);
    if (!v.lengthOk && !v.checksumOk) continue;
    add("P1", "iban", toOriginal(cased, c.start, c.end), c.value, v.valid ? 0.97 : 0.7, [
      v.valid ? "IBAN mod-97 ok" : "IBAN-shaped",
    ]);
  }
  for (const c of findCryptoCandidates(cased.text)) {
    const v = validateCryptoAddress(c.value);
    if (v === null) continue;
    if (v.network === "solana" && !/sol|usdc|usdt|wallet|crypto|phantom/.test(text)) continue;
    const confidence = v.valid && v.checksum !== "bad" ? 0.95 : 0.65;
    add("P1", "crypto", toOriginal(cased, c.start, c.end), c.value, confidence, [
      `${v.network} address, checksum ${v.checksum}`,
    ]);
  }
}

function reversedEmails(a: Analysis): { range: [number, number]; value: string }[] {
  const out: { range: [number, number]; value: string }[] = [];
  const re = /[a-z0-9._-]+@[a-z0-9._+-]+/g;
  for (let m = re.exec(a.view.text); m !== null; m = re.exec(a.view.text)) {
    const value = [...m[0]].reverse().join("");
    if (
      /^[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/.test(value) &&
      a.lexicon.tlds.has(value.split(".").at(-1) as string)
    )
      out.push({ range: toOriginal(a.view, m.index, m.index + m[0].length), value });
  }
  return out;
}

function near(channel: { from: number; to: number }, token: number, distance: number): boolean {
  return (
    (channel.to <= token && token - channel.to <= distance) ||
    (channel.from >= token && channel.from - token <= distance)
  );
}

function overlaps(a: Analysis, tokenIndex: number, f: Finding): boolean {
  const t = a.tokens[tokenIndex];
  if (t === undefined) return false;
  const [s, e] = toOriginal(a.view, t.start, t.end);
  return s < f.end && e > f.start;
}

function wordIndexNear(a: Analysis, token: number): number {
  for (let t = token; t >= 0; t--) {
    const w = a.tokenWord[t] ?? -1;
    if (w >= 0) return w;
  }
  return 0;
}

function isNegated(a: Analysis, m: PhraseMatch<PhraseCategory>): boolean {
  if (m.category === "negation" || m.category === "platform_safe" || m.category === "contact_context")
    return false;
  return a.phrases.some((n) => n.category === "negation" && n.to <= m.from && m.from - n.to <= 2);
}

function negatedAt(a: Analysis, token: number): boolean {
  const w = wordIndexNear(a, token);
  return a.phrases.some((n) => n.category === "negation" && n.to <= w + 1 && w - n.to <= 2 && n.from !== w);
}

function dedupe(findings: Finding[]): Finding[] {
  findings.sort((x, y) => x.start - y.start || y.end - x.end);
  const out: Finding[] = [];
  for (const f of findings) {
    const isDetail = !f.kind.startsWith("intent_") && f.kind !== "channel_mention";
    // Keep one finding per span: the first (longest) detail wins over intents inside it.
    if (
      isDetail &&
      out.some(
        (o) =>
          !o.kind.startsWith("intent_") &&
          o.kind !== "channel_mention" &&
          o.start <= f.start &&
          o.end >= f.end,
      )
    )
      continue;
    out.push(f);
  }
  return out;
}

function round(x: number): number {
  return Math.round(Math.max(0, Math.min(1, x)) * 100) / 100;
}
