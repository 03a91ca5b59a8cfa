import { describe, expect, it } from "vitest";
import {
  createConversationScanner,
  DEFAULT_POLICY,
  PolicyError,
  resolvePolicy,
  ScanMemo,
  scan,
} from "./index.js";
import type { Stage } from "./types.js";

const pre = { stage: "pre_contract" as Stage };
const active = { stage: "contract_active" as Stage };

// Written for these tests (not corpus lines): what must be flagged, and the
// look-alike work talk beside it that must not.
const mustFlag: [string, string, string?][] = [
  ["ring me on +44 7911 123456 after lunch", "C1", "phone:447911123456"],
  ["my cell is 415-555-0132, text anytime", "C1", "phone:4155550132"],
  ["drop me a line: sam.porter@fastmail.com", "C1", "email:sam.porter@fastmail.com"],
  ["sam (dot) porter (at) fastmail (dot) com", "C1", "email:sam.porter@fastmail.com"],
  ["s a m p o r t e r @ f a s t m a i l . c o m", "C1", "email:samporter@fastmail.com"],
  ["my number: nine one seven, five five five, zero one four two", "C1", "phone:9175550142"],
  ["ｃａｌｌ ｍｅ ９１７ ５５５ ０１４２", "C1", "phone:9175550142"],
  ["find me on telegram @sam_builds", "C1", "telegram:sam_builds"],
  ["wa.me/15551234567 ping me there", "C1", "whatsapp:15551234567"],
  ["just pay me directly via paypal and we skip the fees", "P1"],
  ["Could you invoice me outside the platform?", "P1"],
  ["send it to paypal.me/samporter", "P1", "paypal:samporter"],
  ["IBAN GB82 WEST 1234 5698 7654 32, transfer when ready", "P1", "iban:GB82WEST12345698765432"],
  ["what's your whatsapp?", "C2"],
];

const mustNotFlag: string[] = [
  "The budget is $1,250 and the deadline is 2026-03-15.",
  "Invoice INV-2026-00418 is attached, due in 14 days.",
  "Version 2.14.3 fixes the login bug; build 4410 is on staging.",
  "Let's meet on Zoom at 10:30, here's the repo: github.com/acme/shop",
  "Can you integrate PayPal checkout and a WhatsApp bot into the site?",
  "The hero image should be 1920x1080 px, colour #1a2b3c.",
  "I'll fund the next milestone through the platform today.",
  "Order #5512340987 shipped, tracking 1Z999AA10123456784.",
  "Coordinates for the map pin: 40.7128, -74.0060",
  "I never take payment outside the platform, sorry.",
];

describe("scan: must flag / must not flag", () => {
  for (const [text, rule, handle] of mustFlag) {
    it(`flags ${rule}: ${text}`, () => {
      const r = scan(text, pre);
      expect(r.violation).toBe(true);
      expect(r.rules).toContain(rule);
      if (handle !== undefined) expect(r.handles).toContain(handle);
    });
  }
  for (const text of mustNotFlag) {
    it(`allows: ${text}`, () => {
      const r = scan(text, pre);
      expect(r.verdict).toBe("allow");
      expect(r.violation).toBe(false);
      expect(r.handles).toEqual([]);
    });
  }
});

describe("scan: verdicts by stage", () => {
  it("masks contact details before a contract and allows them during one", () => {
    const text = "email me at sam.porter@fastmail.com";
    expect(scan(text, pre).verdict).toBe("mask");
    const during = scan(text, active);
    expect(during.verdict).toBe("allow");
    expect(during.rules).toContain("C1");
    expect(during.violation).toBe(false);
  });
  it("holds off-platform payment at any stage", () => {
    const text = "let's skip the fees, pay me directly to my bank";
    expect(scan(text, pre).verdict).toBe("hold");
    expect(scan(text, active).verdict).toBe("hold");
  });
  it("nudges a request for contact details", () => {
    expect(scan("can I get your number?", pre).verdict).toBe("nudge");
  });
});

describe("scan: spans point into the original text", () => {
  it("maps through zero-width characters and fullwidth letters", () => {
    const text = "write to s\u200bam@fast\u200dmail.com now";
    const r = scan(text, pre);
    const f = r.findings.find((x) => x.kind === "email");
    expect(f?.value).toBe("sam@fastmail.com");
    expect(text.slice(f?.start, f?.end)).toBe("s\u200bam@fast\u200dmail.com");
    expect(r.masked).toBe(`write to ${DEFAULT_POLICY.placeholders.contact} now`);
  });
  it("maps astral characters (mathematical bold) by UTF-16 offsets", () => {
    const text = "mail: 𝐬𝐚𝐦@𝐟𝐚𝐬𝐭𝐦𝐚𝐢𝐥.𝐜𝐨𝐦";
    const f = scan(text, pre).findings.find((x) => x.kind === "email");
    expect(f?.value).toBe("sam@fastmail.com");
    expect(f?.start).toBe(6);
    expect(f?.end).toBe(text.length);
  });
});

