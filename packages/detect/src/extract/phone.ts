import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import nonContact from "../../lexicons/non_contact.json" with { type: "json" };
import type { Analysis } from "../analyze.js";
import { CALL_STARTS, flagAt } from "../marks.js";
import { toOriginal } from "../text/view.js";
import type { DigitRun } from "./digits.js";

export interface PhoneCandidate {
  run: DigitRun;
  digits: string;
  confidence: number;
  reasons: string[];
  /** Set when the run is a number that is not a contact detail (A3). */
  suppressed?: string;
}

const ID_WORDS = new Set(nonContact.id_words);
const UNIT_WORDS = new Set(nonContact.unit_words);
const CURRENCY = new Set(nonContact.currency_symbols);
const BANK_WORDS = new Set(nonContact.bank_words);
/** Id words long enough to match inflected forms by prefix ("заказа" for "заказ"). */
const ID_PREFIXES = nonContact.id_words.filter((w) => w.length >= 5 && !w.includes(" "));
/** The suppression reason for account and routing numbers: not a phone, but a payment detail (P1). */
export const BANK_ACCOUNT = "bank account number";

export const MIN_PHONE_DIGITS = 7;
export const MAX_PHONE_DIGITS = 15;

/** Regions tried when nothing hints at one: a national number valid in one of them is more likely a phone. */
const FALLBACK_REGIONS: readonly CountryCode[] = ["US", "GB", "IN", "FR", "DE", "BR", "TR", "RU"];

/**
 * Scores a digit run as a phone number. `context` says the message (or the
 * turn before it) talks about contact. libphonenumber-js is called only on
 * runs that pass the cheap checks.
 */
export function scorePhone(
  a: Analysis,
  run: DigitRun,
  regionHints: readonly CountryCode[],
  context: boolean,
): PhoneCandidate | null {
  const digits = run.digits;
  if (digits.length < MIN_PHONE_DIGITS || digits.length > MAX_PHONE_DIGITS) return null;
  const reasons: string[] = [];
  const suppressed = nonContactReason(a, run);
  if (suppressed !== undefined) return { run, digits, confidence: 0, reasons: [suppressed], suppressed };

  let confidence = 0.45;
  if (context) {
    confidence += 0.25;
    reasons.push("contact context");
  }
  if (run.plus) {
    confidence += 0.25;
    reasons.push("international prefix");
  }
  if (run.spelledWords > 0 || run.lookalikes) {
    confidence += 0.15;
    reasons.push(run.spelledWords > 0 ? "spelled digits" : "look-alike digits");
  }
  if (run.groups.length > 1 || run.spelledWords > 0 || !isUnbroken(a, run)) {
    confidence += 0.05;
  } else if (!run.plus && !context && digits.length >= 11) {
    // One unbroken block of 11+ digits with no "+" and no talk of contact reads like an id.
    confidence -= 0.15;
    reasons.push("unbroken long block");
  }
  const check = checkNumber(digits, run.plus, regionsToTry(digits, confidence, regionHints));
  const validity = check.validity;
  if (validity === "valid") {
    confidence += 0.15;
    reasons.push("valid number");
  } else if (validity === "impossible" && run.plus) {
    // "+44 7700 0": a country code with too few digits after it.
    confidence -= 0.3;
    reasons.push("impossible length for its country");
  }
  // A national number read as valid in a region the text or the sender's locale names gets its country code.
  const international = regionHints.length > 0 ? check.international : undefined;
  return {
    run,
    digits: international ?? digits,
    confidence: Math.min(0.99, confidence),
    reasons,
  };
}

/**
 * Regions to validate a national number against: the hints, or when there are
 * none and the score is borderline, the fallback regions for numbers written
 * the national way (trunk prefix 0, or ten digits as in North America).
 */
function regionsToTry(
  digits: string,
  confidence: number,
  hints: readonly CountryCode[],
): readonly CountryCode[] {
  // Seven or eight digits are valid somewhere in most countries: no evidence without a hint.
  if (hints.length > 0 || confidence >= 0.6 || digits.length < 9) return hints;
  if (digits.startsWith("0") && !digits.startsWith("00")) return FALLBACK_REGIONS.filter((r) => r !== "US");
  if (digits.length === 10 && /^[2-9]/.test(digits)) return ["US"];
  return [];
}

interface NumberCheck {
  validity: "valid" | "possible" | "impossible" | "unknown";
  /** Country calling code and national number, digits only, when a region read the number as valid. */
  international?: string;
}

function checkNumber(digits: string, plus: boolean, regions: readonly CountryCode[]): NumberCheck {
  try {
    if (plus) {
      const n = parsePhoneNumberFromString(`+${digits}`);
      if (n === undefined) return { validity: "impossible" };
      return { validity: n.isValid() ? "valid" : n.isPossible() ? "possible" : "impossible" };
    }
    for (const region of regions) {
      const n = parsePhoneNumberFromString(digits, region);
      if (n?.isValid() === true)
        return { validity: "valid", international: `${n.countryCallingCode}${n.nationalNumber}` };
    }
    return { validity: "unknown" };
  } catch {
    return { validity: "unknown" };
  }
}

/** A word that names an id ("order", "invoice", "po", "siret"). */
export function isIdWord(key: string): boolean {
  return ID_WORDS.has(key);
}

/** A run that reads as a date, money, an id or a quantity (A3), whatever its length. */
export function isNonContact(a: Analysis, run: DigitRun): boolean {
  return nonContactReason(a, run) !== undefined;
}

