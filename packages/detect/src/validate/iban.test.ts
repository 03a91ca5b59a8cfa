import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findIbanCandidates, IBAN_LENGTHS, validateIban } from "./iban.js";

/** Registry example IBANs (SWIFT IBAN registry / ECBS examples), as printed. */
const EXAMPLES = [
  "AD12 0001 2030 2003 5910 0100",
  "AE07 0331 2345 6789 0123 456",
  "AL47 2121 1009 0000 0002 3569 8741",
  "AT61 1904 3002 3457 3201",
  "AZ21 NABZ 0000 0000 1370 1000 1944",
  "BA39 1290 0794 0102 8494",
  "BE68 5390 0754 7034",
  "BG80 BNBG 9661 1020 3456 78",
  "BH67 BMAG 0000 1299 1234 56",
  "BI42 1000 0100 0100 0033 2045 181",
  "BR18 0036 0305 0000 1000 9795 493C 1",
  "BY13 NBRB 3600 9000 0000 2Z00 AB00",
  "CH93 0076 2011 6238 5295 7",
  "CR05 0152 0200 1026 2840 66",
  "CY17 0020 0128 0000 0012 0052 7600",
  "CZ65 0800 0000 1920 0014 5399",
  "DE89 3704 0044 0532 0130 00",
  "DK50 0040 0440 1162 43",
  "DO28 BAGR 0000 0001 2124 5361 1324",
  "EE38 2200 2210 2014 5685",
  "EG38 0019 0005 0000 0000 2631 8000 2",
  "ES91 2100 0418 4502 0005 1332",
  "FI21 1234 5600 0007 85",
  "FO62 6460 0001 6316 34",
  "FR14 2004 1010 0505 0001 3M02 606",
  "GB29 NWBK 6016 1331 9268 19",
  "GB82 WEST 1234 5698 7654 32",
  "GE29 NB00 0000 0101 9049 17",
  "GI75 NWBK 0000 0000 7099 453",
  "GL89 6471 0001 0002 06",
  "GR16 0110 1250 0000 0001 2300 695",
  "GT82 TRAJ 0102 0000 0012 1002 9690",
  "HR12 1001 0051 8630 0016 0",
  "HU42 1177 3016 1111 1018 0000 0000",
  "IE29 AIBK 9311 5212 3456 78",
  "IL62 0108 0000 0009 9999 999",
  "IQ98 NBIQ 8501 2345 6789 012",
  "IS14 0159 2600 7654 5510 7303 39",
  "IT60 X054 2811 1010 0000 0123 456",
  "JO94 CBJO 0010 0000 0000 0131 0003 02",
  "KW81 CBKU 0000 0000 0000 1234 5601 01",
  "KZ86 125K ZT50 0410 0100",
  "LB62 0999 0000 0001 0019 0122 9114",
  "LC55 HEMM 0001 0001 0012 0012 0002 3015",
  "LI21 0881 0000 2324 013A A",
  "LT12 1000 0111 0100 1000",
  "LU28 0019 4006 4475 0000",
  "LV80 BANK 0000 4351 9500 1",
  "MC58 1122 2000 0101 2345 6789 030",
  "MD24 AG00 0225 1000 1310 4168",
  "ME25 5050 0001 2345 6789 51",
  "MK07 2501 2000 0058 984",
  "MR13 0002 0001 0100 0012 3456 753",
  "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
  "MU17 BOMM 0101 1010 3030 0200 000M UR",
  "NL91 ABNA 0417 1643 00",
  "NO93 8601 1117 947",
  "PK36 SCBL 0000 0011 2345 6702",
  "PL61 1090 1014 0000 0712 1981 2874",
  "PS92 PALS 0000 0000 0400 1234 5670 2",
  "PT50 0002 0123 1234 5678 9015 4",
  "QA58 DOHB 0000 1234 5678 90AB CDEF G",
  "RO49 AAAA 1B31 0075 9384 0000",
  "RS35 2600 0560 1001 6113 79",
  "SA03 8000 0000 6080 1016 7519",
  "SC18 SSCB 1101 0000 0000 0000 1497 USD",
  "SE45 5000 0000 0583 9825 7466",
  "SI56 2633 0001 2039 086",
  "SK31 1200 0000 1987 4263 7541",
  "SM86 U032 2509 8000 0000 0270 100",
  "ST23 0001 0001 0051 8453 1014 6",
  "SV62 CENR 0000 0000 0000 0070 0025",
  "TL38 0080 0123 4567 8910 157",
  "TN59 1000 6035 1835 9847 8831",
  "TR33 0006 1005 1978 6457 8413 26",
  "UA21 3223 1300 0002 6007 2335 6600 1",
  "VA59 0011 2300 0012 3456 78",
  "VG96 VPVG 0000 0123 4567 8901",
  "XK05 1212 0123 4567 8906",
];

