import type { CountryCode } from "libphonenumber-js/max";
import nonContact from "../lexicons/non_contact.json" with { type: "json" };
import { type Analysis, analyze, type ChannelMention } from "./analyze.js";
import { findDigitRuns } from "./extract/digits.js";
import { elementsOf } from "./extract/elements.js";
import { findEmails } from "./extract/email.js";
import { findHandles, nearestChannel } from "./extract/handles.js";
import { findLinks } from "./extract/links.js";
import { BANK_ACCOUNT, isNonContact, scorePhone } from "./extract/phone.js";
import { EMAIL_APPS, MEDIA, PAYMENT_CHANNELS, PAYMENT_KINDS, PHONE_APPS } from "./kinds.js";
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
  /** Allowed content worth naming (A1 artifact links, A2 brands or sample values as the subject of work, A3 numbers). */
  allowedRules: Set<RuleId>;
  /** The message asks for or offers contact in words (context for the next turn). */
  asksForContact: boolean;
  /** Channels named as channels (not negated, not the subject of work), in order: context for the next turn. */
  channelsNamed: ChannelKind[];
  /** Channels named as the subject of the work ("a WhatsApp bot"). */
  workSubjects: ChannelKind[];
}

export interface DetectContext {
  lexicon: CompiledLexicon;
  regionHints: readonly CountryCode[];
  /** The other party just asked for a contact detail: digits now are more likely a phone. */
  contactPrimed: boolean;
  artifactHosts: ReadonlySet<string>;
  contactHosts: ReadonlySet<string>;
  /** A channel named in the turn before ("Zelle you, what's your email?"): a bare email or phone now belongs to it. */
  channelHint?: ChannelKind;
  /** Brands the conversation already made the subject of the work ("a Telegram bot"): naming them again proposes nothing. */
  workSubjects?: ReadonlySet<ChannelKind>;
}

type Add = (
  rule: RuleId,
  kind: FindingKind,
  range: [number, number],
  value: string,
  confidence: number,
  reasons: string[],
) => void;

/** Words that say what a detail is: "+1 555 0100 as the placeholder", "... is the sample value". */
const AS_WORDS = new Set(["as", "is", "for", "was", "are"]);

/** "Zelle you", "venmo me": a payment app's name used as a verb. */
const PRONOUNS = new Set(["you", "u", "me", "ya", "te", "vous", "dich", "ti", "тебе", "вам"]);

const RESERVED_DOMAINS = new Set(nonContact.reserved_domains);

export function isPaymentKind(kind: FindingKind): boolean {
  return PAYMENT_KINDS.has(kind);
}

