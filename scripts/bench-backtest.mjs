#!/usr/bin/env node
// Throughput of `leakguard backtest`'s core against the engine alone, on the
// same synthetic history, in the same process.
//
// Usage: npm run bench:backtest            (builds first)
//        node scripts/bench-backtest.mjs [--messages N] [--seed S] [--rounds R]
//
// The history is generated in memory (apps/cli's generator, seeded). "Engine
// alone" is the conversation scanner fed the parsed messages, one scanner per
// conversation and stage, held in a plain Map with no bound. "Backtest" is the
// whole core from raw JSONL lines: parsing, the reorder buffer, bounded
// per-conversation state, aggregation (handle hashing, distinct counts, time
// buckets). No file I/O on either side.
import os from "node:os";
import { createConversationScanner } from "@leakguard/detect";
import { createBacktest } from "../apps/cli/dist/backtest/backtest.js";
import { generateHistory } from "../apps/cli/dist/backtest/generate.js";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const messages = arg("--messages", 100_000);
const seed = arg("--seed", 20260315);
const rounds = arg("--rounds", 3);
const { DEFAULT_POLICY } = await import("@leakguard/detect");

const lines = [];
for (const m of generateHistory({ messages, seed })) lines.push(m.line);
const parsed = lines.map((l) => JSON.parse(l));
const stageOf = (m) => (m.contract_state === "active" ? "contract_active" : "pre_contract");

function engineAlone(list) {
  const scanners = new Map();
  let flagged = 0;
  for (const m of list) {
    const stage = stageOf(m);
    const key = `${m.conversation_id}\u0000${stage}`;
    let s = scanners.get(key);
    if (s === undefined) {
      s = createConversationScanner({ stage });
      scanners.set(key, s);
    }
    if (s.push({ from: m.sender, text: m.text }).violation) flagged++;
  }
  return flagged;
}

function backtest(list) {
  const b = createBacktest({
    policies: [{ name: "default", policy: DEFAULT_POLICY }],
    defaultStage: "pre_contract",
    hashKey: "bench",
  });
  for (const l of list) b.pushLine(l);
  return b.finish().summaries[0].violations;
}

function time(fn, input) {
  const t0 = process.hrtime.bigint();
  const out = fn(input);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, rate: input.length / s, out };
}

// Warm-up on 2,000 messages each.
engineAlone(parsed.slice(0, 2000));
backtest(lines.slice(0, 2000));

const best = { engine: null, backtest: null };
for (let r = 1; r <= rounds; r++) {
  const e = time(engineAlone, parsed);
  const b = time(backtest, lines);
  console.log(
    `round ${r}: engine ${Math.round(e.rate).toLocaleString("en-US")} messages/s (${e.out} violations), ` +
      `backtest ${Math.round(b.rate).toLocaleString("en-US")} messages/s (${b.out} violations), ratio ${(b.rate / e.rate).toFixed(3)}`,
  );
  if (best.engine === null || e.rate > best.engine.rate) best.engine = e;
  if (best.backtest === null || b.rate > best.backtest.rate) best.backtest = b;
}
const ratio = best.backtest.rate / best.engine.rate;
console.log(`
${messages.toLocaleString("en-US")} messages (seed ${seed}), best of ${rounds} rounds, one core of ${os.cpus().length} (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}
| | messages/s |
|---|---|
| engine alone (conversation scanner per conversation) | ${Math.round(best.engine.rate).toLocaleString("en-US")} |
| backtest core (parse, reorder, bounded replay, aggregate) | ${Math.round(best.backtest.rate).toLocaleString("en-US")} |
| backtest / engine | ${ratio.toFixed(3)} (target >= 0.80: ${ratio >= 0.8 ? "MET" : "MISSED"}) |`);