const lengthOf = (country: string): number | undefined => IBAN_LENGTHS[country];
const compact = (s: string): string => s.replace(/[ -]/g, "").toUpperCase();

/** Replaces the character at `k` with a different digit (or letter), keeping the shape. */
function corrupt(iban: string, k: number): string {
  const c = iban.charAt(k);
  const repl = /[0-9]/.test(c)
    ? String((Number(c) + 1) % 10)
    : c === "Z"
      ? "A"
      : String.fromCharCode(c.charCodeAt(0) + 1);
  return iban.slice(0, k) + repl + iban.slice(k + 1);
}

describe("IBAN_LENGTHS", () => {
  it("covers the SWIFT registry countries with plausible lengths", () => {
    const entries = Object.entries(IBAN_LENGTHS);
    expect(entries.length).toBeGreaterThanOrEqual(80);
    for (const [country, length] of entries) {
      expect(country).toMatch(/^[A-Z]{2}$/);
      expect(length).toBeGreaterThanOrEqual(15);
      expect(length).toBeLessThanOrEqual(34);
    }
    expect(lengthOf("DE")).toBe(22);
    expect(lengthOf("NO")).toBe(15);
    expect(lengthOf("RU")).toBe(33);
    expect(lengthOf("LC")).toBe(32);
  });

  it("agrees with the length of every registry example", () => {
    for (const example of EXAMPLES) {
      const iban = compact(example);
      expect(IBAN_LENGTHS[iban.slice(0, 2)], iban).toBe(iban.length);
    }
  });
});

describe("validateIban", () => {
  it.each(EXAMPLES)("accepts %s", (example) => {
    const iban = compact(example);
    expect(validateIban(iban)).toEqual({
      valid: true,
      country: iban.slice(0, 2),
      lengthOk: true,
      checksumOk: true,
    });
  });

  it("accepts the classic examples", () => {
    expect(validateIban("DE89370400440532013000").valid).toBe(true);
    expect(validateIban("GB82WEST12345698765432").valid).toBe(true);
  });

  it("rejects every single-character change (mod 97 catches all single substitutions)", () => {
    for (const example of [
      "DE89370400440532013000",
      "GB82WEST12345698765432",
      "FR1420041010050500013M02606",
    ]) {
      for (let k = 2; k < example.length; k++) {
        const bad = corrupt(example, k);
        const r = validateIban(bad);
        expect(r.checksumOk, bad).toBe(false);
        expect(r.valid, bad).toBe(false);
        expect(r.lengthOk, bad).toBe(true);
      }
    }
  });

  it("rejects transposed digits", () => {
    expect(validateIban("DE89370400440532010300").valid).toBe(false);
  });

  it("reports length problems separately from the checksum", () => {
    // Valid mod-97 but one character short for DE.
    const short = validateIban("DE8937040044053201300");
    expect(short.lengthOk).toBe(false);
    expect(short.valid).toBe(false);
    // Unknown country: checksum may still be computed, but it is never valid.
    const unknown = validateIban("XX89370400440532013000");
    expect(unknown).toMatchObject({ country: "XX", lengthOk: false, valid: false });
  });

  it("rejects malformed input", () => {
    for (const s of [
      "",
      "DE",
      "DE89",
      "1234567890123456",
      "DEXX370400440532013000",
      "DE89 3704 0044 0532 0130 00",
    ]) {
      expect(validateIban(s).valid, s).toBe(false);
    }
    // Check digits outside 02..98 are never valid.
    expect(validateIban("DE00370400440532013000").checksumOk).toBe(false);
    expect(validateIban("DE99370400440532013000").checksumOk).toBe(false);
  });

  it("handles long strings in linear time without BigInt overflow concerns", () => {
    expect(validateIban(`DE${"9".repeat(10_000)}`).valid).toBe(false);
  });
});

