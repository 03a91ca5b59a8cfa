import type { CountryCode } from "libphonenumber-js/max";
import nonContact from "../lexicons/non_contact.json" with { type: "json" };
import { type Analysis, analyze, type ChannelMention } from "./analyze.js";
import { findDigitRuns } from "./extract/digits.js";
import { type Element, elementsOf } from "./extract/elements.js";
import { findEmails } from "./extract/email.js";
import { findHandles, nearestChannel } from "./extract/handles.js";
import { findLinks, hostIn } from "./extract/links.js";
import { BANK_ACCOUNT, isIdWord, isNonContact, scorePhone } from "./extract/phone.js";
import { EMAIL_APPS, isDetailKind, MEDIA, PAYMENT_CHANNELS, PAYMENT_KINDS, PHONE_APPS } from "./kinds.js";
import type { ChannelKind, CompiledLexicon, PhraseCategory } from "./lexicon.js";
import {
  anyIn,
  anySet,
  CALL_ENDS,
  flagAt,
  inReportedSentence,
  NEGATION_ENDS,
  SAMPLE_ENDS,
  SAMPLE_STARTS,
  STRONG_NEGATION_ENDS,
  workIn,
} from "./marks.js";
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

/** Longer than any phrase of the lexicons with its gaps: how far back a phrase holding a method may start. */
const MAX_PHRASE_WORDS = 16;

/** Words for the contract itself in the end-of-contract phrases of the lexicons (any language). */
const CONTRACT_WORD =
  /contract|contrat|vertrag|контракт|заказ|sozlesme|kontrak|hop dong|zlecen|العقد|milestone|escrow|refund|complete/;

/** Words that say what a detail is: "+1 555 0100 as the placeholder", "... is the sample value". */
const AS_WORDS = new Set(["as", "is", "for", "was", "are"]);

/** "Zelle you", "venmo me": a payment app's name used as a verb. */
const PRONOUNS = new Set(["you", "u", "me", "ya", "te", "vous", "dich", "ti", "тебе", "вам"]);

