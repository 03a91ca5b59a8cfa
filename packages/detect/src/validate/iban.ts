/**
 * IBAN validation (ISO 13616, mod-97-10 per ISO 7064) and a linear-time finder
 * for IBANs written in free text, compact or grouped ("DE89 3704 0044 0532 0130 00").
 *
 * Pure and browser-safe: no I/O, no Node built-ins, no regular expressions.
 */

/**
 * Official IBAN length per country code, from the SWIFT IBAN registry
 * (release 99, 2025). Territories that use another country's code (e.g. GF, GP,
 * RE use FR; JE, GG, IM use GB; AX uses FI) are not listed separately.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, // Andorra
  AE: 23, // United Arab Emirates
  AL: 28, // Albania
  AT: 20, // Austria
  AZ: 28, // Azerbaijan
  BA: 20, // Bosnia and Herzegovina
  BE: 16, // Belgium
  BG: 22, // Bulgaria
  BH: 22, // Bahrain
  BI: 27, // Burundi
  BR: 29, // Brazil
  BY: 28, // Belarus
  CH: 21, // Switzerland
  CR: 22, // Costa Rica
  CY: 28, // Cyprus
  CZ: 24, // Czechia
  DE: 22, // Germany
  DJ: 27, // Djibouti
  DK: 18, // Denmark
  DO: 28, // Dominican Republic
  EE: 20, // Estonia
  EG: 29, // Egypt
  ES: 24, // Spain
  FI: 18, // Finland
  FK: 18, // Falkland Islands
  FO: 18, // Faroe Islands
  FR: 27, // France
  GB: 22, // United Kingdom
  GE: 22, // Georgia
  GI: 23, // Gibraltar
  GL: 18, // Greenland
  GR: 27, // Greece
  GT: 28, // Guatemala
  HN: 28, // Honduras
  HR: 21, // Croatia
  HU: 28, // Hungary
  IE: 22, // Ireland
  IL: 23, // Israel
  IQ: 23, // Iraq
  IS: 26, // Iceland
  IT: 27, // Italy
  JO: 30, // Jordan
  KW: 30, // Kuwait
  KZ: 20, // Kazakhstan
  LB: 28, // Lebanon
  LC: 32, // Saint Lucia
  LI: 21, // Liechtenstein
  LT: 20, // Lithuania
  LU: 20, // Luxembourg
  LV: 21, // Latvia
  LY: 25, // Libya
  MC: 27, // Monaco
  MD: 24, // Moldova
  ME: 22, // Montenegro
  MK: 19, // North Macedonia
  MN: 20, // Mongolia
  MR: 27, // Mauritania
  MT: 31, // Malta
  MU: 30, // Mauritius
  NI: 28, // Nicaragua
  NL: 18, // Netherlands
  NO: 15, // Norway
  OM: 23, // Oman
  PK: 24, // Pakistan
  PL: 28, // Poland
  PS: 29, // Palestine
  PT: 25, // Portugal
  QA: 29, // Qatar
  RO: 24, // Romania
  RS: 22, // Serbia
  RU: 33, // Russia
  SA: 24, // Saudi Arabia
  SC: 31, // Seychelles
  SD: 18, // Sudan
  SE: 24, // Sweden
  SI: 19, // Slovenia
  SK: 24, // Slovakia
  SM: 27, // San Marino
  SO: 23, // Somalia
  ST: 25, // Sao Tome and Principe
  SV: 28, // El Salvador
  TL: 23, // Timor-Leste
  TN: 24, // Tunisia
  TR: 26, // Turkey
  UA: 29, // Ukraine
  VA: 22, // Vatican City State
  VG: 24, // British Virgin Islands
  XK: 20, // Kosovo
  YE: 30, // Yemen
});

/** Shortest and longest IBAN the finder reports: 2 letters + 2 digits + 10..30 alphanumerics. */
const MIN_IBAN = 14;
const MAX_IBAN = 34;

