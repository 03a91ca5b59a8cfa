#!/usr/bin/env node
import { readFileSync } from "node:fs";
// The engine's part of a message send in long conversations, as the API
// judges it (judgeInConversation with a ConversationCache that keeps the
// scanner of each send), with and without a ScanMemo shared by the scanners,
// for one API process and for two (each send goes to one of two caches at
// random, as a balancer without pair affinity sends it). The run without the
// memo is the baseline, in the same process; the ratio is printed.
//
// Usage: npm run bench:conversation     (builds first)
//        node scripts/bench-conversation.mjs [--pairs P] [--sends N] [--rounds R] [--memo ENTRIES]
//
// P pairs take turns (a send for each in order), N sends each, so a
// conversation grows past the 20 messages a send reads: from its 21st
// message the oldest drops out, the kept scanner no longer matches and the
// send builds the scanner again from the 20. Texts are the labelled dev
// corpus (corpus/dev/messages.jsonl) in turn, each with a word of its own
// appended: two pairs never send the same text, so the memo is only reused
// within a pair's own conversation (a common "ok, thanks" across pairs would
// make it look better than it is).
import os from "node:os";
import { fileURLToPath } from "node:url";
import { DEFAULT_POLICY, ScanMemo } from "@leakguard/detect";
import { ConversationCache, judgeInConversation } from "@leakguard/trust";

const root = fileURLToPath(new URL("..", import.meta.url));

function parseArgs(argv) {
  const opts = { pairs: 200, sends: 40, rounds: 3, memo: 50_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return Number(v);
    };
    if (a === "--pairs") opts.pairs = value();
    else if (a === "--sends") opts.sends = value();
    else if (a === "--rounds") opts.rounds = value();
    else if (a === "--memo") opts.memo = value();
    else if (a === "--help" || a === "-h") {
      console.log(
        "usage: node scripts/bench-conversation.mjs [--pairs P] [--sends N] [--rounds R] [--memo ENTRIES]",
      );
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  for (const k of ["pairs", "sends", "rounds", "memo"])
    if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`--${k} must be a positive integer`);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const texts = readFileSync(`${root}corpus/dev/messages.jsonl`, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l).text);
// A word of letters only (no digits: they could read as part of a number).
const wordOf = (n) => `zq${n.toString(26).replace(/[0-9]/g, (d) => "qrstuvwxyz"[Number(d)])}`;
const pair = { stage: "contract_active", inOffPlatformWindow: true, converted: false };

/** Microseconds of engine time per send, and the memo's hits and misses. */
function run(processes, withMemo) {
  let seed = 20261203;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const caches = Array.from(
    { length: processes },
    () => new ConversationCache(1_000, withMemo ? new ScanMemo(opts.memo) : undefined),
  );
  const history = Array.from({ length: opts.pairs }, () => []);
  const total = opts.pairs * opts.sends;
  const started = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    const p = i % opts.pairs;
    const turn = Math.floor(i / opts.pairs);
    const message = {
      senderId: turn % 2 === 0 ? `client-${p}` : `freelancer-${p}`,
      text: `${texts[i % texts.length]} ${wordOf(i)}`,
    };
    const cache = caches[Math.floor(random() * processes)];
    judgeInConversation(DEFAULT_POLICY, pair, message, history[p].slice(-20), {
      cache,
      key: `pair-${p}`,
      keepJudged: true,
    });
    history[p].push(message);
  }
  const micros = Number(process.hrtime.bigint() - started) / 1_000 / total;
  const hits = caches.reduce((n, c) => n + (c.memo?.hits ?? 0), 0);
  const misses = caches.reduce((n, c) => n + (c.memo?.misses ?? 0), 0);
  return { micros, hits, misses };
}

console.log(
  `bench-conversation: ${opts.pairs} pairs, ${opts.sends} sends each (the 20 read, then ${opts.sends - 20} past them), memo of ${opts.memo.toLocaleString("en-US")} scans, best of ${opts.rounds} rounds`,
);
const rows = [];
for (const processes of [1, 2]) {
  const best = { without: Number.POSITIVE_INFINITY, with: Number.POSITIVE_INFINITY, hits: 0, misses: 0 };
  for (let r = 0; r < opts.rounds; r++) {
    best.without = Math.min(best.without, run(processes, false).micros);
    const m = run(processes, true);
    if (m.micros < best.with) Object.assign(best, { with: m.micros, hits: m.hits, misses: m.misses });
  }
  rows.push({ processes, ...best });
}
console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), Node ${process.version}`);
console.log(
  "| processes | µs/send, no memo (baseline) | µs/send, memo | memo / baseline | memo hits | memo misses |",
);
console.log("|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.processes} | ${r.without.toFixed(0)} | ${r.with.toFixed(0)} | ${(r.with / r.without).toFixed(2)} | ${r.hits.toLocaleString("en-US")} | ${r.misses.toLocaleString("en-US")} |`,
  );