export function detect(original: string, ctx: DetectContext): Detection {
  const a = analyze(original, ctx.lexicon);
  const findings: Finding[] = [];
  const allowedRules = new Set<RuleId>();
  /** Original-text spans that belong to something already read (a link): no other detail starts inside them. */
  // Which original offsets hold a finding (1) or a link (2 = a plain host, 4 = any other link), so that
  // "is this token already read?" costs the token's length, not the number of findings.
  const occupied = new Uint8Array(original.length + 1);
  const occupy = (range: readonly [number, number], bit: number): void => {
    for (let i = range[0]; i < range[1]; i++) occupied[i] = (occupied[i] ?? 0) | bit;
  };
  const tokenSpan = (fromTok: number, toTok: number): [number, number] => {
    const s = a.tokens[fromTok]?.start ?? 0;
    const e = a.tokens[toTok - 1]?.end ?? s;
    return toOriginal(a.view, s, e);
  };
  const wordSpan = (m: { from: number; to: number }): [number, number] =>
    tokenSpan(a.wordToken[m.from] as number, (a.wordToken[m.to - 1] as number) + 1);
  const add: Add = (rule, kind, range, value, confidence, reasons) => {
    const [start, end] = range;
    if (end <= start) return;
    findings.push({ rule, kind, start, end, value, confidence: round(confidence), reasons });
    if (!kind.startsWith("intent_") && kind !== "channel_mention") occupy(range, 1);
  };
  const detailRule = (kind: FindingKind): RuleId => (PAYMENT_KINDS.has(kind) ? "P1" : "C1");
  const covered = (fromTok: number, overPlainHosts = false): boolean => {
    const t = a.tokens[fromTok];
    if (t === undefined) return false;
    const [s, e] = toOriginal(a.view, t.start, t.end);
    const mask = overPlainHosts ? 1 | 4 : 1 | 2 | 4;
    for (let i = s; i < e; i++) if (((occupied[i] ?? 0) & mask) !== 0) return true;
    return false;
  };

  // Intents inside quotation marks are not the sender's own: a UI label ("a 'Pay with Zelle' option"),
  // someone else's words. Negated and reported ones are dropped too.
  const phrases = a.phrases.filter((m) => !isNegated(a, m) && !quoted(a, m.from, m.to - 1));
  const has = (category: PhraseCategory): boolean => phrases.some((m) => m.category === category);
  const contactContext =
    ctx.contactPrimed || has("contact_context") || has("ask_contact") || has("move_channel");
  const reversed = a.found.reversed;
  // The sender's locale, and places the message names ("I'm in Lagos").
  const regions: readonly CountryCode[] =
    a.found.regions.length === 0
      ? ctx.regionHints
      : [...new Set([...ctx.regionHints, ...(a.found.regions as CountryCode[])])];
  const samples = a.found.samples;
  /** A detail near "test", "example", "placeholder" is the subject of the work, not a way to reach someone. */
  const isSample = (fromTok: number, toTok: number): boolean => {
    const from = wordIndexAtOrAfter(a, fromTok);
    const to = wordIndexNear(a, toTok - 1);
    // Right before the detail, or before its kind noun ("test IBAN DE89..."), or just after ("... as the placeholder").
    // In the same sentence: "show examples\n+44 7700 ..." is an example offered, then a number.
    const together = (w1: number, w2: number): boolean => {
      const s = a.tokens[a.wordToken[w1] as number]?.end ?? 0;
      const e = a.tokens[a.wordToken[w2] as number]?.start ?? 0;
      const [os, oe] = toOriginal(a.view, s, e);
      return !/[\n.!?]/.test(original.slice(os, oe));
    };
    return samples.some(
      (s) =>
        (s.to <= from && from - s.to <= 1 && together(s.to - 1, Math.min(from, a.words.length - 1))) ||
        // After it only as what the detail is: "... as the placeholder", "... is the sample value".
        (s.from > to && s.from - to <= 3 && AS_WORDS.has(a.words[to + 1] ?? "") && together(to, s.from)),
    );
  };
  const addDetail = (
    kind: HandleKind,
    fromTok: number,
    toTok: number,
    range: [number, number],
    value: string,
    confidence: number,
    reasons: string[],
  ): void => {
    if (isSample(fromTok, toTok)) {
      allowedRules.add("A2");
      return;
    }
    add(detailRule(kind), kind, range, value, confidence, reasons);
  };
  /** The app a bare email or phone belongs to: named near it, or in the turn before ("Zelle you, what's your email?"). */
  const appFor = (apps: ReadonlySet<ChannelKind>, fromTok: number): HandleKind | null => {
    const channel = nearestChannel(a, fromTok, false);
    if (channel !== null && apps.has(channel.kind) && near(channel, fromTok, 8))
      return channel.kind as HandleKind;
    if (channel === null && ctx.channelHint !== undefined && apps.has(ctx.channelHint))
      return ctx.channelHint as HandleKind;
    return null;
  };

  // --- Concrete details -------------------------------------------------
  // Links first: digits inside a link's path ("node-id=226-4728") are part of the link.
  for (const link of findLinks(a)) {
    const range = toOriginal(a.view, link.start, link.end);
    occupy(range, link.category === "plain" ? 2 : 4);
    if (link.category === "artifact" || ctx.artifactHosts.has(link.host)) {
      allowedRules.add("A1");
      continue;
    }
    if (link.category === "channel" || ctx.contactHosts.has(link.host)) {
      const kind = link.kind as HandleKind;
      add(detailRule(kind), kind, range, link.value, 0.95, [`${link.host} link`]);
    } else if (
      link.category === "personal" &&
      (/contact|book|call|links?$/.test(link.path) || a.lexicon.linkInBioHosts.has(link.host))
    ) {
      add("C1", "url", range, link.value, 0.75, ["personal contact page"]);
    } else if (link.category === "plain" && a.lexicon.linkInBioHosts.has(link.host)) {
      add("C1", "url", range, link.value, 0.7, ["link-in-bio page"]);
    }
  }

  const els = elementsOf(a);
  for (const e of findEmails(a, els)) {
    const domain = e.value.slice(e.value.indexOf("@") + 1);
    if (RESERVED_DOMAINS.has(domain) || RESERVED_DOMAINS.has(domain.split(".").at(-1) as string)) {
      allowedRules.add("A2");
      continue;
    }
    // The address contains what the link reader saw as a host ("jane@gmail.com"): the email wins.
    const [es, ee] = tokenSpan(e.from, e.to);
    if (occupied.subarray(es, ee).some((b) => (b & 1) !== 0)) {
      const inside = findings.filter((f) => f.start >= es && f.end <= ee);
      if (inside.length > 0)
        findings.splice(0, findings.length, ...findings.filter((f) => !inside.includes(f)));
    }
    const kind = appFor(EMAIL_APPS, e.from) ?? "email";
    addDetail(kind, e.from, e.to, [es, ee], e.value, e.confidence, e.reasons);
  }
  if (reversed)
    for (const f of reversedEmails(a))
      add("C1", "email", f.range, f.value, 0.85, ["address written backwards"]);

  // IBANs and addresses before phones: "NL91 ABNA 0417 1643 00" holds a phone-shaped tail.
  paymentCodes(a, original, add, isSample, allowedRules);
  const runs = findDigitRuns(a);
  for (const run of runs) {
    if (covered(run.from)) continue;
    const apps = phoneApps(a, run.from, run.to);
    // Writing a number backwards is itself a sign it is meant to be read as one.
    const context = contactContext || reversed || apps.length > 0 || phoneWordBefore(a, run.from);
    const phone = scorePhone(a, run, regions, context);
    if (phone === null) {
      // "my line is zero seven zero three": the start of a number, announced as one.
      if (
        run.digits.length >= 3 &&
        run.digits.length < 7 &&
        possessivePhoneWord(a, run.from) &&
        !isNonContact(a, run)
      )
        add("C1", "phone", tokenSpan(run.from, run.to), "", 0.55, ["start of a number given as contact"]);
      continue;
    }
    if (phone.suppressed === BANK_ACCOUNT) {
      add("P1", "intent_pay_outside", tokenSpan(run.from, run.to), BANK_ACCOUNT, 0.8, [BANK_ACCOUNT]);
      continue;
    }
    if (phone.suppressed !== undefined) {
      allowedRules.add("A3");
      continue;
    }
    const digits = reversed ? [...phone.digits].reverse().join("") : phone.digits;
    const range = tokenSpan(run.from, run.to);
    const hinted = apps.length === 0 ? appFor(PHONE_APPS, run.from) : null;
    // "Call or WhatsApp +1 305 ...": a number offered for calls and for an app is both handles.
    const kinds: HandleKind[] = apps.length > 0 ? [...apps] : [hinted ?? "phone"];
    if (apps.length > 0 && offeredForCalls(a, run.from, run.to)) kinds.unshift("phone");
    for (const kind of kinds)
      addDetail(kind, run.from, run.to, range, digits, phone.confidence, phone.reasons);
  }
  if (runs.length > 0 && !findings.some((f) => f.kind === "phone")) allowedRules.add("A3");

  const values = new Set(findings.map((f) => f.value));
  for (const h of findHandles(a, els)) {
    // A handle may be a plain host name ("Skype: lukas.becker.dev", "snap me: yusuf.design").
    if (values.has(h.value) || covered(h.from, true)) continue;
    values.add(h.value);
    addDetail(h.kind, h.from, h.to, tokenSpan(h.from, h.to), h.value, h.confidence, h.reasons);
  }

  // --- Intent without a detail -----------------------------------------
  const work = a.found.work;
  /** A brand with a work noun near it is the subject of the work (A2): "integrate PayPal checkout", "a WhatsApp bot". */
  const isSubjectOfWork = (fromWord: number, toWord: number, before = 5, after = 3): boolean =>
    work.some((w) => w.to >= fromWord - before && w.from <= toWord + after);
  /**
   * A method is the subject of the work when a work word comes before it ("integrate PayPal", "a crypto
   * payment plugin accepts BTC") or right after it ("PayPal checkout"); payment talk names the work it
   * pays for further on ("send the USDT for the extra audit").
   */
  const isMethodSubject = (fromWord: number, toWord: number): boolean =>
    isSubjectOfWork(fromWord, toWord, 5, 2) ||
    quoted(a, fromWord, toWord) ||
    a.channels.some((c) => {
      const cFrom = wordIndexNear(a, c.from);
      const cTo = wordIndexNear(a, c.to - 1);
      // The same brand made the subject earlier in the conversation ("PayPal checkout" ... "PayPal Pay Later").
      if (ctx.workSubjects?.has(c.kind) === true && cFrom <= toWord && cTo >= fromWord) return true;
      // A brand that is the subject in the same sentence carries the method with it:
      // "a Telegram bot for coffee orders with payment through monobank".
      return (
        isSubjectOfWork(cFrom, cTo) &&
        (cTo < fromWord ? sameSentence(a, cTo, fromWord) : sameSentence(a, toWord, cFrom))
      );
    });
  const paymentWords = a.found.methods;
  const safe = phrases.filter((m) => m.category === "platform_safe" && !safeNegated(a, m));
  const safeNear = (m: PhraseMatch<PhraseCategory>): boolean =>
    safe.some((s) => s.from >= m.from - 1 && s.from <= m.to + 4);
  for (const m of phrases) {
    const range = wordSpan(m);
    const reasons = [`phrase "${m.phrase}"`];
    switch (m.category) {
      case "pay_outside": {
        if (safeNear(m)) break;
        // A bare method name ("bank transfer", "gift card") is read by the method rule below, with its verb.
        if (paymentWords.some((p) => p.from <= m.from && p.to >= m.to)) break;
        add("P1", "intent_pay_outside", range, m.phrase, 0.85, reasons);
        break;
      }
      case "work_outside":
        if (safeNear(m)) break;
        add("P2", "intent_work_outside", range, m.phrase, 0.85, reasons);
        break;
      case "ask_contact":
        add("C2", "intent_ask_contact", range, m.phrase, 0.8, reasons);
        break;
      case "move_channel":
        add("C2", "intent_move_channel", range, m.phrase, 0.75, reasons);
        break;
      case "reported":
      case "contact_context":
      case "payment_context":
      case "negation":
      case "platform_safe":
        break;
    }
  }

  // Payment methods named with a payment verb: "pay via p4yp4l", "pp f&f is fine", "I can just Zelle you".
  const channelAt = (w: number): boolean =>
    a.channels.some((c) => wordIndexNear(a, c.from) <= w && wordIndexNear(a, c.to - 1) >= w);
  // A context phrase that is only a method's name ("iban", "my card") is no verb.
  const payVerbs = phrases.filter(
    (m) =>
      m.category === "pay_outside" ||
      (m.category === "payment_context" &&
        // "Google Pay to the checkout": a phrase that overlaps a method's name is part of the name.
        !paymentWords.some((p) => p.from < m.to && p.to > m.from && !(m.from <= p.from && m.to >= p.to)) &&
        !(m.to - m.from <= 2 && channelAt(m.to - 1))),
  );
  if (!findings.some((f) => f.rule === "P1")) {
    const adjacentVerb = (from: number): boolean => payVerbs.some((v) => v.to <= from && from - v.to <= 1);
    // The verb goes with the method: a few words before it or just after it ("send it through pp", "Zelle? I can send").
    const verbNear = (from: number, to: number): boolean =>
      payVerbs.some(
        (v) =>
          (v.from <= from && v.to >= to) ||
          (v.to <= from + 1 && from - v.to <= 5) ||
          (v.from >= to - 1 && v.from - to <= 3),
      );
    const usedAsVerb = (to: number): boolean => PRONOUNS.has(a.words[to] ?? "");
    const method = paymentWords.find(
      (m) =>
        (m.category === "strong" ? verbNear(m.from, m.to) || usedAsVerb(m.to) : adjacentVerb(m.from)) &&
        !isMethodSubject(m.from, m.to - 1),
    );
    const channel = a.channels.find((c) => {
      if (!PAYMENT_CHANNELS.has(c.kind) || c.negated) return false;
      const from = wordIndexNear(a, c.from);
      const to = wordIndexNear(a, c.to - 1);
      const verb = c.strength === "weak" ? adjacentVerb(from) : verbNear(from, to + 1) || usedAsVerb(to + 1);
      return verb && !isMethodSubject(from, to);
    });
    if (method !== undefined)
      add("P1", "intent_pay_outside", wordSpan(method), method.phrase, 0.75, [
        "payment method with a payment verb",
      ]);
    else if (channel !== undefined)
      add("P1", "intent_pay_outside", tokenSpan(channel.from, channel.to), channel.kind, 0.7, [
        "payment channel with a payment verb",
      ]);
  }
  if (paymentWords.length > 0 && !findings.some((f) => f.rule === "P1")) allowedRules.add("A2");

  // A channel named as the place to talk: "hmu on snap", "tg or wa?", "wanna switch to the purple app?",
  // "let's do the interview on Skype".
  const hasDetail = findings.some((f) => f.rule === "C1" || f.rule === "P1");
  if (!hasDetail && !findings.some((f) => f.rule === "C2")) {
    const question = a.tokens.some((t) => t.key === "?");
    const words = a.words.length;
    const proposal = a.found.proposals > 0;
    for (const c of a.channels) {
      if (PAYMENT_CHANNELS.has(c.kind) || c.negated || ctx.workSubjects?.has(c.kind) === true) continue;
      const from = wordIndexNear(a, c.from);
      const to = wordIndexNear(a, c.to - 1);
      if (isSubjectOfWork(from, to)) {
        allowedRules.add("A2");
        continue;
      }
      // "Someone wanted to move to Telegram, I said no": reported, not proposed.
      if (reportedAround(a, from, to)) continue;
      // "share ur whatsapp no.", "your email?", "ano FB mo?": the other party's channel, asked for.
      const askedFor =
        a.lexicon.secondPersonBefore.has(a.words[from - 1] ?? "") ||
        a.lexicon.secondPersonAfter.has(a.words[to + 1] ?? "");
      // "u have LINE?", "do you use WhatsApp?": whether the other party is on a channel.
      const onItQuestion = question && a.lexicon.channelQuestionWords.has(a.words[from - 1] ?? "");
      if (
        MEDIA.has(c.kind) &&
        c.strength !== "euphemism" &&
        !(askedFor && (c.strength === "strong" || question))
      )
        continue;
      const onChannel = from > 0 && a.lexicon.channelPrepositions.has(a.words[from - 1] ?? "");
      const proposes =
        c.strength === "euphemism" ||
        askedFor ||
        (onItQuestion && !MEDIA.has(c.kind)) ||
        (c.strength === "strong"
          ? words <= 3 || (question && words <= 8) || (onChannel && proposal)
          : (question && words <= 4) || words <= 2 || (onChannel && proposal && question));
      if (proposes) {
        add("C2", "channel_mention", tokenSpan(c.from, c.to), c.kind, 0.7, [`${c.kind} named as a channel`]);
        break;
      }
    }
  }
  const channelsNamed: ChannelKind[] = [];
  const workSubjects: ChannelKind[] = [];
  for (const c of a.channels) {
    if (c.negated) continue;
    if (isSubjectOfWork(wordIndexNear(a, c.from), wordIndexNear(a, c.to - 1))) workSubjects.push(c.kind);
    else channelsNamed.push(c.kind);
  }
  return {
    findings: dedupe(findings),
    allowedRules,
    asksForContact: has("ask_contact") || has("move_channel"),
    channelsNamed,
    workSubjects,
  };
}

