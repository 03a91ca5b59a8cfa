import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emptySummary, scanLine } from "../apps/cli/src/scan-lines.js";
import { scoreConversations, scoreMessages, TARGETS } from "../scripts/score.mjs";

// The quality targets, held on the development corpus by the same code path as the CLI.
// (`npm run eval` measures the same through the built CLI, and prints per rule, technique and language.)
const corpus = new URL("../corpus/dev/", import.meta.url);
const readJsonl = (name: string): Record<string, unknown>[] =>
  readFileSync(new URL(name, corpus), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function scanAll(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  const summary = emptySummary();
  return lines.map((l) => scanLine(JSON.stringify(l), { stage: "pre_contract" }, summary));
}

describe("quality on the development corpus", () => {
  const messages = readJsonl("messages.jsonl");
  const conversations = readJsonl("conversations.jsonl");
  const report = {
    messages: scoreMessages(messages, scanAll(messages)).report,
    conversations: scoreConversations(conversations, scanAll(conversations)).report,
  };
  for (const [name, met] of TARGETS) {
    it(`meets the target: ${name}`, () => {
      expect(met(report), JSON.stringify(report, null, 1)).toBe(true);
    });
  }
});
