import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { emptySummary, type ScanLineOptions, type Summary, scanLine } from "./scan-lines.js";

const PRE: ScanLineOptions = { stage: "pre_contract" };

/** The fields an output line may have (README, "Scanning a file"); the tests check which are present. */
interface Out {
  id?: unknown;
  text?: unknown;
  verdict?: unknown;
  violation?: unknown;
  rules?: unknown;
  handles?: unknown[];
  findings?: Record<string, unknown>[];
  masked?: unknown;
  first_violating_index?: unknown;
  verdicts?: Out[];
  error?: { code: unknown; message: unknown };
}

function run(lines: readonly string[], options: ScanLineOptions = PRE): Out[] {
  const summary = emptySummary();
  return lines.map((line) => scanLine(line, options, summary) as Out);
}

const one = (line: string, options: ScanLineOptions = PRE): Out => run([line], options)[0] as Out;
const json = (v: unknown): string => JSON.stringify(v);

describe("scanLine: messages", () => {
  it("a message line gives exactly id, text, verdict, violation, rules, handles, findings, masked", () => {
    const out = one(json({ id: "m1", text: "call me on +44 7700 900123" }));
    expect(Object.keys(out).sort()).toEqual(
      ["findings", "handles", "id", "masked", "rules", "text", "verdict", "violation"].sort(),
    );
    expect(out.id).toBe("m1");
    expect(out.text).toBe("call me on +44 7700 900123");
    expect(out.verdict).toBe("mask");
    expect(out.violation).toBe(true);
    expect(out.handles).toEqual(["phone:447700900123"]);
    expect(out.masked).not.toContain("900123");
    const findings = out.findings ?? [];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings)
      expect(Object.keys(f).sort()).toEqual(["confidence", "end", "kind", "rule", "start", "value"]);
  });

  it("a message line without an id has no id key", () => {
    const out = one(json({ text: "the invoice total is $1,200" }));
    expect(Object.keys(out).sort()).toEqual([
      "findings",
      "handles",
      "masked",
      "rules",
      "text",
      "verdict",
      "violation",
    ]);
    expect(out.verdict).toBe("allow");
    expect(out.masked).toBe("the invoice total is $1,200");
  });

  it("keeps any JSON id as given (number, string)", () => {
    expect(one(json({ id: 7, text: "hi" })).id).toBe(7);
    expect(one(json({ id: "x-1", text: "hi" })).id).toBe("x-1");
  });

  it("the stage in the line wins over the option", () => {
    const text = "call me on +44 7700 900123";
    expect(one(json({ text }), { stage: "pre_contract" }).verdict).toBe("mask");
    expect(one(json({ text, stage: "contract_active" }), { stage: "pre_contract" }).verdict).toBe("allow");
    expect(one(json({ text, stage: "pre_contract" }), { stage: "contract_active" }).verdict).toBe("mask");
    expect(one(json({ text }), { stage: "contract_active" }).verdict).toBe("allow");
  });
});