/** Apps a phone number is given for: every app named just before it (not negated), or one named right after. */
function phoneApps(a: Analysis, fromTok: number, toTok: number): HandleKind[] {
  const before = a.channels.filter(
    (c) =>
      !c.negated && PHONE_APPS.has(c.kind) && !everydayWord(c) && c.to <= fromTok && fromTok - c.to <= 14,
  );
  if (before.length > 0) {
    // The nearest app, plus any listed with it ("Viber or Telegram, same number").
    const nearest = before.at(-1) as ChannelMention;
    const listed = before.filter((c) => nearest.from - c.to <= 3 || c === nearest);
    return [...new Set(listed.map((c) => c.kind as HandleKind))];
  }
  const after = a.channels.find(
    (c) => !c.negated && PHONE_APPS.has(c.kind) && !everydayWord(c) && c.from >= toTok && c.from - toTok <= 8,
  );
  return after === undefined ? [] : [after.kind as HandleKind];
}

/** "my number", "my line", "amar number": a possessive and a phone word just before. */
function possessivePhoneWord(a: Analysis, fromTok: number): boolean {
  return a.channels.some((c) => {
    if (c.to > fromTok || fromTok - c.to > 3 || (c.kind !== "phone" && c.kind !== "line")) return false;
    const before = a.tokens[c.from - 1];
    return before?.isWord === true && a.lexicon.firstPersonPossessives.has(before.key);
  });
}

