#!/usr/bin/env node
// Scores `leakguard scan` on a labelled corpus (format: corpus/dev/README.md).
// Usage: node scripts/eval.mjs [--corpus DIR] [--json] [--misses]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

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

/** Phone-like values match when their national numbers agree (corpus/dev/README.md). */
export function handleMatches(a, b) {
  if (a === b) return true;
  const [ka, va] = splitHandle(a);
  const [kb, vb] = splitHandle(b);
  if (ka !== kb || !/^\d+$/.test(va) || !/^\d+$/.test(vb)) return false;
  const na = va.replace(/^0+/, "");
  const nb = vb.replace(/^0+/, "");
  const [long, short] = na.length >= nb.length ? [na, nb] : [nb, na];
  return short.length >= 6 && long.endsWith(short) && long.length - short.length <= 3;
}
function splitHandle(h) {
  const i = h.indexOf(":");
  return [h.slice(0, i), h.slice(i + 1)];
}

function matchHandles(gold, pred) {
  const used = new Set();
  let tp = 0;
  for (const g of gold) {
    const i = pred.findIndex((p, k) => !used.has(k) && handleMatches(g, p));
    if (i >= 0) {
      used.add(i);
      tp++;
    }
  }
  return { tp, fp: pred.length - tp, fn: gold.length - tp };
}

const ratio = (a, b) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

// --- messages
const gold = readJsonl(join(dir, "messages.jsonl"));
const pred = runCli(join(dir, "messages.jsonl"));
const byId = new Map(pred.map((p) => [p.id, p]));
let tp = 0,
  fp = 0,
  fn = 0,
  tn = 0;
const h = { tp: 0, fp: 0, fn: 0 };
const perRule = {},
  perObf = {},
  perLang = {};
const misses = [];
const bump = (table, key, hit) => {
  table[key] ??= { n: 0, hit: 0 };
  table[key].n++;
  if (hit) table[key].hit++;
};
for (const g of gold) {
  const p = byId.get(g.id);
  const predicted = p?.violation === true;
  if (g.violation && predicted) tp++;
  else if (g.violation) fn++;
  else if (predicted) fp++;
  else tn++;
  const hm = matchHandles(g.handles, p?.handles ?? []);
  h.tp += hm.tp;
  h.fp += hm.fp;
  h.fn += hm.fn;
  for (const r of g.rules)
    if (["P1", "P2", "C1", "C2"].includes(r)) bump(perRule, r, (p?.rules ?? []).includes(r));
  if (g.violation) for (const o of g.obfuscation) bump(perObf, o, predicted);
  bump(perLang, g.lang, g.violation === predicted);
  if (g.violation !== predicted || hm.fp + hm.fn > 0)
    misses.push({
      id: g.id,
      stage: g.stage,
      gold: g.violation,
      pred: predicted,
      goldHandles: g.handles,
      predHandles: p?.handles,
      rules: g.rules,
      predRules: p?.rules,
      text: g.text,
    });
}
const table = (t) =>
  Object.fromEntries(
    Object.entries(t)
      .sort()
      .map(([k, v]) => [k, `${ratio(v.hit, v.n)} (${v.hit}/${v.n})`]),
  );
const hp = ratio(h.tp, h.tp + h.fp),
  hr = ratio(h.tp, h.tp + h.fn);

// --- conversations
const goldConv = readJsonl(join(dir, "conversations.jsonl"));
const predConv = new Map(runCli(join(dir, "conversations.jsonl")).map((p) => [p.id, p]));
let convCorrect = 0,
  firstExact = 0;
const ch = { tp: 0, fp: 0, fn: 0 };
const convMisses = [];
for (const g of goldConv) {
  const p = predConv.get(g.id);
  if (p?.violation === g.violation) convCorrect++;
  if ((p?.first_violating_index ?? null) === g.first_violating_index) firstExact++;
  else
    convMisses.push({
      id: g.id,
      gold: g.first_violating_index,
      pred: p?.first_violating_index,
      goldHandles: g.handles,
      predHandles: p?.handles,
    });
  const m = matchHandles(g.handles, p?.handles ?? []);
  ch.tp += m.tp;
  ch.fp += m.fp;
  ch.fn += m.fn;
}

const report = {
  messages: {
    count: gold.length,
    recall: ratio(tp, tp + fn),
    false_positive_rate: ratio(fp, fp + tn),
    precision: ratio(tp, tp + fp),
    handle_precision: hp,
    handle_recall: hr,
    handle_f1: hp === null || hr === null ? null : Math.round(((2 * hp * hr) / (hp + hr)) * 1000) / 1000,
    recall_per_rule: table(perRule),
    recall_per_obfuscation: table(perObf),
    accuracy_per_language: table(perLang),
  },
  conversations: {
    count: goldConv.length,
    violation_accuracy: ratio(convCorrect, goldConv.length),
    first_violating_index_exact: ratio(firstExact, goldConv.length),
    handle_recall: ratio(ch.tp, ch.tp + ch.fn),
    handle_precision: ratio(ch.tp, ch.tp + ch.fp),
  },
};
if (asJson) console.log(JSON.stringify(report, null, 2));
else {
  console.log(JSON.stringify(report, null, 2));
  const targets = [
    ["recall >= 0.97", report.messages.recall >= 0.97],
    ["false-positive rate <= 0.01", report.messages.false_positive_rate <= 0.01],
    ["handle F1 >= 0.95", report.messages.handle_f1 >= 0.95],
    ["first index exact >= 0.95", report.conversations.first_violating_index_exact >= 0.95],
  ];
  for (const [name, ok] of targets) console.log(`${ok ? "MET " : "MISS"} ${name}`);
}
if (showMisses) {
  for (const m of misses) console.log(JSON.stringify(m));
  for (const m of convMisses) console.log(JSON.stringify(m));
}
