#!/usr/bin/env node
// Scores `leakguard scan` on a labelled corpus (format: corpus/dev/README.md).
// Usage: node scripts/eval.mjs [--corpus DIR] [--json] [--misses]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scoreConversations, scoreMessages, TARGETS } from "./score.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const dir = args.includes("--corpus") ? args[args.indexOf("--corpus") + 1] : join(root, "corpus/dev");
const asJson = args.includes("--json");
const showMisses = args.includes("--misses");

function runCli(file) {
  const r = spawnSync(process.execPath, [join(root, "apps/cli/dist/main.js"), "scan", "--input", file], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`leakguard scan failed on ${file}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

const readJsonl = (file) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

const messagesFile = join(dir, "messages.jsonl");
const conversationsFile = join(dir, "conversations.jsonl");
const messages = scoreMessages(readJsonl(messagesFile), runCli(messagesFile));
const conversations = scoreConversations(readJsonl(conversationsFile), runCli(conversationsFile));
const report = { corpus: dir, messages: messages.report, conversations: conversations.report };

console.log(JSON.stringify(report, null, 2));
if (!asJson) for (const [name, met] of TARGETS) console.log(`${met(report) ? "MET " : "MISS"} ${name}`);
if (showMisses) for (const m of [...messages.misses, ...conversations.misses]) console.log(JSON.stringify(m));
