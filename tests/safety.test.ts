/**
 * Safety properties of the detection engine: on any text it returns a
 * well-formed result and never throws; spans index the original text; an
 * message without details is returned unchanged; adversarial 64 KB inputs complete;
 * a message over the limit is refused (fail closed), never truncated.
 */
import { createConversationScanner, type ScanResult, type Stage, scan } from "@leakguard/detect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const STAGES: readonly Stage[] = ["pre_contract", "contract_active"];
const VERDICTS = new Set(["allow", "nudge", "mask", "hold"]);
const RULES = new Set(["P1", "P2", "C1", "C2", "A1", "A2", "A3"]);
const ERROR_CODES = new Set(["message_too_large", "internal_error"]);
const LIMIT = 65_536;

/** Asserts everything a caller may rely on for any text. */
function expectWellFormed(text: string, r: ScanResult, where = ""): void {
  expect(VERDICTS.has(r.verdict), `verdict ${String(r.verdict)} ${where}`).toBe(true);
  expect(typeof r.violation).toBe("boolean");
  expect(Array.isArray(r.rules)).toBe(true);
  for (const rule of r.rules) expect(RULES.has(rule), `rule ${String(rule)} ${where}`).toBe(true);
  expect(new Set(r.rules).size).toBe(r.rules.length);
  expect(Array.isArray(r.handles)).toBe(true);
  for (const h of r.handles) {
    expect(typeof h).toBe("string");
    expect(h, `handle ${h} ${where}`).toMatch(/^[a-z_]+:[\s\S]+$/);
  }
  expect(new Set(r.handles).size).toBe(r.handles.length);
  expect(typeof r.masked).toBe("string");
  expect(Array.isArray(r.findings)).toBe(true);
  for (const f of r.findings) {
    const span = `${f.kind} ${f.start}..${f.end} in ${text.length} units ${where}`;
    expect(RULES.has(f.rule), `finding rule ${String(f.rule)} ${where}`).toBe(true);
    expect(typeof f.kind).toBe("string");
    expect(typeof f.value).toBe("string");
    expect(Number.isInteger(f.start) && Number.isInteger(f.end), span).toBe(true);
    expect(f.start, span).toBeGreaterThanOrEqual(0);
    expect(f.end, span).toBeGreaterThan(f.start);
    expect(f.end, span).toBeLessThanOrEqual(text.length);
    expect(Number.isFinite(f.confidence), `confidence ${f.confidence} ${where}`).toBe(true);
    expect(f.confidence).toBeGreaterThanOrEqual(0);
    expect(f.confidence).toBeLessThanOrEqual(1);
  }
  if (r.error !== undefined) {
    expect(ERROR_CODES.has(r.error.code), `error code ${String(r.error.code)}`).toBe(true);
    expect(typeof r.error.message).toBe("string");
    expect(r.verdict).toBe("hold");
    // A crash inside the engine is caught and held, but on any input of legal size it is a bug.
    expect(r.error.code, `${r.error.message} ${where}`).toBe("message_too_large");
  } else if (r.verdict === "allow") {
    expect(r.violation, `an allowed message is no violation ${where}`).toBe(false);
  }
}

/**
 * `masked` hides detail spans only: a message with no contact or payment detail
 * found comes back exactly as typed. (A detail allowed at its stage, such as C1
 * during a contract, is still masked in `masked`; the verdict says whether to use it.)
 */
function expectAllowedUnchanged(text: string, r: ScanResult, where = ""): void {
  const details = r.findings.filter((f) => !f.kind.startsWith("intent_") && f.kind !== "channel_mention");
  if (details.length === 0 && r.error === undefined)
    expect(r.masked, `a message without details is returned unchanged ${where}`).toBe(text);
}

function scanBoth(text: string, check = expectWellFormed): void {
  for (const stage of STAGES) {
    let r: ScanResult | undefined;
    expect(() => {
      r = scan(text, { stage });
    }, `scan threw (stage ${stage})`).not.toThrow();
    check(text, r as ScanResult, `(stage ${stage})`);
  }
}

// ---------------------------------------------------------------------------
// Crafted families. Each maps a size n (units) to an adversarial string.

const ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"];
const SPELLED = [
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "zero",
  "oh",
  "double",
  "triple",
];

function cycle(parts: readonly string[], n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += parts[i % parts.length];
  return out;
}