describe("scanLine: conversations", () => {
  it("a conversation line gives id, violation, first_violating_index, handles, verdicts", () => {
    const out = one(
      json({
        id: "c1",
        messages: [
          { from: "client", text: "hi, can you start on monday?" },
          { from: "freelancer", text: "sure. call me on +44 7700 900123" },
          { from: "client", text: "ok" },
        ],
      }),
    );
    expect(Object.keys(out).sort()).toEqual([
      "first_violating_index",
      "handles",
      "id",
      "verdicts",
      "violation",
    ]);
    expect(out.id).toBe("c1");
    expect(out.violation).toBe(true);
    expect(out.first_violating_index).toBe(1);
    expect(out.handles).toContain("phone:447700900123");
    const verdicts = out.verdicts ?? [];
    expect(verdicts).toHaveLength(3);
    for (const v of verdicts)
      expect(Object.keys(v).sort()).toEqual([
        "findings",
        "handles",
        "masked",
        "rules",
        "verdict",
        "violation",
      ]);
    expect(verdicts[1]?.verdict).toBe("mask");
  });

  it("first_violating_index is null when no message violates", () => {
    const out = one(
      json({
        id: "c2",
        messages: [
          { from: "client", text: "the invoice total is $1,200" },
          { from: "freelancer", text: "thanks, v2.3.1 is on github.com/acme/app" },
        ],
      }),
    );
    expect(out.violation).toBe(false);
    expect(out.first_violating_index).toBeNull();
    expect(out.verdicts).toHaveLength(2);
  });

  it("assembles a detail split across one sender's messages", () => {
    const out = one(
      json({
        messages: [
          { from: "freelancer", text: "my email is jane.roe" },
          { from: "freelancer", text: "@gmail.com" },
        ],
      }),
    );
    expect(out.handles).toContain("email:jane.roe@gmail.com");
  });

  it("the stage in a conversation line wins over the option", () => {
    const line = json({
      stage: "contract_active",
      messages: [{ from: "f", text: "call me on +44 7700 900123" }],
    });
    const out = one(line, { stage: "pre_contract" });
    expect(out.verdicts?.[0]?.verdict).toBe("allow");
  });

  it("an empty conversation is valid", () => {
    const out = one(json({ id: "c3", messages: [] }));
    expect(out).toEqual({
      id: "c3",
      violation: false,
      first_violating_index: null,
      handles: [],
      verdicts: [],
    });
  });
});

describe("scanLine: errors", () => {
  const cases: [string, string, string, unknown][] = [
    ["invalid JSON", "{not json", "invalid_json", undefined],
    ["a truncated object", '{"id": 1, "text": "hi"', "invalid_json", undefined],
    ["a JSON array", "[1, 2, 3]", "invalid_line", undefined],
    ["a JSON string", '"hello"', "invalid_line", undefined],
    ["a JSON number", "42", "invalid_line", undefined],
    ["JSON null", "null", "invalid_line", undefined],
    ["a missing text", json({ id: "a" }), "missing_text", "a"],
    ["a non-string text", json({ id: "b", text: 12 }), "missing_text", "b"],
    ["a message without text", json({ id: "c", messages: [{ from: "x" }] }), "missing_text", "c"],
    ["a null message", json({ id: "d", messages: [null] }), "missing_text", "d"],
    ["a bad stage", json({ id: "e", stage: "after_contract", text: "hi" }), "invalid_stage", "e"],
    ["a non-string stage", json({ id: "f", stage: 3, text: "hi" }), "invalid_stage", "f"],
  ];

  it.each(cases)(
    "%s gives {id?, error: {code, message}} and the next line still works",
    (_name, line, code, id) => {
      const [bad, good] = run([line, json({ id: "next", text: "call me on +44 7700 900123" })]) as [Out, Out];
      expect(Object.keys(bad).sort()).toEqual(id === undefined ? ["error"] : ["error", "id"]);
      if (id !== undefined) expect(bad.id).toBe(id);
      const error = bad.error as Record<string, unknown>;
      expect(Object.keys(error).sort()).toEqual(["code", "message"]);
      expect(error.code).toBe(code);
      expect(typeof error.message).toBe("string");
      expect((error.message as string).length).toBeGreaterThan(0);
      expect(good.id).toBe("next");
      expect(good.verdict).toBe("mask");
    },
  );

  it("a 70,000-character text gives message_too_large, and the next line still works", () => {
    const [big, good] = run([
      json({ id: "big", text: "a".repeat(70_000) }),
      json({ id: "ok", text: "hello" }),
    ]) as [Out, Out];
    expect(big.id).toBe("big");
    expect(big.error?.code).toBe("message_too_large");
    expect(good.verdict).toBe("allow");
  });

  it("counts lines, messages, conversations, errors and violations in the summary", () => {
    const summary = emptySummary();
    for (const line of [
      json({ text: "call me on +44 7700 900123" }),
      json({ text: "hello" }),
      "{bad",
      json({ messages: [{ from: "a", text: "hi" }] }),
    ])
      scanLine(line, PRE, summary);
    expect(summary.lines).toBe(4);
    expect(summary.messages).toBe(2);
    expect(summary.conversations).toBe(1);
    expect(summary.errors).toBe(1);
    expect(summary.violations).toBe(1);
    expect(summary.verdicts).toEqual({ mask: 1, allow: 2 });
  });
});