export interface IbanValidation {
  valid: boolean;
  /** First two characters of the input (the claimed country code). */
  country: string;
  /** The country is in {@link IBAN_LENGTHS} and the input has exactly its length. */
  lengthOk: boolean;
  /** Well-formed (2 letters, 2 digits in 02..98, alphanumeric BBAN) and mod-97 == 1. */
  checksumOk: boolean;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isUpperCode(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLowerCode(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isLetterCode(c: number): boolean {
  return isUpperCode(c) || isLowerCode(c);
}
function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c);
}
function lengthFor(country: string): number | undefined {
  return Object.hasOwn(IBAN_LENGTHS, country) ? IBAN_LENGTHS[country] : undefined;
}

/**
 * Validates a compact IBAN (upper-case, no spaces). Lower-case letters are
 * tolerated. The mod-97 remainder is computed digit by digit, so it runs in
 * linear time without big integers.
 */
export function validateIban(compact: string): IbanValidation {
  const iban = compact.toUpperCase();
  const country = iban.slice(0, 2);
  const expected = lengthFor(country);
  const lengthOk = expected !== undefined && iban.length === expected;
  const checksumOk = ibanChecksumOk(iban);
  return { valid: lengthOk && checksumOk, country, lengthOk, checksumOk };
}

function ibanChecksumOk(iban: string): boolean {
  const n = iban.length;
  if (n < 5 || n > MAX_IBAN) return false;
  if (!isUpperCode(iban.charCodeAt(0)) || !isUpperCode(iban.charCodeAt(1))) return false;
  const d1 = iban.charCodeAt(2);
  const d2 = iban.charCodeAt(3);
  if (!isDigitCode(d1) || !isDigitCode(d2)) return false;
  const check = (d1 - 48) * 10 + (d2 - 48);
  if (check < 2 || check > 98) return false; // ISO 13616: check digits are 02..98
  let rem = 0;
  // Rearranged: BBAN first, then the country code and check digits.
  for (let k = 0; k < n; k++) {
    const c = iban.charCodeAt((k + 4) % n);
    if (isDigitCode(c)) {
      rem = (rem * 10 + (c - 48)) % 97;
    } else if (isUpperCode(c)) {
      rem = (rem * 100 + (c - 55)) % 97; // A=10 .. Z=35
    } else {
      return false;
    }
  }
  return rem === 1;
}

export interface IbanCandidate {
  start: number;
  end: number;
  /** Upper-case compact form (separators removed). */
  value: string;
}

const SPACE = 32;
const DASH = 45;

/**
 * Finds IBAN-shaped spans: a word-initial two-letter country code, two check
 * digits, then alphanumerics, optionally grouped with single spaces or dashes.
 *
 * - Known country: the candidate stops at the country's registry length (a
 *   letters-only group is never cut: it either fits or ends the candidate).
 * - Unknown country: the candidate only ends at group boundaries and never
 *   exceeds 34 characters; a letters-only group ends it; a first run longer
 *   than 34 is not an IBAN.
 * - A letters-only group longer than 4 always ends the candidate (an ordinary word).
 * - At least half of the BBAN must be digits, and the candidate must have 14..34 characters.
 *
 * Candidates are not checksum-filtered: use {@link validateIban} on `value`.
 * Runs in linear time (each start does a bounded amount of look-ahead).
 */
export function findIbanCandidates(text: string): IbanCandidate[] {
  const out: IbanCandidate[] = [];
  const n = text.length;
  const at = (k: number): number => (k < n ? text.charCodeAt(k) : -1);
  let i = 0;
  while (i + MIN_IBAN <= n) {
    const c0 = at(i);
    if (
      !isLetterCode(c0) ||
      (i > 0 && isAlnumCode(at(i - 1))) ||
      !isLetterCode(at(i + 1)) ||
      !isDigitCode(at(i + 2)) ||
      !isDigitCode(at(i + 3))
    ) {
      i++;
      continue;
    }
    const found = scanFrom(text, i, at);
    if (found) {
      out.push(found);
      i = found.end;
    } else {
      i++;
    }
  }
  return out;
}

function scanFrom(text: string, start: number, at: (k: number) => number): IbanCandidate | null {
  const country = text.slice(start, start + 2).toUpperCase();
  const expected = lengthFor(country);
  const limit = expected ?? MAX_IBAN;
  let value = text.slice(start, start + 4).toUpperCase();
  let j = start + 4;

  // The first run (country code + check digits + whatever follows without a separator).
  while (value.length < limit && isAlnumCode(at(j))) {
    value += String.fromCharCode(at(j)).toUpperCase();
    j++;
  }
  if (expected === undefined && isAlnumCode(at(j))) return null; // a >34-char token: not an IBAN

  // Further groups, each introduced by exactly one space or dash.
  while (value.length < limit) {
    const sep = at(j);
    if (sep !== SPACE && sep !== DASH) break;
    const gStart = j + 1;
    // Measure the group, bounded so the look-ahead stays constant per candidate.
    let gEnd = gStart;
    let letters = true;
    while (gEnd - gStart <= MAX_IBAN && isAlnumCode(at(gEnd))) {
      if (isDigitCode(at(gEnd))) letters = false;
      gEnd++;
    }
    const gLen = gEnd - gStart;
    if (gLen === 0) break; // separator not followed by an alphanumeric
    if (letters && gLen > 4) break; // an ordinary word
    const room = limit - value.length;
    if (gLen > room) {
      // Only a known country's digit-bearing group is cut at the expected length.
      if (expected === undefined || letters) break;
      value += text.slice(gStart, gStart + room).toUpperCase();
      j = gStart + room;
      break;
    }
    if (letters && expected === undefined) break;
    value += text.slice(gStart, gEnd).toUpperCase();
    j = gEnd;
  }

  if (value.length < MIN_IBAN) return null;
  let digits = 0;
  for (let k = 4; k < value.length; k++) if (isDigitCode(value.charCodeAt(k))) digits++;
  if (digits * 2 < value.length - 4) return null;
  return { start, end: j, value };
}