describe("findIbanCandidates", () => {
  it("finds a compact IBAN", () => {
    const text = "Please pay to DE89370400440532013000 today.";
    expect(findIbanCandidates(text)).toEqual([{ start: 14, end: 36, value: "DE89370400440532013000" }]);
  });

  it("finds IBANs written in groups with spaces or dashes", () => {
    const text = "IBAN: DE89 3704 0044 0532 0130 00, or GB82-WEST-1234-5698-7654-32.";
    const found = findIbanCandidates(text);
    expect(found.map((f) => f.value)).toEqual(["DE89370400440532013000", "GB82WEST12345698765432"]);
    for (const f of found) {
      expect(compact(text.slice(f.start, f.end))).toBe(f.value);
      expect(validateIban(f.value).valid).toBe(true);
    }
    expect(text.slice(found[0]?.start, found[0]?.end)).toBe("DE89 3704 0044 0532 0130 00");
  });

  it.each(EXAMPLES)("finds the printed form of %s inside a sentence", (example) => {
    const text = `my account is ${example} thanks`;
    const found = findIbanCandidates(text);
    expect(found).toHaveLength(1);
    expect(found[0]?.value).toBe(compact(example));
    expect(found[0]?.start).toBe(14);
    expect(found[0]?.end).toBe(14 + example.length);
  });

  it("stops at the country's length instead of running into the next word or number", () => {
    const text = "DE89 3704 0044 0532 0130 00 1234 5678 ok";
    const [first] = findIbanCandidates(text);
    expect(first).toEqual({ start: 0, end: 27, value: "DE89370400440532013000" });
    const glued = "NL91 ABNA 0417 1643 00 THANKS";
    expect(findIbanCandidates(glued)[0]).toEqual({ start: 0, end: 22, value: "NL91ABNA0417164300" });
  });

  it("stops unknown countries at a group boundary and at 34 characters", () => {
    const found = findIbanCandidates("XY12 3456 7890 1234 5678 9012 3456 7890 1234");
    expect(found).toHaveLength(1);
    const value = found[0]?.value ?? "";
    expect(value.length).toBeLessThanOrEqual(34);
    // 8 groups of 4 = 32; the 9th group would make 36, so the candidate ends before it.
    expect(value).toBe("XY123456789012345678901234567890");
    expect(found[0]?.end).toBe(39);
    // A single unknown-country token longer than 34 characters is a hash, not an IBAN.
    expect(findIbanCandidates(`XY12${"3".repeat(40)}`)).toEqual([]);
  });

  it("reports candidates with a bad checksum so callers can flag typos", () => {
    const [c] = findIbanCandidates("DE89 3704 0044 0532 0130 01");
    expect(c?.value).toBe("DE89370400440532013001");
    expect(validateIban(c?.value ?? "").checksumOk).toBe(false);
  });

  it("accepts lower-case input and upper-cases the value", () => {
    expect(findIbanCandidates("de89 3704 0044 0532 0130 00")[0]?.value).toBe("DE89370400440532013000");
  });

  it("ignores things that are not IBANs", () => {
    for (const text of [
      "order 12345678901234567890 shipped",
      "ORDER-2024-00012345",
      "AT12 MONTHS AGO",
      "SKU AB12CDEFGHIJKLMNOP",
      "call +44 7911 123456 or 0049 30 1234567",
      "colour #DE1234 and #AB12CD",
      "version v1.2.3 build DE12",
      "XDE89370400440532013000", // not at a word start
      "DE89  3704 0044 0532 0130 00", // double space ends the group: too short
    ]) {
      expect(findIbanCandidates(text), text).toEqual([]);
    }
  });

  it("never returns an IBAN glued to a preceding word", () => {
    expect(findIbanCandidates("ibanDE89370400440532013000")).toEqual([]);
  });

  it("returns in-bounds, non-empty, ordered spans on arbitrary strings", () => {
    const alphabet = fc.constantFrom(..."DEGBXYNLAT0123456789 --abc.\u00e9\uff24");
    const arbitraryText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(alphabet, { maxLength: 200 }).map((a) => a.join("")),
    );
    fc.assert(
      fc.property(arbitraryText, (text) => {
        const found = findIbanCandidates(text);
        let last = 0;
        for (const f of found) {
          expect(f.start).toBeGreaterThanOrEqual(last);
          expect(f.end).toBeGreaterThan(f.start);
          expect(f.end).toBeLessThanOrEqual(text.length);
          expect(f.value.length).toBeGreaterThanOrEqual(14);
          expect(f.value.length).toBeLessThanOrEqual(34);
          expect(compact(text.slice(f.start, f.end))).toBe(f.value);
          last = f.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  it("finishes on 64 KB of alternating letters, digits and spaces", () => {
    const units = ["A", "1", " ", "B", "2", "-"];
    let text = "";
    while (text.length < 65_536) text += units[text.length % units.length];
    expect(Array.isArray(findIbanCandidates(text))).toBe(true);
    const dense = "DE12 3".repeat(13_000);
    expect(Array.isArray(findIbanCandidates(dense))).toBe(true);
    const long = `DE89${"1".repeat(65_536)}`;
    expect(findIbanCandidates(long)).toHaveLength(1);
  });
});