/** Written as one block of digits in the original ("15228471936"), not spaced or dotted apart. */
function isUnbroken(a: Analysis, run: DigitRun): boolean {
  const first = a.tokens[run.from];
  const last = a.tokens[run.to - 1];
  if (first === undefined || last === undefined) return true;
  const [s, e] = toOriginal(a.view, first.start, last.end);
  return /^\+?\d+$/.test(a.original.slice(s, e));
}

function nonContactReason(a: Analysis, run: DigitRun): string | undefined {
  const { tokens } = a;
  const before = tokens[run.from - 1];
  const first = tokens[run.from];
  if (before !== undefined && !before.isWord && CURRENCY.has(before.key) && !run.plus) return "money or id";
  if (first !== undefined && !first.isWord && CURRENCY.has(first.key)) return "money or id";
  // A unit or currency right after: "1200 px", "25000 words", "5000000 usd".
  const after = tokens[run.to];
  if (!run.plus && after?.isWord === true && UNIT_WORDS.has(after.key)) return "quantity";
  if (after !== undefined && !after.isWord && (after.key === "%" || CURRENCY.has(after.key)))
    return "quantity";
  // An id or bank word just before: "order 123456789", "SIRET 732 829 320 00074", "routing 178285236".
  // A "+" number is international: ids are not written so ("server issues: +1 415 ...").
  const reach = run.plus ? 0 : 4;
  for (let k = run.from - 1, seen = 0; k >= 0 && seen < reach; k--) {
    const t = tokens[k];
    if (t === undefined) break;
    if (!t.isWord) {
      // A full stop followed by a space ends the sentence the id word would have to be in,
      // unless it closes an abbreviation ("no.", "Nr.", "inv.").
      const prev = tokens[k - 1];
      if (
        t.key === "." &&
        tokens[k + 1]?.spaceBefore === true &&
        !(prev?.isWord === true && prev.key.length <= 3)
      )
        break;
      if (t.key === "." || t.key === ":" || t.key === "#" || t.key === "-" || t.key === "/") continue;
      break;
    }
    seen++;
    // "order 113 ... my number is 555 ...", "issues/3188 call five five ...": a phone or call word
    // nearer the digits than the id word wins.
    if (
      a.lexicon.channelWords.get(t.key)?.weak === "phone" ||
      a.lexicon.channelNames.get(t.key) === "phone" ||
      flagAt(a.marks, CALL_STARTS, a.tokenWord[k] ?? -1)
    ) {
      // ... unless an id word owns it: "VAT number", "order number", "tracking no".
      const owner = tokens[k - 1];
      if (owner?.isWord === true && ID_WORDS.has(owner.key)) return "identifier";
      break;
    }
    const key = t.tail ?? t.key;
    const pair = `${tokens[k - 1]?.key ?? ""} ${key}`;
    if (BANK_WORDS.has(key) || BANK_WORDS.has(pair)) return BANK_ACCOUNT;
    if (
      ID_WORDS.has(key) ||
      ID_WORDS.has(pair) ||
      (key.length >= 5 && ID_PREFIXES.some((w) => key.startsWith(w)))
    )
      return "identifier";
  }
  // "N.º 2024-000318", "commande n° 100045872": the Romance abbreviation for "number" marks an id.
  if (
    first !== undefined &&
    /(?:^|[^a-z])n\s?[.]?\s?[°º]\s*[.:]?\s*$|(?:^|[^a-z])n\.\s?o\.?\s*$/.test(
      a.view.text.slice(Math.max(0, first.start - 8), first.start),
    )
  )
    return "identifier";
  const groups = run.groups;
  // Written digits that form a date, even after a spelled number ("milestone one due 2026-10-20").
  const dateSeparators = run.separators.replace(/ /g, "");
  if (groups.length >= 3 && /^[-/.]+$/.test(dateSeparators) && containsDate(groups)) return "date";
  if (run.spelledWords === 0 && groups.length >= 2) {
    const seps = run.separators.replace(/ /g, "");
    // Dates and year ranges: 15/03/2024, 2024-03-15, 2023-2024.
    // Dates, also followed by a time ("11/15/26 12:30"): the first three groups are a date.
    if (groups.length >= 3 && /^[-/.]+$/.test(seps) && isDate(groups.slice(0, 3))) return "date";
    if (groups.length === 2 && groups.every((g) => /^(19|20)\d\d$/.test(g))) return "year range";
    // Versions, decimals, IP addresses: a few dot-separated groups.
    if (seps === "." && groups.length <= 4 && !run.plus) return "version or decimal";
    // Lists and amounts: "4, 8, 12, 16", "1,250,000". Phone numbers are not written with commas.
    if (seps.includes(",")) return "list or amount";
    // Card numbers: four-digit groups that pass Luhn.
    if (groups.every((g) => g.length === 4) && run.digits.length >= 13 && luhn(run.digits))
      return "card number";
  }
  if (
    run.spelledWords === 0 &&
    run.digits.length >= 13 &&
    !run.plus &&
    luhn(run.digits) &&
    groups.length <= 1
  )
    return "card number";
  return undefined;
}

function containsDate(groups: readonly string[]): boolean {
  for (let i = 0; i + 3 <= groups.length; i++) if (isDate(groups.slice(i, i + 3))) return true;
  return false;
}

function isDate(groups: string[]): boolean {
  const [a, b, c] = groups.map((g) => g.length);
  return (
    (a === 4 && (b ?? 0) <= 2 && (c ?? 0) <= 2) || ((a ?? 0) <= 2 && (b ?? 0) <= 2 && (c === 2 || c === 4))
  );
}

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