/** "номер: 0582...", "cell 415...": a word for phone number shortly before the digits. */
function phoneWordBefore(a: Analysis, fromTok: number): boolean {
  return a.channels.some((c) => c.kind === "phone" && !c.negated && c.to <= fromTok && fromTok - c.to <= 6);
}

/** "my line is ...", "signal is weak": the weak names of LINE and Signal are everyday words, not apps, before a number. */
function everydayWord(c: ChannelMention): boolean {
  return c.strength === "weak" && (c.kind === "line" || c.kind === "signal");
}

/**
 * The number is also offered for calls: "Call or WhatsApp +1 ...", or a phone
 * word before it with the app named after ("number 0300 ... hai, WhatsApp bhi").
 * "Viber or Telegram, same number +63 ..." offers it for the apps only.
 */
function offeredForCalls(a: Analysis, fromTok: number, toTok: number): boolean {
  const w = wordIndexNear(a, fromTok);
  if (a.calls.some((c) => c.to <= w && w - c.to <= 8)) return true;
  const appAfter = a.channels.some((c) => !c.negated && PHONE_APPS.has(c.kind) && c.from >= toTok);
  const appBefore = a.channels.some((c) => !c.negated && PHONE_APPS.has(c.kind) && c.to <= fromTok);
  return appAfter && !appBefore && phoneWordBefore(a, fromTok);
}

