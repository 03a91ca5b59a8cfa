import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import nonContact from "../../lexicons/non_contact.json" with { type: "json" };
import type { Analysis } from "../analyze.js";
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

export const MIN_PHONE_DIGITS = 7;
export const MAX_PHONE_DIGITS = 15;

/** Scores a digit run as a phone number; libphonenumber-js is called only on runs that pass the cheap checks. */
export function scorePhone(
  a: Analysis,
  run: DigitRun,
  regionHints: readonly CountryCode[],
): PhoneCandidate | null {
  const digits = run.digits;
  if (digits.length < MIN_PHONE_DIGITS || digits.length > MAX_PHONE_DIGITS) return null;
  const reasons: string[] = [];
  const suppressed = nonContactReason(a, run);
  if (suppressed !== undefined) return { run, digits, confidence: 0, reasons: [suppressed], suppressed };

  let confidence = 0.45;
  if (run.plus) {
    confidence += 0.25;
    reasons.push("international prefix");
  }
  if (run.spelledWords > 0 || run.lookalikes) {
    confidence += 0.15;
    reasons.push(run.spelledWords > 0 ? "spelled digits" : "look-alike digits");
  }
  if (run.groups.length > 1 || run.spelledWords > 0) {
    confidence += 0.05;
  } else if (!run.plus && digits.length >= 11) {
    // One unbroken block of 11+ digits with no "+" reads like an id.
    confidence -= 0.15;
    reasons.push("unbroken long block");
  }
  const valid = isValidSomewhere(digits, run.plus, regionHints);
  if (valid) {
    confidence += 0.15;
    reasons.push("valid number");
  }
  return { run, digits, confidence: Math.min(0.99, confidence), reasons };
}

function isValidSomewhere(digits: string, plus: boolean, regions: readonly CountryCode[]): boolean {
  try {
    if (plus) return parsePhoneNumberFromString(`+${digits}`)?.isValid() ?? false;
    for (const region of regions) if (parsePhoneNumberFromString(digits, region)?.isValid()) return true;
    return false;
  } catch {
    return false;
  }
}

function nonContactReason(a: Analysis, run: DigitRun): string | undefined {
  const { tokens } = a;
  const before = tokens[run.from - 1];
  const first = tokens[run.from];
  if (before !== undefined && !before.isWord && CURRENCY.has(before.key) && !run.plus) return "money or id";
  if (first !== undefined && !first.isWord && CURRENCY.has(first.key)) return "money or id";
  // A unit or currency right after: "1200 px", "25000 words", "5000000 usd".
  const after = tokens[run.to];
  if (after?.isWord && UNIT_WORDS.has(after.key)) return "quantity";
  if (after !== undefined && !after.isWord && (after.key === "%" || CURRENCY.has(after.key)))
    return "quantity";
  // An id word just before: "order 123456789", "SIRET 732 829 320 00074", "invoice #4412...".
  for (let k = run.from - 1, seen = 0; k >= 0 && seen < 3; k--) {
    const t = tokens[k];
    if (t === undefined) break;
    if (!t.isWord) {
      if (t.key === "." || t.key === ":" || t.key === "#" || t.key === "-") continue;
      break;
    }
    seen++;
    if (ID_WORDS.has(t.key)) return "identifier";
  }
  const groups = run.groups;
  if (run.spelledWords === 0 && groups.length >= 2) {
    const seps = run.separators.replace(/ /g, "");
    // Dates and year ranges: 15/03/2024, 2024-03-15, 2023-2024.
    if (groups.length === 3 && /^[-/.]$/.test(seps) && isDate(groups)) return "date";
    if (groups.length === 2 && groups.every((g) => /^(19|20)\d\d$/.test(g))) return "year range";
    // Versions, decimals, IP addresses: a few dot-separated groups.
    if (seps === "." && groups.length <= 4 && !run.plus) return "version or decimal";
    // Thousands: 1,250,000.
    if (seps === "," && groups.slice(1).every((g) => g.length === 3) && (groups[0]?.length ?? 0) <= 3)
      return "amount";
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
