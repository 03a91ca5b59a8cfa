/**
 * Cryptocurrency address validation and a linear-time finder for address-shaped
 * tokens in free text.
 *
 * Supported: Bitcoin (base58check P2PKH/P2SH, bech32 segwit v0, bech32m taproot),
 * Litecoin (L/M base58check, ltc1 segwit), Dogecoin (D base58check), Ethereum
 * (0x + 40 hex, EIP-55), TRON (T base58check, version 0x41), Bitcoin Cash
 * (CashAddr, with or without the "bitcoincash:" prefix) and Solana (base58 that
 * decodes to 32 bytes; no checksum, so only meaningful with context).
 *
 * Pure and browser-safe: no I/O, no Node built-ins.
 */

import { keccak_256 } from "@noble/hashes/sha3.js";
import { bech32, bech32m } from "bech32";
import bs58check from "bs58check";

export type CryptoNetwork =
  | "bitcoin"
  | "ethereum"
  | "tron"
  | "litecoin"
  | "solana"
  | "dogecoin"
  | "bitcoin-cash";

export interface CryptoValidation {
  network: CryptoNetwork;
  valid: boolean;
  /** "none": the format carries no checksum (Solana, all-lower/all-upper Ethereum). */
  checksum: "ok" | "bad" | "none";
}

export interface CryptoCandidate {
  start: number;
  end: number;
  /** The token as written (original case). */
  value: string;
}

// ---------------------------------------------------------------------------
// Character classes

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BASE58_INDEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let k = 0; k < BASE58_ALPHABET.length; k++) t[BASE58_ALPHABET.charCodeAt(k)] = k;
  return t;
})();

const BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32_INDEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let k = 0; k < BECH32_ALPHABET.length; k++) {
    const c = BECH32_ALPHABET.charCodeAt(k);
    t[c] = k;
    if (c >= 97 && c <= 122) t[c - 32] = k; // upper-case form
  }
  return t;
})();

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isUpperCode(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLowerCode(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isHexCode(c: number): boolean {
  return isDigitCode(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
/** Word characters for the finder's boundaries: ASCII letters, digits and underscore. */
function isWordCode(c: number): boolean {
  return isDigitCode(c) || isUpperCode(c) || isLowerCode(c) || c === 95;
}

function base58Index(c: number): number {
  return c < 128 ? (BASE58_INDEX[c] ?? -1) : -1;
}
function bech32Index(c: number): number {
  return c < 128 ? (BECH32_INDEX[c] ?? -1) : -1;
}

function allBase58(s: string): boolean {
  for (let k = 0; k < s.length; k++) if (base58Index(s.charCodeAt(k)) < 0) return false;
  return true;
}

/** Letters are all lower-case or all upper-case (bech32 and CashAddr forbid mixing). */
function singleCase(s: string): boolean {
  let upper = false;
  let lower = false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (isUpperCode(c)) upper = true;
    else if (isLowerCode(c)) lower = true;
  }
  return !(upper && lower);
}

function hasLetter(s: string): boolean {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (isUpperCode(c) || isLowerCode(c)) return true;
  }
  return false;
}

function hasUpperAndLower(s: string): boolean {
  let upper = false;
  let lower = false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (isUpperCode(c)) upper = true;
    else if (isLowerCode(c)) lower = true;
  }
  return upper && lower;
}

/** Plain base58 decode (leading '1's become zero bytes). Input length is bounded by the callers. */
function base58Decode(s: string): Uint8Array | null {
  let zeros = 0;
  while (zeros < s.length && s.charCodeAt(zeros) === 49) zeros++;
  const bytes: number[] = []; // little-endian
  for (let k = zeros; k < s.length; k++) {
    let carry = base58Index(s.charCodeAt(k));
    if (carry < 0) return null;
    for (let b = 0; b < bytes.length; b++) {
      carry += (bytes[b] ?? 0) * 58;
      bytes[b] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let b = 0; b < bytes.length; b++) out[zeros + b] = bytes[bytes.length - 1 - b] ?? 0;
  return out;
}

// ---------------------------------------------------------------------------
// Shapes

type Shape =
  | { kind: "eth" }
  | { kind: "segwit"; network: "bitcoin" | "litecoin"; hrp: "bc" | "ltc" }
  | { kind: "cashaddr"; payload: string }
  | { kind: "base58" };

interface Base58Prefix {
  network: CryptoNetwork;
  version: number;
  minLen: number;
  maxLen: number;
}

/** Leading character of a base58check address -> network and expected version byte. */
const BASE58_PREFIXES: Readonly<Record<string, Base58Prefix>> = {
  "1": { network: "bitcoin", version: 0x00, minLen: 25, maxLen: 34 },
  "3": { network: "bitcoin", version: 0x05, minLen: 33, maxLen: 35 },
  L: { network: "litecoin", version: 0x30, minLen: 33, maxLen: 35 },
  M: { network: "litecoin", version: 0x32, minLen: 33, maxLen: 35 },
  D: { network: "dogecoin", version: 0x1e, minLen: 33, maxLen: 35 },
  T: { network: "tron", version: 0x41, minLen: 34, maxLen: 34 },
};

function base58Prefix(addr: string): Base58Prefix | undefined {
  const first = addr.charAt(0);
  const p = Object.hasOwn(BASE58_PREFIXES, first) ? BASE58_PREFIXES[first] : undefined;
  return p && addr.length >= p.minLen && addr.length <= p.maxLen ? p : undefined;
}

const SOLANA_MIN = 32;
const SOLANA_MAX = 44;
const CASHADDR_PREFIX = "bitcoincash:";
/** CashAddr payload for a 160-bit hash: 'q' (P2PKH) or 'p' (P2SH) + 33 data + 8 checksum characters. */
const CASHADDR_PAYLOAD_LEN = 42;
/** Segwit address lengths: 20-byte (v0 key hash) to 32-byte (v0 script hash, v1 taproot) programs. */
const BC_MIN = 42;
const LTC_MIN = 43;
const SEGWIT_SPREAD = 20;
/** Longest token any shape accepts (an "ltc1" 32-byte program); the finder ignores longer runs. */
const MAX_TOKEN = LTC_MIN + SEGWIT_SPREAD;

function isCashPayload(p: string): boolean {
  if (p.length !== CASHADDR_PAYLOAD_LEN || !singleCase(p)) return false;
  const head = p.charAt(0).toLowerCase();
  if (head !== "q" && head !== "p") return false;
  for (let k = 0; k < p.length; k++) if (bech32Index(p.charCodeAt(k)) < 0) return false;
  return true;
}

function segwitShape(addr: string): Shape | null {
  const lower = addr.toLowerCase();
  let hrp: "bc" | "ltc";
  let min: number;
  if (lower.startsWith("bc1")) {
    hrp = "bc";
    min = BC_MIN;
  } else if (lower.startsWith("ltc1")) {
    hrp = "ltc";
    min = LTC_MIN;
  } else {
    return null;
  }
  if (addr.length < min || addr.length > min + SEGWIT_SPREAD || !singleCase(addr)) return null;
  for (let k = hrp.length + 1; k < addr.length; k++) if (bech32Index(addr.charCodeAt(k)) < 0) return null;
  return { kind: "segwit", network: hrp === "bc" ? "bitcoin" : "litecoin", hrp };
}

function shapeOf(addr: string): Shape | null {
  const n = addr.length;
  if (n < 25 || n > MAX_TOKEN) return null;
  if (addr.charCodeAt(0) === 48 && addr.charCodeAt(1) === 120) {
    // "0x"
    if (n !== 42) return null;
    for (let k = 2; k < n; k++) if (!isHexCode(addr.charCodeAt(k))) return null;
    return { kind: "eth" };
  }
  if (n > CASHADDR_PREFIX.length && addr.slice(0, CASHADDR_PREFIX.length).toLowerCase() === CASHADDR_PREFIX) {
    const payload = addr.slice(CASHADDR_PREFIX.length);
    return isCashPayload(payload) && singleCase(addr) ? { kind: "cashaddr", payload } : null;
  }
  const segwit = segwitShape(addr);
  if (segwit) return segwit;
  if (isCashPayload(addr) && isLowerCode(addr.charCodeAt(0))) return { kind: "cashaddr", payload: addr };
  if (allBase58(addr) && (base58Prefix(addr) !== undefined || (n >= SOLANA_MIN && n <= SOLANA_MAX))) {
    return { kind: "base58" };
  }
  return null;
}

// ---------------------------------------------------------------------------
// Validators

function validateEthereum(addr: string): CryptoValidation {
  const hex = addr.slice(2);
  let upper = false;
  let lower = false;
  for (let k = 0; k < hex.length; k++) {
    const c = hex.charCodeAt(k);
    if (c >= 65 && c <= 70) upper = true;
    else if (c >= 97 && c <= 102) lower = true;
  }
  if (!(upper && lower)) return { network: "ethereum", valid: true, checksum: "none" };
  const lowerHex = hex.toLowerCase();
  const ascii = new Uint8Array(lowerHex.length);
  for (let k = 0; k < lowerHex.length; k++) ascii[k] = lowerHex.charCodeAt(k);
  const hash = keccak_256(ascii);
  for (let k = 0; k < hex.length; k++) {
    const c = hex.charCodeAt(k);
    if (isDigitCode(c)) continue;
    const byte = hash[k >> 1] ?? 0;
    const nibble = k % 2 === 0 ? byte >> 4 : byte & 0x0f;
    if (nibble >= 8 !== isUpperCode(c)) return { network: "ethereum", valid: false, checksum: "bad" };
  }
  return { network: "ethereum", valid: true, checksum: "ok" };
}

function validateSegwit(addr: string, network: "bitcoin" | "litecoin", hrp: string): CryptoValidation {
  const asV0 = bech32.decodeUnsafe(addr, 90);
  const asV1 = asV0 ? undefined : bech32m.decodeUnsafe(addr, 90);
  const decoded = asV0 ?? asV1;
  if (!decoded || decoded.prefix !== hrp) return { network, valid: false, checksum: "bad" };
  const [version, ...data] = decoded.words;
  const program = bech32.fromWordsUnsafe(data);
  if (version === undefined || version > 16 || !program) return { network, valid: false, checksum: "ok" };
  if (version === 0) {
    // BIP 173 checksum for v0; a bech32m checksum on v0 is a checksum error (BIP 350).
    if (!asV0) return { network, valid: false, checksum: "bad" };
    return { network, valid: program.length === 20 || program.length === 32, checksum: "ok" };
  }
  if (!asV1) return { network, valid: false, checksum: "bad" };
  const validLength = version === 1 ? program.length === 32 : program.length >= 2 && program.length <= 40;
  return { network, valid: validLength, checksum: "ok" };
}

const CASHADDR_GENERATORS = [
  0x98f2bc8e61n,
  0x79b76d99e2n,
  0xf33e5fb3c4n,
  0xae2eabe2a8n,
  0x1e4f43e470n,
] as const;

function cashAddrPolymod(values: readonly number[]): bigint {
  let c = 1n;
  for (const d of values) {
    const c0 = c >> 35n;
    c = ((c & 0x07ffffffffn) << 5n) ^ BigInt(d);
    for (let g = 0; g < 5; g++) {
      if ((c0 >> BigInt(g)) & 1n) c ^= CASHADDR_GENERATORS[g] ?? 0n;
    }
  }
  return c ^ 1n;
}

function validateCashAddr(payload: string): CryptoValidation {
  const values: number[] = [];
  for (let k = 0; k < CASHADDR_PREFIX.length - 1; k++) values.push(CASHADDR_PREFIX.charCodeAt(k) & 0x1f);
  values.push(0);
  for (let k = 0; k < payload.length; k++) values.push(bech32Index(payload.charCodeAt(k)));
  const ok = cashAddrPolymod(values) === 0n;
  return { network: "bitcoin-cash", valid: ok, checksum: ok ? "ok" : "bad" };
}

function validateBase58(addr: string): CryptoValidation | null {
  const prefix = base58Prefix(addr);
  const raw = base58Decode(addr);
  if (prefix && raw && raw.length === 25) {
    const payload = bs58check.decodeUnsafe(addr);
    if (payload) return { network: prefix.network, valid: payload[0] === prefix.version, checksum: "ok" };
  }
  if (raw && raw.length === 32 && addr.length >= SOLANA_MIN && addr.length <= SOLANA_MAX) {
    return { network: "solana", valid: true, checksum: "none" };
  }
  // A digit-only run (e.g. "1234567891234567891234567") is not an address shape.
  if (prefix && hasLetter(addr)) return { network: prefix.network, valid: false, checksum: "bad" };
  return null;
}

/**
 * Validates a single address token (no surrounding text). Returns null when the
 * string has no address shape at all.
 *
 * A base58 string that decodes to 32 bytes (and matches no base58check network)
 * is reported as a valid Solana address: there is no checksum, so callers
 * should only act on it with supporting context.
 */
export function validateCryptoAddress(addr: string): CryptoValidation | null {
  const shape = shapeOf(addr);
  if (!shape) return null;
  switch (shape.kind) {
    case "eth":
      return validateEthereum(addr);
    case "segwit":
      return validateSegwit(addr, shape.network, shape.hrp);
    case "cashaddr":
      return validateCashAddr(shape.payload);
    case "base58":
      return validateBase58(addr);
  }
}

// ---------------------------------------------------------------------------
// Finder

/**
 * Finds word-bounded tokens shaped like one of the supported addresses, in
 * their original case. Boundaries are anything other than ASCII letters,
 * digits and '_' (so addresses glued to non-ASCII text are still found).
 *
 * Candidates are not checksum-filtered (so corrupted addresses are still seen);
 * pass `value` to {@link validateCryptoAddress}. Extra shape filters cut noise:
 * base58 tokens must mix upper- and lower-case letters (excludes digit runs,
 * upper-case order ids and hex hashes), and a base58 token with no network
 * prefix is reported only when it decodes to 32 bytes (the Solana shape).
 *
 * Linear time: every character is visited a bounded number of times, and only
 * tokens up to 63 characters long are examined.
 */
export function findCryptoCandidates(text: string): CryptoCandidate[] {
  const out: CryptoCandidate[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isWordCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isWordCode(text.charCodeAt(i))) i++;
    let end = i;
    // "bitcoincash:<payload>" spans two word runs.
    if (
      end - start === CASHADDR_PREFIX.length - 1 &&
      text.charCodeAt(end) === 58 &&
      text.slice(start, end).toLowerCase() === CASHADDR_PREFIX.slice(0, -1)
    ) {
      let k = end + 1;
      while (k < n && isWordCode(text.charCodeAt(k))) k++;
      if (isCashPayload(text.slice(end + 1, k)) && singleCase(text.slice(start, k))) {
        end = k;
        i = k;
      }
    }
    const len = end - start;
    if (len < 25 || len > MAX_TOKEN) continue;
    const value = text.slice(start, end);
    if (isCandidate(value)) out.push({ start, end, value });
  }
  return out;
}

function isCandidate(value: string): boolean {
  const shape = shapeOf(value);
  if (!shape) return false;
  if (shape.kind !== "base58") return true;
  if (!hasUpperAndLower(value)) return false;
  if (base58Prefix(value)) return true;
  const raw = base58Decode(value);
  return raw !== null && raw.length === 32;
}