describe("leakguard scan (the built CLI)", () => {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

  function cli(args: string[], input?: string) {
    return spawnSync(process.execPath, [main, "scan", ...args], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      ...(input === undefined ? {} : { input }),
    });
  }

  it("has been built (npm run build)", () => {
    expect(existsSync(main), `${main} is missing: run npm run build`).toBe(true);
  });

  const input = [
    json({ id: 1, text: "call me on +44 7700 900123" }),
    "",
    "{not json",
    json({ id: 2, text: "the invoice total is $1,200" }),
    "   ",
    "[1, 2]",
    json({ id: 3, stage: "bogus", text: "hi" }),
    json({
      id: 4,
      messages: [
        { from: "a", text: "hi" },
        { from: "b", text: "mail me at jane.roe@gmail.com" },
      ],
    }),
    json({ id: 5, text: "a".repeat(70_000) }),
    json({ id: 6, stage: "contract_active", text: "call me on +44 7700 900123" }),
  ].join("\n");
  const nonEmpty = input.split("\n").filter((l) => l.trim() !== "").length;

  it("writes one JSON line per non-empty input line, in order, and exits 0", () => {
    const r = cli([], `${input}\n`);
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(nonEmpty);
    const out = lines.map((l) => JSON.parse(l) as Out);
    expect(out.map((o) => o.id)).toEqual([1, undefined, 2, undefined, 3, 4, 5, 6]);
    expect(out[0]?.verdict).toBe("mask");
    expect(out[1]?.error?.code).toBe("invalid_json");
    expect(out[2]?.verdict).toBe("allow");
    expect(out[3]?.error?.code).toBe("invalid_line");
    expect(out[4]?.error?.code).toBe("invalid_stage");
    expect(out[5]?.first_violating_index).toBe(1);
    expect(out[6]?.error?.code).toBe("message_too_large");
    expect(out[7]?.verdict).toBe("allow");
  });

  it("handles input without a trailing newline and CRLF line ends", () => {
    const r = cli([], [json({ id: "a", text: "hi" }), json({ id: "b", text: "yo" })].join("\r\n"));
    expect(r.status).toBe(0);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Out);
    expect(out.map((o) => o.id)).toEqual(["a", "b"]);
  });

  it("--stage sets the stage for lines that name none", () => {
    const r = cli(["--stage", "contract_active"], json({ text: "call me on +44 7700 900123" }));
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as Out).verdict).toBe("allow");
  });

  it("--summary prints counts to stderr", () => {
    const r = cli(["--summary"], `${input}\n`);
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l !== "")).toHaveLength(nonEmpty);
    const summary = JSON.parse(r.stderr) as Summary;
    expect(summary.lines).toBe(nonEmpty);
    expect(summary.messages).toBe(3);
    expect(summary.conversations).toBe(1);
    expect(summary.errors).toBe(4);
    expect(summary.violations).toBe(2);
    expect(summary.verdicts).toMatchObject({ mask: 2, allow: 3 });
  });

  it("a missing --input file exits non-zero with a message on stderr", () => {
    const r = cli(["--input", "/nonexistent/leakguard-no-such-file.jsonl"]);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toMatch(/leakguard-no-such-file\.jsonl/);
    expect(r.stdout).toBe("");
  });

  it("an unknown --stage exits non-zero with a message on stderr", () => {
    const r = cli(["--stage", "later"], "");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/stage/i);
  });
});