/** name -> (n, seed) -> text. seed varies the content so shrinking has something to work with. */
const FAMILIES: Record<string, (n: number, seed: number) => string> = {
  digits: (n, s) => cycle(["1234567890".slice(s % 10), "0123456789"], Math.ceil(n / 10)).slice(0, n),
  digitsDash: (n, s) => cycle([`${s % 10}`, "-", "2", "-", "3", "-"], n),
  digitsSpace: (n, s) => cycle([`${s % 10}`, " ", "5", " ", "7", " "], n),
  digitsDot: (n) => cycle(["1", ".", "2", ".", "3", "."], n),
  digitsMixedSeparators: (n) => cycle(["+", "1", " ", "(", "4", ")", "-", "5", ".", "6", "/", "7"], n),
  atAndDot: (n, s) => cycle(s % 2 === 0 ? ["@", "."] : ["@", "@", ".", ".", "a"], n),
  atDotWords: (n) => cycle([" at dot "], n),
  atDotWordsWithNames: (n) => cycle(["john", " at ", "gmail", " dot ", "com", " dot "], n),
  nestedBrackets: (n) =>
    "(".repeat(n) + "[".repeat(n) + "{".repeat(n) + "]".repeat(n >> 1) + ")".repeat(n >> 1),
  parenAt: (n) => cycle(["(at)", "[dot]", "a"], n),
  parenAtOnly: (n) => cycle(["(at)"], n),
  spelledDigits: (n, s) => {
    let out = "";
    for (let i = 0; i < n; i++) out += `${SPELLED[(i * 7 + s) % SPELLED.length]} `;
    return out;
  },
  spelledDigitsNoSpace: (n, s) => cycle(SPELLED.slice(s % 4), n),
  zeroWidthDigits: (n, s) =>
    cycle(["5", ZW[s % ZW.length] as string, "5", ZW[(s + 1) % ZW.length] as string], n),
  zeroWidthLetters: (n) =>
    cycle(["j", "\u200b", "o", "\u200d", "h", "\ufeff", "n", "@", "g", "\u2060", "."], n),
  longWord: (n, s) => String.fromCharCode(97 + (s % 26)).repeat(n),
  longMixedWord: (n) => cycle(["a", "b", "1", "c", "2", "_", "x"], n),
  fullwidthDigits: (n) => cycle(["\uff11", "\uff12", "\uff13", "\uff0d", "\uff14"], n),
  spacedLetters: (n) => cycle(["j", " ", "o", " ", "h", " ", "n", " ", "@", " ", "g", " ", "."], n),
  plusRuns: (n) => cycle(["+", "+", "1", " "], n),
  hexish: (n) => cycle(["0x", "a", "B", "3", "f"], n),
  base58ish: (n) => cycle(["1", "A", "z", "P", "b", "c", "1", "q"], n),
  ibanish: (n) => cycle(["DE", "89", " ", "3704", " "], n),
  urlish: (n) => cycle(["http://", "a.", "b/", "c?", "d=", "e"], n),
  whitespace: (n) => cycle([" ", "\n", "\t", "\r\n", "\u00a0", "\u3000"], n),
  surrogates: (n) => cycle(["\ud83d\ude00", "\ud83d", "5", "\ude00", "\u{1d7d3}"], n),
  combining: (n) => cycle(["5", "\u0301", "a", "\u0308", "\u20dd"], n),
};

const familyNames = Object.keys(FAMILIES);

/** A string of exactly `length` UTF-16 units made by repeating the family. */
function instance(name: string, length: number, seed = 0): string {
  const make = FAMILIES[name] as (n: number, seed: number) => string;
  let out = make(Math.max(1, length), seed);
  while (out.length < length) out += make(Math.max(1, length - out.length), seed);
  return out.slice(0, length);
}

// ---------------------------------------------------------------------------
// Arbitraries

/** Any UTF-16 unit, including lone surrogates. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Characters the engine cares about, to make hits likely. */
const interestingChar = fc.constantFrom(
  ..."0123456789+-().@_ /:#$€\n".split(""),
  ...ZW,
  "\uff10",
  "\uff15",
  "\u0660",
  "\u0966",
  "O",
  "l",
  " at ",
  " dot ",
  "(at)",
  "[dot]",
  "five ",
  "telegram",
  "whatsapp",
  "gmail.com",
  "paypal.me/",
  "DE89370400440532013000",
);