describe("conversations", () => {
  it("assembles a phone number sent in three pieces and reports it on the last", () => {
    const c = createConversationScanner(pre);
    const results = [
      c.push({ from: "client", text: "what's the best way to reach you?" }),
      c.push({ from: "freelancer", text: "917" }),
      c.push({ from: "freelancer", text: "555" }),
      c.push({ from: "freelancer", text: "0142" }),
    ];
    expect(results[1]?.handles).toEqual([]);
    expect(results[3]?.handles).toContain("phone:9175550142");
    expect(results[3]?.violation).toBe(true);
    const f = results[3]?.findings.find((x) => x.kind === "phone");
    expect(f?.start).toBe(0);
    expect(f?.end).toBe(4);
  });
  it("does not lengthen a number already sent whole with the next message's letters", () => {
    // "I'll" reads as "1'11" to the look-alike folding: joined to the number before, it made a longer "number".
    const c = createConversationScanner({ stage: "contract_active" });
    const sent = c.push({ from: "freelancer", text: "whatsapp me on +1 415 290 7396" });
    expect(sent.handles.length).toBeGreaterThan(0);
    const next = c.push({ from: "freelancer", text: "I'll have the next version by Mar 4." });
    expect(next.findings).toEqual([]);
    expect(next.masked).toBe("I'll have the next version by Mar 4.");
  });
  it("assembles an email split at the @", () => {
    const c = createConversationScanner(pre);
    c.push({ from: "freelancer", text: "my mail is sam.porter" });
    const r = c.push({ from: "freelancer", text: "@fastmail.com" });
    expect(r.handles).toContain("email:sam.porter@fastmail.com");
  });
  it("forks: a copy judges the next message as the original would, and neither changes the other", () => {
    const read = [
      { from: "client", text: "what's the best way to reach you?" },
      { from: "freelancer", text: "917" },
      { from: "freelancer", text: "555" },
    ];
    const fresh = () => {
      const c = createConversationScanner(pre);
      for (const m of read) c.push(m);
      return c;
    };
    const original = fresh();
    const copy = original.fork();
    const next = { from: "freelancer", text: "0142" };
    const byCopy = copy.push(next);
    expect(byCopy).toEqual(fresh().push(next));
    expect(byCopy.handles).toContain("phone:9175550142");
    // The copy's push left the original as it was: it finds the number as the copy did.
    expect(original.push(next)).toEqual(byCopy);
  });
  it("does not join numbers across senders", () => {
    const c = createConversationScanner(pre);
    c.push({ from: "client", text: "917" });
    c.push({ from: "freelancer", text: "555" });
    expect(c.push({ from: "client", text: "0142" }).handles).toEqual([]);
  });
});

describe("policy", () => {
  it("is a plain value users can spread and change", () => {
    const strict = {
      ...DEFAULT_POLICY,
      rules: { ...DEFAULT_POLICY.rules, C1: { pre_contract: "hold", contract_active: "mask" } },
    } as const;
    expect(
      scan("email me at sam.porter@fastmail.com", { stage: "contract_active", policy: strict }).verdict,
    ).toBe("mask");
  });
  it("throws once, precisely, on a malformed policy", () => {
    expect(() => resolvePolicy({ rules: { C1: { pre_contract: "block" } } })).toThrow(PolicyError);
    expect(() => resolvePolicy({ rules: { C1: { pre_contract: "block" } } })).toThrow(
      /policy\.rules\.C1\.pre_contract/,
    );
    expect(() => resolvePolicy({ thresholds: { detail: 2 } })).toThrow(/policy\.thresholds\.detail/);
    expect(() => resolvePolicy({ colour: "red" })).toThrow(/policy\.colour: unknown field/);
  });
  it("accepts extra artifact hosts", () => {
    const policy = resolvePolicy({ artifactHosts: ["portfolio.example.dev"] });
    const r = scan("see portfolio.example.dev/contact for samples", { stage: "pre_contract", policy });
    expect(r.verdict).toBe("allow");
  });
});

describe("failing closed", () => {
  it("refuses a message over the limit with message_too_large, never truncating", () => {
    const r = scan("a".repeat(DEFAULT_POLICY.maxMessageLength + 1), pre);
    expect(r.error?.code).toBe("message_too_large");
    expect(r.verdict).toBe("hold");
  });
});