const RESERVED_DOMAINS = new Set(nonContact.reserved_domains);

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
    if (isDetailKind(kind)) occupy(range, 1);
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
  const marks = a.marks;
  /** A brand with a work noun near it is the subject of the work (A2): "integrate PayPal checkout", "a WhatsApp bot". */
  // Work words around the brand, not inside it ("the app with the green icon" names WhatsApp; "icon" is no work there).
  const isSubjectOfWork = (fromWord: number, toWord: number, before = 5, after = 3): boolean =>
    workIn(marks, fromWord - before - 1, fromWord - 1) || workIn(marks, toWord + 1, toWord + after);
  // "my WhatsApp is ..." is the sender's own account, whatever work is named around it.
  const isWorkMention = (c: ChannelMention): boolean =>
    !a.lexicon.firstPersonPossessives.has(a.tokens[c.from - 1]?.key ?? "") &&
    isSubjectOfWork(wordIndexNear(a, c.from), wordIndexNear(a, c.to - 1));
  const phrases = a.found.phrases.filter((m) => !isNegated(a, m) && !quoted(a, m.from, m.to - 1));
  const has = (category: PhraseCategory): boolean => phrases.some((m) => m.category === category);
  // A contact word owned by an id ("PO number", "order no") is no talk of contact.
  const contactWord = (m: PhraseMatch<PhraseCategory>): boolean =>
    m.category === "contact_context" && !(m.to - m.from === 1 && isIdWord(a.words[m.from - 1] ?? ""));
  const contactContext =
    ctx.contactPrimed || phrases.some(contactWord) || has("ask_contact") || has("move_channel");
  const reversed = a.found.reversed;
  // The sender's locale, and places the message names ("I'm in Lagos").
  const regions: readonly CountryCode[] =
    a.found.regions.length === 0
      ? ctx.regionHints
      : [...new Set([...ctx.regionHints, ...(a.found.regions as CountryCode[])])];
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
      // An abbreviation's full stop ("e.g. 020 ...") does not end the sentence.
      return !/[\n!?]|\.\s+\p{Lu}/u.test(original.slice(os, oe));
    };
    for (let end = from - 1; end <= from; end++)
      if (flagAt(marks, SAMPLE_ENDS, end) && together(end - 1, Math.min(from, a.words.length - 1)))
        return true;
    // After it only as what the detail is: "... as the placeholder", "... is the sample value".
    if (!AS_WORDS.has(a.words[to + 1] ?? "")) return false;
    for (let start = to + 1; start <= to + 3; start++)
      if (flagAt(marks, SAMPLE_STARTS, start) && together(to, start)) return true;
    return false;
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
    // The nearest app that can hold such a detail ("I have Wise, account email x@y": Wise, not "email").
    const channel = nearestChannel(
      a,
      fromTok,
      (m) => apps.has(m.kind) && !everydayWord(a, m) && !isWorkMention(m),
    );
    if (channel !== null && near(channel, fromTok, 16)) return channel.kind as HandleKind;
    if (a.channels.length === 0 && ctx.channelHint !== undefined && apps.has(ctx.channelHint))
      return ctx.channelHint as HandleKind;
    return null;
  };

  // --- Concrete details -------------------------------------------------
  // Links first: digits inside a link's path ("node-id=226-4728") are part of the link.
  for (const link of findLinks(a)) {
    const range = toOriginal(a.view, link.start, link.end);
    occupy(range, link.category === "plain" ? 2 : 4);
    if (link.category === "artifact" || hostIn(ctx.artifactHosts, link.host)) {
      allowedRules.add("A1");
      continue;
    }
    if (link.category === "channel" || hostIn(ctx.contactHosts, link.host)) {
      const kind = link.kind as HandleKind;
      add(detailRule(kind), kind, range, link.value, 0.95, [`${link.host} link`]);
    } else if (
      link.category === "personal" &&
      (/contact|kontakt|contato|contacto|contatti|iletisim|book|call|hire|links?$/.test(link.path) ||
        a.lexicon.linkInBioHosts.has(link.host))
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
      const kept = findings.filter((f) => !(f.start >= es && f.end <= ee));
      findings.length = 0;
      for (const f of kept) findings.push(f);
    }
    const kind = appFor(EMAIL_APPS, e.from) ?? "email";
    addDetail(kind, e.from, e.to, [es, ee], e.value, e.confidence, e.reasons);
  }
  if (reversed)
    for (const f of reversedEmails(a))
      add("C1", "email", f.range, f.value, 0.85, ["address written backwards"]);
  // "send it by mail: hoa.nguyen.design" (the domain follows in the next message): the start of an address.
  for (const c of a.channels) {
    if (c.kind !== "email" || c.negated) continue;
    const local = mailboxStart(a, els, c.to);
    if (local !== null && !covered(local.from))
      add("C1", "email", tokenSpan(local.from, local.to), "", 0.6, ["start of an address given as contact"]);
  }

  // IBANs and addresses before phones: "NL91 ABNA 0417 1643 00" holds a phone-shaped tail.
  paymentCodes(a, original, add, isSample, allowedRules);
  const runs = findDigitRuns(a);
  let phoneFound = false;
  for (const run of runs) {
    if (covered(run.from)) continue;
    const apps = phoneApps(a, run.from, run.to, isWorkMention);
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
    phoneFound = true;
  }
  if (runs.length > 0 && !phoneFound) allowedRules.add("A3");

  const values = new Set(findings.map((f) => f.value));
  for (const h of findHandles(a, els)) {
    // A handle may be a plain host name ("Skype: lukas.becker.dev", "snap me: yusuf.design").
    if (values.has(h.value) || covered(h.from, true)) continue;
    values.add(h.value);
    addDetail(h.kind, h.from, h.to, tokenSpan(h.from, h.to), h.value, h.confidence, h.reasons);
  }

  // --- Intent without a detail -----------------------------------------
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
      return isSubjectOfWork(cFrom, cTo) && marks.sentence[cFrom] === marks.sentence[fromWord];
    });
  const paymentWords = a.found.methods;
  // The platform's own payment talk right around an intent ("pay you directly through the platform"),
  // unless it is declined ("instead of going through the platform").
  const safeStartsAt = new Uint8Array(a.words.length + 1);
  for (const m of phrases)
    if (m.category === "platform_safe" && !anyIn(marks, NEGATION_ENDS, m.from - 2, m.from))
      safeStartsAt[m.from] = 1;
  const safeNear = (m: PhraseMatch<PhraseCategory>): boolean => anySet(safeStartsAt, m.from - 1, m.to + 4);
  for (const m of phrases) {
    const range = wordSpan(m);
    const reasons = [`phrase "${m.phrase}"`];
    switch (m.category) {
      case "pay_outside": {
        if (safeNear(m)) break;
        // A bare method name ("bank transfer", "gift card") is read by the method rule below, with its verb.
        const covering = marks.method[m.from] ?? -1;
        if (covering >= 0 && (paymentWords[covering]?.to ?? 0) >= m.to) break;
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
      case "end_contract":
      case "outside_marker":
      case "contact_context":
      case "payment_context":
      case "negation":
      case "platform_safe":
        break;
    }
  }

  // Payment methods named with a payment verb: "pay via p4yp4l", "pp f&f is fine", "I can just Zelle you".
  const channelWord = new Uint8Array(a.words.length + 1);
  for (const c of a.channels) channelWord.fill(1, wordIndexNear(a, c.from), wordIndexNear(a, c.to - 1) + 1);
  // "Google Pay to the checkout": a phrase that overlaps a method's name without holding all of it is part of the name.
  const cutsAMethod = (m: PhraseMatch<PhraseCategory>): boolean => {
    for (let w = m.from; w < m.to; w++) {
      const p = paymentWords[marks.method[w] ?? -1];
      if (p !== undefined && !(m.from <= p.from && m.to >= p.to)) return true;
    }
    return false;
  };
  // A context phrase that is only a method's name ("iban", "my card") is no verb.
  const payVerbs = phrases.filter(
    (m) =>
      m.category === "pay_outside" ||
      (m.category === "payment_context" &&
        !cutsAMethod(m) &&
        !(m.to - m.from <= 2 && channelWord[m.to - 1] === 1)),
  );
  const verbStartsAt = new Uint8Array(a.words.length + 2);
  const verbEndsAt = new Uint8Array(a.words.length + 2);
  // For each start, the furthest end of a verb phrase starting there: "by bank transfer" holds the method.
  const verbReach = new Int32Array(a.words.length + 1).fill(-1);
  for (const v of payVerbs) {
    verbStartsAt[v.from] = 1;
    verbEndsAt[v.to] = 1;
    verbReach[v.from] = Math.max(verbReach[v.from] ?? -1, v.to);
  }
  if (!findings.some((f) => f.rule === "P1")) {
    const adjacentVerb = (from: number): boolean => anySet(verbEndsAt, from - 1, from);
    // The verb goes with the method: holding it, a few words before it, or just after it
    // ("by bank transfer", "send it through pp", "Zelle? I can send").
    const holdsMethod = (from: number, to: number): boolean => {
      for (let s = Math.max(0, from - MAX_PHRASE_WORDS); s <= from; s++)
        if ((verbReach[s] ?? -1) >= to) return true;
      return false;
    };
    const verbNear = (from: number, to: number): boolean =>
      holdsMethod(from, to) || anySet(verbEndsAt, from - 5, from + 1) || anySet(verbStartsAt, to - 1, to + 3);
    const usedAsVerb = (to: number): boolean => PRONOUNS.has(a.words[to] ?? "");
    // "I don't do PayPal or bank transfers": a method named right after a negation is refused, not offered.
    const refused = (from: number): boolean => anyIn(marks, STRONG_NEGATION_ENDS, from - 3, from);
    const method = paymentWords.find(
      (m) =>
        (m.category === "strong" ? verbNear(m.from, m.to) || usedAsVerb(m.to) : adjacentVerb(m.from)) &&
        !refused(m.from) &&
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

  // P2: ending, pausing, refunding or splitting the contract, with the pay or the work going outside.
  // A contract word ("close the contract", "mark it complete") goes with any sign of outside; a vaguer
  // ending ("the rest", "next phase") only with payment outside already found.
  if (!findings.some((f) => f.rule === "P2")) {
    const paysOutside = findings.some((f) => f.rule === "P1");
    const outside =
      paysOutside ||
      phrases.some((m) => m.category === "outside_marker") ||
      a.channels.some(
        (c) => !c.negated && !MEDIA.has(c.kind) && !PAYMENT_CHANNELS.has(c.kind) && !isWorkMention(c),
      );
    const ending = phrases.find(
      (m) => m.category === "end_contract" && (CONTRACT_WORD.test(m.phrase) ? outside : paysOutside),
    );
    if (ending !== undefined)
      add("P2", "intent_work_outside", wordSpan(ending), ending.phrase, 0.8, [
        `"${ending.phrase}" with the work or the pay going outside`,
      ]);
  }

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
      // The words around the mention; an emoji mention ("your 📞?") is no word itself.
      const prev = (a.tokenWord[c.from] ?? -1) >= 0 ? from - 1 : from;
      const next = (a.tokenWord[c.to - 1] ?? -1) >= 0 ? to + 1 : wordIndexAtOrAfter(a, c.to);
      const askedFor =
        a.lexicon.secondPersonBefore.has(a.words[prev] ?? "") ||
        a.lexicon.secondPersonAfter.has(a.words[next] ?? "");
      // "u have LINE?", "do you use WhatsApp?": whether the other party is on a channel.
      const onItQuestion = question && a.lexicon.channelQuestionWords.has(a.words[prev] ?? "");
      if (
        MEDIA.has(c.kind) &&
        c.strength !== "euphemism" &&
        !(askedFor && (c.strength === "strong" || question))
      )
        continue;
      const onChannel = a.lexicon.channelPrepositions.has(a.words[prev] ?? "");
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
function phoneApps(
  a: Analysis,
  fromTok: number,
  toTok: number,
  isWorkMention: (c: ChannelMention) => boolean,
): HandleKind[] {
  // Apps named as the subject of the work ("a WhatsApp Business API bot") give no number their name.
  const usable = (c: ChannelMention): boolean =>
    !c.negated && PHONE_APPS.has(c.kind) && !everydayWord(a, c) && !isWorkMention(c);
  const before = a.channels.filter((c) => usable(c) && c.to <= fromTok && fromTok - c.to <= 14);
  if (before.length > 0) {
    // The nearest app, plus any listed with it ("Viber or Telegram, same number").
    const nearest = before.at(-1) as ChannelMention;
    const listed = before.filter((c) => nearest.from - c.to <= 3 || c === nearest);
    return [...new Set(listed.map((c) => c.kind as HandleKind))];
  }
  const after = a.channels.find(
    (c) =>
      !c.negated && PHONE_APPS.has(c.kind) && !everydayWord(a, c) && c.from >= toTok && c.from - toTok <= 8,
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
  return a.channels.some(
    (c) =>
      c.kind === "phone" &&
      !c.negated &&
      c.to <= fromTok &&
      fromTok - c.to <= 6 &&
      // "PO number", "order number": an id's number, not a phone's.
      !isIdWord(a.tokens[c.from - 1]?.key ?? ""),
  );
}

/**
 * "my direct line is ...", "no signal here": the weak names of LINE and Signal used as everyday words,
 * which a determiner or an adjective before them gives away ("Signal please", "prefer Signal" are the apps).
 */
function everydayWord(a: Analysis, c: ChannelMention): boolean {
  if (c.strength !== "weak" || (c.kind !== "line" && c.kind !== "signal")) return false;
  return EVERYDAY_BEFORE.has(a.tokens[c.from - 1]?.key ?? "");
}

const EVERYDAY_BEFORE = new Set([
  "my",
  "the",
  "a",
  "your",
  "our",
  "direct",
  "phone",
  "land",
  "office",
  "work",
  "home",
  "no",
  "bad",
  "weak",
  "good",
  "strong",
  "poor",
  "mobile",
  "cell",
  "same",
  "this",
  "that",
  "next",
  "first",
  "new",
]);

/**
 * The number is also offered for calls: "Call or WhatsApp +1 ...", or a phone
 * word before it with the app named after ("number 0300 ... hai, WhatsApp bhi").
 * "Viber or Telegram, same number +63 ..." offers it for the apps only.
 */
function offeredForCalls(a: Analysis, fromTok: number, toTok: number): boolean {
  const w = wordIndexAtOrAfter(a, fromTok);
  if (anyIn(a.marks, CALL_ENDS, w - 8, w)) return true;
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
    const first = tokenEndingAfter(a, range[0]);
    const last = tokenEndingAfter(a, range[1] - 1);
    return first < a.tokens.length && isSample(first, Math.min(a.tokens.length, last + 1));
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
  // Runs inside a link's path or query ("/d/1ZxcVbn...", "?id=...") are ids, not codes to pay to.
  let inLink = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || isLetter(c)) {
      if (run === 0) inLink = i > 0 && LINK_CHARS.has(text.charCodeAt(i - 1));
      run++;
      if (inLink) continue;
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

/** "/", "=", "?", "&", "#", "-", "_", ".": characters that glue a run of letters and digits into a link. */
const LINK_CHARS = new Set([0x2f, 0x3d, 0x3f, 0x26, 0x23, 0x2d, 0x5f, 0x2e]);

const isLetter = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * After a mail word and a colon, a name shaped like an address's first part (dots, underscores or digits)
 * with no "@" after it: "mail: hoa.nguyen.design".
 */
function mailboxStart(
  a: Analysis,
  els: readonly Element[],
  tokenAfter: number,
): { from: number; to: number } | null {
  const i = els.findIndex((e) => e.from >= tokenAfter);
  const colon = els[i];
  if (i < 0 || colon?.type !== "other" || colon.key !== ":") return null;
  let k = i + 1;
  let value = "";
  let to = -1;
  const from = els[k]?.from ?? -1;
  for (; k < els.length && k < i + 12; k++) {
    const e = els[k] as Element;
    if (e.type === "word" && (value === "" || !e.spaceBefore)) value += e.key;
    else if (
      e.type === "symbol" &&
      (e.symbol === "." || e.symbol === "_" || e.symbol === "-") &&
      e.literal &&
      !e.spaceBefore
    )
      value += e.symbol;
    else break;
    to = e.to;
  }
  const next = els[k];
  if (next?.type === "symbol" && next.symbol === "@") return null;
  if (
    !/^[a-z0-9][a-z0-9._-]*[._][a-z0-9._-]*[a-z0-9]$|^[a-z]+[0-9]+$/.test(value) ||
    a.lexicon.fileExtensions.has(value.split(".").at(-1) ?? "")
  )
    return null;
  return from < 0 || to < 0 ? null : { from, to };
}

/** The first token whose source ends after an offset of the original text (binary search: tokens are in order). */
function tokenEndingAfter(a: Analysis, offset: number): number {
  let lo = 0;
  let hi = a.tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = a.tokens[mid] as Analysis["tokens"][number];
    if ((a.view.origEnd[t.end - 1] ?? 0) > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function reversedEmails(a: Analysis): { range: [number, number]; value: string }[] {
  const out: { range: [number, number]; value: string }[] = [];
  // Starting only where a run of such characters starts, so no start re-reads the run before it.
  const re = /(?<![a-z0-9._-])[a-z0-9._-]+@[a-z0-9._+-]+/g;
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

/** Negated just before ("I never take payment outside"), or in a sentence of reported speech. */
function isNegated(a: Analysis, m: PhraseMatch<PhraseCategory>): boolean {
  if (m.category === "negation" || m.category === "platform_safe" || m.category === "contact_context")
    return false;
  if (m.category === "reported") return false;
  return anyIn(a.marks, NEGATION_ENDS, m.from - 2, m.from) || inReportedSentence(a.marks, m.from);
}

/** Whether the words [from, to] sit between the same pair of quotation marks. */
function quoted(a: Analysis, from: number, to: number): boolean {
  const q = a.marks.quote[from] ?? -1;
  return q >= 0 && a.marks.quote[to] === q;
}

/** A reported-speech phrase in the sentence of the words [from, to]. */
function reportedAround(a: Analysis, from: number, to: number): boolean {
  void to;
  return inReportedSentence(a.marks, from);
}

function dedupe(findings: Finding[]): Finding[] {
  findings.sort((x, y) => x.start - y.start || y.end - x.end);
  const out: Finding[] = [];
  // One detail per span and kind: the first (longest) wins over details of its kind inside it.
  const reach = new Map<string, number>();
  for (const f of findings) {
    if (isDetailKind(f.kind)) {
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