const arbitraryTexts = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({ unit: "grapheme-composite", maxLength: 200 }),
  fc.string({ unit: "binary-ascii", maxLength: 300 }),
  fc.string({ unit: anyUnit, maxLength: 300 }),
  fc.string({ unit: interestingChar, maxLength: 80 }),
);

const familyText = fc
  .record({
    name: fc.constantFrom(...familyNames),
    n: fc.integer({ min: 1, max: 400 }),
    seed: fc.nat(1000),
    prefix: fc.string({ unit: "grapheme-ascii", maxLength: 20 }),
    suffix: fc.string({ unit: "binary", maxLength: 20 }),
  })
  .map(
    ({ name, n, seed, prefix, suffix }) =>
      prefix + (FAMILIES[name] as (n: number, s: number) => string)(n, seed) + suffix,
  );

/** Realistic fragments, so conversation assembly is exercised. */
const chatFragment = fc.constantFrom(
  "555",
  "867",
  "5309",
  "+44 7700",
  "900123",
  "jane.roe",
  "@gmail.com",
  "at gmail dot com",
  "what's your number?",
  "send me your whatsapp",
  "five five five",
  "eight six seven",
  "my telegram is",
  "@jane_roe",
  "paypal.me/janeroe",
  "DE89 3704 0044",
  "0532 0130 00",
  "the invoice total is $1,200",
  "see v2.3.1 on 2026-03-15 at 10:30",
  "INV-20391",
  "ok",
  "",
);

const fragmentsText = fc
  .array(fc.oneof(chatFragment, fc.string({ unit: "binary", maxLength: 10 }), interestingChar), {
    maxLength: 20,
  })
  .map((parts) => parts.join(" "));

const conversationMessages = fc.array(
  fc.record({
    from: fc.constantFrom("client", "freelancer"),
    text: fc.oneof(
      { weight: 4, arbitrary: chatFragment },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
      { weight: 1, arbitrary: fc.string({ unit: interestingChar, maxLength: 30 }) },
      { weight: 1, arbitrary: familyText },
    ),
  }),
  { maxLength: 25 },
);

// ---------------------------------------------------------------------------

describe("scan on arbitrary text", () => {
  it("never throws and returns a well-formed result in both stages", () => {
    fc.assert(
      fc.property(arbitraryTexts, (text) => scanBoth(text)),
      { numRuns: 1500 },
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(fc.oneof(arbitraryTexts, familyText), fc.constantFrom(...STAGES), (text, stage) => {
        expect(scan(text, { stage })).toEqual(scan(text, { stage }));
      }),
      { numRuns: 100 },
    );
  });

  it("accepts any locale string without throwing", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("en-GB", "pt-BR", "xx-ZZ", "en", "de_DE", "")),
        (text, locale) => {
          expectWellFormed(text, scan(text, { stage: "pre_contract", locale }));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("scan on crafted families", () => {
  it("never throws and returns a well-formed result (random sizes, prefixes and suffixes)", () => {
    fc.assert(
      fc.property(familyText, (text) => scanBoth(text)),
      { numRuns: 800 },
    );
  });

  it("handles contact-looking fragments embedded in arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(chatFragment, fc.string({ unit: "binary", maxLength: 10 }), interestingChar), {
          maxLength: 20,
        }),
        (parts) => scanBoth(parts.join(" ")),
      ),
      { numRuns: 200 },
    );
  });

  it("a message without details is returned unchanged (masked === text)", () => {
    fc.assert(
      fc.property(fc.oneof(arbitraryTexts, familyText, fragmentsText), (text) =>
        scanBoth(text, expectAllowedUnchanged),
      ),
      { numRuns: 600 },
    );
  });

  it.each(familyNames)("a 64 KB line of %s completes with a well-formed result", (name) => {
    const text = instance(name, LIMIT);
    expect(text.length).toBe(LIMIT);
    for (const stage of STAGES) {
      const r = scan(text, { stage });
      expectWellFormed(text, r, `(stage ${stage})`);
      expectAllowedUnchanged(text, r, `(stage ${stage})`);
      expect(r.error?.code, "64 KB is within the default limit").not.toBe("message_too_large");
    }
  });
});

