import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CryptoNetwork, findCryptoCandidates, validateCryptoAddress } from "./crypto.js";

/** Well-known valid addresses. */
const VALID: ReadonlyArray<readonly [string, CryptoNetwork, "ok" | "none"]> = [
  // Bitcoin: genesis coinbase (P2PKH), Bitcoin wiki P2SH, BIP 173 / BIP 350 / BIP 86 vectors.
  ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bitcoin", "ok"],
  ["1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "bitcoin", "ok"],
  ["3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "bitcoin", "ok"],
  ["bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "bitcoin", "ok"],
  ["BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bitcoin", "ok"],
  ["bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "bitcoin", "ok"],
  ["bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "bitcoin", "ok"],
  ["bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr", "bitcoin", "ok"],
  // Ethereum: EIP-55 test vectors, plus all-lower / all-upper (no checksum).
  ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ethereum", "ok"],
  ["0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "ethereum", "ok"],
  ["0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "ethereum", "ok"],
  ["0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "ethereum", "ok"],
  ["0x52908400098527886E0F7030069857D2E4169EE7", "ethereum", "none"], // EIP-55 "all caps"
  ["0xde709f2102306220921060314715629080e2fb77", "ethereum", "none"], // EIP-55 "all lower"
  ["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "ethereum", "none"],
  ["0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "ethereum", "none"],
  // TRON: USDT TRC-20 contract; the genesis key hash with version 0x41.
  ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "tron", "ok"],
  ["TJzCP527E8Pbpt5qwf7NyUmaFZfRQhiAJx", "tron", "ok"],
  // Litecoin: legacy L (0x30), M (0x32) and ltc1 segwit.
  ["LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", "litecoin", "ok"],
  ["LUEweDxDA4WhvWiNXXSxjM9CYzHPJv4QQF", "litecoin", "ok"],
  ["MGv9cSYnaRSTZNzYaN7bhbgmozoGkKBvCn", "litecoin", "ok"],
  ["ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfea", "litecoin", "ok"],
  // Dogecoin.
  ["DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L", "dogecoin", "ok"],
  ["DEA5vGb2NpAwCiCp5yTE16F3DueQUVivQp", "dogecoin", "ok"],
  // Bitcoin Cash: CashAddr spec vectors, with and without the prefix.
  ["bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "bitcoin-cash", "ok"],
  ["bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy", "bitcoin-cash", "ok"],
  ["bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq", "bitcoin-cash", "ok"],
  ["BITCOINCASH:QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A", "bitcoin-cash", "ok"],
  ["qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r", "bitcoin-cash", "ok"],
  // Solana: wrapped SOL mint, SPL token program, system program.
  ["So11111111111111111111111111111111111111112", "solana", "none"],
  ["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "solana", "none"],
  ["11111111111111111111111111111111", "solana", "none"],
];

/** The same address with one character replaced by another of the same alphabet. */
const CORRUPTED: ReadonlyArray<readonly [string, CryptoNetwork]> = [
  ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "bitcoin"],
  ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DjvfNa", "bitcoin"],
  ["3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz", "bitcoin"],
  ["bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlj", "bitcoin"],
  ["bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj2", "bitcoin"],
  ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "ethereum"],
  ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAee", "ethereum"],
  ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "tron"],
  ["LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH8", "litecoin"],
  ["ltc1qg42tkwuuxefutzxezdkdel39gfstuap288mfeq", "litecoin"],
  ["DH5yaieqoZN36fDVciNyRueRGvGLR3mr7M", "dogecoin"],
  ["bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6q", "bitcoin-cash"],
];

describe("validateCryptoAddress", () => {
  it.each(VALID)("accepts %s (%s)", (addr, network, checksum) => {
    expect(validateCryptoAddress(addr)).toEqual({ network, valid: true, checksum });
  });

  it.each(CORRUPTED)("rejects corrupted %s (%s)", (addr, network) => {
    expect(validateCryptoAddress(addr)).toEqual({ network, valid: false, checksum: "bad" });
  });

  it("detects every single-character substitution in a base58check address", () => {
    const addr = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    for (let k = 1; k < addr.length; k++) {
      const c = addr.charAt(k);
      const bad = `${addr.slice(0, k)}${c === "z" ? "y" : "z"}${addr.slice(k + 1)}`;
      expect(validateCryptoAddress(bad), bad).toMatchObject({ network: "bitcoin", valid: false });
    }
  });

  it("rejects a segwit v0 program under a bech32m checksum and v1 under bech32 (BIP 350)", () => {
    // BIP 350 invalid vectors (wrong checksum variant for the witness version).
    expect(validateCryptoAddress("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh")).toMatchObject({
      network: "bitcoin",
      valid: false,
    });
    expect(
      validateCryptoAddress("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut"),
    ).toMatchObject({ network: "bitcoin", valid: false });
  });

  it("rejects mixed-case bech32", () => {
    expect(validateCryptoAddress("bc1qXy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh")).toBeNull();
  });

  it("returns null for strings with no address shape", () => {
    for (const s of [
      "",
      "hello world",
      "#ff00aa",
      "#FFAA00",
      "e83c5163316f89bfbde7d9ab23ca2e25604af290", // git SHA, 40 hex without 0x
      "9a3b5c7d1e2f4a6b8c9d1e3f5a7b9c1d3e5f7a9b", // 40 hex without a 0: still not an address
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", // 0x + 38 hex
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedaa", // 0x + 42 hex
      "0xZZZeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      "ORD-2024-000123456",
      "1234567891234567891234567891", // digits only
      "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa0", // '0' is not base58
      "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlb", // 'b' is not in the bech32 alphabet
    ]) {
      expect(validateCryptoAddress(s), s).toBeNull();
    }
  });
});

describe("findCryptoCandidates", () => {
  it("finds each address shape in text, keeping the original case", () => {
    const addrs = VALID.map(([a]) => a).filter((a) => a !== "11111111111111111111111111111111");
    const text = addrs.map((a, k) => `${k % 2 ? "send to" : "wallet:"} ${a}${k % 3 ? "." : ""}`).join("\n");
    const found = findCryptoCandidates(text);
    expect(found.map((f) => f.value)).toEqual(addrs);
    for (const f of found) expect(text.slice(f.start, f.end)).toBe(f.value);
  });

  it("finds corrupted addresses too (the caller reports the bad checksum)", () => {
    const text = CORRUPTED.map(([a]) => a).join(" ");
    expect(findCryptoCandidates(text).map((f) => f.value)).toEqual(CORRUPTED.map(([a]) => a));
  });

  it("respects word boundaries", () => {
    expect(findCryptoCandidates("x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")).toEqual([]);
    expect(findCryptoCandidates("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00")).toEqual([]);
    expect(findCryptoCandidates("id_0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")).toEqual([]);
    const url = "https://etherscan.io/address/0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed#code";
    expect(findCryptoCandidates(url).map((f) => f.value)).toEqual([
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ]);
    // Non-ASCII text glued to an address is a boundary.
    const cjk = "地址1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa谢谢";
    expect(findCryptoCandidates(cjk)).toEqual([
      { start: 2, end: 36, value: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" },
    ]);
  });

  it("does not match hex colours, git SHAs, order ids or long digit runs", () => {
    const text = [
      "colour #ff00aa and #FFAA00",
      "fixed in e83c5163316f89bfbde7d9ab23ca2e25604af290",
      "and 9a3b5c7d1e2f4a6b8c9d1e3f5a7b9c1d3e5f7a9b",
      "sha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
      "order ORD-2024-000123456, invoice INV2024ABCDEFGHJKLMNPQRSTUVWXYZ",
      "ref 1234567891234567891234567891234 and 12345678912345678912345678912345678",
      "token ABCDEFGHJKLMNPQRSTUVWXYZ123456789ABC",
      "phone 1 (555) 123-4567",
    ].join("\n");
    expect(findCryptoCandidates(text)).toEqual([]);
  });

  it("spans the bitcoincash: prefix", () => {
    const text = "pay bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a now";
    expect(findCryptoCandidates(text)).toEqual([
      { start: 4, end: 58, value: "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a" },
    ]);
  });

  it("returns in-bounds, non-empty, ordered spans on arbitrary strings", () => {
    const alphabet = fc.constantFrom(..."0x1A3LMDTbcqpltSo9aefFZz_: .-\u00e9\u5730");
    const arbitraryText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(alphabet, { maxLength: 300 }).map((a) => a.join("")),
      fc
        .array(
          fc.constantFrom(...VALID.map(([a]) => a), ...CORRUPTED.map(([a]) => a), " ", "x", "_", "\u00e9"),
          {
            maxLength: 12,
          },
        )
        .map((a) => a.join("")),
    );
    fc.assert(
      fc.property(arbitraryText, (text) => {
        const found = findCryptoCandidates(text);
        let last = 0;
        for (const f of found) {
          expect(f.start).toBeGreaterThanOrEqual(last);
          expect(f.end).toBeGreaterThan(f.start);
          expect(f.end).toBeLessThanOrEqual(text.length);
          expect(f.value).toBe(text.slice(f.start, f.end));
          expect(validateCryptoAddress(f.value)).not.toBeNull();
          last = f.end;
        }
      }),
      { numRuns: 500 },
    );
  });

  it("finishes on 64 KB of alternating letters, digits and spaces", () => {
    const units = ["a", "1", " ", "B", "2", "x"];
    let text = "";
    while (text.length < 65_536) text += units[text.length % units.length];
    expect(Array.isArray(findCryptoCandidates(text))).toBe(true);
    const oneToken = "aB3".repeat(22_000);
    expect(findCryptoCandidates(oneToken)).toEqual([]);
    const many = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ".repeat(1_900);
    expect(findCryptoCandidates(many)).toHaveLength(1_900);
  });
});