describe("review regressions", () => {
  const C1_PHONE = "call me +44 7911 123456";

  it("fails closed on an unknown stage or missing options, never an unknown verdict", () => {
    const bad = scan(C1_PHONE, { stage: "precontract" as Stage });
    expect(bad.verdict).toBe("hold");
    expect(bad.error?.code).toBe("invalid_stage");
    // @ts-expect-error: calling without options, as JavaScript callers can
    expect(scan("hi").error?.code).toBe("invalid_stage");
  });

  it("keeps the default policy and resolved policies frozen all the way down", () => {
    expect(() => {
      (DEFAULT_POLICY.rules.P1 as { pre_contract: string }).pre_contract = "block";
    }).toThrow(TypeError);
    const p = resolvePolicy({ thresholds: { detail: 0.7 } });
    expect(Object.isFrozen(p.thresholds)).toBe(true);
    expect(() => resolvePolicy({ thresholds: { toString: 0.5 } })).toThrow(PolicyError);
  });

  it("never throws in a conversation, and a refused message takes no part in assembly", () => {
    const c = createConversationScanner(pre);
    expect(c.push({ from: "a", text: 5 as unknown as string }).verdict).toBe("hold");
    expect(() => c.push({ from: "a", text: "917" })).not.toThrow();
  });

  it("assembles after a very long message from the same sender", () => {
    const c = createConversationScanner(pre);
    c.push({ from: "f", text: "ok ".repeat(21_840) });
    c.push({ from: "f", text: "call me on 917" });
    c.push({ from: "f", text: "555" });
    expect(c.push({ from: "f", text: "0142" }).handles).toContain("phone:9175550142");
  });

  it("assembles a detail begun at the end of a long message, reading only that end back", () => {
    const long = "Here is the full brief again so nothing gets lost between us. ".repeat(8);
    const c = createConversationScanner(pre);
    c.push({ from: "f", text: long });
    c.push({ from: "f", text: `${long}my mail is sam.porter` });
    expect(c.push({ from: "f", text: "@fastmail.com" }).handles).toContain("email:sam.porter@fastmail.com");
    // Earlier text with no space to cut at: the joined text starts mid-word, and the detail still assembles.
    const d = createConversationScanner(pre);
    d.push({ from: "f", text: "x".repeat(600) });
    d.push({ from: "f", text: "917" });
    d.push({ from: "f", text: "555" });
    expect(d.push({ from: "f", text: "0142" }).handles).toContain("phone:9175550142");
  });

  it("judges the same with a scan memo as without, whatever other scanners remembered", () => {
    const asked = [
      { from: "client", text: "what's the best way to reach you?" },
      { from: "freelancer", text: "917" },
      { from: "freelancer", text: "555" },
      { from: "freelancer", text: "0142" },
      { from: "client", text: "We could build you a Telegram bot too" },
      { from: "freelancer", text: "message me on Telegram" },
    ];
    // The same texts in other contexts: no ask before the digits, no bot before the brand.
    const unasked = asked.filter((m) => m.from === "freelancer");
    const memo = new ScanMemo(50);
    const read = (messages: typeof asked, withMemo: boolean) => {
      const c = createConversationScanner(pre, withMemo ? { memo } : {});
      return messages.map((m) => c.push(m));
    };
    for (const messages of [asked, unasked, asked, unasked])
      expect(read(messages, true)).toEqual(read(messages, false));
    expect(memo.hits).toBeGreaterThan(0);
    // A caller changing what it got changes nothing remembered.
    const first = read(asked, true);
    first[3]?.handles.push("phone:0");
    first[3]?.findings.splice(0);
    expect(read(asked, true)).toEqual(read(asked, false));
  });

  it("forks without the memo for a text judged once", () => {
    const memo = new ScanMemo();
    const c = createConversationScanner(pre, { memo });
    c.push({ from: "client", text: "hello there" });
    const before = memo.misses;
    c.fork({}).push({ from: "freelancer", text: "a draft typed once" });
    expect(memo.misses).toBe(before);
    c.fork().push({ from: "freelancer", text: "a message sent" });
    expect(memo.misses).toBeGreaterThan(before);
  });

  it("matches policy hosts and their subdomains", () => {
    const contact = resolvePolicy({ contactHosts: ["acmechat.io"] });
    expect(scan("ping me at eu.acmechat.io/u/bob", { stage: "pre_contract", policy: contact }).verdict).toBe(
      "mask",
    );
    const artifacts = resolvePolicy({ artifactHosts: ["mycorp.dev"] });
    expect(
      scan("notes at docs.mycorp.dev/call-notes", { stage: "pre_contract", policy: artifacts }).verdict,
    ).toBe("allow");
    expect(() => resolvePolicy({ contactHosts: ["example.com/path"] })).toThrow(/not a host name/);
  });

  it("reads a number offered for calls and an app, with or without +", () => {
    expect(scan("WhatsApp or call +1 305 555 0142", pre).handles.sort()).toEqual([
      "phone:13055550142",
      "whatsapp:13055550142",
    ]);
    expect(scan("WhatsApp: +1 305 555 0142", pre).rules).not.toContain("A3");
  });

  it("treats an example IBAN written in groups as an example", () => {
    expect(scan("use DE89 3704 0044 0532 0130 00 as the placeholder", pre).verdict).toBe("allow");
  });

  it("masks only details sure enough to act on", () => {
    const r = scan("my number is zero seven zero three", pre);
    expect(r.verdict).toBe("nudge");
    expect(r.masked).toBe("my number is zero seven zero three");
  });

  it("reads the words around an emoji channel", () => {
    expect(scan("your 📞?", pre).verdict).toBe("nudge");
  });

  it("needs enough digits for any number pieced together", () => {
    const c = createConversationScanner(pre);
    c.push({ from: "f", text: "viber 917" });
    expect(c.push({ from: "f", text: "0142" }).handles).toEqual([]);
  });
});