function paymentCodes(
  a: Analysis,
  original: string,
  add: Add,
  isSample: (fromTok: number, toTok: number) => boolean,
  allowedRules: Set<RuleId>,
): void {
  const text = a.view.text;
  if (!mayHoldPaymentCode(text)) return;
  const cased = baseView(original, true);
  const sampleAt = (range: [number, number]): boolean => {
    // The first token ending after the code's start, by binary search: tokens are in text order.
    let lo = 0;
    let hi = a.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = a.tokens[mid] as Analysis["tokens"][number];
      if ((a.view.origEnd[t.end - 1] ?? 0) > range[0]) hi = mid;
      else lo = mid + 1;
    }
    return lo < a.tokens.length && isSample(lo, lo + 1);
  };
  for (const c of findIbanCandidates(cased.text)) {
    const v = validateIban(c.value);
    if (!v.lengthOk && !v.checksumOk) continue;
    // A failed checksum is a typo only where banking is talked about.
    if (!v.valid && !a.channels.some((ch) => ch.kind === "bank")) continue;
    const range = toOriginal(cased, c.start, c.end);
    if (sampleAt(range)) {
      allowedRules.add("A2");
      continue;
    }
    add("P1", "iban", range, c.value, v.valid ? 0.97 : 0.7, [v.valid ? "IBAN mod-97 ok" : "IBAN-shaped"]);
  }
  for (const c of findCryptoCandidates(cased.text)) {
    const v = validateCryptoAddress(c.value);
    if (v === null) continue;
    // Without a valid checksum (or for Solana, without one at all) an address needs crypto talk around it.
    const cryptoTalk =
      a.channels.some((ch) => ch.kind === "crypto") || /sol|usdc|usdt|wallet|crypto|phantom/.test(text);
    if ((v.network === "solana" || !v.valid || v.checksum === "bad") && !cryptoTalk) continue;
    const range = toOriginal(cased, c.start, c.end);
    if (sampleAt(range)) {
      allowedRules.add("A2");
      continue;
    }
    const confidence = v.valid && v.checksum !== "bad" ? 0.95 : 0.65;
    add("P1", "crypto", range, c.value, confidence, [`${v.network} address, checksum ${v.checksum}`]);
  }
}