describe("message size limit", () => {
  it("refuses 65,537 characters with message_too_large and a hold verdict", () => {
    for (const stage of STAGES) {
      const text = "a".repeat(LIMIT + 1);
      const r = scan(text, { stage });
      expect(r.error?.code).toBe("message_too_large");
      expect(r.verdict).toBe("hold");
      expectWellFormed(text, r);
    }
  });

  it("is never silently truncated: a detail past the limit, or an innocuous message over it, is held", () => {
    const before = `${"the invoice total is $1,200. ".repeat(2300)}`.slice(0, LIMIT - 10);
    const overWithPhone = `${before} call me on +44 7700 900123`;
    const overClean = `${before}${" thanks!".repeat(10)}`;
    for (const text of [overWithPhone, overClean]) {
      expect(text.length).toBeGreaterThan(LIMIT);
      for (const stage of STAGES) {
        const r = scan(text, { stage });
        expect(r.error?.code).toBe("message_too_large");
        expect(r.verdict).toBe("hold");
        expect(r.verdict).not.toBe("allow");
        // Nothing is dropped from the text handed back.
        expect(r.masked.length).toBeGreaterThanOrEqual(text.length);
      }
    }
  });

  it("accepts exactly the limit and refuses one more, for any crafted family", () => {
    for (const name of ["digits", "atDotWords", "zeroWidthDigits"]) {
      const at = instance(name, LIMIT);
      expect(scan(at, { stage: "pre_contract" }).error).toBeUndefined();
      const over = instance(name, LIMIT + 1);
      const r = scan(over, { stage: "pre_contract" });
      expect(r.error?.code).toBe("message_too_large");
      expect(r.verdict).toBe("hold");
    }
  });

  it("honours a policy's maxMessageLength", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.string({ unit: "binary", maxLength: 400 }),
        (max, text) => {
          const r = scan(text, { stage: "pre_contract", policy: { maxMessageLength: max } });
          if (text.length > max) {
            expect(r.error?.code).toBe("message_too_large");
            expect(r.verdict).toBe("hold");
          } else {
            expect(r.error?.code).not.toBe("message_too_large");
          }
          expectWellFormed(text, r);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("conversation scanner", () => {
  it("never throws on many random messages from two senders; one well-formed result per message, in order", () => {
    fc.assert(
      fc.property(conversationMessages, fc.constantFrom(...STAGES), (messages, stage) => {
        const scanner = createConversationScanner({ stage });
        const results: ScanResult[] = [];
        for (const m of messages) {
          let r: ScanResult | undefined;
          expect(() => {
            r = scanner.push(m);
          }).not.toThrow();
          results.push(r as ScanResult);
        }
        expect(results).toHaveLength(messages.length);
        // Each result describes its own message: spans and the masked text fit that message.
        for (const [i, r] of results.entries())
          expectWellFormed((messages[i] as { text: string }).text, r, `(stage ${stage}, message ${i})`);
      }),
      { numRuns: 300 },
    );
  });

  it("a message without details in a conversation is returned unchanged", () => {
    fc.assert(
      fc.property(conversationMessages, fc.constantFrom(...STAGES), (messages, stage) => {
        const scanner = createConversationScanner({ stage });
        for (const [i, m] of messages.entries())
          expectAllowedUnchanged(m.text, scanner.push(m), `(stage ${stage}, message ${i})`);
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: two scanners fed the same messages give the same results", () => {
    fc.assert(
      fc.property(conversationMessages, (messages) => {
        const a = createConversationScanner({ stage: "pre_contract" });
        const b = createConversationScanner({ stage: "pre_contract" });
        for (const m of messages) expect(a.push(m)).toEqual(b.push(m));
      }),
      { numRuns: 50 },
    );
  });

  it("survives a long conversation of large messages near the limit", () => {
    const scanner = createConversationScanner({ stage: "pre_contract" });
    const senders = ["client", "freelancer"];
    for (let i = 0; i < 12; i++) {
      const name = familyNames[(i * 5) % familyNames.length] as string;
      const text = instance(name, i % 3 === 0 ? LIMIT : 20_000, i);
      const r = scanner.push({ from: senders[i % 2] as string, text });
      expectWellFormed(text, r);
    }
    const tooLarge = "1".repeat(LIMIT + 1);
    const r = scanner.push({ from: "client", text: tooLarge });
    expect(r.error?.code).toBe("message_too_large");
    expect(r.verdict).toBe("hold");
    // The scanner keeps working after a refused message.
    const next = scanner.push({ from: "client", text: "thanks, see you tomorrow" });
    expectWellFormed("thanks, see you tomorrow", next);
    expect(next.error).toBeUndefined();
  });
});