/**
 * A cheap pass before the IBAN and crypto finders (which need the case-kept
 * view, a second pass over the text): is there anything shaped like either?
 */
function mayHoldPaymentCode(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || isLetter(c)) {
      run++;
      // A crypto address: 25 or more letters and digits in a row.
      if (run >= 25) return true;
      // An IBAN's start at a word's start: two letters and two digits ("de89").
      if (
        run === 4 &&
        isDigit(c) &&
        isDigit(text.charCodeAt(i - 1)) &&
        isLetter(text.charCodeAt(i - 2)) &&
        isLetter(text.charCodeAt(i - 3))
      )
        return true;
    } else run = 0;
  }
  return false;
}

const isLetter = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function reversedEmails(a: Analysis): { range: [number, number]; value: string }[] {
  const out: { range: [number, number]; value: string }[] = [];
  const re = /[a-z0-9._-]+@[a-z0-9._+-]+/g;
  for (let m = re.exec(a.view.text); m !== null; m = re.exec(a.view.text)) {
    const value = [...m[0]].reverse().join("");
    const tld = value.split(".").at(-1) as string;
    if (/^[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/.test(value) && a.lexicon.tlds.has(tld))
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

function wordIndexAtOrAfter(a: Analysis, token: number): number {
  for (let t = token; t < a.tokens.length; t++) {
    const w = a.tokenWord[t] ?? -1;
    if (w >= 0) return w;
  }
  return a.words.length;
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
  return a.phrases.some(
    (n) =>
      (n.category === "negation" && n.to <= m.from && m.from - n.to <= 2) ||
      // Reported speech ("someone messaged me asking to move to Telegram and pay in crypto") covers its sentence.
      (n.category === "reported" &&
        (n.to <= m.from ? sameSentence(a, n.to, m.from) : sameSentence(a, m.to, n.from))),
  );
}

function sameSentence(a: Analysis, fromWord: number, toWord: number): boolean {
  const fromTok = a.wordToken[fromWord] ?? 0;
  const toTok = a.wordToken[toWord] ?? 0;
  for (let t = fromTok; t < toTok; t++) {
    const key = a.tokens[t]?.key;
    if (key === "." || key === "!" || key === "?" || key === ";") return false;
  }
  return true;
}

/** Whether the words [from, to] sit between quotation marks. */
function quoted(a: Analysis, from: number, to: number): boolean {
  return a.quotes.some(([qs, qe]) => qs <= from && qe >= to);
}

/** A reported-speech phrase in the same sentence as the words [from, to]. */
function reportedAround(a: Analysis, from: number, to: number): boolean {
  return a.phrases.some(
    (n) =>
      n.category === "reported" &&
      (n.to <= from ? sameSentence(a, n.to, from) : n.from > to && sameSentence(a, to + 1, n.from)),
  );
}

/** "instead of going through the platform": a safe phrase that is being declined. */
function safeNegated(a: Analysis, m: PhraseMatch<PhraseCategory>): boolean {
  return a.phrases.some((n) => n.category === "negation" && n.to <= m.from && m.from - n.to <= 2);
}

function dedupe(findings: Finding[]): Finding[] {
  findings.sort((x, y) => x.start - y.start || y.end - x.end);
  const out: Finding[] = [];
  // One detail per span and kind: the first (longest) wins over details of its kind inside it.
  const reach = new Map<string, number>();
  for (const f of findings) {
    const isDetail = !f.kind.startsWith("intent_") && f.kind !== "channel_mention";
    if (isDetail) {
      if ((reach.get(f.kind) ?? -1) >= f.end) continue;
      reach.set(f.kind, Math.max(reach.get(f.kind) ?? -1, f.end));
    }
    out.push(f);
  }
  return out;
}

function round(x: number): number {
  return Math.round(Math.max(0, Math.min(1, x)) * 100) / 100;
}
